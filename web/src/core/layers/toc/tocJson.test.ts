/**
 * TOC JSON validation: what the formats allow is read, anything else refuses the whole TOC. Times
 * are checked against Date.UTC on the same fields (and Go's RFC 3339 spellings: Z, offsets, nanoseconds).
 */
import { describe, expect, test } from 'vitest';
import { parseRfc3339, parseTocDocument, TocFormatError } from './tocJson';

describe('parseRfc3339', () => {
  test('UTC, zone offsets and fractions as Go writes them', () => {
    expect(parseRfc3339('2023-11-14T22:13:20Z')).toBe(Date.UTC(2023, 10, 14, 22, 13, 20) / 1000);
    expect(parseRfc3339('2023-11-14T23:13:20+01:00')).toBe(Date.UTC(2023, 10, 14, 22, 13, 20) / 1000);
    expect(parseRfc3339('2023-11-14T17:43:20-04:30')).toBe(Date.UTC(2023, 10, 14, 22, 13, 20) / 1000);
    expect(parseRfc3339('1970-01-01T00:00:00.5Z')).toBe(0.5);
    expect(parseRfc3339('2023-11-14T22:13:20.123456789Z')).toBeCloseTo(Date.UTC(2023, 10, 14, 22, 13, 20) / 1000 + 0.123456789, 6);
    for (const bad of ['2023-11-14', '2023-11-14 22:13:20Z', '2023-13-01T00:00:00Z', '2023-11-14T22:13:20', 'yesterday'])
      expect(parseRfc3339(bad), bad).toBeUndefined();
  });
});

describe('parseTocDocument', () => {
  const reg = (extra: Record<string, unknown> = {}) => ({ name: 'a', type: 'reg', size: 10, offset: 100, ...extra });

  test('folds chunks into their file, with chunkSize 0 meaning "to the end"', () => {
    const toc = parseTocDocument(
      {
        version: 1,
        entries: [
          { name: 'd/', type: 'dir', mode: 0o755, modtime: '2023-11-14T22:13:20Z' },
          reg({ size: 10, chunkSize: 4 }),
          { name: 'a', type: 'chunk', offset: 200, chunkOffset: 4, chunkSize: 4 },
          { name: 'a', type: 'chunk', offset: 300, chunkOffset: 8 },
          { name: 'l', type: 'symlink', linkName: 'a' },
        ],
      },
      1000,
    );
    expect(toc.notes).toEqual([]);
    expect(toc.entries.map((e) => e.name)).toEqual(['d/', 'a', 'l']);
    expect(toc.entries[1]!.chunks.map((c) => [c.offset, c.chunkOffset, c.chunkSize])).toEqual([
      [100, 0, 4],
      [200, 4, 4],
      [300, 8, 2],
    ]);
    expect(toc.entries[0]!.mtime).toBe(Date.UTC(2023, 10, 14, 22, 13, 20) / 1000);
  });

  test('pieces that do not tile the file keep the entry, drop the content plan, and say so', () => {
    const toc = parseTocDocument(
      { version: 1, entries: [reg({ chunkSize: 4 }), { name: 'a', type: 'chunk', offset: 200, chunkOffset: 5, chunkSize: 5 }] },
      1000,
    );
    expect(toc.entries[0]!.chunks).toEqual([]);
    expect(toc.notes).toEqual([expect.stringMatching(/^a: piece 1 starts at byte 5 of the file, not 4/)]);
  });

  test('anything else refuses the TOC', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /not a JSON object/],
      [{ version: 2, entries: [] }, /version 2/],
      [{ version: 1 }, /no 'entries'/],
      [{ version: 1, entries: [{ name: 'a', type: 'chunk', offset: 5 }] }, /no regular file before it/],
      [{ version: 1, entries: [reg({ size: -1 })] }, /'size'/],
      [{ version: 1, entries: [reg({ uid: 2 ** 32 })] }, /'uid'/],
      [{ version: 1, entries: [reg({ mode: 1.5 })] }, /'mode'/],
      [{ version: 1, entries: [reg({ offset: 0 })] }, /no offset/],
      [{ version: 1, entries: [reg({ offset: 5000 })] }, /past the layer's data/],
      [{ version: 1, entries: [reg({ modtime: 'noon' })] }, /RFC 3339/],
      [{ version: 1, entries: [reg({ digest: 'md5:abc' })] }, /sha256/],
      [{ version: 1, entries: [{ name: '', type: 'dir' }] }, /no name/],
      [{ version: 1, entries: [{ name: 'x', type: 'socket' }] }, /type 'socket'/],
      [{ version: 1, entries: [7] }, /not an object/],
    ];
    for (const [doc, reason] of cases) {
      expect(() => parseTocDocument(doc, 1000), reason.source).toThrow(TocFormatError);
      expect(() => parseTocDocument(doc, 1000), reason.source).toThrow(reason);
    }
  });
});
