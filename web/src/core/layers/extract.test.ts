/**
 * extractEntry on real archives from GNU tar, gzip and zstd: every file of a small tree comes
 * out byte for byte, whatever the chunking (1, 7, 512, 513); reading stops at the entry
 * (the source is cancelled long before its end); truncation, corruption and abort.
 */
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { asAsync, asReadableStream, chunked, gzip, run, withTempDir, zstd } from '../../../test/layers/helpers';
import { rng } from '../../../test/fs/testing';
import { ExtractError, extractEntry, MAX_EXTRACT_BYTES } from './extract';
import { analyzeLayerStream, EntryType, layerEntries, type Compression, type LayerEntry } from './index';

interface Archive {
  tar: Uint8Array;
  files: Map<string, Uint8Array>;
}

/** A small tree: text, binary, empty, a name longer than 100 bytes (PAX), a hardlink, a big file last. */
function makeArchive(bigBytes: number): Archive {
  const rand = rng(42);
  const files = new Map<string, Uint8Array>();
  const binary = new Uint8Array(4_000).map(() => Math.floor(rand() * 256));
  files.set('etc/issue', new TextEncoder().encode('Lading fixture image \\n \\l\n\n'));
  files.set('usr/bin/tool', binary);
  files.set('usr/share/empty', new Uint8Array(0));
  files.set(`usr/share/${'long-directory-name/'.repeat(6)}exact512`, new Uint8Array(512).fill(0x61));
  // Zeros, then random bytes: the first compressed blocks are small, the rest is incompressible.
  files.set(
    'zz/big',
    new Uint8Array(bigBytes).map((_, i) => (i < bigBytes / 4 ? 0 : Math.floor(rand() * 256))),
  );
  const tar = withTempDir((root) => {
    for (const [path, bytes] of files) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    linkSync(join(root, 'usr/bin/tool'), join(root, 'usr/bin/tool-hardlink'));
    return run('tar', ['--format=pax', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.']);
  });
  return { tar, files };
}

const COMPRESSORS: Array<[Compression, (t: Uint8Array) => Uint8Array]> = [
  ['none', (t) => t],
  ['gzip', (t) => gzip(t)],
  ['zstd', (t) => zstd(t)],
];

/** Byte equality without vitest's element-by-element diffing (slow on megabytes). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function entriesOf(blob: Uint8Array): Promise<LayerEntry[]> {
  const r = await analyzeLayerStream(asAsync([blob]));
  expect(r.error).toBeUndefined();
  return [...layerEntries(r.index)];
}

/** A source that records how much of it was read and whether it was cancelled. */
function meteredStream(bytes: Uint8Array, chunk: number) {
  const state = { delivered: 0, cancelled: false, reason: undefined as unknown };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        const next = bytes.subarray(at, Math.min(bytes.length, at + chunk));
        at += next.length;
        state.delivered += next.length;
        controller.enqueue(next);
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

let small: Archive;
let large: Archive;
beforeAll(() => {
  small = makeArchive(3_000);
  large = makeArchive(1024 * 1024);
});

describe.each(COMPRESSORS)('%s', (compression, compress) => {
  test('every file comes out exactly, at every chunking, sniffed or told the compression', async () => {
    const blob = compress(small.tar);
    const entries = await entriesOf(blob);
    const files = entries.filter((e) => e.type === EntryType.File);
    expect(files.map((e) => e.path).sort()).toEqual([...small.files.keys()].sort());
    for (const e of files) {
      const expected = small.files.get(e.path)!;
      const range = { offset: e.offset, size: e.size };
      expect(await extractEntry(asAsync([blob]), range)).toEqual(expected);
      for (const size of [1, 7, 512, 513]) {
        const got = await extractEntry(asAsync(chunked(blob, size)), { ...range, compression }).catch((err: unknown) => err);
        expect(got, `${e.path} in chunks of ${size}`).toEqual(expected);
      }
      expect(await extractEntry(asReadableStream(chunked(blob, 4096)), range)).toEqual(expected);
    }
  });

  test('a hardlink is a header only: its target entry holds the bytes', async () => {
    const entries = await entriesOf(compress(small.tar));
    const link = entries.find((e) => e.path === 'usr/bin/tool-hardlink')!;
    expect(link.type).toBe(EntryType.Hardlink);
    expect(link.size).toBe(0);
    const target = entries.find((e) => e.path === link.link)!;
    expect(await extractEntry(asAsync([compress(small.tar)]), target)).toEqual(small.files.get('usr/bin/tool'));
  });

  test('stops reading once the entry is complete: the source is cancelled far before its end', async () => {
    const blob = compress(large.tar);
    const entries = await entriesOf(blob);
    const issue = entries.find((e) => e.path === 'etc/issue')!;
    for (const size of [1, 7, 512, 513]) {
      const { stream, state } = meteredStream(blob, size);
      const bytes = await extractEntry(stream, issue);
      expect(new TextDecoder().decode(bytes)).toBe('Lading fixture image \\n \\l\n\n');
      expect(state.cancelled, `cancelled (chunks of ${size})`).toBe(true);
      // The decoders keep at most a block or a window ahead; the big file (1 MiB, random) is never read.
      expect(state.delivered, `read ${state.delivered} of ${blob.length}`).toBeLessThan(Math.min(blob.length / 8, 64 * 1024));
    }
    // The last file needs (nearly) all of it, and then the source is released, not cancelled.
    const big = entries.find((e) => e.path === 'zz/big')!;
    const { stream, state } = meteredStream(blob, 65536);
    expect(same(await extractEntry(stream, big), large.files.get('zz/big')!)).toBe(true);
    expect(state.delivered).toBeGreaterThan(blob.length * 0.9);
  });

  test('a stream that ends before the content is complete is an error', async () => {
    const blob = compress(large.tar);
    const big = (await entriesOf(blob)).find((e) => e.path === 'zz/big')!;
    const cut = blob.subarray(0, Math.floor(blob.length * 0.6));
    const err = await extractEntry(asAsync(chunked(cut, 513)), big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect((err as ExtractError).kind).toBe(compression === 'none' ? 'tar' : compression);
  });
});

test('an empty entry reads nothing', async () => {
  const { stream, state } = meteredStream(small.tar, 512);
  expect(await extractEntry(stream, { offset: 1024, size: 0 })).toEqual(new Uint8Array(0));
  expect(state.delivered).toBe(0);
  expect(state.cancelled).toBe(true);
});

test('a range read (offset 0, plain) is taken as the content itself', async () => {
  const bytes = new TextEncoder().encode('exactly these bytes');
  expect(await extractEntry(asAsync(chunked(bytes, 3)), { offset: 0, size: bytes.length, compression: 'none' })).toEqual(bytes);
  // Even when they happen to start like gzip: the caller said they are plain.
  const gzipLike = new Uint8Array([0x1f, 0x8b, 1, 2, 3]);
  expect(await extractEntry(asAsync([gzipLike]), { offset: 0, size: 5, compression: 'none' })).toEqual(gzipLike);
});

test('data that is not what the caller said is a decoder error', async () => {
  for (const compression of ['gzip', 'zstd'] as const) {
    const err = await extractEntry(asAsync(chunked(small.tar, 512)), { offset: 1536, size: 10, compression }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect((err as ExtractError).kind).toBe(compression);
  }
});

test('abort rejects with the reason at once, even while the source hangs, and cancels it', async () => {
  let cancelled = false;
  const hanging = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(gzip(small.tar).subarray(0, 100));
    },
    cancel() {
      cancelled = true;
    },
  });
  const controller = new AbortController();
  const pending = extractEntry(hanging, { offset: 5000, size: 10 }, controller.signal);
  setTimeout(() => controller.abort(new Error('left the file')), 10);
  await expect(pending).rejects.toThrow('left the file');
  expect(cancelled).toBe(true);
  const already = new AbortController();
  already.abort(new Error('too late'));
  await expect(extractEntry(asAsync([small.tar]), { offset: 0, size: 1 }, already.signal)).rejects.toThrow('too late');
});

test('bad ranges are refused before reading', async () => {
  await expect(extractEntry(asAsync([]), { offset: -1, size: 1 })).rejects.toThrow(RangeError);
  await expect(extractEntry(asAsync([]), { offset: 0, size: 1.5 })).rejects.toThrow(RangeError);
  await expect(extractEntry(asAsync([]), { offset: 0, size: MAX_EXTRACT_BYTES + 1 })).rejects.toThrow(/at most/);
});
