/**
 * Shrink advice on hand-built layers: every rule, the layer and command each finding names, the
 * floor, and a total that counts no byte twice. Expected bytes are sums of the inputs' sizes.
 */
import { describe, expect, test } from 'vitest';
import { stackLayers } from '../fs';
import { EntryType } from '../layers/layerIndex';
import type { PackageReport, PackageSummary } from '../packages/report';
import { buildLayers, type TestEntry } from '../../../test/fs/testing';
import { ADVICE_RULES, computeAdvice, RULE_FIX, type AdviceFinding, type AdviceRule } from './index';

const MiB = 1024 * 1024;
const f = (path: string, size: number, more: Partial<TestEntry> = {}): TestEntry => ({ path, type: EntryType.File, size, mode: 0o644, ...more });

// Sizes, named so that expectations are sums of them.
const S = {
  listA: 3 * MiB,
  listB: 2 * MiB,
  readme: 1.5 * MiB,
  libA: 2 * MiB,
  blob: 4 * MiB,
  dat: 2 * MiB,
  status0: 100_000,
  status1: 110_000,
  tcc: 300_000,
  stdio: 1.2 * MiB,
  deb: 1.5 * MiB,
  manPage: 20_000,
};

const LAYERS: TestEntry[][] = [
  [
    f('var/lib/apt/lists/a', S.listA, { hash: 1 }),
    f('var/lib/apt/lists/b', S.listB, { hash: 2 }),
    f('usr/share/doc/x/README', S.readme, { hash: 3 }),
    f('usr/lib/x86_64-linux-gnu/libfoo.a', S.libA, { hash: 4 }),
    f('opt/blob', S.blob, { hash: 5 }),
    f('usr/share/a.dat', S.dat, { hash: 7 }),
    f('usr/share/b.dat', S.dat, { hash: 7 }),
    f('usr/share/doc/dup', S.dat, { hash: 7 }),
    f('var/lib/dpkg/status', S.status0, { hash: 8 }),
  ],
  [
    f('usr/bin/tcc', S.tcc, { hash: 10 }),
    f('usr/include/stdio.h', S.stdio, { hash: 11 }),
    f('var/lib/dpkg/status', S.status1, { hash: 12 }),
    f('var/cache/apt/archives/tcc.deb', S.deb, { hash: 13 }),
    f('usr/share/man/man1/tcc.1', S.manPage, { hash: 14 }),
  ],
  [
    { path: 'var/lib/apt/lists/a', type: EntryType.File, flags: 1 },
    { path: 'var/lib/apt/lists/b', type: EntryType.File, flags: 1 },
  ],
  [f('opt/blob', S.blob, { hash: 5, mode: 0o600 })],
];
const COMMANDS = ['debootstrap', 'RUN apt-get install -y tcc', 'RUN rm -rf /var/lib/apt/lists/*', 'RUN chmod 0600 /opt/blob'];

function image(layers = LAYERS) {
  return stackLayers(buildLayers(...layers).map((l, i) => ({ ...l, command: COMMANDS[i]! })));
}

function find(findings: readonly AdviceFinding[], rule: AdviceRule, layer: number): AdviceFinding | undefined {
  return findings.find((x) => x.rule === rule && x.layer === layer);
}

describe('computeAdvice', () => {
  const advice = computeAdvice(image());

  test('each rule names its bytes, layer, command, paths (largest first) and fix', () => {
    const expected: [AdviceRule, number, number, string[]][] = [
      ['metadata-only-copy', 3, S.blob, ['/opt/blob']],
      ['deleted-later', 0, S.listA + S.listB + S.status0, ['/var/lib/apt/lists/a', '/var/lib/apt/lists/b', '/var/lib/dpkg/status']],
      ['package-cache', 1, S.deb, ['/var/cache/apt/archives/tcc.deb']],
      ['build-toolchain', 1, S.tcc + S.stdio, ['/usr/include/stdio.h', '/usr/bin/tcc']],
      ['static-and-debug', 0, S.libA, ['/usr/lib/x86_64-linux-gnu/libfoo.a']],
      // The duplicate under /usr/share/doc is the docs rule's: the copy kept is /usr/share/a.dat.
      ['docs-and-locales', 0, S.readme + S.dat, ['/usr/share/doc/dup', '/usr/share/doc/x/README']],
      ['duplicate-content', 0, S.dat, ['/usr/share/b.dat']],
    ];
    for (const [rule, layer, bytes, paths] of expected) {
      const x = find(advice.findings, rule, layer);
      expect(x, `${rule} in layer ${layer}`).toBeDefined();
      expect(x!.bytes, rule).toBe(bytes);
      expect(
        x!.paths.map((p) => p.path),
        rule,
      ).toEqual(paths);
      expect(x!.command).toBe(COMMANDS[layer]);
      expect(x!.fix).toBe(RULE_FIX[rule]);
    }
    expect(find(advice.findings, 'duplicate-content', 0)!.paths[0]!.sameAs).toBe('/usr/share/a.dat');
    expect(find(advice.findings, 'deleted-later', 0)!.related).toEqual([`layer 1 (${COMMANDS[1]})`, `layer 2 (${COMMANDS[2]})`]);
    expect(find(advice.findings, 'metadata-only-copy', 3)!.related).toEqual([`layer 0 (${COMMANDS[0]})`]);
    expect(new Set(advice.findings.map((x) => x.rule))).toEqual(new Set(ADVICE_RULES));
  });

  test('largest saving first; the total counts every byte once', () => {
    const bytes = advice.findings.map((x) => x.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    const all = [...advice.findings, ...advice.small];
    const seen = new Set<string>();
    for (const x of all)
      for (const p of x.paths) {
        const key = `${x.rule === 'metadata-only-copy' ? 'replaced' : x.layer}:${p.path}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    const expectedTotal = S.blob + S.listA + S.listB + S.status0 + S.deb + S.tcc + S.stdio + S.libA + S.readme + S.dat + S.dat;
    expect(advice.totalBytes).toBe(expectedTotal);
    const shipped = Object.entries(S).reduce((s, [k, v]) => s + v * (k === 'dat' ? 3 : k === 'blob' ? 2 : 1), 0);
    expect(advice.imageBytes).toBe(shipped);
    expect(advice.percent).toBeCloseTo((100 * expectedTotal) / shipped, 10);
  });

  test('under the floor: listed as small, not dropped, not in the total', () => {
    expect(advice.small.map((x) => [x.rule, x.layer, x.bytes])).toEqual([['docs-and-locales', 1, S.manPage]]);
    expect(advice.smallBytes).toBe(S.manPage);
    const none = computeAdvice(image(), { minBytes: 0 });
    expect(none.small).toEqual([]);
    expect(none.totalBytes).toBe(advice.totalBytes + S.manPage);
    const high = computeAdvice(image(), { minBytes: 10 * MiB });
    expect(high.findings).toEqual([]);
    expect(high.smallBytes).toBe(none.totalBytes);
  });

  test('without content hashes, no metadata-only copy and no duplicates; the chmod copy is deleted-later', () => {
    const strip = ({ hash: _hash, ...rest }: TestEntry): TestEntry => rest;
    const plain = computeAdvice(image(LAYERS.map((l) => l.map(strip))), { minBytes: 0 });
    expect(plain.hashed).toBe(false);
    expect(plain.findings.some((x) => x.rule === 'metadata-only-copy' || x.rule === 'duplicate-content')).toBe(false);
    expect(find(plain.findings, 'deleted-later', 0)!.bytes).toBe(S.listA + S.listB + S.status0 + S.blob);
  });
});

describe('build-toolchain by package', () => {
  const summary = (id: number, name: string): PackageSummary => ({
    id,
    ecosystem: 'deb',
    name,
    version: '1',
    key: `deb/${name}`,
    source: '/var/lib/dpkg/status',
    layer: 0,
    files: 1,
    sizeBytes: 0,
    costBytes: 0,
  });

  test('owned files go by their package; files no package owns by path', () => {
    const fs = stackLayers(
      buildLayers([
        f('opt/tcc/bin/tinycc', 2 * MiB, { hash: 1 }),
        f('usr/include/zlib.h', 2 * MiB, { hash: 2 }),
        f('usr/include/runtime-owned.h', 2 * MiB, { hash: 3 }),
        f('usr/include/nobody.h', 2 * MiB, { hash: 4 }),
        f('usr/bin/gcc-12-base-file', 2 * MiB, { hash: 5 }),
      ]),
    );
    const owners: Record<string, number> = {
      '/opt/tcc/bin/tinycc': 0,
      '/usr/include/zlib.h': 1,
      '/usr/include/runtime-owned.h': 2,
      '/usr/bin/gcc-12-base-file': 3,
    };
    const nodeOwner = new Int32Array(fs.nodeCount).fill(-1);
    for (const [path, owner] of Object.entries(owners)) nodeOwner[fs.find(path)] = owner;
    const packages: PackageReport = {
      packages: [summary(0, 'tcc'), summary(1, 'zlib1g-dev'), summary(2, 'libfoo1'), summary(3, 'gcc-12-base')],
      layers: [],
      entryOwner: new Int32Array(0),
      nodeOwner,
      nodeOwner2: new Int32Array(fs.nodeCount).fill(-1),
    };
    const advice = computeAdvice(fs, { packages });
    expect(advice.byPackages).toBe(true);
    const x = find(advice.findings, 'build-toolchain', 0)!;
    expect(x.paths.map((p) => p.path).sort()).toEqual(['/opt/tcc/bin/tinycc', '/usr/include/nobody.h', '/usr/include/zlib.h']);
    expect(x.bytes).toBe(3 * 2 * MiB);
    expect(x.related).toEqual(['tcc', 'zlib1g-dev']);
    // Without the report the same image goes by paths: /usr/include only.
    const byPath = find(computeAdvice(fs).findings, 'build-toolchain', 0)!;
    expect(byPath.paths.map((p) => p.path).sort()).toEqual(['/usr/include/nobody.h', '/usr/include/runtime-owned.h', '/usr/include/zlib.h']);
  });
});
