/**
 * The seek index beyond plain gzip: its serialization (round trip; damaged records are refused,
 * never misread), zstd frame points (frames from the zstd CLI, concatenated as zstd:chunked
 * does; a single frame has none), the read through a Layer's openRange (206, and a registry
 * that answers 200 with the whole blob), and the background queue's pausing.
 */
import { crc32 as zlibCrc32, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, randomChunked, sha256, zstd } from '../../../../test/layers/helpers';
import { rng } from '../../../../test/fs/testing';
import type { RangeRead } from '../../image';
import { SeekIndexBuilder, type SeekBuildJob } from './background';
import { buildSeekIndex } from './build';
import { extractWithIndex } from './extractBySeek';
import { parseSeekIndex, serializeSeekIndex } from './format';
import { readFromRestart } from './read';
import { planRead, type SeekIndex } from './seekIndex';

/** Half text, half random bytes: compressible and not, like a layer of binaries and docs. */
function content(bytes: number, seed: number): Uint8Array {
  const rand = rng(seed);
  const out = new Uint8Array(bytes);
  const text = new TextEncoder().encode('/usr/lib/x86_64-linux-gnu/libstdc++.so.6 -> libstdc++.so.6.0.30\n');
  for (let o = 0; o < bytes; o += 4096) {
    const n = Math.min(4096, bytes - o);
    if (rand() < 0.5) for (let k = 0; k < n; k++) out[o + k] = text[(o + k) % text.length]!;
    else for (let k = 0; k < n; k++) out[o + k] = Math.floor(rand() * 256);
  }
  return out;
}

async function build(blob: Uint8Array, compression: 'gzip' | 'zstd', options: { span?: number; frameSpan?: number } = {}): Promise<SeekIndex> {
  const result = await buildSeekIndex(asAsync(randomChunked(blob, 1, 9000)), { compression, expectedDigest: sha256(blob), ...options });
  if ('error' in result) throw new Error(result.error);
  return result.index;
}

describe('serialization', () => {
  const tar = content(2_000_000, 1);
  const blob = new Uint8Array(gzipSync(tar));

  test('round trip: the same points, windows, CRCs and facts', async () => {
    const index = await build(blob, 'gzip', { span: 128 * 1024 });
    const parsed = parseSeekIndex(serializeSeekIndex(index))!;
    // Windows by hash: comparing 32 KiB arrays element by element is slow.
    const facts = (i: SeekIndex) => ({
      ...i,
      spanCrcs: Array.from(i.spanCrcs),
      points: i.points.map((p) => ({ ...p, window: p.window && `${p.window.length} ${sha256(p.window)}` })),
    });
    expect(facts(parsed)).toEqual(facts(index));
    expect(index.points.length).toBeGreaterThan(10);
  });

  test('windows are stored deflated: the index is a small share of the layer', async () => {
    const index = await build(blob, 'gzip', { span: 128 * 1024 });
    const raw = index.points.reduce((s, p) => s + (p.window?.length ?? 0), 0);
    const stored = serializeSeekIndex(index).length;
    expect(raw).toBeGreaterThan(10 * 32768);
    expect(stored).toBeLessThan(raw);
  });

  test('a damaged record is refused: truncated, extended, bad magic, bad kind, unordered points, a bad window', async () => {
    const index = await build(blob, 'gzip', { span: 128 * 1024 });
    const good = serializeSeekIndex(index);
    const damaged: Uint8Array[] = [good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), good.subarray(0, 20)];
    const flip = (at: number, value: number): Uint8Array => {
      const b = good.slice();
      b[at] = value;
      return b;
    };
    damaged.push(flip(0, 0x00)); // magic
    damaged.push(flip(4, 7)); // compression
    const firstPoint = 48 + (index.note?.length ?? 0);
    damaged.push(flip(firstPoint + 16, 9)); // kind
    damaged.push(flip(firstPoint + 17, 8)); // bits
    const second = firstPoint + 32; // points[0] has no window
    const swapped = good.slice();
    new DataView(swapped.buffer).setFloat64(second + 8, 0, true); // out of order
    damaged.push(swapped);
    const window = second + 32;
    damaged.push(flip(window + 3, good[window + 3]! ^ 0xff));
    for (const bytes of damaged) expect(parseSeekIndex(bytes)).toBeUndefined();
  });
});

describe('zstd frames', () => {
  const parts = Array.from({ length: 12 }, (_, n) => content(150_000 + n * 20_000, 50 + n));
  const frames = parts.map((p) => zstd(p, ['-3', '--check']));
  const blob = concat(frames);
  const tar = concat(parts);

  test('each frame start is a point (no window); reads from them match the zstd CLI', async () => {
    const index = await build(blob, 'zstd', { frameSpan: 1 });
    expect(index.points).toHaveLength(frames.length);
    let at = 0;
    let out = 0;
    index.points.forEach((p, k) => {
      expect(p).toEqual({ in: at, bits: 0, out, kind: 'frame' });
      expect(index.spanCrcs[k]).toBe(zlibCrc32(parts[k]!));
      at += frames[k]!.length;
      out += parts[k]!.length;
    });
    expect(index.uncompressedSize).toBe(tar.length);
    const rand = rng(3);
    for (let n = 0; n < 20; n++) {
      const size = Math.floor(rand() * 400_000);
      const offset = Math.floor(rand() * (tar.length - size));
      const plan = planRead(index, offset, size);
      const body = blob.subarray(plan.from, plan.to ?? blob.length);
      const bytes = await readFromRestart(asAsync(chunked(body, 1 + (n % 5) * 3000)), index, plan, { offset, size });
      expect(sha256(bytes)).toBe(sha256(tar.subarray(offset, offset + size)));
    }
  });

  test('frames closer than the span are merged into one point per span', async () => {
    const index = await build(blob, 'zstd', { frameSpan: 500_000 });
    expect(index.points.length).toBeGreaterThan(1);
    expect(index.points.length).toBeLessThan(frames.length);
    for (let k = 1; k < index.points.length; k++) expect(index.points[k]!.out - index.points[k - 1]!.out).toBeGreaterThanOrEqual(500_000);
  });

  test('a single-frame layer has only its start, and says why', async () => {
    const single = zstd(tar, ['-3']);
    const index = await build(single, 'zstd');
    expect(index.points).toHaveLength(1);
    expect(index.note).toMatch(/single zstd frame/);
  });

  test('corrupt bytes inside a frame are an error', async () => {
    const index = await build(blob, 'zstd', { frameSpan: 1 });
    const k = 5;
    const bad = blob.slice();
    const at = index.points[k]!.in + 400;
    bad[at] = bad[at]! ^ 0x55;
    const offset = index.points[k]!.out + 100;
    const plan = planRead(index, offset, 1000);
    await expect(readFromRestart(asAsync([bad.subarray(plan.from, plan.to)]), index, plan, { offset, size: 1000 })).rejects.toThrow();
  });
});

describe('through a Layer', () => {
  const tar = content(3_000_000, 9);
  const blob = new Uint8Array(gzipSync(tar));

  /** A layer over `blob` that answers ranges (206) or ignores them (200, the whole blob). */
  function layer(honoursRange: boolean, asked: { offset: number; length: number | undefined }[]) {
    return {
      openRange: async (offset: number, length: number | undefined): Promise<RangeRead> => {
        asked.push({ offset, length });
        const bytes = honoursRange ? blob.subarray(offset, length === undefined ? blob.length : offset + length) : blob;
        return { body: streamOf(bytes), whole: !honoursRange, status: honoursRange ? 206 : 200 };
      },
    };
  }

  test('one range read of a small part of the blob', async () => {
    const index = await build(blob, 'gzip', { span: 256 * 1024 });
    const asked: { offset: number; length: number | undefined }[] = [];
    let fetched = 0;
    const offset = tar.length - 5000;
    const r = await extractWithIndex(layer(true, asked), index, { offset, size: 1200 }, undefined, (n) => (fetched += n));
    expect(r.via).toBe('range');
    expect(r.status).toBe(206);
    expect(sha256(r.bytes)).toBe(sha256(gunzipSync(blob).subarray(offset, offset + 1200)));
    expect(asked).toHaveLength(1);
    expect(fetched).toBe(blob.length - asked[0]!.offset);
    expect(fetched).toBeLessThan(blob.length / 4);
  });

  test('a registry that ignores Range (200): read from the start, no error', async () => {
    const index = await build(blob, 'gzip', { span: 256 * 1024 });
    const asked: { offset: number; length: number | undefined }[] = [];
    const offset = 2_000_000;
    const r = await extractWithIndex(layer(false, asked), index, { offset, size: 3000 });
    expect(r.via).toBe('whole');
    expect(r.bytes).toEqual(tar.subarray(offset, offset + 3000));
  });
});

describe('background builds', () => {
  const tar = content(1_500_000, 2);
  const blob = new Uint8Array(gzipSync(tar));

  function job(digest = sha256(blob), opened: { count: number } = { count: 0 }): SeekBuildJob {
    return {
      digest,
      compression: 'gzip',
      uncompressedBytes: tar.length,
      open: async () => {
        opened.count++;
        return asAsync(chunked(blob, 50_000));
      },
    };
  }

  test('waits while the worker is busy, restarts a build that foreground work interrupted, stores once', async () => {
    const stored: string[] = [];
    const built: string[] = [];
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const builder = new SeekIndexBuilder(
      {
        has: async (d) => stored.includes(d),
        store: async (d) => void stored.push(d),
        onBuilt: (d, r) => {
          built.push('error' in r ? `error: ${r.error}` : d);
          finish();
        },
      },
      1000,
    );
    const opened = { count: 0 };
    builder.busy();
    builder.want(job(undefined, opened));
    await new Promise((r) => setTimeout(r, 20));
    expect(opened.count).toBe(0); // busy: nothing read yet
    builder.idle();
    await new Promise((r) => setTimeout(r, 0));
    builder.busy(); // a new analysis arrives mid-build
    builder.idle();
    await done;
    expect(built).toEqual([sha256(blob)]);
    expect(stored).toEqual([sha256(blob)]);
    expect(opened.count).toBeGreaterThanOrEqual(1);
    builder.want(job()); // already built: not again
    expect(builder.pending).toBe(0);
  });

  test('layers below the minimum and bytes that do not match the digest are not kept', async () => {
    const results: string[] = [];
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const builder = new SeekIndexBuilder(
      { has: async () => false, store: async () => {}, onBuilt: (_, r) => (results.push('error' in r ? r.error : 'ok'), finish()) },
      1000,
    );
    builder.want({ ...job(), uncompressedBytes: 10 });
    expect(builder.pending).toBe(0);
    builder.want(job(sha256(tar)));
    await done;
    expect(results).toEqual([expect.stringContaining('hashes to')]);
  });
});

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const it = chunked(bytes, 16_384)[Symbol.iterator]();
  return new ReadableStream({
    pull(c) {
      const r = it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
