import { describe, expect, test } from 'vitest';
import { EntryFlag, EntryType, type LayerIndex } from '../layers/layerIndex';
import { entryAt } from '../layers/layerIndex';
import { DIVE_TEST_IMAGE } from '../../../test/fs/diveImage';
import { goSort } from './goSort';
import { stackLayers } from './index';
import { buildLayer, buildLayers, rng, type TestEntry } from '../../../test/fs/testing';

/** dive's figures, inefficiencies without the node ids (dive has none). */
function analyze(...layers: (string | TestEntry)[][]) {
  const r = stackLayers(buildLayers(...layers)).dive();
  return { ...r, inefficiencies: withoutNodes(r.inefficiencies) };
}

function withoutNodes<T extends { node: number }>(list: readonly T[]): Omit<T, 'node'>[] {
  return list.map(({ node: _node, ...rest }) => rest);
}

describe("dive's own efficiency tests (dive/filetree/efficiency_test.go)", () => {
  test('TestEfficency: score 0.75, one inefficient path of 7000 bytes in layers 0 and 1', () => {
    // trees[0]: /etc/nginx/nginx.conf 2000, /etc/nginx/public 3000 (AddPath: no directory entries)
    // trees[1]: /etc/nginx/nginx.conf 5000, /etc/athing 10000
    // trees[2]: /etc/.wh.nginx
    const r = analyze(['f etc/nginx/nginx.conf 2000', 'f etc/nginx/public 3000'], ['f etc/nginx/nginx.conf 5000', 'f etc/athing 10000'], ['w etc/nginx']);
    expect(r.efficiency).toBe(0.75);
    expect(r.inefficiencies).toEqual([{ path: '/etc/nginx/nginx.conf', count: 2, sizeBytes: 7000, layers: [0, 1] }]);
    expect(r.wastedBytes).toBe(7000);
    expect(r.truncatedLayers).toEqual([]);
  });

  test('TestEfficency_ScratchImage: a single zero-byte file scores 1 with nothing inefficient', () => {
    const r = analyze(['f nothing 0'], [], []);
    expect(r.efficiency).toBe(1);
    expect(r.inefficiencies).toEqual([]);
  });
});

describe("dive's test image (dive's analysis test and export snapshot)", () => {
  const layers = DIVE_TEST_IMAGE.map((l) => ({ index: buildLayer(l.entries), command: l.command }));
  const fs = stackLayers(layers);
  const r = fs.dive();

  test('efficiency, sizes and wasted bytes equal dive’s to the last digit', () => {
    expect(r.efficiency).toBe(0.9844212134184309);
    expect(r.sizeBytes).toBe(1220598);
    expect(r.userSizeBytes).toBe(66237);
    expect(r.wastedBytes).toBe(32025);
    expect(r.wastedUserPercent).toBe(0.4834911001404049);
    expect(r.layerSizes).toEqual([1154361, 6405, 0, 6405, 6405, 6405, 6405, 6405, 6405, 0, 2187, 6405, 6405, 6405]);
  });

  test('inefficient files in dive’s order (ties as Go’s sort.Sort leaves them)', () => {
    expect(r.inefficiencies.map((i) => [i.count, i.sizeBytes, i.path])).toEqual([
      [2, 12810, '/root/saved.txt'],
      [2, 12810, '/root/example/somefile1.txt'],
      [2, 6405, '/root/example/somefile3.txt'],
    ]);
    expect(r.inefficiencies.map((i) => i.layers)).toEqual([
      [7, 13],
      [3, 4],
      [6, 7],
    ]);
  });

  test('Lading’s reclaimable bytes on the same image: what the final image cannot see, charged where it lives', () => {
    const items = fs.reclaimableItems().map((i) => `${i.path} ${i.bytes} layer ${i.layer} ${i.reason} in ${i.byLayer} (${i.byCommand})`);
    expect(items.sort()).toEqual(
      [
        '/root/example/somefile1.txt 6405 layer 3 overwritten in 4 (chmod 444 /root/example/somefile1.txt)',
        '/root/example/somefile1.txt 6405 layer 4 deleted in 9 (rm -rf /root/example/)',
        '/root/example/somefile2.txt 6405 layer 5 deleted in 9 (rm -rf /root/example/)',
        '/root/example/somefile3.txt 6405 layer 6 deleted in 7 (mv /root/example/somefile3.txt /root/saved.txt)',
        '/root/saved.txt 6405 layer 7 overwritten in 13 (chmod +x /root/saved.txt)',
      ].sort(),
    );
    const sum = fs.reclaimable();
    expect(sum.totalBytes).toBe(5 * 6405);
    expect([...sum.byLayer]).toEqual([0, 0, 0, 6405, 6405, 6405, 6405, 6405, 0, 0, 0, 0, 0, 0]);
  });
});

describe('single-layer images and empty images', () => {
  test('one layer: every path once, score 1, user size 0 and user-wasted 0 (not NaN)', () => {
    const r = analyze(['d usr', 'f usr/a 10', 'f usr/b 20']);
    expect(r.efficiency).toBe(1);
    expect(r.userSizeBytes).toBe(0);
    expect(r.wastedBytes).toBe(0);
    expect(r.wastedUserPercent).toBe(0);
  });

  test('only empty layers: score 1', () => {
    expect(analyze([], []).efficiency).toBe(1);
  });
});

describe('dive quirks, reproduced', () => {
  test('a deleted file counts 0 bytes but makes its path inefficient with the file’s size', () => {
    const r = analyze(['d etc', 'f etc/issue.net 20'], ['d etc', 'w etc/issue.net']);
    expect(r.inefficiencies).toEqual([{ path: '/etc/issue.net', count: 2, sizeBytes: 20, layers: [0, 1] }]);
    expect(r.efficiency).toBe(0); // Σmin 0 / Σcum 20
  });

  test('a deleted directory counts the stacked size of its subtree, charged to the directory', () => {
    const r = analyze(['d a', 'f a/x 5', 'd a/s', 'f a/s/y 6'], ['d a', 'f a/x 7'], ['w a']);
    // /a counted once (7 + 6: the stacked subtree), /a/x twice (5, 7), /a/s/y once.
    expect(r.inefficiencies).toEqual([{ path: '/a/x', count: 2, sizeBytes: 12, layers: [0, 1] }]);
    expect(r.efficiency).toBe((5 + 6 + 13) / (12 + 6 + 13));
  });

  test('a layer that writes below a directory without its entry resets the stacked directory to FileInfo{}', () => {
    // Layer 1 has a/x but no "a/" entry: dive's Stack gives /a an empty FileInfo (IsDir false),
    // so deleting /a in layer 2 counts 0 instead of 13.
    const r = analyze(['d a', 'f a/x 5', 'd a/s', 'f a/s/y 6'], ['f a/x 7'], ['w a']);
    expect(r.efficiency).toBe((5 + 6 + 0) / (12 + 6 + 0));
  });

  test('a directory never written as an entry (implicit) counts 0 when deleted', () => {
    const implicit = analyze(['f a/x 5'], ['w a']);
    const explicit = analyze(['d a', 'f a/x 5'], ['w a']);
    expect(implicit.efficiency).toBe(5 / 5);
    expect(explicit.efficiency).toBe((5 + 5) / (5 + 5));
    expect(explicit.sizeBytes).toBe(5);
  });

  test('an opaque directory is ignored: the hidden files are not counted as waste', () => {
    const r = analyze(['d d', 'f d/old 100'], ['d d', 'o d', 'f d/new 1']);
    expect(r.inefficiencies).toEqual([]);
    expect(r.efficiency).toBe(1);
    // Lading counts it.
    const fs = stackLayers(buildLayers(['d d', 'f d/old 100'], ['d d', 'o d', 'f d/new 1']));
    expect(fs.reclaimable().totalBytes).toBe(100);
  });

  test('a whiteout of a path the layers below do not have ends dive’s walk of that layer and leaves a -1 behind', () => {
    // Layer 1 visits, in name order: /a (whiteout of nothing: the walk stops), /b (never counted).
    const r = analyze(['f z 10'], ['w a', 'f b 3']);
    expect(r.truncatedLayers).toEqual([1]);
    expect(r.layerSizes).toEqual([10, 3]);
    // Σmin = 10 + (-1 for /a), Σcum = 10: /b is not counted at all.
    expect(r.efficiency).toBe(9 / 10);
  });

  test('dive keeps the same-named file and whiteout of one layer as two nodes', () => {
    const r = analyze(['f x 4'], ['w x', 'f x 6']);
    expect(r.inefficiencies).toEqual([{ path: '/x', count: 3, sizeBytes: 10, layers: [0, 1, 1] }]);
  });
});

// ------------------------------------------------------------------------------------------
// A literal port of dive's FileTree, Stack, StackTreeRange and Efficiency (dive/filetree),
// re-stacking for every whiteout as dive does: slow, and the reference the fast one must equal.

interface OInfo {
  size: number;
  isDir: boolean;
}
class ONode {
  readonly children = new Map<string, ONode>();
  info: OInfo = { size: 0, isDir: false };
  constructor(
    readonly name: string,
    public parent: ONode | null,
  ) {}
}
class OTree {
  readonly root = new ONode('', null);
}
const isWhiteout = (n: ONode): boolean => n.name.startsWith('.wh.');
function opath(node: ONode): string {
  const names: string[] = [];
  for (let c: ONode | null = node; c && c.parent; c = c.parent) names.unshift(c === node ? c.name.replace(/^\.wh\./, '') : c.name);
  return ('/' + names.join('/')).replace(/\/\//g, '/');
}
function addPath(tree: OTree, path: string, info: OInfo): void {
  const names = path.replace(/^\/+|\/+$/g, '').split('/');
  let node = tree.root;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === '') continue;
    let c = node.children.get(name);
    if (!c) {
      if (name.startsWith('.wh..wh..')) return;
      c = new ONode(name, node);
      node.children.set(name, c);
    }
    node = c;
    if (i === names.length - 1) node.info = { ...info };
  }
}
function getNode(tree: OTree, path: string): ONode | null {
  let node = tree.root;
  for (const name of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if (name === '') continue;
    const c = node.children.get(name);
    if (!c) return null;
    node = c;
  }
  return node;
}
/** Returns false when the visitor failed (the walk stops there, as in Go). */
function visit(node: ONode, root: ONode, visitor: (n: ONode) => boolean, evaluator?: (n: ONode) => boolean): boolean {
  for (const key of [...node.children.keys()].sort()) if (!visit(node.children.get(key)!, root, visitor, evaluator)) return false;
  if (node === root) return true;
  if (!evaluator || evaluator(node)) return visitor(node);
  return true;
}
function copyTree(t: OTree): OTree {
  const out = new OTree();
  const rec = (from: ONode, to: ONode): void => {
    for (const [name, c] of from.children) {
      const n = new ONode(name, to);
      n.info = { ...c.info };
      to.children.set(name, n);
      rec(c, n);
    }
  };
  rec(t.root, out.root);
  return out;
}
function stackOnto(lower: OTree, upper: OTree): void {
  visit(upper.root, upper.root, (n) => {
    if (isWhiteout(n)) {
      const target = getNode(lower, opath(n));
      if (target && target.parent) target.parent.children.delete(target.name);
    } else addPath(lower, opath(n), n.info);
    return true;
  });
}
function stackTreeRange(trees: OTree[], start: number, stop: number): OTree {
  const t = copyTree(trees[0]!);
  for (let i = start; i <= stop; i++) stackOnto(t, trees[i]!);
  return t;
}
function oracleTree(index: LayerIndex): { tree: OTree; size: number } {
  const tree = new OTree();
  let size = 0;
  for (let e = 0; e < index.count; e++) {
    const x = entryAt(index, e);
    const base = x.path.slice(x.path.lastIndexOf('/') + 1);
    const dir = x.path.slice(0, Math.max(0, x.path.lastIndexOf('/')));
    const name =
      x.flags & EntryFlag.Whiteout
        ? (dir ? dir + '/' : '') + '.wh.' + base
        : x.flags & EntryFlag.Opaque
          ? (x.path ? x.path + '/' : '') + '.wh..wh..opq'
          : x.path;
    if (name === '') continue; // "."
    size += x.size;
    addPath(tree, name, { size: x.size, isDir: x.type === EntryType.Directory });
  }
  return { tree, size };
}
function oracleEfficiency(indexes: LayerIndex[]) {
  const built = indexes.map(oracleTree);
  const trees = built.map((b) => b.tree);
  interface Data {
    path: string;
    count: number;
    cum: number;
    min: number;
    layers: number[];
  }
  const map = new Map<string, Data>();
  const ineff: Data[] = [];
  trees.forEach((tree, k) => {
    visit(
      tree.root,
      tree.root,
      (node) => {
        const path = opath(node);
        let data = map.get(path);
        if (!data) map.set(path, (data = { path, count: 0, cum: 0, min: -1, layers: [] }));
        let size = 0;
        if (isWhiteout(node)) {
          const prev = getNode(stackTreeRange(trees, 0, k - 1), path);
          if (!prev) return false;
          if (prev.info.isDir) visit(prev, null as unknown as ONode, (c) => ((size += c.info.size), true));
        } else size = node.info.size;
        data.cum += size;
        if (data.min < 0 || size < data.min) data.min = size;
        data.count++;
        data.layers.push(k);
        if (data.count === 2) ineff.push(data);
        return true;
      },
      (n) => n.children.size === 0,
    );
  });
  let minSum = 0;
  let cumSum = 0;
  for (const d of map.values()) {
    minSum += d.min;
    cumSum += d.cum;
  }
  goSort({
    length: ineff.length,
    less: (i, j) => ineff[i]!.cum < ineff[j]!.cum,
    swap: (i, j) => ([ineff[i], ineff[j]] = [ineff[j]!, ineff[i]!]),
  });
  const sizes = built.map((b) => b.size);
  const user = sizes.slice(1).reduce((a, b) => a + b, 0);
  const wasted = ineff.reduce((a, d) => a + d.cum, 0);
  return {
    efficiency: cumSum === 0 ? 1 : minSum / cumSum,
    sizeBytes: sizes.reduce((a, b) => a + b, 0),
    userSizeBytes: user,
    wastedBytes: wasted,
    layerSizes: sizes,
    inefficiencies: ineff.reverse().map((d) => ({ path: d.path, count: d.count, sizeBytes: d.cum, layers: d.layers })),
  };
}

/** Random small images over a tiny namespace, so paths collide, with every kind of entry dive has a rule for. */
function randomImage(seed: number): LayerIndex[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const names = ['a', 'b', 'c', 'x', 'B', '-y', 'z.txt'];
  const randomPath = (): string => {
    const depth = 1 + Math.floor(rand() * 3);
    return Array.from({ length: depth }, () => pick(names)).join('/');
  };
  const layers: LayerIndex[] = [];
  const count = 1 + Math.floor(rand() * 5);
  for (let k = 0; k < count; k++) {
    const entries: TestEntry[] = [];
    const n = Math.floor(rand() * 12);
    for (let i = 0; i < n; i++) {
      const p = randomPath();
      const r = rand();
      const parentDirs = () => {
        if (rand() < 0.6) {
          const parts = p.split('/');
          for (let j = 1; j < parts.length; j++) entries.push({ path: parts.slice(0, j).join('/'), type: EntryType.Directory });
        }
      };
      if (r < 0.45) {
        parentDirs();
        entries.push({ path: p, type: EntryType.File, size: Math.floor(rand() * 50) });
      } else if (r < 0.6) {
        parentDirs();
        entries.push({ path: p, type: EntryType.Directory });
      } else if (r < 0.8) {
        entries.push({ path: p, type: EntryType.File, flags: EntryFlag.Whiteout });
      } else if (r < 0.88) {
        entries.push({ path: p, type: EntryType.File, flags: EntryFlag.Opaque });
      } else if (r < 0.93) {
        entries.push({ path: p, type: EntryType.Symlink, link: 'x' });
      } else if (r < 0.96) {
        entries.push({ path: p.replace(/[^/]+$/, '.wh..wh.plnk'), type: pick([EntryType.File, EntryType.Directory]) });
      } else if (r < 0.98) {
        entries.push({ path: p.replace(/[^/]+$/, '.wh..wh..orph') + '/f', type: EntryType.File, size: 3 });
      } else {
        entries.push({ path: '', type: EntryType.Directory });
      }
    }
    layers.push(buildLayer(entries));
  }
  return layers;
}

describe('equals a literal port of dive on random images', () => {
  test('3000 random images: every figure and the inefficient list, in order', () => {
    let truncations = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const indexes = randomImage(seed);
      const ours = stackLayers(indexes.map((index) => ({ index }))).dive();
      const want = oracleEfficiency(indexes);
      truncations += ours.truncatedLayers.length;
      const got = {
        efficiency: ours.efficiency,
        sizeBytes: ours.sizeBytes,
        userSizeBytes: ours.userSizeBytes,
        wastedBytes: ours.wastedBytes,
        layerSizes: ours.layerSizes,
        inefficiencies: withoutNodes(ours.inefficiencies),
      };
      expect(got, `seed ${seed}`).toEqual(want);
    }
    expect(truncations).toBeGreaterThan(100); // the random images do exercise the early stop
  });
});

describe('goSort (Go’s sort.Sort)', () => {
  test('sorts, and keeps insertion sort’s tie order for short lists', () => {
    const rand = rng(7);
    for (let n = 0; n < 300; n += 7) {
      const xs = Array.from({ length: n }, () => Math.floor(rand() * 10));
      const ids = xs.map((_, i) => i);
      goSort({ length: n, less: (i, j) => xs[ids[i]!]! < xs[ids[j]!]!, swap: (i, j) => ([ids[i], ids[j]] = [ids[j]!, ids[i]!]) });
      const sorted = ids.map((i) => xs[i]!);
      expect(sorted).toEqual([...xs].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(n);
    }
    // ≤ 12 elements: insertion sort, so equal elements keep their order.
    const xs = [3, 1, 3, 2, 1];
    const ids = [0, 1, 2, 3, 4];
    goSort({ length: 5, less: (i, j) => xs[ids[i]!]! < xs[ids[j]!]!, swap: (i, j) => ([ids[i], ids[j]] = [ids[j]!, ids[i]!]) });
    expect(ids).toEqual([1, 4, 3, 0, 2]);
  });
});
