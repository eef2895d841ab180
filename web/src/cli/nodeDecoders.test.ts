/**
 * The CLI's Node decoders and hashers inside the core's analysis: zlib's gunzip (nodeGzip.ts),
 * libzstd on a worker thread with the tar hashed there (zstdThread.ts), node:crypto (nodeHash.ts).
 * Layers are made by GNU tar, gzip and zstd in the test; digests by sha256sum. Every case runs at
 * several chunk sizes down to one byte, and damaged layers must be reported exactly as the core's
 * own decoders report them (the second pass that a native failure triggers).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeLayerStream, type AnalyzeOptions, type LayerAnalysis } from '../core/layers';
import type { DeferredStreamHasher } from '../core/layers/hash';
import { nodeGunzip } from './nodeGzip';
import { hasherChosenAtFirstUse, nodeHasher } from './nodeHash';
import { ZstdThreads, type ZstdStream } from './zstdThread';

let dir: string;
let tar: Buffer;
let entries: number;
const pool = new ZstdThreads({ size: 2 });

function sha256sum(bytes: Uint8Array): string {
  return `sha256:${execFileSync('sha256sum', { input: bytes }).toString().split(' ')[0]}`;
}
const gzip = (bytes: Uint8Array): Buffer => execFileSync('gzip', ['-c', '-6', '-n'], { input: bytes, maxBuffer: 1 << 28 });
const zstd = (bytes: Uint8Array): Buffer => execFileSync('zstd', ['-c', '-q', '-3'], { input: bytes, maxBuffer: 1 << 28 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lading-node-decoders-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc/app'), { recursive: true });
  // Text that compresses well, random bytes that do not, and enough of both to fill many zlib windows.
  writeFileSync(join(root, 'etc/app/config.txt'), 'key = value\n'.repeat(10_000));
  let seed = 7;
  const noise = Buffer.alloc(80_000);
  for (let i = 0; i < noise.length; i++) noise[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  writeFileSync(join(root, 'etc/app/noise.bin'), noise);
  writeFileSync(join(root, 'empty'), '');
  execFileSync('tar', ['-C', root, '--owner=0', '--group=0', '--mtime=@1700000000', '-cf', join(dir, 'layer.tar'), '.']);
  tar = readFileSync(join(dir, 'layer.tar'));
  entries = execFileSync('tar', ['-tf', join(dir, 'layer.tar')])
    .toString()
    .trim()
    .split('\n').length;
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

function chunked(bytes: Uint8Array, size: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  };
}

/** The CLI's options (read.ts), for bytes read from memory in chunks of `size`. */
function nodeOptions(bytes: Uint8Array, size: number, extra: AnalyzeOptions = {}): { options: AnalyzeOptions; reopened: () => number } {
  let reopened = 0;
  let stream: ZstdStream | undefined;
  const take = (): DeferredStreamHasher | undefined => {
    const h = stream?.tarHasher;
    stream = undefined;
    return h;
  };
  return {
    reopened: () => reopened,
    options: {
      nativeGzip: () => nodeGunzip(),
      nativeZstd: () => {
        stream = pool.open({ hash: 'sha256' });
        return stream.transform;
      },
      reopen: () => {
        reopened++;
        stream = undefined;
        return Promise.resolve(chunked(bytes, size)());
      },
      deferredHasher: (algorithm) => hasherChosenAtFirstUse(algorithm, take),
      ...extra,
    },
  };
}

async function analyze(stored: Uint8Array, size: number, extra: AnalyzeOptions = {}): Promise<{ result: LayerAnalysis; reopened: number }> {
  const { options, reopened } = nodeOptions(stored, size, extra);
  const result = await analyzeLayerStream(chunked(stored, size)(), { expectedDigest: sha256sum(stored), expectedDiffId: sha256sum(tar), ...options });
  return { result, reopened: reopened() };
}

/** The same bytes through the core's own decoders only (pako, libzstd on this thread, hash-wasm). */
function coreOnly(stored: Uint8Array, size: number): Promise<LayerAnalysis> {
  return analyzeLayerStream(chunked(stored, size)(), { expectedDigest: sha256sum(stored), expectedDiffId: sha256sum(tar) });
}

const SIZES = [1, 7, 4096, 1 << 20];

describe('gzip through zlib (nodeGunzip)', { timeout: 60_000 }, () => {
  it.each(SIZES)('verifies and indexes a layer in %i-byte chunks, without a second pass', async (size) => {
    const stored = gzip(tar);
    const { result, reopened } = await analyze(stored, size);
    expect(result.error).toBeUndefined();
    expect(result.digest.ok && result.diffId.ok).toBe(true);
    expect(result.inflater).toBe('native');
    expect(result.index.count).toBe(entries);
    expect(reopened).toBe(0);
  });

  it('reads every member of a multi-member stream (as eStargz is), natively', async () => {
    const cut = 60_001;
    const stored = Buffer.concat([gzip(tar.subarray(0, cut)), gzip(tar.subarray(cut))]);
    for (const size of [5, 65536]) {
      const { result, reopened } = await analyze(stored, size);
      expect(result.diffId.ok).toBe(true);
      expect(result.inflater).toBe('native');
      expect(result.index.count).toBe(entries);
      expect(reopened).toBe(0);
    }
  });

  it('leaves zero padding after the last member to pako, which reports it as the browser does', async () => {
    const stored = Buffer.concat([gzip(tar), Buffer.alloc(16)]);
    const core = await coreOnly(stored, 4096);
    const { result, reopened } = await analyze(stored, 4096);
    expect(reopened).toBe(1);
    expect(result.inflater).toBe('pako-after-native');
    expect(result.error).toEqual(core.error);
    expect(result.error?.kind).toBe('gzip');
  });

  it('reports damaged data with the core decoder’s error and offset', async () => {
    const stored = gzip(tar);
    const middle = stored.length >> 1;
    for (let i = middle; i < middle + 64; i++) stored[i] = stored[i]! ^ 0x5a;
    for (const size of [1, 4096]) {
      const core = await coreOnly(stored, size);
      const { result } = await analyze(stored, size);
      expect(core.error?.kind).toBe('gzip');
      expect(result.error).toEqual(core.error);
      expect(result.diffId.ok).toBe(false);
      expect(result.digest.ok).toBe(true);
    }
  });

  it('stops at once on abort', async () => {
    const stored = gzip(tar);
    const controller = new AbortController();
    const source = async function* () {
      for (let i = 0; i < stored.length; i += 1024) {
        if (i === 8192) controller.abort(new Error('stop'));
        yield stored.slice(i, i + 1024);
      }
    };
    const { options } = nodeOptions(stored, 1024);
    const result = await analyzeLayerStream(source(), { ...options, signal: controller.signal });
    expect(result.error?.kind).toBe('aborted');
    expect(result.digest.actual).toBeUndefined();
  });
});

describe('zstd on a worker thread (ZstdThreads)', { timeout: 60_000 }, () => {
  it.each(SIZES)('verifies and indexes a layer in %i-byte chunks, the tar hashed on the thread', async (size) => {
    const stored = zstd(tar);
    const { result, reopened } = await analyze(stored, size);
    expect(result.error).toBeUndefined();
    expect(result.digest.ok && result.diffId.ok).toBe(true);
    expect(result.index.count).toBe(entries);
    expect(reopened).toBe(0);
  });

  it('reads several frames back to back', async () => {
    const stored = Buffer.concat([zstd(tar.subarray(0, 43_457)), zstd(tar.subarray(43_457))]);
    const { result, reopened } = await analyze(stored, 999);
    expect(result.diffId.ok).toBe(true);
    expect(result.index.count).toBe(entries);
    expect(reopened).toBe(0);
  });

  it('reports damaged and truncated data with the core decoder’s error and offset', async () => {
    const damaged = zstd(tar);
    const middle = damaged.length >> 1;
    for (let i = middle; i < middle + 16; i++) damaged[i] = damaged[i]! ^ 0xff;
    const truncated = zstd(tar).subarray(0, middle);
    for (const stored of [damaged, truncated]) {
      const core = await coreOnly(stored, 4096);
      const { result, reopened } = await analyze(stored, 4096);
      expect(core.error?.kind).toBe('zstd');
      expect(reopened).toBe(1);
      expect(result.error).toEqual(core.error);
      expect(result.diffId.ok).toBe(false);
    }
  });

  it('stops at once on abort, and the thread takes the next stream', async () => {
    const stored = zstd(tar);
    const controller = new AbortController();
    const source = async function* () {
      for (let i = 0; i < stored.length; i += 512) {
        if (i === 4096) controller.abort(new Error('stop'));
        yield stored.slice(i, i + 512);
      }
    };
    const { options } = nodeOptions(stored, 512);
    const aborted = await analyzeLayerStream(source(), { ...options, signal: controller.signal });
    expect(aborted.error?.kind).toBe('aborted');
    const { result } = await analyze(stored, 65536);
    expect(result.diffId.ok).toBe(true);
  });
});

describe('node:crypto hashers', () => {
  it('hash as sha256sum does, in any chunking, once', async () => {
    const h = nodeHasher('sha256');
    for (let i = 0; i < tar.length; i += 1000) h.update(tar.subarray(i, i + 1000));
    expect(await h.digest()).toBe(sha256sum(tar));
    await expect(h.digest()).rejects.toThrow();
  });

  it('choose at first use: what is offered then, else node:crypto', async () => {
    // As the zstd thread's tar hasher: its bytes were hashed where they were made.
    const offered: DeferredStreamHasher = {
      algorithm: 'sha256',
      update: () => {},
      backlog: () => undefined,
      digest: async () => 'sha256:from-the-thread',
      discard: () => {},
    };
    const offer: { now?: DeferredStreamHasher } = {};
    const local = hasherChosenAtFirstUse('sha256', () => offer.now);
    local.update(tar); // nothing offered yet: hashes here
    offer.now = offered;
    expect(await local.digest()).toBe(sha256sum(tar));
    const elsewhere = hasherChosenAtFirstUse('sha256', () => offer.now);
    elsewhere.update(tar);
    expect(await elsewhere.digest()).toBe('sha256:from-the-thread');
  });
});
