import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest';
import { RegistryError } from '../errors';
import { MediaTypes } from '../mediaTypes';
import { classifyArtifactType, discoverReferrers } from './referrers';
import { RegistryLister } from './tags';

const repo = { domain: '127.0.0.1:5000', path: 'lading/fixture' };
const subject = `sha256:${'a'.repeat(64)}`;
const hex = 'a'.repeat(64);

const sbomRef = { mediaType: MediaTypes.ociManifest, digest: `sha256:${'1'.repeat(64)}`, size: 600, artifactType: 'application/spdx+json' };
const sigRef = {
  mediaType: MediaTypes.ociManifest,
  digest: `sha256:${'2'.repeat(64)}`,
  size: 700,
  artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
};
const referrersIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [sbomRef, sigRef] };
const sigManifest = {
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config: { mediaType: MediaTypes.ociConfig, digest: 'sha256:c', size: 2 },
  layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: 'sha256:d', size: 3 }],
};
const sigBytes = new TextEncoder().encode(JSON.stringify(sigManifest));

const notFound = () => new Response(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: '404 page not found' }] }), { status: 404 });
const manifestUnknown = () => new Response(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }), { status: 404 });

function registry(routes: Record<string, () => Response>) {
  const calls: { url: string; accept: string | null }[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input).replace('http://proxy/registry/127.0.0.1:5000/v2/lading/fixture', '');
    calls.push({ url, accept: new Headers(init?.headers).get('accept') });
    return (routes[url] ?? manifestUnknown)();
  }) as typeof fetch;
  return { lister: new RegistryLister({ baseUrl: 'http://proxy/registry', fetch: fetchImpl }), calls };
}

describe('discoverReferrers', () => {
  it('uses the referrers API when the registry has it', async () => {
    const { lister, calls } = registry({
      [`/referrers/${subject}`]: () => new Response(JSON.stringify(referrersIndex), { headers: { 'content-type': MediaTypes.ociIndex } }),
    });
    const result = await discoverReferrers(lister, repo, subject);
    expect(result.method).toBe('api');
    expect(result.referrers.map((r) => [r.descriptor.digest, r.kind, r.label, r.foundBy])).toEqual([
      [sbomRef.digest, 'sbom', 'SPDX SBOM', 'referrers-api'],
      [sigRef.digest, 'signature', 'cosign signature', 'referrers-api'],
    ]);
    expect(calls.find((c) => c.url.startsWith('/referrers/'))?.accept).toBe(MediaTypes.ociIndex);
    // No fallback tag asked for when the API answered; cosign's three tags are.
    expect(calls.map((c) => c.url)).not.toContain(`/manifests/sha256-${hex}`);
    expect(calls.map((c) => c.url)).toContain(`/manifests/sha256-${hex}.sig`);
  });

  it('falls back to the sha256-<hex> tag on 404 and filters by artifact type', async () => {
    const { lister } = registry({
      [`/referrers/${subject}`]: notFound,
      [`/referrers/${subject}?artifactType=application%2Fspdx%2Bjson`]: notFound,
      [`/manifests/sha256-${hex}`]: () => new Response(JSON.stringify(referrersIndex), { headers: { 'content-type': MediaTypes.ociIndex } }),
    });
    const all = await discoverReferrers(lister, repo, subject);
    expect(all.method).toBe('tag');
    expect(all.fallbackTag).toMatchObject({ tag: `sha256-${hex}`, present: true });
    expect(all.referrers.map((r) => [r.foundBy, r.tag])).toEqual([
      ['referrers-tag', `sha256-${hex}`],
      ['referrers-tag', `sha256-${hex}`],
    ]);
    const sboms = await discoverReferrers(lister, repo, subject, { artifactType: 'application/spdx+json' });
    expect(sboms.referrers.map((r) => r.descriptor.digest)).toEqual([sbomRef.digest]);
  });

  it('says when neither the API nor the fallback tag exists', async () => {
    const { lister } = registry({ [`/referrers/${subject}`]: notFound });
    await expect(discoverReferrers(lister, repo, subject)).resolves.toEqual({
      subject,
      method: 'tag',
      fallbackTag: { tag: `sha256-${hex}`, present: false },
      referrers: [],
    });
  });

  it('finds cosign .sig/.att/.sbom tags, addressed by the digest of the bytes received', async () => {
    const { lister } = registry({
      [`/referrers/${subject}`]: notFound,
      [`/manifests/sha256-${hex}.sig`]: () => new Response(sigBytes, { headers: { 'content-type': MediaTypes.ociManifest } }),
    });
    const result = await discoverReferrers(lister, repo, subject);
    expect(result.referrers).toEqual([
      {
        descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Digest(sigBytes), size: sigBytes.byteLength },
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        kind: 'signature',
        label: 'cosign signature',
        foundBy: 'cosign-tag',
        tag: `sha256-${hex}.sig`,
      },
    ]);
    const without = await discoverReferrers(lister, repo, subject, { cosignTags: false });
    expect(without.referrers).toEqual([]);
  });

  it('fetches only the tags a known tag list has', async () => {
    const { lister, calls } = registry({
      [`/referrers/${subject}`]: notFound,
      [`/manifests/sha256-${hex}.sig`]: () => new Response(sigBytes, { headers: { 'content-type': MediaTypes.ociManifest } }),
    });
    const result = await discoverReferrers(lister, repo, subject, { knownTags: new Set(['latest', `sha256-${hex}.sig`]) });
    expect(result.referrers.map((r) => r.tag)).toEqual([`sha256-${hex}.sig`]);
    expect(result.fallbackTag).toEqual({ tag: `sha256-${hex}`, present: false });
    expect(calls.map((c) => c.url)).toEqual([`/referrers/${subject}`, `/manifests/sha256-${hex}.sig`]);
  });

  it('does not list a cosign tag twice when the referrers index already has it', async () => {
    const sigDigest = sha256Digest(sigBytes);
    const index = { ...referrersIndex, manifests: [{ ...sigRef, digest: sigDigest }] };
    const { lister } = registry({
      [`/referrers/${subject}`]: () => new Response(JSON.stringify(index)),
      [`/manifests/sha256-${hex}.sig`]: () => new Response(sigBytes),
    });
    const result = await discoverReferrers(lister, repo, subject);
    expect(result.referrers.map((r) => r.foundBy)).toEqual(['referrers-api']);
  });

  it('throws what a retry or the user must deal with: auth, server errors, a fallback tag that is not an index', async () => {
    const denied = registry({
      [`/referrers/${subject}`]: () => new Response(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no' }] }), { status: 403 }),
    });
    await expect(discoverReferrers(denied.lister, repo, subject)).rejects.toMatchObject({ status: 403 });
    const wrong = registry({ [`/referrers/${subject}`]: notFound, [`/manifests/sha256-${hex}`]: () => new Response(sigBytes) });
    const error = await discoverReferrers(wrong.lister, repo, subject).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/is not an image index/);
  });
});

describe('classifyArtifactType', () => {
  it('names the artifact types people meet', () => {
    expect(classifyArtifactType('application/vnd.cyclonedx+json')).toEqual({ kind: 'sbom', label: 'CycloneDX SBOM' });
    expect(classifyArtifactType('application/vnd.dev.sigstore.bundle+json;version=0.3')).toEqual({ kind: 'signature', label: 'Sigstore bundle' });
    expect(classifyArtifactType('application/vnd.cncf.notary.signature')).toEqual({ kind: 'signature', label: 'Notary signature' });
    expect(classifyArtifactType('application/vnd.example.thing')).toEqual({ kind: 'other', label: 'application/vnd.example.thing' });
    expect(classifyArtifactType('')).toEqual({ kind: 'other', label: 'artifact' });
  });
});
