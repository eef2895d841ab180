/**
 * Correctness at scale (timings are in web/test/bench/fsBench.ts): the fast stacking against a naive
 * reference (maps of path strings, prefix scans), on random images and on 10k-entry images;
 * and consistency checks on images of 100,000 files.
 */
import { describe, expect, test } from 'vitest';
import { EntryFlag, EntryType, entryAt, type LayerIndex } from '../layers/layerIndex';
import { Fate, Mark, stackLayers, type ImageFilesystem } from './index';
import { buildLayer, rng, syntheticImage, type TestEntry } from '../../../test/fs/testing';

interface RefFate {
  by: number;
  reason: number;
  killer: string;
}

/** OCI stacking, the slow and obvious way. Returns the final path -> global entry map and the fates. */
function reference(indexes: LayerIndex[]): { visible: Map<string, number>; fates: Map<number, RefFate> } {
  const under = (p: string, a: string): boolean => (a === '' ? p !== '' : p.startsWith(a + '/'));
  const visible = new Map<string, number>();
  const layerOf = new Map<number, number>();
  const typeOf = new Map<number, number>();
  const fates = new Map<number, RefFate>();
  let base = 0;
  indexes.forEach((index, k) => {
    const kill = (g: number, reason: number, killer: string) => fates.set(g, { by: k, reason, killer });
    const entries = Array.from({ length: index.count }, (_, e) => ({ ...entryAt(index, e), g: base + e }));
    const last = new Map<string, number>();
    for (const x of entries) {
      layerOf.set(x.g, k);
      typeOf.set(x.g, x.type);
      if (x.flags & (EntryFlag.Whiteout | EntryFlag.Opaque)) continue;
      const older = last.get(x.path);
      if (older !== undefined) kill(older, Fate.Overwritten, x.path);
      last.set(x.path, x.g);
    }
    const before = new Map(visible);
    for (const x of entries) {
      if (!(x.flags & EntryFlag.Whiteout)) continue;
      for (const [p, g] of visible)
        if (p === x.path || under(p, x.path)) {
          kill(g, Fate.Deleted, x.path);
          visible.delete(p);
        }
    }
    for (const x of entries) {
      if (!(x.flags & EntryFlag.Opaque)) continue;
      for (const [p, g] of visible)
        if (under(p, x.path)) {
          kill(g, Fate.HiddenByOpaque, x.path);
          visible.delete(p);
        }
    }
    for (const [path, g] of last) {
      for (let a = path; a !== '';) {
        a = a.includes('/') ? a.slice(0, a.lastIndexOf('/')) : '';
        const low = visible.get(a);
        if (low !== undefined && layerOf.get(low)! < k && typeOf.get(low) !== EntryType.Directory) {
          kill(low, Fate.Overwritten, path);
          visible.delete(a);
        }
      }
      const old = visible.get(path);
      if (old !== undefined) kill(old, Fate.Overwritten, path);
      else {
        const was = before.get(path);
        if (was !== undefined && fates.get(was)?.by === k) fates.set(was, { by: k, reason: Fate.Overwritten, killer: path });
      }
      visible.set(path, g);
      if (typeOf.get(g) !== EntryType.Directory) {
        for (const [p, x] of visible)
          if (under(p, path) && layerOf.get(x)! < k) {
            kill(x, Fate.Overwritten, path);
            visible.delete(p);
          }
      }
    }
    base += index.count;
  });
  return { visible, fates };
}

function compare(fs: ImageFilesystem, indexes: LayerIndex[], label: string): void {
  const d = fs.data;
  const ref = reference(indexes);
  const ours = new Map<string, number>();
  for (let n = 0; n < d.finalVis.length; n++) if (d.finalVis[n]! >= 0) ours.set(fs.path(n).slice(1), d.finalVis[n]!);
  expect(ours, label).toEqual(ref.visible);
  const got = new Map<number, RefFate>();
  for (let g = 0; g < d.entryNode.length; g++) {
    if (d.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque) || d.killedBy[g] === -1) continue;
    got.set(g, { by: d.killedBy[g]!, reason: d.killReason[g]!, killer: fs.path(d.killerNode[g]!).slice(1) });
  }
  expect(got, label).toEqual(ref.fates);
}

function randomImage(seed: number): LayerIndex[] {
  const rand = rng(seed);
  const names = ['a', 'b', 'c', 'd'];
  const path = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => names[Math.floor(rand() * names.length)]).join('/');
  return Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
    const entries: TestEntry[] = [];
    for (let i = Math.floor(rand() * 14); i > 0; i--) {
      const r = rand();
      const p = path();
      if (r < 0.4) entries.push({ path: p, type: EntryType.File, size: 1 + Math.floor(rand() * 9) });
      else if (r < 0.65) entries.push({ path: p, type: EntryType.Directory });
      else if (r < 0.75) entries.push({ path: p, type: EntryType.Symlink, link: 'x' });
      else if (r < 0.9) entries.push({ path: p, flags: EntryFlag.Whiteout });
      else entries.push({ path: p, flags: EntryFlag.Opaque });
    }
    return buildLayer(entries);
  });
}

/** Marks that must hold whatever the image: every changed node's parents are marked, removed subtrees are all removed. */
function checkMarks(fs: ImageFilesystem): void {
  const d = fs.data;
  for (let k = 0; k < fs.layerCount; k++) {
    const v = fs.view(k, 'layer');
    for (const n of v.nodes) {
      const p = d.trie.parent[n]!;
      if (p === 0) continue;
      if (v.mark[p] === 255) throw new Error(`layer ${k}: ${fs.path(n)} in the view without its parent`);
      if (v.mark[n] !== Mark.Unmodified && v.mark[p] === Mark.Unmodified) throw new Error(`layer ${k}: ${fs.path(p)} unmodified above a change`);
      if (v.mark[p] === Mark.Removed && v.mark[n] !== Mark.Removed) throw new Error(`layer ${k}: ${fs.path(n)} kept below a removed directory`);
    }
  }
}

describe('fast stacking equals the naive reference', () => {
  test('2000 random images over a tiny namespace', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const indexes = randomImage(seed);
      const fs = stackLayers(indexes.map((index) => ({ index })));
      compare(fs, indexes, `seed ${seed}`);
      checkMarks(fs);
    }
  });

  test('a 5 × 1,000-entry image', () => {
    const layers = syntheticImage(5, 1000, 3);
    const fs = stackLayers(layers);
    compare(
      fs,
      layers.map((l) => l.index),
      'synthetic',
    );
  }, 60_000);
});

describe('100,000 files', () => {
  for (const [L, F] of [
    [20, 5000],
    [1, 100_000],
  ] as const) {
    test(`${L} × ${F}: bytes add up, views agree with the final visibility, dive's figures are consistent`, () => {
      const fs = stackLayers(syntheticImage(L, F, 11));
      const d = fs.data;
      const E = fs.entryCount;
      expect(E).toBeGreaterThanOrEqual(100_000);
      // Every file's bytes are either visible in the final image or reclaimable.
      let all = 0;
      let visible = 0;
      for (let g = 0; g < E; g++) {
        if (d.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque) || d.entryType[g] !== EntryType.File) continue;
        all += d.entrySize[g]!;
        if (d.killedBy[g] === -1) {
          visible += d.entrySize[g]!;
          if (d.finalVis[d.entryNode[g]!] !== g) throw new Error(`entry ${g} alive but not visible`);
        }
      }
      const rec = fs.reclaimable();
      expect(visible + rec.totalBytes).toBe(all);
      expect(rec.byLayer.reduce((a, b) => a + b, 0)).toBe(rec.totalBytes);
      // The aggregate view of the last layer is the final image.
      const last = fs.view(L - 1, 'aggregate');
      expect(last.size[0]).toBe(visible);
      // Layer views: what each layer removed equals what the fates say it killed (files).
      for (let k = 0; k < L; k++) {
        const v = fs.view(k, 'layer');
        let removed = 0;
        for (const n of v.nodes)
          if (v.mark[n] === Mark.Removed && v.entry[n]! >= 0 && d.entryType[v.entry[n]!] === EntryType.File) removed += d.entrySize[v.entry[n]!]!;
        let killed = 0;
        for (let g = 0; g < E; g++) {
          if (d.killedBy[g] === k && d.entryLayer[g]! < k && d.entryType[g] === EntryType.File && d.killReason[g] !== Fate.Overwritten)
            killed += d.entrySize[g]!;
        }
        expect(removed, `layer ${k}`).toBe(killed);
      }
      checkMarks(fs);
      // dive: sorted largest first, wasted = sum of the list, score within (0, 1].
      const dive = fs.dive();
      const sizes = dive.inefficiencies.map((i) => i.sizeBytes);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(dive.wastedBytes).toBe(sizes.reduce((a, b) => a + b, 0));
      expect(dive.efficiency).toBeGreaterThan(0);
      expect(dive.efficiency).toBeLessThanOrEqual(1);
      expect(dive.sizeBytes).toBe(dive.layerSizes.reduce((a, b) => a + b, 0));
      if (L === 1) expect(dive).toMatchObject({ efficiency: 1, wastedBytes: 0, wastedUserPercent: 0, userSizeBytes: 0 });
      // Flattening everything yields every node of the view, once, in tree order.
      const rows = fs.flatten(L - 1, 'aggregate', { expandAll: true });
      expect(rows.count).toBe(last.nodes.length);
      expect([...rows.node]).toEqual([...last.nodes]);
      expect(fs.largest(10).map((f) => f.size)).toEqual(
        [...d.finalVis]
          .filter((g) => g >= 0 && d.entryType[g] === EntryType.File)
          .map((g) => d.entrySize[g]!)
          .sort((a, b) => b - a)
          .slice(0, 10),
      );
    }, 60_000);
  }
});
