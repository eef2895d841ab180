import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/static';
import { request, startProxy, type Reply } from './helpers';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';

/** Sends the path exactly as written (no client-side normalisation of `..`). */
function rawGet(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    http
      .get({ hostname, port, path, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('static SPA serving', () => {
  let dir: string;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lading-static-'));
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), INDEX);
    writeFileSync(join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(web, 'assets', 'worker-def456.js'), 'self.onmessage = () => {}');
    writeFileSync(join(web, 'assets', 'zstd-0a1b2c.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(web, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'outside.txt'), 'not for the browser');
    proxy = await startProxy({ staticDir: web });
  });
  afterAll(async () => {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expectSecurityHeaders = (reply: Reply): void => {
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
  };

  it('serves index.html with the CSP and security headers', async () => {
    const reply = await request(`${proxy.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(INDEX);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(reply);
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    );
  });

  it('falls back to index.html for client-side routes', async () => {
    for (const path of ['/image/docker.io/library/nginx', '/compare', '/image/ghcr.io/a/b']) {
      const reply = await request(`${proxy.url}${path}`);
      expect(reply.status, path).toBe(200);
      expect(reply.text).toBe(INDEX);
      expectSecurityHeaders(reply);
    }
  });

  it('falls back for navigations whose route ends in something dotted (an image reference)', async () => {
    const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const path of ['/image/ghcr.io', '/image/docker.io/library/nginx:1.25', '/i/quay.io/a/b@sha256:abc']) {
      const reply = await request(`${proxy.url}${path}`, { headers: { accept } });
      expect(reply.status, path).toBe(200);
      expect(reply.text).toBe(INDEX);
    }
  });

  it('serves hashed assets with immutable caching and the right content types', async () => {
    const js = await request(`${proxy.url}/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.text).toBe('console.log(1)');
    const wasm = await request(`${proxy.url}/assets/zstd-0a1b2c.wasm`);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    const svg = await request(`${proxy.url}/favicon.svg`);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
  });

  it('404s missing files instead of answering them with the app', async () => {
    expect((await request(`${proxy.url}/assets/missing-123.js`)).status).toBe(404);
    expect((await request(`${proxy.url}/assets/missing-123.js`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await request(`${proxy.url}/assets/chunk`)).status).toBe(404);
    expect((await request(`${proxy.url}/robots.txt`, { headers: { accept: '*/*' } })).status).toBe(404);
  });

  it('never serves dotfiles or anything outside the static directory', async () => {
    expect(await rawGet(proxy.url, '/.env')).toBe(404);
    expect(await rawGet(proxy.url, '/../outside.txt')).toBe(404);
    expect(await rawGet(proxy.url, '/%2e%2e/outside.txt')).toBe(404);
    expect(await rawGet(proxy.url, '/assets/..%2f..%2foutside.txt')).toBe(404);
    expect(await rawGet(proxy.url, '/%00')).toBe(404);
  });

  it('answers HEAD and conditional requests', async () => {
    const head = await request(`${proxy.url}/assets/index-abc123.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('14');
    expect(head.body.length).toBe(0);
    const again = await request(`${proxy.url}/assets/index-abc123.js`, { headers: { 'if-none-match': String(head.headers.etag) } });
    expect(again.status).toBe(304);
  });

  it('refuses other methods', async () => {
    const reply = await request(`${proxy.url}/`, { method: 'POST' });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it('GET /healthz → 200 ok', async () => {
    const reply = await request(`${proxy.url}/healthz`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('ok');
  });

  it('says so when the app has not been built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lading-empty-'));
    const bare = await startProxy({ staticDir: join(empty, 'missing') });
    try {
      const reply = await request(`${bare.url}/`);
      expect(reply.status).toBe(503);
      expect(reply.text).toContain('npm run build');
      expect((await request(`${bare.url}/healthz`)).status).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
