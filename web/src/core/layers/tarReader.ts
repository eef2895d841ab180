/**
 * A streaming tar reader that reads a tar exactly as Go's archive/tar `Reader.Next` does
 * (containerd, Docker and BuildKit unpack layers with it), fed bytes as they arrive. It yields
 * one TarEntry per entry to a TarHandler, with the header as archive/tar's Header would hold it
 * (raw name bytes; it knows nothing of whiteouts). Content is skipped by arithmetic unless the
 * handler asks for it: then it is handed to a ContentSink as views of the input (no copies),
 * sparse files expanded to their real content.
 *
 * End of the stream, as Go reads it (reader_test.go TestReadTruncation):
 * - two zero blocks end the archive; whatever follows is not read;
 * - a zero block followed by a non-zero block is an error (ErrHeader); followed by the end of
 *   the stream it is a complete archive;
 * - the stream may end at any block boundary between entries, inside the padding after an
 *   entry's content, or after an extended header: complete (Go returns io.EOF). These, and an
 *   empty stream, are warnings here (`end-of-archive`, `empty-archive`, `dangling-header`);
 * - the stream ending inside a header, an extended header's data, a sparse map or an entry's
 *   content is an error (io.ErrUnexpectedEOF).
 * A PAX global header is parsed (a malformed one is an error, as in Go) and then ignored, as
 * containerd and Docker ignore it: it is no entry, and it drops the extended headers before it
 * (Go hands it out as a header of its own, which ends what was pending). A sparse entry whose
 * map references more or less data than the archive stores is an error after the entry
 * (errMissData, errUnrefData: containerd fails on it when it copies the content).
 *
 * The reader hands out entries and takes content sinks through the interfaces of tarEntry.ts.
 *
 * Deliberate differences from Go's Reader (none accepts what Go refuses, or refuses what it accepts,
 * except the sparse check):
 * - The sparse data check (errMissData, errUnrefData) is made for every sparse entry, not only
 *   when its content is read: containerd copies every regular file, so it would fail there.
 * - Limits are those of current Go (1 MiB of sparse map, 2^20 sparse entries), which containerd
 *   is built with, rather than Go 1.19's (no limit on sparse maps).
 * - PAX global headers are not handed out (Go returns them as headers; containerd skips them).
 * Values the index cannot hold are stored as the runtime would use them (tar.ts): uid and gid
 * modulo 2^32, a negative size of a link or directory as 0. Numbers beyond 2^53 are approximate.
 */
import type { ContentSink, TarEntry, TarHandler } from './tarEntry';
import {
  BLOCK,
  HeaderDecoder,
  MAX_SPECIAL_FILE_SIZE,
  PendingExtensions,
  TarFormatError,
  Type,
  Format,
  cstring,
  isHeaderOnlyType,
  newRawHeader,
  parsePaxRecords,
} from './tarHeader';
import {
  SparseExpander,
  SparseMap1x0Reader,
  emptySparseMap,
  paxSparseSize,
  paxSparseVersion,
  readOldGnuEntries,
  readPaxSparseMap0x,
  sparseDataBytes,
  validSparseMap,
  type SparseTarget,
} from './tarSparse';
import { parseNumeric } from './tarNumbers';

const ST_HEADER = 0;
const ST_SPECIAL = 1;
const ST_SPARSE_EXT = 2;
const ST_MAP10 = 3;
const ST_CONTENT = 4;
const ST_PAD = 5;
const ST_ZERO1 = 6;
const ST_END = 7;
const ST_FAILED = 8;

const ZEROS = new Uint8Array(64 * 1024);

function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

export class TarReader {
  /** Bytes consumed so far. */
  offset = 0;
  /** Set at the first failure; later input is ignored. */
  error: TarFormatError | undefined;

  private state = ST_HEADER;
  private readonly blk = new Uint8Array(BLOCK);
  private blkFill = 0;
  private remaining = 0;
  private readonly decoder = new HeaderDecoder();
  private readonly raw = newRawHeader();
  private readonly ext = new PendingExtensions();
  private readonly e: TarEntry = {
    typeflag: 0,
    name: new Uint8Array(0),
    linkname: new Uint8Array(0),
    size: 0,
    uid: 0,
    gid: 0,
    mtime: 0,
    mode: 0,
    headerOffset: 0,
    dataOffset: 0,
    storedSize: 0,
    sparse: undefined,
  };
  /** The special header (x, g, L, K) whose data is being read. */
  private special = 0;
  private specialAt = 0;
  private specialBuf = new Uint8Array(1024);
  private specialFill = 0;
  private specialSize = 0;
  private map10: SparseMap1x0Reader | undefined;
  /** Old-GNU sparse extension blocks read for the current entry. */
  private extBlocks = 0;
  private sink: ContentSink | undefined;
  private expander: SparseExpander | undefined;
  private target: SparseTarget | undefined;
  /** A sparse size mismatch to report once the entry is handed out. */
  private sparseMismatch: string | undefined;
  /** True while an entry's content is being read (for messages). */
  private inEntry = false;

  constructor(private readonly handler: TarHandler) {}

  /** True once the end-of-archive marker (two zero blocks) was read. */
  get ended(): boolean {
    return this.state === ST_END;
  }

  /** Feeds the next bytes. Never throws: a failure sets `error` and later input is ignored. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    try {
      while (i < n) {
        switch (this.state) {
          case ST_CONTENT: {
            const k = Math.min(this.remaining, n - i);
            if (this.sink) this.deliver(chunk.subarray(i, i + k));
            i += k;
            this.offset += k;
            this.remaining -= k;
            if (this.remaining === 0) this.contentDone();
            break;
          }
          case ST_PAD: {
            const k = Math.min(this.remaining, n - i);
            i += k;
            this.offset += k;
            this.remaining -= k;
            if (this.remaining === 0) this.state = ST_HEADER;
            break;
          }
          case ST_SPECIAL: {
            const k = Math.min(this.specialSize - this.specialFill, n - i);
            this.specialBuf.set(chunk.subarray(i, i + k), this.specialFill);
            this.specialFill += k;
            i += k;
            this.offset += k;
            if (this.specialFill === this.specialSize) this.specialDone();
            break;
          }
          case ST_HEADER:
          case ST_SPARSE_EXT:
          case ST_MAP10:
          case ST_ZERO1: {
            if (this.blkFill === 0 && n - i >= BLOCK) {
              const at = this.offset;
              this.offset += BLOCK;
              i += BLOCK;
              this.block(chunk, i - BLOCK, at);
            } else {
              const k = Math.min(BLOCK - this.blkFill, n - i);
              this.blk.set(chunk.subarray(i, i + k), this.blkFill);
              this.blkFill += k;
              this.offset += k;
              i += k;
              if (this.blkFill === BLOCK) {
                this.blkFill = 0;
                this.block(this.blk, 0, this.offset - BLOCK);
              }
            }
            break;
          }
          default:
            // ST_END: what follows the end-of-archive marker is not read. ST_FAILED: nothing more is.
            this.offset += n - i;
            return;
        }
      }
    } catch (err) {
      this.fail(err instanceof TarFormatError ? err : new TarFormatError(`internal error: ${String(err)}`, this.offset));
    }
  }

  /** Call at the end of the stream: decides whether it ended where Go's reader allows. */
  finish(): void {
    const s = this.state;
    if (s === ST_END || s === ST_FAILED) return;
    const at = this.offset - this.blkFill;
    const dangling = (): void => {
      if (this.ext.pending)
        this.handler.warn('dangling-header', 'an extended header at the end of the tar describes no entry; it is ignored', this.ext.firstOffset);
    };
    if ((s === ST_HEADER || s === ST_ZERO1) && this.blkFill > 0) {
      this.fail(new TarFormatError(`the stream ends inside a header block (${this.blkFill} of 512 bytes)`, at));
    } else if (s === ST_HEADER && this.offset === 0) {
      this.handler.warn('empty-archive', 'the layer is an empty tar (no entries, no end-of-archive marker)', 0);
      this.state = ST_END;
    } else if (s === ST_HEADER || s === ST_PAD) {
      dangling();
      const where = s === ST_PAD ? 'inside the padding after the last entry' : 'after the last entry';
      this.handler.warn(
        'end-of-archive',
        `the tar ends ${where}, without the two zero blocks that end an archive (read as complete, as Go's archive/tar does)`,
        this.offset,
      );
      this.state = ST_END;
    } else if (s === ST_ZERO1) {
      dangling();
      this.handler.warn('end-of-archive', 'the tar ends after one zero block instead of two (read as complete, as Go does)', this.offset);
      this.state = ST_END;
    } else if (s === ST_SPECIAL) {
      this.fail(new TarFormatError(`the stream ends inside an extended header (${this.specialFill} of ${this.specialSize} bytes)`, this.offset));
    } else if (s === ST_SPARSE_EXT || s === ST_MAP10) {
      this.fail(new TarFormatError('the stream ends inside the sparse map of a GNU sparse file', at));
    } else {
      const name = this.inEntry ? ` of '${this.handler.lastEntryName()}'` : '';
      this.fail(new TarFormatError(`the stream ends inside the content${name} (${this.remaining} bytes missing)`, this.offset));
    }
  }

  private fail(err: TarFormatError): void {
    this.state = ST_FAILED;
    this.error = err;
    this.closeSink(false);
  }

  private block(b: Uint8Array, o: number, at: number): void {
    switch (this.state) {
      case ST_HEADER:
        return this.header(b, o, at);
      case ST_ZERO1:
        for (let k = o; k < o + BLOCK; k++) {
          if (b[k] !== 0) throw new TarFormatError('a zero block is followed by a non-zero block (a broken end-of-archive marker)', at - BLOCK);
        }
        this.state = ST_END;
        if (this.ext.pending)
          this.handler.warn('dangling-header', 'an extended header before the end-of-archive marker describes no entry; it is ignored', this.ext.firstOffset);
        return;
      case ST_SPARSE_EXT:
        // Newer Go stops at 1 MiB of sparse map (97 bytes in the header, 512 per extension block).
        if (97 + BLOCK * ++this.extBlocks >= MAX_SPECIAL_FILE_SIZE) throw new TarFormatError('the GNU sparse map is larger than 1 MiB', this.e.headerOffset);
        readOldGnuEntries(b, o, 21, this.e.sparse!, this.e.headerOffset);
        this.e.dataOffset = at + BLOCK;
        if (b[o + 504] === 0) this.emit();
        return;
      default: {
        // ST_MAP10: a block of the PAX 1.0 sparse map, taken from the entry's stored data.
        this.remaining -= BLOCK;
        this.e.dataOffset = at + BLOCK;
        if (this.map10!.push(b, o)) {
          const map = this.map10!.map();
          this.map10 = undefined;
          this.e.sparse = map;
          this.e.storedSize = this.remaining;
          this.emit();
        } else if (this.remaining < BLOCK) {
          throw new TarFormatError("the GNU sparse 1.0 map runs past the entry's data", this.e.headerOffset);
        }
      }
    }
  }

  private header(b: Uint8Array, o: number, at: number): void {
    const h = this.raw;
    if (!this.decoder.decode(b, o, at, h)) {
      this.state = ST_ZERO1;
      return;
    }
    const t = h.typeflag;
    if (h.size < 0 && !isHeaderOnlyType(t)) throw new TarFormatError(`invalid tar header: negative size ${h.size}`, at);
    if (t === Type.XHeader || t === Type.XGlobalHeader || t === Type.GNULongName || t === Type.GNULongLink) {
      if (h.size > MAX_SPECIAL_FILE_SIZE) {
        throw new TarFormatError(`an extended header of ${h.size} bytes is larger than ${MAX_SPECIAL_FILE_SIZE} (Go: ErrFieldTooLong)`, at);
      }
      this.ext.note(at);
      this.special = t;
      this.specialAt = at;
      this.specialSize = h.size;
      this.specialFill = 0;
      if (this.specialBuf.length < h.size) this.specialBuf = new Uint8Array(Math.max(h.size, this.specialBuf.length * 2));
      if (h.size === 0) this.specialDone();
      else this.state = ST_SPECIAL;
      return;
    }

    const e = this.e;
    e.headerOffset = this.ext.pending ? this.ext.firstOffset : at;
    this.ext.merge(h, at, e);
    e.mode = h.mode;
    const headerOnly = isHeaderOnlyType(e.typeflag);
    const stored = headerOnly ? 0 : e.size;
    if (stored < 0) throw new TarFormatError(`invalid tar header: negative size ${stored}`, at);
    e.storedSize = stored;
    e.dataOffset = at + BLOCK;
    e.sparse = undefined;
    this.remaining = stored;

    if (e.typeflag === Type.GNUSparse) {
      if (h.format !== Format.GNU) throw new TarFormatError("invalid tar header: a GNU sparse entry ('S') without the GNU magic", at);
      const real = parseNumeric(b, o + 483, 12);
      if (Number.isNaN(real)) throw new TarFormatError("invalid tar header: the GNU sparse 'realsize' field is not a number", at);
      e.size = real;
      e.sparse = emptySparseMap();
      readOldGnuEntries(b, o + 386, 4, e.sparse, at);
      this.ext.clear();
      this.extBlocks = 0;
      if (b[o + 482] !== 0) this.defer(ST_SPARSE_EXT);
      else this.emit();
      return;
    }
    const version = paxSparseVersion(this.ext.pax);
    if (version !== undefined) {
      const x = this.ext.pax!;
      if (x.sparseName !== undefined && x.sparseName.length > 0) e.name = x.sparseName;
      const size = paxSparseSize(x, at);
      if (size !== undefined) e.size = size;
      if (version === '0.x') {
        e.sparse = readPaxSparseMap0x(x, at);
      } else {
        if (this.remaining < BLOCK) throw new TarFormatError("the GNU sparse 1.0 map runs past the entry's data", at);
        this.map10 = new SparseMap1x0Reader(at);
        this.ext.clear();
        this.defer(ST_MAP10);
        return;
      }
    }
    this.ext.clear();
    this.emit();
  }

  /**
   * The entry is handed out only after more blocks (its sparse map): its names may be views of a
   * block or a chunk that is gone by then, so they are copied.
   */
  private defer(state: number): void {
    this.e.name = this.e.name.slice();
    this.e.linkname = this.e.linkname.slice();
    this.state = state;
  }

  /** The data of an extended header is complete. */
  private specialDone(): void {
    const data = this.specialBuf.subarray(0, this.specialSize);
    const at = this.specialAt;
    switch (this.special) {
      case Type.XHeader:
        this.ext.pax = parsePaxRecords(data, at);
        break;
      case Type.XGlobalHeader: {
        const records = parsePaxRecords(data, at);
        // Go hands the global header out on its own, which ends whatever was pending before it.
        this.ext.clear();
        this.handler.warn(
          'global-header',
          `a PAX global header (${records.count} record${records.count === 1 ? '' : 's'}) is ignored, as containerd and Docker ignore it`,
          at,
        );
        break;
      }
      case Type.GNULongName:
        this.ext.longName = cstring(data, 0, data.length).slice();
        break;
      default:
        this.ext.longLink = cstring(data, 0, data.length).slice();
    }
    this.remaining = padding(this.specialSize);
    this.state = this.remaining > 0 ? ST_PAD : ST_HEADER;
  }

  /** Hands the entry out, then reads (or skips) its content. */
  private emit(): void {
    const e = this.e;
    this.sparseMismatch = undefined;
    if (e.sparse) {
      if (isHeaderOnlyType(e.typeflag)) throw new TarFormatError('invalid tar header: a link, directory or device cannot be sparse', e.headerOffset);
      if (!validSparseMap(e.sparse, e.size))
        throw new TarFormatError('invalid GNU sparse map: entries out of order, overlapping or past the real size', e.headerOffset);
      const referenced = sparseDataBytes(e.sparse);
      if (referenced !== e.storedSize) {
        this.sparseMismatch =
          referenced > e.storedSize
            ? `the sparse map references ${referenced} bytes of data but the archive stores ${e.storedSize} (Go: errMissData)`
            : `the archive stores ${e.storedSize} bytes of data but the sparse map references only ${referenced} (Go: errUnrefData)`;
      }
    }
    this.remaining = e.storedSize;
    this.inEntry = true;
    this.sink = this.handler.entry(e);
    if (this.sink && e.sparse) {
      this.expander = new SparseExpander(e.sparse, e.size);
      const sink = this.sink;
      this.target = { data: (bytes) => sink.data(bytes), hole: sink.hole ? (length) => sink.hole!(length) : (length) => zeros(sink, length) };
    }
    if (this.sparseMismatch !== undefined) throw new TarFormatError(`'${new TextDecoder().decode(e.name)}': ${this.sparseMismatch}`, e.dataOffset);
    if (this.remaining > 0) this.state = ST_CONTENT;
    else this.contentDone();
  }

  private deliver(bytes: Uint8Array): void {
    if (this.expander) this.expander.push(bytes, this.target!);
    else this.sink!.data(bytes);
  }

  private contentDone(): void {
    this.closeSink(true);
    this.inEntry = false;
    this.remaining = padding(this.e.storedSize);
    this.state = this.remaining > 0 ? ST_PAD : ST_HEADER;
  }

  private closeSink(complete: boolean): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = undefined;
    if (complete && this.expander) this.expander.finish(this.target!);
    this.expander = undefined;
    this.target = undefined;
    sink.end(complete);
  }
}

function zeros(sink: ContentSink, length: number): void {
  while (length > 0) {
    const k = Math.min(length, ZEROS.length);
    sink.data(ZEROS.subarray(0, k));
    length -= k;
  }
}
