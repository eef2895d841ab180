/**
 * What attribution needs from the filesystem model: the path trie (node paths, parents,
 * subtree ranges), every layer's entries (node, type, size, markers), which layer made each
 * entry invisible, and what the final image shows at each node. The stacked model
 * (`core/fs`, FsData) has all of it; `packageFsOf` adapts an ImageFilesystem.
 *
 * Global entry ids are FsData's: entry e of layer k is `layerBase[k] + e`.
 */
import type { ImageFilesystem } from '../fs';
import { EntryFlag, EntryType, linkOf } from '../layers/layerIndex';

export interface PackageFs {
  readonly layerCount: number;
  readonly nodeCount: number;
  /** Full path of every node (`/usr/bin/env`; `/` for the root). */
  readonly paths: readonly string[];
  readonly parent: Int32Array;
  /** Pre-order subtree ends: node n's subtree is [n, subtreeEnd[n]). */
  readonly subtreeEnd: Int32Array;
  /** layerBase[k] = id of layer k's first entry; layerBase[layerCount] = all entries. */
  readonly layerBase: Int32Array;
  readonly entryNode: Int32Array;
  readonly entryType: Uint8Array;
  readonly entrySize: Float64Array;
  /** EntryFlag bits: whiteout and opaque markers are facts about deletions, not files. */
  readonly entryFlags: Uint8Array;
  /** The layer that made the entry invisible, -1 while the final image shows it. */
  readonly killedBy: Int32Array;
  /** Per node, the entry the final image shows (-1: none, or an implicit directory). */
  readonly finalVis: Int32Array;
  /** A symlink entry's target, verbatim. */
  symlinkTarget(entry: number): string | undefined;
}

export function packageFsOf(fs: ImageFilesystem): PackageFs {
  const d = fs.data;
  return {
    layerCount: fs.layerCount,
    nodeCount: d.trie.count,
    paths: fs.paths(),
    parent: d.trie.parent,
    subtreeEnd: d.trie.end,
    layerBase: d.layerBase,
    entryNode: d.entryNode,
    entryType: d.entryType,
    entrySize: d.entrySize,
    entryFlags: d.entryFlags,
    killedBy: d.killedBy,
    finalVis: d.finalVis,
    symlinkTarget: (g) => {
      const { index, entry } = fs.entryRef(g);
      return linkOf(index, entry);
    },
  };
}

export const MARKER = EntryFlag.Whiteout | EntryFlag.Opaque;

export function isContentEntry(fs: PackageFs, g: number): boolean {
  return (fs.entryFlags[g]! & MARKER) === 0 && fs.entryType[g] !== EntryType.Directory;
}
