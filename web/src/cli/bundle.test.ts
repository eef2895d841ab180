/**
 * The prebuilt CLI (build.ts, dist/cli) against the TypeScript under tsx, in a copy of the package
 * (its sources, package.json and package-lock.json, node_modules linked), so that editing a
 * source there touches nothing of this checkout. Which of the two ran is what the launcher and
 * each zstd thread say on stderr with LADING_CLI_TRACE=1 (the file they run); LADING_CLI_BUNDLE=off
 * takes tsx with the bundle fresh.
 *
 * - On real images (skopeo archives of the fixtures: zstd layers, so the zstd threads run; gzip;
 *   and the rpm package image, so sql.js and its WebAssembly load), the bundle writes the same JSON
 *   and the same summary as tsx, and both name the fixture's diff_ids (from fixtures.json).
 * - The stamp: a changed input, a removed one or no stamp falls back to tsx, saying which; a
 *   `touch` that keeps the bytes does not; a rebuild makes the bundle run again.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesFilePath, loadFixtures, loadPackageFixtures, packageFixturesFilePath } from '../../../e2e/harness/fixtures';
import { have, repoRoot } from '../../test/cli/tools';
import { buildCliBundle } from './build';

const TIMEOUT = 180_000;

const skip = !have('skopeo') && !process.env.CI;
if (skip) console.warn('bundle.test.ts skipped: skopeo is missing (apt-get install skopeo)');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)('the CLI bundle', () => {
  let tmp: string;
  let pkg: string;
  let launcher: string;
  const archives: { name: string; path: string; layers: string[] }[] = [];

  function lading(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [launcher, ...args],
        { cwd: tmp, env: { ...process.env, NO_COLOR: '1', LADING_CLI_TRACE: '1', ...env }, maxBuffer: 1 << 28 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  /** What ran, as the trace says: the launcher's line and the zstd threads' files. */
  function ran(run: Run): { main: string; threads: string[] } {
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('lading: '));
    const main = lines.find((l) => l.startsWith('lading: running '));
    if (!main) throw new Error(`no trace on stderr: ${run.stderr}`);
    return { main, threads: lines.filter((l) => l.startsWith('lading: zstd thread runs ')).map((l) => l.slice('lading: zstd thread runs '.length)) };
  }

  beforeAll(async () => {
    if (!existsSync(fixturesFilePath)) execFileSync('bash', ['e2e/fixtures/build.sh'], { cwd: repoRoot, stdio: 'inherit' });
    tmp = mkdtempSync(join(tmpdir(), 'lading-bundle-'));
    pkg = join(tmp, 'package');
    for (const dir of ['web/src/cli', 'web/src/core', 'proxy/src']) cpSync(join(repoRoot, dir), join(pkg, dir), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'web/tsconfig.base.json']) cpSync(join(repoRoot, file), join(pkg, file));
    symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
    launcher = join(pkg, 'web/src/cli/lading.mjs');

    const skopeo = (source: string, dest: string): void => {
      execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', source, dest], { cwd: repoRoot, stdio: 'pipe' });
    };
    const fixtures = loadFixtures();
    for (const [name, reference, transport] of [
      ['zstd', 'lading/fixture:zstd', 'oci-archive'],
      ['gzip', 'lading/fixture:amd64', 'docker-archive'],
    ] as const) {
      const tag = fixtures.tags[reference]!;
      const path = join(tmp, `${name}.tar`);
      skopeo(tag.source.skopeoRef, `${transport}:${path}:${transport === 'oci-archive' ? name : reference}`);
      archives.push({ name, path, layers: tag.platforms[0]!.image.layers.map((l) => l.diffId) });
    }
    if (existsSync(packageFixturesFilePath)) {
      const packages = loadPackageFixtures();
      const tag = packages.tags['lading/packages:rpm']!;
      const path = join(tmp, 'rpm.tar');
      skopeo(tag.source.skopeoRef, `docker-archive:${path}:lading/packages:rpm`);
      archives.push({ name: 'rpm', path, layers: tag.platforms[0]!.image.layers.map((l) => l.diffId) });
    } else if (process.env.CI) {
      throw new Error(`no ${packageFixturesFilePath} (npm run fixtures)`);
    } else console.warn(`bundle.test.ts: no ${packageFixturesFilePath}, the rpm image is not run`);

    await buildCliBundle(pkg);
  }, TIMEOUT);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'writes the same JSON and summary as the sources under tsx, zstd threads included, on the fixture images',
    async () => {
      for (const archive of archives) {
        const bundledJson = join(tmp, `${archive.name}.bundle.json`);
        const tsxJson = join(tmp, `${archive.name}.tsx.json`);
        const bundled = await lading(['analyze', archive.path, '--json', bundledJson]);
        const tsx = await lading(['analyze', archive.path, '--json', tsxJson], { LADING_CLI_BUNDLE: 'off' });

        expect(ran(bundled).main).toContain(`running the bundle ${join(pkg, 'dist/cli/main.mjs')}`);
        expect(ran(tsx).main).toBe('lading: running the sources under tsx (LADING_CLI_BUNDLE=off)');
        if (archive.name === 'zstd') {
          // One thread per layer read at a time (--concurrency): at least one ran, each from its own build.
          expect(ran(bundled).threads.length).toBeGreaterThan(0);
          expect(new Set(ran(bundled).threads)).toEqual(new Set([join(pkg, 'dist/cli/zstdThreadEntry.mjs')]));
          expect(new Set(ran(tsx).threads)).toEqual(new Set([join(pkg, 'web/src/cli/zstdThreadWorker.ts')]));
        } else expect(ran(bundled).threads).toEqual([]);

        expect(bundled.code).toBe(0);
        expect(tsx.code).toBe(0);
        expect(bundled.stdout).toBe(tsx.stdout);
        const text = readFileSync(bundledJson, 'utf8');
        expect(text).toBe(readFileSync(tsxJson, 'utf8'));
        const json = JSON.parse(text) as { lading: { verification: { ok: boolean }; layers: { diffId: string }[]; packages: { ecosystem: string }[] } };
        expect(json.lading.verification.ok).toBe(true);
        expect(json.lading.layers.map((l) => l.diffId)).toEqual(archive.layers);
        // sql.js read the rpmdb.sqlite (the only database of that image Lading reads).
        if (archive.name === 'rpm') expect(json.lading.packages.filter((p) => p.ecosystem === 'rpm').length).toBeGreaterThan(0);
      }
    },
    TIMEOUT,
  );

  it(
    'falls back to tsx when an input changed, is gone, or there is no stamp; keeps the bundle for a touch alone',
    async () => {
      const bundleRuns = async (): Promise<string> => {
        const run = await lading(['--help']);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Usage: lading analyze');
        return ran(run).main;
      };
      const args = join(pkg, 'web/src/cli/args.ts');
      const core = join(pkg, 'web/src/core/layers/analyze.ts');
      expect(await bundleRuns()).toContain('running the bundle');

      // Newer time, same bytes (a `git checkout` of the same content does this): still the bundle.
      const later = new Date(Date.now() + 60_000);
      utimesSync(args, later, later);
      expect(await bundleRuns()).toContain('running the bundle');

      appendFileSync(args, '// edited\n');
      expect(await bundleRuns()).toBe('lading: running the sources under tsx (web/src/cli/args.ts changed since the bundle was built)');

      await buildCliBundle(pkg);
      expect(await bundleRuns()).toContain('running the bundle');

      // A core module the CLI bundles, moved away: the bundle is stale, and tsx cannot load the
      // sources either, which is what they say.
      renameSync(core, `${core}.away`);
      const gone = await lading(['--help']);
      expect(ran(gone).main).toBe('lading: running the sources under tsx (web/src/core/layers/analyze.ts, an input of the bundle, is gone)');
      renameSync(`${core}.away`, core);
      expect(await bundleRuns()).toContain('running the bundle');

      appendFileSync(join(pkg, 'package-lock.json'), '\n');
      expect(await bundleRuns()).toBe('lading: running the sources under tsx (package-lock.json changed since the bundle was built)');

      await buildCliBundle(pkg);
      rmSync(join(pkg, 'dist/cli/stamp.json'));
      expect(await bundleRuns()).toBe('lading: running the sources under tsx (no dist/cli/stamp.json (npm run build:cli makes it))');

      rmSync(join(pkg, 'dist'), { recursive: true });
      mkdirSync(join(pkg, 'dist'));
      expect(await bundleRuns()).toContain('running the sources under tsx (no dist/cli/stamp.json');
    },
    TIMEOUT,
  );
});
