/**
 * Tar corners built byte by byte with the test writer; every case also runs with tiny and
 * odd chunk sizes (analyzeEveryWay) and must give the same result.
 */
import { describe, expect, test } from 'vitest';
import { analyzeEveryWay, sha256 } from '../../../test/layers/helpers';
import { entry, gnuLong, paxHeader, tar } from '../../../test/layers/tarWriter';
import { EntryFlag, EntryType, layerEntries, linkOf, pathOf, stringBytesAt, type LayerAnalysis } from './index';

function entries(r: LayerAnalysis) {
  return [...layerEntries(r.index)];
}

function paths(r: LayerAnalysis): string[] {
  return entries(r).map((e) => e.path);
}

describe('entry types and fields', () => {
  test('ustar basics: every type, sizes, modes, owners, offsets', async () => {
    const data512 = new Uint8Array(512).fill(7);
    const bytes = tar(
      entry({ name: 'dir/', type: '5', mode: 0o755 }),
      entry({ name: 'dir/file', data: 'hello\n', mode: 0o4755, uid: 1000, gid: 100, mtime: 1234567890 }),
      entry({ name: 'dir/empty', data: '' }),
      entry({ name: 'dir/block512', data: data512 }),
      entry({ name: 'dir/sym', type: '2', linkname: '../target/./x' }),
      entry({ name: 'dir/hard', type: '1', linkname: './dir/file' }),
      entry({ name: 'dir/fifo', type: '6' }),
      entry({ name: 'dev/null', type: '3', mode: 0o666 }),
      entry({ name: 'dev/sda', type: '4', mode: 0o660 }),
      entry({ name: 'contig', type: '7', data: 'abc' }),
      entry({ name: 'v7file', type: '\0', format: 'v7', data: 'v7' }),
      entry({ name: 'v7dir/', type: '\0', format: 'v7' }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(r.compression).toBe('none');
    const es = entries(r);
    expect(es.map((e) => [e.path, e.type, e.size])).toEqual([
      ['dir', EntryType.Directory, 0],
      ['dir/file', EntryType.File, 6],
      ['dir/empty', EntryType.File, 0],
      ['dir/block512', EntryType.File, 512],
      ['dir/sym', EntryType.Symlink, 0],
      ['dir/hard', EntryType.Hardlink, 0],
      ['dir/fifo', EntryType.Fifo, 0],
      ['dev/null', EntryType.CharDevice, 0],
      ['dev/sda', EntryType.BlockDevice, 0],
      ['contig', EntryType.File, 3],
      ['v7file', EntryType.File, 2],
      ['v7dir', EntryType.Directory, 0],
    ]);
    const file = es[1];
    expect(file).toMatchObject({ mode: 0o4755, uid: 1000, gid: 100, mtime: 1234567890, offset: 1024 });
    // offset = where the content starts: after the header, in the uncompressed tar
    expect(es[2]?.offset).toBe(2048);
    expect(es[3]?.offset).toBe(2560);
    expect(es[4]?.offset).toBe(3584);
    // Symlink targets are kept verbatim; hardlink targets name archive members and are normalised.
    expect(linkOf(r.index, 4)).toBe('../target/./x');
    expect(linkOf(r.index, 5)).toBe('dir/file');
    expect(linkOf(r.index, 1)).toBeUndefined();
    expect(r.digest.actual).toBe(sha256(bytes));
    expect(r.diffId.actual).toBe(sha256(bytes));
    expect(r.uncompressedBytes).toBe(bytes.length);
  });

  test('content of header-only types is not skipped even when size is set', async () => {
    // Go's archive/tar: links, dirs, devices and fifos have no content whatever `size` says.
    const bytes = tar(entry({ name: 'd', type: '5', size: 4096 }), entry({ name: 'after', data: 'x' }));
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.size])).toEqual([
      ['d', 4096],
      ['after', 1],
    ]);
  });

  test('ustar prefix is joined to name; star uses a 131-byte prefix', async () => {
    // Mark as star: "tar\0" at 508 and garbage (atime/ctime) after the 131-byte prefix.
    const starEntry = entry({
      name: 'leaf',
      prefix: 'star/prefix',
      patch: [
        [345 + 131, '01234567'],
        [508, 'tar\0'],
      ],
    });
    const bytes = tar(
      entry({ name: 'c', prefix: 'a/b' }),
      entry({ name: 'x'.repeat(100), prefix: 'p'.repeat(155) }),
      starEntry,
      // GNU keeps atime and ctime where ustar has its prefix: a readable atime is no prefix...
      entry({ name: 'gnu-ignores-prefix', format: 'gnu', patch: [[345, '14501234567\0']] }),
      // ...an unreadable one is a pre-Go 1.8 writer's prefix, and Go reads it as one (golang.org/issue/12594).
      entry({ name: 'go17', format: 'gnu', patch: [[345, 'old-go-prefix']] }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['a/b/c', `${'p'.repeat(155)}/${'x'.repeat(100)}`, 'star/prefix/leaf', 'gnu-ignores-prefix', 'old-go-prefix/go17']);
  });

  test('a 100-byte name without NUL uses the whole field', async () => {
    const name = 'n'.repeat(100);
    const r = await analyzeEveryWay(tar(entry({ name, data: 'z' })));
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual([name]);
  });

  test('names are raw bytes: non-UTF-8 survives in the table, decodes lossily', async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
    const r = await analyzeEveryWay(tar(entry({ name: latin1, data: '1', signedChecksum: true })));
    expect(r.error).toBeUndefined();
    expect(pathOf(r.index, 0)).toBe('caf\uFFFD');
    expect(Array.from(stringBytesAt(r.index.strings, r.index.path[0] ?? -1))).toEqual(Array.from(latin1));
  });

  test('signed and unsigned checksums are both accepted', async () => {
    const name = new Uint8Array([0xc3, 0xa9, 0x74, 0xc3, 0xa9]); // "été": high bytes make the sums differ
    const r = await analyzeEveryWay(tar(entry({ name, signedChecksum: true, data: 'a' }), entry({ name: new Uint8Array([...name, 0x32]), data: 'b' })));
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['été', 'été2']);
  });

  test('base-256 numbers: big size, big uid, negative mtime', async () => {
    const data = new Uint8Array(1000).fill(1);
    const bytes = tar(
      entry({ name: 'b256', data, uid: 2 ** 31 + 5, gid: 4_000_000_000, mtime: -86400, base256: ['size', 'uid', 'gid', 'mtime'] }),
      // A hardlink claiming 9 GiB: recorded, but there is no content to skip.
      entry({ name: 'huge-link', type: '1', linkname: 'b256', size: 9 * 2 ** 30, base256: ['size'] }),
      entry({ name: 'next', data: 'n' }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.size, e.uid, e.gid, e.mtime])).toEqual([
      ['b256', 1000, 2 ** 31 + 5, 4_000_000_000, -86400],
      ['huge-link', 9 * 2 ** 30, 0, 0, 1700000000],
      ['next', 1, 0, 0, 1700000000],
    ]);
  });

  test('numeric fields tolerate leading spaces and trailing NULs/spaces', async () => {
    const r = await analyzeEveryWay(
      tar(
        entry({
          name: 'spaced',
          data: 'abc',
          patch: [
            [124, '         3 '],
            [100, ' 644\0\0\0\0'],
          ],
        }),
      ),
    );
    expect(r.error).toBeUndefined();
    expect(entries(r)[0]).toMatchObject({ path: 'spaced', size: 3, mode: 0o644 });
  });

  test('unknown typeflags (volume labels too) are recorded as Other, content skipped, with a warning', async () => {
    const r = await analyzeEveryWay(
      tar(
        entry({ name: 'LABEL', type: 'V', format: 'gnu' }),
        entry({ name: 'dumpdir', type: 'D', format: 'gnu', data: 'Yfile\0\0' }),
        entry({ name: 'after', data: 'x' }),
      ),
    );
    expect(r.error).toBeUndefined();
    // archive/tar hands every one of them out as a header; containerd and Docker refuse to unpack them.
    expect(entries(r).map((e) => [e.path, e.type])).toEqual([
      ['LABEL', EntryType.Other],
      ['dumpdir', EntryType.Other],
      ['after', EntryType.File],
    ]);
    expect(r.warnings).toEqual([
      { kind: 'unsupported-type', offset: 0, count: 2, message: expect.stringMatching(/^'LABEL' is a tar entry of type 'V' \(GNU volume label\)/) },
    ]);
  });
});

describe('extended headers', () => {
  test('PAX per-file records: long path, linkpath, size, fractional mtime, uid/gid', async () => {
    const longPath = `${'deep/'.repeat(30)}file.txt`;
    const longTarget = `/${'t'.repeat(150)}`;
    const bytes = tar(
      paxHeader({ path: longPath, mtime: '1700000000.123456789', uid: '4294967295', gid: '7' }),
      entry({ name: 'truncated-name', data: 'data' }),
      paxHeader({ linkpath: longTarget }),
      entry({ name: 'link', type: '2', linkname: 'short' }),
      // PAX size overrides the header (header says 0; 10 bytes of content follow).
      paxHeader({ size: '10' }),
      entry({ name: 'sized', size: 0, data: undefined }),
      new Uint8Array(512).fill(0x41),
      // An empty value removes the key: the header's own name applies.
      paxHeader({ path: '' }),
      entry({ name: 'own-name' }),
      entry({ name: 'plain' }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    const es = entries(r);
    expect(es.map((e) => e.path)).toEqual([longPath, 'link', 'sized', 'own-name', 'plain']);
    expect(es[0]).toMatchObject({ uid: 4294967295, gid: 7, size: 4 });
    expect(es[0]?.mtime).toBeCloseTo(1700000000.123457, 6); // the PAX value 1700000000.123456789, as a double
    expect(es[1]?.link).toBe(longTarget);
    expect(es[2]?.size).toBe(10);
    expect(es[4]?.mtime).toBe(1700000000);
  });

  test('PAX global headers are ignored, as containerd ignores them; they end the extended headers before them', async () => {
    const bytes = tar(
      entry({ name: 'before', uid: 1 }),
      paxHeader({ mtime: '42', uid: '500', path: 'ignored-global-path', comment: 'git commit' }, true),
      entry({ name: 'a', uid: 1, mtime: 99 }),
      paxHeader({ uid: '600' }),
      entry({ name: 'b', uid: 1 }),
      // Go hands a global header out as a header of its own: the `x` before it describes nothing.
      paxHeader({ path: 'lost' }),
      paxHeader({ uid: '' }, true),
      entry({ name: 'c', uid: 3 }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.uid, e.mtime])).toEqual([
      ['before', 1, 1700000000],
      ['a', 1, 99],
      ['b', 600, 1700000000],
      ['c', 3, 1700000000],
    ]);
    expect(r.warnings).toEqual([
      { kind: 'global-header', offset: 512, count: 2, message: 'a PAX global header (4 records) is ignored, as containerd and Docker ignore it' },
    ]);
  });

  test('a malformed PAX global header is an error, as in Go', async () => {
    const bytes = tar(entry({ name: 'f' }), entry({ name: 'g', type: 'g', data: '9 a=b\n' }), entry({ name: 'after' }));
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toMatchObject({ kind: 'tar', offset: 512 });
    expect(paths(r)).toEqual(['f']);
  });

  test('GNU long names and long link targets', async () => {
    const longName = `${'gnu-long/'.repeat(20)}name`;
    const longLink = `${'../'.repeat(50)}target`;
    const bytes = tar(
      gnuLong('L', longName),
      entry({ name: longName.slice(0, 99), format: 'gnu', data: 'x' }),
      gnuLong('K', longLink),
      entry({ name: 'sym', type: '2', format: 'gnu', linkname: longLink.slice(0, 99) }),
      gnuLong('L', `${longName}-hard`),
      gnuLong('K', longName),
      entry({ name: 'h', type: '1', format: 'gnu', linkname: 'h' }),
    );
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    const es = entries(r);
    expect(es.map((e) => [e.path, e.link])).toEqual([
      [longName, undefined],
      ['sym', longLink],
      [`${longName}-hard`, longName],
    ]);
  });

  test('a GNU long name wins over a PAX path (Go merges PAX first, then GNU long names)', async () => {
    const r = await analyzeEveryWay(tar(gnuLong('L', 'from-gnu'), paxHeader({ path: 'from-pax' }), entry({ name: 'from-header' })));
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['from-gnu']);
  });

  test('each PAX x header replaces the one before it; GNU long names do not add up either', async () => {
    const r = await analyzeEveryWay(
      tar(
        paxHeader({ path: 'first', uid: '7' }),
        paxHeader({ linkpath: 'target' }),
        entry({ name: 'own', type: '2', linkname: 'short' }),
        gnuLong('L', 'one'),
        gnuLong('L', 'two'),
        entry({ name: 'x' }),
      ),
    );
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.link, e.uid])).toEqual([
      ['own', 'target', 0],
      ['two', undefined, 0],
    ]);
  });

  test('a PAX record spanning several blocks', async () => {
    const long = `${'spans/'.repeat(200)}leaf`; // a 1205-byte path: its record covers three blocks
    const r = await analyzeEveryWay(tar(paxHeader({ path: long, comment: 'c'.repeat(700) }), entry({ name: 'short', data: 'abc' }), entry({ name: 'next' })));
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.size])).toEqual([
      [long, 3],
      ['next', 0],
    ]);
  });

  test('PAX numbers as strconv.ParseInt reads them: signs, leading zeros, int64', async () => {
    const r = await analyzeEveryWay(
      tar(
        paxHeader({ size: '+0000000000000000000003', uid: '+12', mtime: '-1.5' }),
        entry({ name: 'f', size: 0, data: undefined }),
        new Uint8Array(512).fill(65),
        entry({ name: 'g' }),
      ),
    );
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.size, e.uid, e.mtime])).toEqual([
      ['f', 3, 12, -1.5],
      ['g', 0, 0, 1700000000],
    ]);
    const tooBig = await analyzeEveryWay(tar(paxHeader({ uid: '9223372036854775808' }), entry({ name: 'f' })));
    expect(tooBig.error?.message).toMatch(/uid '9223372036854775808' is not a number/);
    const badTime = await analyzeEveryWay(tar(paxHeader({ atime: '.5' }), entry({ name: 'f' })));
    expect(badTime.error?.message).toMatch(/atime '\.5' is not a number/);
  });
});

describe('paths and whiteouts', () => {
  test('normalisation', async () => {
    const r = await analyzeEveryWay(
      tar(
        entry({ name: './', type: '5' }),
        entry({ name: './a//b/', type: '5' }),
        entry({ name: '/abs/x' }),
        entry({ name: 'a/./b/../c' }),
        entry({ name: '../../etc/passwd' }),
        entry({ name: '//', type: '5' }),
      ),
    );
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['', 'a/b', 'abs/x', 'a/c', 'etc/passwd', '']);
  });

  test('whiteouts and opaque markers are recorded, not applied', async () => {
    const r = await analyzeEveryWay(
      tar(
        entry({ name: 'etc/', type: '5' }),
        entry({ name: 'etc/.wh.gone' }),
        entry({ name: './.wh.top' }),
        entry({ name: 'var/cache/.wh..wh..opq' }),
        entry({ name: '.wh..wh..opq' }),
        entry({ name: 'x/.wh..wh.plnk' }),
        entry({ name: 'x/.wh.' }),
        entry({ name: 'x/not.wh.file' }),
      ),
    );
    expect(r.error).toBeUndefined();
    expect(entries(r).map((e) => [e.path, e.flags])).toEqual([
      ['etc', 0],
      ['etc/gone', EntryFlag.Whiteout],
      ['top', EntryFlag.Whiteout],
      ['var/cache', EntryFlag.Opaque],
      ['', EntryFlag.Opaque],
      ['x/.wh..wh.plnk', 0],
      ['x/.wh.', 0],
      ['x/not.wh.file', 0],
    ]);
  });
});
