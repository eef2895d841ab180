/**
 * Streaming zstd: libzstd in WebAssembly (zstdWasmDecoder.ts), or fzstd where WebAssembly cannot
 * be instantiated (zstdFallback.ts), both behind one frame scanner (zstdFrames.ts) that refuses
 * oversized windows and dictionaries and places every error at its compressed offset.
 */
import type { Decoder } from './decoder';
import { ZstdDecoder } from './zstdFallback';
import { WasmZstdDecoder } from './zstdWasmDecoder';

export { corruptHuffmanWeights, ZSTD_MAX_WINDOW, ZstdFrameScanner } from './zstdFrames';
export { ZstdDecoder } from './zstdFallback';
export { WasmZstdDecoder } from './zstdWasmDecoder';

/**
 * The zstd decoder the engine uses: libzstd in WebAssembly, or fzstd where WebAssembly cannot be
 * instantiated (see e2e/bench/README.md for how it was chosen).
 */
export async function createZstdDecoder(sink: (bytes: Uint8Array) => void): Promise<Decoder> {
  return (await WasmZstdDecoder.create(sink)) ?? new ZstdDecoder(sink);
}
