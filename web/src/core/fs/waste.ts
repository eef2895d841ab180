/**
 * Lading's own waste figure, beside dive's: reclaimable bytes are the content bytes that lower
 * layers ship but the final image can no longer see, per entry, with the reason and the layer
 * that did it. Unlike dive's "wasted bytes" it never counts the copy you keep (dive issue #684):
 * a file written in layer 2 and rewritten in layer 7 counts once, layer 2's bytes, charged to
 * layer 2 and explained by layer 7.
 *
 * Counted: regular files (and anything else with a nonzero size) that are overwritten, deleted
 * or hidden by an opaque directory, and earlier copies of a path written twice in one layer.
 * Not counted: directories, symlinks and hardlinks (no content of their own), and a dead file
 * whose content a hardlink that is still visible shares (the bytes are still reachable).
 */
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { FsData } from './filesystem';
import { Fate, REASONS, type ReclaimReason } from './marks';
import { pathOfNode } from './trie';

export interface ReclaimableSummary {
  readonly totalBytes: number;
  /** Per layer k: bytes of layer k that the final image cannot see. */
  readonly byLayer: Float64Array;
  /** Per layer k and reason r (REASONS order): byLayerAndReason[k * 3 + r]. */
  readonly byLayerAndReason: Float64Array;
  /** Dead entries with bytes, largest first (then by entry id). */
  readonly entries: Int32Array;
  /** Dead entries whose content a visible hardlink still shares (not counted). */
  readonly keptByHardlink: Int32Array;
}

export interface ReclaimableItem {
  /** Global entry id. */
  readonly entry: number;
  /** Its trie node (to reveal it in the tree). */
  readonly node: number;
  readonly path: string;
  readonly bytes: number;
  /** The layer whose bytes these are. */
  readonly layer: number;
  readonly reason: ReclaimReason;
  /** The layer that overwrote, deleted or hid it (may equal `layer` for a path written twice in one layer). */
  readonly byLayer: number;
  /** The path (and node) of the whiteout, opaque directory or replacing entry. */
  readonly byPath: string;
  readonly byNode: number;
  /** The history line of `byLayer`, when known. */
  readonly byCommand?: string;
}

function isMarker(data: FsData, g: number): boolean {
  return (data.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque)) !== 0;
}

export function computeReclaimable(data: FsData): ReclaimableSummary {
  const L = data.layers.length;
  const E = data.entryNode.length;
  const byLayer = new Float64Array(L);
  const byLayerAndReason = new Float64Array(L * 3);
  // Contents still reachable through a visible hardlink.
  const kept = new Uint8Array(E);
  for (let g = 0; g < E; g++) {
    if (data.entryType[g] !== EntryType.Hardlink || data.killedBy[g] !== -1 || isMarker(data, g)) continue;
    let t = data.linkTarget[g]!;
    for (let hops = 0; t >= 0 && hops < 64; hops++) {
      kept[t] = 1;
      if (data.entryType[t] !== EntryType.Hardlink) break;
      t = data.linkTarget[t]!;
    }
  }
  const dead: number[] = [];
  const keptList: number[] = [];
  let total = 0;
  for (let g = 0; g < E; g++) {
    if (data.killedBy[g] === -1 || isMarker(data, g)) continue;
    const bytes = data.entrySize[g]!;
    const t = data.entryType[g]!;
    if (bytes <= 0 || t === EntryType.Directory || t === EntryType.Symlink || t === EntryType.Hardlink) continue;
    if (kept[g]) {
      keptList.push(g);
      continue;
    }
    const k = data.entryLayer[g]!;
    const r = data.killReason[g]! - 1;
    byLayer[k]! += bytes;
    byLayerAndReason[k * 3 + r]! += bytes;
    total += bytes;
    dead.push(g);
  }
  const entries = Int32Array.from(dead);
  entries.sort((a, b) => data.entrySize[b]! - data.entrySize[a]! || a - b);
  return { totalBytes: total, byLayer, byLayerAndReason, entries, keptByHardlink: Int32Array.from(keptList) };
}

export function reasonOf(fate: number): ReclaimReason {
  return REASONS[fate - 1] ?? 'overwritten';
}

export function reclaimableItem(data: FsData, g: number): ReclaimableItem {
  const by = data.killedBy[g]!;
  const command = data.layers[by]?.command;
  return {
    entry: g,
    node: data.entryNode[g]!,
    path: pathOfNode(data.trie, data.entryNode[g]!),
    bytes: data.entrySize[g]!,
    layer: data.entryLayer[g]!,
    reason: reasonOf(data.killReason[g]! as Fate),
    byLayer: by,
    byPath: pathOfNode(data.trie, data.killerNode[g]!),
    byNode: data.killerNode[g]!,
    ...(command !== undefined ? { byCommand: command } : {}),
  };
}

export interface LargestFile {
  readonly entry: number;
  readonly node: number;
  readonly path: string;
  readonly size: number;
  /** The layer the entry comes from. */
  readonly layer: number;
  /** Whether the final image still shows this entry. */
  readonly visible: boolean;
}

/**
 * The `limit` largest non-directory entries: of the final image (layer undefined), or of one
 * layer's own entries (visible or not in the final image). Ties by entry order.
 */
export function largestFiles(data: FsData, limit: number, layer?: number): LargestFile[] {
  if (limit <= 0) return [];
  const candidates: number[] = [];
  if (layer === undefined) {
    for (let n = 0; n < data.finalVis.length; n++) {
      const g = data.finalVis[n]!;
      if (g >= 0 && data.entryType[g] !== EntryType.Directory) candidates.push(g);
    }
  } else {
    for (let g = data.layerBase[layer]!; g < data.layerBase[layer + 1]!; g++) {
      if (!isMarker(data, g) && data.entryType[g] !== EntryType.Directory) candidates.push(g);
    }
  }
  const top = topN(candidates, limit, (a, b) => data.entrySize[b]! - data.entrySize[a]! || a - b);
  return top.map((g) => ({
    entry: g,
    node: data.entryNode[g]!,
    path: pathOfNode(data.trie, data.entryNode[g]!),
    size: data.entrySize[g]!,
    layer: data.entryLayer[g]!,
    visible: data.killedBy[g] === -1,
  }));
}

/** The first `n` of `items` in `cmp` order, in O(items · log n). */
function topN(items: number[], n: number, cmp: (a: number, b: number) => number): number[] {
  if (items.length <= n) return items.sort(cmp);
  // Max-heap (by cmp) of the best n so far: the root is the worst kept.
  const heap: number[] = [];
  const worse = (a: number, b: number): boolean => cmp(a, b) > 0;
  const up = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const x of items) {
    if (heap.length < n) {
      heap.push(x);
      up(heap.length - 1);
    } else if (cmp(x, heap[0]!) < 0) {
      heap[0] = x;
      down(0);
    }
  }
  return heap.sort(cmp);
}
