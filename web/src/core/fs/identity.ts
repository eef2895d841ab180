/**
 * Content identity over the stacked image, from the per-file content hash (XXH64, see
 * core/layers/contentHash.ts): files whose bytes are the same at several paths, and files a
 * later layer wrote again with the same bytes where only metadata changed.
 *
 * - Duplicates: regular files the final image shows, grouped by (hash, size); a group is two or
 *   more paths. Hardlinks are not duplicates (a tar stores a hardlink's bytes once), nor are
 *   empty files. What a group could save is every copy but one.
 * - Metadata-only copies: an entry of layer k that replaces, at the same path, a regular file of
 *   a lower layer with the same bytes (the classic `COPY` then `RUN chmod`): the image ships the
 *   bytes twice for a mode, owner or mtime change. The lower copy is the waste.
 *
 * Both need hashes on both sides; files without one (hash off, content cut short) are left out,
 * never guessed at from sizes.
 */
import { sameContent } from '../layers/contentHash';
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { FsData } from './filesystem';
import { Fate } from './marks';
import { pathOfNode } from './trie';

export interface DuplicateGroup {
  /** Bytes of each copy. */
  readonly sizeBytes: number;
  /** Global entry ids of the copies, in path order. */
  readonly entries: readonly number[];
  /** "/usr/share/a", in path order. */
  readonly paths: readonly string[];
  /** The layer of each copy, parallel to `paths`. */
  readonly layers: readonly number[];
}

export interface MetadataOnlyCopy {
  /** The entry that wrote the same bytes again, and its layer. */
  readonly entry: number;
  readonly layer: number;
  /** The lower entry it replaced (the copy that is dead weight), and that entry's layer. */
  readonly replaced: number;
  readonly replacedLayer: number;
  readonly path: string;
  /** Bytes shipped twice (the lower copy's). */
  readonly bytes: number;
  /** What changed: any of 'mode', 'owner', 'mtime' (empty: an identical copy). */
  readonly changed: readonly ('mode' | 'owner' | 'mtime')[];
}

const MARKER = EntryFlag.Whiteout | EntryFlag.Opaque;

/**
 * Global entry g's content hash as 16 hex digits (what `xxhsum -H1` prints for the file), or
 * undefined when it has none. For the file details: the user can check it against the file.
 */
export function contentHashOfEntry(d: FsData, g: number): string | undefined {
  if (g < 0) return undefined;
  const { k, e } = local(d, g);
  const h = d.layers[k]?.index.contentHash;
  const hi = h?.[2 * e] ?? 0;
  const lo = h?.[2 * e + 1] ?? 0;
  if (hi === 0 && lo === 0) return undefined;
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function local(d: FsData, g: number): { k: number; e: number } {
  const k = d.entryLayer[g]!;
  return { k, e: g - d.layerBase[k]! };
}

/** Duplicate groups of the final image, largest saving ((copies − 1) × size) first. */
export function duplicateGroups(d: FsData, minSize = 1): DuplicateGroup[] {
  const groups = new Map<string, number[]>();
  const vis = d.finalVis;
  for (let n = 0; n < vis.length; n++) {
    const g = vis[n]!;
    if (g < 0 || d.entryType[g] !== EntryType.File || d.entryFlags[g]! & MARKER || d.entrySize[g]! < minSize) continue;
    const { k, e } = local(d, g);
    const h = d.layers[k]!.index.contentHash;
    const hi = h[2 * e] ?? 0;
    const lo = h[2 * e + 1] ?? 0;
    if (hi === 0 && lo === 0) continue;
    const key = `${hi}:${lo}:${d.entrySize[g]}`;
    const list = groups.get(key);
    if (list) list.push(g);
    else groups.set(key, [g]);
  }
  const out: DuplicateGroup[] = [];
  for (const entries of groups.values()) {
    if (entries.length < 2) continue;
    const withPaths = entries.map((g) => ({ g, path: pathOfNode(d.trie, d.entryNode[g]!) })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    out.push({
      sizeBytes: d.entrySize[entries[0]!]!,
      entries: withPaths.map((x) => x.g),
      paths: withPaths.map((x) => x.path),
      layers: withPaths.map((x) => d.entryLayer[x.g]!),
    });
  }
  return out.sort((a, b) => b.sizeBytes * (b.paths.length - 1) - a.sizeBytes * (a.paths.length - 1) || (a.paths[0]! < b.paths[0]! ? -1 : 1));
}

/**
 * Every entry that replaced a lower regular file at the same path with the same bytes. Found from
 * the stacking pass's fates: an entry overwritten (Fate.Overwritten) by an entry at its own node.
 */
export function metadataOnlyCopies(d: FsData): MetadataOnlyCopy[] {
  const out: MetadataOnlyCopy[] = [];
  // Per node, the latest entry seen so far in layer order: the one a new entry there replaces.
  const last = new Int32Array(d.trie.count).fill(-1);
  for (let g = 0; g < d.entryNode.length; g++) {
    if (d.entryFlags[g]! & MARKER) continue;
    const n = d.entryNode[g]!;
    const prev = last[n]!;
    last[n] = g;
    if (prev < 0 || d.entryType[g] !== EntryType.File || d.entryType[prev] !== EntryType.File) continue;
    // Replaced by this very entry, not deleted in between (a whiteout, then the file again, is not a copy over it).
    if (d.killReason[prev] !== Fate.Overwritten || d.killerNode[prev] !== n || d.killedBy[prev] !== d.entryLayer[g]) continue;
    const a = local(d, prev);
    const b = local(d, g);
    if (a.k === b.k) continue; // written twice by one layer: the reclaimable bytes' business, not a metadata change
    const ia = d.layers[a.k]!.index;
    const ib = d.layers[b.k]!.index;
    if (sameContent(ia, a.e, ib, b.e) !== true) continue;
    const changed: ('mode' | 'owner' | 'mtime')[] = [];
    if (ia.mode[a.e] !== ib.mode[b.e]) changed.push('mode');
    if (ia.uid[a.e] !== ib.uid[b.e] || ia.gid[a.e] !== ib.gid[b.e]) changed.push('owner');
    if (ia.mtime[a.e] !== ib.mtime[b.e]) changed.push('mtime');
    out.push({ entry: g, layer: b.k, replaced: prev, replacedLayer: a.k, path: pathOfNode(d.trie, n), bytes: d.entrySize[prev]!, changed });
  }
  return out.sort((x, y) => y.bytes - x.bytes || x.entry - y.entry);
}
