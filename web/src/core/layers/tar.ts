/**
 * A streaming tar reader that parses headers only. File content is skipped by arithmetic:
 * it is never copied or looked at, so the cost is per entry, not per byte.
 *
 * Formats: v7, ustar (`prefix` joined to `name`), star, GNU (`L` long names, `K` long link
 * targets, base-256 numbers) and PAX (`x` per-file records: path, linkpath, size, mtime with
 * fractions, uid, gid, GNU.sparse.name/realsize; `g` global records: see below).
 *
 * Decisions, mostly after Go's archive/tar, which is what Docker and containerd read with:
 * - The header checksum must match the unsigned or the signed byte sum (old tars used signed).
 * - Numeric fields are octal with leading/trailing spaces and NULs, or base-256 when the
 *   first byte has its top bit set. Anything else in a numeric field is an error.
 * - A name field without a NUL uses all its bytes.
 * - Link, symlink, device, directory and fifo entries have no content, whatever `size` says;
 *   the recorded size is still the header's.
 * - Typeflag NUL with a name ending in `/` is a directory (old v7 tars).
 * - `g` global headers: their `mtime`, `uid` and `gid` become defaults for every later entry
 *   (overriding the ustar fields, overridden by `x` records), as POSIX says. Global `path`,
 *   `linkpath` and `size` are ignored: applying one path to every entry is never what a
 *   writer means. Other keys (xattrs, comment, charset) are ignored.
 * - Sparse files are recorded as regular files with their apparent size: old GNU 'S'
 *   (realsize field; the extension blocks of a long sparse map are skipped) and PAX
 *   GNU.sparse.name / realsize (0.x and 1.0). The sparse map itself is not kept.
 * - Volume labels (`V`) are skipped, not recorded. Unknown typeflags are recorded as Other.
 * - The end of the archive is two zero blocks; whatever follows is ignored. One zero block
 *   followed by the end of the stream is accepted too (Go accepts it); a zero block followed
 *   by a header is an error (Go: ErrHeader). A stream that ends anywhere else is truncated.
 * - Sizes above 2^50 bytes and negative sizes are rejected as corrupt.
 */

import { layerError, type LayerError } from './errors';
import { EntryFlag, EntryType, type LayerIndexBuilder } from './layerIndex';
import { basenameStart, PathNormalizer, whiteoutKind } from './paths';

const BLOCK = 512;
/** Larger than any real file (1 PiB); bigger values come from corrupt headers. */
export const MAX_ENTRY_SIZE = 2 ** 50;
/** Upper bound for PAX / GNU long-name data kept in memory. */
export const MAX_META_SIZE = 8 * 1024 * 1024;

const ST_HEADER = 0;
const ST_SKIP = 1;
const ST_META = 2;
const ST_END = 3;
const ST_FAILED = 4;

const META_PAX = 0x78; // 'x'
const META_GLOBAL = 0x67; // 'g'
const META_LONGNAME = 0x4c; // 'L'
const META_LONGLINK = 0x4b; // 'K'

interface Pending {
  longName?: Uint8Array;
  longLink?: Uint8Array;
  paxPath?: Uint8Array;
  paxLink?: Uint8Array;
  paxSize?: number;
  paxMtime?: number;
  paxUid?: number;
  paxGid?: number;
  sparseName?: Uint8Array;
  sparseRealSize?: number;
}

interface Globals {
  mtime?: number;
  uid?: number;
  gid?: number;
}

class TarFormatError extends Error {}

export class TarParser {
  /** Uncompressed bytes consumed so far. */
  offset = 0;
  error: LayerError | undefined;

  private state = ST_HEADER;
  private readonly hdr = new Uint8Array(BLOCK);
  private hdrFill = 0;
  private skip = 0;
  private zeroBlocks = 0;
  private metaKind = 0;
  private metaBuf = new Uint8Array(1024);
  private metaNeed = 0;
  private metaFill = 0;
  private metaPad = 0;
  private metaOffset = 0;
  private pending: Pending = {};
  private globals: Globals = {};
  private readonly normalizer = new PathNormalizer();
  private scratch = new Uint8Array(512);
  /** Entry whose old-GNU sparse extension blocks are being read, or -1. */
  private sparseExtension = -1;
  private sparseData = 0;
  /** String id of the entry whose content is being skipped (for error messages), or -1. */
  private skipping = -1;

  constructor(private readonly builder: LayerIndexBuilder) {}

  /** True once the end-of-archive marker was read. */
  get ended(): boolean {
    return this.state === ST_END;
  }

  /** Feeds the next bytes of the tar stream. Never throws; a failure sets `error` and later input is ignored. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    try {
      while (i < n) {
        switch (this.state) {
          case ST_SKIP: {
            const k = Math.min(this.skip, n - i);
            i += k;
            this.skip -= k;
            this.offset += k;
            if (this.skip === 0) {
              this.state = ST_HEADER;
              this.skipping = -1;
            }
            break;
          }
          case ST_HEADER: {
            if (this.hdrFill === 0 && n - i >= BLOCK) {
              const at = this.offset;
              this.offset += BLOCK;
              this.header(chunk, i, at);
              i += BLOCK;
            } else {
              const k = Math.min(BLOCK - this.hdrFill, n - i);
              this.hdr.set(chunk.subarray(i, i + k), this.hdrFill);
              this.hdrFill += k;
              this.offset += k;
              i += k;
              if (this.hdrFill === BLOCK) {
                this.hdrFill = 0;
                this.header(this.hdr, 0, this.offset - BLOCK);
              }
            }
            break;
          }
          case ST_META: {
            const k = Math.min(this.metaNeed - this.metaFill, n - i);
            this.metaBuf.set(chunk.subarray(i, i + k), this.metaFill);
            this.metaFill += k;
            this.offset += k;
            i += k;
            if (this.metaFill === this.metaNeed) {
              this.meta();
              this.skip = this.metaPad;
              this.state = this.skip > 0 ? ST_SKIP : ST_HEADER;
            }
            break;
          }
          default:
            // ST_END: trailing bytes after the end-of-archive marker are ignored.
            // ST_FAILED: nothing more is parsed.
            this.offset += n - i;
            return;
        }
      }
    } catch (e) {
      const message = e instanceof TarFormatError ? e.message : `internal error: ${String(e)}`;
      this.fail(message, e instanceof TarFormatError ? this.errorOffset : this.offset);
    }
  }

  /** Call at the end of the stream: reports truncation. */
  finish(): void {
    if (this.state === ST_END || this.state === ST_FAILED) return;
    if (this.state === ST_HEADER && this.hdrFill === 0 && this.sparseExtension < 0) {
      if (this.zeroBlocks === 1) {
        this.state = ST_END;
        return;
      }
      this.fail(this.offset === 0 ? 'empty stream: no tar header' : 'stream ended before the end-of-archive marker (truncated?)', this.offset);
    } else if (this.state === ST_HEADER && this.sparseExtension >= 0) {
      this.fail('stream ended inside the sparse map of a GNU sparse file', this.offset - this.hdrFill);
    } else if (this.state === ST_HEADER) {
      this.fail(`stream ended inside a header (${this.hdrFill} of 512 bytes)`, this.offset - this.hdrFill);
    } else if (this.state === ST_META) {
      this.fail(`stream ended inside an extended header (${this.metaFill} of ${this.metaNeed} bytes)`, this.offset);
    } else {
      const what = this.skipping >= 0 ? ` of '${this.builder.stringAt(this.skipping)}'` : '';
      this.fail(`stream ended inside the content${what} (${this.skip} bytes missing)`, this.offset);
    }
  }

  private errorOffset = 0;

  private bad(message: string, offset: number): never {
    this.errorOffset = offset;
    throw new TarFormatError(message);
  }

  private fail(message: string, offset: number): void {
    this.state = ST_FAILED;
    this.error = layerError('tar', message, offset);
  }

  private header(b: Uint8Array, o: number, at: number): void {
    if (this.sparseExtension >= 0) {
      this.sparseBlock(b, o);
      return;
    }
    let usum = 0;
    let ssum = 0;
    for (let k = o, end = o + BLOCK; k < end; k++) {
      const v = b[k] as number;
      usum += v;
      ssum += (v << 24) >> 24;
    }
    if (usum === 0) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = ST_END;
      return;
    }
    if (this.zeroBlocks > 0) this.bad('a single zero block followed by a header (corrupt end-of-archive marker)', at - BLOCK);

    // The checksum is computed with its own field read as eight spaces.
    let fu = 0;
    let fs = 0;
    for (let k = o + 148; k < o + 156; k++) {
      const v = b[k] as number;
      fu += v;
      fs += (v << 24) >> 24;
    }
    const stored = parseOctal(b, o + 148, 8);
    if (Number.isNaN(stored)) this.bad('header checksum field is not a number (not a tar header?)', at);
    if (stored !== usum - fu + 256 && stored !== ssum - fs + 256) {
      this.bad(`header checksum mismatch: stored ${stored}, computed ${usum - fu + 256}`, at);
    }

    const typeflag = b[o + 156] as number;
    const size = this.numeric(b, o + 124, 12, 'size', at);
    if (size < 0 || size > MAX_ENTRY_SIZE) this.bad(`absurd entry size ${size}`, at);

    if (typeflag === META_PAX || typeflag === META_GLOBAL || typeflag === META_LONGNAME || typeflag === META_LONGLINK) {
      if (size > MAX_META_SIZE) this.bad(`extended header of ${size} bytes is larger than ${MAX_META_SIZE}`, at);
      this.metaKind = typeflag;
      this.metaNeed = size;
      this.metaFill = 0;
      this.metaPad = padding(size);
      this.metaOffset = at;
      if (this.metaBuf.length < size) this.metaBuf = new Uint8Array(Math.max(size, this.metaBuf.length * 2));
      if (size === 0) {
        this.meta();
      } else {
        this.state = ST_META;
      }
      return;
    }

    if (typeflag === 0x56 /* 'V' volume label */) {
      this.pending = {};
      this.skipContent(size, -1);
      return;
    }

    const magic = readMagic(b, o);
    const p = this.pending;

    // Name: PAX path > GNU.sparse.name > GNU long name > ustar prefix + name.
    let rawName: Uint8Array;
    if (p.paxPath !== undefined) rawName = p.paxPath;
    else if (p.sparseName !== undefined) rawName = p.sparseName;
    else if (p.longName !== undefined) rawName = p.longName;
    else rawName = this.headerName(b, o, magic);

    let type: EntryType;
    let hasContent = true;
    switch (typeflag) {
      case 0x30: // '0'
      case 0x37: // '7' contiguous
      case 0x53: // 'S' GNU sparse
        type = EntryType.File;
        break;
      case 0x00:
        type = rawName[rawName.length - 1] === 0x2f ? EntryType.Directory : EntryType.File;
        hasContent = type === EntryType.File;
        break;
      case 0x31:
        type = EntryType.Hardlink;
        hasContent = false;
        break;
      case 0x32:
        type = EntryType.Symlink;
        hasContent = false;
        break;
      case 0x33:
        type = EntryType.CharDevice;
        hasContent = false;
        break;
      case 0x34:
        type = EntryType.BlockDevice;
        hasContent = false;
        break;
      case 0x35:
        type = EntryType.Directory;
        hasContent = false;
        break;
      case 0x36:
        type = EntryType.Fifo;
        hasContent = false;
        break;
      default:
        type = EntryType.Other;
    }

    const dataSize = p.paxSize ?? size;
    let recordedSize = dataSize;
    if (p.sparseRealSize !== undefined) recordedSize = p.sparseRealSize;
    else if (typeflag === 0x53 && magic === MAGIC_GNU) {
      const real = this.numeric(b, o + 483, 12, 'GNU sparse realsize', at);
      if (real < 0 || real > MAX_ENTRY_SIZE) this.bad(`absurd sparse file size ${real}`, at);
      recordedSize = real;
    }

    const mode = this.numeric(b, o + 100, 8, 'mode', at);
    const uid = p.paxUid ?? this.globals.uid ?? this.numeric(b, o + 108, 8, 'uid', at);
    const gid = p.paxGid ?? this.globals.gid ?? this.numeric(b, o + 116, 8, 'gid', at);
    const mtime = p.paxMtime ?? this.globals.mtime ?? this.numeric(b, o + 136, 12, 'mtime', at);
    if (!(uid >= 0 && uid <= 0xffffffff)) this.bad(`uid ${uid} out of range`, at);
    if (!(gid >= 0 && gid <= 0xffffffff)) this.bad(`gid ${gid} out of range`, at);

    // Path, whiteout facts.
    const norm = this.normalizer.normalize(rawName);
    let flags = 0;
    let pathId: number;
    const base = basenameStart(norm);
    const wh = whiteoutKind(norm, base);
    if (wh === 'opaque') {
      flags = EntryFlag.Opaque;
      pathId = this.builder.addString(norm.subarray(0, Math.max(0, base - 1)));
    } else if (wh === 'whiteout') {
      flags = EntryFlag.Whiteout;
      const len = norm.length - 4;
      if (this.scratch.length < len) this.scratch = new Uint8Array(len * 2);
      this.scratch.set(norm.subarray(0, base), 0);
      this.scratch.set(norm.subarray(base + 4), base);
      pathId = this.builder.addString(this.scratch.subarray(0, len));
    } else {
      pathId = this.builder.addString(norm);
    }

    // Link target: verbatim for symlinks (it is resolved relative to the link), normalised for
    // hardlinks (it names another archive member).
    let linkId = -1;
    if (type === EntryType.Symlink || type === EntryType.Hardlink) {
      const rawLink = p.paxLink ?? p.longLink ?? cstring(b, o + 157, 100);
      linkId = this.builder.addString(type === EntryType.Hardlink ? this.normalizer.normalize(rawLink) : rawLink);
    }

    const index = this.builder.add(pathId, linkId, {
      type,
      flags,
      mode: mode & 0o7777,
      uid,
      gid,
      size: recordedSize,
      mtime,
      offset: at + BLOCK,
    });
    this.pending = {};
    if (typeflag === 0x53 && magic === MAGIC_GNU && b[o + 482] !== 0) {
      // Old GNU sparse: more sparse-map blocks follow the header, before the content.
      this.sparseExtension = index;
      this.sparseData = dataSize;
      return;
    }
    this.skipContent(hasContent ? dataSize : 0, pathId);
  }

  /** An old-GNU sparse extension block: 21 map entries, then `isextended` at byte 504. */
  private sparseBlock(b: Uint8Array, o: number): void {
    const index = this.sparseExtension;
    this.builder.setOffset(index, this.offset);
    if (b[o + 504] !== 0) return;
    this.sparseExtension = -1;
    this.skipContent(this.sparseData, this.builder.pathIdOf(index));
  }

  private skipContent(size: number, pathId: number): void {
    this.skip = size + padding(size);
    if (this.skip > 0) {
      this.state = ST_SKIP;
      this.skipping = pathId;
    }
  }

  private headerName(b: Uint8Array, o: number, magic: number): Uint8Array {
    const name = cstring(b, o, 100);
    if (magic !== MAGIC_USTAR) return name;
    // star puts atime/ctime after a 131-byte prefix and marks it with "tar\0" at 508.
    const star = b[o + 508] === 0x74 && b[o + 509] === 0x61 && b[o + 510] === 0x72 && b[o + 511] === 0;
    const prefix = cstring(b, o + 345, star ? 131 : 155);
    if (prefix.length === 0) return name;
    const joined = new Uint8Array(prefix.length + 1 + name.length);
    joined.set(prefix, 0);
    joined[prefix.length] = 0x2f;
    joined.set(name, prefix.length + 1);
    return joined;
  }

  private numeric(b: Uint8Array, o: number, len: number, field: string, at: number): number {
    const v = parseNumeric(b, o, len);
    if (Number.isNaN(v)) this.bad(`invalid number in header field '${field}'`, at);
    return v;
  }

  private meta(): void {
    const data = this.metaBuf.subarray(0, this.metaNeed);
    switch (this.metaKind) {
      case META_LONGNAME:
        this.pending.longName = cstring(data, 0, data.length).slice();
        break;
      case META_LONGLINK:
        this.pending.longLink = cstring(data, 0, data.length).slice();
        break;
      case META_PAX:
        this.pax(data, false);
        break;
      case META_GLOBAL:
        this.pax(data, true);
        break;
    }
  }

  /** Parses `"%d %s=%s\n"` records (the length counts the whole record). */
  private pax(d: Uint8Array, global: boolean): void {
    const at = this.metaOffset;
    let p = 0;
    while (p < d.length) {
      if (d[p] === 0) break; // NUL padding after the last record
      let len = 0;
      let q = p;
      while (q < d.length && (d[q] as number) >= 0x30 && (d[q] as number) <= 0x39 && len <= d.length) {
        len = len * 10 + ((d[q] as number) - 0x30);
        q++;
      }
      const end = p + len;
      if (q === p || d[q] !== 0x20 || end > d.length || end <= q + 1 || d[end - 1] !== 0x0a) {
        this.bad(`malformed PAX record at byte ${p} of the extended header`, at);
      }
      let eq = q + 1;
      while (eq < end - 1 && d[eq] !== 0x3d) eq++;
      if (eq >= end - 1 && d[eq] !== 0x3d) this.bad(`PAX record without '=' at byte ${p} of the extended header`, at);
      const key = latin1(d, q + 1, eq);
      const value = d.subarray(eq + 1, end - 1);
      if (global) this.paxGlobal(key, value, at);
      else this.paxRecord(key, value, at);
      p = end;
    }
  }

  private paxRecord(key: string, value: Uint8Array, at: number): void {
    const p = this.pending;
    const empty = value.length === 0; // an empty value removes the key
    switch (key) {
      case 'path':
        p.paxPath = empty ? undefined : value.slice();
        break;
      case 'linkpath':
        p.paxLink = empty ? undefined : value.slice();
        break;
      case 'size':
        p.paxSize = empty ? undefined : this.paxInteger(value, key, at, 0, MAX_ENTRY_SIZE);
        break;
      case 'mtime':
        p.paxMtime = empty ? undefined : this.paxTime(value, at);
        break;
      case 'uid':
        p.paxUid = empty ? undefined : this.paxInteger(value, key, at, 0, 0xffffffff);
        break;
      case 'gid':
        p.paxGid = empty ? undefined : this.paxInteger(value, key, at, 0, 0xffffffff);
        break;
      case 'GNU.sparse.name':
        p.sparseName = empty ? undefined : value.slice();
        break;
      case 'GNU.sparse.realsize':
      case 'GNU.sparse.size':
        p.sparseRealSize = empty ? undefined : this.paxInteger(value, key, at, 0, MAX_ENTRY_SIZE);
        break;
    }
  }

  private paxGlobal(key: string, value: Uint8Array, at: number): void {
    const g = this.globals;
    const empty = value.length === 0;
    switch (key) {
      case 'mtime':
        g.mtime = empty ? undefined : this.paxTime(value, at);
        break;
      case 'uid':
        g.uid = empty ? undefined : this.paxInteger(value, key, at, 0, 0xffffffff);
        break;
      case 'gid':
        g.gid = empty ? undefined : this.paxInteger(value, key, at, 0, 0xffffffff);
        break;
    }
  }

  private paxInteger(value: Uint8Array, key: string, at: number, min: number, max: number): number {
    const s = latin1(value, 0, value.length);
    if (!/^\d{1,17}$/.test(s)) this.bad(`PAX ${key} '${s.slice(0, 40)}' is not a decimal number`, at);
    const v = Number(s);
    if (v < min || v > max) this.bad(`PAX ${key} ${v} out of range`, at);
    return v;
  }

  private paxTime(value: Uint8Array, at: number): number {
    const s = latin1(value, 0, value.length);
    if (!/^-?\d{1,17}(\.\d*)?$/.test(s)) this.bad(`PAX mtime '${s.slice(0, 40)}' is not a decimal number`, at);
    return Number(s.endsWith('.') ? s.slice(0, -1) : s);
  }
}

const MAGIC_V7 = 0;
const MAGIC_USTAR = 1;
const MAGIC_GNU = 2;

function readMagic(b: Uint8Array, o: number): number {
  // "ustar\0" (POSIX) or "ustar " (GNU, followed by " \0" as version).
  if (b[o + 257] !== 0x75 || b[o + 258] !== 0x73 || b[o + 259] !== 0x74 || b[o + 260] !== 0x61 || b[o + 261] !== 0x72) {
    return MAGIC_V7;
  }
  if (b[o + 262] === 0) return MAGIC_USTAR;
  if (b[o + 262] === 0x20) return MAGIC_GNU;
  return MAGIC_V7;
}

function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

/** Bytes of a NUL-terminated field (all of it when there is no NUL). A view, not a copy. */
function cstring(b: Uint8Array, o: number, len: number): Uint8Array {
  const field = b.subarray(o, o + len);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(b[k] as number);
  return s;
}

/**
 * A numeric header field: base-256 (two's complement, big-endian, top bit of the first byte
 * set) or octal text padded with spaces / NULs. NaN when the field holds anything else.
 * Base-256 values beyond 2^53 come back as numbers above MAX_ENTRY_SIZE (callers reject them).
 */
export function parseNumeric(b: Uint8Array, o: number, len: number): number {
  const first = b[o] as number;
  if (first & 0x80) {
    const inv = first & 0x40 ? 0xff : 0;
    let x = 0;
    for (let k = 0; k < len; k++) {
      let c = ((b[o + k] as number) ^ inv) & 0xff;
      if (k === 0) c &= 0x7f;
      x = x * 256 + c;
    }
    return inv ? -x - 1 : x;
  }
  return parseOctal(b, o, len);
}

export function parseOctal(b: Uint8Array, o: number, len: number): number {
  let k = o;
  const end = o + len;
  while (k < end && (b[k] === 0x20 || b[k] === 0)) k++;
  let x = 0;
  let digits = 0;
  while (k < end) {
    const c = b[k] as number;
    if (c < 0x30 || c > 0x37) break;
    x = x * 8 + (c - 0x30);
    digits++;
    k++;
  }
  while (k < end) {
    const c = b[k];
    if (c !== 0x20 && c !== 0) return NaN;
    k++;
  }
  return digits === 0 ? 0 : x;
}
