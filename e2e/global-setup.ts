// Builds the fixtures and the package-database fixtures (cached), starts a plain and an htpasswd registry, pushes the fixtures, starts
// the Lading proxy, and writes env.json for the specs. Returns the teardown that stops it all.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import type { E2EEnv } from './harness/env';
import { defaultEnvPath } from './harness/env';
import { loadFixtures, loadPackageFixtures } from './harness/fixtures';
import { artifactsDir, repoRoot } from './harness/paths';
import { startProxy, writeDockerConfig } from './harness/proxy';
import { pushFixtures, pushPackageFixtures } from './harness/push';
import { startRegistry } from './harness/registry';
import { onStop, stopAll } from './harness/run';
import { pushToTokenRegistry, startTokenRegistry } from './harness/tokenServer';

/** Pushed to the basic-auth registry too. */
const BASIC_TAGS = ['lading/fixture:amd64'];
/** Pushed to the scratch registry, whose storage specs may damage on purpose. */
const SCRATCH_TAGS = ['lading/fixture:amd64'];
/** Pushed to the token-auth registry. */
const TOKEN_TAGS = ['lading/fixture:amd64'];

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const started = Date.now();
  try {
    const build = spawnSync('bash', [join(repoRoot, 'e2e/fixtures/build.sh')], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`e2e/fixtures/build.sh failed (${build.status ?? build.signal})`);
    const toc = spawnSync('bash', [join(repoRoot, 'e2e/fixtures/toc.sh')], { cwd: repoRoot, stdio: 'inherit' });
    if (toc.status !== 0) throw new Error(`e2e/fixtures/toc.sh failed (${toc.status ?? toc.signal})`);
    const fixtures = loadFixtures();
    const packagesBuild = spawnSync('bash', [join(repoRoot, 'e2e/fixtures/packages.sh')], { cwd: repoRoot, stdio: 'inherit' });
    if (packagesBuild.status !== 0) throw new Error(`e2e/fixtures/packages.sh failed (${packagesBuild.status ?? packagesBuild.signal})`);
    const packageFixtures = loadPackageFixtures();

    const [plain, basic, scratch, token] = await Promise.all([
      startRegistry({ name: 'plain' }).then((r) => (onStop('plain registry', r.stop), r)),
      startRegistry({ name: 'basic', auth: 'htpasswd' }).then((r) => (onStop('basic registry', r.stop), r)),
      startRegistry({ name: 'scratch' }).then((r) => (onStop('scratch registry', r.stop), r)),
      startTokenRegistry('token').then((r) => (onStop('token registry', r.stop), r)),
    ]);
    if (!basic.user || !basic.password) throw new Error('the htpasswd registry has no credentials');
    await Promise.all([
      pushFixtures(plain, fixtures).then(() => pushPackageFixtures(plain, packageFixtures)),
      pushFixtures(basic, fixtures, { only: BASIC_TAGS }),
      pushFixtures(scratch, fixtures, { only: SCRATCH_TAGS }),
      pushToTokenRegistry(
        token,
        TOKEN_TAGS.map((reference) => {
          const tag = fixtures.tags[reference];
          if (!tag) throw new Error(`fixtures.json has no ${reference}`);
          return tag;
        }),
      ),
    ]);
    console.log(`[e2e] registries ${plain.host} (plain), ${basic.host} (basic auth) ready with fixtures after ${elapsed(started)}`);

    mkdirSync(join(artifactsDir, 'tmp'), { recursive: true });
    const runDir = mkdtempSync(join(artifactsDir, 'tmp', 'run-'));
    onStop('run dir', () => rmSync(runDir, { recursive: true, force: true }));
    const dockerConfigPath = join(runDir, 'docker-config.json');
    writeDockerConfig(dockerConfigPath, [
      { host: basic.host, user: basic.user, password: basic.password },
      { host: token.host, user: token.tokenServer.user, password: token.tokenServer.password },
    ]);
    // The token server is on another loopback port, which the proxy refuses to dial unless allowed.
    // startProxy passes this process's environment on (so do specs that start their own proxies).
    process.env.LADING_ALLOW_HOSTS = [process.env.LADING_ALLOW_HOSTS, token.tokenServer.host].filter(Boolean).join(',');

    const proxy = await startProxy({
      insecureRegistries: [plain.host, basic.host, scratch.host, token.host],
      dockerConfigPath,
      logName: `proxy-${runDir.split('-').pop() ?? process.pid}`,
    });
    onStop('proxy', proxy.stop);
    console.log(`[e2e] proxy ${proxy.url} ready after ${elapsed(started)}`);

    const env: E2EEnv = {
      proxyUrl: proxy.url,
      registries: {
        plain: { host: plain.host, storageDir: plain.storageDir },
        basic: { host: basic.host, storageDir: basic.storageDir, user: basic.user, password: basic.password },
        scratch: { host: scratch.host, storageDir: scratch.storageDir },
        token: {
          host: token.host,
          storageDir: token.storageDir,
          realm: token.tokenServer.realm,
          tokenServerHost: token.tokenServer.host,
          service: token.tokenServer.service,
          user: token.tokenServer.user,
          password: token.tokenServer.password,
        },
      },
      dockerConfigPath,
      basicTags: BASIC_TAGS,
      tokenTags: TOKEN_TAGS,
      fixtures,
      packageFixtures,
    };
    const json = `${JSON.stringify(env, null, 2)}\n`;
    const runEnvPath = join(runDir, 'env.json');
    writeFileSync(runEnvPath, json);
    writeFileSync(defaultEnvPath, json); // the latest run's, for people and tools outside Playwright

    // Workers inherit these (and playwright.config.ts reads LADING_PROXY_URL for baseURL there).
    process.env.LADING_E2E_ENV = runEnvPath;
    process.env.LADING_PROXY_URL = proxy.url;
    return stopAll;
  } catch (err) {
    await stopAll().catch((teardownErr: unknown) => console.error(teardownErr));
    throw err;
  }
}
