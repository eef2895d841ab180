/**
 * Footer parsers against footers written byte by byte from the formats' documentation
 * (docs/estargz.md "Footer"; google/crfs's 47-byte stargz footer; containers/storage's
 * footerDataToBlob), with gzip(1) confirming the eStargz footer is the empty gzip member the spec
 * says it is.
 */
import { describe, expect, test } from 'vitest';
import { run } from '../../../../test/layers/helpers';
import { estargzFooter, skippableFrame } from '../../../../test/layers/tocLayers';
import { announcedToc, parseEstargzFooter, parseZstdChunkedFooter, zstdChunkedPositionFromAnnotations } from './footers';

const enc = new TextEncoder();

function legacyFooter(tocOffset: number): Uint8Array {
  const extra = enc.encode(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`);
  return new Uint8Array([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 22, 0, ...extra, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
}

function u64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return [...b];
}

describe('eStargz footer', () => {
  test('is 51 bytes, an empty gzip member to gzip(1), and gives the TOC offset back', () => {
    const footer = estargzFooter(0x1234abcd);
    expect(footer.length).toBe(51);
    expect(run('gzip', ['-dc'], { input: footer }).length).toBe(0);
    const before = new Uint8Array(100).fill(7);
    const tail = new Uint8Array([...before, ...footer]);
    expect(parseEstargzFooter(tail)).toEqual({ ok: true, value: { tocOffset: 0x1234abcd, footerSize: 51 } });
  });

  test('the legacy 47-byte stargz footer', () => {
    const footer = legacyFooter(98765);
    expect(footer.length).toBe(47);
    expect(run('gzip', ['-dc'], { input: footer }).length).toBe(0);
    expect(parseEstargzFooter(footer)).toEqual({ ok: true, value: { tocOffset: 98765, footerSize: 47 } });
  });

  test('damaged footers are refused with a reason', () => {
    const good = estargzFooter(4096);
    const damage = (at: number, byte: number): Uint8Array => {
      const b = good.slice();
      b[at] = byte;
      return b;
    };
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['not gzip', damage(0, 0), /no gzip header/],
      ['no FEXTRA', damage(3, 0), /no Extra field/],
      ['subfield not SG', damage(12, 0x41), /not SG/],
      ['magic', damage(33, 0x41), /STARGZ/],
      ['hex digit', damage(20, 0x7a), /not 16 hex digits/],
      ['too short', good.subarray(10), /fewer than a footer|no gzip header/],
    ];
    for (const [name, bytes, reason] of cases) {
      const r = parseEstargzFooter(bytes);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.reason, name).toMatch(reason);
    }
    // A plain gzip stream's last bytes are no footer.
    const plain = run('gzip', ['-c'], { input: enc.encode('x'.repeat(1000)) });
    expect(parseEstargzFooter(plain).ok).toBe(false);
  });
});

describe('zstd:chunked position', () => {
  test('from the annotation (both spellings), with the tar-split position', () => {
    expect(
      zstdChunkedPositionFromAnnotations({
        'io.github.containers.zstd-chunked.manifest-position': '1000:200:900:1',
        'io.github.containers.zstd-chunked.tarsplit-position': '1208:50:300',
      }),
    ).toEqual({ ok: true, value: { offset: 1000, length: 200, uncompressedLength: 900, tarSplit: { offset: 1208, length: 50, uncompressedLength: 300 } } });
    expect(zstdChunkedPositionFromAnnotations({ 'io.containers.zstd-chunked.manifest-position': '8:2:3:1' })).toEqual({
      ok: true,
      value: { offset: 8, length: 2, uncompressedLength: 3 },
    });
    expect(zstdChunkedPositionFromAnnotations({})).toBeUndefined();
    expect(zstdChunkedPositionFromAnnotations({ 'io.github.containers.zstd-chunked.manifest-position': '1:2:3:2' })).toMatchObject({
      ok: false,
      reason: /type 2/,
    });
    expect(zstdChunkedPositionFromAnnotations({ 'io.github.containers.zstd-chunked.manifest-position': '1:2:3' })).toMatchObject({ ok: false });
    expect(zstdChunkedPositionFromAnnotations({ 'io.github.containers.zstd-chunked.manifest-position': '-1:2:3:1' })).toMatchObject({ ok: false });
  });

  test('from the 64-byte footer frame and the older 40-byte one', () => {
    const newer = skippableFrame(
      new Uint8Array([...u64(5000), ...u64(300), ...u64(1200), ...u64(1), ...u64(5308), ...u64(40), ...u64(700), ...enc.encode('GNUlInUx')]),
    );
    expect(newer.length).toBe(72);
    expect(parseZstdChunkedFooter(new Uint8Array([9, 9, 9, ...newer]))).toEqual({
      ok: true,
      value: { offset: 5000, length: 300, uncompressedLength: 1200, tarSplit: { offset: 5308, length: 40, uncompressedLength: 700 } },
    });
    const older = skippableFrame(new Uint8Array([...u64(77), ...u64(5), ...u64(9), ...u64(1), ...enc.encode('GnUlInUx')]));
    expect(parseZstdChunkedFooter(older)).toEqual({ ok: true, value: { offset: 77, length: 5, uncompressedLength: 9 } });
    // zstd itself skips such frames: a stream that is only skippable frames decodes to nothing.
    expect(run('zstd', ['-dc', '-q'], { input: newer }).length).toBe(0);
    const wrongMagic = newer.slice();
    wrongMagic[71] = 0x79;
    expect(parseZstdChunkedFooter(wrongMagic).ok).toBe(false);
    const wrongType = skippableFrame(new Uint8Array([...u64(77), ...u64(5), ...u64(9), ...u64(3), ...enc.encode('GnUlInUx')]));
    expect(parseZstdChunkedFooter(wrongType)).toMatchObject({ ok: false, reason: /type 3/ });
  });

  test('which TOC a descriptor announces', () => {
    expect(announcedToc({ 'containerd.io/snapshot/stargz/toc.digest': 'sha256:00' })).toBe('estargz');
    expect(announcedToc({ 'io.github.containers.zstd-chunked.manifest-position': '1:2:3:1' })).toBe('zstd:chunked');
    expect(announcedToc({ 'org.opencontainers.image.title': 'x' })).toBeUndefined();
    expect(announcedToc(undefined)).toBeUndefined();
  });
});
