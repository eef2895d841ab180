/**
 * Both zstd decoders (libzstd in WebAssembly, the engine's; fzstd, the fallback) on streams
 * from the zstd CLI: several frames, skippable frames, frames without a content size, every
 * chunking; and on bad streams: corrupt blocks and checksums, truncation, windows over the limit.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CHUNKINGS, chunked, randomChunked, sha256, zstd } from '../../../test/layers/helpers';
import { concatBytes } from './chunks';
import type { Decoder } from './decoder';
import type { LayerError } from './errors';
import { createZstdDecoder, WasmZstdDecoder, ZSTD_MAX_WINDOW, ZstdDecoder } from './zstd';
import { ZstdWasmStream, zstdWasmBytes } from './zstdWasm';

type Factory = (sink: (bytes: Uint8Array) => void) => Promise<Decoder | undefined>;
const DECODERS: Array<[string, Factory]> = [
  ['libzstd (WebAssembly)', (sink) => WasmZstdDecoder.create(sink)],
  ['fzstd', async (sink) => new ZstdDecoder(sink)],
];

/** Text-like bytes (compressible, but not trivially): `n` bytes from a seeded generator. */
function sample(n: number, seed = 1): Uint8Array {
  const words = ['layer', 'tar', 'usr/lib/', 'x86_64-linux-gnu', '.so.1', 'debian', 'share/doc', 'copyright', '\n', ' ', '0755', 'root'];
  const out = new Uint8Array(n);
  let s = seed;
  let o = 0;
  while (o < n) {
    s = (s * 1103515245 + 12345) >>> 0;
    const w = words[(s >>> 16) % words.length] as string;
    for (let i = 0; i < w.length && o < n; i++) out[o++] = w.charCodeAt(i);
    if ((s & 0xff) < 40 && o < n) out[o++] = s >>> 24;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(
    parts,
    parts.reduce((n, p) => n + p.length, 0),
  );
}

function skippable(payload: Uint8Array, variant = 0): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, 0x184d2a50 + variant, true);
  view.setUint32(4, payload.length, true);
  return concat(head, payload);
}

interface Outcome {
  out: Uint8Array;
  error?: LayerError;
}

async function decode(factory: Factory, chunks: Iterable<Uint8Array>): Promise<Outcome> {
  const parts: Uint8Array[] = [];
  const decoder = await factory((b) => parts.push(b.slice()));
  if (!decoder) throw new Error('no decoder');
  let error: LayerError | undefined;
  for (const c of chunks) {
    error = decoder.push(c);
    if (error) break;
  }
  error ??= decoder.finish();
  const out = concat(...parts);
  return error ? { out, error } : { out };
}

const TEXT = sample(400_000);
/** Frame header descriptor: bits 6-7 say how many bytes of content size follow (0: none unless single segment). */
const hasContentSize = (frame: Uint8Array): boolean => (frame[4] as number) >> 6 !== 0 || ((frame[4] as number) & 0x20) !== 0;

const STREAMS: Array<[string, () => Uint8Array, Uint8Array]> = [
  ['one frame without a content size (as Go and zstd from a pipe write it)', () => zstd(TEXT), TEXT],
  ['one frame with a content size and a checksum', () => zstd(TEXT, ['--check', '--content-size', `--stream-size=${TEXT.length}`]), TEXT],
  [
    'many frames and skippable frames (zstd:chunked)',
    () => {
      const frames: Uint8Array[] = [skippable(sample(100, 7), 3)];
      for (let o = 0; o < TEXT.length; o += 37_000) {
        frames.push(zstd(TEXT.subarray(o, o + 37_000), ['--check']));
        if (o % 74_000 === 0) frames.push(skippable(new Uint8Array(0), 15));
      }
      frames.push(zstd(new Uint8Array(0)), skippable(sample(5000, 9)));
      return concat(...frames);
    },
    TEXT,
  ],
];

describe.each(DECODERS)('%s', (_name, factory) => {
  test.each(STREAMS)('%s, at every chunking', async (_what, make, expected) => {
    const blob = make();
    const whole = await decode(factory, [blob]);
    expect(whole.error).toBeUndefined();
    expect(sha256(whole.out)).toBe(sha256(expected));
    for (const [name, split] of CHUNKINGS) {
      const r = await decode(factory, split(blob));
      expect(r.error, `chunks of ${name}`).toBeUndefined();
      expect(r.out.length, `chunks of ${name}`).toBe(expected.length);
      expect(sha256(r.out), `chunks of ${name}`).toBe(sha256(expected));
    }
  });

  test('a stream ending mid-frame is truncated, with the offset where it ended', async () => {
    const blob = zstd(TEXT).subarray(0, 20_000);
    for (const size of [1, 513, blob.length]) {
      const r = await decode(factory, chunked(blob, size));
      expect(r.error).toMatchObject({ kind: 'zstd', offset: blob.length, message: 'unexpected end of zstd stream (truncated)' });
    }
  });

  test('a window above 128 MiB is refused at the frame start, before any allocation', async () => {
    // Magic, descriptor (no checksum, no content size), window descriptor 2^28, then a block.
    const header = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (28 - 10) << 3, 0x01, 0x00, 0x00]);
    const prefix = zstd(sample(1000));
    const r = await decode(factory, chunked(concat(prefix, header), 3));
    expect(r.error).toMatchObject({ kind: 'zstd', offset: prefix.length });
    expect(r.error?.message).toMatch(`exceeds the ${ZSTD_MAX_WINDOW}-byte limit`);
    expect(r.out.length).toBe(1000);
  });

  test('a frame that needs a dictionary is refused', async () => {
    const header = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x58, 0x2a, 0x01, 0x00, 0x00]);
    const r = await decode(factory, [header]);
    expect(r.error).toMatchObject({ kind: 'zstd', offset: 0, message: 'zstd frame needs dictionary 42, which is not supported' });
  });

  test('a corrupt block is an error, never an exception, at every chunking', async () => {
    const blob = zstd(TEXT).slice();
    blob[3000] = (blob[3000] as number) ^ 0x5a;
    for (const [, split] of CHUNKINGS) {
      const r = await decode(factory, split(blob));
      expect(r.error?.kind).toBe('zstd');
      expect(r.error?.offset).toBeGreaterThanOrEqual(0);
      expect(r.error?.offset).toBeLessThanOrEqual(blob.length);
    }
  });
});

describe('libzstd (WebAssembly)', () => {
  test('is what createZstdDecoder gives', async () => {
    const decoder = await createZstdDecoder(() => {});
    expect(decoder).toBeInstanceOf(WasmZstdDecoder);
    expect(decoder.push(zstd(TEXT))).toBeUndefined();
    expect(decoder.finish()).toBeUndefined();
  });

  test('the binary taken from zstddec is WebAssembly with the streaming API', async () => {
    const bytes = await zstdWasmBytes();
    const names = WebAssembly.Module.exports(await WebAssembly.compile(bytes)).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['memory', 'malloc', 'free', 'ZSTD_createDCtx', 'ZSTD_freeDCtx', 'ZSTD_decompressStream']));
  });

  test('leaves fetch as it was', async () => {
    const before = globalThis.fetch;
    await zstdWasmBytes();
    expect(globalThis.fetch).toBe(before);
  });

  test('the test data has a frame without a content size', () => {
    expect(hasContentSize(zstd(TEXT))).toBe(false);
    expect(hasContentSize(zstd(TEXT, ['--content-size', `--stream-size=${TEXT.length}`]))).toBe(true);
  });

  test('a corrupt block is reported at the start of that block, whatever the chunking', async () => {
    // Three blocks of at most 128 KiB: find the second block's header by walking the frame.
    const blob = zstd(TEXT).slice();
    const blockStarts: number[] = [];
    let at = 6; // magic, descriptor, window descriptor
    for (;;) {
      blockStarts.push(at);
      const h = (blob[at] as number) | ((blob[at + 1] as number) << 8) | ((blob[at + 2] as number) << 16);
      const size = (h >> 1) & 3 ? (((h >> 1) & 3) === 1 ? 1 : h >>> 3) : h >>> 3;
      at += 3 + size;
      if (h & 1) break;
    }
    expect(blockStarts.length).toBeGreaterThanOrEqual(3);
    const second = blockStarts[1] as number;
    // The first byte of the block whose change libzstd notices (not every change is noticed
    // without a checksum: some still decode, to other bytes).
    let bad: Uint8Array | undefined;
    for (let k = second + 3; k < second + 200 && !bad; k++) {
      const candidate = blob.slice();
      candidate[k] = (candidate[k] as number) ^ 0xff;
      if ((await decode((s) => WasmZstdDecoder.create(s), [candidate])).error) bad = candidate;
    }
    if (!bad) throw new Error('no corruption found that libzstd notices');
    const outputs = new Set<number>();
    for (const [name, split] of CHUNKINGS) {
      const r = await decode((s) => WasmZstdDecoder.create(s), split(bad));
      expect(r.error, `chunks of ${name}`).toMatchObject({ kind: 'zstd', offset: second });
      expect(r.error?.message).toMatch(/^zstd decoding failed: /);
      outputs.add(r.out.length);
    }
    // What came out before the bad block (its first block) does not depend on the chunking either.
    expect([...outputs]).toEqual([128 * 1024]);
  });

  test('a wrong content checksum is reported at the checksum', async () => {
    const blob = zstd(TEXT, ['--check']).slice();
    blob[blob.length - 2] = (blob[blob.length - 2] as number) ^ 1;
    for (const size of [1, 7, 4096, blob.length]) {
      const r = await decode((s) => WasmZstdDecoder.create(s), chunked(blob, size));
      expect(r.error).toMatchObject({ kind: 'zstd', offset: blob.length - 4 });
      expect(r.error?.message).toMatch(/checksum/);
      expect(r.out.length).toBe(TEXT.length);
    }
  });

  test('damaged streams: the same output, error and offset however the input is split', { timeout: 60_000 }, async () => {
    const parts = [sample(3000, 4), sample(150_000, 5), sample(20, 6)];
    const seed = concat(
      zstd(parts[0] as Uint8Array, ['--check']),
      skippable(sample(40, 8)),
      zstd(parts[1] as Uint8Array),
      zstd(parts[2] as Uint8Array, ['--check']),
    );
    const outcome = async (chunks: Iterable<Uint8Array>): Promise<string> => {
      const r = await decode((s) => WasmZstdDecoder.create(s), chunks);
      return JSON.stringify({ out: sha256(r.out), n: r.out.length, error: r.error });
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        fc.nat({ max: seed.length }),
        fc.integer({ min: 1 }),
        async (flips, cut, chunkSeed) => {
          const bytes = seed.slice(0, Math.max(1, cut));
          for (const { at, xor } of flips) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
          const whole = await outcome([bytes]);
          expect(await outcome(randomChunked(bytes, chunkSeed, 600))).toBe(whole);
          expect(await outcome(chunked(bytes, 1))).toBe(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a sink that throws becomes an error', async () => {
    const decoder = await WasmZstdDecoder.create(() => {
      throw new Error('full');
    });
    const error = decoder?.push(zstd(TEXT));
    expect(error).toMatchObject({ kind: 'zstd', offset: 6, message: 'zstd decoding failed: full' });
    expect(decoder?.finish()).toBe(error);
  });

  test('memory is bounded by the window, not the output, and goes with the stream', async () => {
    // 8 MiB of output: the stream's memory stays at its initial 16 MiB.
    const big = sample(8 << 20, 3);
    const blob = zstd(big, ['-1']);
    const stream = await ZstdWasmStream.create();
    if (!stream) throw new Error('no WebAssembly');
    const initial = stream.memoryBytes;
    expect(initial).toBeLessThanOrEqual(17 << 20);
    let out = 0;
    for (const c of chunked(blob, 65536)) {
      expect(stream.decode(c, (b) => (out += b.length))).toBeUndefined();
      expect(stream.memoryBytes).toBe(initial);
    }
    expect(out).toBe(big.length);
    expect(stream.atFrameEnd).toBe(true);
    stream.release();
    expect(stream.memoryBytes).toBe(0);
    expect(stream.decode(blob, () => {})).toMatch(/released/);
    // A 64 MiB window (zstd --long=26 from a pipe declares it) grows that stream's memory only.
    const long = zstd(sample(100_000), ['--long=26']);
    expect(long[5]).toBe((26 - 10) << 3);
    const wide = await ZstdWasmStream.create();
    const other = await ZstdWasmStream.create();
    expect(wide?.decode(long, () => {})).toBeUndefined();
    expect(wide?.memoryBytes).toBeGreaterThan(64 << 20);
    expect(other?.memoryBytes).toBe(initial);
  });

  test('a stream that ended cleanly gives its instance to the next one; a dropped, failed or large one does not', async () => {
    const blob = zstd(sample(300_000, 5));
    const run = async (finish: (s: ZstdWasmStream) => void): Promise<WebAssembly.Memory | undefined> => {
      const s = await ZstdWasmStream.create();
      if (!s) throw new Error('no WebAssembly');
      const memory = s.memory;
      let out = 0;
      expect(s.decode(blob, (b) => (out += b.length))).toBeUndefined();
      expect(out).toBe(300_000);
      finish(s);
      return memory;
    };
    const first = await run((s) => s.release(true));
    // The next stream reuses it, with a fresh decoder context: its output is right again.
    const second = await run((s) => s.release(true));
    expect(second).toBe(first);
    // Dropped without finishing (release() alone): the next stream gets a new instance.
    const third = await run((s) => s.release());
    const fourth = await run(() => {});
    expect(third).toBe(first);
    expect(fourth).not.toBe(first);
    // A failed stream is not kept either.
    await run((s) => s.release(true)); // one kept again
    const bad = await ZstdWasmStream.create();
    const badMemory = bad?.memory;
    expect(badMemory).toBeDefined();
    const corrupt = blob.slice();
    corrupt.fill(0xff, 20, 2000);
    expect(bad?.decode(corrupt, () => {})).toMatch(/zstd decoding failed/);
    bad?.release(); // as WasmZstdDecoder's fail() does
    expect((await ZstdWasmStream.create())?.memory).not.toBe(badMemory);
    // A 64 MiB window's instance is too large to keep.
    const wide = await ZstdWasmStream.create();
    const wideMemory = wide?.memory;
    expect(wide?.decode(zstd(sample(100_000), ['--long=26']), () => {})).toBeUndefined();
    expect(wide?.atFrameEnd).toBe(true);
    wide?.release(true);
    expect((await ZstdWasmStream.create())?.memory).not.toBe(wideMemory);
  });
});
