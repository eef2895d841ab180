// Pushes the browse fixtures (fixtures.json `browse`, e2e/fixtures/build.sh): OCI artifacts,
// referrers indexes and cosign-style signatures from an OCI layout, through the distribution API
// (skopeo copies images only), and version tags of existing images (skopeo once per image, then
// the manifest is PUT under each further tag). Bytes are pushed as stored, so digests stay put.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowseFixtures, FixturesFile } from './fixtures';
import { MANIFEST_ACCEPT, basicAuth } from './net';
import { repoRoot } from './paths';
import { run } from './process';
import type { Registry } from './registry';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

function authHeaders(registry: Registry): Record<string, string> {
  return registry.user && registry.password ? { Authorization: basicAuth(registry.user, registry.password) } : {};
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function readBlob(layout: string, digest: string): Promise<Buffer> {
  const bytes = await readFile(join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  if (sha256(bytes) !== digest) throw new Error(`${layout}: blob ${digest} does not hash to its name`);
  return bytes;
}

/** Uploads a blob unless the repository already has it (POST, then PUT with the digest). */
export async function pushBlob(registry: Registry, repository: string, digest: string, bytes: Uint8Array): Promise<void> {
  const headers = authHeaders(registry);
  const head = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`, { method: 'HEAD', headers });
  if (head.ok) return;
  const start = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`${registry.name}: starting an upload to ${repository} answered HTTP ${start.status}`);
  const url = new URL(location, registry.url);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: Buffer.from(bytes) });
  if (put.status !== 201) throw new Error(`${registry.name}: uploading ${digest} to ${repository} answered HTTP ${put.status}: ${await put.text()}`);
}

/** PUTs manifest bytes under a tag or digest and checks the digest the registry computed. */
export async function putManifest(registry: Registry, repository: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...authHeaders(registry), 'Content-Type': mediaType },
    body: Buffer.from(bytes),
  });
  if (res.status !== 201) throw new Error(`${registry.name}: PUT manifest ${repository}:${reference} answered HTTP ${res.status}: ${await res.text()}`);
  const digest = res.headers.get('docker-content-digest');
  if (digest !== sha256(bytes)) throw new Error(`${registry.name}: ${repository}:${reference} stored as ${digest}, expected ${sha256(bytes)}`);
}

/** Pushes a manifest (or index) from the layout with everything below it, children first. */
async function pushTree(registry: Registry, layout: string, repository: string, descriptor: Descriptor, reference: string, seen: Set<string>): Promise<void> {
  const bytes = await readBlob(layout, descriptor.digest);
  const doc = JSON.parse(bytes.toString('utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (INDEX_TYPES.has(descriptor.mediaType)) {
    for (const child of doc.manifests ?? []) {
      if (!seen.has(child.digest)) await pushTree(registry, layout, repository, child, child.digest, seen);
    }
  } else {
    for (const blob of [doc.config, ...(doc.layers ?? [])]) {
      if (blob && !seen.has(blob.digest)) {
        await pushBlob(registry, repository, blob.digest, await readBlob(layout, blob.digest));
        seen.add(blob.digest);
      }
    }
  }
  await putManifest(registry, repository, reference, descriptor.mediaType, bytes);
  seen.add(descriptor.digest);
}

async function getManifest(registry: Registry, repository: string, reference: string): Promise<{ bytes: Uint8Array; mediaType: string }> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { headers: { ...authHeaders(registry), Accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw new Error(`${registry.name}: GET manifest ${repository}:${reference} answered HTTP ${res.status}`);
  return { bytes: new Uint8Array(await res.arrayBuffer()), mediaType: res.headers.get('content-type') ?? '' };
}

/** Pushes fixtures.json `browse`: version tags, then the artifacts of the browse layout. */
export async function pushBrowseFixtures(registry: Registry, fixtures: FixturesFile): Promise<void> {
  const browse: BrowseFixtures | undefined = fixtures.browse;
  if (!browse) return;
  const creds = registry.user && registry.password ? ['--dest-creds', `${registry.user}:${registry.password}`] : ['--dest-no-creds'];

  // Version tags: one skopeo copy per source image into the repository, then retag by PUT.
  const firstTagOf = new Map<string, string>();
  for (const { tag, from } of browse.versions.tags) {
    const source = fixtures.tags[from];
    if (!source) throw new Error(`fixtures.json browse.versions: no tag ${from}`);
    const first = firstTagOf.get(from);
    if (first === undefined) {
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
          source.source.skopeoRef,
          `docker://${registry.host}/${browse.versions.repository}:${tag}`,
        ],
        { cwd: repoRoot },
      );
      firstTagOf.set(from, tag);
    } else {
      const { bytes, mediaType } = await getManifest(registry, browse.versions.repository, first);
      await putManifest(registry, browse.versions.repository, tag, mediaType, bytes);
    }
  }

  const layout = join(repoRoot, browse.layout);
  const seen = new Map<string, Set<string>>();
  for (const push of browse.pushes) {
    const repoSeen = seen.get(push.repository) ?? new Set<string>();
    seen.set(push.repository, repoSeen);
    await pushTree(registry, layout, push.repository, push, push.tag, repoSeen);
  }
  await verifyBrowsePushed(registry, browse);
}

/** Every browse tag answers with the digest fixtures.json records. */
export async function verifyBrowsePushed(registry: Registry, browse: BrowseFixtures): Promise<void> {
  for (const push of browse.pushes) {
    const { bytes } = await getManifest(registry, push.repository, push.tag);
    if (sha256(bytes) !== push.digest) throw new Error(`${registry.name}: ${push.repository}:${push.tag} is ${sha256(bytes)}, expected ${push.digest}`);
  }
  for (const { tag } of browse.versions.tags) await getManifest(registry, browse.versions.repository, tag);
}
