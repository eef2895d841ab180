/** Test plumbing for the layer core: chunked sources, CLI tools, hashes. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLayerStream, dumpLayerIndex, type AnalyzeOptions, type LayerAnalysis } from '../../src/core/layers';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Splits `bytes` into chunks of `size` (views, no copies). */
export function* chunked(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let o = 0; o < bytes.length; o += size) yield bytes.subarray(o, Math.min(bytes.length, o + size));
}

/** Splits into chunks of pseudo-random sizes 1..max from a seeded generator. */
export function* randomChunked(bytes: Uint8Array, seed: number, max = 4096): Generator<Uint8Array> {
  let s = seed >>> 0 || 1;
  let o = 0;
  while (o < bytes.length) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const size = 1 + ((s >>> 0) % max);
    yield bytes.subarray(o, Math.min(bytes.length, o + size));
    o += size;
  }
}

export async function* asAsync(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

export function asReadableStream(chunks: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const r = it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
  });
}

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: Uint8Array; env?: Record<string, string> } = {}): Uint8Array {
  const env = opts.env ? { ...process.env, ...opts.env } : undefined;
  const out = execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, env, maxBuffer: 1 << 30 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function gzip(bytes: Uint8Array, level = 6): Uint8Array {
  return run('gzip', [`-${level}`, '-n', '-c'], { input: bytes });
}

export function zstd(bytes: Uint8Array, args: string[] = ['-3']): Uint8Array {
  return run('zstd', [...args, '-q', '-c'], { input: bytes });
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lading-layers-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Everything observable about an analysis, for comparing runs. */
export function summarize(r: LayerAnalysis, opts: { errorOffset?: boolean } = {}): unknown {
  return {
    compression: r.compression,
    dump: dumpLayerIndex(r.index),
    offsets: Array.from(r.index.offset),
    digest: r.digest,
    diffId: r.diffId,
    compressedBytes: r.compressedBytes,
    uncompressedBytes: r.uncompressedBytes,
    error: r.error && {
      kind: r.error.kind,
      message: r.error.message,
      stream: r.error.stream,
      ...(opts.errorOffset !== false ? { offset: r.error.offset } : {}),
    },
  };
}

export const CHUNKINGS: Array<[string, (b: Uint8Array) => Iterable<Uint8Array>]> = [
  ['1', (b) => chunked(b, 1)],
  ['7', (b) => chunked(b, 7)],
  ['511', (b) => chunked(b, 511)],
  ['512', (b) => chunked(b, 512)],
  ['513', (b) => chunked(b, 513)],
  ['random', (b) => randomChunked(b, 0x5eed, 3000)],
];

/**
 * Analyzes `bytes` in one chunk, then again split every way in CHUNKINGS (through both source
 * kinds), and asserts all runs agree. Returns the one-chunk result.
 */
export async function analyzeEveryWay(
  bytes: Uint8Array,
  opts: AnalyzeOptions = {},
  compare: { errorOffset?: boolean; skip1?: boolean } = {},
): Promise<LayerAnalysis> {
  const whole = await analyzeLayerStream(asAsync([bytes]), opts);
  const expected = summarize(whole, compare);
  for (const [name, split] of CHUNKINGS) {
    if (name === '1' && compare.skip1) continue;
    const viaIterable = await analyzeLayerStream(asAsync(split(bytes)), opts);
    expectEqual(summarize(viaIterable, compare), expected, `chunks of ${name} (async iterable)`);
  }
  const viaStream = await analyzeLayerStream(asReadableStream(chunked(bytes, 4096)), opts);
  expectEqual(summarize(viaStream, compare), expected, 'ReadableStream');
  return whole;
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} differs from the one-chunk run:\n  got      ${a.slice(0, 2000)}\n  expected ${e.slice(0, 2000)}`);
}
