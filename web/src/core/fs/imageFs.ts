import { EntryFlag, EntryType, linkOf, type LayerIndex } from '../layers/layerIndex';
import { diveAnalysis, type DiveAnalysis } from './dive';
import { buildFsData, fsDataTransferables, type FsData, type LayerInput } from './filesystem';
import { flattenView, type FlatRows, type FlattenOptions } from './flatten';
import { MARK_NAMES, NOT_IN_VIEW, type Mark, type MarkName } from './marks';
import { allPaths, findNode, nameOf, pathOfNode } from './trie';
import { buildView, isDirectory, viewChildren, VisibilityCache, type FsView, type ViewMode } from './view';
import { computeReclaimable, largestFiles, reclaimableItem, type LargestFile, type ReclaimableItem, type ReclaimableSummary } from './waste';

/** One row's details, for the tree's columns and the side panel. */
export interface NodeInfo {
  readonly node: number;
  readonly name: string;
  readonly path: string;
  /** 1 for "/etc". */
  readonly depth: number;
  readonly mark: MarkName | undefined;
  /** EntryType; Directory for an implicit directory. */
  readonly type: EntryType;
  /** Permission bits (mode & 0o7777), undefined for an implicit directory. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtime?: number;
  /** Bytes; for a directory the sum of its descendants in the view. */
  readonly size: number;
  /** Symlink target (verbatim) or hardlink target (normalised). */
  readonly linkTarget?: string;
  /** The layer whose entry is shown; undefined for an implicit directory (no layer has an entry for it). */
  readonly layer?: number;
  readonly entry: number;
  readonly implicit: boolean;
  readonly childCount: number;
}

/** What one layer did, for the layer list: counts of non-directory paths by mark, and bytes. */
export interface LayerStats {
  readonly added: number;
  readonly modified: number;
  readonly removed: number;
  readonly unmodified: number;
  /** Bytes of the files the layer added or modified (its entries that count, as shown). */
  readonly writtenBytes: number;
  /** Bytes of lower-layer files it removed (deleted, hidden or replaced a directory of). */
  readonly removedBytes: number;
  /** Bytes of this layer's own files that the final image cannot see (reclaimable). */
  readonly deadBytes: number;
}

const VIEW_CACHE = 8;

/**
 * The image's filesystem across its layers. Immutable model; views and derived figures are
 * memoized. Build with `stackLayers`; send to another thread with `toTransfer` / `fromTransfer`.
 */
export class ImageFilesystem {
  private readonly views = new Map<string, FsView>();
  private readonly visibility: VisibilityCache;
  private pathsMemo: string[] | undefined;
  private lowerPathsMemo: string[] | undefined;
  private diveMemo: DiveAnalysis | undefined;
  private reclaimMemo: ReclaimableSummary | undefined;

  constructor(readonly data: FsData) {
    this.visibility = new VisibilityCache(data);
  }

  get layerCount(): number {
    return this.data.layers.length;
  }

  get nodeCount(): number {
    return this.data.trie.count;
  }

  get entryCount(): number {
    return this.data.entryNode.length;
  }

  /** The view of layer i: its own changes ('layer') or everything up to it ('aggregate'). Memoized. */
  view(layer: number, mode: ViewMode): FsView {
    if (!(layer >= 0 && layer < this.layerCount)) throw new RangeError(`no layer ${layer} (image has ${this.layerCount})`);
    const key = `${layer}:${mode}`;
    let v = this.views.get(key);
    if (v) {
      this.views.delete(key);
      this.views.set(key, v);
      return v;
    }
    v = buildView(this.data, layer, mode, this.visibility);
    this.views.set(key, v);
    if (this.views.size > VIEW_CACHE) this.views.delete(this.views.keys().next().value!);
    return v;
  }

  /**
   * Per node, the global entry visible after layers 0..i are stacked (-1: none, or an implicit
   * directory); `data.entryLayer[g]` is the layer it comes from. A fresh copy.
   */
  visibleEntries(layer: number): Int32Array {
    if (layer === this.layerCount - 1) return this.data.finalVis.slice();
    return this.visibility.at(layer).vis.slice();
  }

  /** Children of `node` in the view, by name or by size (largest first). */
  children(layer: number, mode: ViewMode, node: number, order: 'name' | 'size' = 'name'): Int32Array {
    return viewChildren(this.data, this.view(layer, mode), node, order);
  }

  /** Rows for a virtual list; expanded nodes and filters are the caller's state. */
  flatten(layer: number, mode: ViewMode, opts: FlattenOptions = {}): FlatRows {
    return flattenView(this.data, this.view(layer, mode), opts, (lower) =>
      lower ? (this.lowerPathsMemo ??= this.paths().map((p) => p.toLowerCase())) : this.paths(),
    );
  }

  /** Full path of every node ("/usr/bin/env"; "/" for the root), computed once. */
  paths(): readonly string[] {
    return (this.pathsMemo ??= allPaths(this.data.trie));
  }

  path(node: number): string {
    return this.pathsMemo?.[node] ?? pathOfNode(this.data.trie, node);
  }

  /** The node of a path, or -1. */
  find(path: string): number {
    return findNode(this.data.trie, path);
  }

  /** Details of a node as shown in a view. */
  info(layer: number, mode: ViewMode, node: number): NodeInfo {
    const d = this.data;
    const v = this.view(layer, mode);
    const g = v.entry[node] ?? -1;
    const m = v.mark[node] ?? NOT_IN_VIEW;
    const base: NodeInfo = {
      node,
      name: node === 0 ? '/' : nameOf(d.trie, node),
      path: this.path(node),
      depth: d.trie.depth[node] ?? 0,
      mark: m === NOT_IN_VIEW ? undefined : MARK_NAMES[m as Mark],
      type: g < 0 ? EntryType.Directory : (d.entryType[g] as EntryType),
      size: v.size[node] ?? 0,
      entry: g,
      implicit: g < 0,
      childCount: v.childCount[node] ?? 0,
    };
    if (g < 0) return base;
    const k = d.entryLayer[g]!;
    const idx = d.layers[k]!.index;
    const e = g - d.layerBase[k]!;
    const link = linkOf(idx, e);
    return {
      ...base,
      mode: idx.mode[e]!,
      uid: idx.uid[e]!,
      gid: idx.gid[e]!,
      mtime: idx.mtime[e]!,
      layer: k,
      ...(link !== undefined ? { linkTarget: link } : {}),
    };
  }

  isDirectory(layer: number, mode: ViewMode, node: number): boolean {
    return isDirectory(this.data, this.view(layer, mode), node);
  }

  /** Counts and bytes of what layer k changed (from its change list; directories not counted). */
  layerStats(k: number): LayerStats {
    const d = this.data;
    const counts = [0, 0, 0, 0];
    let written = 0;
    let removed = 0;
    for (let c = d.changeStart[k]!; c < d.changeStart[k + 1]!; c++) {
      const m = d.changeMark[c]!;
      if (m === NOT_IN_VIEW) continue;
      const g = m === 3 ? d.changePrev[c]! : d.changeNext[c]!;
      if (g < 0 || d.entryType[g] === EntryType.Directory) continue;
      counts[m]!++;
      if (m === 3) removed += d.entrySize[g]!;
      else if (m !== 0) written += d.entrySize[g]!;
    }
    return {
      unmodified: counts[0]!,
      modified: counts[1]!,
      added: counts[2]!,
      removed: counts[3]!,
      writtenBytes: written,
      removedBytes: removed,
      deadBytes: this.reclaimable().byLayer[k] ?? 0,
    };
  }

  /** dive's numbers (efficiency, wasted bytes, user size, inefficient files). Memoized. */
  dive(): DiveAnalysis {
    return (this.diveMemo ??= diveAnalysis(this.data));
  }

  /** Lading's reclaimable bytes: totals per layer and the dead entries, largest first. Memoized. */
  reclaimable(): ReclaimableSummary {
    return (this.reclaimMemo ??= computeReclaimable(this.data));
  }

  /** The reclaimable entries as objects, largest first; optionally only those of one layer. */
  reclaimableItems(opts: { limit?: number; layer?: number } = {}): ReclaimableItem[] {
    const { entries } = this.reclaimable();
    const out: ReclaimableItem[] = [];
    const limit = opts.limit ?? Infinity;
    for (let i = 0; i < entries.length && out.length < limit; i++) {
      const g = entries[i]!;
      if (opts.layer !== undefined && this.data.entryLayer[g] !== opts.layer) continue;
      out.push(reclaimableItem(this.data, g));
    }
    return out;
  }

  /** Largest files of the final image, or of one layer's own entries. */
  largest(limit: number, layer?: number): LargestFile[] {
    return largestFiles(this.data, limit, layer);
  }

  /** The LayerIndex entry behind a global entry id. */
  entryRef(g: number): { layer: number; index: LayerIndex; entry: number } {
    const k = this.data.entryLayer[g]!;
    return { layer: k, index: this.data.layers[k]!.index, entry: g - this.data.layerBase[k]! };
  }

  /** True for whiteout and opaque markers (facts about deletions, not files). */
  isMarker(g: number): boolean {
    return (this.data.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque)) !== 0;
  }

  /** The model for postMessage, and the buffers to transfer (the sender's copy becomes unusable). */
  toTransfer(): { data: FsData; transfer: ArrayBuffer[] } {
    return { data: this.data, transfer: fsDataTransferables(this.data) };
  }

  static fromTransfer(data: FsData): ImageFilesystem {
    return new ImageFilesystem(data);
  }
}

/** Stacks the layers (index 0 = the base) into an ImageFilesystem. */
export function stackLayers(layers: readonly LayerInput[]): ImageFilesystem {
  return new ImageFilesystem(buildFsData(layers));
}
