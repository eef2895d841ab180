/**
 * Builds a layer's seek index in one streaming read of its stored bytes: hash them (the index is
 * kept only when the digest matches, so its span CRCs describe the real layer), inflate them with
 * a decoder that sees block or frame boundaries (gzipPoints.ts, zstdPoints.ts), and record the
 * restart points. Memory: one window ring and the decoder's, never the layer.
 *
 * This is a second read: the first analysis inflates gzip with the platform's DecompressionStream,
 * which hides block boundaries, and must keep its speed. The worker runs this one when it is idle
 * (e2e/bench/README.md has the measurements behind that choice). Never throws.
 */
import { openChunkReader, type LayerSource } from '../chunks';
import { createHasher, parseDigest } from '../hash';
import { GzipPointRecorder, type PointOptions } from './gzipPoints';
import type { SeekIndex } from './seekIndex';
import { ZstdPointRecorder } from './zstdPoints';

export interface BuildOptions extends PointOptions {
  compression: 'gzip' | 'zstd';
  /** The layer's digest: the index is built only from bytes that hash to it. */
  expectedDigest: string;
  /** zstd: output between frame points (default 1 MiB). */
  frameSpan?: number;
  signal?: AbortSignal;
  /** Milliseconds, for the build's duration; default `performance.now`. */
  now?: () => number;
}

export type BuildResult = { index: SeekIndex } | { error: string };

interface Recorder {
  readonly points: SeekIndex['points'];
  readonly spanCrcs: readonly number[];
  readonly out: number;
  push(chunk: Uint8Array): string | undefined;
  finish(): string | undefined;
}

const ABORTED = Symbol('aborted');

export async function buildSeekIndex(source: LayerSource, options: BuildOptions): Promise<BuildResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { signal } = options;
  const reader = openChunkReader(source);
  const expected = parseDigest(options.expectedDigest);
  if (!expected) {
    reader.cancel('bad digest');
    return { error: `'${options.expectedDigest}' is not a digest` };
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  let fetched = 0;
  let finished = false;
  let recorder: Recorder | undefined;
  try {
    signal?.throwIfAborted();
    const hasher = await createHasher(expected.algorithm);
    if (options.compression === 'gzip') {
      recorder = new GzipPointRecorder(undefined, options);
    } else {
      recorder = await ZstdPointRecorder.create(undefined, options.frameSpan !== undefined ? { span: options.frameSpan } : {});
      if (!recorder) {
        reader.cancel('no WebAssembly');
        return { error: 'indexing zstd needs WebAssembly (libzstd), which is not available here' };
      }
    }
    for (;;) {
      if (signal?.aborted) return { error: 'aborted' };
      const pending = reader.read();
      pending.catch(() => {});
      const result = signal ? await Promise.race([pending, aborted]) : await pending;
      if (result === ABORTED) return { error: 'aborted' };
      if (result.done) break;
      const chunk = result.value;
      if (!(chunk instanceof Uint8Array)) return { error: 'the layer stream produced something other than bytes' };
      if (chunk.length === 0) continue;
      fetched += chunk.length;
      hasher.update(chunk);
      const e = recorder.push(chunk);
      if (e) return { error: e };
    }
    finished = true;
    const e = recorder.finish();
    if (e) return { error: e };
    const digest = hasher.digest();
    if (digest !== options.expectedDigest) return { error: `the layer read for the seek index hashes to ${digest}, not ${options.expectedDigest}` };
    const points = recorder.points;
    const note =
      points.length > 1
        ? undefined
        : options.compression === 'zstd'
          ? 'a single zstd frame (or frames closer than a span): no restart point but the start, so files are read by streaming'
          : 'smaller than one span of output: no restart point but the start, so files are read by streaming';
    return {
      index: {
        compression: options.compression,
        compressedSize: fetched,
        uncompressedSize: recorder.out,
        points,
        spanCrcs: Uint32Array.from(recorder.spanCrcs),
        ...(note ? { note } : {}),
        build: { ms: now() - started, fetchedBytes: fetched },
      },
    };
  } catch (e) {
    if (signal?.aborted) return { error: 'aborted' };
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (recorder instanceof ZstdPointRecorder && !finished) recorder.release();
    if (finished) reader.release();
    else reader.cancel(signal?.aborted ? signal.reason : 'the seek index build stopped');
  }
}
