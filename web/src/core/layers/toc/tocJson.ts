/**
 * The TOC JSON of eStargz (`stargz.index.json`) and of zstd:chunked (its "manifest"): both are
 * the CRFS table of contents — `{version: 1, entries: [...]}`, one entry per tar entry in tar
 * order, with `chunk` entries after a regular file for its further pieces. Sources:
 * containerd/stargz-snapshotter docs/estargz.md and estargz/types.go (TOCEntry), google/crfs
 * stargz, containers/storage pkg/chunked/internal/minimal (FileMetadata).
 *
 * Decisions:
 * - Validated, not trusted: the JSON comes from the network. Anything that is not the documented
 *   shape (wrong types, negative or unsafe numbers, offsets outside the blob's data, a `chunk` with
 *   no file before it, an unparseable `modtime`) makes the whole TOC unusable; the caller then
 *   waits for the tar pass. A TOC that is well-formed but lies is found later, by comparing it with
 *   the tar (compare.ts).
 * - `modtime` is RFC 3339. eStargz writes whole seconds in UTC (`formatModtime` rounds); Go's
 *   `time.Time` in zstd:chunked writes nanoseconds and a zone offset. Both are read to seconds since
 *   the epoch (fractions kept, as the tar pass keeps PAX fractions). Absent or empty means 0.
 * - `chunkSize` 0 (or absent) on the last piece of a file means "to the end of the file", as
 *   estargz's reader fills it in. A file whose pieces do not tile its size exactly keeps its
 *   listing but loses its content plan (a note says so): its bytes are then read from the tar.
 * - zstd:chunked entries carry `endOffset` (where the file's last frame ends); eStargz entries do
 *   not, so the end of a file's compressed bytes is the next larger data offset, or the TOC's own
 *   offset for the last file (the TOC member starts there).
 */

export type TocFormat = 'estargz' | 'zstd:chunked';

/** The entry types the TOC formats define (tar typeflags 0, 5, 2, 1, 3, 4, 6). */
export const TOC_TYPES = ['reg', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo'] as const;
export type TocEntryType = (typeof TOC_TYPES)[number];

/** One piece of a regular file's content, in the blob. */
export interface TocChunk {
  /** Compressed offset of the gzip member / zstd frame holding this piece. */
  readonly offset: number;
  /** Uncompressed offset of the piece inside what starts at `offset` (eStargz `innerOffset`). */
  readonly innerOffset: number;
  /** Offset of the piece in the file. */
  readonly chunkOffset: number;
  readonly chunkSize: number;
  /** `sha256:…` of the piece, when the TOC gives one. */
  readonly digest?: string;
}

/** A TOC entry as listed (chunks folded into their file). */
export interface TocEntry {
  /** The name as written (the tar header's name); normalised later, as the tar pass does. */
  readonly name: string;
  readonly type: TocEntryType;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch, fractional when the TOC says so; 0 when absent. */
  readonly mtime: number;
  readonly linkName: string;
  /** `sha256:…` of the whole file, when given. */
  readonly digest?: string;
  /** Pieces of a regular file with content, in file order; empty otherwise. */
  readonly chunks: readonly TocChunk[];
  /** Compressed offset where the file's content ends (zstd:chunked `endOffset`), when known. */
  readonly endOffset?: number;
}

export interface ParsedToc {
  readonly entries: readonly TocEntry[];
  /** Files whose listing is kept but whose content plan was dropped, with why. */
  readonly notes: readonly string[];
}

export class TocFormatError extends Error {
  override readonly name = 'TocFormatError';
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(where: string, what: string): never {
  throw new TocFormatError(`${where}: ${what}`);
}

/** A non-negative safe integer field; absent (or null) is 0, as Go's omitempty writes zeros. */
function natural(e: Json, key: string, where: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = e[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
    bad(where, `'${key}' is ${JSON.stringify(v)?.slice(0, 40)}, not a whole number 0..${max}`);
  return v;
}

function text(e: Json, key: string, where: string): string {
  const v = e[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(where, `'${key}' is not a string`);
  return v;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 date-time → seconds since the epoch (fraction kept); undefined when malformed. */
export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m as unknown as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return undefined;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offset = sign * (Number(zone!.slice(1, 3)) * 3600 + Number(zone!.slice(4, 6)) * 60);
  }
  return ms / 1000 - offset + (frac ? Number(`0${frac}`) : 0);
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function digestField(e: Json, key: string, where: string): string | undefined {
  const v = text(e, key, where);
  if (v === '') return undefined;
  if (!DIGEST.test(v)) bad(where, `'${key}' is not a sha256 digest`);
  return v;
}

interface Building {
  entry: Omit<TocEntry, 'chunks'> & { chunks: TocChunk[] };
  index: number;
}

/**
 * Validates and folds a parsed TOC document. `dataEnd`: where the blob's data ends (the TOC's
 * own offset); every content offset must lie before it.
 */
export function parseTocDocument(doc: unknown, dataEnd: number): ParsedToc {
  if (!isObject(doc)) bad('the TOC', 'is not a JSON object');
  if (doc.version !== 1) bad('the TOC', `has version ${JSON.stringify(doc.version)?.slice(0, 20)}, not 1`);
  const list = doc.entries;
  if (!Array.isArray(list)) bad('the TOC', "has no 'entries' array");
  const entries: TocEntry[] = [];
  const notes: string[] = [];
  let file: Building | undefined;
  const close = (): void => {
    if (file) {
      const note = chunkProblem(file.entry);
      if (note) {
        notes.push(`${file.entry.name}: ${note}; its content will be read from the tar`);
        file.entry.chunks = [];
      }
      entries[file.index] = file.entry;
    }
    file = undefined;
  };
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    const where = `TOC entry ${i}`;
    if (!isObject(e)) bad(where, 'is not an object');
    const type = text(e, 'type', where);
    const offset = natural(e, 'offset', where);
    if (offset >= dataEnd && offset !== 0) bad(where, `offset ${offset} is past the layer's data (which ends at ${dataEnd})`);
    const innerOffset = natural(e, 'innerOffset', where);
    const chunkOffset = natural(e, 'chunkOffset', where);
    const chunkSize = natural(e, 'chunkSize', where);
    const chunkDigest = digestField(e, 'chunkDigest', where);
    if (type === 'chunk') {
      if (!file) bad(where, "is a 'chunk' with no regular file before it");
      if (offset === 0) bad(where, "is a 'chunk' without an offset");
      file.entry.chunks.push({ offset, innerOffset, chunkOffset, chunkSize, ...(chunkDigest ? { digest: chunkDigest } : {}) });
      continue;
    }
    close();
    if (!(TOC_TYPES as readonly string[]).includes(type)) bad(where, `has type '${type.slice(0, 20)}', which neither format defines`);
    const name = text(e, 'name', where);
    if (name === '') bad(where, 'has no name');
    const modtime = text(e, 'modtime', where);
    const mtime = modtime === '' ? 0 : parseRfc3339(modtime);
    if (mtime === undefined) bad(where, `'modtime' ${JSON.stringify(modtime.slice(0, 40))} is not an RFC 3339 time`);
    const size = natural(e, 'size', where);
    const endOffset = natural(e, 'endOffset', where);
    if (endOffset > dataEnd) bad(where, `endOffset ${endOffset} is past the layer's data (which ends at ${dataEnd})`);
    const digest = digestField(e, 'digest', where);
    const entry = {
      name,
      type: type as TocEntryType,
      size,
      mode: natural(e, 'mode', where),
      uid: natural(e, 'uid', where, 0xffffffff),
      gid: natural(e, 'gid', where, 0xffffffff),
      mtime,
      linkName: text(e, 'linkName', where),
      ...(digest ? { digest } : {}),
      ...(endOffset > 0 ? { endOffset } : {}),
      chunks: [] as TocChunk[],
    };
    if (type === 'reg' && size > 0) {
      if (offset === 0) bad(where, 'is a regular file with content but no offset');
      entry.chunks.push({ offset, innerOffset, chunkOffset, chunkSize, ...(chunkDigest ? { digest: chunkDigest } : {}) });
      file = { entry, index: entries.length };
      entries.push(entry);
    } else {
      entries.push(entry);
    }
  }
  close();
  return { entries, notes };
}

/** Why a file's pieces cannot serve its content, or undefined when they tile it. */
function chunkProblem(entry: { size: number; chunks: TocChunk[] }): string | undefined {
  let at = 0;
  const chunks = entry.chunks;
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k]!;
    if (c.chunkOffset !== at) return `piece ${k} starts at byte ${c.chunkOffset} of the file, not ${at}`;
    const size = c.chunkSize === 0 ? entry.size - c.chunkOffset : c.chunkSize;
    if (size <= 0 || c.chunkOffset + size > entry.size) return `piece ${k} (${size} bytes at ${c.chunkOffset}) does not fit the file's ${entry.size} bytes`;
    if (c.chunkSize === 0) chunks[k] = { ...c, chunkSize: size };
    if (k > 0 && c.offset < chunks[k - 1]!.offset) return `piece ${k} lies before piece ${k - 1} in the blob`;
    at += size;
  }
  return at === entry.size ? undefined : `its pieces cover ${at} of its ${entry.size} bytes`;
}

/** Parses TOC JSON bytes. Throws TocFormatError when they are not a valid TOC. */
export function parseTocJson(bytes: Uint8Array, dataEnd: number): ParsedToc {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new TocFormatError(`the TOC is not JSON (${e instanceof Error ? e.message.slice(0, 120) : String(e)})`);
  }
  return parseTocDocument(doc, dataEnd);
}
