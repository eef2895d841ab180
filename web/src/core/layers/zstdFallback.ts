/**
 * fzstd's `Decompress` (pure JavaScript) behind the frame scanner: the zstd decoder where
 * WebAssembly cannot be instantiated. It skips the content checksum; its errors are reported at
 * the offset where the data it was given at that point began.
 */
import { Decompress } from 'fzstd';
import { concatBytes } from './chunks';
import type { Decoder } from './decoder';
import { layerError, type LayerError } from './errors';
import { ZstdFrameScanner } from './zstdFrames';

/** fzstd (pure JavaScript) behind the frame scanner: the fallback without WebAssembly. */
export class ZstdDecoder implements Decoder {
  /** Input is held until a block is whole (`held`). */
  readonly keepsInput = true;
  private readonly scanner = new ZstdFrameScanner();
  private readonly inner: Decompress;
  private consumed = 0;
  /**
   * Input held back until a block is complete. fzstd re-concatenates a partial block with
   * every push, which is quadratic when a 128 KiB block arrives in many small chunks; holding
   * bytes until the scanner has seen the block's end makes that one copy.
   */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private heldBoundaries = 0;
  private heldStart = 0;

  constructor(sink: (bytes: Uint8Array) => void) {
    this.inner = new Decompress((data) => {
      if (data.length > 0) sink(data);
    });
  }

  push(chunk: Uint8Array): LayerError | undefined {
    const bad = this.scanner.scan(chunk);
    const good = bad ? chunk.subarray(0, bad.at) : chunk;
    if (good.length > 0) {
      if (this.heldBytes === 0) this.heldStart = this.consumed;
      this.held.push(good);
      this.heldBytes += good.length;
    }
    if (bad || this.scanner.boundaries !== this.heldBoundaries || this.heldBytes >= 1 << 20) {
      const e = this.flush();
      if (e) return e;
    }
    if (bad) return layerError('zstd', bad.message, bad.offset);
    this.consumed += chunk.length;
    return undefined;
  }

  finish(): LayerError | undefined {
    const flushed = this.flush();
    if (flushed) return flushed;
    const bad = this.scanner.end();
    if (bad) return layerError('zstd', bad.message, bad.offset);
    try {
      this.inner.push(new Uint8Array(0), true);
    } catch (e) {
      return layerError('zstd', describe(e), this.heldStart);
    }
    return undefined;
  }

  private flush(): LayerError | undefined {
    this.heldBoundaries = this.scanner.boundaries;
    if (this.heldBytes === 0) return undefined;
    const data = this.held.length === 1 ? (this.held[0] as Uint8Array) : concatBytes(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    try {
      this.inner.push(data);
    } catch (e) {
      return layerError('zstd', describe(e), this.heldStart);
    }
    return undefined;
  }
}

const FZSTD_CODES = ['invalid data', 'window size too large', 'invalid block type', 'FSE accuracy too high', 'match distance too far back', 'unexpected EOF'];

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const known = typeof code === 'number' ? FZSTD_CODES[code] : undefined;
    return known !== undefined && !e.message.includes(known) ? `${e.message} (${known})` : e.message;
  }
  return String(e);
}
