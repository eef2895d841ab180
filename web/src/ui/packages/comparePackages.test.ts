/** The compare view's package differences, on two reports written here by hand. */
import { describe, expect, test } from 'vitest';
import type { PackageReport, PackageSummary } from '../../queries/packageQueries';
import { comparePackages } from './comparePackages';

let nextId = 0;
const pkg = (name: string, version: string, sizeBytes: number, extra: Partial<PackageSummary> = {}): PackageSummary => ({
  id: nextId++,
  ecosystem: 'deb',
  name,
  version,
  key: `deb:${name}:amd64`,
  source: '/var/lib/dpkg/status',
  layer: 0,
  files: 1,
  sizeBytes,
  costBytes: sizeBytes,
  ...extra,
});
const report = (packages: PackageSummary[]): PackageReport => ({
  packages,
  layers: [],
  entryOwner: new Int32Array(0),
  nodeOwner: new Int32Array(0),
  nodeOwner2: new Int32Array(0),
});

describe('comparePackages', () => {
  const a = report([pkg('libc6', '2.36-8', 12_000), pkg('tcc', '0.9', 400), pkg('bash', '5.2', 7_000), pkg('gone', '1', 50, { removedIn: 1, sizeBytes: 0 })]);
  const b = report([pkg('libc6', '2.36-9', 12_500), pkg('bash', '5.2', 6_900), pkg('curl', '7.88', 900), pkg('gone', '1', 50)]);
  const c = comparePackages(a, b);

  test('added, removed and changed version, largest change in bytes first', () => {
    expect(c.differences.map((d) => [d.kind, (d.a ?? d.b)!.name, d.delta])).toEqual([
      ['added', 'curl', 900],
      ['changed', 'libc6', 500],
      ['removed', 'tcc', -400],
      ['added', 'gone', 50], // removed by a layer of the first image: not in its final image
    ]);
  });
  test('the same version counts as unchanged, and is listed apart when its bytes differ', () => {
    expect(c.unchanged).toBe(1);
    expect(c.resized.map((d) => [d.a!.name, d.delta])).toEqual([['bash', -100]]);
  });
});
