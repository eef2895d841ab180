/**
 * fzstd spins forever on a Huffman weights table where one symbol holds every FSE state (every
 * state then reads 0 bits). Found by the fuzz suite; this frame is the smallest reproduction
 * (checked against fzstd alone: it never returns). The frame scanner rejects it before fzstd
 * (the fallback decoder) sees it; libzstd (the WebAssembly decoder the engine uses) rejects it
 * by itself, so the scanner does not look for it there.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLayerStream } from './analyze';
import type { LayerError } from './errors';
import { corruptHuffmanWeights, WasmZstdDecoder, ZstdDecoder } from './zstd';

function frame(weightsTable: number[]): Uint8Array {
  const literalsHeader = 2 | (0 << 2) | (16 << 4) | (12 << 14); // compressed literals, 16 regenerated, 12 compressed
  const content = [literalsHeader & 255, (literalsHeader >> 8) & 255, literalsHeader >> 16, weightsTable.length, ...weightsTable, 1, 2, 3, 4];
  const blockHeader = 1 | (2 << 1) | (content.length << 3); // last block, compressed
  return Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x40, blockHeader & 255, (blockHeader >> 8) & 255, blockHeader >> 16, ...content]);
}

// Accuracy log 5 (32 states), then one symbol with count 32: value 33 coded as 63 in 6 bits.
const ONE_SYMBOL_TABLE = [0xf0, 0x03, 0, 0, 0, 0, 0, 0x80];

describe('zstd Huffman weights that would hang fzstd', () => {
  it('are recognised in the block', () => {
    const block = frame(ONE_SYMBOL_TABLE).subarray(9);
    expect(corruptHuffmanWeights(block, block.length)).toMatch(/every state to one symbol/);
  });

  it('leave a table with two symbols alone', () => {
    // Accuracy log 5; first symbol count 16 (value 17 < max 30 → 5 bits), second symbol count 16.
    const twoSymbols = frame([0x10, 0x21, 0x02, 0, 0, 0, 0, 0x80]).subarray(9);
    expect(corruptHuffmanWeights(twoSymbols, twoSymbols.length)).toBeUndefined();
  });

  it('end the analysis with a zstd error instead of a hang, at every chunking', async () => {
    const bytes = frame(ONE_SYMBOL_TABLE);
    for (const size of [1, 7, bytes.length]) {
      const chunks = async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
      };
      const result = await analyzeLayerStream(chunks());
      expect(result.error?.kind).toBe('zstd');
      // libzstd's verdict, at the start of the block (its header) that holds the table.
      expect(result.error?.message).toBe('zstd decoding failed: data corruption detected');
      expect(result.error?.offset).toBe(6);
    }
  });

  it('are refused by libzstd itself, with no scanner check in front', async () => {
    const decoder = await WasmZstdDecoder.create(() => {});
    expect(decoder).toBeDefined();
    const e = decoder?.push(frame(ONE_SYMBOL_TABLE)) ?? decoder?.finish();
    expect(e).toMatchObject({ kind: 'zstd', offset: 6 });
  });

  it('are refused before fzstd (the fallback) sees them, at every chunking', () => {
    const bytes = frame(ONE_SYMBOL_TABLE);
    for (const size of [1, 7, bytes.length]) {
      const decoder = new ZstdDecoder(() => {});
      let error: LayerError | undefined;
      for (let i = 0; i < bytes.length && !error; i += size) error = decoder.push(bytes.slice(i, i + size));
      error ??= decoder.finish();
      expect(error?.message).toMatch(/Huffman weights/);
      expect(error?.offset).toBe(9);
    }
  });
});
