/**
 * The native gzip path: the platform's DecompressionStream is tried first when the layer can
 * be opened again; when it fails part-way (Chromium stops at the end of the first gzip
 * member), the layer is read again with pako and the answer is the same as pako's alone.
 */
import { describe, expect, test } from 'vitest';
import { asAsync, CHUNKINGS, sha256, summarize } from '../../../test/layers/helpers';
import { abortDuringFirstPass, expected, firstMember, layerTar, multi, pakoOnly, reopenable, single } from '../../../test/layers/firstPassFixtures';
import { analyzeLayerStream } from './index';
import type { GzipTransform } from './nativeGzip';

/** Node's DecompressionStream, counted. */
function countingNative(): { factory: () => GzipTransform; calls: () => number } {
  let calls = 0;
  return {
    factory: () => {
      calls++;
      return new DecompressionStream('gzip') as GzipTransform;
    },
    calls: () => calls,
  };
}

/**
 * Behaves like Chromium's inflater: decodes the first `memberBytes` bytes and fails as soon as
 * anything follows them (Node's own continues into the next member, so it cannot stand in).
 */
function chromiumLike(memberBytes: number): () => GzipTransform {
  return () => {
    const inner = new DecompressionStream('gzip') as GzipTransform;
    const writer = inner.writable.getWriter();
    let seen = 0;
    const input = new WritableStream<Uint8Array>({
      async write(chunk) {
        const room = memberBytes - seen;
        seen += chunk.length;
        if (room > 0) await writer.write(chunk.subarray(0, room));
        if (chunk.length > room) {
          await writer.abort(new TypeError('Junk found after end of compressed data.')).catch(() => {});
          throw new TypeError('Junk found after end of compressed data.');
        }
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
    return { writable: input, readable: inner.readable };
  };
}

describe('native gzip inflater', () => {
  test('a single-member layer is read once, natively, with the same index and digests as pako', async () => {
    const native = countingNative();
    const src = reopenable(single);
    const r = await analyzeLayerStream(src.source(), { ...expected, reopen: async () => src.source(), nativeGzip: native.factory });
    expect(r.inflater).toBe('native');
    expect(native.calls()).toBe(1);
    expect(src.opened()).toBe(1);
    expect(r.digest.ok).toBe(true);
    expect(r.diffId.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.index.count).toBe(41);
    const pako = await pakoOnly(single, expected);
    expect(pako.inflater).toBe('pako');
    expect(summarize(r)).toEqual(summarize(pako));
  });

  test.each(CHUNKINGS)('native result is the same in chunks of %s', async (_name, split) => {
    const r = await analyzeLayerStream(asAsync(split(single)), {
      ...expected,
      reopen: async () => asAsync([single]),
      nativeGzip: countingNative().factory,
    });
    expect(r.inflater).toBe('native');
    expect(summarize(r)).toEqual(summarize(await pakoOnly(single, expected)));
  });

  test('a multi-member layer that the native inflater gives up on is read again with pako, completely', async () => {
    const src = reopenable(multi, 1000);
    const want = { expectedDigest: sha256(multi), expectedDiffId: sha256(layerTar) };
    const r = await analyzeLayerStream(src.source(), { ...want, reopen: async () => src.source(), nativeGzip: chromiumLike(firstMember.length) });
    expect(r.inflater).toBe('pako-after-native');
    expect(src.opened()).toBe(2);
    expect(r.error).toBeUndefined();
    expect(r.digest.ok).toBe(true);
    expect(r.diffId.ok).toBe(true);
    expect(r.index.count).toBe(41);
    expect(r.compressedBytes).toBe(multi.length);
    expect(summarize(r)).toEqual(summarize(await pakoOnly(multi, want)));
  });

  test('the multi-member hint (eStargz) skips the native attempt', async () => {
    const native = countingNative();
    const src = reopenable(multi);
    const r = await analyzeLayerStream(src.source(), { reopen: async () => src.source(), nativeGzip: native.factory, multiMemberGzip: true });
    expect(r.inflater).toBe('pako');
    expect(native.calls()).toBe(0);
    expect(src.opened()).toBe(1);
    expect(r.index.count).toBe(41);
  });

  test('without a way to reopen the layer, pako is used', async () => {
    const native = countingNative();
    const r = await analyzeLayerStream(asAsync([single]), { nativeGzip: native.factory });
    expect(native.calls()).toBe(0);
    expect(r.inflater).toBe('pako');
  });

  test("corrupt data: native fails, pako's second pass names the offset, as pako alone does", async () => {
    const bad = single.slice();
    bad.fill(0x55, 2000, 2600);
    const src = reopenable(bad);
    const r = await analyzeLayerStream(src.source(), { reopen: async () => src.source(), nativeGzip: countingNative().factory });
    expect(r.inflater).toBe('pako-after-native');
    const pako = await pakoOnly(bad);
    expect(pako.error?.kind).toBe('gzip');
    expect(r.error).toEqual(pako.error);
    expect(summarize(r, { errorOffset: true })).toEqual(summarize(pako, { errorOffset: true }));
  });

  test('a truncated layer: native fails at the end, pako reports the truncation', async () => {
    const cutShort = single.subarray(0, single.length - 100);
    const src = reopenable(cutShort);
    const r = await analyzeLayerStream(src.source(), { reopen: async () => src.source(), nativeGzip: countingNative().factory });
    expect(r.inflater).toBe('pako-after-native');
    expect(r.error?.kind).toBe('gzip');
    expect(r.error).toEqual((await pakoOnly(cutShort)).error);
  });

  test('when opening the layer again fails, that is the error', async () => {
    const r = await analyzeLayerStream(asAsync([multi]), {
      reopen: () => Promise.reject(new Error('HTTP 503 from the registry')),
      nativeGzip: chromiumLike(firstMember.length),
    });
    expect(r.inflater).toBe('pako-after-native');
    expect(r.error?.kind).toBe('io');
    expect(r.error?.message).toContain('HTTP 503');
  });

  test('an abort during the native pass stops it without a second pass', async () => {
    const { result, reopened } = await abortDuringFirstPass({ nativeGzip: countingNative().factory });
    expect(result.error?.kind).toBe('aborted');
    expect(result.error?.message).toContain('switched platform');
    expect(reopened).toBe(0);
  });

  test('a native pass on a digest mismatch still reports both values', async () => {
    const r = await analyzeLayerStream(asAsync([single]), {
      expectedDigest: `sha256:${'0'.repeat(64)}`,
      reopen: async () => asAsync([single]),
      nativeGzip: countingNative().factory,
    });
    expect(r.inflater).toBe('native');
    expect(r.digest.ok).toBe(false);
    expect(r.digest.actual).toBe(sha256(single));
  });
});
