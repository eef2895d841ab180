/**
 * Throughput of the layer core on a generated ~100 MB tar (mostly small files; 70% text-like
 * content, 30% incompressible, so it compresses about 2-3x like real layers), fed in 64 KiB
 * chunks like a fetch body.
 *
 *   npx tsx web/test/bench/layerBench.ts [sizeMB=100] [repeats=3]
 *
 * Needs Node (zstd is compressed with the `zstd` CLI, and `gzip -dc | tar -t` is timed as
 * the reference); Node modules are imported dynamically so this file still typechecks
 * under the worker-safe core tsconfig. MB = 10^6 bytes; speeds are per uncompressed byte
 * unless said otherwise. Best of `repeats` runs.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';
import { gzip as pakoGzip } from 'pako';
import { analyzeLayerStream, type AnalyzeOptions } from '../../src/core/layers/analyze';
import { GzipDecoder } from '../../src/core/layers/gzip';
import { LayerIndexBuilder } from '../../src/core/layers/layerIndex';
import { TarParser } from '../../src/core/layers/tar';
import { ZstdDecoder } from '../../src/core/layers/zstd';

interface ChildProcess {
  execFileSync(cmd: string, args: string[], opts: { input?: Uint8Array; maxBuffer?: number }): Uint8Array;
  execSync(cmd: string, opts: { input?: Uint8Array; maxBuffer?: number; shell?: string }): Uint8Array;
}
const nodeImport = (m: string): Promise<unknown> => import(/* @vite-ignore */ m);
const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const SIZE_MB = Number(argv[2] ?? 100);
const REPEATS = Number(argv[3] ?? 3);
const CHUNK = 64 * 1024;

// ---------------------------------------------------------------- data

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const WORDS =
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will can more other its into do time only some could them than then these two may first any like now my such make over our even most me state after also made many before must through back years where much your way well down should because each just those people how too little good very world'.split(
    ' ',
  );

function generateTar(targetBytes: number): { tar: Uint8Array; files: number } {
  const rand = rng(42);
  const enc = new TextEncoder();
  // Text-like filler: compresses about like source code and docs do.
  const filler = enc.encode(Array.from({ length: 400_000 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' '));
  // Binary-like filler (already-compressed files, executables): does not compress.
  const noise = new Uint8Array(8 * 1048576);
  for (let i = 0; i < noise.length; i += 4) {
    const v = Math.floor(rand() * 2 ** 32);
    noise[i] = v & 0xff;
    noise[i + 1] = (v >>> 8) & 0xff;
    noise[i + 2] = (v >>> 16) & 0xff;
    noise[i + 3] = v >>> 24;
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let files = 0;
  const header = (name: string, size: number, type: string): Uint8Array => {
    const h = new Uint8Array(512);
    h.set(enc.encode(name).subarray(0, 100), 0);
    h.set(enc.encode('0000644\0'), 100);
    h.set(enc.encode('0000000\0'), 108);
    h.set(enc.encode('0000000\0'), 116);
    h.set(enc.encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
    h.set(enc.encode('14544112600\0'), 136);
    h[156] = type.charCodeAt(0);
    h.set(enc.encode('ustar\x0000'), 257);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    return h;
  };
  let dir = 0;
  while (total < targetBytes) {
    if (files % 50 === 0) {
      dir++;
      const h = header(`usr/share/pkg${dir}/`, 0, '5');
      parts.push(h);
      total += 512;
    }
    const r = rand();
    // 80% small (< 4 KiB), 18% medium (< 64 KiB), 2% large (< 2 MiB); 30% of them binary-like.
    const size = Math.floor(r < 0.8 ? rand() * 4096 : r < 0.98 ? rand() * 65536 : rand() * 2 * 1048576);
    parts.push(header(`usr/share/pkg${dir}/file-${files}.txt`, size, '0'));
    const source = rand() < 0.3 ? noise : filler;
    const start = Math.floor(rand() * (source.length - size - 1));
    const data = new Uint8Array(size + ((512 - (size % 512)) % 512));
    data.set(source.subarray(start, start + size));
    parts.push(data);
    total += 512 + data.length;
    files++;
  }
  parts.push(new Uint8Array(1024));
  total += 1024;
  const tar = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    tar.set(p, o);
    o += p.length;
  }
  return { tar, files };
}

function chunks(b: Uint8Array, size = CHUNK): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < b.length; o += size) out.push(b.subarray(o, Math.min(b.length, o + size)));
  return out;
}

async function* iterate(cs: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of cs) yield c;
}

async function nativeGzip(b: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// ---------------------------------------------------------------- timing

async function best(label: string, bytes: number, fn: () => unknown): Promise<number> {
  let ms = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  const mbs = bytes / 1e6 / (ms / 1000);
  console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms  ${mbs.toFixed(0).padStart(5)} MB/s`);
  return mbs;
}

// ---------------------------------------------------------------- main

const cp = (await nodeImport('node:child_process')) as ChildProcess;

console.log(`generating ~${SIZE_MB} MB tar …`);
const { tar, files } = generateTar(SIZE_MB * 1e6);
const gz = await nativeGzip(tar);
const zst = cp.execFileSync('zstd', ['-3', '-q', '-c', '-T1'], { input: tar, maxBuffer: 1 << 30 });
const tarChunks = chunks(tar);
const gzChunks = chunks(gz);
const zstChunks = chunks(zst);
console.log(
  `tar ${(tar.length / 1e6).toFixed(1)} MB, ${files} files; gzip ${(gz.length / 1e6).toFixed(1)} MB; zstd -3 ${(zst.length / 1e6).toFixed(1)} MB; ${CHUNK / 1024} KiB chunks; best of ${REPEATS}\n`,
);

console.log('-- hashing only (SHA-256 over the tar)');
await best('hash-wasm sha256 (WASM)', tar.length, async () => {
  const h = await createSHA256();
  h.init();
  for (const c of tarChunks) h.update(c);
  h.digest();
});
await best('@noble/hashes sha256 (pure JS)', tar.length, () => {
  const h = nobleSha256.create();
  for (const c of tarChunks) h.update(c);
  h.digest();
});

console.log('\n-- pieces');
await best('tar headers only (TarParser)', tar.length, () => {
  const p = new TarParser(new LayerIndexBuilder());
  for (const c of tarChunks) p.push(c);
  p.finish();
});
await best('pako inflate only (GzipDecoder, 64 KiB output)', tar.length, () => {
  const d = new GzipDecoder(() => {});
  for (const c of gzChunks) d.push(c);
  d.finish();
});
await best('fzstd only (ZstdDecoder)', tar.length, () => {
  const d = new ZstdDecoder(() => {});
  for (const c of zstChunks) d.push(c);
  d.finish();
});
await best('native DecompressionStream("gzip") only', tar.length, async () => {
  const reader = iterateStream(gzChunks).pipeThrough(gunzipStream()).getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
  }
});

console.log('\n-- analyzeLayerStream (digest + diff_id + index)');
const full = async (cs: Uint8Array[], opts: AnalyzeOptions = {}) => {
  const r = await analyzeLayerStream(iterate(cs), opts);
  if (r.error) throw new Error(r.error.message);
};
await best('plain tar (one hash: digest = diff_id)', tar.length, () => full(tarChunks));
await best('gzip (pako) + tar, both hashes', tar.length, () => full(gzChunks));
await best('gzip (pako) + tar, digest only (computeDiffId: false)', tar.length, () => full(gzChunks, { computeDiffId: false }));
await best('zstd (fzstd) + tar, both hashes', tar.length, () => full(zstChunks));
await best('zstd (fzstd) + tar, digest only (computeDiffId: false)', tar.length, () => full(zstChunks, { computeDiffId: false }));
await best('gzip + tar, both hashes, @noble/hashes', tar.length, () => full(gzChunks, { hasher: 'js' }));

console.log('\n-- reference: native tools (one process each, incl. spawn)');
await best('gzip -dc | tar -t', tar.length, () => cp.execSync('gzip -dc | tar -t > /dev/null', { input: gz, maxBuffer: 1 << 30 }));
await best('zstd -dc | tar -t', tar.length, () => cp.execSync('zstd -dc | tar -t > /dev/null', { input: zst, maxBuffer: 1 << 30 }));
await best('gzip -dc | sha256sum', tar.length, () => cp.execSync('gzip -dc | sha256sum > /dev/null', { input: gz, maxBuffer: 1 << 30 }));

console.log('\n-- native DecompressionStream("gzip") and multi-member / trailing data');
const a = new TextEncoder().encode('first member\n');
const b = new TextEncoder().encode('second member\n');
const two = concat(pakoGzip(a), pakoGzip(b));
console.log(`two members:           ${await describeNative(two)}`);
console.log(`member boundary split: ${await describeNative(two, pakoGzip(a).length)}`);
console.log(`trailing garbage:      ${await describeNative(concat(pakoGzip(a), new TextEncoder().encode('junk')))}`);
console.log(`trailing zeros:        ${await describeNative(concat(pakoGzip(a), new Uint8Array(16)))}`);

function gunzipStream(): ReadableWritablePair<Uint8Array, Uint8Array> {
  // lib.dom types the writable side as BufferSource; Uint8Array chunks are what it takes.
  return new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
}

function iterateStream(cs: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = cs[i++];
      if (next) c.enqueue(next);
      else c.close();
    },
  });
}

function concat(x: Uint8Array, y: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
}

async function describeNative(input: Uint8Array, splitAt?: number): Promise<string> {
  const cs = splitAt === undefined ? [input] : [input.subarray(0, splitAt), input.subarray(splitAt)];
  try {
    const out = await new Response(iterateStream(cs).pipeThrough(gunzipStream())).arrayBuffer();
    return `ok, ${JSON.stringify(new TextDecoder().decode(out))}`;
  } catch (e) {
    return `error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
}
