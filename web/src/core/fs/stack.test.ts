import { describe, expect, test } from 'vitest';
import { EntryType } from '../layers/layerIndex';
import { Fate, ImageFilesystem, Mark, NOT_IN_VIEW, stackLayers, type MarkName } from './index';
import { buildLayers } from '../../../test/fs/testing';

/** Visible paths of the final image (aggregate view of the last layer, removed ghosts excluded). */
function finalPaths(fs: ImageFilesystem): string[] {
  const v = fs.view(fs.layerCount - 1, 'aggregate');
  return [...v.nodes].filter((n) => v.mark[n] !== Mark.Removed).map((n) => fs.path(n));
}

/** `path mark size` for every node of a view, in tree order. */
function dump(fs: ImageFilesystem, layer: number, mode: 'layer' | 'aggregate'): string[] {
  const v = fs.view(layer, mode);
  return [...v.nodes].map((n) => `${fs.path(n)} ${fs.info(layer, mode, n).mark} ${v.size[n]}`);
}

function markOf(fs: ImageFilesystem, layer: number, path: string, mode: 'layer' | 'aggregate' = 'layer'): MarkName | undefined {
  const n = fs.find(path);
  if (n < 0) return undefined;
  return fs.info(layer, mode, n).mark;
}

describe('stacking', () => {
  test('later layers add and replace; the trie is shared and sorted', () => {
    const fs = stackLayers(buildLayers(['d etc', 'f etc/b 2', 'f etc/a 1'], ['d etc', 'f etc/c 3', 'f etc/a 10']));
    expect(finalPaths(fs)).toEqual(['/etc', '/etc/a', '/etc/b', '/etc/c']);
    const a = fs.info(1, 'aggregate', fs.find('/etc/a'));
    expect(a.size).toBe(10);
    expect(a.layer).toBe(1);
    expect(fs.view(1, 'aggregate').size[fs.find('/etc')]).toBe(15);
    expect(fs.view(0, 'aggregate').size[fs.find('/etc')]).toBe(3);
  });

  test('a file whiteout deletes the file, a directory whiteout the whole subtree', () => {
    const fs = stackLayers(
      buildLayers(
        ['d etc', 'f etc/issue 27', 'f etc/issue.net 20', 'd root', 'd root/example', 'f root/example/a 5', 'd root/example/sub', 'f root/example/sub/b 6'],
        ['d etc', 'w etc/issue.net', 'd root', 'w root/example'],
      ),
    );
    expect(finalPaths(fs)).toEqual(['/etc', '/etc/issue', '/root']);
    const d = fs.data;
    for (const p of ['/etc/issue.net', '/root/example', '/root/example/a', '/root/example/sub', '/root/example/sub/b']) {
      const g = d.finalVis[fs.find(p)]!;
      expect(g, p).toBe(-1);
    }
    // Fates name the whiteout that did it.
    const fate = (path: string) => {
      const g = [...d.entryNode].findIndex((n, i) => n === fs.find(path) && d.entryLayer[i] === 0);
      return { by: d.killedBy[g], reason: d.killReason[g], killer: fs.path(d.killerNode[g]!) };
    };
    expect(fate('/etc/issue.net')).toEqual({ by: 1, reason: Fate.Deleted, killer: '/etc/issue.net' });
    expect(fate('/root/example/sub/b')).toEqual({ by: 1, reason: Fate.Deleted, killer: '/root/example' });
    expect(fate('/etc/issue')).toEqual({ by: -1, reason: Fate.Visible, killer: '/' });
  });

  test('an opaque directory hides lower content but keeps its own layer’s entries', () => {
    const fs = stackLayers(
      buildLayers(
        [
          'd usr',
          'd usr/share',
          'd usr/share/doc',
          'd usr/share/doc/hello',
          'f usr/share/doc/hello/NEWS.gz 100',
          'f usr/share/doc/hello/copyright 30',
          'd usr/share/doc/other',
          'f usr/share/doc/other/x 7',
        ],
        ['d usr/share/doc/hello', 'o usr/share/doc/hello', 'f usr/share/doc/hello/README.lading 37', 'f usr/share/doc/hello/copyright 31'],
      ),
    );
    expect(finalPaths(fs)).toEqual([
      '/usr',
      '/usr/share',
      '/usr/share/doc',
      '/usr/share/doc/hello',
      '/usr/share/doc/hello/README.lading',
      '/usr/share/doc/hello/copyright',
      '/usr/share/doc/other',
      '/usr/share/doc/other/x',
    ]);
    const items = fs.reclaimableItems().map((i) => [i.path, i.reason, i.bytes, i.byLayer, i.byPath]);
    expect(items).toEqual([
      ['/usr/share/doc/hello/NEWS.gz', 'hidden-by-opaque', 100, 1, '/usr/share/doc/hello'],
      // Hidden by the opaque directory and written again by the same layer: overwritten.
      ['/usr/share/doc/hello/copyright', 'overwritten', 30, 1, '/usr/share/doc/hello/copyright'],
    ]);
    expect(markOf(fs, 1, '/usr/share/doc/hello/NEWS.gz')).toBe('removed');
    expect(markOf(fs, 1, '/usr/share/doc/hello/README.lading')).toBe('added');
    expect(markOf(fs, 1, '/usr/share/doc/hello/copyright')).toBe('modified');
    expect(markOf(fs, 1, '/usr/share/doc/hello')).toBe('modified');
    expect(markOf(fs, 1, '/usr/share/doc/other')).toBeUndefined(); // untouched: not in the layer view
    expect(markOf(fs, 1, '/usr/share/doc/other', 'aggregate')).toBe('unmodified');
  });

  test('the same path twice in one layer: the last entry wins, the first is overwritten by its own layer', () => {
    const fs = stackLayers(buildLayers(['f a 5', 'f a 9']));
    expect(fs.info(0, 'aggregate', fs.find('/a')).size).toBe(9);
    expect(fs.reclaimableItems().map((i) => [i.bytes, i.layer, i.byLayer, i.reason])).toEqual([[5, 0, 0, 'overwritten']]);
  });

  test('a file replacing a directory removes what was below it; a directory replacing a file replaces it', () => {
    const fs = stackLayers(buildLayers(['d opt', 'd opt/app', 'f opt/app/bin 50', 'f opt/conf 3'], ['f opt/app 4', 'd opt/conf', 'f opt/conf/x 1']));
    expect(finalPaths(fs)).toEqual(['/opt', '/opt/app', '/opt/conf', '/opt/conf/x']);
    expect(fs.info(1, 'aggregate', fs.find('/opt/app')).type).toBe(EntryType.File);
    expect(markOf(fs, 1, '/opt/app')).toBe('modified');
    expect(markOf(fs, 1, '/opt/app/bin')).toBe('removed');
    expect(fs.reclaimableItems().map((i) => [i.path, i.reason, i.byPath])).toEqual([
      ['/opt/app/bin', 'overwritten', '/opt/app'],
      ['/opt/conf', 'overwritten', '/opt/conf'],
    ]);
  });

  test('the entry visible at each node after each layer', () => {
    const fs = stackLayers(buildLayers(['f a 1', 'f b 2'], ['f a 3'], ['w b']));
    const d = fs.data;
    const at = (k: number, p: string) => {
      const g = fs.visibleEntries(k)[fs.find(p)]!;
      return g < 0 ? null : d.entryLayer[g];
    };
    expect([0, 1, 2].map((k) => [at(k, '/a'), at(k, '/b')])).toEqual([
      [0, 0],
      [1, 0],
      [1, null],
    ]);
    expect(at(0, '/a')).toBe(0); // going back replays from the start
  });

  test('implicit directories: a path without a directory entry still has its parents', () => {
    const fs = stackLayers(buildLayers(['f a/b/c 4']));
    const v = fs.view(0, 'aggregate');
    expect([...v.nodes].map((n) => fs.path(n))).toEqual(['/a', '/a/b', '/a/b/c']);
    const a = fs.info(0, 'aggregate', fs.find('/a'));
    expect(a.implicit).toBe(true);
    expect(a.type).toBe(EntryType.Directory);
    expect(a.layer).toBeUndefined();
    expect(a.size).toBe(4);
  });

  test('whiteouts apply to lower layers only: an entry of the same layer survives its own whiteout', () => {
    const fs = stackLayers(buildLayers(['f x 1'], ['f x 2', 'w x']));
    expect(finalPaths(fs)).toEqual(['/x']);
    expect(fs.info(1, 'aggregate', fs.find('/x')).size).toBe(2);
    expect(fs.reclaimableItems().map((i) => i.reason)).toEqual(['overwritten']);
  });

  test('deleted, then written again in a later layer', () => {
    const fs = stackLayers(buildLayers(['f x 1'], ['w x'], ['f x 3']));
    expect(markOf(fs, 1, '/x')).toBe('removed');
    expect(markOf(fs, 2, '/x')).toBe('added');
    expect(fs.reclaimableItems().map((i) => [i.layer, i.reason, i.byLayer])).toEqual([[0, 'deleted', 1]]);
  });
});

describe('marks', () => {
  const fs = stackLayers(
    buildLayers(
      [
        'd etc',
        'f etc/keep 1',
        'f etc/change 2',
        'f etc/gone 3',
        { path: 'etc/chmod', size: 4, mode: 0o644 },
        { path: 'etc/time', size: 5, mtime: 1 },
        'l etc/link -> a',
        'd var',
        'f var/x 1',
      ],
      [
        'd etc',
        'f etc/change 20',
        'w etc/gone',
        { path: 'etc/chmod', size: 4, mode: 0o755 },
        { path: 'etc/time', size: 5, mtime: 2 },
        'l etc/link -> b',
        'f etc/new 6',
        'f etc/keep 1',
        'd var',
      ],
    ),
  );

  test('layer 0 is all added (nothing below it)', () => {
    expect(new Set(dump(fs, 0, 'layer').map((l) => l.split(' ')[1]))).toEqual(new Set(['added']));
  });

  test('added, modified (size, mode, mtime, link target), removed, unmodified', () => {
    expect(dump(fs, 1, 'layer')).toEqual([
      '/etc modified 36',
      '/etc/change modified 20',
      '/etc/chmod modified 4',
      '/etc/gone removed 3',
      '/etc/keep unmodified 1',
      '/etc/link modified 0',
      '/etc/new added 6',
      '/etc/time modified 5',
      '/var unmodified 0',
    ]);
  });

  test('aggregate: everything up to the layer, with the layer’s marks, and what it removed', () => {
    expect(dump(fs, 1, 'aggregate')).toEqual([
      '/etc modified 36',
      '/etc/change modified 20',
      '/etc/chmod modified 4',
      '/etc/gone removed 3',
      '/etc/keep unmodified 1',
      '/etc/link modified 0',
      '/etc/new added 6',
      '/etc/time modified 5',
      '/var unmodified 1',
      '/var/x unmodified 1',
    ]);
  });

  test('a directory is modified when a child changed, unmodified when only re-emitted', () => {
    const fs2 = stackLayers(
      buildLayers(
        ['d a', 'd a/b', 'f a/b/f 1', 'd c', 'f c/g 1'],
        ['d a', 'd a/b', 'f a/b/new 2', { path: 'c', type: EntryType.Directory, mode: 0o755, mtime: 99 }],
      ),
    );
    expect(markOf(fs2, 1, '/a')).toBe('modified');
    expect(markOf(fs2, 1, '/a/b')).toBe('modified');
    expect(markOf(fs2, 1, '/a/b/new')).toBe('added');
    expect(markOf(fs2, 1, '/c')).toBe('unmodified'); // a directory's mtime alone is not a change
    const fs3 = stackLayers(buildLayers(['d c', 'f c/g 1'], [{ path: 'c', type: EntryType.Directory, mode: 0o700 }]));
    expect(markOf(fs3, 1, '/c')).toBe('modified');
  });

  test('a removed directory and everything below it are removed; its size is what it removed', () => {
    const fs2 = stackLayers(buildLayers(['d a', 'd a/b', 'f a/b/f 1', 'f a/g 2'], ['w a']));
    expect(dump(fs2, 1, 'layer')).toEqual(['/a removed 3', '/a/b removed 1', '/a/b/f removed 1', '/a/g removed 2']);
    expect(fs2.view(1, 'layer').size[0]).toBe(0); // removed bytes do not count toward the root
  });

  test('marks are stored per layer in the change lists (typed arrays)', () => {
    const d = fs.data;
    const nodes = d.changeNode.subarray(d.changeStart[1], d.changeStart[2]);
    expect([...nodes]).toEqual([...nodes].sort((a, b) => a - b));
    const marks = d.changeMark.subarray(d.changeStart[1], d.changeStart[2]);
    expect(marks.every((m) => m <= Mark.Removed || m === NOT_IN_VIEW)).toBe(true);
  });
});

describe('transfer', () => {
  test('the model crosses a structured clone with its buffers transferred, and answers the same', () => {
    const fs = stackLayers(buildLayers(['d etc', 'f etc/a 10', 'f etc/b 20'], ['w etc/b', 'f etc/c 5']));
    const before = { dive: fs.dive(), rec: fs.reclaimableItems(), rows: [...fs.flatten(1, 'aggregate', { expandAll: true }).node] };
    const { data, transfer } = fs.toTransfer();
    expect(transfer.length).toBeGreaterThan(20);
    const copy = structuredClone(data, { transfer });
    expect(fs.data.trie.parent.byteLength).toBe(0); // moved, not copied
    const other = ImageFilesystem.fromTransfer(copy);
    expect({ dive: other.dive(), rec: other.reclaimableItems(), rows: [...other.flatten(1, 'aggregate', { expandAll: true }).node] }).toEqual(before);
  });
});
