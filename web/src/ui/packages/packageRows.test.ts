/** The Packages view's rows: filters and sorting over a report written here by hand. */
import { describe, expect, test } from 'vitest';
import type { PackageReport, PackageSummary } from '../../queries/packageQueries';
import { DEFAULT_QUERY, ecosystemCounts, layerChange, packageRows } from './packageRows';

const pkg = (
  id: number,
  ecosystem: PackageSummary['ecosystem'],
  name: string,
  version: string,
  sizeBytes: number,
  extra: Partial<PackageSummary> = {},
): PackageSummary => ({
  id,
  ecosystem,
  name,
  version,
  key: `${ecosystem}:${name}`,
  source: '/var/lib/dpkg/status',
  layer: 0,
  files: 1,
  sizeBytes,
  costBytes: sizeBytes,
  ...extra,
});

const report: PackageReport = {
  packages: [
    pkg(0, 'deb', 'libc6', '2.36-9', 13_000_000),
    pkg(1, 'deb', 'bash', '5.2', 7_000_000, { layer: 1 }),
    pkg(2, 'python', 'six', '1.16.0', 50_000),
    pkg(3, 'deb', 'tcc', '0.9', 0, { removedIn: 2, files: 0, costBytes: 400_000 }),
  ],
  layers: [
    {
      added: Int32Array.of(0, 2, 3),
      removed: Int32Array.of(),
      changed: Int32Array.of(),
      changedFrom: [],
      present: Int32Array.of(0, 2, 3),
      versions: ['2.36-9', '1.16.0', '0.9'],
      databases: [],
      notes: [],
    },
    {
      added: Int32Array.of(1),
      removed: Int32Array.of(),
      changed: Int32Array.of(0),
      changedFrom: ['2.36-8'],
      present: Int32Array.of(0, 1, 2, 3),
      versions: ['2.36-9', '5.2', '1.16.0', '0.9'],
      databases: [],
      notes: [],
    },
    {
      added: Int32Array.of(),
      removed: Int32Array.of(3),
      changed: Int32Array.of(),
      changedFrom: [],
      present: Int32Array.of(0, 1, 2),
      versions: ['2.36-9', '5.2', '1.16.0'],
      databases: [],
      notes: [],
    },
  ],
  entryOwner: new Int32Array(0),
  nodeOwner: new Int32Array(0),
  nodeOwner2: new Int32Array(0),
};

const names = (rows: PackageSummary[]) => rows.map((p) => p.name);

describe('packageRows', () => {
  test('largest first, removed packages left out by default', () => {
    expect(names(packageRows(report, DEFAULT_QUERY))).toEqual(['libc6', 'bash', 'six']);
  });
  test('removed ones on request; sorted by their cost across layers', () => {
    expect(names(packageRows(report, { ...DEFAULT_QUERY, removed: true, sort: { key: 'cost', descending: true } }))).toEqual(['libc6', 'bash', 'tcc', 'six']);
  });
  test('text matches name or version, any case; ecosystem narrows', () => {
    expect(names(packageRows(report, { ...DEFAULT_QUERY, text: 'LIB' }))).toEqual(['libc6']);
    expect(names(packageRows(report, { ...DEFAULT_QUERY, text: '1.16' }))).toEqual(['six']);
    expect(names(packageRows(report, { ...DEFAULT_QUERY, ecosystem: 'python' }))).toEqual(['six']);
  });
  test('by name ascending', () => {
    expect(names(packageRows(report, { ...DEFAULT_QUERY, sort: { key: 'name', descending: false } }))).toEqual(['bash', 'libc6', 'six']);
  });
  test('counts per ecosystem in the final image', () => {
    expect(ecosystemCounts(report)).toEqual([
      ['deb', 2],
      ['python', 1],
    ]);
  });
  test('a layer’s changes by name, with the version before and after', () => {
    const c = layerChange(report, 1);
    expect(names(c.added)).toEqual(['bash']);
    expect(c.changed.map((x) => [x.pkg.name, x.from, x.to])).toEqual([['libc6', '2.36-8', '2.36-9']]);
    expect(names(layerChange(report, 2).removed)).toEqual(['tcc']);
  });
});
