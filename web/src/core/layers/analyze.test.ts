/**
 * Real archives from GNU tar, gzip and zstd over a temp dir, every compression and chunking;
 * digests checked against node:crypto; progress, abort, io failures, transfer.
 */
import { chmodSync, linkSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { analyzeEveryWay, asAsync, asReadableStream, chunked, gzip, run, sha256, withTempDir, zstd } from '../../../test/layers/helpers';
import { concatBytes, entry, tar } from '../../../test/layers/tarWriter';
import {
  analyzeLayerStream,
  dumpLayerIndex,
  EntryFlag,
  EntryType,
  layerEntries,
  layerIndexTransferables,
  sniffCompression,
  type LayerAnalysis,
  type LayerProgress,
} from './index';

const LONG_DIR = `${'a-rather-long-directory-name/'.repeat(5)}leaf`; // > 100 bytes
const LONG_TARGET = `../${'target-component/'.repeat(8)}end`; // > 100 bytes

/** Builds the same tree for every format; `long` adds names that only pax/gnu can store. */
function makeTree(root: string, long: boolean): void {
  mkdirSync(join(root, 'dir/opaque'), { recursive: true });
  writeFileSync(join(root, 'dir/empty'), '');
  writeFileSync(join(root, 'dir/exact512'), new Uint8Array(512).fill(0x61));
  writeFileSync(join(root, 'dir/file.txt'), new Uint8Array(1000).fill(0x62));
  utimesSync(join(root, 'dir/file.txt'), 1700000000.5, 1700000000.5);
  chmodSync(join(root, 'dir/file.txt'), 0o640);
  linkSync(join(root, 'dir/file.txt'), join(root, 'dir/hard'));
  symlinkSync('file.txt', join(root, 'dir/sym'));
  run('mkfifo', [join(root, 'dir/fifo')]);
  writeFileSync(join(root, 'dir/.wh.deleted'), '');
  writeFileSync(join(root, 'dir/opaque/.wh..wh..opq'), '');
  if (long) {
    mkdirSync(join(root, LONG_DIR), { recursive: true });
    writeFileSync(join(root, LONG_DIR, 'f'), 'deep');
    symlinkSync(LONG_TARGET, join(root, 'dir/longlink'));
  }
}

function cliTar(format: 'pax' | 'gnu' | 'ustar'): Uint8Array {
  return withTempDir((root) => {
    makeTree(root, format !== 'ustar');
    // --mtime only where the test does not look at mtimes; pax keeps the fractional one.
    return run('tar', [`--format=${format}`, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.']);
  });
}

/** What `tar -t` lists, normalised the way the index stores paths (whiteouts not applied). */
function tarList(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(run('tar', ['-tf', '-'], { input: bytes }));
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\.\//, '').replace(/\/$/, '').replace(/^\.$/, ''));
}

function expectedPath(p: string): string {
  if (p.endsWith('/.wh..wh..opq')) return p.slice(0, -'/.wh..wh..opq'.length);
  return p.replace(/(^|\/)\.wh\./, '$1');
}

const formats = ['pax', 'gnu', 'ustar'] as const;
const tars: Record<string, Uint8Array> = {};

beforeAll(() => {
  for (const f of formats) tars[f] = cliTar(f);
});

/** Splits the tar at odd places and compresses each part separately (eStargz-like). */
function parts(bytes: Uint8Array): Uint8Array[] {
  return [bytes.subarray(0, 700), bytes.subarray(700, 700), bytes.subarray(700, 3001), bytes.subarray(3001)];
}

const compressions: Array<[string, 'gzip' | 'zstd' | 'none', (t: Uint8Array) => Uint8Array]> = [
  ['plain', 'none', (t) => t],
  ['gzip', 'gzip', (t) => gzip(t)],
  ['gzip -1', 'gzip', (t) => gzip(t, 1)],
  ['gzip, 4 members (one empty)', 'gzip', (t) => concatBytes(...parts(t).map((p) => gzip(p)))],
  ['zstd', 'zstd', (t) => zstd(t)],
  ['zstd --check -19', 'zstd', (t) => zstd(t, ['--check', '-19'])],
  [
    'zstd, 4 frames (one empty) + skippable frame',
    'zstd',
    (t) => {
      const skippable = new Uint8Array([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
      const [a, b, c, d] = parts(t).map((p) => zstd(p));
      return concatBytes(a!, skippable, b!, c!, d!);
    },
  ],
];

describe.each(formats)('GNU tar --format=%s', (format) => {
  test.each(compressions)('%s', async (_name, kind, compress) => {
    const tarBytes = tars[format]!;
    const blob = compress(tarBytes);
    const r = await analyzeEveryWay(blob, { expectedDigest: sha256(blob), expectedDiffId: sha256(tarBytes) });
    expect(r.error).toBeUndefined();
    expect(r.compression).toBe(kind);
    expect(sniffCompression(blob)).toBe(kind);
    expect(r.digest).toEqual({ expected: sha256(blob), actual: sha256(blob), ok: true });
    expect(r.diffId).toEqual({ expected: sha256(tarBytes), actual: sha256(tarBytes), ok: true });
    expect(r.compressedBytes).toBe(blob.length);
    expect(r.uncompressedBytes).toBe(tarBytes.length);

    const es = [...layerEntries(r.index)];
    expect(es.map((e) => e.path)).toEqual(tarList(tarBytes).map(expectedPath));
    const byPath = new Map(es.map((e) => [e.path, e]));
    expect(byPath.get('')?.type).toBe(EntryType.Directory);
    expect(byPath.get('dir/empty')).toMatchObject({ type: EntryType.File, size: 0 });
    expect(byPath.get('dir/exact512')).toMatchObject({ type: EntryType.File, size: 512 });
    expect(byPath.get('dir/fifo')?.type).toBe(EntryType.Fifo);
    expect(byPath.get('dir/sym')).toMatchObject({ type: EntryType.Symlink, link: 'file.txt' });
    expect(byPath.get('dir/deleted')?.flags).toBe(EntryFlag.Whiteout);
    expect(es.filter((e) => e.path === 'dir/opaque').map((e) => e.flags)).toEqual([0, EntryFlag.Opaque]);
    // GNU tar stores whichever of file.txt / hard comes second as a hardlink to the first.
    const pair = [byPath.get('dir/file.txt'), byPath.get('dir/hard')];
    expect(pair.map((e) => e?.type).sort()).toEqual([EntryType.File, EntryType.Hardlink]);
    expect(pair.find((e) => e?.type === EntryType.File)).toMatchObject({ size: 1000, mode: 0o640 });
    expect(pair.find((e) => e?.type === EntryType.Hardlink)?.link).toBe('dir/file.txt');
    if (format === 'pax') expect(byPath.get('dir/file.txt')?.mtime).toBe(1700000000.5);
    else expect(byPath.get('dir/file.txt')?.mtime).toBe(1700000000);
    if (format !== 'ustar') {
      expect(byPath.get(`${LONG_DIR}/f`)).toMatchObject({ type: EntryType.File, size: 4 });
      expect(byPath.get('dir/longlink')?.link).toBe(LONG_TARGET);
    }
  });
});

test('every compression of the same tar gives the same index', async () => {
  const tarBytes = tars.pax!;
  const dumps = new Set<string>();
  for (const [, , compress] of compressions) {
    const r = await analyzeLayerStream(asAsync([compress(tarBytes)]));
    dumps.add(dumpLayerIndex(r.index) + JSON.stringify(Array.from(r.index.offset)));
  }
  expect(dumps.size).toBe(1);
});

describe('GNU tar special cases', () => {
  // chown and mknod need root (CI containers run as root; developer machines may not).
  test.skipIf(process.getuid?.() !== 0)('sparse 9 GiB file (GNU S type, base-256 realsize), huge uid, char device', async () => {
    const bytes = withTempDir((root) => {
      run('truncate', ['-s', '9G', join(root, 'big')]);
      writeFileSync(join(root, 'u'), '');
      run('chown', ['3000000:3000001', join(root, 'u')]);
      run('mknod', [join(root, 'null'), 'c', '1', '3']);
      return run('tar', ['--format=gnu', '-S', '--sort=name', '-C', root, '-cf', '-', 'big', 'null', 'u']);
    });
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect([...layerEntries(r.index)].map((e) => [e.path, e.type, e.size, e.uid])).toEqual([
      ['big', EntryType.File, 9 * 2 ** 30, 0],
      ['null', EntryType.CharDevice, 0, 0],
      ['u', EntryType.File, 0, 3000000],
    ]);
  });

  test('old GNU sparse with a long sparse map (extension blocks before the content)', async () => {
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const bytes = withTempDir((root) => {
      const fd = openSync(join(root, 'holes'), 'w');
      // 30 data regions: more than the 4 the header holds, so extension blocks follow.
      for (let k = 0; k < 30; k++) writeSync(fd, 'data', k * 1024 * 1024);
      closeSync(fd);
      writeFileSync(join(root, 'z-after'), 'after');
      return run('tar', ['--format=gnu', '-S', '--sort=name', '-C', root, '-cf', '-', 'holes', 'z-after']);
    });
    expect(bytes[482]).toBe(1); // isextended is set in the first header
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    const es = [...layerEntries(r.index)];
    expect(es.map((e) => [e.path, e.type, e.size])).toEqual([
      ['holes', EntryType.File, 29 * 1024 * 1024 + 4],
      ['z-after', EntryType.File, 5],
    ]);
    // The content starts after the header and its extension blocks.
    expect(es[0]!.offset).toBeGreaterThan(1024);
    expect(es[0]!.offset % 512).toBe(0);
  });

  test('PAX sparse 1.0 (GNU.sparse.name / realsize)', async () => {
    const bytes = withTempDir((root) => {
      run('truncate', ['-s', '5G', join(root, 'sparse.img')]);
      return run('tar', ['--format=pax', '-S', '--sparse-version=1.0', '-C', root, '-cf', '-', 'sparse.img']);
    });
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect([...layerEntries(r.index)].map((e) => [e.path, e.size])).toEqual([['sparse.img', 5 * 2 ** 30]]);
  });
});

describe('compression errors', () => {
  const tarBytes = () => tars.gnu!;

  test('truncated gzip', async () => {
    const blob = gzip(tarBytes());
    const cut = blob.subarray(0, blob.length - 5);
    const r = await analyzeEveryWay(cut, { expectedDigest: sha256(blob) });
    expect(r.error).toMatchObject({ kind: 'gzip', stream: 'compressed', offset: cut.length });
    expect(r.error?.message).toMatch(/unexpected end of gzip stream/);
    // Everything was decoded before the trailer went missing.
    expect(r.index.count).toBeGreaterThan(10);
    expect(r.digest).toEqual({ expected: sha256(blob), actual: sha256(cut), ok: false });
    expect(r.diffId.actual).toBeUndefined();
  });

  test('gzip with a corrupt CRC', async () => {
    const blob = gzip(tarBytes()).slice();
    blob[blob.length - 6] = (blob[blob.length - 6] ?? 0) ^ 0xff;
    const r = await analyzeEveryWay(blob);
    expect(r.error).toMatchObject({ kind: 'gzip', message: 'incorrect data check' });
  });

  test('garbage after the last gzip member is an error (as in Go), zero padding too', async () => {
    const blob = gzip(tarBytes());
    for (const tail of [new TextEncoder().encode('trailing junk'), new Uint8Array(100)]) {
      const r = await analyzeEveryWay(concatBytes(blob, tail));
      expect(r.error).toMatchObject({ kind: 'gzip', offset: blob.length });
      expect(r.error?.message).toMatch(/after gzip member 1/);
      expect(r.index.count).toBeGreaterThan(10);
    }
  });

  test('truncated zstd', async () => {
    const blob = zstd(tarBytes());
    const r = await analyzeEveryWay(blob.subarray(0, blob.length - 3));
    expect(r.error).toMatchObject({ kind: 'zstd', offset: blob.length - 3 });
    expect(r.error?.message).toMatch(/unexpected end of zstd stream/);
  });

  test('zstd window above 128 MiB is refused before allocating it', async () => {
    const blob = zstd(tarBytes(), ['--long=28']);
    const r = await analyzeEveryWay(blob);
    expect(r.error).toMatchObject({ kind: 'zstd', offset: 0 });
    expect(r.error?.message).toMatch(/window of 268435456 bytes/);
  });

  test('garbage after the last zstd frame', async () => {
    const blob = zstd(tarBytes());
    const r = await analyzeEveryWay(concatBytes(blob, new TextEncoder().encode('junk')));
    expect(r.error).toMatchObject({ kind: 'zstd', offset: blob.length, message: 'not a zstd frame: magic 0x6b6e756a' });
    expect(r.diffId.actual).toBeUndefined();
  });

  test('corrupt zstd block', async () => {
    const blob = zstd(tarBytes(), ['--check']).slice();
    blob[40] = (blob[40] ?? 0) ^ 0x55;
    const r = await analyzeEveryWay(blob, {}, { errorOffset: false });
    expect(r.error?.kind).toMatch(/zstd|tar/);
  });
});

describe('digests', () => {
  test('mismatch is not an error: ok false with both values', async () => {
    const blob = gzip(tars.pax!);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const r = await analyzeLayerStream(asAsync([blob]), { expectedDigest: wrong, expectedDiffId: wrong });
    expect(r.error).toBeUndefined();
    expect(r.digest).toEqual({ expected: wrong, actual: sha256(blob), ok: false });
    expect(r.diffId).toEqual({ expected: wrong, actual: sha256(tars.pax!), ok: false });
  });

  test('no expectation: actual computed, ok false (not verified)', async () => {
    const r = await analyzeLayerStream(asAsync([tars.pax!]));
    expect(r.digest).toEqual({ actual: sha256(tars.pax!), ok: false });
  });

  test('sha512 expectations are verified with sha512', async () => {
    const { createHash } = await import('node:crypto');
    const blob = zstd(tars.pax!);
    const expected = `sha512:${createHash('sha512').update(blob).digest('hex')}`;
    const r = await analyzeLayerStream(asAsync([blob]), { expectedDigest: expected });
    expect(r.digest).toEqual({ expected, actual: expected, ok: true });
    expect(r.diffId.actual).toBe(sha256(tars.pax!));
  });

  test('a malformed expectation is a digest error; the index is still complete', async () => {
    const r = await analyzeLayerStream(asAsync([tars.pax!]), { expectedDigest: 'md5:abc' });
    expect(r.error).toMatchObject({ kind: 'digest' });
    expect(r.digest.ok).toBe(false);
    expect(r.index.count).toBe(tarList(tars.pax!).length);
  });

  test('computeDiffId: false skips hashing the tar', async () => {
    const r = await analyzeLayerStream(asAsync([gzip(tars.pax!)]), { computeDiffId: false });
    expect(r.diffId).toEqual({ ok: false });
  });

  test('the pure-JS hasher gives the same digests', async () => {
    const blob = gzip(tars.pax!);
    const r = await analyzeLayerStream(asAsync(chunked(blob, 1000)), { hasher: 'js' });
    expect(r.digest.actual).toBe(sha256(blob));
    expect(r.diffId.actual).toBe(sha256(tars.pax!));
  });
});

describe('progress', () => {
  test('throttled by the injected clock, with a final report', async () => {
    const blob = gzip(tars.pax!);
    let clock = 0;
    const reports: LayerProgress[] = [];
    const chunks = [...chunked(blob, 10)];
    const r = await analyzeLayerStream(asAsync(chunks), {
      totalBytes: blob.length,
      now: () => (clock += 10),
      onProgress: (p) => reports.push(p),
    });
    // One clock tick per chunk at 10 ms each; reports at most every 100 ms, plus the final one.
    const ticks = chunks.length + 1;
    expect(reports.length).toBeGreaterThanOrEqual(Math.floor(ticks / 10));
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(ticks / 10) + 1);
    for (let i = 1; i < reports.length; i++) expect(reports[i]!.bytesRead).toBeGreaterThanOrEqual(reports[i - 1]!.bytesRead);
    expect(reports.at(-1)).toEqual({ bytesRead: blob.length, totalBytes: blob.length, entries: r.index.count });
  });

  test('a throwing progress callback does not break the analysis', async () => {
    const r = await analyzeLayerStream(asAsync([tars.pax!]), {
      onProgress: () => {
        throw new Error('ui bug');
      },
    });
    expect(r.error).toBeUndefined();
  });
});

describe('abort and io', () => {
  /** A stream that delivers `chunks`, then hangs forever; records cancellation. */
  function hangingStream(chunks: Uint8Array[]) {
    const state = { cancelled: false as boolean, reason: undefined as unknown };
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const c = chunks[i++];
        if (c) controller.enqueue(c);
        return new Promise<void>(() => {}); // never resolves: the next pull never comes
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    });
    return { stream, state };
  }

  test('abort mid-stream settles promptly and cancels the source', async () => {
    const { stream, state } = hangingStream([tars.pax!.subarray(0, 2000)]);
    const controller = new AbortController();
    const pending = analyzeLayerStream(stream, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    controller.abort(new Error('user navigated away'));
    const r = await pending;
    expect(performance.now() - t0).toBeLessThan(50);
    expect(r.error).toMatchObject({ kind: 'aborted', offset: 2000, message: 'aborted: user navigated away' });
    expect(r.compressedBytes).toBe(2000);
    expect(r.index.count).toBeGreaterThan(0);
    expect(r.digest.actual).toBeUndefined();
    expect(state.cancelled).toBe(true);
  });

  test('abort while an async iterator hangs', async () => {
    async function* hanging() {
      yield gzip(tars.pax!).subarray(0, 100);
      await new Promise(() => {});
    }
    const controller = new AbortController();
    const pending = analyzeLayerStream(hanging(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    const r = await pending;
    expect(r.error?.kind).toBe('aborted');
  });

  test('an already-aborted signal resolves at once and cancels the stream', async () => {
    const { stream, state } = hangingStream([tars.pax!]);
    const r = await analyzeLayerStream(stream, { signal: AbortSignal.abort() });
    expect(r.error?.kind).toBe('aborted');
    expect(r.compressedBytes).toBe(0);
    await Promise.resolve();
    expect(state.cancelled).toBe(true);
  });

  test('abort from inside onProgress stops before the next chunk', async () => {
    const controller = new AbortController();
    const r = await analyzeLayerStream(asAsync(chunked(tars.pax!, 512)), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(r.error?.kind).toBe('aborted');
    expect(r.compressedBytes).toBe(512);
  });

  test('a failing source is an io error; what was read is indexed', async () => {
    const bytes = tars.pax!;
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i++ === 0) controller.enqueue(bytes.subarray(0, 3000));
        else controller.error(new Error('connection reset'));
      },
    });
    const r = await analyzeLayerStream(stream);
    expect(r.error).toMatchObject({ kind: 'io', offset: 3000, message: 'reading the layer failed: connection reset' });
    expect(r.index.count).toBeGreaterThan(0);
    expect(r.digest.actual).toBeUndefined();
  });

  test('a source yielding strings is an io error', async () => {
    const r = await analyzeLayerStream(asAsync(['not bytes' as unknown as Uint8Array]));
    expect(r.error).toMatchObject({ kind: 'io', offset: 0 });
  });
});

describe('LayerIndex', () => {
  test('transfers without copying and survives structured clone', async () => {
    const r: LayerAnalysis = await analyzeLayerStream(asAsync([tars.pax!]));
    const dump = dumpLayerIndex(r.index);
    const transfer = layerIndexTransferables(r.index);
    expect(transfer.length).toBe(13); // 10 entry columns, the content-hash column, the string pool and its offsets
    const clone = structuredClone(r.index, { transfer });
    expect(r.index.type.byteLength).toBe(0); // detached: moved, not copied
    expect(dumpLayerIndex(clone)).toBe(dump);
  });

  test('100k entries: compact, fast enough', async () => {
    const n = 100_000;
    // One template header; per entry only the name and checksum change.
    const template = entry({ name: '', data: '' });
    template.fill(0x20, 148, 156);
    const baseSum = template.reduce((s, b) => s + b, 0);
    const body = new Uint8Array(n * 512 + 1024);
    const enc = new TextEncoder();
    for (let i = 0; i < n; i++) {
      const h = body.subarray(i * 512, i * 512 + 512);
      h.set(template);
      const name = enc.encode(`usr/share/f${String(i).padStart(6, '0')}`);
      h.set(name, 0);
      const sum = name.reduce((s, b) => s + b, baseSum);
      h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    }
    const t0 = performance.now();
    const r = await analyzeLayerStream(asAsync(chunked(body, 64 * 1024)), { computeDiffId: false });
    const ms = performance.now() - t0;
    expect(r.error).toBeUndefined();
    expect(r.index.count).toBe(n);
    const bytes = layerIndexTransferables(r.index).reduce((s, b) => s + b.byteLength, 0);
    expect(bytes).toBeLessThanOrEqual(n * (46 + 4 + 17) + 4); // arrays + string offsets + path bytes
    expect(ms).toBeLessThan(5000);
  });

  test('tar fixture writer sanity: the same bytes through GNU tar', () => {
    const bytes = tar(entry({ name: 'x', data: 'y' }));
    expect(tarList(bytes)).toEqual(['x']);
  });
});

test('ReadableStream source reads identically', async () => {
  const blob = gzip(tars.gnu!);
  const stream = asReadableStream(chunked(blob, 333));
  const a = await analyzeLayerStream(stream);
  const b = await analyzeLayerStream(asAsync([blob]));
  expect(dumpLayerIndex(a.index)).toBe(dumpLayerIndex(b.index));
  expect(stream.locked).toBe(false); // the reader was released
});
