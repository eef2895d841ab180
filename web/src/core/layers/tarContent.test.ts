/**
 * The content observer (tar.ts `contentObserver`, tarReader.ts ContentSink): each entry's content
 * handed over as views, in order, whatever the chunking; sparse files expanded to their real
 * content (holes as lengths, or as zeros); `end(false)` when the stream fails inside an entry.
 * Expected contents are the files GNU tar archived, or bytes the test wrote itself.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, CHUNKINGS, run, withTempDir } from '../../../test/layers/helpers';
import { concatBytes, entry, tar } from '../../../test/layers/tarWriter';
import { analyzeLayerStream, EntryType, type ContentObserver, type TarEntryInfo } from './index';

interface Seen {
  path: string;
  type: EntryType;
  size: number;
  bytes: Buffer;
  holes: number[];
  complete?: boolean;
  views: number;
}

/** Runs the analysis with an observer that keeps every entry's content (copied from the views). */
async function observe(bytes: Uint8Array, split: (b: Uint8Array) => Iterable<Uint8Array>, opts: { holes?: boolean; want?: (e: TarEntryInfo) => boolean } = {}) {
  const seen: Seen[] = [];
  const observer: ContentObserver = (e) => {
    if (opts.want && !opts.want(e)) return undefined;
    const s: Seen = { path: new TextDecoder().decode(e.path), type: e.type, size: e.size, bytes: Buffer.alloc(0), holes: [], views: 0 };
    seen[e.index] = s;
    const parts: Buffer[] = [];
    return {
      data: (b) => {
        s.views++;
        parts.push(Buffer.from(b)); // a copy: the view is only valid during the call
      },
      ...(opts.holes ? { hole: (n: number) => (s.holes.push(n), parts.push(Buffer.alloc(n))) } : {}),
      end: (complete) => {
        s.bytes = Buffer.concat(parts);
        s.complete = complete;
      },
    };
  };
  const r = await analyzeLayerStream(asAsync(split(bytes)), { contentObserver: observer });
  return { r, seen };
}

const text = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => 97 + ((i * 7 + seed) % 26)));

describe('content observer', () => {
  const files = { empty: Buffer.alloc(0), one: text(1, 1), b511: text(511, 2), b512: text(512, 3), b513: text(513, 4), big: text(100_000, 5) };
  const archive = tar(
    entry({ name: 'dir/', type: '5' }),
    ...Object.entries(files).map(([name, data]) => entry({ name, data })),
    entry({ name: 'link', type: '2', linkname: 'one' }),
    entry({ name: 'dir-with-size', type: '5', size: 700 }),
    entry({ name: 'after', data: 'tail' }),
  );

  test.each(CHUNKINGS)('every entry gets its exact content, chunks of %s', async (_name, split) => {
    const { r, seen } = await observe(archive, split);
    expect(r.error).toBeUndefined();
    expect(seen.map((s) => [s.path, s.type, s.complete])).toEqual([
      ['dir', EntryType.Directory, true],
      ...Object.keys(files).map((n) => [n, EntryType.File, true]),
      ['link', EntryType.Symlink, true],
      ['dir-with-size', EntryType.Directory, true],
      ['after', EntryType.File, true],
    ]);
    for (const [name, data] of Object.entries(files)) expect(seen.find((s) => s.path === name)!.bytes.equals(data), name).toBe(true);
    expect(seen.find((s) => s.path === 'after')!.bytes.toString()).toBe('tail');
    // Entries without content get an end and nothing else.
    for (const p of ['dir', 'link', 'dir-with-size', 'empty']) expect(seen.find((s) => s.path === p)!.views).toBe(0);
  });

  test('views, not copies: with one chunk, a file is one view into the input', async () => {
    const { seen } = await observe(archive, (b) => [b]);
    expect(seen.find((s) => s.path === 'big')!.views).toBe(1);
  });

  test('an observer that declines gets nothing; the index is the same as without one', async () => {
    const { r, seen } = await observe(archive, (b) => chunked(b, 100), { want: (e) => e.type === EntryType.File && e.size > 1000 });
    expect(seen.filter(Boolean).map((s) => s.path)).toEqual(['big']);
    const plain = await analyzeLayerStream(asAsync([archive]));
    expect(r.index).toEqual(plain.index);
  });

  test('the stream ends inside a file: end(false) for that file, complete ones before it', async () => {
    const cut = archive.subarray(0, archive.length - 1024 - 512 - 512 - 512 - 90_000);
    const { r, seen } = await observe(cut, (b) => chunked(b, 333));
    expect(r.error?.kind).toBe('tar');
    const big = seen.find((s) => s.path === 'big')!;
    expect(big.complete).toBe(false);
    expect(files.big.subarray(0, big.bytes.length).equals(big.bytes)).toBe(true);
    expect(seen.find((s) => s.path === 'b513')!.complete).toBe(true);
  });

  test('the info given: index, normalised path, whiteout flags, the raw header', async () => {
    const infos: Array<[number, string, number, string, number]> = [];
    await analyzeLayerStream(
      asAsync([
        tar(entry({ name: './etc/.wh.gone' }), entry({ name: '/usr//bin/tool', data: 'abc' }), entry({ name: 'hard', type: '1', linkname: './usr/bin/tool' })),
      ]),
      {
        contentObserver: (e) => {
          infos.push([e.index, new TextDecoder().decode(e.path), e.flags, new TextDecoder().decode(e.header.name), e.header.dataOffset]);
          return undefined;
        },
      },
    );
    expect(infos).toEqual([
      [0, 'etc/gone', 1, './etc/.wh.gone', 512],
      [1, 'usr/bin/tool', 0, '/usr//bin/tool', 1024],
      [2, 'hard', 0, 'hard', 2048],
    ]);
  });
});

describe('content observer on sparse files (GNU tar -S)', () => {
  /** A sparse file: data at a few places, holes between and after; written with seeks like a sparse file is. */
  function sparseTars(): { content: Buffer; tars: Record<string, Uint8Array> } {
    return withTempDir((root) => {
      const size = 3 * 1024 * 1024 + 777;
      const content = Buffer.alloc(size);
      const fd = openSync(join(root, 'holes'), 'w');
      // 30 regions: more than the 4 an old-GNU header holds, so extension blocks follow it.
      for (let k = 0; k < 30; k++) {
        const at = k * 100_000 + (k % 3) * 4096;
        const data = text(1000 + k * 37, k);
        data.copy(content, at);
        writeSync(fd, data, 0, data.length, at);
      }
      writeSync(fd, Buffer.alloc(1), 0, 1, size - 1); // the file's size (its last byte is a zero)
      closeSync(fd);
      writeFileSync(join(root, 'z-after'), 'after');
      const tars: Record<string, Uint8Array> = {};
      for (const [name, args] of Object.entries({
        'old GNU': ['--format=gnu'],
        'PAX 0.0': ['--format=pax', '--sparse-version=0.0'],
        'PAX 0.1': ['--format=pax', '--sparse-version=0.1'],
        'PAX 1.0': ['--format=pax', '--sparse-version=1.0'],
      })) {
        tars[name] = run('tar', [...args, '-S', '--sort=name', '--owner=0', '--group=0', '-C', root, '-cf', '-', 'holes', 'z-after']);
      }
      return { content, tars };
    });
  }
  const { content, tars } = sparseTars();
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  for (const [format, bytes] of Object.entries(tars)) {
    test(`${format}: the real content, holes as lengths or as zeros, in any chunking`, async () => {
      for (const [name, split] of CHUNKINGS) {
        for (const holes of [true, false]) {
          const { r, seen } = await observe(bytes, split, { holes });
          expect(r.error, `${name}`).toBeUndefined();
          const [file, after] = seen;
          expect(file!.size).toBe(content.length);
          expect(sha(file!.bytes), `${format}, chunks of ${name}, holes ${holes}`).toBe(sha(content));
          expect(file!.complete).toBe(true);
          expect(after!.bytes.toString()).toBe('after');
          if (holes) expect(file!.holes.reduce((a, n) => a + n, 0)).toBeGreaterThan(content.length / 2);
          else expect(file!.holes).toEqual([]);
        }
      }
    });
  }

  test('a sparse map that references more data than the archive stores is an error after the entry (Go: errMissData)', async () => {
    // One old-GNU sparse header: a 10-byte fragment at offset 5 of a 20-byte file, but only 4 bytes stored.
    const map = new Uint8Array(24);
    map.set(new TextEncoder().encode('00000000005\0'), 0);
    map.set(new TextEncoder().encode('00000000012\0'), 12);
    const bad = tar(
      entry({
        name: 'short',
        type: 'S',
        format: 'gnu',
        data: 'abcd',
        patch: [
          [386, map],
          [483, '00000000024\0'],
        ],
      }),
      entry({ name: 'next' }),
    );
    const { r, seen } = await observe(bad, (b) => [b]);
    expect(r.error?.message).toMatch(/references 10 bytes of data but the archive stores 4 \(Go: errMissData\)/);
    expect(r.index.count).toBe(1);
    expect(seen[0]!.complete).toBe(false);
    const ok = concatBytes(
      entry({
        name: 'fine',
        type: 'S',
        format: 'gnu',
        data: 'abcdefghij',
        patch: [
          [386, map],
          [483, '00000000024\0'],
        ],
      }),
      new Uint8Array(1024),
    );
    const good = await observe(ok, (b) => chunked(b, 3), { holes: true });
    expect(good.r.error).toBeUndefined();
    expect(good.seen[0]!.bytes).toEqual(Buffer.concat([Buffer.alloc(5), Buffer.from('abcdefghij'), Buffer.alloc(5)]));
    expect(good.seen[0]!.holes).toEqual([5, 5]);
  });
});
