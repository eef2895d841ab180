/**
 * The package capture wired into the real layer pass: tars built here go through
 * analyzeLayerStream with `PackageObserver` as its content observer (in every chunking), and
 * what it captured must be exactly the database files the test wrote, byte for byte; stacked
 * and reported, the packages are the ones the test's status file names. A layer cut inside a
 * database gives a truncated note and no packages from it; other observers on the same pass
 * (combineObservers) see their content as if alone.
 */
import { describe, expect, test } from 'vitest';
import { CHUNKINGS, asAsync, gzip } from '../../../test/layers/helpers';
import { entry, tar } from '../../../test/layers/tarWriter';
import { stackLayers } from '../fs';
import { analyzeLayerStream, type ContentObserver, type LayerIndex } from '../layers';
import { combineObservers } from '../layers/observers';
import { buildPackageReport, databaseKind, packageFsOf, type CapturedFile } from './index';
import { PackageObserver, byteFilter } from './observer';

const status = (pkgs: [string, string][]): string =>
  pkgs.map(([name, version]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`).join('\n');

const STATUS = status([
  ['hello', '2.10-3'],
  ['tiny', '1.0'],
]);
const HELLO_LIST = '/.\n/usr\n/usr/bin\n/usr/bin/hello\n/usr/share/doc/hello/README\n';
const TINY_LIST = '/usr/bin/tiny\n';
const files = {
  'var/lib/dpkg/status': STATUS,
  'var/lib/dpkg/info/hello.list': HELLO_LIST,
  'var/lib/dpkg/info/tiny.list': TINY_LIST,
};

const layer1 = tar(
  entry({ name: './', type: '5' }),
  entry({ name: './usr/bin/', type: '5' }),
  entry({ name: './usr/bin/hello', data: 'h'.repeat(3000) }),
  entry({ name: './usr/bin/tiny', data: 't'.repeat(10) }),
  entry({ name: './usr/bin/other', data: 'o'.repeat(700) }),
  entry({ name: './usr/share/doc/hello/README', data: 'read me' }),
  // Not databases, though their names are close: dpkg's backup, a .md5sums, a package.json outside node_modules.
  entry({ name: './var/lib/dpkg/status-old', data: STATUS }),
  entry({ name: './var/lib/dpkg/info/hello.md5sums', data: 'x' }),
  entry({ name: './app/package.json', data: '{"name":"app","version":"1"}' }),
  ...Object.entries(files).map(([name, data]) => entry({ name: `./${name}`, data })),
  entry({ name: './var/lib/dpkg/status.lnk', type: '2', linkname: 'status' }),
);

async function pass(
  bytes: Uint8Array,
  split: (b: Uint8Array) => Iterable<Uint8Array>,
  extra?: ContentObserver,
): Promise<{ index: LayerIndex; captured: CapturedFile[] }> {
  const obs = new PackageObserver();
  const r = await analyzeLayerStream(asAsync(split(bytes)), { contentObserver: combineObservers(obs.observe, extra), computeDiffId: false });
  return { index: r.index, captured: obs.finish() };
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

describe('PackageObserver in analyzeLayerStream', () => {
  test.each(CHUNKINGS)('captures exactly the database files, byte for byte (%s)', async (_, split) => {
    const { index, captured } = await pass(layer1, split);
    expect(captured.map((f) => [f.path, text(f.bytes), f.size])).toEqual(Object.entries(files).map(([p, d]) => [p, d, d.length]));
    // Each captured file names its entry in the index.
    for (const f of captured) expect(index.size[f.entry!]).toBe(f.size);
  });

  test('gzip-compressed, stacked and reported: the status file’s packages own their listed files', async () => {
    const a = await pass(gzip(layer1), (b) => [b]);
    // A second layer whites out tiny's list and binary and upgrades hello.
    const layer2 = tar(
      entry({ name: './usr/bin/.wh.tiny', data: '' }),
      entry({ name: './var/lib/dpkg/info/.wh.tiny.list', data: '' }),
      entry({ name: './var/lib/dpkg/status', data: status([['hello', '2.10-4']]) }),
    );
    const b = await pass(layer2, (x) => [x]);
    expect(b.captured.map((f) => f.path)).toEqual(['var/lib/dpkg/status']); // whiteouts are never databases
    const fs = stackLayers([{ index: a.index }, { index: b.index }]);
    const report = buildPackageReport(packageFsOf(fs), [a.captured, b.captured]);
    const byName = new Map(report.packages.map((p) => [p.name, p]));
    expect(byName.get('hello')).toMatchObject({ ecosystem: 'deb', version: '2.10-4', layer: 1, files: 2, sizeBytes: 3000 + 'read me'.length });
    expect(byName.get('tiny')).toMatchObject({ removedIn: 1, files: 0, sizeBytes: 0 });
    expect([...report.layers[1]!.changed].map((id) => report.packages[id]!.name)).toEqual(['hello']);
    expect(report.layers[1]!.changedFrom).toEqual(['2.10-3']);
    const other = fs.paths().indexOf('/usr/bin/other');
    expect(report.nodeOwner[other]).toBe(-1);
  });

  test('a layer cut inside the status file: a truncated note on it and no package data from it', async () => {
    // EOA, the link's header, tiny.list's data and header, then 20 bytes into hello.list's data.
    const at = layer1.length - 1024 - 512 - 1024 - 512 + 20;
    const cut = layer1.subarray(0, at);
    const obs = new PackageObserver();
    const r = await analyzeLayerStream(asAsync([cut]), { contentObserver: obs.observe, computeDiffId: false });
    expect(r.error).toBeDefined();
    const captured = obs.finish();
    const truncated = captured.filter((f) => f.truncated);
    expect(truncated).toHaveLength(1);
    const fs = stackLayers([{ index: r.index }]);
    const report = buildPackageReport(packageFsOf(fs), [captured]);
    const notes = report.layers[0]!.notes.filter((n) => n.kind === 'truncated');
    expect(notes.map((n) => n.path)).toEqual([`/${truncated[0]!.path}`]);
    expect(truncated[0]!.path).toBe('var/lib/dpkg/info/hello.list');
    expect(notes[0]!.message).toContain(`20 of ${HELLO_LIST.length} bytes arrived`);
  });

  test('an oversized database: recorded without bytes, with an oversized note', async () => {
    const obs = new PackageObserver({ bytes: 10, files: 100 });
    const r = await analyzeLayerStream(asAsync([layer1]), { contentObserver: obs.observe, computeDiffId: false });
    const captured = obs.finish();
    expect(captured.every((f) => f.bytes === undefined && f.omitted === 'layer-cap')).toBe(true);
    const report = buildPackageReport(packageFsOf(stackLayers([{ index: r.index }])), [captured]);
    expect(report.packages).toEqual([]);
    expect(new Set(report.layers[0]!.notes.map((n) => n.kind))).toEqual(new Set(['oversized']));
  });

  test('BerkeleyDB Packages: recognised, never buffered, said not to be read', async () => {
    const layer = tar(entry({ name: 'var/lib/rpm/Packages', data: new Uint8Array(5000).fill(7) }));
    const { index, captured } = await pass(layer, (b) => [b]);
    expect(captured).toEqual([{ path: 'var/lib/rpm/Packages', entry: 0, size: 5000, omitted: 'recognised-only' }]);
    const report = buildPackageReport(packageFsOf(stackLayers([{ index }])), [captured]);
    expect(report.layers[0]!.notes).toEqual([
      expect.objectContaining({ kind: 'unsupported', path: '/var/lib/rpm/Packages', message: expect.stringMatching(/BerkeleyDB.*not read/) }),
    ]);
  });

  test('another observer on the same pass gets every entry’s content as if alone', async () => {
    const seen = new Map<string, string>();
    const other: ContentObserver = (e) => {
      const path = new TextDecoder().decode(e.path);
      let s = '';
      return { data: (b) => void (s += new TextDecoder().decode(b)), end: () => void seen.set(path, s) };
    };
    const { captured } = await pass(layer1, (b) => [b]);
    const both = await pass(layer1, CHUNKINGS[1]![1], other);
    expect(both.captured.map((f) => text(f.bytes))).toEqual(captured.map((f) => text(f.bytes)));
    expect(seen.get('var/lib/dpkg/status')).toBe(STATUS);
    expect(seen.get('usr/bin/hello')).toBe('h'.repeat(3000));
  });

  test('entries seen again from index 0 (the layer read a second time) start the capture over', async () => {
    const obs = new PackageObserver();
    const r1 = await analyzeLayerStream(asAsync([layer1]), { contentObserver: obs.observe, computeDiffId: false });
    await analyzeLayerStream(asAsync([layer1]), { contentObserver: obs.observe, computeDiffId: false });
    expect(r1.error).toBeUndefined();
    expect(obs.finish().map((f) => f.path)).toEqual(Object.keys(files));
  });
});

describe('byteFilter', () => {
  const enc = new TextEncoder();
  test.each([
    'var/lib/dpkg/status',
    'var/lib/dpkg/info/libc6:amd64.list',
    'var/lib/dpkg/status.d/base-files',
    'var/lib/dpkg/status.d/base-files.md5sums',
    'usr/lib/sysimage/rpm/rpmdb.sqlite',
    'var/lib/rpm/Packages',
    'usr/lib/sysimage/rpm/Packages.db',
    'lib/apk/db/installed',
    'usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD',
    'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
    'usr/lib/python3/dist-packages/idna-3.3.egg-info/top_level.txt',
    'usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO',
    'usr/lib/python3/dist-packages/idna-3.3.egg-info/SOURCES.txt',
    'usr/lib/python3/dist-packages/idna-3.3.egg-info/installed-files.txt',
    'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info',
    'app/node_modules/@types/node/package.json',
  ])('lets %s through to databaseKind, which takes it', (path) => {
    expect(databaseKind(path)).toBeDefined();
    expect(byteFilter(enc.encode(path))).toBe(true);
  });
  test.each(['usr/bin/env', 'etc/passwd', 'var/lib/dpkg/info/bash.md5sums', 'usr/share/doc/status.txt', 'status.d'])('rules out %s', (path) => {
    expect(databaseKind(path)).toBeUndefined();
    expect(byteFilter(enc.encode(path))).toBe(false);
  });
});
