// Pushes fixture layouts to a registry with skopeo, byte for byte (--preserve-digests), then checks
// that the registry serves every manifest and blob under the digest fixtures.json expects.

import type { FixtureTag, FixturesFile, PackageFixturesFile } from './fixtures';
import { blobDescriptors, manifestDigests } from './fixtures';
import { MANIFEST_ACCEPT, basicAuth } from './net';
import { pushBrowseFixtures } from './pushArtifacts';
import { repoRoot } from './paths';
import { run } from './process';
import type { Registry } from './registry';

export interface PushOptions {
  /** Only these references (`lading/fixture:amd64`); all tags when absent. */
  only?: readonly string[];
}

export async function pushFixtures(registry: Registry, fixtures: FixturesFile, options: PushOptions = {}): Promise<void> {
  const tags = Object.values(fixtures.tags).filter((t) => !options.only || options.only.includes(t.reference));
  if (options.only) {
    const missing = options.only.filter((r) => !fixtures.tags[r]);
    if (missing.length) throw new Error(`pushFixtures: fixtures.json has no ${missing.join(', ')}`);
  }
  await pushTags(registry, tags);
  // The browse fixtures (artifacts, referrers, signatures, version tags) and the TOC images go with a full push.
  if (!options.only) {
    await pushBrowseFixtures(registry, fixtures);
    await pushTags(registry, Object.values(fixtures.toc?.tags ?? {}));
  }
}

/** The package-database images (e2e/fixtures/packages.sh), pushed and checked like the others. */
export async function pushPackageFixtures(registry: Registry, fixtures: PackageFixturesFile): Promise<void> {
  await pushTags(registry, Object.values(fixtures.tags));
}

/** skopeo copy of each tag's source, byte for byte, then a check of every manifest and blob. */
export async function pushTags(registry: Registry, tags: readonly FixtureTag[]): Promise<void> {
  for (const tag of tags) {
    const creds = registry.user && registry.password ? ['--dest-creds', `${registry.user}:${registry.password}`] : ['--dest-no-creds'];
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        ...creds,
        tag.source.skopeoRef,
        `docker://${registry.host}/${tag.repository}:${tag.tag}`,
      ],
      { cwd: repoRoot },
    );
  }
  for (const tag of tags) await verifyPushed(registry, tag);
}

/** HEADs the tag, each manifest by digest and each blob; throws on the first mismatch. */
export async function verifyPushed(registry: Registry, tag: FixtureTag): Promise<void> {
  const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
  if (registry.user && registry.password) headers.Authorization = basicAuth(registry.user, registry.password);
  const base = `${registry.url}/v2/${tag.repository}`;
  const fail = (what: string, detail: string): never => {
    throw new Error(`${registry.name} registry (${registry.host}) does not serve ${tag.reference} ${what}: ${detail}`);
  };

  const byTag = await fetch(`${base}/manifests/${tag.tag}`, { method: 'HEAD', headers });
  if (byTag.status !== 200) fail('by tag', `HTTP ${byTag.status}`);
  if (byTag.headers.get('docker-content-digest') !== tag.digest) {
    fail('by tag', `Docker-Content-Digest ${byTag.headers.get('docker-content-digest')}, expected ${tag.digest}`);
  }
  if (byTag.headers.get('content-type') !== tag.mediaType) {
    fail('by tag', `Content-Type ${byTag.headers.get('content-type')}, expected ${tag.mediaType}`);
  }
  for (const digest of manifestDigests(tag)) {
    const res = await fetch(`${base}/manifests/${digest}`, { method: 'HEAD', headers });
    if (res.status !== 200) fail(`manifest ${digest}`, `HTTP ${res.status}`);
  }
  for (const blob of blobDescriptors(tag)) {
    const res = await fetch(`${base}/blobs/${blob.digest}`, { method: 'HEAD', headers, redirect: 'manual' });
    if (res.status !== 200 && res.status !== 307) fail(`blob ${blob.digest}`, `HTTP ${res.status}`);
    const length = res.headers.get('content-length');
    if (res.status === 200 && length !== String(blob.size)) fail(`blob ${blob.digest}`, `Content-Length ${length}, expected ${blob.size}`);
  }
}
