/**
 * Streaming zstd. Two decoders behind one frame scanner:
 * - `WasmZstdDecoder`, the one the engine uses: the reference decoder (libzstd) in WebAssembly
 *   (see zstdWasm.ts), about 4× fzstd on real layers (numbers in e2e/bench/README.md). It
 *   verifies the optional XXH64 content checksum. Its errors are reported at the start of the
 *   unit (frame header, block, checksum) they were found in: input is fed to it cut at the
 *   unit boundaries the scanner finds, and libzstd decodes a unit only once it has all of it.
 * - `ZstdDecoder`, fzstd's `Decompress` (pure JavaScript), the fallback where WebAssembly cannot
 *   be instantiated. It skips the checksum; its errors are reported at the offset where the data
 *   it was given at that point began.
 * Both continue across frames and skippable frames, as zstd:chunked layers need. The frame
 * scanner walks the frame and block headers (a few bytes each, content skipped by arithmetic)
 * so that:
 * - a corrupt header cannot make a decoder allocate a window of up to 2 GiB: windows above
 *   128 MiB are refused, as the reference decoder does by default (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27);
 * - frames needing a dictionary are refused instead of decoding to garbage;
 * - bytes that are not a frame, and a stream that ends mid-frame, are reported with their
 *   exact compressed offset.
 */
import { concatBytes } from './chunks';
import { Decompress } from 'fzstd';
import { layerError, type LayerError } from './errors';
import type { Decoder } from './decoder';
import { ZstdWasmStream } from './zstdWasm';

export const ZSTD_MAX_WINDOW = 2 ** 27;
const MAX_BLOCK = 128 * 1024;

const S_MAGIC = 0;
const S_FHD = 1;
const S_FRAME_HEADER = 2;
const S_BLOCK_HEADER = 3;
const S_SKIP = 4;
const S_SKIPPABLE_SIZE = 5;
/** The first bytes of a compressed block, looked at before the block goes to the decoder. */
const S_BLOCK_PEEK = 6;
/** Enough for a literals section header, a Huffman header byte and a weights FSE table description. */
const PEEK_BYTES = 64;
/** The 4-byte XXH64 content checksum after a frame's last block. */
const S_CHECKSUM = 7;

const ZSTD_MAGIC = 0xfd2fb528;

/** Reads `n` (≤ 24) bits little-endian from bit position `bit`; bits past `end` bytes read as 0. */
function readBits(b: Uint8Array, end: number, bit: number, n: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const at = (bit >> 3) + k;
    v |= (at < end ? (b[at] as number) : 0) << (8 * k);
  }
  return (v >>> (bit & 7)) & ((1 << n) - 1);
}

/**
 * A compressed block whose literals use FSE-compressed Huffman weights (RFC 8878 §4.2.1.1) with
 * a weights table where one symbol holds every state. Every state then reads 0 bits, and fzstd's
 * weight-decoding loop never advances: it spins forever instead of failing. The reference decoder
 * rejects such data; so does the scanner in front of fzstd. Returns the error, or undefined.
 */
export function corruptHuffmanWeights(b: Uint8Array, length: number): string | undefined {
  const b0 = b[0] as number;
  if ((b0 & 3) !== 2) return undefined; // only Compressed_Literals_Block carries a tree description
  const sizeFormat = (b0 >> 2) & 3;
  const headerBytes = sizeFormat <= 1 ? 3 : sizeFormat === 2 ? 4 : 5;
  if (length <= headerBytes + 1) return undefined;
  const huffmanHeader = b[headerBytes] as number;
  if (huffmanHeader >= 128) return undefined; // weights stored directly, no FSE table
  // The FSE table description (normalized counts, RFC 8878 §4.1.1) starts after the header byte.
  let bit = (headerBytes + 1) * 8;
  const accuracyLog = readBits(b, length, bit, 4) + 5;
  bit += 4;
  if (accuracyLog > 6) return undefined; // the decoder refuses this itself
  const tableSize = 1 << accuracyLog;
  let remaining = tableSize + 1;
  let symbol = 0;
  while (remaining > 1 && symbol < 256 && bit < length * 8) {
    const bits = 31 - Math.clz32(remaining); // the value takes `bits` or `bits + 1` bits
    const threshold = 1 << bits;
    const max = 2 * threshold - 1 - remaining;
    let value = readBits(b, length, bit, bits);
    if (value < max) {
      bit += bits;
    } else {
      value = readBits(b, length, bit, bits + 1);
      if (value >= threshold) value -= max;
      bit += bits + 1;
    }
    const count = value - 1;
    if (count === tableSize) return 'corrupt zstd data: a Huffman weights table gives every state to one symbol';
    remaining -= count < 0 ? -count : count;
    symbol++;
    if (count === 0) {
      let repeat: number;
      do {
        repeat = readBits(b, length, bit, 2);
        bit += 2;
        symbol += repeat;
      } while (repeat === 3 && symbol < 256);
    }
  }
  return undefined;
}

/** Validates the frame structure of a zstd stream without decoding it. */
export class ZstdFrameScanner {
  private state = S_MAGIC;
  private readonly buf = new Uint8Array(PEEK_BYTES);
  /** After a block peek: the rest of the block to skip, and the state that follows it. */
  private peekRest = 0;
  private peekNext = S_MAGIC;
  private fill = 0;
  private need = 4;
  private skip = 0;
  private afterSkip = S_MAGIC;
  private singleSegment = false;
  private checksum = false;
  private unitStart = 0;
  private frameStart = 0;
  /** Bytes scanned by earlier calls. */
  private consumed = 0;
  frames = 0;
  /** Counts the ends of frame headers, blocks, checksums and frames seen so far. */
  boundaries = 0;
  /**
   * When set, the compressed offset of each unit start found while scanning is appended: the
   * start of every frame or skippable frame, block (its header) and checksum. The caller empties it.
   */
  unitStarts: number[] | undefined;
  /** Where scanning is in the current chunk, for unitStarts. */
  private cursor = 0;
  private readonly checkHuffmanWeights: boolean;

  /** `checkHuffmanWeights`: look at each compressed block for weights that would hang fzstd (default true). */
  constructor(options: { checkHuffmanWeights?: boolean } = {}) {
    this.checkHuffmanWeights = options.checkHuffmanWeights ?? true;
  }

  /** Scans `chunk`; returns an error (with `at`, the index in the chunk where it starts) or undefined. */
  scan(chunk: Uint8Array): { message: string; at: number; offset: number } | undefined {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === S_SKIP) {
        const k = Math.min(this.skip, n - i);
        i += k;
        this.skip -= k;
        this.cursor = i;
        if (this.skip === 0) this.enter(this.afterSkip);
        continue;
      }
      if (this.fill === 0) this.unitStart = this.consumed + i;
      const k = Math.min(this.need - this.fill, n - i);
      this.buf.set(chunk.subarray(i, i + k), this.fill);
      this.fill += k;
      i += k;
      if (this.fill < this.need) break;
      this.cursor = i;
      const message = this.unit();
      if (message !== undefined) {
        const at = Math.max(0, this.unitStart - this.consumed);
        return { message, at, offset: this.unitStart };
      }
    }
    this.consumed += n;
    return undefined;
  }

  /**
   * When the input so far ends inside a header (magic, frame header, block header, checksum):
   * the compressed offset where that header began. Undefined otherwise.
   */
  get partialFrom(): number | undefined {
    return this.state !== S_SKIP && this.fill > 0 ? this.unitStart : undefined;
  }

  /** At the end of input: an error unless the stream ended between frames. */
  end(): { message: string; offset: number } | undefined {
    if (this.state === S_MAGIC && this.fill === 0 && this.frames > 0) return undefined;
    if (this.frames === 0 && this.state === S_MAGIC && this.fill === 0) {
      return { message: 'no zstd frame in the stream', offset: this.consumed };
    }
    return { message: 'unexpected end of zstd stream (truncated)', offset: this.consumed };
  }

  private enter(state: number): void {
    if (state === S_BLOCK_HEADER || state === S_MAGIC || state === S_CHECKSUM) {
      this.boundaries++;
      this.unitStarts?.push(this.consumed + this.cursor);
    }
    this.state = state;
    this.fill = 0;
    this.need = state === S_MAGIC || state === S_SKIPPABLE_SIZE || state === S_CHECKSUM ? 4 : state === S_FHD ? 1 : state === S_BLOCK_HEADER ? 3 : this.need;
  }

  private skipThen(bytes: number, next: number): void {
    if (bytes === 0) {
      this.enter(next);
      return;
    }
    this.state = S_SKIP;
    this.skip = bytes;
    this.afterSkip = next;
    this.fill = 0;
  }

  /** Handles one complete header unit in `buf`. Returns an error message or undefined. */
  private unit(): string | undefined {
    const b = this.buf;
    switch (this.state) {
      case S_MAGIC: {
        const m = ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
        this.frameStart = this.unitStart;
        if (m === ZSTD_MAGIC) this.enter(S_FHD);
        else if ((m & 0xfffffff0) >>> 0 === 0x184d2a50) this.enter(S_SKIPPABLE_SIZE);
        else return `not a zstd frame: magic 0x${m.toString(16).padStart(8, '0')}`;
        return undefined;
      }
      case S_SKIPPABLE_SIZE: {
        const size = ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
        this.skipThen(size, S_MAGIC);
        return undefined;
      }
      case S_FHD: {
        const fhd = b[0] as number;
        if (fhd & 0x08) return 'zstd frame header has its reserved bit set';
        this.singleSegment = ((fhd >> 5) & 1) === 1;
        this.checksum = ((fhd >> 2) & 1) === 1;
        const dictBytes = [0, 1, 2, 4][fhd & 3] as number;
        const fcsFlag = fhd >> 6;
        const fcsBytes = fcsFlag === 0 ? (this.singleSegment ? 1 : 0) : ([1, 2, 4, 8][fcsFlag] as number);
        // Keep the descriptor byte for the frame-header step.
        b[15] = fhd;
        const rest = (this.singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        this.state = S_FRAME_HEADER;
        this.fill = 0;
        this.need = rest;
        if (rest === 0) return this.frameHeader();
        return undefined;
      }
      case S_FRAME_HEADER:
        return this.frameHeader();
      case S_BLOCK_HEADER: {
        const v = (b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16);
        const last = (v & 1) === 1;
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3) return 'zstd block with reserved type 3';
        if (size > MAX_BLOCK) return `zstd block of ${size} bytes exceeds the 128 KiB maximum`;
        const rest = type === 1 ? 1 : size; // RLE blocks store one byte
        // then (last block with a checksum) the 4-byte checksum, then what follows
        const next = last ? (this.checksum ? S_CHECKSUM : S_MAGIC) : S_BLOCK_HEADER;
        if (last) this.frames++;
        if (type === 2 && size > 0 && this.checkHuffmanWeights) {
          // A compressed block: look at its start before the decoder sees it (see corruptHuffmanWeights).
          const peek = Math.min(size, PEEK_BYTES);
          this.peekRest = rest - peek;
          this.peekNext = next;
          this.state = S_BLOCK_PEEK;
          this.fill = 0;
          this.need = peek;
          return undefined;
        }
        this.skipThen(rest, next);
        return undefined;
      }
      case S_BLOCK_PEEK: {
        const problem = corruptHuffmanWeights(b, this.need);
        if (problem !== undefined) return problem;
        this.skipThen(this.peekRest, this.peekNext);
        return undefined;
      }
      case S_CHECKSUM:
        this.enter(S_MAGIC);
        return undefined;
    }
    return undefined;
  }

  private frameHeader(): string | undefined {
    const b = this.buf;
    const fhd = b[15] as number;
    const dictBytes = [0, 1, 2, 4][fhd & 3] as number;
    const fcsFlag = fhd >> 6;
    let p = 0;
    let window = 0;
    if (!this.singleSegment) {
      const wd = b[p++] as number;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    let dictId = 0;
    for (let k = 0; k < dictBytes; k++) dictId += (b[p++] as number) * 2 ** (8 * k);
    const fcsBytes = fcsFlag === 0 ? (this.singleSegment ? 1 : 0) : ([1, 2, 4, 8][fcsFlag] as number);
    let fcs = 0;
    for (let k = 0; k < fcsBytes; k++) fcs += (b[p++] as number) * 2 ** (8 * k);
    if (fcsBytes === 2) fcs += 256;
    if (this.singleSegment) window = fcs;
    // Reported at the frame's start: the header as a whole is what is unsupported.
    this.unitStart = this.frameStart;
    if (dictId !== 0) return `zstd frame needs dictionary ${dictId}, which is not supported`;
    if (window > ZSTD_MAX_WINDOW) return `zstd frame window of ${window} bytes exceeds the ${ZSTD_MAX_WINDOW}-byte limit`;
    this.enter(S_BLOCK_HEADER);
    return undefined;
  }
}

/**
 * libzstd in WebAssembly behind the frame scanner. Memory: one window (≤ 128 MiB, as the frame
 * says; 8 MiB for skopeo's and the zstd CLI's defaults) and two 128 KiB buffers, whatever the
 * layer's size. Create with `WasmZstdDecoder.create`, which is undefined without WebAssembly.
 */
export class WasmZstdDecoder implements Decoder {
  private readonly scanner = new ZstdFrameScanner({ checkHuffmanWeights: false });
  private readonly starts: number[] = [];
  /** Compressed bytes pushed so far. */
  private consumed = 0;
  /** Compressed bytes given to libzstd so far. */
  private fed = 0;
  /**
   * The bytes from `fed` to `consumed`: the start of a header the scanner has not seen whole yet
   * (at most a frame header). libzstd gets a header only once the scanner has accepted it, so that
   * which of the two reports a bad header, and where, does not depend on how the input was split.
   */
  private held = new Uint8Array(0);
  /** Compressed offset of the unit (frame header, block, checksum) the next bytes belong to. */
  private unitStart = 0;
  private failed: LayerError | undefined;

  private constructor(
    private readonly stream: ZstdWasmStream,
    private readonly sink: (bytes: Uint8Array) => void,
  ) {
    this.scanner.unitStarts = this.starts;
  }

  static async create(sink: (bytes: Uint8Array) => void): Promise<WasmZstdDecoder | undefined> {
    const stream = await ZstdWasmStream.create();
    return stream ? new WasmZstdDecoder(stream, sink) : undefined;
  }

  push(chunk: Uint8Array): LayerError | undefined {
    if (this.failed) return this.failed;
    const base = this.consumed;
    const bad = this.scanner.scan(chunk);
    // Up to where libzstd may have the bytes: the bad unit's start, or a partial header's start.
    const end = bad ? bad.offset : (this.scanner.partialFrom ?? base + chunk.length);
    // Feed cut at unit starts, so that an error libzstd reports is known to be in the current unit.
    for (const start of this.starts) {
      if (start > end) break;
      const e = this.feed(chunk, base, start);
      if (e) return e;
      this.unitStart = start;
    }
    this.starts.length = 0;
    const e = this.feed(chunk, base, end);
    if (e) return e;
    if (bad) return this.fail(layerError('zstd', bad.message, bad.offset));
    const total = base + chunk.length;
    if (this.fed < total) {
      const rest = new Uint8Array(total - this.fed);
      const fromHeld = Math.max(0, base - this.fed);
      rest.set(this.held.subarray(this.held.length - fromHeld));
      rest.set(chunk.subarray(this.fed + fromHeld - base), fromHeld);
      this.held = rest;
    } else {
      this.held = new Uint8Array(0);
    }
    this.consumed = total;
    return undefined;
  }

  finish(): LayerError | undefined {
    if (this.failed) return this.failed;
    const bad = this.scanner.end();
    if (bad) return this.fail(layerError('zstd', bad.message, bad.offset));
    // The scanner saw whole frames; libzstd must agree that it finished them.
    if (!this.stream.atFrameEnd) return this.fail(layerError('zstd', 'unexpected end of zstd stream (truncated)', this.consumed));
    this.stream.release();
    return undefined;
  }

  /** Gives libzstd the bytes from `fed` up to `to` (compressed offsets): held bytes, then `chunk`'s. */
  private feed(chunk: Uint8Array, base: number, to: number): LayerError | undefined {
    if (to <= this.fed) return undefined;
    if (this.fed < base) {
      const upTo = Math.min(to, base);
      const e = this.decode(this.held.subarray(this.held.length - (base - this.fed), this.held.length - (base - upTo)));
      if (e) return e;
      this.fed = upTo;
    }
    if (to > this.fed) {
      const e = this.decode(chunk.subarray(this.fed - base, to - base));
      if (e) return e;
      this.fed = to;
    }
    return undefined;
  }

  private decode(bytes: Uint8Array): LayerError | undefined {
    const message = this.stream.decode(bytes, this.sink);
    return message === undefined ? undefined : this.fail(layerError('zstd', message, this.unitStart));
  }

  private fail(e: LayerError): LayerError {
    this.failed = e;
    this.stream.release();
    return e;
  }
}

/** fzstd (pure JavaScript) behind the frame scanner: the fallback without WebAssembly. */
export class ZstdDecoder implements Decoder {
  private readonly scanner = new ZstdFrameScanner();
  private readonly inner: Decompress;
  private consumed = 0;
  /**
   * Input held back until a block is complete. fzstd re-concatenates a partial block with
   * every push, which is quadratic when a 128 KiB block arrives in many small chunks; holding
   * bytes until the scanner has seen the block's end makes that one copy.
   */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private heldBoundaries = 0;
  private heldStart = 0;

  constructor(sink: (bytes: Uint8Array) => void) {
    this.inner = new Decompress((data) => {
      if (data.length > 0) sink(data);
    });
  }

  push(chunk: Uint8Array): LayerError | undefined {
    const bad = this.scanner.scan(chunk);
    const good = bad ? chunk.subarray(0, bad.at) : chunk;
    if (good.length > 0) {
      if (this.heldBytes === 0) this.heldStart = this.consumed;
      this.held.push(good);
      this.heldBytes += good.length;
    }
    if (bad || this.scanner.boundaries !== this.heldBoundaries || this.heldBytes >= 1 << 20) {
      const e = this.flush();
      if (e) return e;
    }
    if (bad) return layerError('zstd', bad.message, bad.offset);
    this.consumed += chunk.length;
    return undefined;
  }

  finish(): LayerError | undefined {
    const flushed = this.flush();
    if (flushed) return flushed;
    const bad = this.scanner.end();
    if (bad) return layerError('zstd', bad.message, bad.offset);
    try {
      this.inner.push(new Uint8Array(0), true);
    } catch (e) {
      return layerError('zstd', describe(e), this.heldStart);
    }
    return undefined;
  }

  private flush(): LayerError | undefined {
    this.heldBoundaries = this.scanner.boundaries;
    if (this.heldBytes === 0) return undefined;
    const data = this.held.length === 1 ? (this.held[0] as Uint8Array) : concatBytes(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    try {
      this.inner.push(data);
    } catch (e) {
      return layerError('zstd', describe(e), this.heldStart);
    }
    return undefined;
  }
}

/**
 * The zstd decoder the engine uses: libzstd in WebAssembly, or fzstd where WebAssembly cannot be
 * instantiated (see e2e/bench/README.md for how it was chosen).
 */
export async function createZstdDecoder(sink: (bytes: Uint8Array) => void): Promise<Decoder> {
  return (await WasmZstdDecoder.create(sink)) ?? new ZstdDecoder(sink);
}

const FZSTD_CODES = ['invalid data', 'window size too large', 'invalid block type', 'FSE accuracy too high', 'match distance too far back', 'unexpected EOF'];

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const known = typeof code === 'number' ? FZSTD_CODES[code] : undefined;
    return known !== undefined && !e.message.includes(known) ? `${e.message} (${known})` : e.message;
  }
  return String(e);
}
