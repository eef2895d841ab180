/**
 * Where a tar ends and what is wrong with it, as Go's archive/tar decides (tarReader.ts): the end
 * marker and what may stand in for it (warnings), and bad bytes (errors, with everything before
 * them indexed). Built byte by byte with the test writer; every case also runs with tiny and odd
 * chunk sizes (analyzeEveryWay).
 */
import { describe, expect, test } from 'vitest';
import { analyzeEveryWay, sha256 } from '../../../test/layers/helpers';
import { concatBytes, EOA, entry, paxHeader, tar } from '../../../test/layers/tarWriter';
import { layerEntries, type LayerAnalysis } from './index';

function paths(r: LayerAnalysis): string[] {
  return [...layerEntries(r.index)].map((e) => e.path);
}

function entries(r: LayerAnalysis) {
  return [...layerEntries(r.index)];
}

describe('end of archive', () => {
  test('trailing garbage after the end-of-archive marker is ignored but hashed', async () => {
    const bytes = concatBytes(tar(entry({ name: 'f', data: 'x' })), new TextEncoder().encode('GARBAGE!'.repeat(100)));
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['f']);
    expect(r.diffId.actual).toBe(sha256(bytes));
  });

  test('one zero block then the end of the stream is complete, with a warning', async () => {
    const r = await analyzeEveryWay(concatBytes(entry({ name: 'f' }), new Uint8Array(512)));
    expect(r.error).toBeUndefined();
    expect(r.warnings.map((w) => [w.kind, w.offset])).toEqual([['end-of-archive', 1024]]);
  });

  test('no end-of-archive marker: complete at a block boundary and inside the padding, with a warning', async () => {
    const two = concatBytes(entry({ name: 'first', data: 'one' }), entry({ name: 'second', data: 'two' }));
    for (const bytes of [two, two.subarray(0, 1536 + 3), two.subarray(0, 2047)]) {
      const r = await analyzeEveryWay(bytes);
      expect(r.error).toBeUndefined();
      expect(paths(r)).toEqual(['first', 'second']);
      expect(r.warnings).toEqual([{ kind: 'end-of-archive', offset: bytes.length, count: 1, message: expect.stringMatching(/without the two zero blocks/) }]);
      expect(r.diffId.actual).toBe(sha256(bytes));
    }
  });

  test('an empty stream is an empty archive (a warning); an extended header with nothing after it is ignored', async () => {
    const empty = await analyzeEveryWay(new Uint8Array(0));
    expect(empty.error).toBeUndefined();
    expect(empty.index.count).toBe(0);
    expect(empty.warnings.map((w) => w.kind)).toEqual(['empty-archive']);
    const dangling = await analyzeEveryWay(concatBytes(entry({ name: 'f' }), paxHeader({ path: 'nothing' })));
    expect(dangling.error).toBeUndefined();
    expect(paths(dangling)).toEqual(['f']);
    expect(dangling.warnings.map((w) => [w.kind, w.offset])).toEqual([
      ['dangling-header', 512],
      ['end-of-archive', 1536],
    ]);
  });

  test('two zero blocks end the archive, whatever comes before or after them', async () => {
    const r = await analyzeEveryWay(concatBytes(entry({ name: 'f' }), paxHeader({ path: 'nothing' }), EOA, entry({ name: 'unread' })));
    expect(r.error).toBeUndefined();
    expect(paths(r)).toEqual(['f']);
    expect(r.warnings.map((w) => w.kind)).toEqual(['dangling-header']);
  });
});

describe('bad bytes become errors, with everything before them indexed', () => {
  const good = concatBytes(entry({ name: 'first', data: 'one' }), entry({ name: 'second', data: 'two' }));

  async function expectTarError(bytes: Uint8Array, message: RegExp, offset: number, entriesBefore: string[]) {
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toMatchObject({ kind: 'tar', stream: 'uncompressed', offset });
    expect(r.error?.message).toMatch(message);
    expect(paths(r)).toEqual(entriesBefore);
    // The bytes were still all read and hashed.
    expect(r.digest.actual).toBe(sha256(bytes));
    return r;
  }

  test('bad header checksum', async () => {
    const bad = entry({ name: 'third', data: 'x', checksum: '0000001\0' });
    await expectTarError(tar(good, bad), /checksum mismatch/, 2048, ['first', 'second']);
  });

  test('random bytes where a header should be', async () => {
    const noise = new Uint8Array(512).map((_, i) => (i * 131 + 7) & 0xff);
    await expectTarError(concatBytes(good, noise, EOA), /checksum/, 2048, ['first', 'second']);
  });

  test('truncated mid-header', async () => {
    await expectTarError(concatBytes(good, entry({ name: 'third' }).subarray(0, 100)), /inside a header block \(100 of 512/, 2048, ['first', 'second']);
  });

  test('truncated mid-content', async () => {
    const big = entry({ name: 'third', data: new Uint8Array(2000) });
    const r = await expectTarError(concatBytes(good, big.subarray(0, 1000)), /inside the content of 'third'/, 3048, ['first', 'second', 'third']);
    expect(r.error?.message).toMatch(/1512 bytes missing/);
  });

  test('a lone zero block followed by a header', async () => {
    await expectTarError(concatBytes(good, new Uint8Array(512), entry({ name: 'x' }), EOA), /zero block is followed by a non-zero block/, 2048, [
      'first',
      'second',
    ]);
  });

  test('sizes: negative is refused (except where there is no content); huge is read until the stream ends', async () => {
    await expectTarError(tar(good, entry({ name: 'neg', size: -5, base256: ['size'] })), /negative size -5/, 2048, ['first', 'second']);
    const huge = tar(good, entry({ name: 'huge', size: 2 ** 51, base256: ['size'] }));
    await expectTarError(huge, /inside the content of 'huge'/, huge.length, ['first', 'second', 'huge']);
    const dir = await analyzeEveryWay(tar(entry({ name: 'd', type: '5', size: -5, base256: ['size'] })));
    expect(dir.error).toBeUndefined();
    expect(entries(dir).map((e) => [e.path, e.size])).toEqual([['d', 0]]);
    expect(dir.warnings.map((w) => w.kind)).toEqual(['negative-size']);
  });

  test('base-256 numbers that need 64 bits are refused, as Go refuses them', async () => {
    const big = new Uint8Array(8).fill(0xff);
    big[0] = 0x80; // 0x80 ff ff ff ff ff ff ff: 2^56 - 1, fits
    const fits = await analyzeEveryWay(tar(entry({ name: 'ok', type: '5', patch: [[116, big]] })));
    expect(fits.error).toBeUndefined();
    const overflow = new Uint8Array(12).fill(0);
    overflow[0] = 0x80;
    overflow[4] = 0x80; // bit 63 set: 2^63
    await expectTarError(tar(good, entry({ name: 'b', type: '5', patch: [[124, overflow]] })), /'size' field is not a number/, 2048, ['first', 'second']);
  });

  test('octal fields as Go reads them: up to the first NUL after trimming', async () => {
    const r = await analyzeEveryWay(tar(entry({ name: 'f', type: '5', patch: [[108, ' 12\0junk']] })));
    expect(r.error).toBeUndefined();
    expect(entries(r)[0]?.uid).toBe(0o12);
  });

  test('a GNU sparse typeflag without the GNU magic is refused', async () => {
    await expectTarError(tar(good, entry({ name: 's', type: 'S', data: 'x' })), /GNU sparse entry \('S'\) without the GNU magic/, 2048, ['first', 'second']);
  });

  test('garbage in a numeric field', async () => {
    await expectTarError(tar(good, entry({ name: 'g', patch: [[124, '0000000001x\0']] })), /'size' field is not a number/, 2048, ['first', 'second']);
    await expectTarError(tar(good, entry({ name: 'g', patch: [[108, '12 34\0\0\0']] })), /'uid' field is not a number/, 2048, ['first', 'second']);
  });

  test('malformed PAX records', async () => {
    const raw = (data: string) => entry({ name: 'PaxHeaders/x', type: 'x', data });
    await expectTarError(tar(good, raw('7 a=b\n'), entry({ name: 'f' })), /record length out of range/, 2048, ['first', 'second']);
    await expectTarError(tar(good, raw('8 nokey\n'), entry({ name: 'f' })), /without '='/, 2048, ['first', 'second']);
    await expectTarError(tar(good, raw('6 =ab\n'), entry({ name: 'f' })), /empty key/, 2048, ['first', 'second']);
    await expectTarError(tar(good, raw('6 a=b\n\0\0'), entry({ name: 'f' })), /without a length/, 2048, ['first', 'second']);
    await expectTarError(tar(good, raw('12 path=a\0b\n'), entry({ name: 'f' })), /NUL in the value of 'path'/, 2048, ['first', 'second']);
    // Values are checked when they are merged into the entry (Go's mergePAX): the error is at the entry.
    await expectTarError(tar(good, paxHeader({ size: '12a' }), entry({ name: 'f' })), /size '12a' is not a number/, 3072, ['first', 'second']);
    await expectTarError(tar(good, raw('99999999999 x=y\n')), /record length out of range/, 2048, ['first', 'second']);
  });

  test('oversized extended header is refused before reading it', async () => {
    await expectTarError(tar(good, entry({ name: 'L', type: 'L', size: 64 * 1024 * 1024 })), /extended header of 67108864 bytes/, 2048, ['first', 'second']);
  });

  test('stream ends inside an extended header', async () => {
    await expectTarError(concatBytes(good, paxHeader({ path: 'p'.repeat(300) }).subarray(0, 700)), /inside an extended header/, 2048 + 700, [
      'first',
      'second',
    ]);
  });

  test('an xz stream is named in the error', async () => {
    const xz = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
    const r = await analyzeEveryWay(xz);
    expect(r.error?.message).toMatch(/^xz-compressed data is not supported/);
  });
});
