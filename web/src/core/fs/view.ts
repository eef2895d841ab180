/**
 * Views for a virtualized tree: for layer i and a mode, which nodes are shown, with their
 * mark, the entry shown for them and their size. View state (expanded nodes, filters) is
 * passed in by the caller and never stored here.
 *
 *   'layer'      what layer i changed: its entries, what it removed (as Removed), and the
 *                directories above them. A directory's size is what the layer put below it.
 *   'aggregate'  the whole filesystem as of layer i (layers 0..i stacked), plus what layer i
 *                removed, marked with layer i's changes (everything else Unmodified), as in
 *                dive's file tree. A directory's size is what is visible below it.
 *
 * Sizes follow dive's FileNode.GetSize: a directory sums its descendants (and its own entry's
 * size, 0 in practice), leaving out removed ones unless the directory itself is removed.
 */
import { EntryType } from '../layers/layerIndex';
import { LIVE_AFTER, type FsData } from './filesystem';
import { Mark, NOT_IN_VIEW } from './marks';

export type ViewMode = 'layer' | 'aggregate';

export interface FsView {
  readonly layer: number;
  readonly mode: ViewMode;
  /** Nodes in the view, in tree (pre-)order, the root excluded. */
  readonly nodes: Int32Array;
  /** Per node: its mark, NOT_IN_VIEW for nodes outside the view. */
  readonly mark: Uint8Array;
  /** Per node: the global entry shown (for removed nodes the one that was removed), -1 for an implicit directory. */
  readonly entry: Int32Array;
  /** Per node: bytes (directories: sum of the descendants in this view). size[0] is the view's total. */
  readonly size: Float64Array;
  /** Per node: children in this view. */
  readonly childCount: Int32Array;
}

/** Visibility after layer i, rebuilt by replaying change lists; cached for sequential browsing. */
export class VisibilityCache {
  private layer = -1;
  private vis: Int32Array;
  private live: Uint8Array;

  constructor(private readonly data: FsData) {
    this.vis = new Int32Array(data.trie.count).fill(-1);
    this.live = new Uint8Array(data.trie.count);
  }

  /** Visible entry and existence per node after layers 0..i (the arrays are reused: copy to keep). */
  at(i: number): { vis: Int32Array; live: Uint8Array } {
    const d = this.data;
    if (i < this.layer) {
      this.vis.fill(-1);
      this.live.fill(0);
      this.layer = -1;
    }
    for (let j = this.layer + 1; j <= i; j++) {
      for (let c = d.changeStart[j]!; c < d.changeStart[j + 1]!; c++) {
        const n = d.changeNode[c]!;
        this.vis[n] = d.changeNext[c]!;
        this.live[n] = d.changeLive[c]! & LIVE_AFTER ? 1 : 0;
      }
    }
    this.layer = Math.max(this.layer, i);
    return { vis: this.vis, live: this.live };
  }
}

export function buildView(data: FsData, layer: number, mode: ViewMode, visibility: VisibilityCache): FsView {
  const N = data.trie.count;
  const { parent } = data.trie;
  const mark = new Uint8Array(N).fill(NOT_IN_VIEW);
  const entry = new Int32Array(N).fill(-1);
  const size = new Float64Array(N);
  const childCount = new Int32Array(N);
  const cs = data.changeStart[layer]!;
  const ce = data.changeStart[layer + 1]!;
  let count = 0;

  if (mode === 'layer') {
    for (let c = cs; c < ce; c++) {
      const m = data.changeMark[c]!;
      if (m === NOT_IN_VIEW) continue;
      const n = data.changeNode[c]!;
      mark[n] = m;
      entry[n] = m === Mark.Removed ? data.changePrev[c]! : data.changeNext[c]!;
      if (n > 0) count++;
    }
    mark[0] = mark[0] === NOT_IN_VIEW ? Mark.Unmodified : mark[0]!;
  } else {
    const { vis, live } = visibility.at(layer);
    for (let n = 0; n < N; n++) {
      if (live[n]) {
        mark[n] = Mark.Unmodified;
        entry[n] = vis[n]!;
        if (n > 0) count++;
      }
    }
    for (let c = cs; c < ce; c++) {
      const m = data.changeMark[c]!;
      if (m === NOT_IN_VIEW) continue;
      const n = data.changeNode[c]!;
      if (mark[n] === NOT_IN_VIEW && n > 0) count++;
      mark[n] = m;
      if (m === Mark.Removed) entry[n] = data.changePrev[c]!;
    }
    mark[0] = mark[0] === NOT_IN_VIEW ? Mark.Unmodified : mark[0]!;
  }

  const nodes = new Int32Array(count);
  let w = 0;
  for (let n = 1; n < N; n++) if (mark[n] !== NOT_IN_VIEW) nodes[w++] = n;
  // Sizes, children first.
  for (let i = count - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const g = entry[n]!;
    if (g >= 0) size[n]! += data.entrySize[g]!;
    const p = parent[n]!;
    childCount[p]!++;
    if (mark[n] !== Mark.Removed || mark[p] === Mark.Removed) size[p]! += size[n]!;
  }
  const rootEntry = entry[0]!;
  if (rootEntry >= 0) size[0]! += data.entrySize[rootEntry]!;
  return { layer, mode, nodes, mark, entry, size, childCount };
}

/** True when the node shown is a directory (an implicit one too). */
export function isDirectory(data: FsData, view: FsView, n: number): boolean {
  const g = view.entry[n]!;
  return g < 0 ? true : data.entryType[g] === EntryType.Directory;
}

/** Children of n in this view, by name or by size (largest first, then name). */
export function viewChildren(data: FsData, view: FsView, n: number, order: 'name' | 'size' = 'name'): Int32Array {
  const { end } = data.trie;
  const out = new Int32Array(view.childCount[n] ?? 0);
  let w = 0;
  const stop = end[n]!;
  for (let c = n + 1; c < stop; c = end[c]!) if (view.mark[c] !== NOT_IN_VIEW) out[w++] = c;
  if (order === 'size') sortBySize(out, view.size);
  return out;
}

export function sortBySize(ids: Int32Array, size: Float64Array): void {
  ids.sort((a, b) => size[b]! - size[a]! || a - b);
}
