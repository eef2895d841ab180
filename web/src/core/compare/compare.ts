/**
 * Two images' final filesystems compared path by path: what was added, removed and changed
 * (type, size, permissions, owner, link target, content), with size deltas, and totals. Pure.
 *
 * Both path tries list siblings in byte order of their names, so one simultaneous walk of the
 * two trees pairs equal paths with a merge per directory: O(paths), no path strings built except
 * for the rows reported. Contents are compared by the per-file content hash (XXH64, see
 * core/layers/contentHash.ts) where both sides have one: a regular file with other bytes of the
 * same size is 'content'-changed, and a changed file whose bytes are the same on both sides is a
 * metadata-only change (`sameContent`). Without hashes only the headers are compared.
 * Modification times are not compared (every rebuild changes them).
 *
 * "a" is the image compared (left), "b" the one it is compared with (right); deltas are b − a.
 *
 * The result is a struct of arrays (one slot per row) plus the paths, so it crosses from a
 * worker cheaply (`comparisonTransferables`); `diffAt(c, i)` gives one row as an object.
 */
import { MARK_NAMES, NOT_IN_VIEW, type ImageFilesystem } from '../fs';
import { nameOf, type PathTrie } from '../fs/trie';
import { sameContent } from '../layers/contentHash';
import { EntryType, stringBytesAt, type LayerIndex } from '../layers/layerIndex';

export type DiffKind = 'added' | 'removed' | 'changed';
export type Difference = 'type' | 'size' | 'mode' | 'owner' | 'link' | 'content';

export interface PathDiff {
  /** "/usr/bin/env". */
  readonly path: string;
  readonly kind: DiffKind;
  /** EntryType on each side; undefined where the path does not exist. */
  readonly typeA?: EntryType;
  readonly typeB?: EntryType;
  /** Bytes on each side (a directory: everything visible below it); 0 where absent. */
  readonly sizeA: number;
  readonly sizeB: number;
  /** sizeB − sizeA. */
  readonly delta: number;
  /** What differs, for 'changed'. */
  readonly changes: readonly Difference[];
  /** A directory (on the side where it exists, or either side for 'changed'). */
  readonly directory: boolean;
  /** A changed regular file whose bytes are the same on both sides (by content hash): only metadata changed. */
  readonly sameContent?: true;
  /** For an added or removed directory reported as one row: the files (non-directories) below it. */
  readonly files?: number;
}

export interface SideTotals {
  /** Non-directory paths in the final image. */
  readonly files: number;
  readonly directories: number;
  /** Bytes of the final image's files (what `du` of the root would count, as the tree shows it). */
  readonly bytes: number;
}

export interface CompareSummary {
  readonly a: SideTotals;
  readonly b: SideTotals;
  /** Files (non-directories) only in b, counted one by one even inside an added directory. */
  readonly added: { readonly files: number; readonly bytes: number };
  readonly removed: { readonly files: number; readonly bytes: number };
  /**
   * Files on both sides that differ, and the sum of their deltas; `metadataOnly` of them have the
   * same bytes on both sides (by content hash).
   */
  readonly changed: { readonly files: number; readonly delta: number; readonly metadataOnly: number };
  /** Directories on both sides whose own entry differs (type, permissions, owner). */
  readonly changedDirectories: number;
  readonly unchanged: number;
  /** b.bytes − a.bytes. */
  readonly delta: number;
}

export const DIFF_KINDS: readonly DiffKind[] = ['added', 'removed', 'changed'];
export const DIFFERENCES: readonly Difference[] = ['type', 'size', 'mode', 'owner', 'link', 'content'];

export interface FsComparison {
  readonly count: number;
  /** Rows in tree order (a directory before what is below it, siblings by name). */
  readonly paths: readonly string[];
  /** Index into DIFF_KINDS. */
  readonly kind: Uint8Array;
  /** EntryType on each side, -1 where the path does not exist. */
  readonly typeA: Int8Array;
  readonly typeB: Int8Array;
  /** Bytes on each side (a directory: the files visible below it); 0 where absent. */
  readonly sizeA: Float64Array;
  readonly sizeB: Float64Array;
  /** Bit i set: DIFFERENCES[i] differs ('changed' rows). */
  readonly changes: Uint8Array;
  /** 1 for a directory (either side, for a 'changed' row). */
  readonly directory: Uint8Array;
  /** 1 for a changed regular file with the same bytes on both sides (by content hash). */
  readonly sameContent: Uint8Array;
  /** For an added or removed directory: the files below it; -1 otherwise. */
  readonly files: Int32Array;
  readonly summary: CompareSummary;
}

/** Row i as an object. */
export function diffAt(c: FsComparison, i: number): PathDiff {
  const typeA = c.typeA[i]!;
  const typeB = c.typeB[i]!;
  const files = c.files[i]!;
  const bits = c.changes[i]!;
  return {
    path: c.paths[i]!,
    kind: DIFF_KINDS[c.kind[i]!]!,
    ...(typeA >= 0 ? { typeA: typeA as EntryType } : {}),
    ...(typeB >= 0 ? { typeB: typeB as EntryType } : {}),
    sizeA: c.sizeA[i]!,
    sizeB: c.sizeB[i]!,
    delta: c.sizeB[i]! - c.sizeA[i]!,
    changes: DIFFERENCES.filter((_, bit) => bits & (1 << bit)),
    directory: c.directory[i] === 1,
    ...(c.sameContent[i] === 1 ? { sameContent: true as const } : {}),
    ...(files >= 0 ? { files } : {}),
  };
}

/** The buffers of a comparison, for postMessage without copying. */
export function comparisonTransferables(c: FsComparison): ArrayBuffer[] {
  return [c.kind, c.typeA, c.typeB, c.sizeA, c.sizeB, c.changes, c.directory, c.sameContent, c.files].map((a) => a.buffer as ArrayBuffer);
}

export interface CompareOptions {
  /**
   * Report an added or removed directory as one row with its file count and bytes (default),
   * or list every path below it too.
   */
  readonly summariseDirectories?: boolean;
}

/** One image's final filesystem, flattened for the walk. */
class Side {
  readonly trie: PathTrie;
  /** Per node: 1 when the path exists in the final image. */
  readonly live: Uint8Array;
  /** Per node: the global entry visible there, -1 for an implicit directory. */
  readonly entry: Int32Array;
  /** Per node: bytes of the files at or below it that exist (a file: its own size). */
  readonly sizes: Float64Array;
  /** Per node: how many such files. */
  readonly files: Int32Array;
  directories = 0;

  constructor(readonly fs: ImageFilesystem) {
    const d = fs.data;
    this.trie = d.trie;
    const N = d.trie.count;
    this.live = new Uint8Array(N);
    this.sizes = new Float64Array(N);
    this.files = new Int32Array(N);
    if (fs.layerCount === 0) {
      this.entry = new Int32Array(N).fill(-1);
      return;
    }
    const view = fs.view(fs.layerCount - 1, 'aggregate');
    this.entry = view.entry;
    const { parent } = d.trie;
    for (let n = N - 1; n >= 0; n--) {
      const m = view.mark[n]!;
      if (m === NOT_IN_VIEW || m === REMOVED) continue;
      this.live[n] = 1;
      const g = view.entry[n]!;
      if (g >= 0 && d.entryType[g] !== EntryType.Directory) {
        this.sizes[n]! += d.entrySize[g]!;
        this.files[n]! += 1;
      } else if (n > 0) {
        this.directories++;
      }
      const p = parent[n]!;
      if (p >= 0) {
        this.sizes[p]! += this.sizes[n]!;
        this.files[p]! += this.files[n]!;
      }
    }
  }

  type(n: number): EntryType {
    const g = this.entry[n]!;
    return g < 0 ? EntryType.Directory : (this.fs.data.entryType[g]! as EntryType);
  }

  /** The LayerIndex and local entry behind node n (n must have an entry). */
  ref(n: number): { index: LayerIndex; e: number } {
    const d = this.fs.data;
    const g = this.entry[n]!;
    const k = d.entryLayer[g]!;
    return { index: d.layers[k]!.index, e: g - d.layerBase[k]! };
  }
}

const REMOVED = MARK_NAMES.indexOf('removed');

/** Byte order of the names of node a (in ta) and node b (in tb), as the tries sort siblings. */
function compareNames(ta: PathTrie, a: number, tb: PathTrie, b: number): number {
  const xb = ta.nameBytes;
  const yb = tb.nameBytes;
  const x0 = ta.nameOffsets[a]!;
  const y0 = tb.nameOffsets[b]!;
  const xl = ta.nameOffsets[a + 1]! - x0;
  const yl = tb.nameOffsets[b + 1]! - y0;
  const n = Math.min(xl, yl);
  for (let i = 0; i < n; i++) {
    const d = xb[x0 + i]! - yb[y0 + i]!;
    if (d !== 0) return d;
  }
  return xl - yl;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const TYPE = 1;
const SIZE = 2;
const MODE = 4;
const OWNER = 8;
const LINK = 16;
const CONTENT = 32;
/** Not a DIFFERENCES bit: the bytes are known to be the same (both sides hashed, equal). */
const SAME_BYTES = 64;

/**
 * What differs between two existing paths' entries, as DIFFERENCES bits (type alone when the type
 * differs), plus SAME_BYTES when both are regular files with the same content hash.
 */
function differences(A: Side, a: number, B: Side, b: number): number {
  const ta = A.type(a);
  const tb = B.type(b);
  if (ta !== tb) return TYPE;
  let out = 0;
  if (ta !== EntryType.Directory && A.sizes[a] !== B.sizes[b]) out |= SIZE;
  // An implicit directory (no entry) has no mode or owner to compare.
  if (A.entry[a]! < 0 || B.entry[b]! < 0) return out;
  const x = A.ref(a);
  const y = B.ref(b);
  if (x.index.mode[x.e] !== y.index.mode[y.e]) out |= MODE;
  if (x.index.uid[x.e] !== y.index.uid[y.e] || x.index.gid[x.e] !== y.index.gid[y.e]) out |= OWNER;
  if (ta === EntryType.File) {
    const same = sameContent(x.index, x.e, y.index, y.e);
    if (same === false) out |= CONTENT;
    else if (same === true) out |= SAME_BYTES;
  }
  if (ta === EntryType.Symlink || ta === EntryType.Hardlink) {
    const lx = x.index.link[x.e]!;
    const ly = y.index.link[y.e]!;
    if (lx < 0 !== ly < 0 || (lx >= 0 && !sameBytes(stringBytesAt(x.index.strings, lx), stringBytesAt(y.index.strings, ly)))) out |= LINK;
  }
  return out;
}

/** Compares the final filesystems of two images. */
export function compareFilesystems(fsA: ImageFilesystem, fsB: ImageFilesystem, options: CompareOptions = {}): FsComparison {
  const summarise = options.summariseDirectories !== false;
  const A = new Side(fsA);
  const B = new Side(fsB);
  const paths: string[] = [];
  const kinds: number[] = [];
  const typesA: number[] = [];
  const typesB: number[] = [];
  const sizesA: number[] = [];
  const sizesB: number[] = [];
  const changeBits: number[] = [];
  const dirs: number[] = [];
  const sames: number[] = [];
  const fileCounts: number[] = [];
  let metadataOnly = 0;
  let addedFiles = 0;
  let addedBytes = 0;
  let removedFiles = 0;
  let removedBytes = 0;
  let changedFiles = 0;
  let changedDelta = 0;
  let changedDirs = 0;
  let unchanged = 0;

  const join = (dir: string, trie: PathTrie, n: number) => (dir === '/' ? '/' : `${dir}/`) + nameOf(trie, n);
  const row = (
    path: string,
    kind: number,
    typeA: number,
    typeB: number,
    sizeA: number,
    sizeB: number,
    changes: number,
    directory: boolean,
    files: number,
  ): void => {
    paths.push(path);
    kinds.push(kind);
    typesA.push(typeA);
    typesB.push(typeB);
    sizesA.push(sizeA);
    sizesB.push(sizeB);
    changeBits.push(changes & ~SAME_BYTES);
    sames.push(changes & SAME_BYTES ? 1 : 0);
    dirs.push(directory ? 1 : 0);
    fileCounts.push(files);
  };
  const ADDED = 0;
  const GONE = 1;
  const CHANGED = 2;

  /** A path on one side only: one row, or (not summarising) one row per path below it too. */
  const oneSided = (s: Side, n: number, path: string, kind: 'added' | 'removed', count = true): void => {
    const type = s.type(n);
    const directory = type === EntryType.Directory;
    const size = s.sizes[n]!;
    if (count && kind === 'added') {
      addedFiles += s.files[n]!;
      addedBytes += size;
    } else if (count) {
      removedFiles += s.files[n]!;
      removedBytes += size;
    }
    const added = kind === 'added';
    row(path, added ? ADDED : GONE, added ? -1 : type, added ? type : -1, added ? 0 : size, added ? size : 0, 0, directory, directory ? s.files[n]! : -1);
    if (directory && !summarise) {
      const stop = s.trie.end[n]!;
      for (let c = n + 1; c < stop; c = s.trie.end[c]!) if (s.live[c]) oneSided(s, c, join(path, s.trie, c), kind, false);
    }
  };

  const pair = (a: number, b: number, dir: string): void => {
    const typeA = A.type(a);
    const typeB = B.type(b);
    const dirA = typeA === EntryType.Directory;
    const dirB = typeB === EntryType.Directory;
    const sizeA = A.sizes[a]!;
    const sizeB = B.sizes[b]!;
    const bits = differences(A, a, B, b);
    // Equal bytes alone are no difference.
    const changes = bits === SAME_BYTES ? 0 : bits;
    if (dirA && dirB) {
      const path = join(dir, A.trie, a);
      if (changes !== 0) {
        changedDirs++;
        row(path, CHANGED, typeA, typeB, sizeA, sizeB, changes, true, -1);
      }
      walk(a, b, path);
      return;
    }
    if (changes === 0) {
      unchanged++;
      return;
    }
    if (dirA || dirB) {
      // A directory replaced by a file or the other way round: one row, its files counted as removed / added.
      removedFiles += dirA ? A.files[a]! : 1;
      removedBytes += sizeA;
      addedFiles += dirB ? B.files[b]! : 1;
      addedBytes += sizeB;
    } else {
      changedFiles++;
      changedDelta += sizeB - sizeA;
      if (changes & SAME_BYTES) metadataOnly++;
    }
    row(join(dir, A.trie, a), CHANGED, typeA, typeB, sizeA, sizeB, changes, dirA || dirB, -1);
  };

  /** Merges the children of a (in A) and b (in B), both in name order; `dir` is their path. */
  const walk = (a: number, b: number, dir: string): void => {
    const ta = A.trie;
    const tb = B.trie;
    const stopA = ta.end[a]!;
    const stopB = tb.end[b]!;
    let ca = a + 1;
    let cb = b + 1;
    while (ca < stopA || cb < stopB) {
      const order = ca >= stopA ? 1 : cb >= stopB ? -1 : compareNames(ta, ca, tb, cb);
      const inA = order <= 0 && A.live[ca] === 1;
      const inB = order >= 0 && B.live[cb] === 1;
      if (inA && inB) pair(ca, cb, dir);
      else if (inA) oneSided(A, ca, join(dir, ta, ca), 'removed');
      else if (inB) oneSided(B, cb, join(dir, tb, cb), 'added');
      if (order <= 0) ca = ta.end[ca]!;
      if (order >= 0) cb = tb.end[cb]!;
    }
  };

  // The roots are not compared; an image without layers has a root and nothing that exists.
  walk(0, 0, '/');

  const totals = (s: Side): SideTotals => ({ files: s.files[0]!, directories: s.directories, bytes: s.sizes[0]! });
  const a = totals(A);
  const b = totals(B);
  return {
    count: paths.length,
    paths,
    kind: Uint8Array.from(kinds),
    typeA: Int8Array.from(typesA),
    typeB: Int8Array.from(typesB),
    sizeA: Float64Array.from(sizesA),
    sizeB: Float64Array.from(sizesB),
    changes: Uint8Array.from(changeBits),
    directory: Uint8Array.from(dirs),
    sameContent: Uint8Array.from(sames),
    files: Int32Array.from(fileCounts),
    summary: {
      a,
      b,
      added: { files: addedFiles, bytes: addedBytes },
      removed: { files: removedFiles, bytes: removedBytes },
      changed: { files: changedFiles, delta: changedDelta, metadataOnly },
      changedDirectories: changedDirs,
      unchanged,
      delta: b.bytes - a.bytes,
    },
  };
}
