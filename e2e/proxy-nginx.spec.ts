// The deployment proxy/README.md describes: nginx with proxy_cache in front of two Lading proxies.
// Digest-addressed responses are immutable, so the second fetch of a blob comes from nginx's cache;
// errors and tag lookups follow their own Cache-Control; the web app works through it all.

import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { fixtureTag, loadEnv, MANIFEST_ACCEPT, screenshotPath } from './harness/env';
import { NGINX_BIN, startNginxCache, type NginxCache } from './harness/nginxCache';
import { startProxy, type Proxy } from './harness/proxy';

test.describe('nginx proxy_cache in front of two proxies', () => {
  test.skip(!existsSync(NGINX_BIN), `${NGINX_BIN} is not installed (apt-get install nginx-light): the cached deployment is not tested`);
  test.describe.configure({ mode: 'serial' });

  const proxies: Proxy[] = [];
  let nginx: NginxCache | undefined;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    const env = loadEnv();
    // One after the other: a proxy that finds web/ newer than dist/web builds it, and two builds at once would collide.
    for (const n of ['a', 'b']) {
      proxies.push(await startProxy({ insecureRegistries: [env.registries.plain.host], logName: `proxy-nginx-${n}` }));
    }
    nginx = await startNginxCache(proxies.map((p) => new URL(p.url).host));
  });
  test.afterAll(async () => {
    await nginx?.stop();
    for (const proxy of proxies) await proxy.stop();
  });

  const via = (path: string) => `${nginx!.url}${path}`;

  test('the second fetch of a blob is a cache hit, byte for byte', async ({ request }) => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
    const layer = tag.platforms[0]!.image.layers[0]!;
    const path = `/registry/${env.registries.plain.host}/v2/${tag.repository}/blobs/${layer.digest}`;
    const first = await request.get(via(path));
    expect(first.status()).toBe(200);
    expect(first.headers()['x-cache-status']).toBe('MISS');
    expect(first.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    const second = await request.get(via(path));
    expect(second.status()).toBe(200);
    expect(second.headers()['x-cache-status']).toBe('HIT');
    const body = await second.body();
    expect(body.length).toBe(layer.size);
    expect(body.equals(await first.body())).toBe(true);
  });

  test('manifests by digest and by tag are cached; errors are not', async ({ request }) => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
    const base = `/registry/${env.registries.plain.host}/v2/${tag.repository}/manifests`;
    for (const ref of [tag.digest, tag.tag]) {
      const statuses: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await request.get(via(`${base}/${ref}`), { headers: { Accept: MANIFEST_ACCEPT } });
        expect(res.status()).toBe(200);
        expect(res.headers()['docker-content-digest']).toBe(tag.digest);
        statuses.push(res.headers()['x-cache-status'] ?? '');
      }
      expect(statuses, ref).toEqual(['MISS', 'HIT']);
    }
    const { missing } = env.fixtures;
    for (let i = 0; i < 2; i++) {
      const res = await request.get(via(`/registry/${env.registries.plain.host}/v2/${missing.tag.repository}/manifests/${missing.tag.tag}`), {
        headers: { Accept: MANIFEST_ACCEPT },
      });
      expect(res.status()).toBe(404);
      expect(res.headers()['x-cache-status']).toBe('MISS');
    }
  });

  test('the web app works through nginx, and both proxies served it', async ({ page }) => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, 'lading/fixture:multi');
    await page.goto(via(`/?${new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}` }).toString()}`));
    await expect(page.getByRole('status').filter({ hasText: /Analysis|Analysing/ })).toHaveText('Analysis complete', { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('proxy-nginx-cache'), fullPage: true });
    const upstreams = new Set(
      nginx!
        .accessLog()
        .map((line) => line.split(' ')[1])
        .filter((a) => a && a !== '-'),
    );
    expect([...upstreams].sort()).toEqual(proxies.map((p) => new URL(p.url).host).sort());
  });
});
