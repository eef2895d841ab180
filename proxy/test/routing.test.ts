import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../src/errors';
import { registryKey, resolveRegistry } from '../src/registry';
import { parseRegistryPath } from '../src/registryPath';
import { DIGEST_A, errorCodes, json, request, startProxy, startServer, type TestServer } from './helpers';

describe('parseRegistryPath', () => {
  const ok = (path: string, search = '') => {
    const route = parseRegistryPath(path, search);
    if (route instanceof ProxyError) throw new Error(`${path}: ${route.message}`);
    return route;
  };
  const fail = (path: string) => {
    const route = parseRegistryPath(path);
    if (!(route instanceof ProxyError)) throw new Error(`${path} was accepted`);
    return [route.status, route.code] as const;
  };

  it.each([
    ['/registry/docker.io/v2/', 'docker.io', '/v2/', 'ping'],
    ['/registry/docker.io/v2', 'docker.io', '/v2/', 'ping'],
    ['/registry/ghcr.io/v2/_catalog', 'ghcr.io', '/v2/_catalog', 'catalog'],
    ['/registry/127.0.0.1:5000/v2/library/nginx/manifests/latest', '127.0.0.1:5000', '/v2/library/nginx/manifests/latest', 'manifest'],
    [`/registry/ghcr.io/v2/a/b/c/manifests/${DIGEST_A}`, 'ghcr.io', `/v2/a/b/c/manifests/${DIGEST_A}`, 'manifest'],
    [`/registry/quay.io/v2/x/blobs/${DIGEST_A}`, 'quay.io', `/v2/x/blobs/${DIGEST_A}`, 'blob'],
    ['/registry/quay.io/v2/my-org/my.app__x/tags/list', 'quay.io', '/v2/my-org/my.app__x/tags/list', 'tags'],
    [`/registry/localhost:5000/v2/x/referrers/${DIGEST_A}`, 'localhost:5000', `/v2/x/referrers/${DIGEST_A}`, 'referrers'],
    ['/registry/[::1]:5000/v2/', '[::1]:5000', '/v2/', 'ping'],
    ['/registry/GHCR.io/v2/', 'ghcr.io', '/v2/', 'ping'],
    // A repository may contain a component named like an endpoint.
    ['/registry/r.io/v2/a/manifests/b/manifests/v1', 'r.io', '/v2/a/manifests/b/manifests/v1', 'manifest'],
    // Percent-encoded colons (encodeURIComponent of a digest or host:port) are decoded.
    [`/registry/127.0.0.1%3A5000/v2/x/blobs/${DIGEST_A.replace(':', '%3A')}`, '127.0.0.1:5000', `/v2/x/blobs/${DIGEST_A}`, 'blob'],
  ])('%s', (path, host, upstreamPath, kind) => {
    const route = ok(path);
    expect(route.host).toBe(host);
    expect(route.upstreamPath).toBe(upstreamPath);
    expect(route.endpoint.kind).toBe(kind);
  });

  it('marks manifests by digest', () => {
    expect(ok(`/registry/r.io/v2/a/manifests/${DIGEST_A}`).endpoint).toMatchObject({ byDigest: true });
    expect(ok('/registry/r.io/v2/a/manifests/v1.2').endpoint).toMatchObject({ byDigest: false, reference: 'v1.2' });
  });

  it('passes only n, last and artifactType through', () => {
    expect(ok('/registry/r.io/v2/a/tags/list', '?n=10&last=v1&evil=1').upstreamPath).toBe('/v2/a/tags/list?n=10&last=v1');
    expect(ok(`/registry/r.io/v2/a/referrers/${DIGEST_A}`, '?artifactType=application%2Fvnd.x%2Bjson').upstreamPath).toBe(
      `/v2/a/referrers/${DIGEST_A}?artifactType=application%2Fvnd.x%2Bjson`,
    );
    expect(ok('/registry/r.io/v2/_catalog', '?n=5').upstreamPath).toBe('/v2/_catalog?n=5');
  });

  it.each([
    ['/registry/r.io/v2/a/blobs/uploads/', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v2/a/blobs/uploads/123', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v3/', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v2/a/tags/list/', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v2/a/other/thing', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v2/x', 404, 'PROXY_NOT_ALLOWED'],
    ['/registry/r.io/v2/Upper/manifests/latest', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/../etc/manifests/latest', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/a%2Fb/manifests/latest', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/a/manifests/-bad', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/a/blobs/latest', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/a/referrers/latest', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/user@r.io/v2/', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io:99999/v2/', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/-r.io/v2/', 400, 'PROXY_BAD_REQUEST'],
    ['/registry//v2/', 400, 'PROXY_BAD_REQUEST'],
    ['/registry/r.io/v2/a/%E0%A4%A/manifests/x', 400, 'PROXY_BAD_REQUEST'],
  ])('rejects %s', (path, status, code) => {
    expect(fail(path)).toEqual([status, code]);
  });
});

describe('Docker Hub mapping and registry keys', () => {
  it('sends docker.io and index.docker.io to registry-1.docker.io over https', () => {
    for (const host of ['docker.io', 'index.docker.io']) {
      expect(resolveRegistry(host, new Set([host]))).toEqual({
        routeHost: host,
        key: 'docker.io',
        origin: 'https://registry-1.docker.io',
        host: 'registry-1.docker.io',
        insecure: false,
      });
    }
  });

  it('uses plain http only for listed host:port', () => {
    const insecure = new Set(['127.0.0.1:5000']);
    expect(resolveRegistry('127.0.0.1:5000', insecure)).toMatchObject({ origin: 'http://127.0.0.1:5000', insecure: true });
    expect(resolveRegistry('127.0.0.1:5001', insecure)).toMatchObject({ origin: 'https://127.0.0.1:5001', insecure: false });
    expect(resolveRegistry('ghcr.io', insecure)).toMatchObject({ origin: 'https://ghcr.io', insecure: false });
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['ghcr.io:443', 'ghcr.io'],
    ['http://localhost:5000/', 'localhost:5000'],
    ['Quay.IO', 'quay.io'],
  ])('registryKey(%s) = %s', (input, key) => {
    expect(registryKey(input)).toBe(key);
  });

  it('dials registry-1.docker.io through the configured lookup for /registry/docker.io', async () => {
    const asked: string[] = [];
    // Resolve every name to 127.0.0.1: the address policy refuses to dial it.
    const lookup = ((hostname: string, options: unknown, callback: unknown) => {
      asked.push(hostname);
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as LookupFunction;
    const proxy = await startProxy({ lookup });
    try {
      const reply = await request(`${proxy.url}/registry/docker.io/v2/library/alpine/manifests/latest`);
      expect(asked).toEqual(['registry-1.docker.io']);
      expect(reply.status).toBe(403);
      expect(errorCodes(reply)).toEqual(['PROXY_NOT_ALLOWED']);
      expect(reply.text).toContain('registry-1.docker.io (127.0.0.1)');
    } finally {
      await proxy.close();
    }
  });
});

describe('methods and request headers through the server', () => {
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    registry = await startServer((req, res) => json(res, 200, { path: req.url }));
    proxy = await startProxy({ insecureRegistries: new Set([registry.host]) });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s → 405 PROXY_NOT_ALLOWED, nothing forwarded', async (method) => {
    const before = registry.requests.length;
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`, { method });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(reply.headers['x-lading-error-source']).toBe('proxy');
    expect(reply.headers['cache-control']).toBe('no-store');
    if (method !== 'HEAD') expect(errorCodes(reply)).toEqual(['PROXY_NOT_ALLOWED']);
    expect(registry.requests.length).toBe(before);
  });

  it('denied paths get the error JSON and are not forwarded', async () => {
    const before = registry.requests.length;
    const upload = await request(`${proxy.url}/registry/${registry.host}/v2/a/blobs/uploads/`);
    expect(upload.status).toBe(404);
    expect(errorCodes(upload)).toEqual(['PROXY_NOT_ALLOWED']);
    const bad = await request(`${proxy.url}/registry/not_a_host!/v2/`);
    expect(bad.status).toBe(400);
    expect(errorCodes(bad)).toEqual(['PROXY_BAD_REQUEST']);
    const bare = await request(`${proxy.url}/registry`);
    expect(bare.status).toBe(404);
    expect(registry.requests.length).toBe(before);
  });

  it('forwards GET and HEAD with only Accept, Range and If-None-Match', async () => {
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/a/b/tags/list?n=2&last=x&other=y`, {
      headers: {
        accept: 'application/json',
        range: 'bytes=0-1',
        'if-none-match': '"e"',
        cookie: 'session=secret',
        authorization: 'Bearer from-the-browser',
        origin: 'http://evil.example',
        'x-forwarded-for': '1.2.3.4',
      },
    });
    expect(reply.status).toBe(200);
    const seen = registry.requests.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/v2/a/b/tags/list?n=2&last=x');
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers.range).toBe('bytes=0-1');
    expect(seen.headers['if-none-match']).toBe('"e"');
    for (const name of ['cookie', 'authorization', 'origin', 'x-forwarded-for']) expect(seen.headers[name]).toBeUndefined();

    const head = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(registry.requests.at(-1)!.method).toBe('HEAD');
  });
});
