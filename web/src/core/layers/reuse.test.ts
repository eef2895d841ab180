/**
 * Reading a layer's stored bytes into one reused buffer (`reuseChunks`, a BYOB reader) and trusting
 * a source that checks the digest itself (`checkedDigest`). The archives are GNU tar's, compressed
 * by gzip and zstd; expected digests from node:crypto.
 */
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, gzip, run, sha256, withTempDir, zstd } from '../../../test/layers/helpers';
import { analyzeLayerStream, dumpLayerIndex, type AnalyzeOptions, type LayerAnalysis } from './index';
import { ZstdDecoder } from './zstdFallback';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { platformGzipTransform } from './nativeGzip';

/** A tar of a few hundred KB with varied files, so that entries straddle many reads. */
const TAR = withTempDir((root) => {
  mkdirSync(join(root, 'd/e'), { recursive: true });
  for (let i = 0; i < 40; i++) {
    const body = new Uint8Array(1000 + i * 997);
    for (let j = 0; j < body.length; j++) body[j] = (i * 31 + j * 7) & 255;
    writeFileSync(join(root, i % 2 ? 'd' : 'd/e', `f${i}`), body);
  }
  return run('tar', ['--format=pax', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.']);
});

/**
 * A byte stream (as a fetch body is) that answers each BYOB read with up to `piece` bytes written
 * into the caller's buffer, and counts how many reads came with a buffer to fill.
 */
function byteStream(bytes: Uint8Array, piece: number): { stream: ReadableStream<Uint8Array>; byobReads: () => number } {
  let at = 0;
  let byob = 0;
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest;
      if (request?.view) {
        byob++;
        const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
        const n = Math.min(piece, view.length, bytes.length - at);
        view.set(bytes.subarray(at, at + n));
        at += n;
        request.respond(n);
      } else {
        const n = Math.min(piece, bytes.length - at);
        controller.enqueue(bytes.slice(at, at + n));
        at += n;
      }
    },
  }) as ReadableStream<Uint8Array>;
  return { stream, byobReads: () => byob };
}

function summary(r: LayerAnalysis): unknown {
  return { dump: dumpLayerIndex(r.index), digest: r.digest, diffId: r.diffId, error: r.error, bytes: [r.compressedBytes, r.uncompressedBytes] };
}

const cases: Array<[string, Uint8Array, Partial<AnalyzeOptions>]> = [
  ['gzip (pako)', gzip(TAR), { gzipInflater: 'pako' }],
  ['zstd (libzstd)', zstd(TAR), {}],
  ['plain tar', TAR, {}],
];

describe('reuseChunks: the stored bytes read into one reused buffer', () => {
  test.each(cases)('%s: the same index and digests as reading fresh chunks, through BYOB reads', async (_name, blob, extra) => {
    const opts = { expectedDigest: sha256(blob), expectedDiffId: sha256(TAR), ...extra };
    const fresh = await analyzeLayerStream(asAsync(chunked(blob, 5000)), opts);
    for (const piece of [1, 511, 4096, 70_000]) {
      const { stream, byobReads } = byteStream(blob, piece);
      const reused = await analyzeLayerStream(stream, { ...opts, reuseChunks: true });
      expect(byobReads()).toBeGreaterThan(0);
      expect(summary(reused)).toEqual(summary(fresh));
      expect(reused.digest.ok && reused.diffId.ok).toBe(true);
    }
  });

  test('the platform inflater, which keeps its input, gets copies', async () => {
    const native = platformGzipTransform();
    if (!native) return expect.fail('this Node has no DecompressionStream');
    const blob = gzip(TAR);
    const opts = { expectedDigest: sha256(blob), expectedDiffId: sha256(TAR), reopen: async () => asAsync([blob]) };
    const { stream, byobReads } = byteStream(blob, 3000);
    const r = await analyzeLayerStream(stream, { ...opts, reuseChunks: true, nativeGzip: native });
    expect(byobReads()).toBeGreaterThan(0);
    expect(r.inflater).toBe('native');
    expect(r.digest.ok && r.diffId.ok).toBe(true);
  });

  test('fzstd keeps its input (keepsInput), so a reused buffer must be copied for it', async () => {
    // What the flag guards against: fzstd over one reused buffer, given views instead of copies,
    // decodes bytes that later reads overwrote (analyze copies for decoders that say keepsInput).
    const blob = zstd(TAR);
    const decode = async (copy: boolean): Promise<string | undefined> => {
      const out: Uint8Array[] = [];
      const decoder = new ZstdDecoder((b) => out.push(b.slice()));
      const reader = (byteStream(blob, 777).stream as ReadableStream<Uint8Array<ArrayBuffer>>).getReader({ mode: 'byob' });
      let buffer = new ArrayBuffer(4096);
      for (;;) {
        const { done, value } = await reader.read(new Uint8Array(buffer));
        if (done || !value) break;
        buffer = value.buffer;
        if (decoder.push(copy ? value.slice() : value)) return undefined;
      }
      return decoder.finish() ? undefined : sha256(new Uint8Array(Buffer.concat(out)));
    };
    expect(new ZstdDecoder(() => {}).keepsInput).toBe(true);
    expect(await decode(true)).toBe(sha256(TAR));
    expect(await decode(false)).not.toBe(sha256(TAR));
  });

  test('a stream that is not a byte stream is read as it comes', async () => {
    const blob = gzip(TAR);
    const r = await analyzeLayerStream(asAsync(chunked(blob, 999)), { expectedDigest: sha256(blob), reuseChunks: true });
    expect(r.digest.ok).toBe(true);
  });
});

describe('checkedDigest: a source that checks the stored bytes itself', () => {
  const blob = gzip(TAR);
  const digest = sha256(blob);

  test('equal to the expected digest: not hashed here, taken as checked by the source', async () => {
    // Bytes with another digest, claimed checked: the reader does not hash them (the source would
    // have cut such a stream), so the claim stands. The tar is still hashed.
    const other = gzip(TAR, 1);
    expect(sha256(other)).not.toBe(digest);
    const r = await analyzeLayerStream(asAsync([other]), { expectedDigest: digest, expectedDiffId: sha256(TAR), checkedDigest: digest });
    expect(r.digest).toEqual({ expected: digest, actual: digest, ok: true, checkedBy: 'source' });
    expect(r.diffId.ok).toBe(true);
  });

  test('a checked stream cut short: no digest, an io error (the caller reads it again unchecked)', async () => {
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield blob.subarray(0, 1000);
      throw new Error('the proxy cut the body');
    }
    const r = await analyzeLayerStream(cut(), { expectedDigest: digest, checkedDigest: digest });
    expect(r.error).toMatchObject({ kind: 'io' });
    expect(r.digest).toEqual({ expected: digest, ok: false });
  });

  test('another digest than the expected one is no check: the bytes are hashed', async () => {
    const r = await analyzeLayerStream(asAsync([blob]), { expectedDigest: digest, checkedDigest: `sha256:${'e'.repeat(64)}` });
    expect(r.digest).toEqual({ expected: digest, actual: digest, ok: true });
  });

  test('a plain tar checked by the source has its diff_id checked with it', async () => {
    const r = await analyzeLayerStream(asAsync([TAR]), { expectedDigest: sha256(TAR), expectedDiffId: sha256(TAR), checkedDigest: sha256(TAR) });
    expect(r.digest.checkedBy).toBe('source');
    expect(r.diffId).toEqual({ expected: sha256(TAR), actual: sha256(TAR), ok: true });
  });
});
