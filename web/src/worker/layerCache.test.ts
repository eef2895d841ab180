/**
 * The layer cache on fake-indexeddb (an in-memory implementation of the IndexedDB API, as the
 * worker's is): analyses and seek indexes by digest, the seek index counted in its layer's bytes,
 * evicted and cleared with it, and never kept without its analysis.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, test } from 'vitest';
import { emptyLayerIndex, type LayerAnalysis } from '../core/layers';
import { LayerCache } from './layerCache';
import { layerAnalysisBytes } from './layerJob';

function analysis(): LayerAnalysis {
  return {
    index: emptyLayerIndex(),
    compression: 'gzip',
    digest: { expected: 'sha256:a', actual: 'sha256:a', ok: true },
    diffId: { ok: false },
    compressedBytes: 10,
    uncompressedBytes: 20,
    warnings: [],
  };
}

const ANALYSIS_BYTES = layerAnalysisBytes(analysis());

describe('LayerCache', () => {
  beforeEach(() => {
    globalThis.indexedDB = new IDBFactory();
  });

  test('keeps the captured package databases with their analysis, their bytes counted in the budget', async () => {
    const packages = [
      { path: 'var/lib/dpkg/status', entry: 3, size: 5, bytes: new TextEncoder().encode('Pkg:\n') },
      { path: 'var/lib/rpm/Packages', entry: 4, size: 9000, omitted: 'recognised-only' as const },
    ];
    const cache = new LayerCache();
    await cache.put('sha256:1', analysis(), packages);
    expect(await cache.get('sha256:1')).toEqual({ analysis: analysis(), packages });
    expect(layerAnalysisBytes(analysis(), packages) - ANALYSIS_BYTES).toBeGreaterThanOrEqual(5);
    expect((await cache.stats()).bytes).toBe(layerAnalysisBytes(analysis(), packages));
  });

  test('store: the value is copied when it resolves, so its buffers may then be transferred away', async () => {
    const cache = new LayerCache();
    const packages = [{ path: 'var/lib/dpkg/status', entry: 3, size: 5, bytes: new TextEncoder().encode('Pkg:\n') }];
    const { written } = await cache.store('sha256:1', analysis(), packages);
    // What the worker does next: transfer the result's buffers to the page, which detaches them here.
    structuredClone(packages, { transfer: [packages[0]!.bytes.buffer] });
    expect(packages[0]!.bytes.byteLength).toBe(0);
    await written;
    const kept = await cache.get('sha256:1');
    expect(new TextDecoder().decode(kept?.packages[0]?.bytes)).toBe('Pkg:\n');
    expect(kept?.analysis).toEqual(analysis());
  });

  test('a read right after store sees the value, before its write was awaited', async () => {
    const cache = new LayerCache();
    await cache.get('sha256:0'); // opened, as in the worker
    void (await cache.store('sha256:1', analysis()));
    expect(await cache.get('sha256:1')).toEqual({ analysis: analysis(), packages: [] });
  });

  test('keeps an analysis, then its seek index beside it, counted in the budget', async () => {
    const cache = new LayerCache();
    expect(await cache.putSeek('sha256:1', new Uint8Array(100))).toBe(false); // no analysis yet: not kept
    await cache.put('sha256:1', analysis());
    expect(await cache.get('sha256:1')).toEqual({ analysis: analysis(), packages: [] });
    expect(await cache.hasSeek('sha256:1')).toBe(false);
    expect(await cache.putSeek('sha256:1', new Uint8Array(100).fill(7))).toBe(true);
    expect(await cache.hasSeek('sha256:1')).toBe(true);
    expect(await cache.getSeek('sha256:1')).toEqual(new Uint8Array(100).fill(7));
    expect(await cache.stats()).toEqual({ entries: 1, bytes: ANALYSIS_BYTES + 100, budget: expect.any(Number) });
    // A new index replaces the old one in the count; a new analysis drops it.
    expect(await cache.putSeek('sha256:1', new Uint8Array(40))).toBe(true);
    expect((await cache.stats()).bytes).toBe(ANALYSIS_BYTES + 40);
    await cache.put('sha256:1', analysis());
    expect(await cache.hasSeek('sha256:1')).toBe(false);
    expect((await cache.stats()).bytes).toBe(ANALYSIS_BYTES);
  });

  test('evicts the least recently used layer with its seek index', async () => {
    const cache = new LayerCache(2 * ANALYSIS_BYTES + 150);
    await cache.put('sha256:old', analysis());
    expect(await cache.putSeek('sha256:old', new Uint8Array(100))).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    await cache.put('sha256:new', analysis());
    expect(await cache.get('sha256:old')).toBeDefined();
    await new Promise((r) => setTimeout(r, 5));
    // Over budget now: the layer used longest ago goes, with its index ('old' was read last, so 'new').
    expect(await cache.putSeek('sha256:new', new Uint8Array(100))).toBe(true);
    expect(await cache.get('sha256:new')).toBeUndefined();
    expect(await cache.hasSeek('sha256:new')).toBe(false);
    expect(await cache.hasSeek('sha256:old')).toBe(true);
    expect((await cache.stats()).entries).toBe(1);
  });

  test('an index larger than the whole budget is not kept; clear drops everything', async () => {
    const cache = new LayerCache(ANALYSIS_BYTES + 10);
    await cache.put('sha256:1', analysis());
    expect(await cache.putSeek('sha256:1', new Uint8Array(11))).toBe(false);
    expect(await cache.putSeek('sha256:1', new Uint8Array(10))).toBe(true);
    await cache.clear();
    expect(await cache.get('sha256:1')).toBeUndefined();
    expect(await cache.getSeek('sha256:1')).toBeUndefined();
    expect(await cache.stats()).toEqual({ entries: 0, bytes: 0, budget: ANALYSIS_BYTES + 10 });
  });
});
