/**
 * dive's algorithm as dive runs it, step by step (dive.ts has what it computes and why, and the
 * quirks it keeps): one tree per layer (`buildTree`), its post-order (`postOrder`), the visit of
 * its leaves with dive's counting rules (`visitLeaves`), dive's stacking of it onto the layers
 * below (`stackTree`), and the sums and the inefficient-files list in dive's order (`result`).
 * Kept in one class because the steps share the per-layer trees and the per-path sums.
 */
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { FsData } from './filesystem';
import { goSort } from './goSort';
import { nameBytesOf, nameOf, pathOfNode } from './trie';

// The results' shapes live here, with the code that fills them; dive.ts re-exports them.
export interface DiveInefficiency {
  /** dive's path: "/" + names, a whiteout counted at the path it deletes. */
  readonly path: string;
  /** The trie node of the path (to reveal it in the tree). */
  readonly node: number;
  /** How many times the path was counted (dive's len(Nodes)). */
  readonly count: number;
  /** dive's CumulativeSize. */
  readonly sizeBytes: number;
  /** The layers it was counted in, in order (a layer twice if both a file and a whiteout there). */
  readonly layers: readonly number[];
}

export interface DiveAnalysis {
  /** dive's efficiency score, 0..1 (dive prints int(100 × score) %). */
  readonly efficiency: number;
  readonly sizeBytes: number;
  /** All layers but the first. */
  readonly userSizeBytes: number;
  readonly wastedBytes: number;
  /** wastedBytes / userSizeBytes; 0 when userSizeBytes is 0 (dive gives NaN or +Inf there). */
  readonly wastedUserPercent: number;
  /** dive's layer sizes: the sum of the tar header sizes of each layer's entries. */
  readonly layerSizes: readonly number[];
  /** In dive's display order (its ascending sort, reversed): largest first, ties as dive orders them. */
  readonly inefficiencies: readonly DiveInefficiency[];
  /** Layers whose leaf walk dive ends early (a whiteout of a path the layers below do not have). */
  readonly truncatedLayers: readonly number[];
}

/** Name classes, as dive's string-prefix checks see them. */
const NAME_PLAIN = 0;
/** `.wh.` prefix on an entry the layer index did not flag (AUFS `.wh..wh.plnk` and the like): dive treats it as a whiteout. */
const NAME_WHITEOUT = 1;
/** `.wh..wh..` prefix: dive never adds such a node (nor anything below it). */
const NAME_DROPPED = 2;

const WH = [0x2e, 0x77, 0x68, 0x2e]; // ".wh."

function nameClass(b: Uint8Array): number {
  for (let i = 0; i < 4; i++) if (b[i] !== WH[i]) return NAME_PLAIN;
  if (b.length >= 9 && b[4] === 0x2e && b[5] === 0x77 && b[6] === 0x68 && b[7] === 0x2e && b[8] === 0x2e) return NAME_DROPPED;
  return NAME_WHITEOUT;
}

/** Go's sort.Sort interface over path ids, by cumulative size (dive's EfficiencySlice). */
class ByCumulative {
  constructor(
    readonly ids: Int32Array,
    readonly length: number,
    private readonly cum: Float64Array,
  ) {}
  less(i: number, j: number): boolean {
    return this.cum[this.ids[i]!]! < this.cum[this.ids[j]!]!;
  }
  swap(i: number, j: number): void {
    const t = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = t;
  }
}

/** dive's per-layer trees, its incrementally stacked tree and its per-path sums. */
export class DiveEmulator {
  private readonly N: number;
  private readonly parent: Int32Array;
  private readonly end: Int32Array;
  private readonly kind: Uint8Array;

  // Layer k's dive tree: plain nodes are trie ids n, whiteout markers `.wh.name` are N + n.
  private readonly present: Int32Array; // stamp: layer
  private readonly info: Int32Array; // entry carrying the node's FileInfo, -1 = FileInfo{}
  private readonly hadChild: Int32Array; // stamp: the node has a child in the layer's tree
  private readonly wStamp: Int32Array; // stamp: the node has whiteout-marker children
  private readonly wPos: Int32Array;
  private wLists = new Map<number, number[]>();
  private readonly plainBuf: Int32Array;
  private plainCount = 0;
  private readonly markers: number[] = [];
  private readonly chain: number[] = [];
  private readonly order: Int32Array;
  private readonly leaf: Uint8Array;
  private orderCount = 0;
  private readonly stack: Int32Array;
  private sp = 0;
  private k = 0;

  // Per path (trie node): dive's EfficiencyData.
  private readonly has: Uint8Array;
  private readonly cum: Float64Array;
  private readonly min: Float64Array;
  private readonly cnt: Int32Array;
  private readonly firstLayer: Int32Array;
  private readonly layersOf = new Map<number, number[]>(); // for paths counted twice or more
  private readonly keys: Int32Array;
  private keyCount = 0;
  private inefficient: Int32Array;
  private inefficientCount = 0;
  private readonly aufsKeys = new Set<number>();

  // The stacked tree of the layers below (dive's StackTreeRange(trees, 0, k-1)).
  private readonly dIn: Uint8Array;
  private readonly dSize: Float64Array;
  private readonly dDir: Uint8Array;
  private readonly dWhIn: Uint8Array; // layer 0's `.wh.name` nodes, by the node of `name`
  private readonly dWhSize: Float64Array;

  constructor(private readonly data: FsData) {
    const { trie } = data;
    const N = trie.count;
    this.N = N;
    this.parent = trie.parent;
    this.end = trie.end;
    this.kind = new Uint8Array(N);
    for (let n = 1; n < N; n++) this.kind[n] = nameClass(nameBytesOf(trie, n));
    this.present = new Int32Array(2 * N).fill(-1);
    this.info = new Int32Array(2 * N);
    this.hadChild = new Int32Array(N).fill(-1);
    this.wStamp = new Int32Array(N).fill(-1);
    this.wPos = new Int32Array(N);
    this.plainBuf = new Int32Array(N);
    this.order = new Int32Array(2 * N);
    this.leaf = new Uint8Array(2 * N);
    this.stack = new Int32Array(maxDepth(trie.depth));
    this.has = new Uint8Array(N);
    this.cum = new Float64Array(N);
    this.min = new Float64Array(N);
    this.cnt = new Int32Array(N);
    this.firstLayer = new Int32Array(N);
    this.keys = new Int32Array(N);
    this.inefficient = new Int32Array(64);
    this.dIn = new Uint8Array(N);
    this.dSize = new Float64Array(N);
    this.dDir = new Uint8Array(N);
    this.dWhIn = new Uint8Array(N);
    this.dWhSize = new Float64Array(N);
  }

  /** Layer k's dive tree, in archive order (dive's AddPath per tar entry). Returns dive's layer size. */
  buildTree(k: number): number {
    const { N, parent, present, info, markers } = this;
    const { layerBase, entryNode, entryFlags, entrySize } = this.data;
    this.k = k;
    this.plainCount = 0;
    markers.length = 0;
    let layerSize = 0;
    for (let g = layerBase[k]!; g < layerBase[k + 1]!; g++) {
      const n = entryNode[g]!;
      const f = entryFlags[g]!;
      if (n === 0 && !(f & (EntryFlag.Whiteout | EntryFlag.Opaque))) continue; // "." : dive skips it, size too
      layerSize += entrySize[g]!;
      if (f & EntryFlag.Opaque) {
        this.ensure(n); // `dir/.wh..wh..opq`: dive creates `dir` (and above), then drops the marker
      } else if (f & EntryFlag.Whiteout) {
        if (!this.ensure(parent[n]!)) continue;
        const key = N + n;
        if (present[key] !== k) {
          present[key] = k;
          markers.push(key);
        }
        info[key] = g;
      } else if (this.ensure(n)) {
        info[n] = g;
      }
    }
    return layerSize;
  }

  /** Creates the missing plain nodes on the way to n (n included); false when dive would stop at a `.wh..wh..` name. */
  private ensure(n: number): boolean {
    const { chain, present, parent, kind, info, plainBuf, k } = this;
    chain.length = 0;
    for (let x = n; x > 0 && present[x] !== k; x = parent[x]!) chain.push(x);
    for (let i = chain.length - 1; i >= 0; i--) {
      const x = chain[i]!;
      if (kind[x] === NAME_DROPPED) return false;
      present[x] = k;
      info[x] = -1;
      plainBuf[this.plainCount++] = x;
    }
    return true;
  }

  /**
   * Post-order (children first, siblings by name), as VisitDepthChildFirst. Plain siblings are
   * in trie id order; whiteout markers (".wh." + name) are merged in by name.
   */
  postOrder(k: number): void {
    const { N, parent, end, wStamp, wPos, stack, hadChild } = this;
    const trie = this.data.trie;
    const wLists = new Map<number, number[]>();
    for (const key of this.markers) {
      const p = parent[key - N]!;
      let l = wLists.get(p);
      if (!l) {
        wLists.set(p, (l = []));
        wStamp[p] = k;
        wPos[p] = 0;
      }
      l.push(key);
    }
    for (const l of wLists.values()) if (l.length > 1) l.sort((a, b) => compareDiveNames(trie, N, a, b));
    this.wLists = wLists;
    const sorted = this.plainBuf.subarray(0, this.plainCount).sort();
    this.orderCount = 0;
    this.sp = 0;
    stack[this.sp++] = 0;
    for (let i = 0; i < sorted.length; i++) {
      const c = sorted[i]!;
      while (c >= end[stack[this.sp - 1]!]!) this.close();
      const p = stack[this.sp - 1]!;
      this.emitMarkers(p, c);
      hadChild[p] = k;
      stack[this.sp++] = c;
    }
    while (this.sp > 0) this.close();
  }

  private emitMarkers(p: number, before: number): void {
    const { k, wStamp, order, leaf } = this;
    if (wStamp[p] !== k) return;
    const l = this.wLists.get(p)!;
    let i = this.wPos[p]!;
    while (i < l.length && (before < 0 || compareDiveNames(this.data.trie, this.N, l[i]!, before) < 0)) {
      order[this.orderCount] = l[i]!;
      leaf[this.orderCount++] = 1;
      this.hadChild[p] = k;
      i++;
    }
    this.wPos[p] = i;
  }

  private close(): void {
    const top = this.stack[--this.sp]!;
    this.emitMarkers(top, -1);
    if (top !== 0) {
      this.order[this.orderCount] = top;
      this.leaf[this.orderCount++] = this.hadChild[top] !== this.k ? 1 : 0;
    }
  }

  /** The stack starts as a copy of layer 0's tree, whiteout markers included. */
  copyTree(): void {
    const { N, order, info, dWhIn, dWhSize } = this;
    const size = this.data.entrySize;
    for (let i = 0; i < this.orderCount; i++) {
      const key = order[i]!;
      if (key >= N) {
        dWhIn[key - N] = 1;
        dWhSize[key - N] = size[info[key]!]!;
      } else this.setD(key, info[key]!);
    }
  }

  /** dive's Efficiency visitor over layer k's leaves. False when dive's walk stops early. */
  visitLeaves(k: number): boolean {
    const { N, order, leaf, info, kind, dIn, dDir, cum, min, cnt, firstLayer, layersOf } = this;
    const size = this.data.entrySize;
    for (let i = 0; i < this.orderCount; i++) {
      if (!leaf[i]) continue;
      const key = order[i]!;
      let bytes: number;
      let path: number;
      if (key >= N) {
        path = key - N;
        this.touch(path);
        if (!dIn[path]) return false;
        bytes = dDir[path] ? this.subtreeSum(path) : 0;
      } else if (kind[key] === NAME_WHITEOUT) {
        // dive strips ".wh." and looks for a path no layer can have: the walk ends.
        this.aufsKeys.add(key);
        return false;
      } else {
        path = key;
        this.touch(path);
        const g = info[key]!;
        bytes = g >= 0 ? size[g]! : 0;
      }
      cum[path]! += bytes;
      if (min[path]! < 0 || bytes < min[path]!) min[path] = bytes;
      cnt[path]!++;
      if (cnt[path] === 1) firstLayer[path] = k;
      else if (cnt[path] === 2) {
        if (this.inefficientCount === this.inefficient.length) {
          const grown = new Int32Array(this.inefficient.length * 2);
          grown.set(this.inefficient);
          this.inefficient = grown;
        }
        this.inefficient[this.inefficientCount++] = path;
        layersOf.set(path, [firstLayer[path]!, k]);
      } else layersOf.get(path)!.push(k);
    }
    return true;
  }

  private touch(n: number): void {
    if (this.has[n]) return;
    this.has[n] = 1;
    this.min[n] = -1;
    this.keys[this.keyCount++] = n;
  }

  /** dive's Stack of layer k onto the stacked tree: children first; whiteouts remove, everything else AddPath. */
  stackTree(): void {
    const { N, order, info, kind, dIn } = this;
    for (let i = 0; i < this.orderCount; i++) {
      const key = order[i]!;
      if (key >= N) {
        if (dIn[key - N]) this.removeSubtree(key - N);
      } else if (kind[key] !== NAME_WHITEOUT) {
        this.addPathD(key, info[key]!);
      }
    }
  }

  private subtreeSum(n: number): number {
    const { end, dIn, dSize, dWhIn, dWhSize } = this;
    let sum = 0;
    const stop = end[n]!;
    for (let x = n; x < stop;) {
      if (x !== n && dWhIn[x]) sum += dWhSize[x]!;
      if (!dIn[x]) {
        x = end[x]!;
        continue;
      }
      sum += dSize[x]!;
      x++;
    }
    return sum;
  }

  private removeSubtree(n: number): void {
    const { end, dIn, dWhIn } = this;
    const stop = end[n]!;
    for (let x = n; x < stop;) {
      if (x !== n) dWhIn[x] = 0;
      if (!dIn[x]) {
        x = end[x]!;
        continue;
      }
      dIn[x] = 0;
      x++;
    }
  }

  private setD(n: number, g: number): void {
    this.dIn[n] = 1;
    this.dSize[n] = g >= 0 ? this.data.entrySize[g]! : 0;
    this.dDir[n] = g >= 0 && this.data.entryType[g] === EntryType.Directory ? 1 : 0;
  }

  /** dive's AddPath on the stacked tree: missing ancestors get FileInfo{}. */
  private addPathD(n: number, g: number): void {
    const { parent, dIn } = this;
    for (let a = parent[n]!; a > 0 && !dIn[a]; a = parent[a]!) this.setD(a, -1);
    this.setD(n, g);
  }

  result(layerSizes: number[], truncatedLayers: number[]): DiveAnalysis {
    const { cum, min, cnt, keys, parent, layersOf } = this;
    const trie = this.data.trie;
    let minSum = -this.aufsKeys.size;
    let cumSum = 0;
    for (let i = 0; i < this.keyCount; i++) {
      const n = keys[i]!;
      minSum += min[n]!;
      cumSum += cum[n]!;
    }
    const efficiency = cumSum === 0 ? 1 : minSum / cumSum;

    const ids = this.inefficient.subarray(0, this.inefficientCount);
    goSort(new ByCumulative(ids, ids.length, cum));
    let wasted = 0;
    const inefficiencies: DiveInefficiency[] = [];
    const dirPaths = new Map<number, string>(); // inefficient files share their directories
    const pathFor = (n: number): string => {
      const p = parent[n]!;
      let dir = p <= 0 ? '' : dirPaths.get(p);
      if (dir === undefined) dirPaths.set(p, (dir = pathOfNode(trie, p)));
      return dir + '/' + nameOf(trie, n);
    };
    for (let i = ids.length - 1; i >= 0; i--) {
      const n = ids[i]!;
      wasted += cum[n]!;
      inefficiencies.push({ path: pathFor(n), node: n, count: cnt[n]!, sizeBytes: cum[n]!, layers: layersOf.get(n) ?? [] });
    }
    let sizeBytes = 0;
    let userSizeBytes = 0;
    layerSizes.forEach((s, i) => {
      sizeBytes += s;
      if (i !== 0) userSizeBytes += s;
    });
    return {
      efficiency,
      sizeBytes,
      userSizeBytes,
      wastedBytes: wasted,
      wastedUserPercent: userSizeBytes === 0 ? 0 : wasted / userSizeBytes,
      layerSizes,
      inefficiencies,
      truncatedLayers,
    };
  }
}

const WH_BYTES = new Uint8Array(WH);

function maxDepth(depth: Int32Array): number {
  let m = 0;
  for (let i = 0; i < depth.length; i++) if (depth[i]! > m) m = depth[i]!;
  return m + 2;
}

/** Go string order of dive's node names: whiteout markers (key ≥ N) are ".wh." + name. */
function compareDiveNames(trie: FsData['trie'], N: number, a: number, b: number): number {
  if (a < N && b < N) return a - b; // siblings: pre-order ids are in name order
  const { nameBytes, nameOffsets } = trie;
  const na = a >= N ? a - N : a;
  const nb = b >= N ? b - N : b;
  const sa = nameOffsets[na]!;
  const sb = nameOffsets[nb]!;
  const pa = a >= N ? 4 : 0;
  const pb = b >= N ? 4 : 0;
  const la = nameOffsets[na + 1]! - sa + pa;
  const lb = nameOffsets[nb + 1]! - sb + pb;
  for (let i = 0; i < la && i < lb; i++) {
    const x = i < pa ? WH_BYTES[i]! : nameBytes[sa + i - pa]!;
    const y = i < pb ? WH_BYTES[i]! : nameBytes[sb + i - pb]!;
    if (x !== y) return x - y;
  }
  return la - lb;
}
