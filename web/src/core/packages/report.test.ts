/**
 * Stacking and attribution on small hand-built images: layers as the tar parser records them
 * (fs/testing.ts), database bytes as the capture would keep them. Expected figures are worked
 * out here from the layers themselves.
 */
import { describe, expect, test } from 'vitest';
import { stackLayers } from '../fs';
import { buildLayer } from '../../../test/fs/testing';
import { PackageCapture } from './capture';
import { packageFsOf } from './fsInput';
import { buildPackageReport, packageReportTransferables, type PackageReport } from './report';
import type { CapturedFile } from './types';

const enc = new TextEncoder();
const file = (path: string, text: string): CapturedFile => ({ path, size: enc.encode(text).length, bytes: enc.encode(text) });
const stanza = (name: string, version: string, extra = ''): string =>
  `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: amd64\n${extra}\n`;

function build(layers: { entries: string[]; db: CapturedFile[] }[]): { report: PackageReport; fs: ReturnType<typeof stackLayers> } {
  const fs = stackLayers(layers.map((l) => ({ index: buildLayer(l.entries) })));
  return {
    fs,
    report: buildPackageReport(
      packageFsOf(fs),
      layers.map((l) => l.db),
    ),
  };
}

const byName = (r: PackageReport, name: string) => {
  const p = r.packages.find((x) => x.name === name);
  if (!p) throw new Error(`no package ${name}`);
  return p;
};
const names = (r: PackageReport, ids: Int32Array): string[] => [...ids].map((i) => r.packages[i]!.name);

describe('dpkg across layers', () => {
  const status0 = stanza('a', '1.0') + '\n' + stanza('b', '1.0');
  const status1 = stanza('a', '2.0') + '\n' + stanza('c', '1.0');
  const layers = [
    {
      entries: [
        'd usr',
        'd usr/bin',
        'l bin -> usr/bin',
        'f usr/bin/a 100',
        'f usr/bin/b 50',
        'd usr/share/doc/b',
        'f usr/share/doc/b/README 7',
        'f var/lib/dpkg/status 10',
        'f var/lib/dpkg/info/a.list 1',
        'f var/lib/dpkg/info/b.list 1',
      ],
      db: [
        file('var/lib/dpkg/status', status0),
        file('var/lib/dpkg/info/a.list', '/.\n/bin\n/bin/a\n'),
        file('var/lib/dpkg/info/b.list', '/.\n/usr\n/usr/bin/b\n/usr/share/doc/b\n/usr/share/doc/b/README\n'),
      ],
    },
    {
      // a upgraded (its file rewritten), b purged (files and list deleted), c installed.
      entries: [
        'f usr/bin/a 120',
        'w usr/bin/b',
        'w usr/share/doc/b',
        'f usr/bin/c 30',
        'f var/lib/dpkg/status 10',
        'f var/lib/dpkg/info/c.list 1',
        'w var/lib/dpkg/info/b.list',
      ],
      db: [file('var/lib/dpkg/status', status1), file('var/lib/dpkg/info/c.list', '/usr/bin/c\n')],
    },
    { entries: ['f etc/hostname 5'], db: [] },
  ];
  const { report, fs } = build(layers);

  test('per layer: added, removed, version changed', () => {
    expect(names(report, report.layers[0]!.added)).toEqual(['a', 'b']);
    expect(names(report, report.layers[1]!.added)).toEqual(['c']);
    expect(names(report, report.layers[1]!.removed)).toEqual(['b']);
    expect(names(report, report.layers[1]!.changed)).toEqual(['a']);
    expect(report.layers[1]!.changedFrom).toEqual(['1.0']);
    expect(report.layers[2]!.added.length + report.layers[2]!.removed.length + report.layers[2]!.changed.length).toBe(0);
    expect(report.layers[2]!.versions).toEqual(['2.0', '1.0']);
  });

  test('/bin/a in a.list owns /usr/bin/a through the /bin symlink; sizes and costs', () => {
    const a = byName(report, 'a');
    expect(a).toMatchObject({ ecosystem: 'deb', version: '2.0', layer: 1, files: 1, sizeBytes: 120, costBytes: 220 });
    expect(report.nodeOwner[fs.find('/usr/bin/a')]).toBe(a.id);
    // a.list names /bin as the directory of /bin/a: the /bin symlink is not a's.
    expect(report.nodeOwner[fs.find('/bin')]).toBe(-1);
    const b = byName(report, 'b');
    expect(b).toMatchObject({ removedIn: 1, files: 0, sizeBytes: 0, costBytes: 57, layer: 0 });
    expect(byName(report, 'c')).toMatchObject({ layer: 1, files: 1, sizeBytes: 30, costBytes: 30 });
    expect(report.nodeOwner[fs.find('/etc/hostname')]).toBe(-1);
  });

  test('entries are attributed as of their own layer', () => {
    const d = fs.data;
    const g0 = [...Array(d.layerBase[1]).keys()].find((g) => fs.path(d.entryNode[g]!) === '/usr/bin/b')!;
    expect(report.entryOwner[g0]).toBe(byName(report, 'b').id);
  });
});

describe('deleting a database deletes its packages; a damaged one only hides them', () => {
  test('a whiteout of the status file removes every package it listed', () => {
    const { report } = build([
      { entries: ['f var/lib/dpkg/status 1', 'f usr/bin/a 1'], db: [file('var/lib/dpkg/status', stanza('a', '1'))] },
      { entries: ['w var/lib/dpkg/status'], db: [] },
    ]);
    expect(names(report, report.layers[1]!.removed)).toEqual(['a']);
    expect(report.layers[1]!.present.length).toBe(0);
  });

  test('an opaque /var/lib/dpkg hides it too', () => {
    const { report } = build([
      { entries: ['f var/lib/dpkg/status 1'], db: [file('var/lib/dpkg/status', stanza('a', '1'))] },
      { entries: ['o var/lib/dpkg', 'f var/lib/dpkg/other 1'], db: [] },
    ]);
    expect(names(report, report.layers[1]!.removed)).toEqual(['a']);
  });

  test('a corrupt status in a later layer: a note there, and its packages neither removed nor attributed', () => {
    const { report, fs } = build([
      {
        entries: ['f var/lib/dpkg/status 1', 'f var/lib/dpkg/info/a.list 1', 'f usr/bin/a 9'],
        db: [file('var/lib/dpkg/status', stanza('a', '1')), file('var/lib/dpkg/info/a.list', '/usr/bin/a\n')],
      },
      { entries: ['f var/lib/dpkg/status 1'], db: [file('var/lib/dpkg/status', 'Package: a\ngarbage\n')] },
    ]);
    expect(report.layers[1]!.notes.map((n) => [n.kind, n.path])).toEqual([['corrupt', '/var/lib/dpkg/status']]);
    expect(report.layers[1]!.removed.length).toBe(0);
    expect(report.layers[1]!.databases).toEqual([{ path: '/var/lib/dpkg/status', kind: 'dpkg-status', ecosystem: 'deb', ok: false }]);
    expect(report.nodeOwner[fs.find('/usr/bin/a')]).toBe(-1);
  });

  test('an oversized database: a note, no packages', () => {
    const cap = new PackageCapture({ bytes: 1 << 20, files: 10 }, { ...Object.fromEntries([]), 'dpkg-status': 4 } as never);
    expect(cap.begin('var/lib/dpkg/status', 0, true, 5)).toBe(false);
    const { report } = build([{ entries: ['f var/lib/dpkg/status 5'], db: cap.finish() }]);
    expect(report.layers[0]!.notes.map((n) => n.kind)).toEqual(['oversized']);
    expect(report.packages.length).toBe(0);
  });
});

describe('language packages', () => {
  test('node_modules: a package owns its directory, a nested node_modules belongs to the nested package', () => {
    const { report, fs } = build([
      {
        entries: [
          'f app/node_modules/debug/package.json 1',
          'f app/node_modules/debug/src/index.js 400',
          'f app/node_modules/debug/node_modules/ms/package.json 1',
          'f app/node_modules/debug/node_modules/ms/index.js 30',
          'f app/node_modules/ms/package.json 1',
          'f app/node_modules/ms/index.js 60',
          'l app/node_modules/.bin/x -> ../debug/src/index.js',
        ],
        db: [
          file('app/node_modules/debug/package.json', '{"name":"debug","version":"2.6.9"}'),
          file('app/node_modules/debug/node_modules/ms/package.json', '{"name":"ms","version":"2.0.0"}'),
          file('app/node_modules/ms/package.json', '{"name":"ms","version":"2.1.3"}'),
        ],
      },
    ]);
    const debug = byName(report, 'debug');
    const ms = report.packages.filter((p) => p.name === 'ms').sort((a, b) => a.version.localeCompare(b.version));
    expect(debug).toMatchObject({ files: 2, sizeBytes: 401 });
    expect(ms.map((m) => [m.version, m.files, m.sizeBytes])).toEqual([
      ['2.0.0', 2, 31],
      ['2.1.3', 2, 61],
    ]);
    expect(report.nodeOwner[fs.find('/app/node_modules/debug/node_modules/ms/index.js')]).toBe(ms[0]!.id);
    expect(report.nodeOwner[fs.find('/app/node_modules/.bin/x')]).toBe(-1);
  });

  test('a deb and the Python distribution it ships both own the module', () => {
    const site = 'usr/lib/python3/dist-packages';
    const { report, fs } = build([
      {
        entries: [
          `f ${site}/six.py 1000`,
          `f ${site}/six-1.16.0.egg-info/PKG-INFO 10`,
          `f ${site}/six-1.16.0.egg-info/top_level.txt 4`,
          'f var/lib/dpkg/status 1',
          'f var/lib/dpkg/info/python3-six.list 1',
        ],
        db: [
          file(`${site}/six-1.16.0.egg-info/PKG-INFO`, 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n'),
          file(`${site}/six-1.16.0.egg-info/top_level.txt`, 'six\n'),
          file('var/lib/dpkg/status', stanza('python3-six', '1.16.0-4')),
          file(
            'var/lib/dpkg/info/python3-six.list',
            `/${site}/six.py\n/${site}/six-1.16.0.egg-info\n/${site}/six-1.16.0.egg-info/PKG-INFO\n/${site}/six-1.16.0.egg-info/top_level.txt\n`,
          ),
        ],
      },
    ]);
    const deb = byName(report, 'python3-six');
    const py = byName(report, 'six');
    const n = fs.find(`/${site}/six.py`);
    expect([report.nodeOwner[n], report.nodeOwner2[n]]).toEqual([deb.id, py.id]);
    expect(deb).toMatchObject({ files: 3, sizeBytes: 1014 });
    expect(py).toMatchObject({ ecosystem: 'python', files: 3, sizeBytes: 1014 });
  });
});

test('the report crosses postMessage: structured clone with its typed arrays transferred', () => {
  const { report } = build([{ entries: ['f var/lib/dpkg/status 1', 'f usr/bin/a 3'], db: [file('var/lib/dpkg/status', stanza('a', '1'))] }]);
  const expected = JSON.stringify({ ...report, entryOwner: [...report.entryOwner], nodeOwner: [...report.nodeOwner] });
  const transfer = packageReportTransferables(report);
  expect(transfer.length).toBeGreaterThanOrEqual(3);
  const copy = structuredClone(report, { transfer });
  expect(JSON.stringify({ ...copy, entryOwner: [...copy.entryOwner], nodeOwner: [...copy.nodeOwner] })).toBe(expected);
  expect(report.nodeOwner.length).toBe(0); // transferred, not copied
});
