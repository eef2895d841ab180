/**
 * Stacks an image's layer indexes into its filesystem model (trie, marks, dive's figures,
 * reclaimable bytes) off the main thread; the model goes back as transferred typed arrays.
 *
 * The same module builds the package report (core/packages) from a model and the database files
 * each layer's pass captured: the page runs it on an instance of its own (bridge.ts), so a
 * report never delays the tree. sql.js and its WebAssembly are loaded only for an image with an
 * rpmdb.sqlite (Vite makes the module a chunk of its own; the .wasm is a same-origin URL, fetched
 * under the app's CSP).
 */
import * as Comlink from 'comlink';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { ImageFilesystem, stackLayers, type FsData, type LayerInput } from '../core/fs';
import { buildPackageReport, needsSqlite, packageFsOf, packageReportTransferables, sqlJsLoader, type CapturedFile, type PackageReport } from '../core/packages';

const loadSqlite = sqlJsLoader({ locateFile: () => wasmUrl });

export const fsWorkerApi = {
  build(layers: LayerInput[]): FsData {
    const { data, transfer } = stackLayers(layers).toTransfer();
    return Comlink.transfer(data, transfer);
  },

  /** `fs` is copied here (the page keeps its model); `captured[k]` is layer k's database files. */
  async packages(fs: FsData, captured: CapturedFile[][]): Promise<PackageReport> {
    const sqlite = needsSqlite(captured) ? await loadSqlite() : undefined;
    const report = buildPackageReport(packageFsOf(ImageFilesystem.fromTransfer(fs)), captured, sqlite ? { sqlite } : {});
    return Comlink.transfer(report, packageReportTransferables(report));
  },
};

export type FsWorkerApi = typeof fsWorkerApi;

Comlink.expose(fsWorkerApi);
