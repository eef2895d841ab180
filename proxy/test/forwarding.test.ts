import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../src/config';
import { createAddressPolicy } from '../src/addressPolicy';
import { ProxyError } from '../src/errors';
import { resolveRegistry } from '../src/registry';
import { rewriteLink } from '../src/link';
import { fetchUpstream } from '../src/upstream';
import { DIGEST_A, DIGEST_B, errorCodes, json, registryError, request, startProxy, startServer, type TestServer } from './helpers';

const BLOB = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });

/** Object storage: serves BLOB with Range support. */
function storageHandler(req: IncomingMessage, res: ServerResponse): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const base = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag: '"storage-etag"' };
  if (!range) {
    res.writeHead(200, { ...base, 'content-length': BLOB.length });
    res.end(BLOB);
    return;
  }
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), BLOB.length - 1) : BLOB.length - 1;
  if (start >= BLOB.length) {
    res.writeHead(416, { 'content-range': `bytes */${BLOB.length}`, 'content-type': 'application/xml' });
    res.end('<Error><Code>InvalidRange</Code></Error>');
    return;
  }
  res.writeHead(206, { ...base, 'content-range': `bytes ${start}-${end}/${BLOB.length}`, 'content-length': end - start + 1 });
  res.end(BLOB.subarray(start, end + 1));
}

describe('forwarding', () => {
  let storage: TestServer;
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const slowClosed: Promise<void>[] = [];
  let route: string;

  function registryHandler(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', registry.url);
    const path = url.pathname;
    if (path === '/token') return json(res, 200, { token: 't', expires_in: 300 });
    const authed = req.headers.authorization === 'Bearer t';

    if (path.startsWith('/v2/private/')) {
      if (!authed) {
        return registryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
          'www-authenticate': `Bearer realm="${registry.url}/token",service="reg",scope="repository:private:pull"`,
        });
      }
      if (path === `/v2/private/blobs/${DIGEST_A}`) {
        res.writeHead(307, { location: `${storage.url}/blob/a?signature=xyz`, 'docker-content-digest': DIGEST_A });
        return void res.end();
      }
      if (path === `/v2/private/blobs/${DIGEST_B}`) {
        res.writeHead(302, { location: '/internal/hop' }); // same host, relative
        return void res.end();
      }
    }
    if (path === '/internal/hop') {
      res.writeHead(302, { location: `${storage.url}/blob/b` });
      return void res.end();
    }
    if (path === `/v2/loop/blobs/${DIGEST_A}`) {
      res.writeHead(302, { location: path });
      return void res.end();
    }
    if (path === '/v2/r/tags/list') {
      return json(
        res,
        200,
        { name: 'r', tags: ['a', 'b'] },
        {
          link: `</v2/r/tags/list?last=b&n=2>; rel="next", <https://elsewhere.example/v2/r/tags/list?last=z>; rel="other"`,
        },
      );
    }
    if (path === '/v2/_catalog') {
      return json(res, 200, { repositories: ['r'] }, { link: `<${registry.url}/v2/_catalog?last=r&n=1>; rel="next"` });
    }
    if (path === `/v2/r/manifests/${DIGEST_A}` || path === '/v2/r/manifests/latest') {
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'content-length': Buffer.byteLength(MANIFEST),
        'docker-content-digest': DIGEST_A,
        etag: `"${DIGEST_A}"`,
        'set-cookie': 'tracking=1',
        'x-internal': 'secret',
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '99;w=21600',
        'docker-ratelimit-source': '203.0.113.1',
        'cache-control': 'max-age=999999',
      });
      return void res.end(req.method === 'HEAD' ? undefined : MANIFEST);
    }
    if (path === '/v2/r/manifests/missing') {
      return registryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    }
    if (path === '/v2/html/manifests/latest') {
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>');
    }
    if (path === '/v2/limited/manifests/latest') {
      return registryError(res, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.', {
        'retry-after': '3600',
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '0;w=21600',
        'docker-ratelimit-source': '203.0.113.1',
        'x-ratelimit-reset': '1700000000',
      });
    }
    if (path === '/v2/forbidden/manifests/latest') {
      res.writeHead(403, { 'content-type': 'text/plain' });
      return void res.end('requested access to the resource is denied');
    }
    if (path === '/v2/stall/manifests/latest') return; // never answers
    if (path === `/v2/idle/blobs/${DIGEST_A}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1000 });
      res.write(Buffer.alloc(10));
      return; // then nothing
    }
    if (path === `/v2/slow/blobs/${DIGEST_A}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 10);
      slowClosed.push(new Promise((resolve) => res.on('close', () => (clearInterval(timer), resolve()))));
      return;
    }
    registryError(res, 404, 'NAME_UNKNOWN', `no route for ${path}`);
  }

  beforeAll(async () => {
    storage = await startServer(storageHandler);
    registry = await startServer((req, res) => registryHandler(req, res));
    proxy = await startProxy({
      insecureRegistries: new Set([registry.host]),
      allowHosts: new Set([storage.host]), // object storage on another loopback port
      timeouts: { connectMs: 1000, firstByteMs: 300, idleMs: 300 },
    });
    route = `${proxy.url}/registry/${registry.host}`;
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
    await storage.close();
  });

  it('follows a blob redirect to storage on the server, without sending Authorization there', async () => {
    const reply = await request(`${route}/v2/private/blobs/${DIGEST_A}`);
    expect(reply.status).toBe(200);
    expect(reply.body.equals(BLOB)).toBe(true);
    expect(reply.headers['content-length']).toBe(String(BLOB.length));
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const toStorage = storage.requests.filter((r) => r.url === '/blob/a?signature=xyz');
    expect(toStorage).toHaveLength(1);
    expect(toStorage[0]!.headers.authorization).toBeUndefined();
    expect(registry.requests.filter((r) => r.url === `/v2/private/blobs/${DIGEST_A}`).map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer t']);
  });

  it('keeps Authorization on same-host hops and drops it at the storage host', async () => {
    const reply = await request(`${route}/v2/private/blobs/${DIGEST_B}`);
    expect(reply.status).toBe(200);
    expect(registry.requests.find((r) => r.url === '/internal/hop')?.headers.authorization).toBe('Bearer t');
    expect(storage.requests.find((r) => r.url === '/blob/b')?.headers.authorization).toBeUndefined();
  });

  it('passes Range through redirects and returns 206 with Content-Range', async () => {
    const reply = await request(`${route}/v2/private/blobs/${DIGEST_A}`, { headers: { range: 'bytes=10-19' } });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes 10-19/${BLOB.length}`);
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(reply.body.toString()).toBe('abcdefghij');
    expect(storage.requests.at(-1)!.headers.range).toBe('bytes=10-19');
  });

  it('passes an unsatisfiable range on as 416 with Content-Range, in the error shape', async () => {
    const reply = await request(`${route}/v2/private/blobs/${DIGEST_A}`, { headers: { range: 'bytes=1000-' } });
    expect(reply.status).toBe(416);
    expect(reply.headers['content-range']).toBe(`bytes */${BLOB.length}`);
    expect(errorCodes(reply)).toEqual(['RANGE_NOT_SATISFIABLE']);
  });

  it('gives up after 5 redirects with PROXY_UPSTREAM_ERROR', async () => {
    const before = registry.requests.length;
    const reply = await request(`${route}/v2/loop/blobs/${DIGEST_A}`);
    expect(reply.status).toBe(502);
    expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
    expect(registry.requests.length - before).toBe(6);
  });

  it('refuses a plain-http redirect target unless allowed', async () => {
    const registryOnly = (u: URL) => u.host === registry.host;
    const failure = await fetchUpstream(new URL(`${registry.url}/internal/hop`), {
      method: 'GET',
      headers: {},
      timeouts: DEFAULT_TIMEOUTS,
      policy: createAddressPolicy([registry.host]),
      maxRedirects: 5,
      allowPlainHttp: registryOnly,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProxyError);
    expect((failure as ProxyError).code).toBe('PROXY_NOT_ALLOWED');
    expect((failure as ProxyError).status).toBe(403);
  });

  it('rewrites Link headers onto the proxy route and drops foreign links', async () => {
    const tags = await request(`${route}/v2/r/tags/list?n=2`);
    expect(tags.headers.link).toBe(`</registry/${registry.host}/v2/r/tags/list?last=b&n=2>; rel="next"`);
    expect(tags.headers['cache-control']).toBe('no-cache');
    const catalog = await request(`${route}/v2/_catalog?n=1`);
    expect(catalog.headers.link).toBe(`</registry/${registry.host}/v2/_catalog?last=r&n=1>; rel="next"`);
  });

  it('rewriteLink: relative, absolute same-registry (Docker Hub alias) and foreign URLs', () => {
    const hub = resolveRegistry('docker.io', new Set());
    const base = new URL('https://registry-1.docker.io/v2/library/nginx/tags/list');
    expect(rewriteLink('</v2/library/nginx/tags/list?last=1.25&n=100>; rel="next"', base, hub)).toBe(
      '</registry/docker.io/v2/library/nginx/tags/list?last=1.25&n=100>; rel="next"',
    );
    expect(rewriteLink('<https://registry-1.docker.io/v2/_catalog?last=a>; rel="next"', base, hub)).toBe(
      '</registry/docker.io/v2/_catalog?last=a>; rel="next"',
    );
    expect(rewriteLink('<https://evil.example/v2/x>; rel="next"', base, hub)).toBeUndefined();
    expect(rewriteLink('</not-registry>; rel="x"', base, hub)).toBeUndefined();
    expect(rewriteLink('</v2/a?x=1,2>; rel="next"; title="a, b", </v2/b>; rel="prev"', base, hub)).toBe(
      '</registry/docker.io/v2/a?x=1,2>; rel="next"; title="a, b", </registry/docker.io/v2/b>; rel="prev"',
    );
  });

  it('passes the allowed response headers and no others; caches by digest forever, tags briefly', async () => {
    const byDigest = await request(`${route}/v2/r/manifests/${DIGEST_A}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(byDigest.status).toBe(200);
    expect(byDigest.text).toBe(MANIFEST);
    expect(byDigest.headers).toMatchObject({
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'content-length': String(Buffer.byteLength(MANIFEST)),
      'docker-content-digest': DIGEST_A,
      etag: `"${DIGEST_A}"`,
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '99;w=21600',
      'docker-ratelimit-source': '203.0.113.1',
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'Accept',
      'x-content-type-options': 'nosniff',
    });
    expect(byDigest.headers['set-cookie']).toBeUndefined();
    expect(byDigest.headers['x-internal']).toBeUndefined();

    const byTag = await request(`${route}/v2/r/manifests/latest`, { method: 'HEAD' });
    expect(byTag.status).toBe(200);
    expect(byTag.headers['cache-control']).toBe('public, max-age=60');
    expect(byTag.headers['docker-content-digest']).toBe(DIGEST_A);
    expect(byTag.headers['content-length']).toBe(String(Buffer.byteLength(MANIFEST)));
  });

  it('passes registry error JSON through byte for byte, with no-store', async () => {
    const reply = await request(`${route}/v2/r/manifests/missing`);
    expect(reply.status).toBe(404);
    expect(reply.text).toBe(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: null }] }));
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['x-lading-error-source']).toBeUndefined();
  });

  it('passes 429 with Retry-After and rate-limit headers', async () => {
    const reply = await request(`${route}/v2/limited/manifests/latest`);
    expect(reply.status).toBe(429);
    expect(errorCodes(reply)).toEqual(['TOOMANYREQUESTS']);
    expect(reply.headers).toMatchObject({
      'retry-after': '3600',
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '0;w=21600',
      'docker-ratelimit-source': '203.0.113.1',
      'x-ratelimit-reset': '1700000000',
    });
  });

  it('synthesises the error shape for HTML and text errors, without echoing HTML', async () => {
    const html = await request(`${route}/v2/html/manifests/latest`);
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorCodes(html)).toEqual(['BAD_GATEWAY']);
    expect(html.text).not.toContain('<script>');

    const text = await request(`${route}/v2/forbidden/manifests/latest`);
    expect(text.status).toBe(403);
    const body = JSON.parse(text.text) as { errors: { code: string; detail: { body: string } }[] };
    expect(body.errors[0]?.code).toBe('DENIED');
    expect(body.errors[0]?.detail.body).toBe('requested access to the resource is denied');
  });

  it('keeps the status of a HEAD error, with the JSON content type and no body', async () => {
    const reply = await request(`${route}/v2/r/manifests/missing`, { method: 'HEAD' });
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.body.length).toBe(0);
  });

  it('answers PROXY_TIMEOUT (504) when the registry sends no response in time', async () => {
    const started = Date.now();
    const reply = await request(`${route}/v2/stall/manifests/latest`);
    expect(reply.status).toBe(504);
    expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
    expect(reply.headers['x-lading-error-source']).toBe('proxy');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cuts the response when the registry goes idle mid-body', async () => {
    const outcome = await new Promise<string>((resolve) => {
      http.get(`${route}/v2/idle/blobs/${DIGEST_A}`, { agent: false }, (res) => {
        let received = 0;
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolve(`ended after ${received}`));
        res.on('error', () => resolve(`aborted after ${received}`));
      });
    });
    expect(outcome).toBe('aborted after 10');
  });

  it('destroys the upstream request when the browser goes away', async () => {
    const before = slowClosed.length;
    await new Promise<void>((resolve) => {
      const req = http.get(`${route}/v2/slow/blobs/${DIGEST_A}`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    expect(slowClosed.length).toBe(before + 1);
    await slowClosed[before]; // the registry saw its connection close (the test times out otherwise)
  });
});

describe('keep-alive', () => {
  it('sends a request again when its pooled socket turns out to be closed', async () => {
    // Each connection serves one request; a second request on it is cut without an answer.
    const served = new WeakSet<object>();
    const registry = await startServer((req, res) => {
      if (served.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      json(res, 200, { ok: true });
    });
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]) });
    try {
      expect((await request(`${proxy.url}/registry/${registry.host}/v2/`)).status).toBe(200);
      const second = await request(`${proxy.url}/registry/${registry.host}/v2/`);
      expect(second.status).toBe(200);
      expect(registry.requests).toHaveLength(3); // first, cut reuse, fresh retry
    } finally {
      await proxy.close();
      await registry.close();
    }
  });
});

describe('proxy error codes', () => {
  it('PROXY_CONNECTION_REFUSED when nothing listens', async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    const proxy = await startProxy({ insecureRegistries: new Set([gone.host]) });
    try {
      const reply = await request(`${proxy.url}/registry/${gone.host}/v2/`);
      expect(reply.status).toBe(502);
      expect(errorCodes(reply)).toEqual(['PROXY_CONNECTION_REFUSED']);
      expect(reply.headers['x-lading-error-source']).toBe('proxy');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(proxy.logs.join('\n')).toContain('PROXY_CONNECTION_REFUSED');
    } finally {
      await proxy.close();
    }
  });

  it('PROXY_TLS_ERROR when https meets a plain-http server (registry not listed as insecure)', async () => {
    const plain = await startServer((_req, res) => json(res, 200, {}));
    const proxy = await startProxy({ allowHosts: new Set([plain.host]) }); // allowed, but not as plain http
    try {
      const reply = await request(`${proxy.url}/registry/${plain.host}/v2/`);
      expect(reply.status).toBe(502);
      expect(errorCodes(reply)).toEqual(['PROXY_TLS_ERROR']);
    } finally {
      await proxy.close();
      await plain.close();
    }
  });

  it('PROXY_DNS_FAILURE when the name does not resolve (through the lookup seam)', async () => {
    const lookup = ((hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException) => void) => {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      callback(err);
    }) as unknown as LookupFunction;
    const proxy = await startProxy({ lookup });
    try {
      const reply = await request(`${proxy.url}/registry/registry.invalid/v2/`);
      expect(reply.status).toBe(502);
      expect(errorCodes(reply)).toEqual(['PROXY_DNS_FAILURE']);
    } finally {
      await proxy.close();
    }
  });
});
