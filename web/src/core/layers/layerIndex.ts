/**
 * The compact, transferable record of what one layer tar contains: facts only. Whiteouts
 * are recorded, not applied; stacking layers is someone else's job (see dive's filetree).
 *
 * Layout (struct of arrays, one slot per entry, in archive order):
 *
 *   type   Uint8Array    EntryType
 *   flags  Uint8Array    EntryFlag bitset (whiteout, opaque)
 *   mode   Uint32Array   permission bits only (mode & 0o7777); the file type is in `type`
 *   uid    Uint32Array
 *   gid    Uint32Array
 *   size   Float64Array  bytes; exact up to 2^53, so sizes above 4 GiB are fine
 *   mtime  Float64Array  seconds since the epoch, fractional when PAX said so
 *   path   Uint32Array   string id of the normalised path
 *   link   Int32Array    string id of the link target, -1 when none
 *   offset Float64Array  byte offset of the entry's content in the uncompressed tar
 *   contentHash Uint32Array  two words per entry (high, low) of the XXH64 of a regular file's
 *                 bytes, 0/0 for none; empty when the layer was read without hashing
 *                 (contentHash.ts fills it from the same pass)
 *
 * Strings are UTF-8 bytes in one pool (`strings.bytes`), string `s` being
 * `bytes[offsets[s] .. offsets[s+1])`. Names are kept as the archive's raw bytes (tar names
 * are byte strings); they are decoded (lossily, for display) only when asked for.
 *
 * Memory: 58 bytes per entry (46 in the arrays, 8 of content hash, 4 per string offset) plus the
 * path bytes; 100k entries with 60-byte paths ≈ 12 MB.
 * Every array owns its own ArrayBuffer, so `layerIndexTransferables` can hand them all to
 * postMessage without copying.
 */

/** Entry types. Numbering follows the tar typeflag digits; '7' (contiguous) and GNU sparse 'S' are recorded as File. */
export const EntryType = {
  File: 0,
  Hardlink: 1,
  Symlink: 2,
  CharDevice: 3,
  BlockDevice: 4,
  Directory: 5,
  Fifo: 6,
  /** A typeflag this parser does not know (vendor extensions such as GNU 'D' dumpdir). */
  Other: 7,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export const EntryFlag = {
  /** `dir/.wh.name`: recorded with path `dir/name`; deletes `dir/name` from lower layers. */
  Whiteout: 1,
  /** `dir/.wh..wh..opq`: recorded with path `dir`; hides everything lower layers had under `dir`. */
  Opaque: 2,
} as const;
export type EntryFlag = (typeof EntryFlag)[keyof typeof EntryFlag];

export interface StringTable {
  readonly count: number;
  readonly bytes: Uint8Array;
  /** count + 1 offsets into `bytes`. */
  readonly offsets: Uint32Array;
}

export interface LayerIndex {
  readonly count: number;
  readonly type: Uint8Array;
  readonly flags: Uint8Array;
  readonly mode: Uint32Array;
  readonly uid: Uint32Array;
  readonly gid: Uint32Array;
  readonly size: Float64Array;
  readonly mtime: Float64Array;
  readonly path: Uint32Array;
  readonly link: Int32Array;
  readonly offset: Float64Array;
  /** 2 × count words (high, low of XXH64; 0/0 none), or empty: see the header and contentHash.ts. */
  readonly contentHash: Uint32Array;
  readonly strings: StringTable;
}

/** One entry as a plain object, for iteration and tests. Hot paths should read the arrays. */
export interface LayerEntry {
  readonly index: number;
  readonly type: EntryType;
  readonly flags: number;
  readonly path: string;
  readonly link?: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly offset: number;
}

export interface EntryFields {
  type: EntryType;
  flags: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  offset: number;
}

const INITIAL_CAPACITY = 64;

/** Appends entries and strings, growing every array geometrically (×2); `finish` trims to size. */
export class LayerIndexBuilder {
  private cap = INITIAL_CAPACITY;
  private n = 0;
  private type = new Uint8Array(INITIAL_CAPACITY);
  private flags = new Uint8Array(INITIAL_CAPACITY);
  private mode = new Uint32Array(INITIAL_CAPACITY);
  private uid = new Uint32Array(INITIAL_CAPACITY);
  private gid = new Uint32Array(INITIAL_CAPACITY);
  private size = new Float64Array(INITIAL_CAPACITY);
  private mtime = new Float64Array(INITIAL_CAPACITY);
  private path = new Uint32Array(INITIAL_CAPACITY);
  private link = new Int32Array(INITIAL_CAPACITY);
  private offset = new Float64Array(INITIAL_CAPACITY);

  private strCount = 0;
  private strBytes = new Uint8Array(INITIAL_CAPACITY * 32);
  private strLen = 0;
  private strOffsets = new Uint32Array(INITIAL_CAPACITY * 2 + 1);

  get count(): number {
    return this.n;
  }

  /** Adds `bytes` to the string pool and returns its id. */
  addString(bytes: Uint8Array): number {
    const needed = this.strLen + bytes.length;
    if (needed > this.strBytes.length) this.strBytes = grow(this.strBytes, needed);
    this.strBytes.set(bytes, this.strLen);
    this.strLen = needed;
    if (this.strCount + 2 > this.strOffsets.length) this.strOffsets = grow(this.strOffsets, this.strCount + 2);
    this.strCount++;
    this.strOffsets[this.strCount] = needed;
    return this.strCount - 1;
  }

  /** String `s` decoded (for messages while building). */
  stringAt(s: number): string {
    return stringAt({ count: this.strCount, bytes: this.strBytes, offsets: this.strOffsets }, s);
  }

  add(pathId: number, linkId: number, f: EntryFields): number {
    const i = this.n;
    if (i === this.cap) this.growEntries();
    this.type[i] = f.type;
    this.flags[i] = f.flags;
    this.mode[i] = f.mode;
    this.uid[i] = f.uid;
    this.gid[i] = f.gid;
    this.size[i] = f.size;
    this.mtime[i] = f.mtime;
    this.path[i] = pathId;
    this.link[i] = linkId;
    this.offset[i] = f.offset;
    this.n = i + 1;
    return i;
  }

  setOffset(i: number, offset: number): void {
    this.offset[i] = offset;
  }

  pathIdOf(i: number): number {
    return this.path[i] ?? -1;
  }

  /** A snapshot trimmed to the current size (copies); the builder stays usable. */
  finish(): LayerIndex {
    const n = this.n;
    return {
      count: n,
      type: this.type.slice(0, n),
      flags: this.flags.slice(0, n),
      mode: this.mode.slice(0, n),
      uid: this.uid.slice(0, n),
      gid: this.gid.slice(0, n),
      size: this.size.slice(0, n),
      mtime: this.mtime.slice(0, n),
      path: this.path.slice(0, n),
      link: this.link.slice(0, n),
      offset: this.offset.slice(0, n),
      // Filled by the content observer of the pass (contentHash.ts `attach`), not by the builder.
      contentHash: new Uint32Array(0),
      strings: {
        count: this.strCount,
        bytes: this.strBytes.slice(0, this.strLen),
        offsets: this.strOffsets.slice(0, this.strCount + 1),
      },
    };
  }

  private growEntries(): void {
    const cap = this.cap * 2;
    this.type = resize(this.type, cap);
    this.flags = resize(this.flags, cap);
    this.mode = resize(this.mode, cap);
    this.uid = resize(this.uid, cap);
    this.gid = resize(this.gid, cap);
    this.size = resize(this.size, cap);
    this.mtime = resize(this.mtime, cap);
    this.path = resize(this.path, cap);
    this.link = resize(this.link, cap);
    this.offset = resize(this.offset, cap);
    this.cap = cap;
  }
}

type GrowableArray = Uint8Array | Uint32Array | Int32Array | Float64Array;

function resize<T extends GrowableArray>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a as ArrayLike<number>);
  return b;
}

function grow<T extends GrowableArray>(a: T, needed: number): T {
  let cap = Math.max(a.length * 2, 16);
  while (cap < needed) cap *= 2;
  return resize(a, cap);
}

/** Every array of an index: the one list that transferring, caching and sizing an index go by. */
export function layerIndexArrays(index: LayerIndex): ArrayBufferView[] {
  return [
    index.type,
    index.flags,
    index.mode,
    index.uid,
    index.gid,
    index.size,
    index.mtime,
    index.path,
    index.link,
    index.offset,
    index.contentHash,
    index.strings.bytes,
    index.strings.offsets,
  ];
}

/** Bytes the index's arrays hold. */
export function layerIndexBytes(index: LayerIndex): number {
  return layerIndexArrays(index).reduce((sum, array) => sum + array.byteLength, 0);
}

/** The ArrayBuffers of an index, for `postMessage(index, layerIndexTransferables(index))`. */
export function layerIndexTransferables(index: LayerIndex): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const v of layerIndexArrays(index)) {
    // Only whole, non-shared buffers can be transferred without taking others' data with them.
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) seen.add(v.buffer);
  }
  return [...seen];
}

export function emptyLayerIndex(): LayerIndex {
  return new LayerIndexBuilder().finish();
}

export function entryCount(index: LayerIndex): number {
  return index.count;
}

const utf8 = new TextDecoder('utf-8');

/** String `s` of the table, decoded as UTF-8 (invalid bytes become U+FFFD). */
export function stringAt(strings: StringTable, s: number): string {
  const start = strings.offsets[s] ?? 0;
  const end = strings.offsets[s + 1] ?? start;
  return decodeBytes(strings.bytes, start, end);
}

/** The raw bytes of string `s` (a view, not a copy). */
export function stringBytesAt(strings: StringTable, s: number): Uint8Array {
  const start = strings.offsets[s] ?? 0;
  const end = strings.offsets[s + 1] ?? start;
  return strings.bytes.subarray(start, end);
}

function decodeBytes(bytes: Uint8Array, start: number, end: number): string {
  // Short ASCII names are the common case; TextDecoder has a fixed per-call cost.
  if (end - start <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((bytes[i] ?? 0) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(start, end));
}

/** Normalised path of entry `i`: no leading `/` or `./`, no trailing `/`; the root directory is "". */
export function pathOf(index: LayerIndex, i: number): string {
  return stringAt(index.strings, index.path[i] ?? 0);
}

/** Link target of entry `i` (symlink target verbatim, hardlink target normalised), or undefined. */
export function linkOf(index: LayerIndex, i: number): string | undefined {
  const s = index.link[i] ?? -1;
  return s < 0 ? undefined : stringAt(index.strings, s);
}

export function entryAt(index: LayerIndex, i: number): LayerEntry {
  const link = linkOf(index, i);
  return {
    index: i,
    type: (index.type[i] ?? EntryType.Other) as EntryType,
    flags: index.flags[i] ?? 0,
    path: pathOf(index, i),
    ...(link !== undefined ? { link } : {}),
    mode: index.mode[i] ?? 0,
    uid: index.uid[i] ?? 0,
    gid: index.gid[i] ?? 0,
    size: index.size[i] ?? 0,
    mtime: index.mtime[i] ?? 0,
    offset: index.offset[i] ?? 0,
  };
}

export function* layerEntries(index: LayerIndex): IterableIterator<LayerEntry> {
  for (let i = 0; i < index.count; i++) yield entryAt(index, i);
}

const TYPE_CHAR: Record<number, string> = {
  [EntryType.File]: '-',
  [EntryType.Hardlink]: 'h',
  [EntryType.Symlink]: 'l',
  [EntryType.CharDevice]: 'c',
  [EntryType.BlockDevice]: 'b',
  [EntryType.Directory]: 'd',
  [EntryType.Fifo]: 'p',
  [EntryType.Other]: '?',
};

/** `rwxr-xr-x` with setuid/setgid/sticky shown as s/S, s/S, t/T (like ls). */
export function formatMode(mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string): string =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-');
  return rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') + rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') + rwx(mode & 7, (mode & 0o1000) !== 0, 't');
}

function formatMtime(seconds: number): string {
  const whole = Math.floor(seconds);
  const d = new Date(whole * 1000);
  if (Number.isNaN(d.getTime())) return String(seconds);
  const iso = d.toISOString().replace('T', ' ').slice(0, 19);
  const frac = seconds - whole;
  return frac > 0 ? `${iso}${frac.toFixed(9).slice(1).replace(/0+$/, '')}` : iso;
}

/**
 * A readable listing in the spirit of `tar -tv`, one entry per line:
 * `drwxr-xr-x 0/0            0 2024-01-02 03:04:05 usr/bin`, then `-> target` for
 * symlinks, `link to target` for hardlinks, and `[whiteout]` / `[opaque]` markers.
 * The root directory prints as `.`.
 */
export function dumpLayerIndex(index: LayerIndex): string {
  const lines: string[] = [];
  for (let i = 0; i < index.count; i++) {
    const e = entryAt(index, i);
    let line = `${TYPE_CHAR[e.type] ?? '?'}${formatMode(e.mode)} ${`${e.uid}/${e.gid}`.padEnd(11)} ${String(e.size).padStart(10)} ${formatMtime(e.mtime)} ${e.path === '' ? '.' : e.path}`;
    if (e.link !== undefined) line += e.type === EntryType.Hardlink ? ` link to ${e.link}` : ` -> ${e.link}`;
    if (e.flags & EntryFlag.Whiteout) line += ' [whiteout]';
    if (e.flags & EntryFlag.Opaque) line += ' [opaque]';
    lines.push(line);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
