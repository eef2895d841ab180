import { describe, expect, test } from 'vitest';
import { stackLayers } from '../fs';
import { buildLayers, syntheticImage, type TestEntry } from '../../../test/fs/testing';
import { EntryType } from '../layers/layerIndex';
import { compareFilesystems, comparisonTransferables, compareLayers, diffAt, type FsComparison, type PathDiff } from './index';

const rowsOf = (c: FsComparison): PathDiff[] => Array.from({ length: c.count }, (_, i) => diffAt(c, i));

const image = (...layers: (string | TestEntry)[][]) => stackLayers(buildLayers(...layers));

const SYMBOL = { added: '+', removed: '−', changed: '~' } as const;

/** One readable line per row: `~ /etc/issue 27 → 28 (+1) size`. */
function dump(c: FsComparison): string {
  return rowsOf(c)
    .map((r) => {
      const sizes = r.kind === 'changed' ? `${r.sizeA} → ${r.sizeB}` : String(r.kind === 'added' ? r.sizeB : r.sizeA);
      const delta = r.delta > 0 ? `+${r.delta}` : String(r.delta);
      const files = r.files !== undefined ? ` [${r.files} files]` : '';
      return `${SYMBOL[r.kind]} ${r.path}${r.directory ? '/' : ''} ${sizes} (${delta})${files}${r.changes.length ? ` ${r.changes.join(',')}` : ''}`;
    })
    .join('\n');
}

const BASE = ['d etc', 'f etc/issue 27', 'f etc/hostname 9', 'd usr', 'd usr/bin', 'f usr/bin/env 100', 'l usr/bin/sh -> dash', 'f usr/bin/dash 500'];

describe('compareFilesystems', () => {
  test('the same files are no change, whatever the layers look like', () => {
    const a = image(BASE);
    const b = image(BASE.slice(0, 4), BASE.slice(4));
    const c = compareFilesystems(a, b);
    expect(c.count).toBe(0);
    expect(c.summary).toMatchObject({
      unchanged: 5,
      delta: 0,
      added: { files: 0, bytes: 0 },
      removed: { files: 0, bytes: 0 },
      changed: { files: 0, delta: 0 },
    });
    expect(c.summary.a).toEqual({ files: 5, directories: 3, bytes: 636 });
    expect(c.summary.b).toEqual(c.summary.a);
  });

  test('added, removed and changed files, with what changed and the size deltas', () => {
    const a = image(BASE);
    const b = image(
      BASE.filter((l) => !l.includes('hostname') && !l.includes('issue') && !l.includes('usr/bin/sh') && !l.includes('env')),
      ['f etc/issue 28', 'f etc/motd 40', 'l usr/bin/sh -> bash', { path: 'usr/bin/env', type: EntryType.File, size: 100, mode: 0o755, uid: 1000, gid: 1000 }],
    );
    const c = compareFilesystems(a, b);
    expect(dump(c)).toBe(
      [
        '− /etc/hostname 9 (-9)',
        '~ /etc/issue 27 → 28 (+1) size',
        '+ /etc/motd 40 (+40)',
        '~ /usr/bin/env 100 → 100 (0) mode,owner',
        '~ /usr/bin/sh 0 → 0 (0) link',
      ].join('\n'),
    );
    expect(c.summary).toMatchObject({
      added: { files: 1, bytes: 40 },
      removed: { files: 1, bytes: 9 },
      changed: { files: 3, delta: 1 },
      unchanged: 1,
      delta: 32,
    });
    expect(c.summary.b.bytes - c.summary.a.bytes).toBe(c.summary.added.bytes - c.summary.removed.bytes + c.summary.changed.delta);
  });

  test('a directory only one side has is one row with its files and bytes, or every path when asked', () => {
    const a = image(BASE);
    const b = image(BASE, ['d opt', 'd opt/app', 'f opt/app/bin 1000', 'f opt/app/lib 24', 'd opt/app/empty']);
    const c = compareFilesystems(a, b);
    expect(dump(c)).toBe('+ /opt/ 1024 (+1024) [2 files]');
    expect(c.summary.added).toEqual({ files: 2, bytes: 1024 });
    const all = compareFilesystems(a, b, { summariseDirectories: false });
    expect(dump(all)).toBe(
      [
        '+ /opt/ 1024 (+1024) [2 files]',
        '+ /opt/app/ 1024 (+1024) [2 files]',
        '+ /opt/app/bin 1000 (+1000)',
        '+ /opt/app/empty/ 0 (0) [0 files]',
        '+ /opt/app/lib 24 (+24)',
      ].join('\n'),
    );
    // Listing every path does not count them twice.
    expect(all.summary).toEqual(c.summary);
    // And the other way round.
    expect(dump(compareFilesystems(b, a))).toBe('− /opt/ 1024 (-1024) [2 files]');
  });

  test('whiteouts and opaque directories are applied before comparing', () => {
    const a = image(BASE, ['w etc/hostname', 'o usr/bin', 'f usr/bin/env 100']);
    const b = image(['d etc', 'f etc/issue 27', 'd usr', 'd usr/bin', 'f usr/bin/env 100']);
    expect(compareFilesystems(a, b).count).toBe(0);
  });

  test('a directory replaced by a file (and back) is one changed row; its files count as removed', () => {
    const a = image(BASE);
    const b = image(BASE, ['w usr/bin', 'f usr/bin 7']);
    const c = compareFilesystems(a, b);
    expect(dump(c)).toBe('~ /usr/bin/ 600 → 7 (-593) type');
    expect(c.summary).toMatchObject({ removed: { files: 3, bytes: 600 }, added: { files: 1, bytes: 7 }, delta: -593 });
    expect(dump(compareFilesystems(b, a))).toBe('~ /usr/bin/ 7 → 600 (+593) type');
  });

  test('directory permissions and owners are compared; implicit directories have none to compare', () => {
    const a = image(BASE);
    const b = image([{ path: 'etc', type: EntryType.Directory, mode: 0o700 }, ...BASE.slice(1)]);
    expect(dump(compareFilesystems(a, b))).toBe('~ /etc/ 36 → 36 (0) mode');
    // usr and usr/bin only implied by their files in c.
    const c = image(['d etc', 'f etc/issue 27', 'f etc/hostname 9', 'f usr/bin/env 100', 'l usr/bin/sh -> dash', 'f usr/bin/dash 500']);
    expect(compareFilesystems(a, c).count).toBe(0);
  });

  test('names are paired by bytes: siblings that sort apart in strings and bytes, non-ASCII names', () => {
    const a = image(['d a', 'f a/x 1', 'f a-c 2', 'f ünï 3', 'f Z 4']);
    const b = image(['f a-c 2', 'd a', 'f a/x 1', 'f ünï 5', 'f z 4']);
    expect(dump(compareFilesystems(a, b))).toBe(['− /Z 4 (-4)', '+ /z 4 (+4)', '~ /ünï 3 → 5 (+2) size'].join('\n'));
  });

  test('an image without layers against one with files: everything added', () => {
    const empty = stackLayers([]);
    const c = compareFilesystems(empty, image(BASE));
    expect(dump(c)).toBe('+ /etc/ 36 (+36) [2 files]\n+ /usr/ 600 (+600) [3 files]');
    expect(c.summary.a).toEqual({ files: 0, directories: 0, bytes: 0 });
    expect(compareFilesystems(empty, empty).count).toBe(0);
  });

  test('~100k-path images compare in one pass (timing printed for the record); the result crosses threads', () => {
    const a = stackLayers(syntheticImage(5, 20_000, 1));
    const b = stackLayers(syntheticImage(5, 20_000, 2));
    a.view(a.layerCount - 1, 'aggregate');
    b.view(b.layerCount - 1, 'aggregate');
    const t0 = performance.now();
    const c = compareFilesystems(a, b);
    const ms = performance.now() - t0;
    console.log(`compare ${a.nodeCount} vs ${b.nodeCount} paths: ${c.count} rows in ${ms.toFixed(1)} ms`);
    expect(c.summary.b.bytes - c.summary.a.bytes).toBe(c.summary.delta);
    expect(c.summary.added.bytes - c.summary.removed.bytes + c.summary.changed.delta).toBe(c.summary.delta);
    expect(compareFilesystems(a, stackLayers(syntheticImage(5, 20_000, 1))).count).toBe(0);

    const copy = structuredClone(c, { transfer: comparisonTransferables(c) });
    expect(c.kind.length).toBe(0); // transferred, not copied
    expect(copy.count).toBe(copy.paths.length);
    expect(diffAt(copy, copy.count - 1).path).toMatch(/^\/usr\/lib\//);
  }, 120_000);
});

describe('compareLayers', () => {
  test('shared by digest at each position, the rest on one side, and the sizes', () => {
    const l = (digest: string, size: number) => ({ digest: `sha256:${digest}`, size });
    const c = compareLayers([l('base', 100), l('a1', 10), l('common', 5)], [l('base', 100), l('b1', 30), l('b2', 1), l('common', 5)]);
    expect(c.shared).toEqual([
      { digest: 'sha256:base', size: 100, a: [0], b: [0] },
      { digest: 'sha256:common', size: 5, a: [2], b: [3] },
    ]);
    expect(c.onlyA).toEqual([1]);
    expect(c.onlyB).toEqual([1, 2]);
    expect(c.compressed).toEqual({ a: 115, b: 136, delta: 21 });
    expect(c.sharedBytes).toBe(105);
    expect(c.commonBase).toBe(1);
    expect(compareLayers([], []).shared).toEqual([]);
  });
});

describe('compareFilesystems with content hashes', () => {
  const f = (path: string, size: number, more: Partial<TestEntry> = {}): TestEntry => ({ path, type: EntryType.File, size, mode: 0o644, ...more });

  test('other bytes of the same size are a content change; same bytes with a new mode are metadata only', () => {
    const a = image([f('app', 10, { hash: 1 }), f('conf', 10, { hash: 2 }), f('same', 5, { hash: 3 }), f('grown', 5, { hash: 4 })]);
    const b = image([f('app', 10, { hash: 9 }), f('conf', 10, { hash: 2, mode: 0o600 }), f('same', 5, { hash: 3 }), f('grown', 6, { hash: 5 })]);
    const c = compareFilesystems(a, b);
    expect(dump(c)).toBe(['~ /app 10 → 10 (0) content', '~ /conf 10 → 10 (0) mode', '~ /grown 5 → 6 (+1) size,content'].join('\n'));
    expect(rowsOf(c).map((r) => r.sameContent ?? false)).toEqual([false, true, false]);
    expect(c.summary.changed).toEqual({ files: 3, delta: 1, metadataOnly: 1 });
    expect(c.summary.unchanged).toBe(1);
  });

  test('without hashes on one side, bytes are not judged', () => {
    const a = image([f('app', 10, { hash: 1 }), f('conf', 10, { hash: 2 })]);
    const b = image([f('app', 10), f('conf', 10, { mode: 0o600 })]);
    const c = compareFilesystems(a, b);
    expect(dump(c)).toBe('~ /conf 10 → 10 (0) mode');
    expect(c.summary.changed.metadataOnly).toBe(0);
  });
});
