/**
 * The zstd decoder the engine uses: the reference decoder (libzstd) in WebAssembly (driven by
 * zstdWasm.ts), chosen over fzstd by measurement on real layers (numbers in e2e/bench/README.md). It verifies the
 * optional XXH64 content checksum and continues across frames and skippable frames, as
 * zstd:chunked layers need. Input is fed to libzstd cut at the unit boundaries the frame scanner
 * finds, so an error is reported at the start of the unit (frame header, block, checksum) it is in.
 */
import type { Decoder } from './decoder';
import { layerError, type LayerError } from './errors';
import { ZstdFrameScanner } from './zstdFrames';
import { ZstdWasmStream } from './zstdWasm';

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
    this.stream.release(true);
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
