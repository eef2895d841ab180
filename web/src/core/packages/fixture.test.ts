/**
 * The package fixture images (e2e/fixtures/packages.sh: `flock /tmp/lading-heavy.lock bash
 * e2e/fixtures/packages.sh`), read from their OCI layout as the app reads them, compared with
 * what the package managers' own tools say about the same filesystems: dpkg-query over the
 * image's dpkg database (and over each layer's snapshot), rpm -qa / rpm -ql over the rpmdb,
 * npm's lock file, the .deb files' md5sums, and file sizes from lstat in the rootfs. Nothing
 * expected here comes from Lading's output.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadPackageFixtures, packageFixturesFilePath, type PackageFixtureImage, type PackageFixturesFile } from '../../../../e2e/harness/fixtures';
import { sizeOf } from '../../../../e2e/harness/packageTruth';
import { loadFixtureImage, repoRoot, type FixtureImage } from '../../../test/packages/image';
import { lines, sh } from '../../../test/packages/tools';
import type { PackageReport, PackageSummary } from './report';

// In CI the fixtures are built before the unit tests (npm test): missing there is a failure, not a skip.
const packageFixturesPresent = existsSync(packageFixturesFilePath) || !!process.env.CI;
if (!packageFixturesPresent)
  console.warn(`skipping the package fixture checks: ${packageFixturesFilePath} is missing (build it with \`bash e2e/fixtures/packages.sh\`)`);

// Read only when present; the suites below are skipped otherwise.
const fixtures = (packageFixturesPresent ? loadPackageFixtures() : undefined) as PackageFixturesFile;
const tagOf = (reference: string) => {
  const tag = fixtures.tags[reference];
  if (!tag) throw new Error(`packages.json has no ${reference}`);
  return tag;
};
const abs = (rel: string): string => join(repoRoot, rel);

const present = (r: PackageReport, k: number, eco: string): string[] =>
  [...r.layers[k]!.present]
    .map((id, i) => [r.packages[id]!, r.layers[k]!.versions[i]!] as const)
    .filter(([p]) => p.ecosystem === eco)
    .map(([p, v]) => `${p.name} ${v}`)
    .sort();
const pkgNames = (r: PackageReport, ids: Int32Array, eco: string): string[] =>
  [...ids]
    .map((id) => r.packages[id]!)
    .filter((p) => p.ecosystem === eco)
    .map((p) => p.name)
    .sort();
const finalOf = (r: PackageReport, eco: string): PackageSummary[] => r.packages.filter((p) => p.ecosystem === eco && p.removedIn === undefined);

/** dpkg-query's view of an admin directory: installed packages as `name version`. */
function dpkgQuery(admindir: string): string[] {
  return lines(sh('dpkg-query', [`--admindir=${admindir}`, '-W', '-f', '${db:Status-Status}\t${Package} ${Version}\n']))
    .map((l) => l.split('\t'))
    .filter(([s]) => s !== 'not-installed' && s !== 'config-files')
    .map(([, p]) => p!)
    .sort();
}

describe.skipIf(!packageFixturesPresent)('lading/packages:debian (mmdebstrap)', () => {
  const img: PackageFixtureImage = fixtures?.images.debian;
  const facts = fixtures?.debian;
  let image: FixtureImage;
  beforeAll(async () => {
    image = await loadFixtureImage(tagOf('lading/packages:debian'));
  }, 300_000);

  test('the packages as of every layer are what dpkg-query finds in that layer’s database', () => {
    img.snapshots.forEach((snap, k) => expect(present(image.report, k, 'deb'), `layer ${k}`).toEqual(dpkgQuery(join(abs(snap), 'var/lib/dpkg'))));
  });

  test('the compiler layer adds tcc and what it pulled in, and nothing else changes', () => {
    const before = new Set(dpkgQuery(join(abs(img.snapshots[facts.compilerLayer - 1]!), 'var/lib/dpkg')).map((l) => l.split(' ')[0]));
    const after = dpkgQuery(join(abs(img.snapshots[facts.compilerLayer]!), 'var/lib/dpkg')).map((l) => l.split(' ')[0]!);
    const layer = image.report.layers[facts.compilerLayer]!;
    expect(pkgNames(image.report, layer.added, 'deb')).toEqual(after.filter((n) => !before.has(n)).sort());
    expect(pkgNames(image.report, layer.added, 'deb')).toContain(facts.compiler);
    expect(layer.removed.length + layer.changed.length).toBe(0);
    const tcc = image.report.packages.find((p) => p.name === facts.compiler)!;
    expect(tcc.layer).toBe(facts.compilerLayer);
  });

  test('acceptance: the twelve largest packages match dpkg’s own file lists to within 1%', () => {
    const rootfs = abs(img.rootfs);
    const info = join(rootfs, 'var/lib/dpkg/info');
    const expected = new Map<string, { files: number; bytes: number }>();
    for (const f of readdirSync(info)) {
      if (!f.endsWith('.list')) continue;
      const paths = lines(readFileSync(join(info, f), 'utf8')).filter((l) => l !== '/.');
      expected.set(f.slice(0, -5).replace(/:.*$/, ''), sizeOf(rootfs, paths));
    }
    const largest = [...expected].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12);
    expect(largest.length).toBe(12);
    const got = new Map(finalOf(image.report, 'deb').map((p) => [p.name, p]));
    for (const [name, e] of largest) {
      const p = got.get(name);
      expect(p, name).toBeDefined();
      expect(Math.abs(p!.sizeBytes - e.bytes), `${name}: ${p!.sizeBytes} vs ${e.bytes}`).toBeLessThanOrEqual(e.bytes * 0.01);
    }
    // Not only the largest: every package's bytes, within 1% (or 4 KiB for small ones).
    for (const [name, e] of expected) {
      const p = got.get(name);
      expect(p, name).toBeDefined();
      expect(Math.abs(p!.sizeBytes - e.bytes), `${name}: ${p!.sizeBytes} vs ${e.bytes}`).toBeLessThanOrEqual(Math.max(4096, e.bytes * 0.01));
    }
  });

  test('apt lists, left by layer 0 and deleted later, belong to no package; the lists layer’s cost is not charged to any', () => {
    const { fs, report } = image;
    const d = fs.data;
    let lists = 0;
    for (let g = d.layerBase[facts.aptListsLayer]!; g < d.layerBase[facts.aptListsLayer + 1]!; g++) {
      if (!fs.path(d.entryNode[g]!).startsWith('/var/lib/apt/lists/') || d.entryType[g] !== 0) continue;
      lists++;
      expect(report.entryOwner[g]).toBe(-1);
      expect(d.killedBy[g]).toBe(facts.aptListsDeletedIn);
    }
    expect(lists).toBeGreaterThan(0);
  });

  test('the chmod-only copy is no package’s and changes no package', () => {
    const { report, fs } = image;
    expect(report.nodeOwner[fs.find(facts.metadataOnlyCopy.path)]).toBe(-1);
    for (const k of [facts.metadataOnlyCopy.addedIn, facts.metadataOnlyCopy.chmodIn]) {
      const l = report.layers[k]!;
      expect(l.added.length + l.removed.length + l.changed.length).toBe(0);
    }
  });
});

describe.skipIf(!packageFixturesPresent)('lading/packages:distroless (status.d, Python, npm)', () => {
  const img: PackageFixtureImage = fixtures?.images.distroless;
  let image: FixtureImage;
  beforeAll(async () => {
    image = await loadFixtureImage(tagOf('lading/packages:distroless'));
  }, 300_000);

  /** dpkg-query over an admin directory whose status is the status.d stanzas (which carry no Status). */
  function statusD(snapshot: string): string[] {
    const dir = join(snapshot, 'var/lib/dpkg/status.d');
    if (!existsSync(dir)) return [];
    const admin = mkdtempSync(join(tmpdir(), 'lading-statusd-'));
    const stanzas = readdirSync(dir)
      .filter((f) => !f.endsWith('.md5sums'))
      .map(
        (f) =>
          readFileSync(join(dir, f), 'utf8')
            .replace(/^Package: .*$/m, '$&\nStatus: install ok installed')
            .trimEnd() + '\n',
      );
    writeFileSync(join(admin, 'status'), stanzas.join('\n'));
    return dpkgQuery(admin);
  }

  test('deb packages per layer are the status.d stanzas dpkg-query reads; deleting status.d/netbase removes netbase', () => {
    img.snapshots.forEach((snap, k) => expect(present(image.report, k, 'deb'), `layer ${k}`).toEqual(statusD(abs(snap))));
    const last = img.snapshots.length - 1;
    expect(pkgNames(image.report, image.report.layers[last]!.removed, 'deb')).toEqual(['netbase']);
  });

  test('each deb owns the files its md5sums lists, with their sizes in the rootfs', () => {
    const rootfs = abs(img.rootfs);
    const dir = join(rootfs, 'var/lib/dpkg/status.d');
    for (const p of finalOf(image.report, 'deb')) {
      const paths = lines(readFileSync(join(dir, `${p.name}.md5sums`), 'utf8')).map((l) => '/' + l.slice(34));
      const e = sizeOf(rootfs, paths);
      expect([p.files, p.sizeBytes], p.name).toEqual([e.files, e.bytes]);
    }
  });

  test('Python: each python3-* deb ships one distribution, which owns exactly the deb’s files in dist-packages', () => {
    const rootfs = abs(img.rootfs);
    const dir = join(rootfs, 'var/lib/dpkg/status.d');
    const python = finalOf(image.report, 'python');
    const debs = readdirSync(dir).filter((f) => f.startsWith('python3-') && f.endsWith('.md5sums'));
    const withDist = debs.filter((f) => readFileSync(join(dir, f), 'utf8').includes('-info/'));
    const distsOnDisk = readdirSync(join(rootfs, 'usr/lib/python3/dist-packages')).filter((f) => /\.(dist|egg)-info$/.test(f));
    expect(python.length).toBe(distsOnDisk.length);
    for (const f of withDist) {
      const paths = lines(readFileSync(join(dir, f), 'utf8'))
        .map((l) => '/' + l.slice(34))
        .filter((p) => p.startsWith('/usr/lib/python3/dist-packages/'));
      const info = paths.find((p) => /\.(dist|egg)-info\//.test(p))!;
      const dist = python.find((p) => p.source === info.slice(0, info.indexOf('-info/') + 5));
      if (!dist) continue; // its dist-info was deleted by the last layer
      expect([dist.files, dist.sizeBytes], dist.name).toEqual(Object.values(sizeOf(rootfs, paths)));
    }
    expect(python.map((p) => p.name).sort()).toEqual(['idna', 'packaging', 'six']);
    const last = img.snapshots.length - 1;
    expect(pkgNames(image.report, image.report.layers[last]!.removed, 'python')).toEqual(['typing_extensions']);
  });

  test('npm: per layer the packages of npm’s own lock file; the upgrade is a version change; nested copies are apart', () => {
    const lockOf = (snap: string): string[] => {
      const f = join(snap, 'app/node_modules/.package-lock.json');
      if (!existsSync(f)) return [];
      const lock = JSON.parse(readFileSync(f, 'utf8')) as { packages: Record<string, { version: string }> };
      return Object.entries(lock.packages)
        .filter(([k]) => k.startsWith('node_modules/'))
        .map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)} ${v.version}`)
        .sort();
    };
    img.snapshots.forEach((snap, k) => expect(present(image.report, k, 'npm'), `layer ${k}`).toEqual(lockOf(abs(snap))));
    const upgrade = image.report.layers.findIndex((l, k) => k > 0 && pkgNames(image.report, l.changed, 'npm').length > 0);
    expect(pkgNames(image.report, image.report.layers[upgrade]!.changed, 'npm')).toEqual(['ms']);
    const rootfs = abs(img.rootfs);
    // A package owns its directory but not a nested node_modules: sizes from lstat.
    for (const p of finalOf(image.report, 'npm')) {
      const dir = p.source.slice(0, -'/package.json'.length);
      const walk = (d: string): string[] =>
        readdirSync(join(rootfs, d), { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? (e.name === 'node_modules' ? [] : walk(`${d}/${e.name}`)) : [`${d}/${e.name}`],
        );
      expect([p.files, p.sizeBytes], p.source).toEqual(Object.values(sizeOf(rootfs, walk(dir))));
    }
  });
});

describe.skipIf(!packageFixturesPresent)('lading/packages:rpm (rpm --initdb, rpm -i, sqlite backend)', () => {
  const img: PackageFixtureImage = fixtures?.images.rpm;
  let image: FixtureImage;
  beforeAll(async () => {
    image = await loadFixtureImage(tagOf('lading/packages:rpm'));
  }, 300_000);
  const rpmIn = (root: string, ...args: string[]): string => sh('rpm', ['--root', root, '--dbpath', fixtures.rpm.dbPath, ...args]);

  test('per layer, the packages rpm -qa lists', () => {
    img.snapshots.forEach((snap, k) =>
      expect(present(image.report, k, 'rpm'), `layer ${k}`).toEqual(lines(rpmIn(abs(snap), '-qa', '--qf', '%{NAME} %{VERSION}-%{RELEASE}\n')).sort()),
    );
    expect(pkgNames(image.report, image.report.layers[2]!.changed, 'rpm')).toEqual(['lading-hello']);
    expect(pkgNames(image.report, image.report.layers[2]!.removed, 'rpm')).toEqual(['lading-licenses']);
  });

  test('each package owns what rpm -ql lists, with its sizes in the rootfs', () => {
    const rootfs = abs(img.rootfs);
    for (const p of finalOf(image.report, 'rpm')) {
      const e = sizeOf(rootfs, lines(rpmIn(rootfs, '-ql', p.name)));
      expect([p.files, p.sizeBytes], p.name).toEqual([e.files, e.bytes]);
    }
  });

  test('the BerkeleyDB Packages file is recognised and said not to be read', () => {
    const last = image.report.layers[img.snapshots.length - 1]!;
    expect(last.notes.map((n) => [n.kind, n.path])).toEqual([['unsupported', fixtures.rpm.berkeleyDbPath]]);
    expect(last.notes[0]!.message).toMatch(/BerkeleyDB.*not read/);
  });
});

describe.skipIf(!packageFixturesPresent)(
  'lading/packages:apk (a database written from the apk format documentation: no Alpine package is reachable here)',
  () => {
    const img: PackageFixtureImage = fixtures?.images.apk;
    let image: FixtureImage;
    beforeAll(async () => {
      image = await loadFixtureImage(tagOf('lading/packages:apk'));
    }, 300_000);
    /** P:/V: pairs and F:/R: files, read with awk from the installed file. */
    const awk = (prog: string, file: string): string[] => lines(sh('awk', ['-F', ':', prog, file]));

    test('per layer, the P:/V: of the installed database; an upgrade and a removal', () => {
      img.snapshots.forEach((snap, k) =>
        expect(present(image.report, k, 'apk'), `layer ${k}`).toEqual(
          awk('$1=="P"{p=$2} $1=="V"{print p " " $2}', join(abs(snap), 'lib/apk/db/installed')).sort(),
        ),
      );
      expect(pkgNames(image.report, image.report.layers[1]!.changed, 'apk')).toEqual(['lading-apk-hello']);
      expect(pkgNames(image.report, image.report.layers[1]!.removed, 'apk')).toEqual(['lading-apk-docs']);
    });

    test('files from F:/R: lines, sizes from the rootfs', () => {
      const rootfs = abs(img.rootfs);
      const files = awk('$1=="F"{d=$2} $1=="R"{print "/" d "/" $2}', join(rootfs, 'lib/apk/db/installed'));
      const [p] = finalOf(image.report, 'apk');
      expect([p!.files, p!.sizeBytes]).toEqual(Object.values(sizeOf(rootfs, files)));
    });
  },
);
