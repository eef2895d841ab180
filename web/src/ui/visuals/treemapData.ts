/**
 * The treemap's data: a few levels of the filesystem below a zoom root, read lazily from the
 * model. Only the directories on the way down are listed (children by size); tiles too small
 * to see are folded into one "other" tile per directory, and directories at the depth limit
 * become single tiles whose colour is the layer that wrote most of their bytes. So the tree
 * has at most about 1 / minFraction tiles whatever the image's size, and building it costs the
 * children of the directories shown plus a pass over the subtree of each directory tile (each
 * node is visited at most once per level, so at most maxDepth times).
 *
 * Built once per (filesystem, layer, mode, zoom root) and cached: hovering, resizing and
 * re-rendering reuse it. No DOM, no React: testable in Node.
 */
import { Mark, nameOf, NOT_IN_VIEW, type ImageFilesystem, type ViewMode } from '../../core/fs';
import { EntryType } from '../../core/layers/layerIndex';

export type TileKind = 'dir' | 'file' | 'other';

export interface TreemapNode {
  readonly kind: TileKind;
  /** Trie node; for "other", the directory whose small entries it folds. */
  readonly node: number;
  readonly name: string;
  readonly path: string;
  /** Bytes (a directory: what the view shows below it). */
  readonly size: number;
  /** The layer that wrote the file, or most of a directory's bytes; -1 when none (the zoom root, "other"). */
  readonly layer: number;
  /** Share of `size` that `layer` wrote (1 for a file). */
  readonly layerShare: number;
  /**
   * With `TreemapOptions.group` (the package report's owner per entry): the file's group, or the
   * group owning most of a directory's bytes; -1 for none ("no package") and without groups.
   */
  readonly group: number;
  /** Present on directories that are laid out inside (not at the depth limit). */
  readonly children?: readonly TreemapNode[];
  /** "other": how many entries it folds; a directory: how many files it holds. */
  readonly count: number;
}

export interface TreemapTree {
  readonly layer: number;
  readonly mode: ViewMode;
  readonly root: TreemapNode;
  /** Layers that colour at least one tile, ascending. */
  readonly layersShown: readonly number[];
  /** Tiles in the tree (root excluded), for the budget tests. */
  readonly tileCount: number;
}

export interface TreemapOptions {
  /** Levels below the zoom root; directories at the last level are drawn as one tile. */
  readonly maxDepth?: number;
  /** Entries smaller than this share of the zoom root are folded into "other". */
  readonly minFraction?: number;
  /** Most children listed per directory (the rest are folded). */
  readonly maxChildren?: number;
  /** A group per global entry (its package id, -1 for none), to colour tiles by instead of the layer. */
  readonly group?: Int32Array;
}

const DEFAULTS = { maxDepth: 3, minFraction: 1 / 3000, maxChildren: 80 };

/** Whether `node` can be a zoom root in this view: a directory with bytes below it. */
export function canZoom(fs: ImageFilesystem, layer: number, mode: ViewMode, node: number): boolean {
  if (!(node >= 0 && node < fs.nodeCount)) return false;
  const v = fs.view(layer, mode);
  if (node !== 0 && (v.mark[node] === NOT_IN_VIEW || v.mark[node] === Mark.Removed)) return false;
  return fs.isDirectory(layer, mode, node) && (v.size[node] ?? 0) > 0;
}

export function buildTreemap(fs: ImageFilesystem, layer: number, mode: ViewMode, zoom: number, options: TreemapOptions = {}): TreemapTree {
  const { maxDepth, minFraction, maxChildren } = { ...DEFAULTS, ...options };
  const group = options.group;
  const byGroup = new Map<number, number>();
  const d = fs.data;
  const v = fs.view(layer, mode);
  const { end } = d.trie;
  const total = v.size[zoom] ?? 0;
  const threshold = Math.max(1, total * minFraction);
  const byLayer = new Float64Array(fs.layerCount);
  const shown = new Set<number>();
  let tiles = 0;

  const isDir = (n: number): boolean => {
    const g = v.entry[n]!;
    return g < 0 || d.entryType[g] === EntryType.Directory;
  };
  const name = (n: number): string => (n === 0 ? '/' : nameOf(d.trie, n));

  /** Which layer wrote most of the bytes below a directory, and how many files it holds (one pass over its subtree). */
  const scan = (n: number): { layer: number; layerShare: number; count: number; group: number } => {
    byLayer.fill(0);
    byGroup.clear();
    let files = 0;
    for (let c = n + 1; c < end[n]!;) {
      const m = v.mark[c]!;
      if (m === NOT_IN_VIEW) {
        c++;
        continue;
      }
      if (m === Mark.Removed) {
        c = end[c]!; // removed with everything below it: no bytes in this view
        continue;
      }
      const g = v.entry[c]!;
      if (g >= 0 && d.entryType[g] !== EntryType.Directory) {
        files++;
        byLayer[d.entryLayer[g]!]! += d.entrySize[g]!;
        if (group) byGroup.set(group[g]!, (byGroup.get(group[g]!) ?? 0) + d.entrySize[g]!);
      }
      c++;
    }
    let best = -1;
    for (let k = 0; k < byLayer.length; k++) if (byLayer[k]! > 0 && (best < 0 || byLayer[k]! > byLayer[best]!)) best = k;
    let bestGroup = -1;
    for (const [k, bytes] of byGroup)
      if (bestGroup < 0 || bytes > byGroup.get(bestGroup)! || (bytes === byGroup.get(bestGroup)! && k < bestGroup)) bestGroup = k;
    const size = v.size[n]!;
    return { layer: best, layerShare: best >= 0 && size > 0 ? byLayer[best]! / size : 0, count: files, group: bestGroup };
  };

  /** A directory drawn as one tile, coloured by the layer that wrote most of it. */
  const folded = (n: number): TreemapNode => {
    const stats = scan(n);
    if (stats.layer >= 0) shown.add(stats.layer);
    return { kind: 'dir', node: n, name: name(n), path: fs.path(n), size: v.size[n]!, ...stats };
  };

  const file = (n: number): TreemapNode => {
    const g = v.entry[n]!;
    const k = g >= 0 ? d.entryLayer[g]! : -1;
    if (k >= 0) shown.add(k);
    return {
      kind: 'file',
      node: n,
      name: name(n),
      path: fs.path(n),
      size: v.size[n]!,
      layer: k,
      layerShare: 1,
      count: 1,
      group: g >= 0 && group ? group[g]! : -1,
    };
  };

  const expand = (n: number, depth: number): TreemapNode => {
    const kids = fs.children(layer, mode, n, 'size');
    const children: TreemapNode[] = [];
    let otherBytes = 0;
    let otherCount = 0;
    for (const c of kids) {
      if (v.mark[c] === Mark.Removed) continue;
      const size = v.size[c]!;
      if (size <= 0) continue;
      if (size < threshold || children.length >= maxChildren) {
        otherBytes += size;
        otherCount++;
        continue;
      }
      if (!isDir(c)) children.push(file(c));
      else if (depth + 1 < maxDepth) children.push(expand(c, depth + 1));
      else children.push(folded(c));
    }
    // A directory whose entries are all too small to draw is one tile, not a box of "other".
    if (n !== zoom && children.length === 0) return folded(n);
    if (otherBytes > 0) {
      children.push({
        kind: 'other',
        node: n,
        name: `${otherCount.toLocaleString('en')} smaller`,
        path: fs.path(n),
        size: otherBytes,
        layer: -1,
        layerShare: 0,
        count: otherCount,
        group: -1,
      });
    }
    tiles += children.length;
    // The zoom root needs no colour; the frames inside get theirs for the list and the tooltip.
    const stats = n === zoom ? { layer: -1, layerShare: 0, count: 0, group: -1 } : scan(n);
    return { kind: 'dir', node: n, name: name(n), path: fs.path(n), size: v.size[n]!, ...stats, children };
  };

  const root =
    total > 0
      ? expand(zoom, 0)
      : { kind: 'dir' as const, node: zoom, name: name(zoom), path: fs.path(zoom), size: 0, layer: -1, layerShare: 0, children: [], count: 0, group: -1 };
  return { layer, mode, root, layersShown: [...shown].sort((a, b) => a - b), tileCount: tiles };
}

const CACHE_SIZE = 24;
const cache = new WeakMap<ImageFilesystem, Map<string, TreemapTree>>();

const groupIds = new WeakMap<Int32Array, number>();
let nextGroupId = 1;

/** buildTreemap, remembered per filesystem for the last few (layer, mode, zoom, grouping) keys. */
export function treemapFor(fs: ImageFilesystem, layer: number, mode: ViewMode, zoom: number, group?: Int32Array): TreemapTree {
  let byKey = cache.get(fs);
  if (!byKey) cache.set(fs, (byKey = new Map()));
  let groupId = 0;
  if (group) {
    groupId = groupIds.get(group) ?? nextGroupId++;
    groupIds.set(group, groupId);
  }
  const key = `${layer}:${mode}:${zoom}:${groupId}`;
  let tree = byKey.get(key);
  if (tree) {
    byKey.delete(key);
  } else {
    // By package, one level more: a library directory folded into one tile would take the colour
    // of whichever package owns most of it (libperl in /usr/lib/x86_64-linux-gnu) for all of it.
    tree = buildTreemap(fs, layer, mode, zoom, group ? { group, maxDepth: DEFAULTS.maxDepth + 1 } : {});
    if (byKey.size >= CACHE_SIZE) byKey.delete(byKey.keys().next().value!);
  }
  byKey.set(key, tree);
  return tree;
}

/** The directories from the root down to `node`, both included. */
export function breadcrumb(fs: ImageFilesystem, node: number): number[] {
  const out: number[] = [];
  for (let n = node; n >= 0; n = fs.data.trie.parent[n] ?? -1) out.push(n);
  return out.reverse();
}
