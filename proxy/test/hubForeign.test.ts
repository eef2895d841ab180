// `/hub/...` (Docker Hub's web API) and `/foreign?url=` (foreign layers), against local fakes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubPath, rewriteHubLink } from '../src/hubRoute';
import { parseForeignRequest } from '../src/foreignRoute';
import { createAddressPolicy } from '../src/addressPolicy';
import { ProxyError } from '../src/errors';
import { DIGEST_A, errorCodes, fetchOutcome, json, request, startProxy, startServer, type TestServer } from './helpers';

describe('parseHubPath', () => {
  const ok = (path: string, search = '') => {
    const route = parseHubPath(path, search);
    if (route instanceof ProxyError) throw new Error(`${path}: ${route.message}`);
    return route.upstreamPath;
  };
  it.each([
    [
      '/hub/v2/namespaces/library/repositories/nginx/tags',
      '?page_size=100&page=2&evil=1',
      '/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=100',
    ],
    [
      '/hub/v2/namespaces/library/repositories/nginx/tags/',
      '?name=1.27&ordering=last_updated',
      '/v2/namespaces/library/repositories/nginx/tags?name=1.27&ordering=last_updated',
    ],
    ['/hub/v2/namespaces/library/repositories/nginx/tags/1.27-alpine', '', '/v2/namespaces/library/repositories/nginx/tags/1.27-alpine'],
    ['/hub/v2/namespaces/bitnami/repositories/redis', '?page=1', '/v2/namespaces/bitnami/repositories/redis'],
    ['/hub/v2/search/repositories/', '?query=redis&page_size=10&x=1', '/v2/search/repositories/?query=redis&page_size=10'],
    ['/hub/api/search/v3/catalog/search', '?query=redis&from=0&size=4', '/api/search/v3/catalog/search?query=redis&from=0&size=4'],
  ])('%s%s', (path, search, upstream) => {
    expect(ok(path, search)).toBe(upstream);
  });

  it.each([
    ['/hub/v2/users/login', 404],
    ['/hub/v2/repositories/library/nginx/', 404],
    ['/hub/v2/namespaces/library/repositories/nginx/webhooks', 404],
    ['/hub/v2/namespaces/library/repositories/nginx/tags/a/b', 404],
    ['/hub/v2/namespaces/Library/repositories/nginx/tags', 400],
    ['/hub/v2/namespaces/library/repositories/../tags', 400],
    ['/hub/v2/namespaces/library/repositories/nginx/tags/-x', 400],
    ['/hub', 404],
  ])('refuses %s (%i)', (path, status) => {
    const route = parseHubPath(path);
    expect(route).toBeInstanceOf(ProxyError);
    expect((route as ProxyError).status).toBe(status);
  });

  it('rewrites page links onto the route and drops foreign ones', () => {
    const hub = 'https://hub.docker.com';
    expect(rewriteHubLink('https://hub.docker.com/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=100', hub)).toBe(
      '/hub/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=100',
    );
    expect(rewriteHubLink('https://evil.example/v2/namespaces/a/repositories/b/tags', hub)).toBeNull();
    expect(rewriteHubLink('https://hub.docker.com/v2/users/login', hub)).toBeNull();
    expect(rewriteHubLink(null, hub)).toBeNull();
  });
});

describe('/hub through the server', () => {
  let hub: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    hub = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', hub.url);
      if (url.pathname.endsWith('/tags')) {
        json(
          res,
          200,
          {
            count: 2,
            next: `https://hub.docker.com${url.pathname}?page=2&page_size=1`,
            previous: null,
            results: [{ name: '1.27', digest: DIGEST_A, full_size: 123 }],
          },
          { 'x-ratelimit-remaining': '179', 'set-cookie': 'hub=1' },
        );
      } else if (url.pathname.includes('missing')) {
        json(res, 404, { message: 'object not found', errinfo: {} });
      } else {
        json(res, 200, { count: 1, results: [{ repo_name: 'redis', star_count: 1 }] });
      }
    });
    proxy = await startProxy({ hubOrigin: hub.url, insecureRegistries: new Set([hub.host]) });
  });
  afterAll(async () => {
    await proxy.close();
    await hub.close();
  });

  it('forwards the tags list, rewrites next, passes rate-limit headers, caches briefly', async () => {
    const reply = await request(`${proxy.url}/hub/v2/namespaces/library/repositories/nginx/tags?page_size=1`, {
      headers: { cookie: 'session=1', authorization: 'Bearer x' },
    });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.text) as { next: string; results: unknown[] };
    expect(body.next).toBe('/hub/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=1');
    expect(body.results).toHaveLength(1);
    expect(reply.headers['cache-control']).toBe('public, max-age=60');
    expect(reply.headers['x-ratelimit-remaining']).toBe('179');
    expect(reply.headers['set-cookie']).toBeUndefined();
    const seen = hub.requests.at(-1)!;
    expect(seen.url).toBe('/v2/namespaces/library/repositories/nginx/tags?page_size=1');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('search, errors in the registry shape, and no other methods', async () => {
    expect((await request(`${proxy.url}/hub/v2/search/repositories/?query=redis`)).status).toBe(200);
    const missing = await request(`${proxy.url}/hub/v2/namespaces/library/repositories/missing`);
    expect(missing.status).toBe(404);
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.text).toContain('object not found');
    const post = await request(`${proxy.url}/hub/v2/search/repositories/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await request(`${proxy.url}/hub/v2/users/login`)).status).toBe(404);
  });
});

describe('parseForeignRequest', () => {
  const foreignAllowed = createAddressPolicy(['127.0.0.1:9999']);
  const parse = (params: Record<string, string>) => parseForeignRequest(`?${new URLSearchParams(params).toString()}`, foreignAllowed);
  const size = '1234';
  it('needs an https URL, a digest and a size', () => {
    expect(parse({ url: 'https://go.microsoft.com/fwlink/?linkid=1', digest: DIGEST_A, size })).toMatchObject({ size: 1234 });
    expect(parse({ url: 'http://127.0.0.1:9999/x', digest: DIGEST_A, size })).toMatchObject({ size: 1234 }); // listed for foreign layers
    expect((parse({ url: 'https://x.example/a', size }) as ProxyError).code).toBe('PROXY_BAD_REQUEST');
    expect((parse({ url: 'https://x.example/a', digest: 'sha256:abc', size }) as ProxyError).code).toBe('PROXY_BAD_REQUEST');
    expect((parse({ digest: DIGEST_A, size }) as ProxyError).code).toBe('PROXY_BAD_REQUEST');
    expect((parse({ url: 'not a url', digest: DIGEST_A, size }) as ProxyError).code).toBe('PROXY_BAD_REQUEST');
    expect((parse({ url: 'http://x.example/a', digest: DIGEST_A, size }) as ProxyError).status).toBe(403);
    expect((parse({ url: `https://x.example/${'a'.repeat(5000)}`, digest: DIGEST_A, size }) as ProxyError).code).toBe('PROXY_BAD_REQUEST');
    for (const bad of [undefined, '', '-1', '1.5', '0x10', '99999999999999999']) {
      const params: Record<string, string> = { url: 'https://x.example/a', digest: DIGEST_A };
      if (bad !== undefined) params.size = bad;
      expect((parse(params) as ProxyError).code, String(bad)).toBe('PROXY_BAD_REQUEST');
    }
  });
});

describe('/foreign through the server', () => {
  let storage: TestServer;
  let redirector: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const LAYER = Buffer.from('windows base layer bytes');

  beforeAll(async () => {
    storage = await startServer((req, res) => {
      if (req.headers.range === 'bytes=0-6') {
        res.writeHead(206, { 'content-type': 'text/html', 'content-range': `bytes 0-6/${LAYER.length}`, 'content-length': 7 });
        res.end(LAYER.subarray(0, 7));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': LAYER.length, 'set-cookie': 'x=1' });
      res.end(LAYER);
    });
    redirector = await startServer((_req, res) => {
      res.writeHead(302, { location: `${storage.url}/blob?sig=1` });
      res.end();
    });
    // Plain http on loopback for tests: the fakes are listed for foreign layers, which allows both.
    proxy = await startProxy({ foreignAllowHosts: new Set([storage.host, redirector.host]) });
  });
  afterAll(async () => {
    await proxy.close();
    await storage.close();
    await redirector.close();
  });

  const foreign = (url: string, digest = DIGEST_A, size = LAYER.length) =>
    `${proxy.url}/foreign?${new URLSearchParams({ url, digest, size: String(size) }).toString()}`;

  it('streams the layer as opaque bytes, through redirects, immutable by digest', async () => {
    const reply = await request(foreign(`${redirector.url}/fwlink?id=1`), { headers: { cookie: 'a=b' } });
    expect(reply.status).toBe(200);
    expect(reply.body.equals(LAYER)).toBe(true);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(reply.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(storage.requests.at(-1)!.headers.cookie).toBeUndefined();
  });

  it('passes Range, and refuses HEAD and other methods', async () => {
    const part = await request(foreign(`${storage.url}/blob`), { headers: { range: 'bytes=0-6' } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('windows');
    expect((await request(foreign(`${storage.url}/blob`), { method: 'HEAD' })).status).toBe(405);
    expect((await request(foreign(`${storage.url}/blob`), { method: 'POST' })).status).toBe(405);
  });
});

describe('/foreign and the registries’ allow-lists', () => {
  let registry: TestServer;
  let storage: TestServer;
  const LAYER = Buffer.alloc(1000, 7);
  beforeAll(async () => {
    registry = await startServer((_req, res) => json(res, 200, { repositories: ['internal/secret-app'] }));
    storage = await startServer((req, res) => {
      if (req.url === '/declares-more') {
        res.writeHead(200, { 'content-length': LAYER.length * 2 });
        res.end(Buffer.concat([LAYER, LAYER]));
        return;
      }
      if (req.url === '/sends-more') {
        res.writeHead(200, {}); // chunked: nothing to judge by before the bytes come
        res.write(LAYER);
        res.end(LAYER);
        return;
      }
      res.writeHead(200, { 'content-length': LAYER.length });
      res.end(LAYER);
    });
  });
  afterAll(async () => {
    await registry.close();
    await storage.close();
  });

  const foreign = (base: string, url: string, size = LAYER.length) =>
    `${base}/foreign?${new URLSearchParams({ url, digest: DIGEST_A, size: String(size) }).toString()}`;

  it('refuses a host allowed only as a registry (LADING_INSECURE_REGISTRIES, LADING_ALLOW_HOSTS): no path on it is reachable', async () => {
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), allowHosts: new Set([registry.host]) });
    try {
      for (const url of [`${registry.url}/v2/_catalog`, `https://${registry.host}/v2/_catalog`]) {
        const reply = await request(foreign(proxy.url, url));
        expect(reply.status, url).toBe(403);
        expect(errorCodes(reply)).toEqual(['PROXY_NOT_ALLOWED']);
      }
      expect(registry.requests).toHaveLength(0);
      // Through the registry route, the same host is reachable as it should be.
      expect((await request(`${proxy.url}/registry/${registry.host}/v2/_catalog`)).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });

  it('reaches it once LADING_FOREIGN_ALLOW_HOSTS lists it', async () => {
    const proxy = await startProxy({ foreignAllowHosts: new Set([storage.host]) });
    try {
      const reply = await request(foreign(proxy.url, `${storage.url}/layer`));
      expect(reply.status).toBe(200);
      expect(reply.body.equals(LAYER)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('passes on no more bytes than the descriptor’s size', async () => {
    const proxy = await startProxy({ foreignAllowHosts: new Set([storage.host]) });
    try {
      const declared = await request(foreign(proxy.url, `${storage.url}/declares-more`));
      expect(declared.status).toBe(502);
      expect(errorCodes(declared)).toEqual(['PROXY_RESPONSE_TOO_LARGE']);
      const sent = await fetchOutcome(foreign(proxy.url, `${storage.url}/sends-more`));
      expect(sent.status).toBe(200);
      expect(sent.outcome).toBe('error');
      expect(sent.bytes).toBeLessThanOrEqual(LAYER.length);
    } finally {
      await proxy.close();
    }
  });
});
