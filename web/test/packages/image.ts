/**
 * Reads a fixture image from its OCI layout the way the app does (analyzeLayerStream per layer,
 * stackLayers), captures its package databases with PackageCapture from the uncompressed tar at
 * the offsets the index records (what the layer pass will do while streaming), and builds the
 * package report.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { stackLayers, type ImageFilesystem } from '../../src/core/fs';
import { analyzeLayerStream, pathOf, type LayerIndex } from '../../src/core/layers';
import { EntryType } from '../../src/core/layers/layerIndex';
import { PackageCapture, buildPackageReport, needsSqlite, packageFsOf, type CapturedFile, type PackageReport } from '../../src/core/packages';
import { loadSqlite } from './tools';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface FixtureImage {
  readonly fs: ImageFilesystem;
  readonly indexes: LayerIndex[];
  readonly captured: CapturedFile[][];
  readonly report: PackageReport;
  readonly createdBy: string[];
}

/** The part of a fixture tag (FixtureTag in e2e/harness/fixtures.ts) this reads. */
export interface FixtureTagLayers {
  readonly source: { readonly path: string };
  readonly platforms: readonly {
    readonly image: { readonly layers: readonly { readonly digest: string; readonly createdBy: string; readonly mediaType: string }[] };
  }[];
}

export async function loadFixtureImage(tag: FixtureTagLayers): Promise<FixtureImage> {
  const layers = tag.platforms[0]!.image.layers;
  const blob = (digest: string): string => join(repoRoot, tag.source.path, 'blobs/sha256', digest.slice('sha256:'.length));
  const indexes: LayerIndex[] = [];
  const captured: CapturedFile[][] = [];
  for (const l of layers) {
    const r = await analyzeLayerStream(createReadStream(blob(l.digest)));
    if (r.error) throw new Error(`${l.digest}: ${r.error.message}`);
    indexes.push(r.index);
    const raw = readFileSync(blob(l.digest));
    const tar = l.mediaType.endsWith('gzip') ? gunzipSync(raw) : raw;
    const cap = new PackageCapture();
    for (let e = 0; e < r.index.count; e++) {
      const size = r.index.size[e]!;
      if (cap.begin(pathOf(r.index, e), e, r.index.type[e] === EntryType.File && r.index.flags[e] === 0, size)) {
        const off = r.index.offset[e]!;
        // In pieces, as a stream delivers them.
        for (let o = 0; o < size; o += 4096) cap.data(tar.subarray(off + o, off + Math.min(size, o + 4096)));
        cap.end();
      }
    }
    captured.push(cap.finish());
  }
  const fs = stackLayers(indexes.map((index, k) => ({ index, command: layers[k]!.createdBy })));
  const sqlite = needsSqlite(captured) ? await loadSqlite() : undefined;
  const report = buildPackageReport(packageFsOf(fs), captured, sqlite ? { sqlite } : {});
  return { fs, indexes, captured, report, createdBy: layers.map((l) => l.createdBy) };
}
