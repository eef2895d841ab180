/**
 * The WebAssembly gzip path (miniz_oxide): tried first when the layer can be opened again; any
 * failure — a second member, bad bytes, a truncated stream — reads the layer again with pako, and
 * the answer is then exactly pako's alone.
 */
import { describe, expect, test } from 'vitest';
import { asAsync, CHUNKINGS, chunked, gzip, sha256, summarize } from '../../../test/layers/helpers';
import { abortDuringFirstPass, expected, layerTar, multi, pakoOnly, reopenable, single } from '../../../test/layers/firstPassFixtures';
import { concatBytes } from '../../../test/layers/tarWriter';
import { analyzeLayerStream, type AnalyzeOptions } from './index';
import type { Decoder } from './decoder';
import { createWasmGzipDecoder } from './wasmGzip';

function counted(): { factory: (sink: (bytes: Uint8Array) => void) => Promise<Decoder | undefined>; calls: () => number } {
  let calls = 0;
  return {
    factory: (sink) => {
      calls++;
      return createWasmGzipDecoder(sink);
    },
    calls: () => calls,
  };
}

function wasmOptions(src: { source: () => AsyncIterable<Uint8Array> }, extra: AnalyzeOptions = {}): AnalyzeOptions {
  return { ...extra, gzipInflater: 'wasm', wasmGzip: createWasmGzipDecoder, reopen: async () => src.source() };
}

describe('WebAssembly gzip inflater', () => {
  test('the decoder alone inflates a layer exactly, in slices and across pushes', async () => {
    const big = gzip(new Uint8Array(300_000).map((_, k) => (k * 7) % 251));
    const out: Uint8Array[] = [];
    const decoder = await createWasmGzipDecoder((bytes) => out.push(bytes.slice()));
    expect(decoder).toBeDefined();
    for (const c of chunked(big, 40_000)) expect(decoder!.push(c)).toBeUndefined();
    expect(decoder!.finish()).toBeUndefined();
    expect(sha256(concatBytes(...out))).toBe(sha256(new Uint8Array(300_000).map((_, k) => (k * 7) % 251)));
  });

  test('a single-member layer is read once, by the WebAssembly decoder, with the same result as pako', async () => {
    const src = reopenable(single);
    const wasm = counted();
    const r = await analyzeLayerStream(src.source(), { ...wasmOptions(src, expected), wasmGzip: wasm.factory });
    expect(r.inflater).toBe('wasm');
    expect(wasm.calls()).toBe(1);
    expect(src.opened()).toBe(1);
    expect(r.digest.ok).toBe(true);
    expect(r.diffId.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.index.count).toBe(41);
    expect(summarize(r)).toEqual(summarize(await pakoOnly(single, expected)));
  });

  test.each(CHUNKINGS)('the result is the same in chunks of %s', async (_name, split) => {
    const r = await analyzeLayerStream(asAsync(split(single)), {
      ...expected,
      gzipInflater: 'wasm',
      wasmGzip: createWasmGzipDecoder,
      reopen: async () => asAsync([single]),
    });
    expect(r.inflater).toBe('wasm');
    expect(summarize(r)).toEqual(summarize(await pakoOnly(single, expected)));
  });

  test('a multi-member layer is read again with pako, completely', async () => {
    const src = reopenable(multi, 1000);
    const want = { expectedDigest: sha256(multi), expectedDiffId: sha256(layerTar) };
    const r = await analyzeLayerStream(src.source(), wasmOptions(src, want));
    expect(r.inflater).toBe('pako-after-wasm');
    expect(src.opened()).toBe(2);
    expect(r.error).toBeUndefined();
    expect(r.digest.ok).toBe(true);
    expect(r.diffId.ok).toBe(true);
    expect(r.index.count).toBe(41);
    expect(summarize(r)).toEqual(summarize(await pakoOnly(multi, want)));
  });

  test('the multi-member hint (eStargz) goes to pako at once', async () => {
    const src = reopenable(multi);
    const wasm = counted();
    const r = await analyzeLayerStream(src.source(), { ...wasmOptions(src), wasmGzip: wasm.factory, multiMemberGzip: true });
    expect(r.inflater).toBe('pako');
    expect(wasm.calls()).toBe(0);
    expect(src.opened()).toBe(1);
  });

  test('without a way to reopen the layer, pako is used', async () => {
    const wasm = counted();
    const r = await analyzeLayerStream(asAsync([single]), { gzipInflater: 'wasm', wasmGzip: wasm.factory });
    expect(wasm.calls()).toBe(0);
    expect(r.inflater).toBe('pako');
  });

  test('where the module cannot run, pako reads the layer in the same pass', async () => {
    const src = reopenable(single);
    const r = await analyzeLayerStream(src.source(), { ...wasmOptions(src, expected), wasmGzip: async () => undefined });
    expect(r.inflater).toBe('pako');
    expect(src.opened()).toBe(1);
    expect(r.diffId.ok).toBe(true);
  });

  test("corrupt data: pako's second pass names the offset, as pako alone does", async () => {
    const bad = single.slice();
    bad.fill(0x55, 2000, 2600);
    const src = reopenable(bad);
    const r = await analyzeLayerStream(src.source(), wasmOptions(src));
    expect(r.inflater).toBe('pako-after-wasm');
    const pako = await pakoOnly(bad);
    expect(pako.error?.kind).toBe('gzip');
    expect(summarize(r, { errorOffset: true })).toEqual(summarize(pako, { errorOffset: true }));
  });

  test('a wrong CRC in the trailer is found and reported by pako', async () => {
    const bad = single.slice();
    bad[bad.length - 6]! ^= 0xff;
    const src = reopenable(bad);
    const r = await analyzeLayerStream(src.source(), wasmOptions(src));
    expect(r.inflater).toBe('pako-after-wasm');
    expect(r.error).toEqual((await pakoOnly(bad)).error);
    expect(r.error?.kind).toBe('gzip');
  });

  test('a truncated layer: pako reports the truncation', async () => {
    const cutShort = single.subarray(0, single.length - 100);
    const src = reopenable(cutShort);
    const r = await analyzeLayerStream(src.source(), wasmOptions(src));
    expect(r.inflater).toBe('pako-after-wasm');
    expect(r.error?.kind).toBe('gzip');
    expect(r.error).toEqual((await pakoOnly(cutShort)).error);
  });

  test('an abort stops the first pass without a second one', async () => {
    const { result, reopened } = await abortDuringFirstPass({ gzipInflater: 'wasm', wasmGzip: createWasmGzipDecoder });
    expect(result.error?.kind).toBe('aborted');
    expect(result.error?.message).toContain('switched platform');
    expect(reopened).toBe(0);
  });

  test('bytes read into one reused buffer come out right (the decoder copies what it is given)', async () => {
    const src = reopenable(single, 3000);
    const r = await analyzeLayerStream(src.source(), { ...wasmOptions(src, expected), reuseChunks: true });
    expect(r.inflater).toBe('wasm');
    expect(r.diffId.ok).toBe(true);
  });
});
