/**
 * gzip for the CLI through Node's own zlib (`zlib.createGunzip`): C, run on libuv's thread pool,
 * so inflating does not occupy the thread that hashes and indexes the tar. It is handed to the
 * core's `analyzeLayerStream` as its native inflater (`nativeGzip`, with `reopen`), exactly where
 * the browser hands over `DecompressionStream('gzip')`: any failure here makes the core read the
 * layer again with pako, whose error names the offset of the bad bytes, so both runtimes report a
 * damaged layer in the same words.
 *
 * Node's gunzip decodes every member of a multi-member stream (eStargz), like pako and Go's
 * compress/gzip. Where it is more lenient than they are, this wrapper fails instead, so that pako
 * has the last word: bytes after the last member that Node skips without a word (zero padding)
 * are reported as bytes the inflater did not consume.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import type { GzipTransform } from '../core/layers/nativeGzip';
import { DEFAULT_WATCHDOG, StuckDecoderError, stuckMessage, Watchdog, type WatchdogOptions } from './watchdog';

/** Output chunk size: zlib's default (16 KiB) costs a thread-pool round trip per 16 KiB, which was much slower in the bench. */
const CHUNK_BYTES = 128 * 1024;
/** Output chunks queued for the sink before zlib is paused. */
const QUEUED_CHUNKS = 4;

export interface NodeGunzipOptions {
  watchdog?: WatchdogOptions;
  /** Told when the watchdog stopped this inflater (the layer must not be read again). */
  onStuck?: (error: StuckDecoderError) => void;
}

/** A gunzip as the web streams pair the core drives; one per layer pass. */
export function nodeGunzip(options: NodeGunzipOptions = {}): GzipTransform {
  const gz: Gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  let fed = 0;
  let failure: Error | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Writes waiting for zlib: a failed stream never calls their callbacks, so they are failed here. */
  const waiting = new Set<(error: Error) => void>();
  const failAll = (error: Error): void => {
    failure ??= error;
    watchdog.idle();
    for (const reject of waiting) reject(failure);
    waiting.clear();
  };
  const watchOptions = options.watchdog ?? DEFAULT_WATCHDOG;
  // zlib on the thread pool cannot be interrupted; a stuck one is abandoned (destroyed) so the layer ends.
  const watchdog = new Watchdog(watchOptions, () => {
    const error = new StuckDecoderError(stuckMessage('gzip', watchOptions));
    options.onStuck?.(error);
    failAll(error);
    try {
      controller.error(error);
    } catch {
      // already closed
    }
    gz.destroy();
  });

  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        gz.on('data', (chunk: Buffer) => {
          watchdog.progress();
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) gz.pause();
        });
        gz.on('end', () => {
          if (gz.bytesWritten < fed) {
            const error = new Error(`gunzip stopped ${fed - gz.bytesWritten} bytes before the end of the stream (bytes after the last member)`);
            failAll(error);
            controller.error(error);
          } else {
            controller.close();
          }
        });
        gz.on('error', (error: Error) => {
          failAll(error);
          controller.error(error);
        });
      },
      pull() {
        gz.resume();
      },
      cancel() {
        watchdog.idle();
        gz.destroy();
      },
    },
    { highWaterMark: QUEUED_CHUNKS },
  );

  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (failure) return Promise.reject(failure);
      fed += chunk.length;
      watchdog.busy();
      return new Promise<void>((resolve, reject) => {
        waiting.add(reject);
        gz.write(chunk, (error) => {
          waiting.delete(reject);
          watchdog.progress();
          if (waiting.size === 0) watchdog.idle();
          if (error) reject(error);
          else resolve();
        });
      });
    },
    close() {
      if (failure) return Promise.reject(failure);
      watchdog.busy();
      return new Promise<void>((resolve, reject) => {
        waiting.add(reject);
        gz.end(() => {
          waiting.delete(reject);
          watchdog.idle();
          resolve();
        });
      });
    },
    abort() {
      watchdog.idle();
      gz.destroy();
    },
  });

  return { readable, writable };
}
