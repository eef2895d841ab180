/**
 * The per-file content hash column: GNU tar archives of real files, hashes checked against
 * xxhsum (the xxHash project's CLI, Debian package `xxhash`: `xxhsum -H1` is XXH64), chunkings
 * from one byte up, gzip, a sparse file, and the tee of two observers.
 */
import { mkdirSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, gzip, run, withTempDir } from '../../../test/layers/helpers';
import { analyzeLayerStream, EntryFlag, EntryType, layerIndexTransferables, pathOf, type ContentSink, type TarEntryInfo } from './index';
import { ContentHashes, contentHashHex, createContentHasher, hasContentHashes, sameContent } from './contentHash';
import { LayerIndexBuilder } from './layerIndex';
import { combineObservers } from './observers';

function xxhsum(path: string): string {
  return new TextDecoder().decode(run('xxhsum', ['-H1', path])).split(/\s+/)[0]!;
}

/** Files with varied sizes (empty, one byte, across 32-byte stripes and 512-byte blocks, 1 MB). */
const FILES: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['one', new Uint8Array([0x61])],
  ['abc', new TextEncoder().encode('abc')],
  ['s31', new Uint8Array(31).map((_, i) => i * 7)],
  ['s33', new Uint8Array(33).map((_, i) => i * 11)],
  ['b513', new Uint8Array(513).map((_, i) => (i * 31) ^ 0x5a)],
  ['big', new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24)],
  ['copy-of-abc', new TextEncoder().encode('abc')],
];

interface Archive {
  tar: Uint8Array;
  /** xxhsum's hash per regular file path, as the index stores paths. */
  expected: Map<string, string>;
}

function archive(sparse: boolean): Archive {
  return withTempDir((root) => {
    const dir = join(root, 'tree');
    mkdirSync(join(dir, 'd'), { recursive: true });
    const expected = new Map<string, string>();
    for (const [name, bytes] of FILES) {
      writeFileSync(join(dir, 'd', name), bytes);
      expected.set(`d/${name}`, xxhsum(join(dir, 'd', name)));
    }
    linkSync(join(dir, 'd/abc'), join(dir, 'd/hard'));
    symlinkSync('abc', join(dir, 'd/sym'));
    writeFileSync(join(dir, 'd/.wh.gone'), '');
    if (sparse) {
      // A hole, 5 bytes, a hole: GNU tar stores only the data; the hash is of the whole logical file.
      run('truncate', ['-s', '3M', join(dir, 'd/sparse')]);
      run('dd', ['if=/dev/urandom', `of=${join(dir, 'd/sparse')}`, 'bs=1', 'count=5', 'seek=1048576', 'conv=notrunc', 'status=none']);
      expected.set('d/sparse', xxhsum(join(dir, 'd/sparse')));
    }
    const tar = run('tar', [
      '--format=pax',
      ...(sparse ? ['--sparse'] : []),
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      dir,
      '-cf',
      '-',
      '.',
    ]);
    return { tar, expected };
  });
}

async function hashed(source: AsyncIterable<Uint8Array>) {
  const hashes = new ContentHashes(await createContentHasher());
  const analysis = await analyzeLayerStream(source, { contentObserver: hashes.observer });
  return { ...analysis, index: hashes.attach(analysis.index) };
}

function hashes(a: Awaited<ReturnType<typeof hashed>>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (let i = 0; i < a.index.count; i++) out.set(pathOf(a.index, i), contentHashHex(a.index, i));
  return out;
}

describe('content hash column', () => {
  test('XXH64 of published inputs, as xxhsum prints them', async () => {
    // The xxHash project's values for "" and "abc" (seed 0), which `xxhsum -H1` prints too.
    const h = await createContentHasher();
    h.init();
    expect(Buffer.from(h.digest('binary')).toString('hex')).toBe('ef46db3751d8e999');
    h.init();
    h.update(new TextEncoder().encode('abc'));
    expect(Buffer.from(h.digest('binary')).toString('hex')).toBe('44bc2cf5ad770999');
  });

  test('every regular file has xxhsum’s hash; links, directories and whiteouts have none; any chunking', async () => {
    const { tar, expected } = archive(false);
    const whole = await hashed(asAsync([tar]));
    expect(whole.error).toBeUndefined();
    expect(hasContentHashes(whole.index)).toBe(true);
    expect(whole.index.contentHash.length).toBe(2 * whole.index.count);
    const got = hashes(whole);
    for (const [path, hex] of expected) expect(got.get(path), path).toBe(hex);
    for (let i = 0; i < whole.index.count; i++) {
      const path = pathOf(whole.index, i);
      const type = whole.index.type[i];
      const isFile = type === EntryType.File && (whole.index.flags[i]! & EntryFlag.Whiteout) === 0;
      expect(contentHashHex(whole.index, i) !== undefined, path).toBe(isFile);
    }
    for (const size of [1, 7, 512, 4096]) {
      const again = await hashed(asAsync(chunked(tar, size)));
      expect(hashes(again), `chunks of ${size}`).toEqual(hashes(whole));
    }
    const viaGzip = await hashed(asAsync(chunked(gzip(tar), 1000)));
    expect(hashes(viaGzip)).toEqual(hashes(whole));
  });

  test('a GNU sparse file is hashed as its logical bytes (holes as zeros)', async () => {
    const { tar, expected } = archive(true);
    const got = hashes(await hashed(asAsync(chunked(tar, 3000))));
    expect(got.get('d/sparse')).toBe(expected.get('d/sparse'));
  });

  test('sameContent: equal bytes at two paths, different bytes, and no hash', async () => {
    const { tar } = archive(false);
    const a = (await hashed(asAsync([tar]))).index;
    const at = (p: string) => [...Array(a.count).keys()].find((i) => pathOf(a, i) === p)!;
    expect(sameContent(a, at('d/abc'), a, at('d/copy-of-abc'))).toBe(true);
    expect(sameContent(a, at('d/abc'), a, at('d/one'))).toBe(false);
    expect(sameContent(a, at('d/abc'), a, at('d/sym'))).toBeUndefined();
  });

  test('a file cut short by the end of the stream has no hash', async () => {
    const { tar } = archive(false);
    const a = await hashed(asAsync([tar]));
    const big = [...Array(a.index.count).keys()].find((i) => pathOf(a.index, i) === 'd/big')!;
    const cut = await hashed(asAsync([tar.subarray(0, a.index.offset[big]! + 1000)]));
    expect(cut.error).toBeDefined();
    expect(contentHashHex(cut.index, big)).toBeUndefined();
    expect(cut.index.contentHash.length).toBe(2 * cut.index.count);
  });

  test('the column travels with the index (its own buffer in the transfer list)', async () => {
    const { tar } = archive(false);
    const { index } = await hashed(asAsync([tar]));
    expect(layerIndexTransferables(index)).toContain(index.contentHash.buffer);
    expect(new LayerIndexBuilder().finish().contentHash.length).toBe(0);
  });
});

describe('combineObservers', () => {
  test('both observers see the content; the hash is unchanged by the tee', async () => {
    const { tar, expected } = archive(true);
    const hashes1 = new ContentHashes(await createContentHasher());
    const captured = new Map<string, number[]>();
    // A second observer that keeps two files' bytes, one taking holes as lengths.
    const capture = (entry: TarEntryInfo): ContentSink | undefined => {
      const path = new TextDecoder().decode(entry.path);
      if (path !== 'd/abc' && path !== 'd/sparse') return undefined;
      const got: number[] = [];
      captured.set(path, got);
      return {
        data: (bytes) => void got.push(bytes.length),
        ...(path === 'd/sparse' ? { hole: (length: number) => void got.push(-length) } : {}),
        end: () => {},
      };
    };
    const combined = combineObservers(hashes1.observer, undefined, capture)!;
    const analysis = await analyzeLayerStream(asAsync(chunked(tar, 777)), { contentObserver: combined });
    const index = hashes1.attach(analysis.index);
    for (let i = 0; i < index.count; i++) {
      const path = pathOf(index, i);
      if (expected.has(path)) expect(contentHashHex(index, i), path).toBe(expected.get(path));
    }
    expect(captured.get('d/abc')!.reduce((a, b) => a + b, 0)).toBe(3);
    // The capture took the holes as lengths: data + holes add up to the logical 3 MiB.
    expect(captured.get('d/sparse')!.reduce((a, b) => a + Math.abs(b), 0)).toBe(3 * 1024 * 1024);
    expect(captured.get('d/sparse')!.some((n) => n < 0)).toBe(true);
  });

  test('an entry nobody wants gets no sink; none or one observer is passed through', () => {
    const none = (): ContentSink | undefined => undefined;
    const combined = combineObservers(none, none)!;
    expect(combined({ index: 0, type: EntryType.File, flags: 0, path: new Uint8Array(), size: 5, header: {} as TarEntryInfo['header'] })).toBeUndefined();
    expect(combineObservers(undefined)).toBeUndefined();
    expect(combineObservers(none, undefined)).toBe(none);
  });
});
