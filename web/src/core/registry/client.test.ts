import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest';
import { DigestMismatchError, RegistryError } from '../errors';
import { MediaTypes } from '../mediaTypes';
import { RegistryClient } from './client';

const repo = { domain: '127.0.0.1:5000', path: 'lading/fixture' };
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** A tiny in-memory registry behind `fetch`, recording what was asked. */
function fakeRegistry(routes: Record<string, () => Response>) {
  const calls: Array<{ url: string; headers: Headers }> = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, headers: new Headers(init?.headers) });
    const route = routes[url.replace('http://proxy/registry', '')];
    return route
      ? route()
      : new Response(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }), { status: 404 });
  }) as typeof fetch;
  return { client: new RegistryClient({ baseUrl: 'http://proxy/registry/', fetch: fetchImpl }), calls };
}

const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: 'sha256:c', size: 2 }, layers: [] };
const manifestBytes = encode(manifest);
const manifestDigest = sha256Digest(manifestBytes);

describe('RegistryClient', () => {
  it('asks for every manifest type and computes the digest of what it got', async () => {
    const { client, calls } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/fixture/manifests/v1': () =>
        new Response(manifestBytes, { headers: { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': manifestDigest } }),
    });
    const fetched = await client.fetchManifest(repo, 'v1');
    expect(fetched.digest).toBe(manifestDigest);
    expect(fetched.rateLimit).toBeUndefined();
    expect(fetched.registryDigest).toBe(manifestDigest);
    expect(fetched.document.kind).toBe('image');
    const accept = calls[0]?.headers.get('accept') ?? '';
    for (const type of [MediaTypes.ociIndex, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.dockerManifest]) expect(accept).toContain(type);
  });

  it('refuses a manifest that does not hash to the digest asked for', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const { client } = fakeRegistry({ [`/127.0.0.1:5000/v2/lading/fixture/manifests/${wrong}`]: () => new Response(manifestBytes) });
    await expect(client.fetchManifest(repo, wrong)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('verifies a config blob against its descriptor', async () => {
    const config = encode({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
    const digest = sha256Digest(config);
    const { client } = fakeRegistry({
      [`/127.0.0.1:5000/v2/lading/fixture/blobs/${digest}`]: () => new Response(config),
      [`/127.0.0.1:5000/v2/lading/fixture/blobs/sha256:${'f'.repeat(64)}`]: () => new Response(config),
    });
    await expect(client.fetchJsonBlob(repo, { digest, size: config.byteLength })).resolves.toMatchObject({ os: 'linux' });
    await expect(client.fetchJsonBlob(repo, { digest: `sha256:${'f'.repeat(64)}`, size: 10 })).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('keeps the registry error words, status and rate-limit facts', async () => {
    const { client } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/fixture/manifests/limited': () =>
        new Response(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] }), {
          status: 429,
          headers: { 'retry-after': '60', 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' },
        }),
    });
    const error = await client.fetchManifest(repo, 'limited').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    const re = error as RegistryError;
    expect(re.status).toBe(429);
    expect(re.codes).toEqual(['TOOMANYREQUESTS']);
    expect(re.retryAt).toBeInstanceOf(Date);
    expect(re.rateLimit).toMatchObject({ limit: 100, remaining: 0 });
    expect(re.temporary).toBe(true);
    const missing = (await client.fetchManifest({ domain: 'x.io', path: 'a' }, 'v1').catch((e: unknown) => e)) as RegistryError;
    expect(missing.hasCode('NAME_UNKNOWN')).toBe(true);
    expect(missing.temporary).toBe(false);
  });

  it('marks proxy failures and network failures by source', async () => {
    const proxyFetch = (async () =>
      new Response(JSON.stringify({ errors: [{ code: 'PROXY_CONNECTION_REFUSED', message: 'refused' }] }), {
        status: 502,
        headers: { 'x-lading-error-source': 'proxy' },
      })) as unknown as typeof fetch;
    const e1 = (await new RegistryClient({ baseUrl: 'http://p', fetch: proxyFetch }).fetchManifest(repo, 'v1').catch((e: unknown) => e)) as RegistryError;
    expect(e1.source).toBe('proxy');
    const downFetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const e2 = (await new RegistryClient({ baseUrl: 'http://p', fetch: downFetch }).fetchManifest(repo, 'v1').catch((e: unknown) => e)) as RegistryError;
    expect(e2.source).toBe('network');
  });

  it('refuses oversized documents without reading them whole', async () => {
    const { client } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/fixture/manifests/huge': () => new Response('x', { headers: { 'content-length': String(64 * 1024 * 1024) } }),
    });
    await expect(client.fetchManifest(repo, 'huge')).rejects.toThrow(/refused/);
  });

  it('passes the abort signal to fetch', async () => {
    const controller = new AbortController();
    const fetchImpl = ((_: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const pending = new RegistryClient({ baseUrl: 'http://p', fetch: fetchImpl }).fetchManifest(repo, 'v1', controller.signal);
    controller.abort(new DOMException('stop', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('rate limits on success', () => {
  it('records the quota Docker Hub reports with a manifest', async () => {
    const { client } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/fixture/manifests/v1': () =>
        new Response(manifestBytes, {
          headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '203.0.113.7' },
        }),
    });
    const fetched = await client.fetchManifest(repo, 'v1');
    expect(fetched.rateLimit).toEqual({ limit: 100, remaining: 76, windowSeconds: 21600, source: '203.0.113.7' });
  });
});

describe('not found: repository or tag', () => {
  const notFound = (code: string) => () => new Response(JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }), { status: 404 });
  it('says the repository is unknown when its tag list is 404 too', async () => {
    const { client } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/nope/manifests/latest': notFound('MANIFEST_UNKNOWN'),
      '/127.0.0.1:5000/v2/lading/nope/tags/list?n=1': notFound('NAME_UNKNOWN'),
    });
    const error = (await client.fetchManifest({ domain: '127.0.0.1:5000', path: 'lading/nope' }, 'latest').catch((e: unknown) => e)) as RegistryError;
    expect(error.codes).toEqual(['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });
  it('keeps MANIFEST_UNKNOWN alone when the repository exists', async () => {
    const { client } = fakeRegistry({
      '/127.0.0.1:5000/v2/lading/fixture/manifests/gone': notFound('MANIFEST_UNKNOWN'),
      '/127.0.0.1:5000/v2/lading/fixture/tags/list?n=1': () => new Response(JSON.stringify({ name: 'lading/fixture', tags: ['v1'] })),
    });
    const error = (await client.fetchManifest(repo, 'gone').catch((e: unknown) => e)) as RegistryError;
    expect(error.codes).toEqual(['MANIFEST_UNKNOWN']);
  });
});
