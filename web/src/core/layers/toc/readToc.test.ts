/**
 * The TOC of eStargz and zstd:chunked layers, read by ranges, against the tar pass over the
 * same blob: the TOC's index must be the tar pass's index (same dump: types, modes, owners,
 * sizes, mtimes, links, whiteout facts), and every file's content read from its chunks must be
 * what GNU tar extracts. Layers are written from the formats' documentation around tars made by
 * dpkg-deb (Debian's hello package) and GNU tar (test/layers/tocLayers.ts); gzip(1) and zstd(1)
 * confirm each blob decompresses to the diff it claims.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { gzip, run, sha256, withTempDir } from '../../../../test/layers/helpers';
import { buildEstargz, buildZstdChunked, listTar, memoryRanges, type BuiltTocLayer, type TocJsonEntry } from '../../../../test/layers/tocLayers';
import { analyzeLayerStream, dumpLayerIndex, pathOf, type LayerAnalysis } from '../index';
import { readTocContent, tocContentPlan } from './content';
import { compareTocWithTar } from './compare';
import { readLayerToc, TAIL_BYTES, type LayerToc, type TocReading } from './readToc';
import { RangeUnsupportedError } from './ranges';
import { TOC_NO_OFFSET } from './toIndex';

const DEB = fileURLToPath(new URL('../../../../test/layers/hello_2.10-3_amd64.deb', import.meta.url));
const hasTools = !!process.env.CI || ['dpkg-deb', 'tar', 'gzip', 'zstd'].every((t) => spawnSync(t, ['--version']).status === 0);

/** A tree with what TOCs must carry through: whiteouts, an opaque marker, links, a long name, odd modes and names. */
function handMadeTar(dir: string): Uint8Array {
  const root = join(dir, 'tree');
  const long = `${'deep/'.repeat(25)}file-with-a-long-name.txt`;
  for (const d of ['etc', 'usr/share/doc/hello', 'root', 'bin', 'tmp', long.slice(0, long.lastIndexOf('/'))]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/.wh.issue.net'), '');
  writeFileSync(join(root, 'root/.wh.example'), '');
  writeFileSync(join(root, 'usr/share/doc/hello/.wh..wh..opq'), '');
  writeFileSync(join(root, 'usr/share/doc/hello/README'), 'replaced\n');
  writeFileSync(join(root, 'bin/tool'), Buffer.alloc(70_000, 'abcdefghij'));
  chmodSync(join(root, 'bin/tool'), 0o4755);
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'a name with spaces ü.txt'), 'spaces\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, long), 'long\n');
  symlinkSync('../bin/tool', join(root, 'etc/tool-link'));
  linkSync(join(root, 'bin/tool'), join(root, 'bin/tool-hardlink'));
  run('mkfifo', [join(root, 'tmp/fifo')]);
  return run('tar', ['--format=gnu', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@1700000000', '-C', root, '-cf', '-', '.']);
}

const TYPE_BITS: Record<string, number> = { dir: 0o40000, reg: 0o100000, symlink: 0o120000, fifo: 0o10000 };
function withTypeBits(e: TocJsonEntry): void {
  if (typeof e.mode === 'number') e.mode |= TYPE_BITS[e.type] ?? 0;
}

/** A copy with the byte at `at` inverted. */
function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

interface Case {
  name: string;
  tar: Uint8Array;
  layer: BuiltTocLayer;
  tarPass: LayerAnalysis;
}

const cases: Case[] = [];

async function tarPassOf(layer: BuiltTocLayer): Promise<LayerAnalysis> {
  return analyzeLayerStream(
    (async function* () {
      yield layer.blob;
    })(),
    { expectedDigest: sha256(layer.blob), expectedDiffId: sha256(layer.diff) },
  );
}

async function found(
  layer: BuiltTocLayer,
  options: Parameters<typeof readLayerToc>[1] = {},
): Promise<{ toc: LayerToc; reading: TocReading; reads: Array<[number, number]> }> {
  const ranges = memoryRanges(layer.blob);
  const reading = await readLayerToc(ranges, { annotations: layer.annotations, ...options });
  if (reading.status !== 'found') throw new Error(`no TOC: ${reading.status} ${'reason' in reading ? reading.reason : ''}`);
  return { toc: reading.toc, reading, reads: ranges.reads };
}

describe.skipIf(!hasTools)('TOC first', () => {
  beforeAll(async () => {
    const hello = run('dpkg-deb', ['--fsys-tarfile', DEB]);
    const handMade = withTempDir(handMadeTar);
    const built = withTempDir((dir) =>
      [
        ['hello', hello],
        ['hand-made', handMade],
      ].flatMap(([name, tar]) => [
        {
          name: `eStargz ${name as string}`,
          tar: tar as Uint8Array,
          // Modes with Go's file-type bits, as TOCs written from tar.FileInfoHeader carry them (docs/estargz.md's example: 16877).
          layer: buildEstargz(tar as Uint8Array, dir, { chunkSize: 8192, edit: (toc) => toc.entries.forEach(withTypeBits) }),
        },
        { name: `zstd:chunked ${name as string}`, tar: tar as Uint8Array, layer: buildZstdChunked(tar as Uint8Array, { chunkSize: 16384 }) },
      ]),
    );
    for (const b of built) cases.push({ ...b, tarPass: await tarPassOf(b.layer) });
  }, 60_000);

  test('the layers are what they claim: gzip(1) / zstd(1) give the diff, the tar pass verifies both digests', () => {
    expect(cases).toHaveLength(4);
    for (const c of cases) {
      const tool = c.name.startsWith('eStargz') ? 'gzip' : 'zstd';
      expect(sha256(run(tool, ['-dc'], { input: c.layer.blob })), c.name).toBe(sha256(c.layer.diff));
      expect(c.tarPass.error, c.name).toBeUndefined();
      expect(c.tarPass.digest.ok && c.tarPass.diffId.ok, c.name).toBe(true);
    }
  });

  test('the TOC maps to the index the tar pass builds from the same blob', async () => {
    for (const c of cases) {
      const { toc, reading } = await found(c.layer);
      expect(dumpLayerIndex(toc.index), c.name).toBe(dumpLayerIndex(c.tarPass.index));
      expect(toc.tocDigest.ok, c.name).toBe(true);
      expect(
        Array.from(toc.index.offset).every((o) => o === TOC_NO_OFFSET),
        c.name,
      ).toBe(true);
      expect(compareTocWithTar(toc.index, c.tarPass.index), c.name).toMatchObject({ agrees: true, differences: 0 });
      // The footer and a small TOC in one request (the blob's last TAIL_BYTES, or the manifest's range).
      expect(reading.requests, c.name).toBe(1);
      expect(reading.fetchedBytes, c.name).toBeLessThanOrEqual(Math.min(c.layer.blob.length, TAIL_BYTES));
    }
    // Asking for a short tail, a TOC that does not fit takes a second request; still a part of the blob.
    const hello = cases.find((c) => c.name === 'eStargz hello')!;
    const short = await found(hello.layer, { tailBytes: 256 });
    expect(short.reading.requests).toBe(2);
    expect(short.reading.fetchedBytes).toBeLessThan(hello.layer.blob.length / 2);
    // The hand-made tree's facts came through: GNU tar's members, plus eStargz's TOC entry.
    const handMade = cases.find((c) => c.name === 'eStargz hand-made')!;
    const dump = dumpLayerIndex((await found(handMade.layer)).toc.index);
    expect(dump).toMatch(/ etc\/issue\.net \[whiteout\]\n/);
    expect(dump).toMatch(/ usr\/share\/doc\/hello \[opaque\]\n/);
    expect(dump).toMatch(/^-rwsr-xr-x .* bin\/tool$/m);
    expect(dump).toMatch(/ bin\/tool-hardlink link to bin\/tool$/m);
    expect(dump).toMatch(/ etc\/tool-link -> \.\.\/bin\/tool$/m);
    expect(dump).toMatch(/^p.* tmp\/fifo$/m);
    expect(dump).toMatch(/ stargz\.index\.json\n$/);
    expect(listTar(handMade.tar).entries.length + 1).toBe(handMade.tarPass.index.count);
  });

  test("every file's content comes from its chunks, as GNU tar extracts it", async () => {
    for (const c of cases) {
      const { toc } = await found(c.layer);
      const ranges = memoryRanges(c.layer.blob);
      let files = 0;
      const dir = mkdtempSync(join(tmpdir(), 'lading-toc-'));
      try {
        run('tar', ['-xf', '-', '-C', dir], { input: c.tar });
        for (let i = 0; i < toc.index.count; i++) {
          const plan = tocContentPlan(toc.content, toc.compression, i, toc.index.size[i]!);
          const path = pathOf(toc.index, i);
          if (!plan || path === 'stargz.index.json') continue;
          const reads = ranges.reads.length;
          const bytes = await readTocContent(ranges, plan);
          expect(sha256(bytes), `${c.name} ${path}`).toBe(sha256(readFileSync(join(dir, path))));
          expect(ranges.reads.length - reads, `${c.name} ${path}: one range read`).toBe(1);
          files++;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(files, c.name).toBeGreaterThan(2);
    }
  }, 30_000);

  test('a file split into several chunks is read in one request and checked chunk by chunk', async () => {
    const c = cases.find((x) => x.name === 'eStargz hand-made')!;
    const { toc } = await found(c.layer);
    const i = Array.from({ length: toc.index.count }, (_, k) => k).find((k) => pathOf(toc.index, k) === 'bin/tool')!;
    const plan = tocContentPlan(toc.content, toc.compression, i, toc.index.size[i]!)!;
    expect(plan.checks.length).toBe(Math.ceil(70_000 / 8192));
    expect((await readTocContent(memoryRanges(c.layer.blob), plan)).length).toBe(70_000);
  });
});

describe.skipIf(!hasTools)('TOCs that are absent, damaged, too large or lying', () => {
  let tar: Uint8Array;
  let estargz: BuiltTocLayer;
  let chunked: BuiltTocLayer;
  beforeAll(() => {
    tar = run('dpkg-deb', ['--fsys-tarfile', DEB]);
    estargz = withTempDir((dir) => buildEstargz(tar, dir));
    chunked = buildZstdChunked(tar);
  }, 60_000);

  const read = (blob: Uint8Array, annotations: Record<string, string> | undefined, options: Parameters<typeof readLayerToc>[1] = {}) =>
    readLayerToc(memoryRanges(blob), { annotations, ...options });

  test('a plain gzip layer announces no TOC and, probed, has none', async () => {
    const plain = gzip(tar);
    expect(await read(plain, undefined)).toMatchObject({ status: 'absent', requests: 0 });
    expect(await read(plain, {}, { probe: true })).toMatchObject({ status: 'absent', requests: 1, reason: /neither/ });
  });

  test('probing finds an eStargz or zstd:chunked TOC whose descriptor lost its annotations (docker save)', async () => {
    const e = await read(estargz.blob, undefined, { probe: true });
    expect(e).toMatchObject({ status: 'found', toc: { format: 'estargz', tocDigest: { ok: false } } });
    const z = await read(chunked.blob, {}, { probe: true });
    expect(z).toMatchObject({ status: 'found', toc: { format: 'zstd:chunked' } });
  });

  test('a damaged footer, member or JSON fails with a reason (the tar pass goes on)', async () => {
    const footerHit = flip(estargz.blob, estargz.blob.length - 20); // inside the hex offset
    expect(await read(footerHit, estargz.annotations)).toMatchObject({ status: 'failed', format: 'estargz', reason: /footer/ });

    const memberHit = flip(estargz.blob, estargz.blob.length - 51 - 30); // inside the TOC member's deflate data
    expect(await read(memberHit, estargz.annotations)).toMatchObject({ status: 'failed', reason: /inflate|digest|TOC/ });

    const notJson = withTempDir((dir) => buildEstargz(tar, dir, { rewrite: (json) => json.subarray(0, json.length - 10) }));
    expect(await read(notJson.blob, notJson.annotations)).toMatchObject({ status: 'failed', reason: /not JSON/ });

    const badEntry = withTempDir((dir) =>
      buildEstargz(tar, dir, {
        edit: (toc) => {
          toc.entries[3]!.type = 'socket';
        },
      }),
    );
    expect(await read(badEntry.blob, badEntry.annotations)).toMatchObject({ status: 'failed', reason: /type 'socket'/ });

    const outside = withTempDir((dir) =>
      buildEstargz(tar, dir, {
        edit: (toc) => {
          const reg = toc.entries.find((e) => e.type === 'reg')!;
          reg.offset = 10 ** 12;
        },
      }),
    );
    expect(await read(outside.blob, outside.annotations)).toMatchObject({ status: 'failed', reason: /past the layer's data/ });

    const [offset] = chunked.annotations['io.github.containers.zstd-chunked.manifest-position']!.split(':').map(Number) as [number];
    const zHit = flip(chunked.blob, offset + 20);
    expect(await read(zHit, chunked.annotations)).toMatchObject({ status: 'failed', format: 'zstd:chunked', reason: /digest/ });
    expect(
      await read(zHit, { 'io.github.containers.zstd-chunked.manifest-position': chunked.annotations['io.github.containers.zstd-chunked.manifest-position']! }),
    ).toMatchObject({
      status: 'failed',
      reason: /inflate|JSON|TOC/,
    });
    expect(await read(chunked.blob, { 'io.github.containers.zstd-chunked.manifest-position': `${chunked.blob.length}:100:100:1` })).toMatchObject({
      status: 'failed',
      reason: /outside/,
    });
  }, 60_000);

  test('a TOC whose digest is not the one its descriptor announces is not used', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    expect(await read(estargz.blob, { ...estargz.annotations, 'containerd.io/snapshot/stargz/toc.digest': other })).toMatchObject({
      status: 'failed',
      reason: /is not the sha256:0+ its descriptor announces/,
    });
    expect(await read(chunked.blob, { ...chunked.annotations, 'io.github.containers.zstd-chunked.manifest-checksum': other })).toMatchObject({
      status: 'failed',
      reason: /announces/,
    });
  });

  test('a TOC larger than the cap is not read', async () => {
    const size = estargz.tocJson.length;
    expect(await read(estargz.blob, estargz.annotations, { maxTocBytes: Math.floor(size / 2) })).toMatchObject({ status: 'failed', reason: /more than the/ });
    expect(await read(chunked.blob, chunked.annotations, { maxTocBytes: Math.floor(chunked.tocJson.length / 2) })).toMatchObject({
      status: 'failed',
      reason: /more than the/,
    });
    // A tail too short for the TOC: a second request for it.
    const twice = await read(estargz.blob, estargz.annotations, { tailBytes: 51 });
    expect(twice).toMatchObject({ status: 'found', requests: 2 });
  });

  test('a registry that ignores Range, and an abort', async () => {
    const ranges = {
      size: estargz.blob.length,
      read: async () => {
        throw new RangeUnsupportedError('whole blob');
      },
    };
    expect(await readLayerToc(ranges, { annotations: estargz.annotations })).toMatchObject({ status: 'failed', reason: /ignores Range/ });
    const controller = new AbortController();
    controller.abort(new Error('left the page'));
    const slow = { size: estargz.blob.length, read: async (_o: number, _l: number, signal?: AbortSignal) => Promise.reject(signal?.reason as Error) };
    await expect(readLayerToc(slow, { annotations: estargz.annotations, signal: controller.signal })).rejects.toThrow('left the page');
  });

  test('a lying TOC is believed until the tar pass, which it then disagrees with', async () => {
    const lying = withTempDir((dir) =>
      buildEstargz(tar, dir, {
        edit: (toc) => {
          const hello = toc.entries.find((e) => e.name === './usr/bin/hello')!;
          hello.size = (hello.size as number) + 100;
          hello.mode = 0o4755;
          toc.entries.push({ name: './usr/bin/phantom', type: 'reg', mode: 0o755 });
          toc.entries.splice(
            toc.entries.findIndex((e) => e.name === './usr/share/'),
            1,
          );
        },
      }),
    );
    const reading = await read(lying.blob, lying.annotations);
    expect(reading.status).toBe('found');
    if (reading.status !== 'found') return;
    const tarPass = await analyzeLayerStream(
      (async function* () {
        yield lying.blob;
      })(),
      { expectedDigest: sha256(lying.blob), expectedDiffId: sha256(lying.diff) },
    );
    expect(tarPass.digest.ok && tarPass.diffId.ok).toBe(true);
    const check = compareTocWithTar(reading.toc.index, tarPass.index);
    expect(check.agrees).toBe(false);
    expect(check.differences).toBe(3);
    expect(check.examples).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/usr\/bin\/hello: mode 4755 in the TOC, 0755 in the tar; size \d+ in the TOC, \d+ in the tar$/),
        '/usr/bin/phantom: listed in the TOC, not in the tar',
        '/usr/share: in the tar, missing from the TOC',
      ]),
    );
  }, 60_000);

  test("a chunk whose bytes are not the TOC's digest is refused, not shown", async () => {
    const lying = withTempDir((dir) =>
      buildEstargz(tar, dir, {
        edit: (toc) => {
          const copyright = toc.entries.find((e) => e.name === './usr/share/doc/hello/copyright')!;
          copyright.chunkDigest = `sha256:${'1'.repeat(64)}`;
        },
      }),
    );
    const { toc } = await found(lying);
    const i = Array.from({ length: toc.index.count }, (_, k) => k).find((k) => pathOf(toc.index, k) === 'usr/share/doc/hello/copyright')!;
    const plan = tocContentPlan(toc.content, toc.compression, i, toc.index.size[i]!)!;
    await expect(readTocContent(memoryRanges(lying.blob), plan)).rejects.toMatchObject({ name: 'TocContentError', kind: 'digest' });
  }, 60_000);
});
