/**
 * Records restart points in a zstd stream: frame starts. Frames are independent, so a point is
 * just `(in, out)`. The frame scanner (zstdFrames.ts) finds where each unit (frame, block,
 * checksum) starts; libzstd (zstdWasm.ts) is fed exactly up to each of them, and where it then
 * says a frame is complete (its hint is 0) the next frame starts, with all earlier output out.
 *
 * A layer written as one frame (skopeo, containerd, BuildKit) gets no point but its start, and
 * says so (`note`): its files are streamed. zstd:chunked layers (a frame per file chunk) get a
 * point at the first frame start at least `span` of output after the previous point.
 * Needs WebAssembly (libzstd); without it there is no index, and reads stream.
 */
import { ZstdFrameScanner } from '../zstdFrames';
import { ZstdWasmStream } from '../zstdWasm';
import { crc32 } from './crc32';
import type { RestartPoint } from './seekIndex';

/** Output between frame points: frames need no window, so points may be close. */
export const DEFAULT_FRAME_SPAN = 1024 * 1024;

export class ZstdPointRecorder {
  readonly points: RestartPoint[] = [{ in: 0, bits: 0, out: 0, kind: 'frame' }];
  readonly spanCrcs: number[] = [];
  out = 0;
  /** Frame starts seen after the first (whether or not each became a point). */
  frameStarts = 0;
  private readonly scanner = new ZstdFrameScanner({ checkHuffmanWeights: false });
  private readonly starts: number[] = [];
  private consumed = 0;
  private crc = 0;
  private failed: string | undefined;
  private finished = false;
  private readonly sinkBound = (bytes: Uint8Array): void => this.emit(bytes);

  private constructor(
    private readonly stream: ZstdWasmStream,
    private readonly span: number,
    private readonly sink?: (bytes: Uint8Array) => void,
  ) {
    this.scanner.unitStarts = this.starts;
  }

  /** Undefined where WebAssembly (libzstd) is not available. */
  static async create(sink?: (bytes: Uint8Array) => void, options: { span?: number } = {}): Promise<ZstdPointRecorder | undefined> {
    const stream = await ZstdWasmStream.create();
    return stream ? new ZstdPointRecorder(stream, options.span ?? DEFAULT_FRAME_SPAN, sink) : undefined;
  }

  push(chunk: Uint8Array): string | undefined {
    if (this.failed) return this.failed;
    const base = this.consumed;
    const bad = this.scanner.scan(chunk);
    if (bad) return this.fail(`${bad.message} at stored byte ${bad.offset}`);
    let fed = base;
    for (const start of this.starts) {
      if (start > fed) {
        const e = this.stream.decode(chunk.subarray(fed - base, start - base), this.sinkBound);
        if (e) return this.fail(`${e} before stored byte ${start}`);
        fed = start;
      }
      // libzstd has every byte before `start`: a frame starts there when the one before is complete.
      if (start > 0 && this.stream.atFrameEnd) {
        this.frameStarts++;
        const last = this.points[this.points.length - 1]!;
        if (this.out - last.out >= this.span) {
          this.spanCrcs.push(this.crc);
          this.crc = 0;
          this.points.push({ in: start, bits: 0, out: this.out, kind: 'frame' });
        }
      }
    }
    this.starts.length = 0;
    const total = base + chunk.length;
    if (total > fed) {
      const e = this.stream.decode(chunk.subarray(fed - base), this.sinkBound);
      if (e) return this.fail(`${e} before stored byte ${total}`);
    }
    this.consumed = total;
    return undefined;
  }

  finish(): string | undefined {
    if (this.failed) return this.failed;
    const bad = this.scanner.end();
    if (bad) return this.fail(`${bad.message} at stored byte ${bad.offset}`);
    if (!this.stream.atFrameEnd) return this.fail('the zstd stream ends inside a frame (truncated)');
    this.stream.release();
    if (!this.finished) {
      this.finished = true;
      // The end of the last frame looked like the start of another: no point there, and the
      // CRC taken when it was added is the last span's.
      const last = this.points[this.points.length - 1]!;
      if (this.points.length > 1 && last.in === this.consumed) this.points.pop();
      else this.spanCrcs.push(this.crc);
    }
    return undefined;
  }

  /** Frees libzstd's memory early (an abandoned build). */
  release(): void {
    this.stream.release();
  }

  private fail(message: string): string {
    this.failed = message;
    this.stream.release();
    return message;
  }

  private emit(bytes: Uint8Array): void {
    this.crc = crc32(bytes, this.crc);
    this.out += bytes.length;
    this.sink?.(bytes);
  }
}
