/**
 * Decoders that start at a restart point instead of a stream's start.
 *
 * A gzip `block` point begins mid-member: a raw inflater (no gzip header) is given the point's
 * window as a preset dictionary (zlib's `inflateSetDictionary`, which pako has) and the block's
 * first bits from the byte before `in` (zlib's `inflatePrime`, which pako lacks: it is the same
 * two assignments on pako's inflate state, `hold` and `bits`, and is checked against Node's zlib
 * in restart.test.ts). When that member ends, its 8-byte trailer is skipped — its CRC covers the
 * member from its start, which this read never saw; the seek index's span CRCs check the output
 * instead — and any members after it go to a GzipDecoder. A `member` point starts a GzipDecoder;
 * a zstd `frame` point the engine's zstd decoder.
 */
import { ZStream, Z_BUF_ERROR, Z_NO_FLUSH, Z_OK, Z_STREAM_END, zlibInflate, zlibInflateInit2, zlibInflateSetDictionary } from 'pako';
import type { Decoder } from '../decoder';
import { layerError, type LayerError } from '../errors';
import { GzipDecoder } from '../gzip';
import { createZstdDecoder } from '../zstd';
import type { RestartPoint, SeekIndex } from './seekIndex';

const RAW = -15;
const TRAILER_BYTES = 8;

/** The decoder for stored bytes that begin at `point` (at `in - 1` when it has `bits`). */
export async function restartDecoder(index: SeekIndex, point: RestartPoint, sink: (bytes: Uint8Array) => void): Promise<Decoder> {
  if (index.compression === 'zstd') return createZstdDecoder(sink);
  if (point.kind === 'member') return new GzipDecoder(sink);
  return new BlockRestartDecoder(point, sink);
}

/** zlib's inflatePrime on pako's state: `bits` (≤ 16) more input bits, lowest first, taken from `value`. */
function inflatePrime(strm: ZStream, bits: number, value: number): void {
  const state = strm.state as { hold: number; bits: number } | undefined;
  if (!state || typeof state.hold !== 'number' || typeof state.bits !== 'number' || state.bits + bits > 32) {
    throw new Error('pako inflate state is not what inflatePrime expects');
  }
  state.hold += (value & ((1 << bits) - 1)) << state.bits;
  state.bits += bits;
}

export class BlockRestartDecoder implements Decoder {
  private readonly strm = new ZStream();
  private readonly out = new Uint8Array(64 * 1024);
  private primed: boolean;
  /** 'raw': inside the point's member; 'trailer': skipping its trailer; 'members': the members after it. */
  private phase: 'raw' | 'trailer' | 'members' = 'raw';
  private trailerLeft = TRAILER_BYTES;
  private next: GzipDecoder | undefined;
  /** Bytes given to this decoder so far, and where the members after the point's member began among them. */
  private consumed = 0;
  private membersStart = 0;
  private failed: LayerError | undefined;

  constructor(
    private readonly point: RestartPoint,
    private readonly sink: (bytes: Uint8Array) => void,
  ) {
    const s = this.strm;
    if (zlibInflateInit2(s, RAW) !== Z_OK) throw new Error('zlib init failed');
    const window = point.window ?? new Uint8Array(0);
    if (window.length > 0 && zlibInflateSetDictionary(s, window) !== Z_OK) throw new Error('zlib refused the restart window');
    s.output = this.out;
    s.next_out = 0;
    s.avail_out = this.out.length;
    this.primed = point.bits === 0;
  }

  push(chunk: Uint8Array): LayerError | undefined {
    if (this.failed) return this.failed;
    let bytes = chunk;
    if (!this.primed && bytes.length > 0) {
      // The block's first bits are the high `bits` bits of the byte before `in`.
      inflatePrime(this.strm, this.point.bits, bytes[0]! >> (8 - this.point.bits));
      this.primed = true;
      bytes = bytes.subarray(1);
      this.consumed++;
    }
    if (this.phase === 'raw') {
      const used = this.inflate(bytes);
      if (this.failed) return this.failed;
      this.consumed += used;
      bytes = bytes.subarray(used);
    }
    if (this.phase === 'trailer' && bytes.length > 0) {
      const skip = Math.min(this.trailerLeft, bytes.length);
      this.trailerLeft -= skip;
      this.consumed += skip;
      bytes = bytes.subarray(skip);
      if (this.trailerLeft === 0) {
        this.phase = 'members';
        this.membersStart = this.consumed;
      }
    }
    if (this.phase === 'members' && bytes.length > 0) {
      // Only bytes after the trailer start another member: a stream may end right after it.
      this.next ??= new GzipDecoder(this.sink);
      const e = this.next.push(bytes);
      if (e) return this.fail(layerError('gzip', e.message, this.absolute(this.membersStart + e.offset)));
      this.consumed += bytes.length;
    }
    return undefined;
  }

  finish(): LayerError | undefined {
    if (this.failed) return this.failed;
    if (this.phase === 'raw' || this.trailerLeft > 0)
      return this.fail(layerError('gzip', 'unexpected end of gzip stream (truncated)', this.absolute(this.consumed)));
    if (this.next) {
      const e = this.next.finish();
      if (e) return this.fail(layerError('gzip', e.message, this.absolute(this.membersStart + e.offset)));
    }
    return undefined;
  }

  /** Inflates from `bytes` until they run out or the member ends; returns how many were used. */
  private inflate(bytes: Uint8Array): number {
    const s = this.strm;
    s.input = bytes;
    s.next_in = 0;
    s.avail_in = bytes.length;
    for (;;) {
      const before = s.next_in;
      const status = zlibInflate(s, Z_NO_FLUSH);
      const produced = s.next_out;
      const full = s.avail_out === 0;
      if (produced > 0) {
        this.sink(this.out.subarray(0, produced));
        s.next_out = 0;
        s.avail_out = this.out.length;
      }
      if (status === Z_STREAM_END) {
        this.phase = 'trailer';
        return s.next_in;
      }
      if (status === Z_OK) {
        if (s.avail_in === 0 && !full) return s.next_in;
        if (s.next_in !== before || produced > 0) continue;
      } else if (status === Z_BUF_ERROR && s.avail_in === 0) {
        return s.next_in;
      }
      const msg = status === Z_OK || status === Z_BUF_ERROR ? `inflate stalled (status ${status})` : s.msg || `inflate status ${status}`;
      this.fail(layerError('gzip', `${msg} (reading from a restart point)`, this.absolute(this.consumed + s.next_in)));
      return s.next_in;
    }
  }

  /** The layer's compressed offset of the `relative`-th byte given to this decoder. */
  private absolute(relative: number): number {
    return this.point.in - (this.point.bits > 0 ? 1 : 0) + relative;
  }

  private fail(e: LayerError): LayerError {
    this.failed = e;
    return e;
  }
}
