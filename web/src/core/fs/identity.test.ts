/**
 * Content identity in the filesystem model: Modified decided as dive's `FileInfo.Compare` decides it
 * (typeflag, XXH64 of the contents, mode, uid, gid; dive/filetree/file_info.go), duplicates and
 * metadata-only copies. Hashes are labels here (equal label = equal bytes); the column itself is
 * tested against xxhsum in core/layers/contentHash.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { EntryType } from '../layers/layerIndex';
import { stackLayers, type ImageFilesystem, type MarkName } from './index';
import { contentHashOfEntry, duplicateGroups, metadataOnlyCopies } from './identity';
import { buildLayers, type TestEntry } from '../../../test/fs/testing';

function markOf(fs: ImageFilesystem, layer: number, path: string): MarkName | undefined {
  return fs.info(layer, 'layer', fs.find(path)).mark;
}

const file = (path: string, size: number, more: Partial<TestEntry> = {}): TestEntry => ({ path, type: EntryType.File, size, mode: 0o644, ...more });

describe('Modified, decided by content as dive decides it', () => {
  // dive's rule, restated from file_info.go: Unmodified iff typeflag, hash, mode, uid and gid are all equal.
  const diveUnmodified = (a: TestEntry, b: TestEntry): boolean =>
    (a.type ?? 0) === (b.type ?? 0) &&
    a.hash === b.hash &&
    (a.mode ?? 0o644) === (b.mode ?? 0o644) &&
    (a.uid ?? 0) === (b.uid ?? 0) &&
    (a.gid ?? 0) === (b.gid ?? 0);

  const cases: [string, TestEntry, TestEntry][] = [
    ['touched: same bytes, new mtime', file('a', 10, { hash: 1, mtime: 1 }), file('a', 10, { hash: 1, mtime: 2 })],
    ['rewritten: other bytes, same size and mtime', file('a', 10, { hash: 1 }), file('a', 10, { hash: 2 })],
    ['chmod: same bytes, new mode', file('a', 10, { hash: 1 }), file('a', 10, { hash: 1, mode: 0o600 })],
    ['chown: same bytes, new owner', file('a', 10, { hash: 1 }), file('a', 10, { hash: 1, uid: 1000 })],
    ['identical copy', file('a', 10, { hash: 1 }), file('a', 10, { hash: 1 })],
  ];
  for (const [name, lower, upper] of cases) {
    test(name, () => {
      const fs = stackLayers(buildLayers([lower], [upper]));
      expect(markOf(fs, 1, '/a')).toBe(diveUnmodified(lower, upper) ? 'unmodified' : 'modified');
    });
  }

  test('without hashes, size and mtime stand in for the bytes', () => {
    const strip = ({ hash: _hash, ...rest }: TestEntry): TestEntry => rest;
    const touched = stackLayers(buildLayers([strip(cases[0]![1])], [strip(cases[0]![2])]));
    expect(markOf(touched, 1, '/a')).toBe('modified');
    const rewritten = stackLayers(buildLayers([strip(cases[1]![1])], [strip(cases[1]![2])]));
    expect(markOf(rewritten, 1, '/a')).toBe('unmodified');
    // One side hashed, the other not: headers decide.
    const mixed = stackLayers(buildLayers([file('a', 10, { hash: 1, mtime: 1 })], [file('a', 10, { mtime: 2 })]));
    expect(markOf(mixed, 1, '/a')).toBe('modified');
  });
});

describe('duplicates', () => {
  test('same bytes at several paths and layers group; hardlinks, empty files and unhashed files do not', () => {
    const fs = stackLayers(
      buildLayers(
        [
          'd usr',
          file('usr/a', 100, { hash: 7 }),
          file('usr/b', 100, { hash: 7 }),
          file('usr/e1', 0, { hash: 9 }),
          file('usr/e2', 0, { hash: 9 }),
          'h usr/hl => usr/a',
        ],
        [
          'd opt',
          file('opt/c', 100, { hash: 7 }),
          file('opt/d', 50, { hash: 8 }),
          file('opt/x', 50, { hash: 8, size: 50 }),
          file('opt/plain1', 30),
          file('opt/plain2', 30),
        ],
      ),
    );
    const groups = duplicateGroups(fs.data);
    expect(groups.map((g) => ({ size: g.sizeBytes, paths: g.paths, layers: g.layers }))).toEqual([
      { size: 100, paths: ['/opt/c', '/usr/a', '/usr/b'], layers: [1, 0, 0] },
      { size: 50, paths: ['/opt/d', '/opt/x'], layers: [1, 1] },
    ]);
  });

  test('a deleted or overwritten copy is not in the final image, so not a duplicate', () => {
    const fs = stackLayers(buildLayers([file('a', 100, { hash: 7 }), file('b', 100, { hash: 7 })], ['w a']));
    expect(duplicateGroups(fs.data)).toEqual([]);
  });
});

describe('metadata-only copies', () => {
  test('COPY then RUN chmod: the lower copy ships the same bytes again', () => {
    const MiB = 4 * 1024 * 1024;
    const fs = stackLayers(
      buildLayers(
        ['d opt', file('opt/blob.bin', MiB, { hash: 5, mtime: 10 })],
        [file('opt/blob.bin', MiB, { hash: 5, mtime: 10, mode: 0o600 }), file('opt/other', 3, { hash: 6 })],
      ),
    );
    const copies = metadataOnlyCopies(fs.data);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ layer: 1, replacedLayer: 0, path: '/opt/blob.bin', bytes: MiB, changed: ['mode'] });
    expect(markOf(fs, 1, '/opt/blob.bin')).toBe('modified');
  });

  test('other bytes, a whiteout in between, the same layer twice, or no hash: not a metadata-only copy', () => {
    const rewritten = stackLayers(buildLayers([file('a', 10, { hash: 1 })], [file('a', 10, { hash: 2, mode: 0o600 })]));
    expect(metadataOnlyCopies(rewritten.data)).toEqual([]);
    const readded = stackLayers(buildLayers([file('a', 10, { hash: 1 })], ['w a'], [file('a', 10, { hash: 1, mode: 0o600 })]));
    expect(metadataOnlyCopies(readded.data)).toEqual([]);
    const twice = stackLayers(buildLayers([file('a', 10, { hash: 1 }), file('a', 10, { hash: 1, mode: 0o600 })]));
    expect(metadataOnlyCopies(twice.data)).toEqual([]);
    const unhashed = stackLayers(buildLayers([file('a', 10)], [file('a', 10, { mode: 0o600 })]));
    expect(metadataOnlyCopies(unhashed.data)).toEqual([]);
  });

  test('owner and mtime changes are named', () => {
    const fs = stackLayers(buildLayers([file('a', 10, { hash: 1, mtime: 1 })], [file('a', 10, { hash: 1, mtime: 2, uid: 33, gid: 33 })]));
    expect(metadataOnlyCopies(fs.data)[0]!.changed).toEqual(['owner', 'mtime']);
  });
});

describe('contentHashOfEntry', () => {
  test('16 hex digits of the column (high word, then low), none for unhashed entries and directories', () => {
    const fs = stackLayers(buildLayers(['d etc', file('etc/a', 3, { hash: 0xabc }), file('etc/b', 3)]));
    const g = (path: string) => fs.data.finalVis[fs.find(path)]!;
    // testing.ts stores hash labels as high word 0x1ad1, low word the label.
    expect(contentHashOfEntry(fs.data, g('/etc/a'))).toBe(`00001ad1${(0xabc).toString(16).padStart(8, '0')}`);
    expect(contentHashOfEntry(fs.data, g('/etc/b'))).toBeUndefined();
    expect(contentHashOfEntry(fs.data, g('/etc'))).toBeUndefined();
  });
});
