import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest';
import { PlatformNotFoundError, UnsupportedContentError } from '../errors';
import { describeLayer } from '../image';
import { layerFromDescription } from '../layer';
import { MediaTypes } from '../mediaTypes';
import type { Descriptor, Platform } from '../oci';
import { RegistryClient } from './client';
import { openRegistryImage } from './image';

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const hex = (c: string) => c.repeat(64);

/** An in-memory registry behind `fetch`: documents by path, blobs as bytes; records every URL asked for. */
function registry() {
  const routes = new Map<string, { bytes: Uint8Array; type?: string }>();
  const calls: string[] = [];
  const base = 'http://proxy/registry/example.test/v2/team/app';
  const put = (path: string, value: unknown, type?: string) => {
    const bytes = value instanceof Uint8Array ? value : encode(value);
    routes.set(path, { bytes, ...(type ? { type } : {}) });
    return { digest: sha256Digest(bytes), size: bytes.length };
  };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push(url);
    if (url.startsWith('http://proxy/foreign?')) {
      const foreign = routes.get(`foreign:${new URL(url).searchParams.get('url')}`);
      return foreign ? new Response(foreign.bytes as Uint8Array<ArrayBuffer>) : new Response('{}', { status: 404 });
    }
    const route = routes.get(url.slice(base.length));
    if (!route) return new Response(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] }), { status: 404 });
    const range = /^bytes=(\d+)-(\d*)$/.exec(new Headers(init?.headers).get('range') ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : route.bytes.length - 1;
      return new Response(route.bytes.slice(start, end + 1) as Uint8Array<ArrayBuffer>, {
        status: 206,
        headers: { 'content-range': `bytes ${start}-${end}/${route.bytes.length}` },
      });
    }
    return new Response(route.bytes as Uint8Array<ArrayBuffer>, { headers: route.type ? { 'content-type': route.type } : {} });
  }) as typeof fetch;
  const remove = (path: string) => routes.delete(path);
  return { put, remove, calls, fetch: fetchImpl, client: new RegistryClient({ baseUrl: 'http://proxy/registry', fetch: fetchImpl }) };
}

/** Pushes an image for `platform` (config + one layer blob) and returns its manifest descriptor. */
function pushImage(r: ReturnType<typeof registry>, platform: Platform, layerBytes: Uint8Array, extra: Partial<Descriptor> = {}): Descriptor {
  const layer = { digest: sha256Digest(layerBytes), size: layerBytes.length };
  r.put(`/blobs/${layer.digest}`, layerBytes);
  const configBytes = encode({ ...platform, rootfs: { type: 'layers', diff_ids: [layer.digest] }, history: [{ created_by: 'COPY x /' }] });
  const config = r.put(`/blobs/${sha256Digest(configBytes)}`, configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer, ...extra }],
  };
  const manifestBytes = encode(manifest);
  const d = r.put(`/manifests/${sha256Digest(manifestBytes)}`, manifestBytes, MediaTypes.ociManifest);
  return { mediaType: MediaTypes.ociManifest, ...d, platform };
}

function pushIndex(r: ReturnType<typeof registry>, tag: string, manifests: Descriptor[]) {
  r.put(`/manifests/${tag}`, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }, MediaTypes.ociIndex);
}

describe('openRegistryImage', () => {
  it('resolves an index to the platform asked for (containerd matching), then its manifest and config', async () => {
    const r = registry();
    const amd64 = pushImage(r, { os: 'linux', architecture: 'amd64' }, encode('amd64 layer'));
    const arm64 = pushImage(r, { os: 'linux', architecture: 'arm64' }, encode('arm64 layer'));
    pushIndex(r, 'multi', [amd64, arm64]);

    const image = await openRegistryImage(r.client, 'example.test/team/app:multi', { platform: 'linux/arm64/v8' });
    expect(image.platform).toBe('linux/arm64');
    expect(image.image.digest).toBe(arm64.digest);
    expect(image.index?.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(image.layers[0]?.history?.created_by).toBe('COPY x /');
    expect(image.layers[0]?.location).toEqual({ kind: 'registry', baseUrl: 'http://proxy/registry', domain: 'example.test', path: 'team/app' });

    const byDefault = await openRegistryImage(r.client, 'example.test/team/app:multi');
    expect(byDefault.platform).toBe('linux/amd64');
    // The layer opens its blob through the proxy, and a range of it by a 206.
    const layer = byDefault.image.layers[0]!;
    expect(await new Response(await layer.open()).text()).toBe('"amd64 layer"');
    const range = await layer.openRange(1, 5);
    expect(range.whole).toBe(false);
    expect(await new Response(range.body).text()).toBe('amd64');
  });

  it('says which platforms there are when the one asked for is missing', async () => {
    const r = registry();
    pushIndex(r, 'multi', [pushImage(r, { os: 'linux', architecture: 'amd64' }, encode('a'))]);
    const error = await openRegistryImage(r.client, 'example.test/team/app:multi', { platform: 'linux/s390x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformNotFoundError);
    expect((error as PlatformNotFoundError).available).toEqual(['linux/amd64']);
  });

  it('checks a single image against the platform asked for, from its config', async () => {
    const r = registry();
    const d = pushImage(r, { os: 'linux', architecture: 'arm', variant: 'v7' }, encode('a'));
    const image = await openRegistryImage(r.client, `example.test/team/app@${d.digest}`, { platform: 'linux/arm' });
    expect(image.platform).toBe('linux/arm/v7');
    await expect(openRegistryImage(r.client, `example.test/team/app@${d.digest}`, { platform: 'linux/amd64' })).rejects.toBeInstanceOf(PlatformNotFoundError);
    // An arm64 machine runs 32-bit arm images (containerd's matcher), so that is not a mismatch.
    await expect(openRegistryImage(r.client, `example.test/team/app@${d.digest}`, { platform: 'linux/arm64' })).resolves.toMatchObject({
      platform: 'linux/arm/v7',
    });
  });

  it('refuses what is not an image, saying what it is', async () => {
    const r = registry();
    pushIndex(r, 'empty', []);
    await expect(openRegistryImage(r.client, 'example.test/team/app:empty')).rejects.toBeInstanceOf(UnsupportedContentError);
    r.put(
      '/manifests/artifact',
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/x-thing',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${hex('4')}`, size: 2 },
        layers: [],
      },
      MediaTypes.ociManifest,
    );
    await expect(openRegistryImage(r.client, 'example.test/team/app:artifact')).rejects.toThrow(/artifact \(application\/x-thing\)/);
  });

  it('reads a foreign layer from its URLs when the registry does not hold it, in the CLI as in a worker', async () => {
    const r = registry();
    const bytes = encode('windows base layer');
    const d = pushImage(r, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' }, bytes, {
      mediaType: MediaTypes.dockerForeignLayer,
      urls: ['https://mcr.example/layer'],
    });
    // The registry does not have the blob (foreign layers are never pushed); the URL does.
    r.remove(`/blobs/${sha256Digest(bytes)}`);
    r.put('foreign:https://mcr.example/layer', bytes);
    const image = await openRegistryImage(r.client, `example.test/team/app@${d.digest}`);
    expect(image.platform).toBe('windows/amd64:10.0.17763.1');
    const layer = image.image.layers[0]!;
    expect(layer.urls).toEqual(['https://mcr.example/layer']);
    // A worker rebuilds the layer from its description alone and reads the same bytes.
    r.calls.length = 0;
    const rebuilt = layerFromDescription(describeLayer(layer), { fetch: r.fetch });
    expect(new Uint8Array(await new Response(await rebuilt.open()).arrayBuffer())).toEqual(bytes);
    const foreign = new URL(r.calls.find((c) => c.includes('/foreign?'))!);
    expect(foreign.origin).toBe('http://proxy');
    expect(foreign.searchParams.get('url')).toBe('https://mcr.example/layer');
    expect(foreign.searchParams.get('digest')).toBe(layer.digest);
    expect(foreign.searchParams.get('size')).toBe(String(bytes.length));
  });
});
