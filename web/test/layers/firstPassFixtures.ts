/**
 * The layers and sources the tests of a first-pass inflater share (nativeGzip.test.ts,
 * wasmGzip.test.ts): one gzip member, the same tar in two members, and a source that can be
 * opened again and counts how often it was.
 */
import type { AnalyzeOptions, LayerAnalysis } from '../../src/core/layers';
import { analyzeLayerStream } from '../../src/core/layers';
import { asAsync, chunked, gzip, sha256 } from './helpers';
import { concatBytes, entry, tar } from './tarWriter';

const files = Array.from({ length: 40 }, (_, i) =>
  entry({ name: `dir/file-${i}.bin`, data: new Uint8Array(3000 + i * 97).map((_, k) => (k * 31 + i) & 0xff) }),
);
/** 41 entries: a directory and 40 files. */
export const layerTar = tar(entry({ name: 'dir/', type: '5' }), ...files);
export const single = gzip(layerTar);
// Two members, as eStargz and `cat a.gz b.gz` make: the first half of the tar, then the rest.
const cut = 512 * 60;
export const firstMember = gzip(layerTar.subarray(0, cut));
export const multi = concatBytes(firstMember, gzip(layerTar.subarray(cut)));

export const expected = { expectedDigest: sha256(single), expectedDiffId: sha256(layerTar) };

export function reopenable(bytes: Uint8Array, chunkSize = 4096): { source: () => AsyncIterable<Uint8Array>; opened: () => number } {
  let opened = 0;
  return {
    source: () => {
      opened++;
      return asAsync(chunked(bytes, chunkSize));
    },
    opened: () => opened,
  };
}

/** The answer to compare with: pako alone, in one pass. */
export function pakoOnly(bytes: Uint8Array, opts: AnalyzeOptions = {}) {
  return analyzeLayerStream(asAsync(chunked(bytes, 4096)), { ...opts, gzipInflater: 'pako' });
}

/** Reads `single` slowly with a first-pass inflater, aborting after a few chunks; counts reopens. */
export async function abortDuringFirstPass(opts: AnalyzeOptions): Promise<{ result: LayerAnalysis; reopened: number }> {
  const controller = new AbortController();
  let reopened = 0;
  let sent = 0;
  async function* slow(): AsyncGenerator<Uint8Array> {
    for (const c of chunked(single, 64)) {
      if (sent++ === 5) controller.abort(new Error('switched platform'));
      yield c;
    }
  }
  const result = await analyzeLayerStream(slow(), {
    ...opts,
    reopen: async () => {
      reopened++;
      return asAsync([single]);
    },
    signal: controller.signal,
  });
  return { result, reopened };
}
