/**
 * The zstd frame scanner in front of both zstd decoders (zstdWasmDecoder.ts, zstdFallback.ts).
 * It walks the frame and block headers (a few bytes each, content skipped by arithmetic) so that:
 * - a corrupt header cannot make a decoder allocate a window of up to 2 GiB: windows above
 *   128 MiB are refused, as the reference decoder does by default (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27);
 * - frames needing a dictionary are refused instead of decoding to garbage;
 * - bytes that are not a frame, and a stream that ends mid-frame, are reported with their
 *   exact compressed offset;
 * - the decoders know where each unit (frame header, block, checksum) starts, so errors are
 *   reported at the unit they were found in.
 */
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
