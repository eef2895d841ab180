/**
 * zstd for the CLI off the main thread: libzstd in WebAssembly (the core's WasmZstdDecoder, the
 * browser's decoder) on worker threads, one stream per thread at a time. Node 20 has no zstd in
 * zlib, and the npm bindings to the C library either decode only whole buffers or build from
 * source on install (see web/src/cli/README.md), so WebAssembly it is; on its own thread it leaves
 * the main thread to hash and index, as zlib's thread pool does for gzip.
 *
 * A stream is handed to the core as its `nativeZstd` transform (with `reopen`): if the thread
 * reports an error, the core reads the layer again with its own decoder on the main thread, whose
 * error (and offset) is the one reported, the same words as in the browser. A thread that stops
 * answering is stopped by the watchdog (watchdog.ts) and replaced for the next layer.
 *
 * Input chunks are copied into batches (the core has hashed them, the caller may reuse them) and
 * transferred; at most IN_FLIGHT batches wait in the thread, so memory is bounded by those and
 * what they decode to. Output buffers go back to the thread once consumed: the core's sink
 * consumes each chunk before it reads the next (the Decoder contract), so when the stream is
 * pulled again every buffer delivered before has been consumed.
 */
import { Worker } from 'node:worker_threads';
import type { DeferredStreamHasher, DigestAlgorithm } from '../core/layers/hash';
import type { GzipTransform } from '../core/layers/nativeGzip';
import { DEFAULT_WATCHDOG, StuckDecoderError, stuckMessage, Watchdog, type WatchdogOptions } from './watchdog';

export type ToZstdThread =
  | { type: 'begin'; hash?: DigestAlgorithm }
  | { type: 'data'; buffer: ArrayBuffer; length: number }
  | { type: 'end' }
  | { type: 'reset' }
  | { type: 'recycle'; buffers: ArrayBuffer[] };
export type FromZstdThread =
  | { type: 'ready' }
  | { type: 'out'; buffer: ArrayBuffer; length: number }
  | { type: 'ack' }
  | { type: 'done'; digest?: string }
  | { type: 'error'; message: string; offset?: number };

/** Named apart from `new Worker(…)`: Vite (Vitest) rewrites `new Worker(new URL(…))` as a browser worker. */
const THREAD_ENTRY = new URL('./zstdThreadEntry.mjs', import.meta.url);

/** Compressed batches handed to a thread and not yet decoded. */
const IN_FLIGHT = 3;
/** Compressed bytes sent per message: network chunks are small, and each message has a cost. */
const BATCH_BYTES = 128 * 1024;

class Thread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  handler: ((message: FromZstdThread) => void) | undefined;
  dead: Error | undefined;
  private readonly onDeath = new Set<(error: Error) => void>();

  constructor(create: () => Worker) {
    this.worker = create();
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.onDeath.add(reject);
      this.worker.on('message', (message: FromZstdThread) => {
        if (message.type === 'ready') resolve();
        else this.handler?.(message);
      });
    });
    this.ready.catch(() => {});
    this.worker.on('error', (error) => this.die(error));
    this.worker.on('exit', (code) => this.die(new Error(`the zstd thread exited (code ${code})`)));
  }

  post(message: ToZstdThread, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.worker.postMessage(message, transfer);
  }

  whenDead(listener: (error: Error) => void): () => void {
    if (this.dead) listener(this.dead);
    else this.onDeath.add(listener);
    return () => this.onDeath.delete(listener);
  }

  die(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    for (const listener of this.onDeath) listener(error);
    this.onDeath.clear();
    void this.worker.terminate();
  }
}

export interface ZstdStream {
  transform: GzipTransform;
  /** With `hash`: the tar's digest as the thread computed it, as a hasher for the core. */
  tarHasher: DeferredStreamHasher | undefined;
}

export interface ZstdThreadsOptions {
  /** Threads at most (streams decoded at once); default 2. */
  size?: number;
  watchdog?: WatchdogOptions;
  /** For tests: another worker script. */
  createWorker?: () => Worker;
}

/** A few zstd decoder threads, started on demand (or at once with `warm`), shared by the layers of one run. */
export class ZstdThreads {
  private readonly size: number;
  private readonly watchdog: WatchdogOptions;
  private readonly create: () => Worker;
  private readonly threads = new Set<Thread>();
  private readonly free: Thread[] = [];
  private readonly waiting: ((thread: Thread) => void)[] = [];
  private closed = false;

  constructor(options: ZstdThreadsOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.watchdog = options.watchdog ?? DEFAULT_WATCHDOG;
    this.create = options.createWorker ?? (() => new Worker(THREAD_ENTRY));
  }

  /** Starts every thread now: loading one takes a few hundred milliseconds (tsx compiles the core). */
  warm(): void {
    while (!this.closed && this.threads.size < this.size) this.free.push(this.spawn());
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.threads];
    this.threads.clear();
    this.free.length = 0;
    await Promise.all(all.map((t) => t.worker.terminate()));
  }

  /**
   * One zstd stream on a thread of the pool: `transform` is the web streams pair the core drives.
   * With `hash`, the thread also hashes the tar it makes, and `tarHasher` is a hasher for the core
   * that takes that digest instead of hashing the same bytes again on the main thread. `onStuck`
   * is told when the watchdog stopped the stream (the layer must then not be read again).
   */
  open(options: { hash?: DigestAlgorithm; onStuck?: (error: StuckDecoderError) => void } = {}): ZstdStream {
    const onStuck = options.onStuck;
    let tarDigest: ((digest: string | Error) => void) | undefined;
    const tarDigestPromise = new Promise<string>((resolve, reject) => {
      tarDigest = (d) => (typeof d === 'string' ? resolve(d) : reject(d));
    });
    tarDigestPromise.catch(() => {});
    let thread: Thread | undefined;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let inFlight = 0;
    let wake: (() => void) | undefined;
    let ended: { resolve: () => void; reject: (e: Error) => void } | undefined;
    let failure: Error | undefined;
    let finished = false;
    let unwatchDeath: (() => void) | undefined;
    let batch: Uint8Array | undefined;
    let batched = 0;
    let delivered: ArrayBuffer[] = [];

    const release = (): void => {
      const t = thread;
      thread = undefined;
      unwatchDeath?.();
      watchdog.idle();
      if (!t) return;
      t.handler = undefined;
      if (t.dead) return;
      if (!finished) t.post({ type: 'reset' });
      this.giveBack(t);
    };
    const fail = (error: Error): void => {
      if (failure || finished) return;
      failure = error;
      tarDigest?.(error);
      try {
        controller.error(error);
      } catch {
        // already closed
      }
      wake?.();
      ended?.reject(error);
      release();
    };
    const watchdog = new Watchdog(this.watchdog, () => {
      const error = new StuckDecoderError(stuckMessage('zstd', this.watchdog));
      onStuck?.(error);
      const t = thread;
      fail(error);
      t?.die(error);
    });
    const onMessage = (message: FromZstdThread): void => {
      watchdog.progress();
      switch (message.type) {
        case 'out':
          delivered.push(message.buffer);
          controller.enqueue(new Uint8Array(message.buffer, 0, message.length));
          return;
        case 'ack':
          inFlight--;
          if (inFlight === 0 && !ended) watchdog.idle();
          wake?.();
          wake = undefined;
          return;
        case 'done':
          finished = true;
          tarDigest?.(message.digest ?? new Error('the zstd thread did not hash the tar'));
          controller.close();
          ended?.resolve();
          release();
          return;
        case 'error':
          fail(new Error(message.message));
          return;
        default:
          return;
      }
    };

    const readable = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
        },
        pull() {
          // Asked for more with nothing queued: every buffer delivered so far was consumed.
          if (!delivered.length || !thread) return;
          const buffers = delivered;
          delivered = [];
          thread.post({ type: 'recycle', buffers }, buffers);
        },
        cancel: () => fail(new Error('the zstd stream was cancelled')),
      },
      { highWaterMark: 0 },
    );
    const send = (): void => {
      if (!batch || batched === 0) return;
      const buffer = batch.buffer as ArrayBuffer;
      const length = batched;
      batch = undefined;
      batched = 0;
      inFlight++;
      watchdog.busy();
      thread?.post({ type: 'data', buffer, length }, [buffer]);
    };
    const writable = new WritableStream<Uint8Array>({
      start: async () => {
        const t = await this.acquire();
        thread = t;
        t.handler = onMessage;
        unwatchDeath = t.whenDead((error) => fail(new Error(`the zstd thread failed: ${error.message}`)));
        t.post({ type: 'begin', ...(options.hash ? { hash: options.hash } : {}) });
      },
      write: async (chunk) => {
        for (let at = 0; at < chunk.length && !failure;) {
          while (inFlight >= IN_FLIGHT && !failure) await new Promise<void>((resolve) => (wake = resolve));
          batch ??= new Uint8Array(BATCH_BYTES);
          const n = Math.min(BATCH_BYTES - batched, chunk.length - at);
          batch.set(chunk.subarray(at, at + n), batched);
          batched += n;
          at += n;
          if (batched === BATCH_BYTES) send();
        }
        if (failure) throw failure;
      },
      close: () => {
        if (failure) return Promise.reject(failure);
        send();
        watchdog.busy();
        thread?.post({ type: 'end' });
        return new Promise<void>((resolve, reject) => (ended = { resolve, reject }));
      },
      abort: () => fail(new Error('the zstd stream was aborted')),
    });
    const algorithm = options.hash;
    return {
      transform: { readable, writable },
      tarHasher: algorithm
        ? {
            algorithm,
            update: () => {}, // the thread hashes these bytes as it makes them
            backlog: () => undefined,
            digest: async () => `${algorithm}:${await tarDigestPromise}`,
            discard: () => {},
          }
        : undefined,
    };
  }

  private spawn(): Thread {
    const thread = new Thread(this.create);
    this.threads.add(thread);
    thread.whenDead(() => {
      this.threads.delete(thread);
      const i = this.free.indexOf(thread);
      if (i >= 0) this.free.splice(i, 1);
      // A waiting stream gets a new thread in place of the dead one.
      const next = this.waiting.shift();
      if (next && !this.closed) next(this.spawn());
    });
    return thread;
  }

  private async acquire(): Promise<Thread> {
    if (this.closed) throw new Error('the zstd threads were closed');
    const thread = this.free.pop() ?? (this.threads.size < this.size ? this.spawn() : await new Promise<Thread>((resolve) => this.waiting.push(resolve)));
    thread.worker.ref();
    await thread.ready;
    return thread;
  }

  private giveBack(thread: Thread): void {
    thread.worker.unref();
    const next = this.waiting.shift();
    if (next) next(thread);
    else this.free.push(thread);
  }
}
