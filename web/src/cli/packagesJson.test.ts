/**
 * `lading analyze --json -` on the package fixture images (e2e/fixtures/packages.sh), each written
 * to a docker-archive by skopeo: the `lading` section's `packages[]` must be what the package
 * managers' own tools say of the image's final filesystem (dpkg-query, rpm -qa/-ql, apk's
 * installed file read with awk), with sizes and file counts from lstat in the rootfs and the layer
 * from the per-layer snapshots (e2e/harness/packageTruth.ts). Nothing expected is copied from Lading.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackageFixtures, packageFixturesFilePath, type PackageFixturesFile } from '../../../e2e/harness/fixtures';
import { osPackages, type TruthPackage } from '../../../e2e/harness/packageTruth';
import { cliPath, have, repoRoot } from '../../test/cli/tools';

const cli = cliPath;
const TIMEOUT = 180_000;

const missing = ['skopeo', 'dpkg-query', 'rpm', 'awk'].filter((t) => !have(t));
const skip = (missing.length > 0 || !existsSync(packageFixturesFilePath)) && !process.env.CI;
if (skip) console.warn(`packagesJson.test.ts skipped: ${missing.length > 0 ? `missing ${missing.join(', ')}` : `no ${packageFixturesFilePath}`}`);

interface JsonPackage {
  ecosystem: string;
  name: string;
  version: string;
  layer: number;
  files: number;
  sizeBytes: number;
}
interface Doc {
  lading: { packages: JsonPackage[]; packageNotes: { layer: number; kind: string; path: string; message: string }[] };
}

function analyze(archive: string): Promise<{ code: number; doc: Doc; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, 'analyze', archive, '--json', '-'],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 },
      (error, stdout) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, doc: JSON.parse(stdout) as Doc, stdout });
      },
    );
  });
}

const key = (p: { ecosystem: string; name: string; version: string; layer: number }): string => `${p.ecosystem} ${p.name} ${p.version} @${p.layer}`;

describe.skipIf(skip)('lading analyze --json: packages[]', () => {
  let tmp: string;
  let fixtures: PackageFixturesFile;
  const docs = new Map<string, Doc>();
  const truth = new Map<string, TruthPackage[]>();
  const images = ['debian', 'distroless', 'rpm', 'apk'] as const;

  beforeAll(async () => {
    fixtures = loadPackageFixtures();
    tmp = mkdtempSync(join(tmpdir(), 'lading-pkgjson-'));
    for (const image of images) {
      const archive = join(tmp, `${image}.tar`);
      execFileSync('skopeo', [
        '--insecure-policy',
        'copy',
        '--quiet',
        `oci:${join(repoRoot, fixtures.layout)}:${image}`,
        `docker-archive:${archive}:lading/packages:${image}`,
      ]);
      const run = await analyze(archive);
      expect(run.code, image).toBe(0);
      docs.set(image, run.doc);
      truth.set(image, osPackages(fixtures, image, repoRoot));
    }
  }, TIMEOUT);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('has the keys issue 13 names, sorted largest first', () => {
    for (const image of images) {
      const pkgs = docs.get(image)!.lading.packages;
      expect(pkgs.length, image).toBeGreaterThan(0);
      for (const p of pkgs) expect(Object.keys(p)).toEqual(['ecosystem', 'name', 'version', 'layer', 'files', 'sizeBytes']);
      for (let i = 1; i < pkgs.length; i++) expect(pkgs[i - 1]!.sizeBytes).toBeGreaterThanOrEqual(pkgs[i]!.sizeBytes);
    }
  });

  for (const image of images) {
    it(`${image}: the OS packages, versions and layers the package tools give for the final image and each layer`, () => {
      const eco = truth.get(image)![0]!.ecosystem;
      const got = docs.get(image)!.lading.packages.filter((p) => p.ecosystem === eco);
      expect(got.map(key).sort()).toEqual(truth.get(image)!.map(key).sort());
    });
  }

  for (const image of ['distroless', 'rpm', 'apk'] as const) {
    it(`${image}: each package's files and bytes are those its database lists, measured in the rootfs`, () => {
      const got = new Map(docs.get(image)!.lading.packages.map((p) => [`${p.ecosystem} ${p.name}`, p]));
      for (const t of truth.get(image)!) {
        const p = got.get(`${t.ecosystem} ${t.name}`)!;
        expect([p.files, p.sizeBytes], t.name).toEqual([t.files, t.sizeBytes]);
      }
    });
  }

  it('debian (mmdebstrap): the twelve largest packages match dpkg’s file lists to within 1%', () => {
    const got = new Map(docs.get('debian')!.lading.packages.map((p) => [p.name, p]));
    const top = [...truth.get('debian')!].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 12);
    for (const t of top) {
      const p = got.get(t.name)!;
      expect(Math.abs(p.sizeBytes - t.sizeBytes), `${t.name}: ${p.sizeBytes} vs ${t.sizeBytes}`).toBeLessThanOrEqual(t.sizeBytes * 0.01);
      expect(Math.abs(p.files - t.files), `${t.name} files`).toBeLessThanOrEqual(Math.ceil(t.files * 0.01));
    }
  });

  it('rpm: the BerkeleyDB Packages file is named as not read, on the layer that holds it', () => {
    const notes = docs.get('rpm')!.lading.packageNotes;
    const bdb = notes.filter((n) => n.path === fixtures.rpm.berkeleyDbPath);
    expect(bdb).toHaveLength(1);
    expect(bdb[0]!.kind).toBe('unsupported');
    expect(bdb[0]!.message).toMatch(/BerkeleyDB.*not read/);
  });
});
