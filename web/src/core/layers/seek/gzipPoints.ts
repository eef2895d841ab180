/**
 * Records restart points while inflating a gzip stream, the way zlib's `examples/zran.c` does:
 * pako's inflate is called with `Z_BLOCK`, so it returns at every deflate block boundary, and
 * `data_type` then says where it stopped (bit 7: at a block boundary, bit 6: in the last block,
 * bits 0–2: unused bits of the last byte taken). At a boundary at least `span` bytes of output
 * after the previous point, the point is `(in, bits, out)` and the last 32 KiB of output.
 *
 * Multi-member streams (eStargz) are read to the end like GzipDecoder does, and each member
 * start at least `memberSpan` after the previous point is a point that needs no window.
 *
 * Why pako and not the platform's `DecompressionStream` (which the first analysis uses): the
 * native inflater exposes no block boundaries. This recorder runs in a second, background read
 * (see build.ts); numbers and the decision are in e2e/bench/README.md.
 */
import { ZStream, Z_BLOCK, Z_BUF_ERROR, Z_OK, Z_STREAM_END, zlibInflate, zlibInflateInit2, zlibInflateReset } from 'pako';
import { crc32 } from './crc32';
import type { RestartPoint } from './seekIndex';

const GZIP_ONLY = 16 + 15;
export const WINDOW_SIZE = 32 * 1024;
/** Output between block points: zran's SPAN is 1 MiB; 4 MiB keeps the index near 1% of the layer (see README.md). */
export const DEFAULT_SPAN = 4 * 1024 * 1024;
/** Member points cost no window, so they may be closer. */
export const DEFAULT_MEMBER_SPAN = 1024 * 1024;

export interface PointOptions {
  span?: number;
  memberSpan?: number;
}

/** The last bytes of the output, up to 32 KiB, kept in a ring. */
class Ring {
  private readonly buf = new Uint8Array(WINDOW_SIZE);
  private pos = 0;
  private fill = 0;

  add(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= WINDOW_SIZE) {
      this.buf.set(bytes.subarray(n - WINDOW_SIZE));
      this.pos = 0;
      this.fill = WINDOW_SIZE;
      return;
    }
    const first = Math.min(n, WINDOW_SIZE - this.pos);
    this.buf.set(bytes.subarray(0, first), this.pos);
    if (first < n) this.buf.set(bytes.subarray(first), 0);
    this.pos = (this.pos + n) % WINDOW_SIZE;
    this.fill = Math.min(WINDOW_SIZE, this.fill + n);
  }

  /** A copy of the last `n` (≤ what it holds) bytes, oldest first. */
  last(n: number): Uint8Array {
    const k = Math.min(n, this.fill);
    const out = new Uint8Array(k);
    const start = (this.pos - k + WINDOW_SIZE) % WINDOW_SIZE;
    const first = Math.min(k, WINDOW_SIZE - start);
    out.set(this.buf.subarray(start, start + first));
    if (first < k) out.set(this.buf.subarray(0, k - first), first);
    return out;
  }
}

export class GzipPointRecorder {
  readonly points: RestartPoint[] = [{ in: 0, bits: 0, out: 0, kind: 'member' }];
  /** CRC-32 of each finished span; the last span's is added by `finish`. */
  readonly spanCrcs: number[] = [];
  /** Output bytes so far. */
  out = 0;
  members = 0;
  private readonly strm = new ZStream();
  private readonly buffer = new Uint8Array(64 * 1024);
  private readonly ring = new Ring();
  private readonly span: number;
  private readonly memberSpan: number;
  private crc = 0;
  /** Output of the current member so far (a window never reaches into the member before). */
  private memberOut = 0;
  private consumed = 0;
  private betweenMembers = false;
  private failed: string | undefined;
  private finished = false;

  constructor(
    private readonly sink?: (bytes: Uint8Array) => void,
    options: PointOptions = {},
  ) {
    this.span = options.span ?? DEFAULT_SPAN;
    this.memberSpan = options.memberSpan ?? DEFAULT_MEMBER_SPAN;
    if (zlibInflateInit2(this.strm, GZIP_ONLY) !== Z_OK) throw new Error('zlib init failed');
    this.strm.output = this.buffer;
    this.strm.next_out = 0;
    this.strm.avail_out = this.buffer.length;
  }

  /** Feeds the next stored bytes; returns an error message once the data is found to be bad. */
  push(chunk: Uint8Array): string | undefined {
    if (this.failed) return this.failed;
    const s = this.strm;
    s.input = chunk;
    s.next_in = 0;
    s.avail_in = chunk.length;
    for (;;) {
      if (this.betweenMembers) {
        if (s.avail_in === 0) break;
        zlibInflateReset(s);
        this.betweenMembers = false;
        this.memberOut = 0;
        const at = this.consumed + s.next_in;
        if (this.out - this.lastPoint().out >= this.memberSpan) this.addPoint({ in: at, bits: 0, out: this.out, kind: 'member' });
      }
      const before = s.next_in;
      const status = zlibInflate(s, Z_BLOCK);
      const produced = s.next_out;
      const full = s.avail_out === 0;
      if (produced > 0) this.emit(this.buffer.subarray(0, produced));
      if (status === Z_STREAM_END) {
        this.members++;
        this.betweenMembers = true;
        continue;
      }
      if (status === Z_OK) {
        const dt = s.data_type;
        // At a block boundary that is not past the last block; `bits` < 8 as zlib guarantees there.
        if (dt & 128 && !(dt & 64) && (dt & 63) < 8 && this.out - this.lastPoint().out >= this.span) {
          const window = this.ring.last(Math.min(WINDOW_SIZE, this.memberOut));
          this.addPoint({ in: this.consumed + s.next_in, bits: dt & 7, out: this.out, kind: 'block', window });
        }
        if (s.avail_in === 0 && !full) break;
        if (s.next_in !== before || produced > 0) continue;
      } else if (status === Z_BUF_ERROR && s.avail_in === 0) {
        break;
      }
      this.failed = status === Z_OK || status === Z_BUF_ERROR ? `inflate stalled (status ${status})` : s.msg || `inflate status ${status}`;
      return `${this.failed} at stored byte ${this.consumed + s.next_in}`;
    }
    this.consumed += chunk.length;
    return undefined;
  }

  /** At the end of the input: an error unless it ended after a whole member. */
  finish(): string | undefined {
    if (this.failed) return this.failed;
    if (!this.betweenMembers) return 'the gzip stream ends inside a member (truncated)';
    if (!this.finished) {
      this.finished = true;
      this.spanCrcs.push(this.crc);
    }
    return undefined;
  }

  private lastPoint(): RestartPoint {
    return this.points[this.points.length - 1]!;
  }

  private addPoint(point: RestartPoint): void {
    if (point.out <= this.lastPoint().out) return;
    this.spanCrcs.push(this.crc);
    this.crc = 0;
    this.points.push(point);
  }

  private emit(bytes: Uint8Array): void {
    this.crc = crc32(bytes, this.crc);
    this.ring.add(bytes);
    this.out += bytes.length;
    this.memberOut += bytes.length;
    this.sink?.(bytes);
    const s = this.strm;
    s.next_out = 0;
    s.avail_out = this.buffer.length;
  }
}
