// A private registry with token auth (distribution's `auth: token`, trusting the e2e token server's
// JWTs): the web app opens an image from it through the proxy, which holds the credentials
// (LADING_DOCKER_CONFIG); a proxy without them shows that authentication is required; an identity
// token is exchanged the OAuth2 way.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, MANIFEST_ACCEPT, screenshotPath } from './harness/env';
import { startProxy, type Proxy } from './harness/proxy';

const status = (page: Page) => page.getByRole('status').filter({ hasText: /Analysis|Analysing/ });

function target() {
  const env = loadEnv();
  const token = env.registries.token;
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  return { env, token, tag, reference: `${token.host}/${tag.repository}:${tag.tag}` };
}

test('directly: the registry wants a token from the token server', async ({ request }) => {
  const { token, tag } = target();
  const res = await request.get(`http://${token.host}/v2/${tag.repository}/manifests/${tag.tag}`, { headers: { Accept: MANIFEST_ACCEPT } });
  expect(res.status()).toBe(401);
  expect(res.headers()['www-authenticate']).toBe(`Bearer realm="${token.realm}",service="${token.service}",scope="repository:${tag.repository}:pull"`);
});

test('through the proxy with the credentials from LADING_DOCKER_CONFIG: manifest and blobs by digest', async ({ request }) => {
  const { env, token, tag } = target();
  const base = `${env.proxyUrl}/registry/${token.host}/v2/${tag.repository}`;
  const manifest = await request.get(`${base}/manifests/${tag.tag}`, { headers: { Accept: MANIFEST_ACCEPT } });
  expect(manifest.status()).toBe(200);
  expect(manifest.headers()['docker-content-digest']).toBe(tag.digest);
  expect(manifest.headers()['cache-control']).toBe('private, max-age=60'); // fetched with server-side credentials
  const layer = tag.platforms[0]!.image.layers[0]!;
  const blob = await request.get(`${base}/blobs/${layer.digest}`);
  expect(blob.status()).toBe(200);
  expect((await blob.body()).length).toBe(layer.size);
  expect(blob.headers()['cache-control']).toBe('private, max-age=31536000, immutable');
});

test('the web app opens the image from the token-auth registry', async ({ page }) => {
  const { tag, reference } = target();
  await page.goto(`/?${new URLSearchParams({ image: reference, view: 'layers' }).toString()}`);
  await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
  const rows = page.getByRole('table', { name: /Layers/ }).locator('tbody tr');
  await expect(rows).toHaveCount(tag.platforms[0]!.image.layers.length);
  for (let i = 0; i < tag.platforms[0]!.image.layers.length; i++) {
    await expect(rows.nth(i).locator('[data-layer-status]')).toHaveAttribute('data-layer-status', 'verified');
  }
  await page.screenshot({ path: screenshotPath('proxy-token-registry'), fullPage: true });
});

test.describe('other proxies on the same registry', () => {
  let dir: string;
  const started: Proxy[] = [];
  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lading-token-spec-'));
  });
  test.afterAll(async () => {
    for (const proxy of started) await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without credentials the page says authentication is required', async ({ page }) => {
    test.setTimeout(120_000);
    const { token, reference } = target();
    // No LADING_DOCKER_CONFIG; LADING_ALLOW_HOSTS (the token server) comes from global-setup's environment.
    const anonymous = await startProxy({ insecureRegistries: [token.host], logName: 'proxy-token-anonymous' });
    started.push(anonymous);
    await page.goto(`${anonymous.url}/?${new URLSearchParams({ image: reference }).toString()}`);
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Authentication required', { timeout: 30_000 });
    await expect(alert).toContainText('LADING_DOCKER_CONFIG');
    await page.screenshot({ path: screenshotPath('proxy-token-anonymous') });
  });

  test('an identity token is exchanged with grant_type=refresh_token', async ({ request }) => {
    test.setTimeout(120_000);
    const { token, tag } = target();
    // Log in the OAuth2 way for a refresh token, as `docker login` does with identity-token registries.
    const login = await request.post(token.realm, {
      form: { grant_type: 'password', username: token.user, password: token.password, service: token.service, client_id: 'e2e', scope: '' },
    });
    expect(login.status()).toBe(200);
    const refresh = ((await login.json()) as { refresh_token: string }).refresh_token;
    const configPath = join(dir, 'identity-config.json');
    writeFileSync(configPath, JSON.stringify({ auths: { [token.host]: { username: token.user, identitytoken: refresh } } }), { mode: 0o600 });
    const proxy = await startProxy({ insecureRegistries: [token.host], dockerConfigPath: configPath, logName: 'proxy-token-identity' });
    started.push(proxy);
    const res = await request.get(`${proxy.url}/registry/${token.host}/v2/${tag.repository}/manifests/${tag.digest}`, {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect(res.status()).toBe(200);
    expect(res.headers()['docker-content-digest']).toBe(tag.digest);
  });
});
