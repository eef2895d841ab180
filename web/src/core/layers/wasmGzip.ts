/**
 * gzip through miniz_oxide compiled to WebAssembly (the `@hazae41/foras` package, flate2's
 * `write::GzDecoder`): the first analysis's inflater in the browser's layer workers.
 *
 * Why: in a Chromium worker it inflates about 1.4× faster than pako (e2e/bench/README.md, session
 * 7), and unlike the platform's `DecompressionStream` it works in WebAssembly memory that is
 * allocated once, where the platform inflater hands out a fresh 64 KiB buffer per chunk (on the
 * 2-core VM fresh memory is what costs most when two workers run at once).
 *
 * Why it is only tried, never trusted alone (as nativeGzip.ts): flate2's decoder stops after the
 * first gzip member and then refuses more bytes, and its errors carry no byte offset. So it is a
 * *tentative* decoder: any error means "read this layer again with pako", which decodes every
 * member and names the offset of a real corruption. Layers that announce many members (eStargz)
 * go to pako at once.
 *
 * Memory: one `write` inflates all it is given, so input goes in slices of `SLICE` bytes; deflate
 * expands at most about 1,032:1, which bounds the output held in WebAssembly memory per slice.
 */
import { GzDecoder, Memory, __wbg_init } from '@hazae41/foras';
import { data as forasWasm } from 'virtual:foras-wasm';
import type { Decoder } from './decoder';
import { layerError, type LayerError } from './errors';
import { wasmFromDataUrl } from './wasmDataUrl';

const SLICE = 16 * 1024;

let ready: Promise<boolean> | undefined;
/** Set once the module trapped: its heap may be inconsistent, so it is not used again. */
let broken = false;

/**
 * Instantiates the module once, from bytes decoded here (wasmDataUrl.ts says why).
 */
function load(): Promise<boolean> {
  ready ??= (async () => {
    try {
      await __wbg_init(wasmFromDataUrl(forasWasm, '@hazae41/foras'));
      return true;
    } catch {
      return false;
    }
  })();
  return ready;
}

export class WasmGzipDecoder implements Decoder {
  /** Its errors are not the layer's answer: the caller reads the layer again with pako. */
  readonly tentative = true;
  private decoder: GzDecoder | undefined = new GzDecoder();
  private consumed = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  push(chunk: Uint8Array): LayerError | undefined {
    const decoder = this.decoder;
    if (!decoder) return layerError('gzip', 'wasm gzip decoder already ended', this.consumed);
    for (let at = 0; at < chunk.length; at += SLICE) {
      try {
        const input = new Memory(chunk.subarray(at, at + SLICE));
        try {
          decoder.write(input);
        } finally {
          input.free();
        }
        this.drain(decoder.read());
      } catch (e) {
        return this.failed(e, at);
      }
    }
    this.consumed += chunk.length;
    return undefined;
  }

  finish(): LayerError | undefined {
    const decoder = this.decoder;
    if (!decoder) return layerError('gzip', 'wasm gzip decoder already ended', this.consumed);
    this.decoder = undefined; // `finish` consumes the decoder
    try {
      this.drain(decoder.finish());
      return undefined;
    } catch (e) {
      return this.failed(e, 0);
    }
  }

  release(): void {
    this.decoder?.free();
    this.decoder = undefined;
  }

  /** Hands the output (a view into WebAssembly memory, valid until the next call) to the sink. */
  private drain(output: Memory): void {
    try {
      if (output.len() > 0) this.sink(output.bytes);
    } finally {
      output.free();
    }
  }

  private failed(e: unknown, at: number): LayerError {
    if (e instanceof WebAssembly.RuntimeError) broken = true;
    this.release();
    return layerError('gzip', `wasm gzip: ${e instanceof Error ? e.message : String(e)}`, this.consumed + at);
  }
}

/** The WebAssembly gzip decoder, or undefined where it cannot run (no WebAssembly, a failed or broken module). */
export async function createWasmGzipDecoder(sink: (bytes: Uint8Array) => void): Promise<WasmGzipDecoder | undefined> {
  if (broken || typeof WebAssembly !== 'object' || !(await load()) || broken) return undefined;
  try {
    return new WasmGzipDecoder(sink);
  } catch {
    return undefined;
  }
}
