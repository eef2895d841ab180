// Proves the package-database fixtures (e2e/fixtures/packages.sh, issue 13) are pushed: every tag
// is served through the proxy with the digest packages.json records, with each of its layers.

import { expect, test } from '@playwright/test';
import { MANIFEST_ACCEPT, PACKAGE_FIXTURE_REFERENCES, loadEnv, manifestDigests } from './harness/env';

const viaProxy = (host: string, path: string): string => `${loadEnv().proxyUrl}/registry/${host}/v2/${path}`;

test('packages.json has exactly the expected tags', () => {
  expect(Object.keys(loadEnv().packageFixtures.tags).sort()).toEqual([...PACKAGE_FIXTURE_REFERENCES].sort());
});

for (const reference of PACKAGE_FIXTURE_REFERENCES) {
  test(`${reference}: manifest by tag and by digest, and every layer`, async ({ request }) => {
    const env = loadEnv();
    const { plain } = env.registries;
    const tag = env.packageFixtures.tags[reference];
    expect(tag, reference).toBeDefined();
    const byTag = await request.get(viaProxy(plain.host, `${tag!.repository}/manifests/${tag!.tag}`), { headers: { Accept: MANIFEST_ACCEPT } });
    expect(byTag.status()).toBe(200);
    expect(byTag.headers()['docker-content-digest']).toBe(tag!.digest);
    expect((await byTag.body()).length).toBe(tag!.size);
    for (const digest of manifestDigests(tag!)) {
      const res = await request.head(viaProxy(plain.host, `${tag!.repository}/manifests/${digest}`), { headers: { Accept: MANIFEST_ACCEPT } });
      expect(res.status(), digest).toBe(200);
    }
    const layers = tag!.platforms[0]!.image.layers;
    expect(layers.length).toBe(env.packageFixtures.images[tag!.tag as 'debian'].snapshots.length);
    for (const layer of layers) {
      const res = await request.head(viaProxy(plain.host, `${tag!.repository}/blobs/${layer.digest}`));
      expect(res.status(), layer.digest).toBe(200);
      expect(res.headers()['content-length']).toBe(String(layer.size));
    }
  });
}
