/**
 * The reference zstd decoder (libzstd 1.5.7) in WebAssembly, driven through its streaming API
 * (`ZSTD_decompressStream`): input goes in through a fixed 128 KiB buffer, output comes out
 * through a fixed 128 KiB buffer, and libzstd keeps one window per stream. Memory is bounded by
 * the frame's window (≤ 128 MiB, checked by the frame scanner first), never by the layer.
 *
 * The binary is the one the `zstddec` package ships (MIT / BSD-3-Clause, inlined as base64,
 * so nothing is fetched). Its JavaScript wrapper is not used: its streaming generator ignores
 * libzstd's error codes and loops forever on corrupt input, and its `init()` fetches a data:
 * URL, which the app's CSP (`connect-src 'self'`) refuses. So `init()` is called once with
 * `fetch` swapped for a function that only records the URL — the call is synchronous, nothing
 * else runs meanwhile — and the bytes are instantiated here with our own imports.
 *
 * One compiled module per worker, one instance per stream (cheap to make). A stream's memory
 * (16 MiB to start, more for a window above ~8 MiB) is then an ordinary object's: released with
 * the stream, or collected with it when the stream is dropped unfinished — an extraction stops
 * reading once it has its file, an aborted analysis stops at once. Instances shared by streams
 * would keep every dropped stream's window until a finalizer ran, and WebAssembly memory never
 * shrinks: 300 dropped streams (512 KiB read each) grew a shared instance to 305 MiB in Node,
 * while with one instance each the process stayed at 125–146 MiB resident throughout. The one
 * exception: a stream that ended cleanly hands its instance to the thread's next stream (`spare`).
 */
import { ZSTDDecoder } from 'zstddec/stream';
import { wasmFromDataUrl } from './wasmDataUrl';

const IN_SIZE = 128 * 1024;
const OUT_SIZE = 128 * 1024;
/** A stream that neither reads nor writes this many calls in a row is reported, not retried. */
const MAX_STALLS = 8;
/** size_t errors are the last 120 values: ZSTD_isError(code) is code > (size_t)-120. */
const ERROR_FLOOR = 2 ** 32 - 120;

interface Exports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  ZSTD_createDCtx(): number;
  ZSTD_freeDCtx(dctx: number): number;
  ZSTD_decompressStream(dctx: number, output: number, input: number): number;
}

/** libzstd's error codes (zstd_errors.h, stable since 1.3), as its messages say them. */
const ERROR_NAMES: Readonly<Record<number, string>> = {
  1: 'error (generic)',
  10: 'unknown frame descriptor',
  12: 'version not supported',
  14: 'unsupported frame parameter',
  16: 'frame requires too much memory for decoding',
  20: 'data corruption detected',
  22: "content checksum mismatch (restored data doesn't match checksum)",
  24: 'header of literals block is wrong',
  30: 'dictionary is corrupted',
  32: 'dictionary mismatch',
  44: 'tableLog requires too much memory: unsupported',
  46: 'unsupported max symbol value: too large',
  48: 'specified maxSymbolValue is too small',
  64: 'allocation error: not enough memory',
  70: 'destination buffer is too small',
  72: 'src size is incorrect',
  80: 'operation made no progress over multiple calls, due to output buffer being full',
  82: 'operation made no progress over multiple calls, due to input being empty',
};

function errorMessage(code: number): string {
  return `zstd decoding failed: ${ERROR_NAMES[code] ?? `error ${code}`}`;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;
let bytes: Promise<Uint8Array<ArrayBuffer>> | undefined;

/**
 * The WebAssembly bytes inside zstddec (see the file comment for why they are taken this way).
 * Taken once: zstddec's own `init()` runs only once per process.
 */
export function zstdWasmBytes(): Promise<Uint8Array<ArrayBuffer>> {
  bytes ??= takeBytes();
  return bytes;
}

async function takeBytes(): Promise<Uint8Array<ArrayBuffer>> {
  const global = globalThis as { fetch?: unknown };
  const hadFetch = 'fetch' in global;
  const realFetch = global.fetch;
  let url: string | undefined;
  global.fetch = (input: unknown): Promise<never> => {
    url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    return Promise.reject(new Error('zstd: WebAssembly taken, not fetched'));
  };
  let pending: Promise<void>;
  try {
    pending = new ZSTDDecoder().init();
  } finally {
    if (hadFetch) global.fetch = realFetch;
    else delete global.fetch;
  }
  await pending.catch(() => {});
  return wasmFromDataUrl(url ?? '', 'zstddec');
}

/**
 * The instance of a stream that ended cleanly, kept for this thread's next stream. Its memory's
 * pages are already touched, where a new instance faults its window in again: fresh memory is
 * what costs most on the bench VM (e2e/bench/README.md, session 6), 16 MiB or more per layer.
 * Only a finished stream gives its instance back (a dropped or failed one is garbage, as above),
 * one instance at most, and only while its memory is modest.
 */
let spare: { x: Exports; buffers: number } | undefined;
const SPARE_MAX_BYTES = 64 * 1024 * 1024;

async function compile(): Promise<WebAssembly.Module | undefined> {
  try {
    return await WebAssembly.compile(await zstdWasmBytes());
  } catch {
    return undefined; // no WebAssembly here (or a CSP without 'wasm-unsafe-eval'): the caller falls back
  }
}

/**
 * One libzstd decompression stream. `decode` never throws: it returns libzstd's error as a
 * message. The sink gets a view of WebAssembly memory, valid only during the call.
 */
export class ZstdWasmStream {
  /** The instance's exports; undefined once released (the instance is then garbage). */
  private x: Exports | undefined;
  private readonly dctx: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  /** ZSTD_outBuffer at io, ZSTD_inBuffer at io + 12 (three 32-bit fields each). */
  private readonly io: number;
  private hint = 0;
  private decoded = false;

  private constructor(x: Exports, dctx: number, buffers: number) {
    this.x = x;
    this.dctx = dctx;
    this.inPtr = buffers;
    this.outPtr = buffers + IN_SIZE;
    this.io = buffers + IN_SIZE + OUT_SIZE;
  }

  /** A new stream, or undefined when WebAssembly is not available here. */
  static async create(): Promise<ZstdWasmStream | undefined> {
    const kept = spare;
    spare = undefined;
    if (kept) {
      const dctx = kept.x.ZSTD_createDCtx();
      if (dctx !== 0) return new ZstdWasmStream(kept.x, dctx, kept.buffers);
    }
    compiled ??= compile();
    const module = await compiled;
    if (!module) return undefined;
    try {
      const instance = await WebAssembly.instantiate(module, { env: { emscripten_notify_memory_growth: () => {} } });
      const x = instance.exports as unknown as Exports;
      const buffers = x.malloc(IN_SIZE + OUT_SIZE + 24);
      const dctx = buffers === 0 ? 0 : x.ZSTD_createDCtx();
      return dctx === 0 ? undefined : new ZstdWasmStream(x, dctx, buffers);
    } catch {
      return undefined;
    }
  }

  /** True when the input so far ends exactly at the end of a frame (libzstd's hint is 0). */
  get atFrameEnd(): boolean {
    return this.decoded && this.hint === 0;
  }

  /** The size of the stream's WebAssembly memory (0 once released). */
  get memoryBytes(): number {
    return this.x?.memory.buffer.byteLength ?? 0;
  }

  /** Decodes all of `input`, passing what comes out to `sink`. Returns an error message or undefined. */
  decode(input: Uint8Array, sink: (bytes: Uint8Array) => void): string | undefined {
    const x = this.x;
    if (!x) return 'zstd decoding failed: the stream was already released';
    const io = this.io >>> 2;
    try {
      for (let off = 0; off < input.length;) {
        const n = Math.min(IN_SIZE, input.length - off);
        new Uint8Array(x.memory.buffer, this.inPtr, n).set(input.subarray(off, off + n));
        off += n;
        let u32 = new Uint32Array(x.memory.buffer);
        u32[io] = this.outPtr;
        u32[io + 1] = OUT_SIZE;
        u32[io + 3] = this.inPtr;
        u32[io + 4] = n;
        u32[io + 5] = 0;
        let stalls = 0;
        let read = 0;
        for (;;) {
          u32[io + 2] = 0;
          const ret = x.ZSTD_decompressStream(this.dctx, this.io, this.io + 12) >>> 0;
          if (ret > ERROR_FLOOR) return errorMessage(2 ** 32 - ret);
          this.hint = ret;
          this.decoded = true;
          // The memory may have grown during the call (a window allocated): new views.
          const memory = x.memory.buffer;
          if (u32.buffer !== memory) u32 = new Uint32Array(memory);
          const wrote = u32[io + 2] as number;
          const nowRead = u32[io + 5] as number;
          // A view, not a copy: sinks consume synchronously (the Decoder contract, as pako's reused
          // output buffer), and a copy per 128 KiB was 550 MB of garbage on the bench image.
          if (wrote > 0) sink(new Uint8Array(memory, this.outPtr, wrote));
          // Done with this input once all of it is read and nothing is left to flush: the output
          // was not filled, or libzstd says the frame is decoded and flushed (0). Another call
          // after a 0, with no input left, would start on the next frame's header and return 9.
          if (nowRead >= n && (wrote < OUT_SIZE || ret === 0)) break;
          stalls = wrote === 0 && nowRead === read ? stalls + 1 : 0;
          if (stalls >= MAX_STALLS) return 'zstd decoding failed: the decoder made no progress';
          read = nowRead;
        }
      }
      return undefined;
    } catch (e) {
      // A trap (out of bounds, unreachable: nothing in the instance is trusted after it) or a failing sink.
      if (e instanceof WebAssembly.RuntimeError) this.release();
      return `zstd decoding failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /**
   * Lets go of the instance (its memory goes with it); the stream cannot be used afterwards.
   * `finished`: the stream ended cleanly at a frame's end, so its instance may serve the next one.
   */
  release(finished = false): void {
    const x = this.x;
    this.x = undefined;
    if (!finished || !x || spare || x.memory.buffer.byteLength > SPARE_MAX_BYTES) return;
    try {
      x.ZSTD_freeDCtx(this.dctx);
      spare = { x, buffers: this.inPtr };
    } catch {
      // A trap here: the instance is not kept.
    }
  }

  /** The instance's memory (undefined once released): tests tell instances apart by it. */
  get memory(): WebAssembly.Memory | undefined {
    return this.x?.memory;
  }
}
