import { describe, expect, test } from 'vitest';
import { stackLayers } from '../../core/fs';
import { buildLayers, syntheticImage } from '../../../test/fs/testing';
import { breadcrumb, buildTreemap, canZoom, treemapFor, type TreemapNode } from './treemapData';
import { fitLabel, layoutTreemap } from './treemapLayout';

const fs = stackLayers(
  buildLayers(
    [
      'd etc',
      'f etc/hosts 10',
      'f etc/passwd 30',
      'd usr',
      'd usr/bin',
      'f usr/bin/env 500',
      'f usr/bin/sh 100',
      'd usr/lib',
      'd usr/lib/x',
      'd usr/lib/x/y',
      'f usr/lib/x/y/libc.so 2000',
      'd var',
      'd var/log',
      'f var/log/old.log 40',
    ],
    ['d etc', 'f etc/passwd 31', 'd usr', 'd usr/bin', 'f usr/bin/jq 700', 'd var', 'w var/log'],
  ),
);

/** The tree as indented "name size kind@layer" lines. */
function dump(n: TreemapNode, depth = 0): string[] {
  return [`${'  '.repeat(depth)}${n.name} ${n.size} ${n.kind}@${n.layer}`, ...(n.children ?? []).flatMap((c) => dump(c, depth + 1))];
}

function tiles(n: TreemapNode): number {
  return (n.children ?? []).reduce((s, c) => s + 1 + tiles(c), 0);
}

describe('treemap data', () => {
  test('grouped (by package): a file takes its entry’s group, a folded directory the group owning most of its bytes', () => {
    // Groups per global entry, from paths: env and libc.so are package 0's, sh and jq package 1's.
    const group = new Int32Array(fs.data.entryNode.length).fill(-1);
    const owner: Record<string, number> = { '/usr/bin/env': 0, '/usr/lib/x/y/libc.so': 0, '/usr/bin/sh': 1, '/usr/bin/jq': 1 };
    for (let g = 0; g < group.length; g++) group[g] = owner[fs.path(fs.data.entryNode[g]!)] ?? -1;
    const t = buildTreemap(fs, 1, 'aggregate', 0, { group, maxDepth: 1 });
    const byName = new Map((t.root.children ?? []).map((c) => [c.name, c]));
    // usr folded at depth 1: env 500 + libc.so 2000 (package 0) against sh 100 + jq 700 (package 1).
    expect(byName.get('usr')!.group).toBe(0);
    expect(byName.get('etc')!.group).toBe(-1);
    const leaf = buildTreemap(fs, 1, 'aggregate', fs.find('/usr/bin'), { group });
    expect((leaf.root.children ?? []).map((c) => [c.name, c.group])).toEqual([
      ['jq', 1],
      ['env', 0],
      ['sh', 1],
    ]);
    expect(buildTreemap(fs, 1, 'aggregate', 0).root.children!.every((c) => c.group === -1)).toBe(true);
  });

  test('the final filesystem, three levels deep, by size, coloured by the layer that wrote each file', () => {
    const t = buildTreemap(fs, 1, 'aggregate', 0);
    expect(dump(t.root)).toEqual([
      '/ 3341 dir@-1',
      '  usr 3300 dir@0', // directories: the layer that wrote most of their bytes
      '    lib 2000 dir@0',
      '      x 2000 dir@0', // at the depth limit: one tile
      '    bin 1300 dir@1', // jq (layer 1) outweighs env and sh (layer 0)
      '      jq 700 file@1',
      '      env 500 file@0',
      '      sh 100 file@0',
      '  etc 41 dir@1',
      '    passwd 31 file@1',
      '    hosts 10 file@0',
    ]);
    // /var only lost /var/log in layer 1: no bytes, no tile.
    expect(t.layersShown).toEqual([0, 1]);
    expect(t.tileCount).toBe(tiles(t.root));
  });

  test("a layer's own changes leave out what it removed", () => {
    const t = buildTreemap(fs, 1, 'layer', 0);
    expect(dump(t.root)).toEqual(['/ 731 dir@-1', '  usr 700 dir@1', '    bin 700 dir@1', '      jq 700 file@1', '  etc 31 dir@1', '    passwd 31 file@1']);
    expect(t.layersShown).toEqual([1]);
  });

  test('zooming in starts below the zoom root', () => {
    const t = buildTreemap(fs, 1, 'aggregate', fs.find('/usr/lib'));
    expect(dump(t.root)).toEqual(['lib 2000 dir@-1', '  x 2000 dir@0', '    y 2000 dir@0', '      libc.so 2000 file@0']);
    expect(canZoom(fs, 1, 'aggregate', fs.find('/usr/lib'))).toBe(true);
    expect(canZoom(fs, 1, 'aggregate', fs.find('/usr/bin/jq'))).toBe(false); // a file
    expect(canZoom(fs, 1, 'aggregate', fs.find('/var/log'))).toBe(false); // removed
    expect(canZoom(fs, 1, 'layer', fs.find('/usr/lib'))).toBe(false); // nothing there in layer 1
    expect(breadcrumb(fs, fs.find('/usr/lib/x')).map((n) => fs.path(n))).toEqual(['/', '/usr', '/usr/lib', '/usr/lib/x']);
  });

  test('entries too small to see are folded into one "other" tile per directory', () => {
    const t = buildTreemap(fs, 1, 'aggregate', 0, { minFraction: 0.2 });
    expect(dump(t.root)).toEqual([
      '/ 3341 dir@-1',
      '  usr 3300 dir@0',
      '    lib 2000 dir@0',
      '      x 2000 dir@0',
      '    bin 1300 dir@1',
      '      jq 700 file@1',
      '      2 smaller 600 other@-1',
      '  1 smaller 41 other@-1',
    ]);
  });

  test('a large image stays within the tile budget and is cached per view', () => {
    const big = stackLayers(syntheticImage(8, 4000, 7));
    const t = buildTreemap(big, 7, 'aggregate', 0);
    expect(big.nodeCount).toBeGreaterThan(20_000);
    expect(t.tileCount).toBeLessThan(4000);
    const sum = (n: TreemapNode): number => (n.children ? n.children.reduce((s, c) => s + sum(c), 0) : n.size);
    expect(sum(t.root)).toBe(big.view(7, 'aggregate').size[0]);
    expect(treemapFor(big, 7, 'aggregate', 0)).toBe(treemapFor(big, 7, 'aggregate', 0));
    expect(treemapFor(big, 6, 'aggregate', 0)).not.toBe(treemapFor(big, 7, 'aggregate', 0));
  }, 60_000);
});

describe('treemap layout', () => {
  test('tiles fill the box without leaving it, frames get a name strip', () => {
    const laid = layoutTreemap(buildTreemap(fs, 1, 'aggregate', 0), 600, 300);
    for (const t of laid) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      expect(t.x + t.w).toBeLessThanOrEqual(600);
      expect(t.y + t.h).toBeLessThanOrEqual(300);
    }
    const usr = laid.find((t) => t.data.path === '/usr')!;
    expect(usr.frame).toBe(true);
    expect(usr.header).toBe(true);
    expect(laid.find((t) => t.data.path === '/usr/bin/jq')!.frame).toBe(false);
    expect(layoutTreemap(buildTreemap(fs, 1, 'aggregate', 0), 0, 300)).toEqual([]);
  });

  test('large text makes the name strips taller, so the bigger labels fit', () => {
    const tree = buildTreemap(fs, 1, 'aggregate', 0);
    const strip = (scale: number) => {
      const laid = layoutTreemap(tree, 600, 300, scale);
      const usr = laid.find((t) => t.data.path === '/usr')!;
      const children = laid.filter((t) => t.data.path.startsWith('/usr/') && t.data.path.split('/').length === 3);
      return Math.min(...children.map((t) => t.y)) - usr.y;
    };
    expect(strip(1)).toBe(16);
    expect(strip(1.25)).toBe(20);
  });

  test('labels are cut to fit', () => {
    expect(fitLabel('libc.so', 200)).toBe('libc.so');
    expect(fitLabel('a-very-long-file-name.txt', 60)).toBe('a-very-…');
    expect(fitLabel('abc', 20)).toBe('');
  });
});
