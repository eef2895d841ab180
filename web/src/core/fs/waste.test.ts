import { describe, expect, test } from 'vitest';
import { REASONS, stackLayers } from './index';
import { buildLayers } from '../../../test/fs/testing';

describe('reclaimable bytes', () => {
  const fs = stackLayers(
    buildLayers(
      ['d root', 'f root/saved.txt 100', 'd tmp', 'f tmp/cache 50', 'd doc', 'f doc/a 7', 'f doc/b 8', 'f keep 1000'],
      ['d root', 'f root/saved.txt 100'], // rewritten: layer 0's copy is dead
      ['w tmp'], // deleted
      ['d doc', 'o doc', 'f doc/new 2'], // hidden by opaque
    ).map((l, i) => ({ ...l, command: ['FROM base', 'RUN chmod +x /root/saved.txt', 'RUN rm -rf /tmp', 'COPY doc/ /doc/'][i]! })),
  );

  test('per entry: path, bytes, layer, reason, the layer and path that did it, and its command', () => {
    expect(fs.reclaimableItems().map(({ node: _n, byNode: _b, ...rest }) => rest)).toEqual([
      {
        entry: 1,
        path: '/root/saved.txt',
        bytes: 100,
        layer: 0,
        reason: 'overwritten',
        byLayer: 1,
        byPath: '/root/saved.txt',
        byCommand: 'RUN chmod +x /root/saved.txt',
      },
      { entry: 3, path: '/tmp/cache', bytes: 50, layer: 0, reason: 'deleted', byLayer: 2, byPath: '/tmp', byCommand: 'RUN rm -rf /tmp' },
      { entry: 6, path: '/doc/b', bytes: 8, layer: 0, reason: 'hidden-by-opaque', byLayer: 3, byPath: '/doc', byCommand: 'COPY doc/ /doc/' },
      { entry: 5, path: '/doc/a', bytes: 7, layer: 0, reason: 'hidden-by-opaque', byLayer: 3, byPath: '/doc', byCommand: 'COPY doc/ /doc/' },
    ]);
  });

  test('per-layer totals, and by reason', () => {
    const s = fs.reclaimable();
    expect(s.totalBytes).toBe(165);
    expect([...s.byLayer]).toEqual([165, 0, 0, 0]);
    const l0 = Object.fromEntries(REASONS.map((r, i) => [r, s.byLayerAndReason[i]]));
    expect(l0).toEqual({ overwritten: 100, deleted: 50, 'hidden-by-opaque': 15 });
    expect(fs.reclaimableItems({ layer: 1 })).toEqual([]);
    expect(fs.reclaimableItems({ limit: 1 }).map((i) => i.path)).toEqual(['/root/saved.txt']);
  });

  test('layer stats: counts by mark and bytes, for the layer list', () => {
    expect(fs.layerStats(0)).toEqual({ added: 5, modified: 0, removed: 0, unmodified: 0, writtenBytes: 1165, removedBytes: 0, deadBytes: 165 });
    expect(fs.layerStats(1)).toMatchObject({ added: 0, modified: 0, unmodified: 1, writtenBytes: 0, deadBytes: 0 });
    expect(fs.layerStats(2)).toMatchObject({ removed: 1, removedBytes: 50 });
    expect(fs.layerStats(3)).toMatchObject({ added: 1, removed: 2, removedBytes: 15, writtenBytes: 2 });
  });

  test('the copy you keep is never counted (unlike dive’s wasted bytes)', () => {
    const d = fs.dive();
    // dive counts both copies of saved.txt (200, the kept one too) and nothing for /tmp (its path
    // is seen once, as the whiteout) nor for what the opaque /doc hides (dive ignores opaque markers).
    expect(d.wastedBytes).toBe(200);
    expect(fs.reclaimable().totalBytes).toBe(165);
  });

  test('a dead file whose content a visible hardlink shares is not reclaimable', () => {
    const f2 = stackLayers(buildLayers(['f a 100', 'h b => a', 'f c 10', 'h d => c'], ['w a', 'w c', 'w d']));
    const s = f2.reclaimable();
    expect(s.totalBytes).toBe(10); // c and its only link are gone; a lives on as b
    expect([...s.keptByHardlink].map((g) => f2.path(f2.data.entryNode[g]!))).toEqual(['/a']);
  });

  test('symlinks, directories and empty files are not bytes', () => {
    const f2 = stackLayers(buildLayers(['d x', 'l y -> x', 'f z 0'], ['w x', 'w y', 'w z']));
    expect(f2.reclaimable().totalBytes).toBe(0);
    expect(f2.reclaimableItems()).toEqual([]);
  });
});

describe('largest files', () => {
  const fs = stackLayers(buildLayers(['f a 10', 'f b 300', 'f c 20', 'd big', 'f big/x 5'], ['f a 1000', 'w b', 'f d 20']));

  test('of the final image', () => {
    expect(fs.largest(3).map((f) => [f.path, f.size, f.layer])).toEqual([
      ['/a', 1000, 1],
      ['/c', 20, 0],
      ['/d', 20, 1],
    ]);
    expect(fs.largest(100).map((f) => f.path)).toEqual(['/a', '/c', '/d', '/big/x']);
  });

  test('per layer, with whether the final image still shows each', () => {
    expect(fs.largest(2, 0).map((f) => [f.path, f.size, f.visible])).toEqual([
      ['/b', 300, false],
      ['/c', 20, true],
    ]);
    expect(fs.largest(5, 1).map((f) => f.path)).toEqual(['/a', '/d']); // whiteouts are not files
  });
});
