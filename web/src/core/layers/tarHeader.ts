/**
 * The one tar header decoder: a 512-byte header block, PAX records, GNU long names, merged into
 * the header of the next entry with the rules of Go's archive/tar (reader.go `readHeader`,
 * `next`, `mergePAX`, `parsePAX`; format.go `getFormat`), which is what containerd, Docker and
 * BuildKit unpack layers with. Both tar readers use it: the streaming layer reader
 * (tarReader.ts) and the seeking reader of image archives (sources/tarArchive.ts).
 *
 * It knows nothing of whiteouts or of the filesystem model: names come out as the raw bytes
 * archive/tar's Header.Name would hold.
 *
 * Rules, each as Go has it:
 * - A block is a header only if its checksum field (octal) equals the unsigned or the signed byte
 *   sum, the field counted as spaces. A zero block is not a header (end-of-archive marker).
 * - Format by magic: "ustar\0" + "tar\0" at 508 is star (131-byte prefix, atime, ctime); "ustar\0"
 *   is ustar/PAX (155-byte prefix); "ustar " + " \0" is GNU (no prefix; atime, ctime); else v7.
 * - Every numeric field must parse (size, mode, uid, gid, mtime; devmajor, devminor beyond v7;
 *   atime and ctime in star). GNU atime/ctime that do not parse mean a pre-Go 1.8 writer put a
 *   ustar prefix there: it is used as one when it is ASCII.
 * - PAX records: `"%d %s=%s\n"`, the length counting the whole record; a key is never empty;
 *   path, linkpath, uname and gname values hold no NUL, other keys hold none. Anything else in
 *   the extended header (NUL padding too) is malformed. Each `x` header replaces the records of
 *   an earlier one; an empty value keeps the header's own field.
 * - The PAX values used are validated only when merged into an entry (Go's mergePAX): uid, gid
 *   and size as int64 decimals, atime/mtime/ctime as PAX times.
 * - GNU long name and long link (cut at the first NUL) win over PAX path and linkpath.
 * - Typeflag NUL becomes a directory when the final name ends in '/', a regular file otherwise.
 * - Extended header data (PAX, GNU long names) above 1 MiB is refused (Go's maxSpecialFileSize).
 */
import { latin1, parseDecimal, parseNumeric, parseOctal, parsePaxTime } from './tarNumbers';

export const BLOCK = 512;
/** Largest PAX header or GNU long name / link: Go's maxSpecialFileSize (libarchive's too). */
export const MAX_SPECIAL_FILE_SIZE = 1 << 20;

/** Typeflag bytes. */
export const Type = {
  Reg: 0x30,
  RegA: 0,
  Link: 0x31,
  Symlink: 0x32,
  Char: 0x33,
  Block: 0x34,
  Dir: 0x35,
  Fifo: 0x36,
  Cont: 0x37,
  XHeader: 0x78,
  XGlobalHeader: 0x67,
  GNUSparse: 0x53,
  GNULongName: 0x4c,
  GNULongLink: 0x4b,
} as const;

export const Format = { V7: 1, USTAR: 2, GNU: 3, STAR: 4 } as const;

/** A tar stream that archive/tar refuses (ErrHeader, ErrFieldTooLong, io.ErrUnexpectedEOF). */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
  constructor(
    message: string,
    /** Byte offset in the tar stream the problem is at (usually the header's). */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Link, symlink, devices, directory, fifo: no content, whatever `size` says. */
export function isHeaderOnlyType(flag: number): boolean {
  return flag >= Type.Link && flag <= Type.Fifo;
}

/** One decoded header block; reused from block to block (its byte views are valid until the next decode). */
export interface RawHeader {
  typeflag: number;
  format: number;
  /** Name bytes: prefix joined to name for ustar and star, cut at the first NUL. */
  name: Uint8Array;
  linkname: Uint8Array;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

export function newRawHeader(): RawHeader {
  return { typeflag: 0, format: 0, name: EMPTY, linkname: EMPTY, size: 0, mode: 0, uid: 0, gid: 0, mtime: 0 };
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Bytes of a NUL-terminated field (all of it when there is no NUL). A view, not a copy. */
export function cstring(b: Uint8Array, o: number, len: number): Uint8Array {
  // A loop, not indexOf on a subarray: one view per field instead of two (this runs per header).
  let end = o;
  const limit = o + len;
  while (end < limit && b[end] !== 0) end++;
  return end === o ? EMPTY : b.subarray(o, end);
}

/** True when all 512 bytes at `o` are zero. */
export function isZeroBlock(b: Uint8Array, o: number): boolean {
  for (let k = o, end = o + BLOCK; k < end; k++) if (b[k] !== 0) return false;
  return true;
}

/** Decodes header blocks into a RawHeader; owns the scratch buffer prefix + name is joined in. */
export class HeaderDecoder {
  private joined = new Uint8Array(BLOCK);

  /**
   * Decodes the block at `b[o..o+512)` found at stream offset `at` into `h`. Returns false for a
   * zero block; throws TarFormatError for anything archive/tar refuses.
   */
  decode(b: Uint8Array, o: number, at: number, h: RawHeader): boolean {
    // One pass: the unsigned sum, and the bytes >= 0x80 (each is 256 less in the signed sum).
    let usum = 0;
    let high = 0;
    for (let k = o, end = o + BLOCK; k < end; k++) {
      const v = b[k] as number;
      usum += v;
      high += v >> 7;
    }
    if (usum === 0) return false;
    let fieldSum = 0;
    let fieldHigh = 0;
    for (let k = o + 148; k < o + 156; k++) {
      const v = b[k] as number;
      fieldSum += v;
      fieldHigh += v >> 7;
    }
    const unsigned = usum - fieldSum + 8 * 0x20;
    const signed = unsigned - 256 * (high - fieldHigh);
    const stored = parseOctal(b, o + 148, 8);
    if (stored !== unsigned && stored !== signed) {
      throw new TarFormatError(
        Number.isNaN(stored)
          ? 'invalid tar header: the checksum field is not a number (not a tar header?)'
          : `invalid tar header: checksum mismatch (stored ${stored}, computed ${unsigned})`,
        at,
      );
    }

    const format = formatOf(b, o);
    h.format = format;
    h.typeflag = b[o + 156] as number;
    h.size = field(b, o + 124, 12, 'size', at);
    h.mode = field(b, o + 100, 8, 'mode', at);
    h.uid = field(b, o + 108, 8, 'uid', at);
    h.gid = field(b, o + 116, 8, 'gid', at);
    h.mtime = field(b, o + 136, 12, 'mtime', at);
    // The link field only means something for links (Go parses it for every header; it cannot fail).
    const t = h.typeflag;
    h.linkname = t === Type.Link || t === Type.Symlink ? cstring(b, o + 157, 100) : EMPTY;
    const name = cstring(b, o, 100);
    h.name = name;
    if (format === Format.V7) return true;

    field(b, o + 329, 8, 'devmajor', at);
    field(b, o + 337, 8, 'devminor', at);
    let prefix = EMPTY;
    if (format === Format.USTAR) {
      prefix = cstring(b, o + 345, 155);
    } else if (format === Format.STAR) {
      prefix = cstring(b, o + 345, 131);
      field(b, o + 476, 12, 'atime', at);
      field(b, o + 488, 12, 'ctime', at);
    } else if ((b[o + 345] !== 0 && Number.isNaN(parseNumeric(b, o + 345, 12))) || (b[o + 357] !== 0 && Number.isNaN(parseNumeric(b, o + 357, 12)))) {
      // GNU with unreadable atime/ctime: a pre-Go 1.8 writer's ustar prefix (golang.org/issue/12594).
      const s = cstring(b, o + 345, 155);
      if (isAscii(s)) prefix = s;
    }
    if (prefix.length > 0) h.name = this.join(prefix, name);
    return true;
  }

  private join(prefix: Uint8Array, name: Uint8Array): Uint8Array {
    const n = prefix.length + 1 + name.length;
    if (this.joined.length < n) this.joined = new Uint8Array(n * 2);
    this.joined.set(prefix, 0);
    this.joined[prefix.length] = 0x2f;
    this.joined.set(name, prefix.length + 1);
    return this.joined.subarray(0, n);
  }
}

function field(b: Uint8Array, o: number, len: number, what: string, at: number): number {
  const v = parseNumeric(b, o, len);
  if (Number.isNaN(v)) throw new TarFormatError(`invalid tar header: the '${what}' field is not a number`, at);
  return v;
}

function formatOf(b: Uint8Array, o: number): number {
  if (b[o + 257] !== 0x75 || b[o + 258] !== 0x73 || b[o + 259] !== 0x74 || b[o + 260] !== 0x61 || b[o + 261] !== 0x72) return Format.V7;
  const m5 = b[o + 262];
  if (m5 === 0) {
    const star = b[o + 508] === 0x74 && b[o + 509] === 0x61 && b[o + 510] === 0x72 && b[o + 511] === 0;
    return star ? Format.STAR : Format.USTAR;
  }
  if (m5 === 0x20 && b[o + 263] === 0x20 && b[o + 264] === 0) return Format.GNU;
  return Format.V7;
}

function isAscii(s: Uint8Array): boolean {
  for (let k = 0; k < s.length; k++) if ((s[k] as number) >= 0x80) return false;
  return true;
}

/** The records of one PAX extended header that matter for reading; raw until merged. */
export interface PaxRecords {
  path?: Uint8Array;
  linkpath?: Uint8Array;
  size?: string;
  uid?: string;
  gid?: string;
  mtime?: string;
  atime?: string;
  ctime?: string;
  sparseMajor?: string;
  sparseMinor?: string;
  sparseName?: Uint8Array;
  sparseSize?: string;
  sparseRealSize?: string;
  sparseNumBlocks?: string;
  /** GNU.sparse.map (0.1), or the GNU.sparse.offset/numbytes pairs of 0.0 joined as Go joins them. */
  sparseMap?: string;
  /** How many records there were (for messages about ignored global headers). */
  count: number;
}

/**
 * Parses `"%d %s=%s\n"` records as Go's parsePAX does. Throws TarFormatError (at `at`, the
 * extended header's offset) for anything malformed.
 */
export function parsePaxRecords(d: Uint8Array, at: number): PaxRecords {
  const r: PaxRecords = { count: 0 };
  const sparse00: string[] = [];
  let p = 0;
  const bad = (why: string): never => {
    throw new TarFormatError(`invalid PAX extended header: ${why} (record at byte ${p} of ${d.length})`, at);
  };
  while (p < d.length) {
    const sp = d.indexOf(0x20, p);
    if (sp < 0) bad('a record without a length');
    const n = parseDecimal(latin1(d, p, sp));
    if (!(n >= 5) || n > d.length - p) bad('a record length out of range');
    const end = p + n;
    if (end <= sp + 1 || d[end - 1] !== 0x0a) bad('a record that does not end in a newline');
    const eq = d.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end - 1) bad("a record without '='");
    if (eq === sp + 1) bad('a record with an empty key');
    const key = latin1(d, sp + 1, eq);
    const value = d.subarray(eq + 1, end - 1);
    const nulInValue = value.indexOf(0) >= 0;
    if (key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname') {
      if (nulInValue) bad(`a NUL in the value of '${key}'`);
    } else if (key.includes('\0')) {
      bad('a NUL in a key');
    }
    r.count++;
    switch (key) {
      case 'path':
        r.path = value.slice();
        break;
      case 'linkpath':
        r.linkpath = value.slice();
        break;
      case 'size':
      case 'uid':
      case 'gid':
      case 'mtime':
      case 'atime':
      case 'ctime':
        r[key] = latin1(value);
        break;
      case 'GNU.sparse.major':
        r.sparseMajor = latin1(value);
        break;
      case 'GNU.sparse.minor':
        r.sparseMinor = latin1(value);
        break;
      case 'GNU.sparse.name':
        r.sparseName = value.slice();
        break;
      case 'GNU.sparse.size':
        r.sparseSize = latin1(value);
        break;
      case 'GNU.sparse.realsize':
        r.sparseRealSize = latin1(value);
        break;
      case 'GNU.sparse.numblocks':
        r.sparseNumBlocks = latin1(value);
        break;
      case 'GNU.sparse.map':
        r.sparseMap = latin1(value);
        break;
      case 'GNU.sparse.offset':
      case 'GNU.sparse.numbytes': {
        // Sparse format 0.0: offset/numbytes pairs, in that order, become a 0.1 map.
        const v = latin1(value);
        if ((sparse00.length % 2 === 0) !== (key === 'GNU.sparse.offset') || v.includes(',')) bad('GNU sparse 0.0 records out of order');
        sparse00.push(v);
        break;
      }
    }
    p = end;
  }
  if (sparse00.length > 0) r.sparseMap = sparse00.join(',');
  return r;
}

/** The header fields extended headers can change, after merging (Go's Header, the fields Lading keeps). */
export interface MergedFields {
  name: Uint8Array;
  linkname: Uint8Array;
  typeflag: number;
  size: number;
  uid: number;
  gid: number;
  mtime: number;
}

/**
 * What extended headers say about the next entry: the records of the last PAX `x` header and the
 * last GNU long name and long link. Cleared when an entry (or a PAX global header) consumes them.
 */
export class PendingExtensions {
  pax: PaxRecords | undefined;
  longName: Uint8Array | undefined;
  longLink: Uint8Array | undefined;
  /** Offset of the first extended header that is still pending (-1: none). */
  firstOffset = -1;

  get pending(): boolean {
    return this.firstOffset >= 0;
  }

  note(at: number): void {
    if (this.firstOffset < 0) this.firstOffset = at;
  }

  clear(): void {
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    this.firstOffset = -1;
  }

  /**
   * Merges into `out` what the entry's header `h` (decoded at `at`) becomes: PAX records, then GNU
   * long names, then typeflag NUL resolved. Throws TarFormatError for a PAX value Go refuses.
   */
  merge(h: RawHeader, at: number, out: MergedFields): void {
    out.name = h.name;
    out.linkname = h.linkname;
    out.size = h.size;
    out.uid = h.uid;
    out.gid = h.gid;
    out.mtime = h.mtime;
    const x = this.pax;
    if (x) {
      if (x.path !== undefined && x.path.length > 0) out.name = x.path;
      if (x.linkpath !== undefined && x.linkpath.length > 0) out.linkname = x.linkpath;
      if (x.uid) out.uid = paxNumber(parseDecimal(x.uid), 'uid', x.uid, at);
      if (x.gid) out.gid = paxNumber(parseDecimal(x.gid), 'gid', x.gid, at);
      if (x.size) out.size = paxNumber(parseDecimal(x.size), 'size', x.size, at);
      if (x.mtime) out.mtime = paxNumber(parsePaxTime(x.mtime), 'mtime', x.mtime, at);
      if (x.atime) paxNumber(parsePaxTime(x.atime), 'atime', x.atime, at);
      if (x.ctime) paxNumber(parsePaxTime(x.ctime), 'ctime', x.ctime, at);
    }
    if (this.longName !== undefined && this.longName.length > 0) out.name = this.longName;
    if (this.longLink !== undefined && this.longLink.length > 0) out.linkname = this.longLink;
    let typeflag = h.typeflag;
    if (typeflag === Type.RegA) typeflag = out.name[out.name.length - 1] === 0x2f ? Type.Dir : Type.Reg;
    out.typeflag = typeflag;
  }
}

function paxNumber(v: number, key: string, raw: string, at: number): number {
  if (Number.isNaN(v)) throw new TarFormatError(`invalid PAX record: ${key} '${raw.slice(0, 40)}' is not a number`, at);
  return v;
}
