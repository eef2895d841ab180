/**
 * Stacking: from one LayerIndex per layer to the image's filesystem, in one forward pass.
 *
 * Every entry of every layer gets a global id g = layerBase[k] + e (e = its index in layer k).
 * The pass keeps, per trie node, the entry visible in the stack so far (`vis`) and how many
 * visible entries its subtree holds (`live`, so removed subtrees are skipped in O(1)), and
 * applies each layer as overlayfs / containerd do:
 *   1. whiteouts delete the path and everything below it from lower layers;
 *   2. opaque directories hide everything lower layers had below them;
 *   3. the layer's entries replace lower entries at the same path; a non-directory also
 *      replaces whatever lower layers had below that path, and a lower non-directory where the
 *      layer needs a directory is replaced too. Within one layer the last entry for a path wins.
 * Whiteouts and opaque markers apply to lower layers only (OCI image spec), so a layer's own
 * entries inside a directory it makes opaque stay.
 *
 * What comes out, all typed arrays (see FsData):
 *   - per entry, its fate: the layer that made it invisible (or -1), why, and by which node;
 *   - per layer, a change list: the nodes it touched (its entries, what it removed, and their
 *     ancestors) with the entry visible before and after, existence before and after, and
 *     the mark (Added / Modified / Removed / Unmodified, directories derived from children);
 *   - the final visibility.
 * Each entry dies at most once, and a removed subtree is walked once when it is removed, so
 * the whole pass is O(entries × depth) plus sorting: no layer is ever re-stacked.
 */
import { EntryFlag, EntryType, layerIndexArrays, type LayerIndex } from '../layers/layerIndex';
import { compareEntries } from './entryCompare';
import { Fate, Mark, NOT_IN_VIEW } from './marks';
import { TrieBuilder, type PathTrie } from './trie';
import { ByteBuf, IntBuf } from './growable';
import { resolveHardlinks } from './hardlinks';

export interface LayerInput {
  readonly index: LayerIndex;
  /** The history line that made the layer (`created_by`), for the UI's explanations. */
  readonly command?: string;
}

/** The whole model as transferable typed arrays (plus the LayerIndexes it was built from). */
export interface FsData {
  readonly layers: readonly LayerInput[];
  readonly trie: PathTrie;
  /** layerBase[k] = global id of layer k's first entry; layerBase[L] = total entries. */
  readonly layerBase: Int32Array;
  readonly entryNode: Int32Array;
  readonly entryLayer: Int32Array;
  readonly entryType: Uint8Array;
  readonly entryFlags: Uint8Array;
  readonly entrySize: Float64Array;
  /** For a hardlink entry, the entry of the same layer it links to (-1 if none / not a hardlink). */
  readonly linkTarget: Int32Array;
  /** The layer that made the entry invisible, -1 if it is visible in the final image or is a marker. */
  readonly killedBy: Int32Array;
  /** Fate (Overwritten / Deleted / HiddenByOpaque), Visible when alive. */
  readonly killReason: Uint8Array;
  /** The node of the whiteout, opaque directory or replacing entry that did it. */
  readonly killerNode: Int32Array;
  /** Entry visible at each node in the final image, -1 for none (or an implicit directory). */
  readonly finalVis: Int32Array;
  /** Change lists: layer k's are [changeStart[k], changeStart[k+1]), nodes ascending. */
  readonly changeStart: Int32Array;
  readonly changeNode: Int32Array;
  /** Entry visible before / after the layer (-1 none). */
  readonly changePrev: Int32Array;
  readonly changeNext: Int32Array;
  /** Mark, or NOT_IN_VIEW when the node existed neither before nor after. */
  readonly changeMark: Uint8Array;
  /** Bit 1: the path existed before the layer; bit 2: after (an implicit directory exists too). */
  readonly changeLive: Uint8Array;
}

export const LIVE_BEFORE = 1;
export const LIVE_AFTER = 2;

/** Builds the model. Pure and synchronous; see `ImageFilesystem` for the queries on it. */
export function buildFsData(layers: readonly LayerInput[]): FsData {
  const L = layers.length;
  const layerBase = new Int32Array(L + 1);
  for (let k = 0; k < L; k++) layerBase[k + 1] = layerBase[k]! + layers[k]!.index.count;
  const E = layerBase[L]!;
  const entries = new EntryArrays(E);

  // 1. Intern every path (and every hardlink target that names an archive member).
  const tb = new TrieBuilder();
  const provisional = new Int32Array(E);
  const linkProvisional = new Int32Array(E).fill(-1);
  for (let k = 0; k < L; k++) internLayer(tb, layers[k]!.index, k, layerBase[k]!, entries, provisional, linkProvisional);
  const { trie, remap } = tb.finish();
  const entryNode = new Int32Array(E);
  for (let g = 0; g < E; g++) entryNode[g] = remap[provisional[g]!]!;
  const linkTarget = resolveHardlinks(L, layerBase, entries.flags, entryNode, linkProvisional, remap, trie.count);

  // 2. The forward pass.
  const st = new Stacker(layers, layerBase, trie, entryNode, entries);
  for (let k = 0; k < L; k++) st.apply(k);
  st.changeStart[L] = st.cNode.n;

  return {
    layers,
    trie,
    layerBase,
    entryNode,
    entryLayer: entries.layer,
    entryType: entries.type,
    entryFlags: entries.flags,
    entrySize: entries.size,
    linkTarget,
    killedBy: st.killedBy,
    killReason: st.killReason,
    killerNode: st.killerNode,
    finalVis: st.vis,
    changeStart: st.changeStart,
    changeNode: st.cNode.finish(),
    changePrev: st.cPrev.finish(),
    changeNext: st.cNext.finish(),
    changeMark: st.cMark.finish(),
    changeLive: st.cLive.finish(),
  };
}

class EntryArrays {
  readonly layer: Int32Array;
  readonly type: Uint8Array;
  readonly flags: Uint8Array;
  readonly size: Float64Array;
  constructor(E: number) {
    this.layer = new Int32Array(E);
    this.type = new Uint8Array(E);
    this.flags = new Uint8Array(E);
    this.size = new Float64Array(E);
  }
}

function internLayer(
  tb: TrieBuilder,
  idx: LayerIndex,
  k: number,
  base: number,
  entries: EntryArrays,
  provisional: Int32Array,
  linkProvisional: Int32Array,
): void {
  const { bytes, offsets } = idx.strings;
  for (let e = 0; e < idx.count; e++) {
    const g = base + e;
    const s = idx.path[e]!;
    provisional[g] = tb.internRange(bytes, offsets[s]!, offsets[s + 1]!);
    entries.layer[g] = k;
    entries.type[g] = idx.type[e]!;
    entries.flags[g] = idx.flags[e]!;
    entries.size[g] = idx.size[e]!;
  }
  for (let e = 0; e < idx.count; e++) {
    const s = idx.link[e]!;
    if (idx.type[e] !== EntryType.Hardlink || s < 0) continue;
    linkProvisional[base + e] = tb.lookupRange(bytes, offsets[s]!, offsets[s + 1]!);
  }
}

/** The forward pass's state; one method per step keeps each hot loop small. */
class Stacker {
  readonly parent: Int32Array;
  readonly end: Int32Array;
  readonly vis: Int32Array;
  readonly live: Int32Array;
  readonly killedBy: Int32Array;
  readonly killReason: Uint8Array;
  readonly killerNode: Int32Array;
  private readonly stampT: Int32Array; // node is in layer k's change list
  private readonly prevVis: Int32Array;
  private readonly prevLive: Uint8Array;
  private readonly stampC: Int32Array; // layer k has content at node
  private readonly lastOf: Int32Array;
  private readonly stampA: Int32Array; // ancestors checked for lower non-directories
  private readonly stampChild: Int32Array; // a child changed (for directory marks)
  readonly changeStart: Int32Array;
  readonly cNode = new IntBuf();
  readonly cPrev = new IntBuf();
  readonly cNext = new IntBuf();
  readonly cMark = new ByteBuf();
  readonly cLive = new ByteBuf();
  private readonly tNodes = new IntBuf();
  private readonly whiteouts = new IntBuf();
  private readonly opaques = new IntBuf();
  private readonly placements = new IntBuf();
  private k = 0;

  constructor(
    private readonly layers: readonly LayerInput[],
    private readonly layerBase: Int32Array,
    trie: PathTrie,
    private readonly entryNode: Int32Array,
    private readonly entries: EntryArrays,
  ) {
    const N = trie.count;
    const E = entryNode.length;
    this.parent = trie.parent;
    this.end = trie.end;
    this.vis = new Int32Array(N).fill(-1);
    this.live = new Int32Array(N);
    this.killedBy = new Int32Array(E).fill(-1);
    this.killReason = new Uint8Array(E);
    this.killerNode = new Int32Array(E).fill(-1);
    this.stampT = new Int32Array(N).fill(-1);
    this.prevVis = new Int32Array(N);
    this.prevLive = new Uint8Array(N);
    this.stampC = new Int32Array(N).fill(-1);
    this.lastOf = new Int32Array(N);
    this.stampA = new Int32Array(N).fill(-1);
    this.stampChild = new Int32Array(N).fill(-1);
    this.changeStart = new Int32Array(layers.length + 1);
  }

  apply(k: number): void {
    this.k = k;
    this.tNodes.n = 0;
    this.collect();
    const { whiteouts, opaques, placements } = this;
    for (let i = 0; i < whiteouts.n; i++) this.killBelow(whiteouts.a[i]!, true, Fate.Deleted, whiteouts.a[i]!);
    for (let i = 0; i < opaques.n; i++) this.killBelow(opaques.a[i]!, false, Fate.HiddenByOpaque, opaques.a[i]!);
    for (let i = 0; i < placements.n; i++) this.place(placements.a[i]!);
    this.emitChanges();
  }

  /** Sorts layer k's entries: whiteouts, opaque markers, and the last content entry per path. */
  private collect(): void {
    const { k, stampC, lastOf, whiteouts, opaques, placements, killedBy, killReason, killerNode } = this;
    const nodeOf = this.entryNode;
    const flags = this.entries.flags;
    whiteouts.n = 0;
    opaques.n = 0;
    placements.n = 0;
    for (let g = this.layerBase[k]!; g < this.layerBase[k + 1]!; g++) {
      const n = nodeOf[g]!;
      const f = flags[g]!;
      if (f & EntryFlag.Whiteout) whiteouts.push(n);
      else if (f & EntryFlag.Opaque) opaques.push(n);
      else if (stampC[n] === k) {
        const older = lastOf[n]!;
        killedBy[older] = k;
        killReason[older] = Fate.Overwritten;
        killerNode[older] = n;
        lastOf[n] = g;
      } else {
        stampC[n] = k;
        lastOf[n] = g;
        placements.push(n);
      }
    }
  }

  /** Adds x and its ancestors to the layer's change list, recording their state before the layer. */
  private touch(x: number): void {
    const { k, stampT, prevVis, prevLive, vis, live, parent, tNodes } = this;
    while (x >= 0 && stampT[x] !== k) {
      stampT[x] = k;
      prevVis[x] = vis[x]!;
      prevLive[x] = live[x]! > 0 ? 1 : 0;
      tNodes.push(x);
      x = parent[x]!;
    }
  }

  private kill(x: number, reason: Fate, killer: number): void {
    const g = this.vis[x]!;
    this.killedBy[g] = this.k;
    this.killReason[g] = reason;
    this.killerNode[g] = killer;
    this.vis[x] = -1;
    const { live, parent } = this;
    for (let a = x; a >= 0; a = parent[a]!) live[a]!--;
  }

  /** Kills lower-layer entries in n's subtree (n itself when `inclusive`), skipping empty subtrees. */
  private killBelow(n: number, inclusive: boolean, reason: Fate, killer: number): void {
    const { end, live, vis, k } = this;
    const layerOf = this.entries.layer;
    const stop = end[n]!;
    let x = inclusive ? n : n + 1;
    while (x < stop) {
      if (live[x] === 0) {
        x = end[x]!;
        continue;
      }
      const g = vis[x]!;
      if (g >= 0 && layerOf[g]! < k) {
        this.touch(x);
        this.kill(x, reason, killer);
      }
      x++;
    }
  }

  private place(n: number): void {
    const { k, vis, live, parent, stampA, killedBy, killReason, killerNode } = this;
    const { layer: layerOf, type } = this.entries;
    const g = this.lastOf[n]!;
    this.touch(n);
    // A lower non-directory where this layer needs a directory is replaced.
    for (let a = parent[n]!; a >= 0 && stampA[a] !== k; a = parent[a]!) {
      stampA[a] = k;
      const lower = vis[a]!;
      if (lower >= 0 && layerOf[lower]! < k && type[lower] !== EntryType.Directory) this.kill(a, Fate.Overwritten, n);
    }
    const old = vis[n]!;
    if (old >= 0) {
      killedBy[old] = k;
      killReason[old] = Fate.Overwritten;
      killerNode[old] = n;
    } else {
      for (let a = n; a >= 0; a = parent[a]!) live[a]!++;
      // Deleted or hidden by this layer, then written again: that is an overwrite.
      const before = this.prevVis[n]!;
      if (before >= 0 && killedBy[before] === k) {
        killReason[before] = Fate.Overwritten;
        killerNode[before] = n;
      }
    }
    vis[n] = g;
    if (type[g] !== EntryType.Directory) this.killBelow(n, false, Fate.Overwritten, n);
  }

  /** Marks, children before parents, then the layer's change list in node order. */
  private emitChanges(): void {
    const { k, prevLive, prevVis, live, vis, stampC, stampChild, parent } = this;
    const touched = this.tNodes.finish().sort();
    this.changeStart[k] = this.cNode.n;
    const marks = new Uint8Array(touched.length);
    for (let i = touched.length - 1; i >= 0; i--) {
      const x = touched[i]!;
      // The root always exists, even when every layer so far is empty.
      const before = x === 0 || prevLive[x] === 1;
      const after = x === 0 || live[x]! > 0;
      let mark: number;
      if (!before && !after) mark = NOT_IN_VIEW;
      else if (!before) mark = Mark.Added;
      else if (!after) mark = Mark.Removed;
      else {
        mark = Mark.Unmodified;
        if (stampC[x] === k) {
          const prev = prevVis[x]!;
          mark = prev < 0 ? Mark.Modified : compareEntries(this.layers, this.layerBase, this.entries.layer, this.entries.type, prev, vis[x]!);
        }
        if (mark === Mark.Unmodified && stampChild[x] === k) mark = Mark.Modified;
      }
      marks[i] = mark;
      if (mark !== Mark.Unmodified && mark !== NOT_IN_VIEW && x > 0) stampChild[parent[x]!] = k;
    }
    const { cNode, cPrev, cNext, cMark, cLive } = this;
    for (let i = 0; i < touched.length; i++) {
      const x = touched[i]!;
      cNode.push(x);
      cPrev.push(prevVis[x]!);
      cNext.push(vis[x]!);
      cMark.push(marks[i]!);
      cLive.push(x === 0 ? LIVE_BEFORE | LIVE_AFTER : (prevLive[x] === 1 ? LIVE_BEFORE : 0) | (live[x]! > 0 ? LIVE_AFTER : 0));
    }
  }
}

/** The typed arrays of `data` (and of its LayerIndexes), for postMessage's transfer list. */
export function fsDataTransferables(data: FsData): ArrayBuffer[] {
  const views: ArrayBufferView[] = [
    data.trie.parent,
    data.trie.depth,
    data.trie.end,
    data.trie.nameBytes,
    data.trie.nameOffsets,
    data.layerBase,
    data.entryNode,
    data.entryLayer,
    data.entryType,
    data.entryFlags,
    data.entrySize,
    data.linkTarget,
    data.killedBy,
    data.killReason,
    data.killerNode,
    data.finalVis,
    data.changeStart,
    data.changeNode,
    data.changePrev,
    data.changeNext,
    data.changeMark,
    data.changeLive,
  ];
  for (const l of data.layers) views.push(...layerIndexArrays(l.index));
  const seen = new Set<ArrayBuffer>();
  for (const v of views) {
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) seen.add(v.buffer);
  }
  return [...seen];
}
