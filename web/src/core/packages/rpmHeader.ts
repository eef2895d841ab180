/**
 * RPM header blobs, as rpmdb stores one per installed package (the `blob` column of the
 * sqlite backend's `Packages` table; rpm's `headerExport`).
 *
 * Layout (rpm lib/header.c, header_internal.h; "RPM Package Manager" file format docs), all
 * integers big-endian:
 *
 *   [magic 8e ad e8 01 00 00 00 00]   only in package files, not in rpmdb; accepted if present
 *   il   int32   number of index entries
 *   dl   int32   bytes in the data store
 *   il × { tag int32, type uint32, offset int32, count uint32 }
 *   dl bytes of data
 *
 * Types: 0 NULL, 1 CHAR, 2 INT8, 3 INT16, 4 INT32, 5 INT64, 6 STRING (one NUL-terminated),
 * 7 BIN (count bytes), 8 STRING_ARRAY and 9 I18NSTRING (count NUL-terminated strings).
 * Checked as rpm's hdrblobVerifyInfo checks them: il in 1..65535, dl below 256 MiB, the blob
 * exactly 8 + 16·il + dl bytes, every offset inside the data store and aligned for its type,
 * every string terminated before the end of the store.
 *
 * Tags read (rpmtag.h): NAME 1000, VERSION 1001, RELEASE 1002, EPOCH 1003, ARCH 1022,
 * OLDFILENAMES 1027 (pre-4.0 headers), FILESIZES 1028, FILEMODES 1030, FILEDIGESTS 1035,
 * DIRINDEXES 1116, BASENAMES 1117, DIRNAMES 1118, LONGFILESIZES 5008. Region tags (61–63)
 * and everything else are skipped.
 */
import { FormatError } from './text';

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILEDIGESTS: 1035,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGFILESIZES: 5008,
} as const;

const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 1, 1];
const STRING = 6;
const STRING_ARRAY = 8;
const I18NSTRING = 9;
const INT16 = 3;
const INT32 = 4;
const INT64 = 5;

const MAX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;
const MAGIC = [0x8e, 0xad, 0xe8, 0x01];

export interface RpmHeader {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly epoch?: number;
  readonly arch?: string;
  /** Absolute paths, in header order. */
  readonly files: readonly string[];
  /** Per file, when the header has them (LONGFILESIZES preferred). */
  readonly fileSizes?: readonly number[];
  readonly fileModes?: readonly number[];
  readonly fileDigests?: readonly string[];
}

interface Entry {
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

class Reader {
  readonly view: DataView;
  readonly entries = new Map<number, Entry>();
  constructor(
    readonly bytes: Uint8Array,
    readonly dataStart: number,
    readonly dataLength: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(tag: number, types: readonly number[]): Entry | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (!types.includes(e.type)) throw new FormatError('corrupt', `tag ${tag}: type ${e.type}, expected ${types.join(' or ')}`);
    return e;
  }

  strings(tag: number): string[] | undefined {
    const e = this.need(tag, [STRING, STRING_ARRAY, I18NSTRING]);
    if (!e) return undefined;
    const out: string[] = [];
    const end = this.dataStart + this.dataLength;
    let p = this.dataStart + e.offset;
    for (let i = 0; i < e.count; i++) {
      let q = p;
      while (q < end && this.bytes[q] !== 0) q++;
      if (q >= end) throw new FormatError('corrupt', `tag ${tag}: string ${i} runs past the data store`);
      out.push(decodeName(this.bytes.subarray(p, q)));
      p = q + 1;
    }
    return out;
  }

  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  ints(tag: number): number[] | undefined {
    const e = this.need(tag, [INT16, INT32, INT64]);
    if (!e) return undefined;
    const out = new Array<number>(e.count);
    const at = this.dataStart + e.offset;
    for (let i = 0; i < e.count; i++) {
      if (e.type === INT16) out[i] = this.view.getUint16(at + 2 * i);
      else if (e.type === INT32) out[i] = this.view.getUint32(at + 4 * i);
      else out[i] = Number(this.view.getBigUint64(at + 8 * i));
    }
    return out;
  }
}

/** File names are byte strings; rpm writes UTF-8 in practice. Invalid UTF-8 is kept byte for byte. */
function decodeName(b: Uint8Array): string {
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      const s = utf8.decode(b);
      return s.includes('\ufffd') ? latin1.decode(b) : s;
    }
  }
  return latin1.decode(b);
}

/** Parses one header blob. Throws FormatError for anything rpm itself would refuse. */
export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  let start = 0;
  if (blob.length >= 8 && MAGIC.every((m, i) => blob[i] === m)) start = 8;
  if (blob.length - start < 8) throw new FormatError('truncated', `header of ${blob.length} bytes`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getInt32(start);
  const dl = view.getInt32(start + 4);
  if (il < 1 || il > MAX_ENTRIES) throw new FormatError('corrupt', `bad index entry count ${il}`);
  if (dl < 0 || dl > MAX_DATA) throw new FormatError('corrupt', `bad data length ${dl}`);
  const dataStart = start + 8 + il * 16;
  const total = dataStart + dl;
  if (blob.length < total) throw new FormatError('truncated', `header needs ${total} bytes, has ${blob.length}`);
  if (blob.length > total) throw new FormatError('corrupt', `${blob.length - total} bytes after the header`);
  const r = new Reader(blob, dataStart, dl);
  for (let i = 0; i < il; i++) {
    const at = start + 8 + i * 16;
    const tag = view.getInt32(at);
    const type = view.getUint32(at + 4);
    const offset = view.getInt32(at + 8);
    const count = view.getUint32(at + 12);
    if (type > I18NSTRING) throw new FormatError('corrupt', `entry ${i} (tag ${tag}): unknown type ${type}`);
    if (offset < 0 || offset > dl) throw new FormatError('corrupt', `entry ${i} (tag ${tag}): offset ${offset} outside the data store`);
    const size = TYPE_SIZE[type]!;
    if (size > 1 && offset % size !== 0) throw new FormatError('corrupt', `entry ${i} (tag ${tag}): offset ${offset} not aligned`);
    // Strings need at least one byte each; fixed-size types exactly size × count.
    if (type !== 0 && count * size > dl - offset) throw new FormatError('corrupt', `entry ${i} (tag ${tag}): ${count} items do not fit`);
    if (type === STRING && count !== 1) throw new FormatError('corrupt', `entry ${i} (tag ${tag}): STRING with count ${count}`);
    if (!r.entries.has(tag)) r.entries.set(tag, { type, offset, count });
  }

  const name = r.string(RPMTAG.NAME);
  if (name === undefined || name === '') throw new FormatError('corrupt', 'no NAME');
  const epoch = r.ints(RPMTAG.EPOCH)?.[0];
  const arch = r.string(RPMTAG.ARCH);
  const files = fileNames(r);
  const fileSizes = r.ints(RPMTAG.LONGFILESIZES) ?? r.ints(RPMTAG.FILESIZES);
  const fileModes = r.ints(RPMTAG.FILEMODES);
  const fileDigests = r.strings(RPMTAG.FILEDIGESTS);
  for (const [what, a] of [
    ['sizes', fileSizes],
    ['modes', fileModes],
    ['digests', fileDigests],
  ] as const) {
    if (a && a.length !== files.length) throw new FormatError('corrupt', `${a.length} file ${what} for ${files.length} files`);
  }
  return {
    name,
    version: r.string(RPMTAG.VERSION) ?? '',
    release: r.string(RPMTAG.RELEASE) ?? '',
    ...(epoch !== undefined ? { epoch } : {}),
    ...(arch !== undefined ? { arch } : {}),
    files,
    ...(fileSizes ? { fileSizes } : {}),
    ...(fileModes ? { fileModes } : {}),
    ...(fileDigests ? { fileDigests } : {}),
  };
}

function fileNames(r: Reader): string[] {
  const base = r.strings(RPMTAG.BASENAMES);
  if (!base) return r.strings(RPMTAG.OLDFILENAMES) ?? [];
  const dirs = r.strings(RPMTAG.DIRNAMES) ?? [];
  const idx = r.ints(RPMTAG.DIRINDEXES) ?? [];
  if (idx.length !== base.length) throw new FormatError('corrupt', `${idx.length} dir indexes for ${base.length} basenames`);
  return base.map((b, i) => {
    const d = dirs[idx[i]!];
    if (d === undefined) throw new FormatError('corrupt', `file ${i}: dir index ${idx[i]} of ${dirs.length}`);
    return d + b;
  });
}

/** `[epoch:]version-release`, as `rpm -q --qf '%{EVR}'` prints it. */
export function rpmEvr(h: RpmHeader): string {
  const vr = h.release ? `${h.version}-${h.release}` : h.version;
  return h.epoch !== undefined ? `${h.epoch}:${vr}` : vr;
}
