/**
 * The per-file content hash (core/layers/contentHash.ts): candidates and cost, on a real layer.
 *
 *   npx tsx web/test/bench/contentHashBench.ts [layer blob] [repeats=3]
 *
 * Default layer: the packages fixture's base layer (e2e/.artifacts/packages, mmdebstrap bookworm,
 * 174 MB of tar, 4,823 entries; built by e2e/fixtures/packages.sh). Two measurements, best of
 * `repeats`:
 *   1. the tar pass alone (headers indexed, content skipped or hashed) on the inflated tar held in
 *      memory, per candidate hasher: XXH64, XXH3, BLAKE3 (hash-wasm);
 *   2. the whole layer as a worker reads it (`analyzeLayerStream`: pako inflate, SHA-256 of the
 *      stored bytes and of the tar, the tar pass), content hash off and on.
 * Run it under `flock /tmp/lading-heavy.lock`. MB = 10^6 bytes of tar.
 */
import { createBLAKE3, createXXHash3, createXXHash64 } from 'hash-wasm';
import { analyzeLayerStream } from '../../src/core/layers/analyze';
import { ContentHashes, type ContentHasher } from '../../src/core/layers/contentHash';
import { LayerIndexBuilder } from '../../src/core/layers/layerIndex';
import { TarParser } from '../../src/core/layers/tar';

interface NodeFs {
  readFileSync(path: string): Uint8Array;
}
interface NodeZlib {
  gunzipSync(data: Uint8Array): Uint8Array;
}
const nodeImport = (m: string): Promise<unknown> => import(/* @vite-ignore */ m);
const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const BLOB = argv[2] ?? 'e2e/.artifacts/packages/layouts/packages/blobs/sha256/1868f1b6d58f3905a4285a4351070b6b32cb7682b24c12e43e46f6fe2b150d04';
const REPEATS = Number(argv[3] ?? 3);
const CHUNK = 64 * 1024;

function chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
    },
  };
}

function best(times: number[]): number {
  return Math.min(...times);
}

async function main(): Promise<void> {
  const fs = (await nodeImport('node:fs')) as NodeFs;
  const zlib = (await nodeImport('node:zlib')) as NodeZlib;
  const stored = fs.readFileSync(BLOB);
  const tar = zlib.gunzipSync(stored);
  const mb = tar.length / 1e6;
  console.log(`layer: ${BLOB}\n${(stored.length / 1e6).toFixed(1)} MB stored, ${mb.toFixed(1)} MB of tar`);

  const candidates: [string, (() => Promise<ContentHasher>) | undefined][] = [
    ['none (content skipped)', undefined],
    ['XXH64 (hash-wasm)', () => createXXHash64()],
    ['XXH3 (hash-wasm)', () => createXXHash3()],
    ['BLAKE3 (hash-wasm)', () => createBLAKE3()],
  ];
  console.log('\n1. tar pass on the inflated tar (64 KiB chunks)');
  for (const [name, create] of candidates) {
    const times: number[] = [];
    let entries = 0;
    for (let r = 0; r < REPEATS; r++) {
      const hashes = create ? new ContentHashes(await create()) : undefined;
      const builder = new LayerIndexBuilder();
      const t0 = performance.now();
      const parser = new TarParser(builder, hashes ? { contentObserver: hashes.observer } : {});
      for (let i = 0; i < tar.length; i += CHUNK) parser.push(tar.subarray(i, i + CHUNK));
      parser.finish();
      times.push(performance.now() - t0);
      entries = builder.count;
    }
    const ms = best(times);
    console.log(`  ${name.padEnd(24)} ${ms.toFixed(0).padStart(6)} ms  ${(mb / (ms / 1000)).toFixed(0).padStart(6)} MB/s  (${entries} entries)`);
  }

  console.log('\n2. whole layer, analyzeLayerStream (pako, SHA-256 of stored bytes and tar), interleaved off/on');
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    for (const hash of [false, true]) {
      const hashes = hash ? new ContentHashes(await createXXHash64()) : undefined;
      const t0 = performance.now();
      const result = await analyzeLayerStream(chunks(stored), { gzipInflater: 'pako', ...(hashes ? { contentObserver: hashes.observer } : {}) });
      const ms = performance.now() - t0;
      if (result.error) throw new Error(result.error.message);
      (hash ? on : off).push(ms);
    }
  }
  const a = best(off);
  const b = best(on);
  console.log(`  content hash off  ${a.toFixed(0).padStart(6)} ms  ${(mb / (a / 1000)).toFixed(0)} MB/s`);
  console.log(`  content hash on   ${b.toFixed(0).padStart(6)} ms  ${(mb / (b / 1000)).toFixed(0)} MB/s`);
  console.log(
    `  cost of the hash  ${(((b - a) / a) * 100).toFixed(1)} % (best of ${REPEATS}; each round: ${off.map((t, i) => `${(((on[i]! - t) / t) * 100).toFixed(1)} %`).join(', ')})`,
  );
}

await main();
