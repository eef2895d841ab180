// Registries misbehave: they close connections mid-blob, stall, fail with 5xx and then recover, rate
// limit, or answer with garbage. The browser must see an error it can act on (a failed stream, not a
// short "complete" one), the proxy must stay up, and nothing must leak.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_A, errorCodes, fetchOutcome, json, registryError, request, startProxy, startServer, type TestServer } from './helpers';

describe('faults', () => {
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let flaky = 0;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    registry = await startServer((req, res) => {
      const path = req.url ?? '';
      if (path === `/v2/cut/blobs/${DIGEST_A}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1_000_000 });
        res.write(Buffer.alloc(100_000));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (path === `/v2/cut-chunked/blobs/${DIGEST_A}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(50_000));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (path === `/v2/stall/blobs/${DIGEST_A}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1000 });
        res.write(Buffer.alloc(10));
        held.push(res);
        return;
      }
      if (path === '/v2/silent/manifests/latest') {
        held.push(res);
        return;
      }
      if (path === '/v2/flaky/manifests/latest') {
        flaky++;
        if (flaky === 1) return registryError(res, 503, 'UNAVAILABLE', 'service unavailable', { 'retry-after': '2' });
        if (flaky === 2) {
          res.writeHead(502, { 'content-type': 'text/html' });
          return void res.end('<html>bad gateway</html>');
        }
        return json(res, 200, { schemaVersion: 2 });
      }
      if (path === '/v2/limited/manifests/latest') {
        return registryError(res, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.', {
          'retry-after': '21600',
          'ratelimit-limit': '100;w=21600',
          'ratelimit-remaining': '0;w=21600',
          'docker-ratelimit-source': '203.0.113.9',
        });
      }
      if (path === '/v2/reset/manifests/latest') {
        req.socket.destroy();
        return;
      }
      json(res, 200, {});
    });
    proxy = await startProxy({
      insecureRegistries: new Set([registry.host]),
      timeouts: { connectMs: 1000, firstByteMs: 400, idleMs: 400 },
    });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await proxy.close();
    await registry.close();
  });

  const route = (path: string) => `${proxy.url}/registry/${registry.host}/v2/${path}`;

  it('the registry closes mid-blob (Content-Length): the browser’s stream errors; the proxy lives on', async () => {
    const result = await fetchOutcome(route(`cut/blobs/${DIGEST_A}`));
    expect(result.status).toBe(200);
    expect(result.outcome).toBe('error');
    expect(result.bytes).toBeLessThan(1_000_000);
    expect((await request(route(''))).status).toBe(200);
    expect(proxy.logs.some((l) => l.includes('interrupted'))).toBe(true);
  });

  it('the registry closes mid-blob (chunked): the browser’s stream errors rather than ending short', async () => {
    const result = await fetchOutcome(route(`cut-chunked/blobs/${DIGEST_A}`));
    expect(result.status).toBe(200);
    expect(result.outcome).toBe('error');
    expect((await request(route(''))).status).toBe(200);
  });

  it('the registry stalls mid-body: cut after the idle timeout', async () => {
    const started = Date.now();
    const result = await fetchOutcome(route(`stall/blobs/${DIGEST_A}`));
    expect(result.outcome).toBe('error');
    expect(result.bytes).toBe(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('the registry sends no headers: 504 PROXY_TIMEOUT after the first-byte timeout', async () => {
    const reply = await request(route('silent/manifests/latest'));
    expect(reply.status).toBe(504);
    expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
  });

  it('5xx, 5xx, then success: each error passed on uncached, then the good answer', async () => {
    const first = await request(route('flaky/manifests/latest'));
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('2');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(errorCodes(first)).toEqual(['UNAVAILABLE']);
    const second = await request(route('flaky/manifests/latest'));
    expect(second.status).toBe(502);
    expect(errorCodes(second)).toEqual(['BAD_GATEWAY']);
    expect(second.text).not.toContain('<html>');
    const third = await request(route('flaky/manifests/latest'));
    expect(third.status).toBe(200);
    expect(third.headers['cache-control']).toBe('public, max-age=60');
  });

  it('429 from the registry: passed on with Retry-After and the rate-limit headers', async () => {
    const reply = await request(route('limited/manifests/latest'));
    expect(reply.status).toBe(429);
    expect(errorCodes(reply)).toEqual(['TOOMANYREQUESTS']);
    expect(reply.headers['retry-after']).toBe('21600');
    expect(reply.headers['ratelimit-remaining']).toBe('0;w=21600');
    expect(reply.headers['docker-ratelimit-source']).toBe('203.0.113.9');
    expect(reply.headers['x-lading-error-source']).toBeUndefined(); // the registry's own error
  });

  it('the registry resets the connection before answering: 502 PROXY_UPSTREAM_ERROR', async () => {
    const reply = await request(route('reset/manifests/latest'));
    expect(reply.status).toBe(502);
    expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
  });

  it('the far end is not HTTP at all: 502', async () => {
    const sockets: net.Socket[] = [];
    const garbage = net.createServer((socket) => {
      sockets.push(socket);
      socket.end('SSH-2.0-OpenSSH_9.2\r\n');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    const other = await startProxy({ insecureRegistries: new Set([host]) });
    try {
      const reply = await request(`${other.url}/registry/${host}/v2/`);
      expect(reply.status).toBe(502);
      expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
    } finally {
      await other.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it('a token realm that never answers: 504, not a hung browser request', async () => {
    const silentRealm = await startServer(() => undefined);
    const guarded = await startServer((_req, res) =>
      registryError(res, 401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': `Bearer realm="${silentRealm.url}/token",service="s"` }),
    );
    const other = await startProxy({
      insecureRegistries: new Set([guarded.host]),
      allowHosts: new Set([silentRealm.host]),
      timeouts: { connectMs: 500, firstByteMs: 300, idleMs: 300 },
    });
    try {
      const reply = await request(`${other.url}/registry/${guarded.host}/v2/x/manifests/latest`);
      expect(reply.status).toBe(504);
      expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
    } finally {
      await other.close();
      await guarded.close();
      await silentRealm.close();
    }
  });
});
