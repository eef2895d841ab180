import { describe, expect, test } from 'vitest';
import { RowFlag, stackLayers, type FlatRows, type ImageFilesystem } from './index';
import { buildLayers } from '../../../test/fs/testing';

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
      'f usr/lib/libc.so 2000',
      'd var',
      'd var/log',
      'f var/log/old.log 40',
    ],
    ['d etc', 'f etc/passwd 31', 'd usr', 'd usr/bin', 'f usr/bin/jq 700', 'd var', 'w var/log'],
  ),
);

/** Rows as indented text: two spaces per depth, then name, then [flags]. */
function text(f: ImageFilesystem, rows: FlatRows, layer = 1, mode: 'layer' | 'aggregate' = 'aggregate'): string[] {
  const out: string[] = [];
  for (let r = 0; r < rows.count; r++) {
    const n = rows.node[r]!;
    const flags = rows.flags[r]!;
    const marks = `${flags & RowFlag.HasChildren ? (flags & RowFlag.Expanded ? '-' : '+') : ' '}${flags & RowFlag.Match ? '' : '~'}`;
    out.push(`${'  '.repeat(rows.depth[r]!)}${marks}${f.info(layer, mode, n).name} ${f.info(layer, mode, n).mark}`);
  }
  return out;
}

describe('views', () => {
  test('directory sizes are the sum of their descendants, per view', () => {
    const agg = fs.view(1, 'aggregate');
    const lay = fs.view(1, 'layer');
    const usr = fs.find('/usr');
    expect(agg.size[usr]).toBe(500 + 100 + 700 + 2000);
    expect(lay.size[usr]).toBe(700); // what layer 1 put under /usr
    expect(agg.size[0]).toBe(10 + 31 + 3300);
    expect(fs.view(0, 'aggregate').size[0]).toBe(10 + 30 + 2600 + 40);
    expect(lay.size[fs.find('/var/log')]).toBe(40); // removed directory: what it removed
    expect(lay.size[fs.find('/var')]).toBe(0);
  });

  test('children by name and by size', () => {
    const byName = [...fs.children(1, 'aggregate', fs.find('/usr/bin'))].map((n) => fs.path(n));
    const bySize = [...fs.children(1, 'aggregate', 0, 'size')].map((n) => fs.path(n));
    expect(byName).toEqual(['/usr/bin/env', '/usr/bin/jq', '/usr/bin/sh']);
    expect(bySize).toEqual(['/usr', '/etc', '/var']); // /var: its removed log does not count
  });

  test('views are memoized per (layer, mode)', () => {
    expect(fs.view(1, 'layer')).toBe(fs.view(1, 'layer'));
    expect(fs.view(0, 'aggregate')).not.toBe(fs.view(1, 'aggregate'));
  });

  test('node info: attributes of the entry shown, implicit directories, link targets', () => {
    const f2 = stackLayers(buildLayers(['l bin -> usr/bin', 'f opt/x/y 1']));
    const bin = f2.info(0, 'aggregate', f2.find('/bin'));
    expect(bin).toMatchObject({ name: 'bin', path: '/bin', mark: 'added', linkTarget: 'usr/bin', layer: 0, implicit: false, depth: 1 });
    const opt = f2.info(0, 'aggregate', f2.find('/opt'));
    expect(opt).toMatchObject({ implicit: true, size: 1, childCount: 1, entry: -1 });
    expect(opt.layer).toBeUndefined();
    expect(opt.mode).toBeUndefined();
  });
});

describe('flatten', () => {
  test('collapsed: top level only; expanded sets open directories; the view state is the caller’s', () => {
    expect(text(fs, fs.flatten(1, 'aggregate'))).toEqual(['+etc modified', '+usr modified', '+var modified']);
    const usr = fs.find('/usr');
    const bin = fs.find('/usr/bin');
    expect(text(fs, fs.flatten(1, 'aggregate', { expanded: new Set([usr, bin]) }))).toEqual([
      '+etc modified',
      '-usr modified',
      '  -bin modified',
      '     env unmodified',
      '     jq added',
      '     sh unmodified',
      '  +lib unmodified',
      '+var modified',
    ]);
    // Nothing was remembered.
    expect(fs.flatten(1, 'aggregate').count).toBe(3);
  });

  test('sorted by size', () => {
    const rows = fs.flatten(1, 'aggregate', { expandAll: true, sort: 'size' });
    expect(text(fs, rows).slice(0, 7)).toEqual([
      '-usr modified',
      '  +lib unmodified'.replace('+', '-'),
      '     libc.so unmodified',
      '  -bin modified',
      '     jq added',
      '     env unmodified',
      '     sh unmodified',
    ]);
  });

  test('layer mode shows only what the layer changed', () => {
    expect(text(fs, fs.flatten(1, 'layer', { expandAll: true }), 1, 'layer')).toEqual([
      '-etc modified',
      '   passwd modified',
      '-usr modified',
      '  -bin modified',
      '     jq added',
      '-var modified',
      '  -log removed',
      '     old.log removed',
    ]);
  });

  test('path filter keeps the parents of matches; case-insensitive substring by default', () => {
    const rows = fs.flatten(1, 'aggregate', { expandAll: true, filter: { path: 'BIN/J' } });
    expect(text(fs, rows)).toEqual(['-~usr modified', '  -~bin modified', '     jq added']);
    expect(fs.flatten(1, 'aggregate', { expandAll: true, filter: { path: 'BIN/J', ignoreCase: false } }).count).toBe(0);
  });

  test('a node set (a package’s files) keeps those nodes and their parents, and combines with the path filter', () => {
    const nodes = new Uint8Array(fs.nodeCount);
    for (const p of ['/usr/bin/jq', '/etc/passwd']) nodes[fs.find(p)] = 1;
    expect(text(fs, fs.flatten(1, 'aggregate', { expandAll: true, filter: { nodes } }))).toEqual([
      '-~etc modified',
      '   passwd modified',
      '-~usr modified',
      '  -~bin modified',
      '     jq added',
    ]);
    expect(text(fs, fs.flatten(1, 'aggregate', { expandAll: true, filter: { nodes, path: 'usr' } }))).toEqual([
      '-~usr modified',
      '  -~bin modified',
      '     jq added',
    ]);
  });

  test('regex filter on the full path', () => {
    const rows = fs.flatten(1, 'aggregate', { expandAll: true, filter: { path: /\.(so|log)$/ } });
    expect(text(fs, rows)).toEqual([
      '-~usr modified',
      '  -~lib unmodified',
      '     libc.so unmodified',
      '-~var modified',
      '  -~log removed',
      '     old.log removed',
    ]);
  });

  test('hiding marks: hide unmodified shows the changes with the directories that hold them', () => {
    const rows = fs.flatten(1, 'aggregate', { expandAll: true, filter: { hide: { unmodified: true } } });
    expect(text(fs, rows)).toEqual([
      '-etc modified',
      '   passwd modified',
      '-usr modified',
      '  -bin modified',
      '     jq added',
      '-var modified',
      '  -log removed',
      '     old.log removed',
    ]);
    const onlyAdded = fs.flatten(1, 'aggregate', { expandAll: true, filter: { hide: { unmodified: true, modified: true, removed: true } } });
    expect(text(fs, onlyAdded)).toEqual(['-~usr modified', '  -~bin modified', '     jq added']);
  });

  test('rows mark the last sibling for tree guides', () => {
    const rows = fs.flatten(1, 'aggregate', { expanded: new Set([fs.find('/usr')]) });
    const last = [...rows.flags].map((f) => (f & RowFlag.Last ? 1 : 0));
    expect(last).toEqual([0, 0, 0, 1, 1]); // etc, usr, bin, lib (last under usr), var (last at top)
  });
});
