/**
 * dive's image efficiency, wasted bytes, user size and inefficient-files list, computed so the
 * numbers equal dive's to the last digit on the same layers (see DIVE-COMPAT.md, which also
 * lists every dive quirk reproduced here and why).
 *
 * dive (wagoodman/dive, dive/filetree/efficiency.go `Efficiency`, dive/image/analysis.go
 * `Analyze`) builds one FileTree per layer tar and then, for each layer in order, visits that
 * tree's leaves depth-first, children before parents, siblings sorted by name:
 *   - a leaf is a node with no children in that layer's tree: a file, a symlink, a hardlink,
 *     an empty directory, or a whiteout marker `.wh.name`;
 *   - an ordinary leaf counts its tar header size (FileInfo.Size);
 *   - a whiteout counts 0 when the stack of the layers below has a non-directory at the path,
 *     and the sum of FileInfo.Size over the whole stacked subtree when it is a directory
 *     (IsDir from the tar header of the stacked node); if the stack has nothing at the path,
 *     dive's visitor returns an error, which ends the walk of that layer;
 *   - per path: CumulativeSize = sum of all counts, minDiscoveredSize = the smallest; a path is
 *     "inefficient" once it was counted twice.
 * score = Σ min / Σ cumulative over all paths (1 when Σ cumulative = 0); wasted bytes = Σ
 * cumulative over inefficient paths; layer size = Σ tar header sizes of its entries; user size
 * = all layers but the first; user-wasted percent = wasted / user size.
 *
 * dive re-stacks layers 0..k-1 for every whiteout in layer k (quadratic). Here the stack of
 * the layers below is kept up to date incrementally, with dive's exact stacking rules (which
 * differ from the OCI ones: opaque markers are ignored, a layer's implicit directories reset
 * the stacked node's FileInfo, and layer 0's whiteout markers stay in the stack).
 */
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { FsData } from './filesystem';
import { goSort } from './goSort';
import { nameBytesOf, nameOf, pathOfNode } from './trie';

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

export function diveAnalysis(data: FsData): DiveAnalysis {
  const { trie, layerBase, entryNode, entryFlags, entryType, entrySize } = data;
  const { parent, end } = trie;
  const N = trie.count;
  const L = data.layers.length;

  const kind = new Uint8Array(N);
  for (let n = 1; n < N; n++) kind[n] = nameClass(nameBytesOf(trie, n));

  // A layer's dive tree: plain nodes are trie ids n, whiteout markers `.wh.name` are N + n.
  const present = new Int32Array(2 * N).fill(-1); // stamp: layer
  const info = new Int32Array(2 * N); // entry carrying the node's FileInfo, -1 = FileInfo{}
  const hadChild = new Int32Array(N).fill(-1); // stamp: the node has a child in the layer's tree
  const wStamp = new Int32Array(N).fill(-1); // stamp: the node has whiteout-marker children
  const wPos = new Int32Array(N);
  const plainBuf = new Int32Array(N);
  const order = new Int32Array(2 * N);
  const leaf = new Uint8Array(2 * N);
  const stack = new Int32Array(maxDepth(trie.depth));

  // Per path (trie node): dive's EfficiencyData.
  const has = new Uint8Array(N);
  const cum = new Float64Array(N);
  const min = new Float64Array(N);
  const cnt = new Int32Array(N);
  const firstLayer = new Int32Array(N);
  const layersOf = new Map<number, number[]>(); // for paths counted twice or more
  const keys = new Int32Array(N);
  let keyCount = 0;
  const inefficient: number[] = [];
  const aufsKeys = new Set<number>();

  // The stacked tree of the layers below (dive's StackTreeRange(trees, 0, k-1)).
  const dIn = new Uint8Array(N);
  const dSize = new Float64Array(N);
  const dDir = new Uint8Array(N);
  const dWhIn = new Uint8Array(N); // layer 0's `.wh.name` nodes, by the node of `name`
  const dWhSize = new Float64Array(N);

  const subtreeSum = (n: number): number => {
    let sum = 0;
    const stop = end[n]!;
    for (let x = n; x < stop; ) {
      if (x !== n && dWhIn[x]) sum += dWhSize[x]!;
      if (!dIn[x]) {
        x = end[x]!;
        continue;
      }
      sum += dSize[x]!;
      x++;
    }
    return sum;
  };
  const removeSubtree = (n: number): void => {
    const stop = end[n]!;
    for (let x = n; x < stop; ) {
      if (x !== n) dWhIn[x] = 0;
      if (!dIn[x]) {
        x = end[x]!;
        continue;
      }
      dIn[x] = 0;
      x++;
    }
  };
  const setD = (n: number, g: number): void => {
    dIn[n] = 1;
    dSize[n] = g >= 0 ? entrySize[g]! : 0;
    dDir[n] = g >= 0 && entryType[g] === EntryType.Directory ? 1 : 0;
  };
  /** dive's AddPath on the stacked tree: missing ancestors get FileInfo{}. */
  const addPathD = (n: number, g: number): void => {
    for (let a = parent[n]!; a > 0 && !dIn[a]; a = parent[a]!) setD(a, -1);
    setD(n, g);
  };

  const layerSizes: number[] = [];
  const truncated: number[] = [];
  const chain: number[] = [];

  for (let k = 0; k < L; k++) {
    // 1. Build layer k's dive tree, in archive order (dive's AddPath per tar entry).
    let plainCount = 0;
    const markers: number[] = [];
    let layerSize = 0;
    /** Creates the missing plain nodes on the way to n (n included); false when dive would stop at a `.wh..wh..` name. */
    const ensure = (n: number): boolean => {
      chain.length = 0;
      for (let x = n; x > 0 && present[x] !== k; x = parent[x]!) chain.push(x);
      for (let i = chain.length - 1; i >= 0; i--) {
        const x = chain[i]!;
        if (kind[x] === NAME_DROPPED) return false;
        present[x] = k;
        info[x] = -1;
        plainBuf[plainCount++] = x;
      }
      return true;
    };
    for (let g = layerBase[k]!; g < layerBase[k + 1]!; g++) {
      const n = entryNode[g]!;
      const f = entryFlags[g]!;
      if (n === 0 && !(f & (EntryFlag.Whiteout | EntryFlag.Opaque))) continue; // "." : dive skips it, size too
      layerSize += entrySize[g]!;
      if (f & EntryFlag.Opaque) {
        ensure(n); // `dir/.wh..wh..opq`: dive creates `dir` (and above), then drops the marker
      } else if (f & EntryFlag.Whiteout) {
        if (!ensure(parent[n]!)) continue;
        const key = N + n;
        if (present[key] !== k) {
          present[key] = k;
          markers.push(key);
        }
        info[key] = g;
      } else if (ensure(n)) {
        info[n] = g;
      }
    }
    layerSizes.push(layerSize);

    // 2. Post-order (children first, siblings by name), as VisitDepthChildFirst. Plain siblings
    // are in trie id order; whiteout markers (".wh." + name) are merged in by name.
    const wLists = new Map<number, number[]>();
    for (const key of markers) {
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
    const sorted = plainBuf.subarray(0, plainCount).sort();
    let orderCount = 0;
    const emitMarkers = (p: number, before: number): void => {
      if (wStamp[p] !== k) return;
      const l = wLists.get(p)!;
      let i = wPos[p]!;
      while (i < l.length && (before < 0 || compareDiveNames(trie, N, l[i]!, before) < 0)) {
        order[orderCount] = l[i]!;
        leaf[orderCount++] = 1;
        hadChild[p] = k;
        i++;
      }
      wPos[p] = i;
    };
    let sp = 0;
    stack[sp++] = 0;
    const close = (): void => {
      const top = stack[--sp]!;
      emitMarkers(top, -1);
      if (top !== 0) {
        order[orderCount] = top;
        leaf[orderCount++] = hadChild[top] !== k ? 1 : 0;
      }
    };
    for (let i = 0; i < sorted.length; i++) {
      const c = sorted[i]!;
      while (c >= end[stack[sp - 1]!]!) close();
      const p = stack[sp - 1]!;
      emitMarkers(p, c);
      hadChild[p] = k;
      stack[sp++] = c;
    }
    while (sp > 0) close();

    // dive's stack for layer 0 is a copy of tree 0 (StackTreeRange copies trees[0] first).
    if (k === 0) {
      for (let i = 0; i < orderCount; i++) {
        const key = order[i]!;
        if (key >= N) {
          dWhIn[key - N] = 1;
          dWhSize[key - N] = entrySize[info[key]!]!;
        } else setD(key, info[key]!);
      }
    }

    // 4. Efficiency: visit the leaves.
    const touch = (n: number): void => {
      if (has[n]) return;
      has[n] = 1;
      min[n] = -1;
      keys[keyCount++] = n;
    };
    for (let i = 0; i < orderCount; i++) {
      if (!leaf[i]) continue;
      const key = order[i]!;
      let size: number;
      let path: number;
      if (key >= N) {
        path = key - N;
        touch(path);
        if (!dIn[path]) {
          truncated.push(k);
          break;
        }
        size = dDir[path] ? subtreeSum(path) : 0;
      } else if (kind[key] === NAME_WHITEOUT) {
        // dive strips ".wh." and looks for a path no layer can have: the walk ends.
        aufsKeys.add(key);
        truncated.push(k);
        break;
      } else {
        path = key;
        touch(path);
        const g = info[key]!;
        size = g >= 0 ? entrySize[g]! : 0;
      }
      cum[path]! += size;
      if (min[path]! < 0 || size < min[path]!) min[path] = size;
      cnt[path]!++;
      if (cnt[path] === 1) firstLayer[path] = k;
      else if (cnt[path] === 2) {
        inefficient.push(path);
        layersOf.set(path, [firstLayer[path]!, k]);
      } else layersOf.get(path)!.push(k);
    }

    // 5. Stack layer k (dive's Stack: children first; whiteouts remove, everything else AddPath).
    for (let i = 0; i < orderCount; i++) {
      const key = order[i]!;
      if (key >= N) {
        if (dIn[key - N]) removeSubtree(key - N);
      } else if (kind[key] !== NAME_WHITEOUT) {
        addPathD(key, info[key]!);
      }
    }
  }

  let minSum = -aufsKeys.size;
  let cumSum = 0;
  for (let i = 0; i < keyCount; i++) {
    const n = keys[i]!;
    minSum += min[n]!;
    cumSum += cum[n]!;
  }
  const efficiency = cumSum === 0 ? 1 : minSum / cumSum;

  goSort({
    length: inefficient.length,
    less: (i, j) => cum[inefficient[i]!]! < cum[inefficient[j]!]!,
    swap: (i, j) => {
      const t = inefficient[i]!;
      inefficient[i] = inefficient[j]!;
      inefficient[j] = t;
    },
  });
  let wasted = 0;
  const inefficiencies: DiveInefficiency[] = [];
  const dirPaths = new Map<number, string>(); // inefficient files share their directories
  const pathFor = (n: number): string => {
    const p = parent[n]!;
    let dir = p <= 0 ? '' : dirPaths.get(p);
    if (dir === undefined) dirPaths.set(p, (dir = pathOfNode(trie, p)));
    return dir + '/' + nameOf(trie, n);
  };
  for (let i = inefficient.length - 1; i >= 0; i--) {
    const n = inefficient[i]!;
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
    truncatedLayers: truncated,
  };
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
