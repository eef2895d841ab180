/**
 * Picks the decompressor for a sniffed compression. One place, so the analysis and the
 * content extraction always agree on which engine reads a layer.
 */
import type { Decoder } from './decoder';
import { PassThrough } from './decoder';
import { GzipDecoder } from './gzip';
import type { Compression } from './sniff';
import { createZstdDecoder } from './zstd';

/** Async because a decoder may have to instantiate WebAssembly first. */
export async function createDecoder(compression: Compression, sink: (bytes: Uint8Array) => void): Promise<Decoder> {
  if (compression === 'gzip') return new GzipDecoder(sink);
  if (compression === 'zstd') return createZstdDecoder(sink);
  return new PassThrough(sink);
}
