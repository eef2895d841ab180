// Proves the harness: every fixture tag is served through the proxy with the digest fixtures.json
// records, and the basic-auth registry works through the proxy (its credentials come from
// LADING_DOCKER_CONFIG) but not without credentials.

import { expect, test } from '@playwright/test';
import { FIXTURE_REFERENCES, MANIFEST_ACCEPT, basicAuth, fixtureTag, loadEnv, manifestDigests } from './harness/env';

// Test titles come from the static list: files are also loaded where global-setup has not run
// (`--list`), so env.json is read only inside tests.
const viaProxy = (host: string, path: string): string => `${loadEnv().proxyUrl}/registry/${host}/v2/${path}`;

test('fixtures.json has exactly the expected tags', () => {
  expect(Object.keys(loadEnv().fixtures.tags).sort()).toEqual([...FIXTURE_REFERENCES].sort());
});

test.describe('fixtures through the proxy (plain registry)', () => {
  for (const reference of FIXTURE_REFERENCES) {
    test(`${reference}: manifests by tag and by digest`, async ({ request }) => {
      const env = loadEnv();
      const { plain } = env.registries;
      const tag = fixtureTag(env.fixtures, reference);
      const byTag = await request.get(viaProxy(plain.host, `${tag.repository}/manifests/${tag.tag}`), {
        headers: { Accept: MANIFEST_ACCEPT },
      });
      expect(byTag.status()).toBe(200);
      expect(byTag.headers()['docker-content-digest']).toBe(tag.digest);
      expect(byTag.headers()['content-type']).toBe(tag.mediaType);
      expect((await byTag.body()).length).toBe(tag.size);

      for (const digest of manifestDigests(tag)) {
        const byDigest = await request.head(viaProxy(plain.host, `${tag.repository}/manifests/${digest}`), {
          headers: { Accept: MANIFEST_ACCEPT },
        });
        expect(byDigest.status(), digest).toBe(200);
        expect(byDigest.headers()['docker-content-digest']).toBe(digest);
      }
    });
  }

  test('a layer blob comes back with the recorded size', async ({ request }) => {
    const env = loadEnv();
    const { plain } = env.registries;
    const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
    const layer = tag.platforms[0]?.image.layers[env.fixtures.whiteout.layerIndex];
    expect(layer?.digest).toBe(env.fixtures.whiteout.layerDigest);
    const res = await request.get(viaProxy(plain.host, `${tag.repository}/blobs/${env.fixtures.whiteout.layerDigest}`));
    expect(res.status()).toBe(200);
    expect((await res.body()).length).toBe(layer?.size);
  });

  test('an unknown tag and an unknown repository are 404s', async ({ request }) => {
    const env = loadEnv();
    const { plain } = env.registries;
    const { tag, repository } = env.fixtures.missing;
    const unknownTag = await request.get(viaProxy(plain.host, `${tag.repository}/manifests/${tag.tag}`), {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect(unknownTag.status()).toBe(404);
    const unknownRepo = await request.get(viaProxy(plain.host, `${repository.repository}/manifests/${repository.tag}`), {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect(unknownRepo.status()).toBe(404);
  });
});

test.describe('basic-auth registry', () => {
  const target = () => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
    return { basic: env.registries.basic, tag, path: `${tag.repository}/manifests/${tag.tag}` };
  };

  test('directly: 401 without credentials, 200 with them', async ({ request }) => {
    const { basic, tag, path } = target();
    const anonymous = await request.get(`http://${basic.host}/v2/${path}`, { headers: { Accept: MANIFEST_ACCEPT } });
    expect(anonymous.status()).toBe(401);
    expect(anonymous.headers()['www-authenticate']).toMatch(/^Basic /);

    const authed = await request.get(`http://${basic.host}/v2/${path}`, {
      headers: { Accept: MANIFEST_ACCEPT, Authorization: basicAuth(basic.user, basic.password) },
    });
    expect(authed.status()).toBe(200);
    expect(authed.headers()['docker-content-digest']).toBe(tag.digest);
  });

  test('through the proxy, with the credentials from LADING_DOCKER_CONFIG', async ({ request }) => {
    const { basic, tag, path } = target();
    const res = await request.get(viaProxy(basic.host, path), { headers: { Accept: MANIFEST_ACCEPT } });
    expect(res.status()).toBe(200);
    expect(res.headers()['docker-content-digest']).toBe(tag.digest);
  });
});

test('the proxy serves the app at baseURL', async ({ page, baseURL }) => {
  expect(baseURL).toBe(loadEnv().proxyUrl);
  const res = await page.goto('/');
  expect(res?.status()).toBe(200);
});
