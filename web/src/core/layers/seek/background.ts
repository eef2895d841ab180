/**
 * Builds seek indexes in the background: a queue of layers that the layer worker analysed, read
 * again one at a time only while the worker has no work in the foreground (an analysis, a file
 * read). Foreground work pauses it: the build in progress is abandoned and starts over later —
 * a restart costs at most one layer's read, and a worker is busy in the foreground only while
 * its pool has layers queued, which is the first analysis the issue says must keep its speed.
 *
 * Pure: the worker supplies how to open a layer and where to keep the result.
 */
import type { LayerSource } from '../chunks';
import { buildSeekIndex } from './build';
import { serializeSeekIndex } from './format';
import { DEFAULT_SPAN } from './gzipPoints';
import type { SeekIndex } from './seekIndex';

export interface SeekBuildJob {
  readonly digest: string;
  readonly compression: 'gzip' | 'zstd';
  /** Bytes of the uncompressed tar, from the analysis. */
  readonly uncompressedBytes: number;
  open(signal: AbortSignal): Promise<LayerSource>;
}

export interface SeekBuilderHooks {
  /** Whether an index (or the note that there can be none) is already kept. */
  has(digest: string): Promise<boolean>;
  /** Keeps the serialized index. */
  store(digest: string, serialized: Uint8Array, index: SeekIndex): Promise<void>;
  /** Told about each build that ended (for logs and tests). */
  onBuilt?(digest: string, result: { index: SeekIndex; bytes: number } | { error: string }): void;
}

/** Layers with less output than this have nothing to gain: a file is never more than a span from the start. */
export const MIN_INDEXED_BYTES = 2 * DEFAULT_SPAN;

export class SeekIndexBuilder {
  private readonly queue: SeekBuildJob[] = [];
  private foreground = 0;
  private current: { job: SeekBuildJob; controller: AbortController } | undefined;
  private readonly finished = new Set<string>();

  constructor(
    private readonly hooks: SeekBuilderHooks,
    private readonly minBytes = MIN_INDEXED_BYTES,
  ) {}

  /** Asks for an index of `job`'s layer, built once the worker is idle (if it is worth one). */
  want(job: SeekBuildJob): void {
    if (job.uncompressedBytes < this.minBytes || this.finished.has(job.digest)) return;
    if (this.current?.job.digest === job.digest || this.queue.some((q) => q.digest === job.digest)) return;
    this.queue.push(job);
    this.pump();
  }

  /** Foreground work begins: stop building until it is all done. */
  busy(): void {
    this.foreground++;
    const running = this.current;
    if (running) {
      running.controller.abort();
      this.queue.unshift(running.job);
      this.current = undefined;
    }
  }

  /** Foreground work ended. */
  idle(): void {
    this.foreground = Math.max(0, this.foreground - 1);
    this.pump();
  }

  /** Layers waiting or being indexed. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  private pump(): void {
    if (this.foreground > 0 || this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    const controller = new AbortController();
    const running = { job, controller };
    this.current = running;
    void this.run(job, controller.signal).finally(() => {
      if (this.current === running) this.current = undefined;
      this.pump();
    });
  }

  private async run(job: SeekBuildJob, signal: AbortSignal): Promise<void> {
    try {
      if (await this.hooks.has(job.digest)) {
        this.finished.add(job.digest);
        return;
      }
      if (signal.aborted) return;
      const source = await job.open(signal);
      const result = await buildSeekIndex(source, { compression: job.compression, expectedDigest: job.digest, signal });
      if (signal.aborted) return;
      this.finished.add(job.digest);
      if ('error' in result) {
        this.hooks.onBuilt?.(job.digest, result);
        return;
      }
      const serialized = serializeSeekIndex(result.index);
      await this.hooks.store(job.digest, serialized, result.index);
      this.hooks.onBuilt?.(job.digest, { index: result.index, bytes: serialized.byteLength });
    } catch (error) {
      if (signal.aborted) return;
      this.finished.add(job.digest);
      this.hooks.onBuilt?.(job.digest, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
