/**
 * Timings of the filesystem model on generated images of 100,000 files:
 * 20 layers × 5,000 entries (with overwrites, file and directory whiteouts and opaque
 * directories) and 1 layer × 100,000.
 *
 *   npx tsx web/test/bench/fsBench.ts [repeats=5]
 *
 * Prints, per image, the first (cold) run and the best of `repeats` runs (ms) for: stacking (trie, fates, marks), dive's
 * figures, Lading's reclaimable bytes, the largest files, one aggregate view of the last layer,
 * and flattening it fully expanded with a path filter. Pure: no Node imports, so it also
 * typechecks under the worker-safe core tsconfig.
 */
import type { LayerIndex } from '../../src/core/layers/layerIndex';
import { stackLayers } from '../../src/core/fs/imageFs';
import { syntheticImage } from '../fs/testing';

const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const REPEATS = Number(argv[2] ?? 5);

interface Timings {
  [step: string]: number;
}

function run(layers: { index: LayerIndex; command: string }[]): { t: Timings; summary: string } {
  const t: Timings = {};
  const time = <T>(name: string, f: () => T): T => {
    const s = performance.now();
    const r = f();
    t[name] = performance.now() - s;
    return r;
  };
  const fs = time('stack', () => stackLayers(layers));
  const dive = time('dive', () => fs.dive());
  const rec = time('reclaimable', () => fs.reclaimable());
  time('largest', () => fs.largest(50));
  const last = fs.layerCount - 1;
  time('view', () => fs.view(last, 'aggregate'));
  const rows = time('flatten', () => fs.flatten(last, 'aggregate', { expandAll: true, filter: { path: 'sub3' } }));
  t.total = Object.values(t).reduce((a, b) => a + b, 0);
  const summary =
    `${fs.entryCount} entries, ${fs.nodeCount} nodes; dive efficiency ${(dive.efficiency * 100).toFixed(2)} %, ` +
    `wasted ${dive.wastedBytes} B, ${dive.inefficiencies.length} inefficient paths; reclaimable ${rec.totalBytes} B; ${rows.count} rows`;
  return { t, summary };
}

function bench(name: string, make: () => { index: LayerIndex; command: string }[]): void {
  const layers = make();
  const best: Timings = {};
  let first: Timings = {};
  let summary = '';
  for (let i = 0; i < REPEATS; i++) {
    const r = run(layers);
    summary = r.summary;
    if (i === 0) first = r.t;
    for (const [k, v] of Object.entries(r.t)) best[k] = Math.min(best[k] ?? Infinity, v);
  }
  console.log(`\n${name}: ${summary}`);
  console.log(`${''.padEnd(12)} ${'first'.padStart(8)}    ${'best'.padStart(8)}`);
  console.log(
    Object.entries(best)
      .map(([k, v]) => `${k.padEnd(12)} ${first[k]!.toFixed(1).padStart(8)} ms ${v.toFixed(1).padStart(8)} ms`)
      .join('\n'),
  );
}

bench('20 layers × 5,000 files', () => syntheticImage(20, 5000));
bench('1 layer × 100,000 files', () => syntheticImage(1, 100_000));
