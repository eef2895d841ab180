/**
 * Restart points against Node's zlib: streams compressed by zlib (several levels and strategies,
 * stored blocks, multi-member) are indexed with small spans so that they have many points; then
 * every point is inflated from, and random files are read with one planned range each. Expected
 * bytes are zlib's own `gunzipSync` output and its `crc32`, never Lading's.
 */
import { constants, crc32 as zlibCrc32, gunzipSync, gzipSync, type ZlibOptions } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, randomChunked, sha256 } from '../../../../test/layers/helpers';
import { rng } from '../../../../test/fs/testing';
import { ExtractError } from '../extract';
import { buildSeekIndex } from './build';
import { crc32 } from './crc32';
import { GzipPointRecorder } from './gzipPoints';
import { readFromRestart } from './read';
import { restartDecoder } from './restart';
import { planRead, type SeekIndex } from './seekIndex';

/** zlib's gzip, as a plain Uint8Array (a Buffer's `slice` would share its bytes). */
const gz = (data: Uint8Array, options: ZlibOptions = {}): Uint8Array => new Uint8Array(gzipSync(data, options));

/** Tar-like content: text runs, repeated records, zeros and incompressible stretches. */
function content(bytes: number, seed: number): Uint8Array {
  const rand = rng(seed);
  const out = new Uint8Array(bytes);
  const words = ['usr/', 'share/', 'doc/', 'lib/', 'x86_64-linux-gnu/', 'include/', '#include <', 'return ', ' = ', ';\n', '\t', 'static ', 'const '];
  let o = 0;
  while (o < bytes) {
    const kind = rand();
    const n = Math.min(bytes - o, 1 + Math.floor(rand() * 20_000));
    if (kind < 0.45) {
      const enc = new TextEncoder();
      let k = 0;
      while (k < n) {
        const w = enc.encode(words[Math.floor(rand() * words.length)]!);
        const m = Math.min(w.length, n - k);
        out.set(w.subarray(0, m), o + k);
        k += m;
      }
    } else if (kind < 0.75) {
      for (let k = 0; k < n; k++) out[o + k] = Math.floor(rand() * 256);
    } else if (kind < 0.85) {
      // zeros (tar padding): out is already zero
    } else {
      // a copy of something earlier, far back (long matches at the window's edge)
      const back = Math.min(o, 1 + Math.floor(rand() * 40_000));
      for (let k = 0; k < n; k++) out[o + k] = out[o + k - back] ?? 0;
    }
    o += n;
  }
  return out;
}

async function indexOf(blob: Uint8Array, chunks: Iterable<Uint8Array>, span: number, memberSpan = span): Promise<SeekIndex> {
  const result = await buildSeekIndex(asAsync(chunks), { compression: 'gzip', expectedDigest: sha256(blob), span, memberSpan });
  if ('error' in result) throw new Error(result.error);
  return result.index;
}

/** Inflates from point `k` to the end of the stream, with the stored bytes given in `size`-byte chunks. */
async function inflateFrom(index: SeekIndex, blob: Uint8Array, k: number, size: number): Promise<Uint8Array> {
  const point = index.points[k]!;
  const parts: Uint8Array[] = [];
  let total = 0;
  const decoder = await restartDecoder(index, point, (b) => {
    parts.push(b.slice());
    total += b.length;
  });
  for (const c of chunked(blob.subarray(point.in - (point.bits ? 1 : 0)), size)) {
    const e = decoder.push(c);
    if (e) throw new Error(e.message);
  }
  const e = decoder.finish();
  if (e) throw new Error(e.message);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A file's bytes read as the worker does: one planned range of the blob, in chunks. */
function readFile(index: SeekIndex, blob: Uint8Array, offset: number, size: number, chunk = 4096): Promise<Uint8Array> {
  const plan = planRead(index, offset, size);
  const body = blob.subarray(plan.from, plan.to ?? blob.length);
  return readFromRestart(asAsync(randomChunked(body, offset + size, chunk)), index, plan, { offset, size });
}

const STREAMS: { name: string; level: number; strategy?: number }[] = [
  { name: 'level 6 (default)', level: 6 },
  { name: 'level 1', level: 1 },
  { name: 'level 9', level: 9 },
  { name: 'stored blocks (level 0)', level: 0 },
  { name: 'Huffman only', level: 6, strategy: constants.Z_HUFFMAN_ONLY },
  { name: 'fixed codes', level: 6, strategy: constants.Z_FIXED },
];

describe('gzip restart points, against zlib', () => {
  const tar = content(3_000_000, 7);

  for (const { name, level, strategy } of STREAMS) {
    test(`${name}: every point inflates to exactly zlib's output from there on`, async () => {
      const blob = gz(tar, { level, ...(strategy !== undefined ? { strategy } : {}) });
      const index = await indexOf(blob, chunked(blob, 65_536), 64 * 1024);
      expect(index.uncompressedSize).toBe(tar.length);
      expect(index.compressedSize).toBe(blob.length);
      expect(index.points.length).toBeGreaterThan(10);
      const whole = gunzipSync(blob);
      for (let k = 0; k < index.points.length; k++) {
        const point = index.points[k]!;
        const spanEnd = index.points[k + 1]?.out ?? whole.length;
        expect(index.spanCrcs[k]).toBe(zlibCrc32(whole.subarray(point.out, spanEnd)));
        if (point.window) expect(sha256(point.window)).toBe(sha256(whole.subarray(Math.max(0, point.out - 32768), point.out)));
      }
      // Inflating to the end from each point is quadratic; a spread of them (first, last, every fifth).
      const picks = index.points.map((_, k) => k).filter((k) => k % 5 === 0 || k === index.points.length - 1);
      for (const k of picks) {
        const from = await inflateFrom(index, blob, k, 8192);
        expect(sha256(from)).toBe(sha256(whole.subarray(index.points[k]!.out)));
      }
    });
  }

  test('points start mid-byte as well as on byte boundaries (inflatePrime is exercised)', async () => {
    const bitsSeen = new Set<number>();
    for (const level of [1, 6, 9]) {
      const blob = gz(tar, { level });
      const index = await indexOf(blob, [blob], 32 * 1024);
      for (const p of index.points) if (p.kind === 'block') bitsSeen.add(p.bits);
    }
    expect([...bitsSeen].filter((b) => b > 0).length).toBeGreaterThanOrEqual(3);
  });

  test('the same points whatever the chunking, down to one byte', async () => {
    const small = content(400_000, 11);
    const blob = gz(small, { level: 6 });
    const reference = await indexOf(blob, [blob], 16 * 1024);
    for (const chunks of [chunked(blob, 1), chunked(blob, 7), randomChunked(blob, 3, 300)]) {
      const index = await indexOf(blob, chunks, 16 * 1024);
      expect(index.points.map(({ in: i, bits, out, kind }) => ({ i, bits, out, kind }))).toEqual(
        reference.points.map(({ in: i, bits, out, kind }) => ({ i, bits, out, kind })),
      );
      expect(Array.from(index.spanCrcs)).toEqual(Array.from(reference.spanCrcs));
    }
  });

  test('random files come out of one planned range each, byte for byte, in tiny and large chunks', async () => {
    const blob = gz(tar, { level: 6 });
    const whole = gunzipSync(blob);
    const index = await indexOf(blob, [blob], 64 * 1024);
    const rand = rng(99);
    for (let n = 0; n < 60; n++) {
      const size = Math.floor(rand() * (n % 3 === 0 ? 200_000 : 3_000));
      const offset = Math.floor(rand() * (tar.length - size));
      const plan = planRead(index, offset, size);
      // The range holds at most the spans the file touches: from its point to the next point after it.
      expect(index.points[plan.point]!.out).toBeLessThanOrEqual(offset);
      expect(plan.verifyEnd).toBeGreaterThanOrEqual(offset + size);
      const bytes = await readFile(index, blob, offset, size, n % 2 ? 1 + (n % 13) : 65_536);
      expect(sha256(bytes)).toBe(sha256(whole.subarray(offset, offset + size)));
    }
  });

  test('a file in the last span is read to the end of the stream, trailer included', async () => {
    const blob = gz(tar, { level: 6 });
    const index = await indexOf(blob, [blob], 64 * 1024);
    const size = 1000;
    const offset = tar.length - size;
    const plan = planRead(index, offset, size);
    expect(plan.to).toBeUndefined();
    expect(plan.verifyEnd).toBe(tar.length);
    expect(await readFile(index, blob, offset, size, 3)).toEqual(tar.subarray(offset));
    // Cut short (a registry that stops early): an error, not a short file.
    const body = blob.subarray(plan.from, blob.length - 20);
    await expect(readFromRestart(asAsync(chunked(body, 999)), index, plan, { offset, size })).rejects.toBeInstanceOf(ExtractError);
  });

  test('corrupt bytes near a restart point are an error, never wrong content', async () => {
    const blob = gz(tar, { level: 6 });
    const index = await indexOf(blob, [blob], 64 * 1024);
    const whole = gunzipSync(blob);
    for (const k of [1, 2, Math.floor(index.points.length / 2), index.points.length - 1]) {
      const point = index.points[k]!;
      for (const delta of [0, 1, 5, 200]) {
        const bad = blob.slice();
        const at = point.in + delta;
        bad[at] = bad[at]! ^ 0x24;
        // A file that starts right at the point: its bytes are inflated from the damaged block.
        const offset = point.out;
        const size = Math.min(4000, whole.length - offset);
        const read = readFile(index, bad, offset, size);
        await expect(read, `point ${k}, byte +${delta}`).rejects.toBeInstanceOf(ExtractError);
      }
    }
  });

  test('a range answered from the wrong place (shifted by a byte) is an error', async () => {
    const blob = gz(tar, { level: 6 });
    const index = await indexOf(blob, [blob], 64 * 1024);
    const offset = index.points[3]!.out + 10;
    const plan = planRead(index, offset, 100);
    const shifted = blob.subarray(plan.from + 1, (plan.to ?? blob.length) + 1);
    await expect(readFromRestart(asAsync([shifted]), index, plan, { offset, size: 100 })).rejects.toBeInstanceOf(ExtractError);
  });

  test('multi-member gzip: member starts are points without a window, and reads cross members', async () => {
    // eStargz-like: many members of different sizes, one of them empty, then a large one.
    const rand = rng(5);
    const pieces: Uint8Array[] = [];
    for (let n = 0; n < 40; n++) pieces.push(content(n === 7 ? 0 : Math.floor(rand() * 120_000), 100 + n));
    pieces.push(content(700_000, 999));
    const members = pieces.map((p, n) => gz(p, { level: n % 3 === 0 ? 1 : 6 }));
    const blob = concat(members);
    const whole = gunzipSync(blob); // Node reads every member
    expect(whole.length).toBe(pieces.reduce((s, p) => s + p.length, 0));
    const index = await indexOf(blob, randomChunked(blob, 8, 5000), 128 * 1024, 200 * 1024);
    expect(index.uncompressedSize).toBe(whole.length);
    const kinds = new Set(index.points.map((p) => p.kind));
    expect(kinds).toEqual(new Set(['member', 'block']));
    for (const p of index.points) if (p.kind === 'member') expect(p.window).toBeUndefined();
    for (let k = 0; k < index.points.length; k++) {
      const end = index.points[k + 1]?.out ?? whole.length;
      expect(index.spanCrcs[k]).toBe(zlibCrc32(whole.subarray(index.points[k]!.out, end)));
    }
    for (let k = 0; k < index.points.length; k += 3) {
      expect(sha256(await inflateFrom(index, blob, k, 1000))).toBe(sha256(whole.subarray(index.points[k]!.out)));
    }
    for (let n = 0; n < 30; n++) {
      const size = Math.floor(rand() * 300_000);
      const offset = Math.floor(rand() * (whole.length - size));
      expect(sha256(await readFile(index, blob, offset, size, 777))).toBe(sha256(whole.subarray(offset, offset + size)));
    }
  });

  test('a stream smaller than a span has only its start, and says so', async () => {
    const blob = gz(content(50_000, 1));
    const index = await indexOf(blob, [blob], 4 * 1024 * 1024);
    expect(index.points).toHaveLength(1);
    expect(index.note).toMatch(/streaming/);
  });
});

describe('building', () => {
  const tar = content(500_000, 3);
  const blob = gz(tar);

  test('bytes that do not hash to the digest give no index', async () => {
    const result = await buildSeekIndex(asAsync([blob]), { compression: 'gzip', expectedDigest: sha256(tar), span: 65_536 });
    expect(result).toEqual({ error: expect.stringContaining('hashes to') });
  });

  test('bad gzip data and a truncated stream give no index', async () => {
    const bad = blob.slice();
    bad[2] = 9; // compression method
    const r1 = await buildSeekIndex(asAsync([bad]), { compression: 'gzip', expectedDigest: sha256(bad) });
    expect('error' in r1).toBe(true);
    const cut = blob.subarray(0, blob.length - 100);
    const r2 = await buildSeekIndex(asAsync([cut]), { compression: 'gzip', expectedDigest: sha256(cut) });
    expect(r2).toEqual({ error: expect.stringContaining('truncated') });
  });

  test('an abort stops the read at once and cancels the source', async () => {
    const controller = new AbortController();
    let cancelled = false;
    let served = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        served++;
        if (served === 3) controller.abort();
        if ((served - 1) * 1000 >= blob.length) c.close();
        else c.enqueue(blob.subarray((served - 1) * 1000, served * 1000));
      },
      cancel() {
        cancelled = true;
      },
    });
    const result = await buildSeekIndex(source, { compression: 'gzip', expectedDigest: sha256(blob), signal: controller.signal });
    expect(result).toEqual({ error: 'aborted' });
    expect(cancelled).toBe(true);
  });

  test('the recorder keeps a window of output from its own member only', () => {
    const first = gz(content(50_000, 21));
    const second = gz(content(200_000, 22), { level: 1 });
    const recorder = new GzipPointRecorder(undefined, { span: 20_000, memberSpan: 10 ** 9 });
    expect(recorder.push(concat([first, second]))).toBeUndefined();
    expect(recorder.finish()).toBeUndefined();
    const inSecond = recorder.points.filter((p) => p.kind === 'block' && p.out > 50_000);
    expect(inSecond.length).toBeGreaterThan(0);
    const firstInSecond = inSecond[0]!;
    expect(firstInSecond.window!.length).toBe(Math.min(32768, firstInSecond.out - 50_000));
  });
});

describe('crc32', () => {
  test("equals zlib's, whole and continued, at every length around the 8-byte step", () => {
    const bytes = content(70_000, 4);
    for (let n = 0; n < 40; n++) expect(crc32(bytes.subarray(0, n))).toBe(zlibCrc32(bytes.subarray(0, n)));
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    const split = crc32(bytes.subarray(12_345), crc32(bytes.subarray(0, 12_345)));
    expect(split).toBe(zlibCrc32(bytes));
  });
});

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
