/**
 * `npx lading` from the package as published: `npm pack`, the tarball installed in an empty
 * folder with production dependencies only (from the npm registry), then `npx lading analyze`
 * on a real docker-save archive of the fixture image. Its report must be the one the CLI in
 * this checkout prints, it must run the prebuilt bundle that `prepack` made (build.ts; the launcher
 * says which build ran with LADING_CLI_TRACE=1), and nothing the web app alone needs (React, Vite)
 * may have been installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesFilePath, loadFixtures } from '../../../e2e/harness/fixtures';
import { repoRoot } from '../../../e2e/harness/paths';
import { have } from '../../test/cli/tools';

const TIMEOUT = 300_000;

// Needs skopeo (to write the archive) and the npm registry (to install the package's dependencies).
const skip = !have('skopeo') && !process.env.CI;
if (skip) console.warn('package.test.ts skipped: skopeo is missing (apt-get install skopeo)');

describe.skipIf(skip)('the published package', () => {
  let tmp: string;
  let app: string;
  let archive: string;

  beforeAll(() => {
    if (!existsSync(fixturesFilePath)) execFileSync('bash', ['e2e/fixtures/build.sh'], { cwd: repoRoot, stdio: 'inherit' });
    const tag = loadFixtures().tags['lading/fixture:amd64']!;
    tmp = mkdtempSync(join(tmpdir(), 'lading-package-'));
    archive = join(tmp, 'fixture.tar');
    execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', tag.source.skopeoRef, `docker-archive:${archive}:lading/fixture:amd64`], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n')
      .pop()!;
    app = join(tmp, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lading-user', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--silent', join(tmp, packed)], { cwd: app, stdio: 'pipe' });
  }, TIMEOUT);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'runs `npx lading analyze <archive>` from its bundle with production dependencies only, and reports what this checkout reports',
    () => {
      const installed = readdirSync(join(app, 'node_modules'));
      expect(installed).toContain('lading');
      for (const devOnly of ['react', 'vite', 'vitest', '@playwright']) expect(installed).not.toContain(devOnly);

      const env = { ...process.env, NO_COLOR: '1' };
      const run = spawnSync('npx', ['--no-install', 'lading', 'analyze', archive], { cwd: app, encoding: 'utf8', env: { ...env, LADING_CLI_TRACE: '1' } });
      expect(run.status).toBe(0);
      // Installed files are all newer than the build, so the stamp's digests decided: unchanged.
      const bundle = join(app, 'node_modules/lading/dist/cli');
      expect(run.stderr).toContain(`lading: running the bundle ${join(bundle, 'main.mjs')}`);
      const published = run.stdout;
      const local = execFileSync(process.execPath, [join(repoRoot, 'web/src/cli/lading.mjs'), 'analyze', archive], { cwd: app, encoding: 'utf8', env });
      expect(published).toContain('efficiency');
      expect(published).toBe(local);
    },
    TIMEOUT,
  );
});
