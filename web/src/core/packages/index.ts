/**
 * Package databases read from the bytes a layer pass captured, stacked per layer, and every
 * file attributed to its package. Pure: runs in a Web Worker, the page, Node tests and the CLI.
 *
 *   // in the layer pass, per entry (see capture.ts):
 *   const capture = new PackageCapture();
 *   if (capture.begin(path, e, type === EntryType.File, size)) { capture.data(piece); capture.end(); }
 *   const captured = capture.finish();                        // CapturedFile[] for this layer
 *
 *   // once the image is stacked:
 *   const sqlite = needsSqlite(allCaptured) ? await loadSqlite() : undefined;
 *   const report = buildPackageReport(packageFsOf(imageFs), allCaptured, { sqlite });
 *   postMessage(report, packageReportTransferables(report));
 *
 * See README.md for the formats, the caps and the SQLite choice.
 */
export { PackageCapture, capturedTransferables } from './capture';
export { PackageObserver } from './observer';
export { FILE_CAPS, LAYER_LIMITS, databaseKind, ecosystemOf } from './kinds';
export type { DatabaseKind, LayerLimits } from './kinds';
export { parseCaptured } from './parse';
export type { Fragment, ParsedFile, ParseDeps } from './parse';
export { packageFsOf } from './fsInput';
export type { PackageFs } from './fsInput';
export { buildPackageReport, packageReportTransferables } from './report';
export type { DatabaseFileInfo, LayerPackages, PackageReport, PackageSummary } from './report';
export { sqlJsLoader } from './sqlite';
export type { SqliteEngine, SqliteSetup } from './sqlite';
export { ECOSYSTEMS, isOsEcosystem } from './types';
export type { CapturedFile, Ecosystem, NoteKind, OwnedTree, PackageNote, PackageRecord } from './types';

import { databaseKind } from './kinds';
import type { CapturedFile } from './types';

/** True when some layer captured an rpmdb.sqlite with bytes: only then is SQLite worth loading. */
export function needsSqlite(captured: readonly (readonly CapturedFile[])[]): boolean {
  return captured.some((l) => l.some((f) => f.bytes !== undefined && databaseKind(f.path) === 'rpm-sqlite'));
}
