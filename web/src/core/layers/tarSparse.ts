/**
 * GNU sparse files, as Go's archive/tar reads them (reader.go `readOldGNUSparseMap`,
 * `readGNUSparsePAXHeaders`, `readGNUSparseMap1x0`, `readGNUSparseMap0x1`; common.go
 * `validateSparseEntries`), with the limits newer Go releases add (at most 2^20 entries, at most
 * 1 MiB of map, `errSparseTooLong`).
 *
 * A sparse entry stores only its data fragments; the map says where each goes in the file, the
 * rest is holes (zeros). The entry's size is the real (logical) size. Four encodings:
 * - old GNU (typeflag 'S'): the real size at byte 483, four map entries in the header, more in
 *   extension blocks that follow the header (before the data) while byte 482 (504 in an
 *   extension block) is non-zero; an entry whose offset field starts with NUL ends a block's list;
 * - PAX 0.0: `GNU.sparse.offset` / `GNU.sparse.numbytes` record pairs (tarHeader.ts joins them);
 * - PAX 0.1: `GNU.sparse.numblocks` and `GNU.sparse.map` ("offset,length,...");
 * - PAX 1.0: major 1 minor 0; the map is decimal text at the start of the data, one number per
 *   line (count, then offset/length pairs), padded to whole blocks.
 * Sizes come from `GNU.sparse.size`, else `GNU.sparse.realsize`; the name from `GNU.sparse.name`.
 * An unknown major/minor pair is not sparse (the entry reads as a regular file).
 */
import { BLOCK, MAX_SPECIAL_FILE_SIZE, TarFormatError, type PaxRecords } from './tarHeader';
import { latin1, parseDecimal, parseNumeric } from './tarNumbers';

/** Newer Go's maxSparseFileEntries. */
export const MAX_SPARSE_ENTRIES = 1 << 20;

/** Data fragments in file order: fragment i is `lengths[i]` bytes at `offsets[i]` of the file. */
export interface SparseMap {
  readonly offsets: number[];
  readonly lengths: number[];
}

export function emptySparseMap(): SparseMap {
  return { offsets: [], lengths: [] };
}

function add(map: SparseMap, offset: number, length: number, at: number): void {
  if (map.offsets.length >= MAX_SPARSE_ENTRIES) throw new TarFormatError(`GNU sparse map has more than ${MAX_SPARSE_ENTRIES} entries`, at);
  map.offsets.push(offset);
  map.lengths.push(length);
}

/** Reads `count` 24-byte entries at `o` (old GNU), stopping at one whose offset starts with NUL. */
export function readOldGnuEntries(b: Uint8Array, o: number, count: number, map: SparseMap, at: number): void {
  for (let i = 0; i < count; i++) {
    const e = o + i * 24;
    if (b[e] === 0) break;
    const offset = parseNumeric(b, e, 12);
    const length = parseNumeric(b, e + 12, 12);
    if (Number.isNaN(offset) || Number.isNaN(length)) throw new TarFormatError('invalid GNU sparse map entry', at);
    add(map, offset, length, at);
  }
}

/** The PAX sparse version the records announce: '0.x', '1.0', or undefined (not sparse, or unknown). */
export function paxSparseVersion(x: PaxRecords | undefined): '0.x' | '1.0' | undefined {
  if (!x) return undefined;
  const major = x.sparseMajor ?? '';
  const minor = x.sparseMinor ?? '';
  if (major === '0' && (minor === '0' || minor === '1')) return '0.x';
  if (major === '1' && minor === '0') return '1.0';
  if (major !== '' || minor !== '') return undefined;
  return x.sparseMap ? '0.x' : undefined;
}

/** The real size a PAX sparse entry declares, or undefined when it declares none. */
export function paxSparseSize(x: PaxRecords, at: number): number | undefined {
  const s = x.sparseSize || x.sparseRealSize;
  if (!s) return undefined;
  const n = parseDecimal(s);
  if (Number.isNaN(n)) throw new TarFormatError(`invalid GNU sparse size '${s.slice(0, 40)}'`, at);
  return n;
}

/** The map of PAX sparse 0.0 / 0.1 (from the records). */
export function readPaxSparseMap0x(x: PaxRecords, at: number): SparseMap {
  const n = parseDecimal(x.sparseNumBlocks ?? '');
  if (Number.isNaN(n) || n < 0) throw new TarFormatError('invalid GNU.sparse.numblocks', at);
  let parts = (x.sparseMap ?? '').split(',');
  if (parts.length === 1 && parts[0] === '') parts = [];
  if (parts.length !== 2 * n) throw new TarFormatError(`GNU sparse map has ${parts.length} numbers, numblocks says ${2 * n}`, at);
  const map = emptySparseMap();
  for (let i = 0; i < parts.length; i += 2) {
    const offset = parseDecimal(parts[i] as string);
    const length = parseDecimal(parts[i + 1] as string);
    if (Number.isNaN(offset) || Number.isNaN(length)) throw new TarFormatError('invalid GNU sparse map entry', at);
    add(map, offset, length, at);
  }
  return map;
}

/**
 * The map of PAX sparse 1.0, fed block by block from the entry's data. `push` returns true once
 * the block holding the map's last newline has been read (the data fragments follow it).
 */
export class SparseMap1x0Reader {
  private buf = new Uint8Array(BLOCK * 2);
  private fill = 0;
  private newlines = 0;
  /** Entries announced by the first line, -1 until it has been read. */
  private entries = -1;

  constructor(private readonly at: number) {}

  push(b: Uint8Array, o: number): boolean {
    if (this.fill + BLOCK > MAX_SPECIAL_FILE_SIZE) throw new TarFormatError('GNU sparse 1.0 map is larger than 1 MiB', this.at);
    if (this.buf.length < this.fill + BLOCK) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(0, this.fill));
      this.buf = bigger;
    }
    this.buf.set(b.subarray(o, o + BLOCK), this.fill);
    this.fill += BLOCK;
    for (let k = o; k < o + BLOCK; k++) if (b[k] === 0x0a) this.newlines++;
    if (this.entries < 0 && this.newlines >= 1) {
      const nl = this.buf.indexOf(0x0a);
      const n = parseDecimal(latin1(this.buf, 0, nl));
      if (Number.isNaN(n) || n < 0) throw new TarFormatError('invalid GNU sparse 1.0 map: bad entry count', this.at);
      this.entries = n;
    }
    return this.entries >= 0 && this.newlines >= 1 + 2 * this.entries;
  }

  /** The map, once `push` returned true. */
  map(): SparseMap {
    const map = emptySparseMap();
    let p = this.buf.indexOf(0x0a) + 1;
    const next = (): number => {
      const nl = this.buf.indexOf(0x0a, p);
      const v = parseDecimal(latin1(this.buf, p, nl));
      p = nl + 1;
      return v;
    };
    for (let i = 0; i < this.entries; i++) {
      const offset = next();
      const length = next();
      if (Number.isNaN(offset) || Number.isNaN(length)) throw new TarFormatError('invalid GNU sparse 1.0 map entry', this.at);
      add(map, offset, length, this.at);
    }
    return map;
  }
}

/** Go's validateSparseEntries: non-negative, in order, not overlapping, within the real size. */
export function validSparseMap(map: SparseMap, size: number): boolean {
  if (size < 0) return false;
  let previousEnd = 0;
  for (let i = 0; i < map.offsets.length; i++) {
    const offset = map.offsets[i] as number;
    const length = map.lengths[i] as number;
    if (offset < 0 || length < 0) return false;
    if (offset > 2 ** 63 - 1 - length) return false;
    if (offset + length > size) return false;
    if (previousEnd > offset) return false;
    previousEnd = offset + length;
  }
  return true;
}

/** Bytes of data the map references (what the archive must store for the entry). */
export function sparseDataBytes(map: SparseMap): number {
  let n = 0;
  for (const l of map.lengths) n += l;
  return n;
}

/** Where a content sink's bytes go: data, and holes when the sink takes them as lengths. */
export interface SparseTarget {
  data(bytes: Uint8Array): void;
  hole(length: number): void;
}

/**
 * Turns the stored (dense) bytes of a sparse entry into the file's content in order: data views
 * and holes. Fed the stored bytes as they arrive; `finish` adds the trailing hole.
 */
export class SparseExpander {
  private fragment = 0;
  /** Bytes of the current fragment still to come. */
  private left: number;
  /** Position in the file of the next byte handed out. */
  private position = 0;

  constructor(
    private readonly map: SparseMap,
    private readonly size: number,
  ) {
    this.left = map.lengths[0] ?? 0;
  }

  push(bytes: Uint8Array, out: SparseTarget): void {
    let i = 0;
    while (i < bytes.length) {
      this.skipEmpty();
      if (this.fragment >= this.map.offsets.length) return; // more data than the map references: the reader reports it
      const start = this.map.offsets[this.fragment] as number;
      if (this.position < start) {
        out.hole(start - this.position);
        this.position = start;
      }
      const k = Math.min(this.left, bytes.length - i);
      out.data(bytes.subarray(i, i + k));
      i += k;
      this.left -= k;
      this.position += k;
    }
  }

  finish(out: SparseTarget): void {
    this.skipEmpty();
    if (this.position < this.size) out.hole(this.size - this.position);
    this.position = this.size;
  }

  private skipEmpty(): void {
    while (this.left === 0 && this.fragment < this.map.offsets.length) {
      this.fragment++;
      this.left = this.map.lengths[this.fragment] ?? 0;
    }
  }
}
