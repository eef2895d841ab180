import type { LayerError } from './errors';

/**
 * A push decompressor. Output goes to the sink given at construction, synchronously, in a
 * buffer the decoder may reuse: a sink that keeps bytes beyond the call must copy them.
 */
export interface Decoder {
  /** Feeds the next compressed bytes; returns an error once the data is found to be bad. */
  push(chunk: Uint8Array): LayerError | undefined;
  /** Call at the end of input: reports a truncated stream. */
  finish(): LayerError | undefined;
  /**
   * True when `push` may keep the chunk it was given beyond the call (fzstd buffers input until a
   * block is whole): a caller that reuses its input buffer copies for it. Others use it at once.
   */
  readonly keepsInput?: boolean;
  /**
   * True when an error from this decoder is not the layer's answer (wasmGzip.ts: it stops after the
   * first gzip member and names no offsets): the analysis then reads the layer again with pako.
   */
  readonly tentative?: boolean;
  /** Frees what the decoder holds outside the JS heap, when it is dropped before `finish`. */
  release?(): void;
}

/** The identity decoder for plain tar. */
export class PassThrough implements Decoder {
  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  push(chunk: Uint8Array): undefined {
    this.sink(chunk);
  }

  finish(): undefined {}
}
