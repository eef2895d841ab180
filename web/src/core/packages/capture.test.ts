import { describe, expect, test } from 'vitest';
import { PackageCapture, capturedTransferables } from './capture';
import { FILE_CAPS, databaseKind } from './kinds';

describe('databaseKind', () => {
  test.each([
    ['var/lib/dpkg/status', 'dpkg-status'],
    ['var/lib/dpkg/status-old', undefined],
    ['var/lib/dpkg/info/libc6:amd64.list', 'dpkg-list'],
    ['var/lib/dpkg/info/bash.md5sums', undefined],
    ['var/lib/dpkg/status.d/base-files', 'dpkg-statusd'],
    ['var/lib/dpkg/status.d/base-files.md5sums', 'dpkg-statusd-md5sums'],
    ['usr/lib/sysimage/rpm/rpmdb.sqlite', 'rpm-sqlite'],
    ['var/lib/rpm/rpmdb.sqlite', 'rpm-sqlite'],
    ['var/lib/rpm/Packages', 'rpm-bdb'],
    ['usr/lib/sysimage/rpm/Packages.db', 'rpm-ndb'],
    ['var/lib/rpm/rpmdb.sqlite-wal', undefined],
    ['lib/apk/db/installed', 'apk-installed'],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD', 'python-record'],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/WHEEL', undefined],
    ['usr/lib/python3/dist-packages/idna-3.3.egg-info/top_level.txt', 'egg-top-level'],
    ['usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info', 'egg-pkg-info'],
    ['app/node_modules/ms/package.json', 'npm-package'],
    ['app/node_modules/@types/node/package.json', 'npm-package'],
    ['app/node_modules/ms/lib/package.json', undefined],
    ['app/package.json', undefined],
    ['app/node_modules/.package-lock.json', undefined],
  ])('%s → %s', (path, kind) => {
    expect(databaseKind(path)).toBe(kind);
  });
  test('never a directory or a link', () => {
    expect(databaseKind('var/lib/dpkg/status', false)).toBeUndefined();
  });
});

describe('PackageCapture', () => {
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

  test('content in pieces is kept whole; other entries are not asked for', () => {
    const c = new PackageCapture();
    expect(c.begin('etc/hostname', 0, true, 5)).toBe(false);
    expect(c.begin('var/lib/dpkg/status', 1, true, 10)).toBe(true);
    const b = bytes(10);
    c.data(b.subarray(0, 3));
    c.data(b.subarray(3, 10));
    c.end();
    const [f] = c.finish();
    expect(f).toEqual({ path: 'var/lib/dpkg/status', entry: 1, size: 10, bytes: b });
    expect(capturedTransferables([f!])).toEqual([f!.bytes!.buffer]);
  });

  test('over the file cap: recorded without bytes; over the layer cap: the same, from then on', () => {
    const c = new PackageCapture({ bytes: 100, files: 2 });
    expect(c.begin('var/lib/dpkg/status.d/big', 0, true, FILE_CAPS['dpkg-statusd'] + 1)).toBe(false);
    expect(c.begin('var/lib/dpkg/info/a.list', 1, true, 60)).toBe(true);
    c.data(bytes(60));
    expect(c.begin('var/lib/dpkg/info/b.list', 2, true, 60)).toBe(false);
    expect(c.begin('var/lib/dpkg/info/c.list', 3, true, 10)).toBe(true);
    expect(c.begin('var/lib/dpkg/info/d.list', 4, true, 1)).toBe(false);
    expect(c.finish().map((f) => [f.path, f.omitted ?? (f.bytes ? f.bytes.length : -1)])).toEqual([
      ['var/lib/dpkg/status.d/big', 'file-cap'],
      ['var/lib/dpkg/info/a.list', 60],
      ['var/lib/dpkg/info/b.list', 'layer-cap'],
      ['var/lib/dpkg/info/c.list', 0],
      ['var/lib/dpkg/info/d.list', 'layer-cap'],
    ]);
  });

  test('a layer that ends inside an entry leaves it truncated; BerkeleyDB files are only recognised', () => {
    const c = new PackageCapture();
    expect(c.begin('var/lib/rpm/Packages', 0, true, 4096)).toBe(false);
    expect(c.begin('lib/apk/db/installed', 1, true, 100)).toBe(true);
    c.data(bytes(40));
    const files = c.finish();
    expect(files[0]).toEqual({ path: 'var/lib/rpm/Packages', entry: 0, size: 4096, omitted: 'recognised-only' });
    expect(files[1]).toMatchObject({ size: 100, truncated: true });
    expect(files[1]!.bytes!.length).toBe(40);
  });
});
