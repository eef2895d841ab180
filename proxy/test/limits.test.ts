// Caps that keep one client from using the proxy as a hammer: the token-bucket rate limit, the
// concurrency caps (per client and in all), the manifest / JSON size cap, and the trusted-proxy rule
// for finding the client behind a reverse proxy.

import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, DEFAULT_LIMITS } from '../src/config';
import { clientAddress, ClientLimiter, limitKey } from '../src/limits';
import { DIGEST_A, errorCodes, json, request, startProxy, startServer, type TestServer } from './helpers';

describe('ClientLimiter', () => {
  it('allows a burst, then the sustained rate, per client', () => {
    let now = 0;
    const limiter = new ClientLimiter({ ratePerSecond: 10, burst: 5, concurrentPerClient: 100, concurrentTotal: 100 }, () => now);
    const take = (client: string) => {
      const a = limiter.admit(client);
      if (a.ok) a.release();
      return a.ok ? 'ok' : a.retryAfterSeconds;
    };
    expect(Array.from({ length: 6 }, () => take('a'))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 1]);
    expect(take('b')).toBe('ok'); // another client has its own bucket
    now += 100; // one token back at 10/s
    expect([take('a'), take('a')]).toEqual(['ok', 1]);
    now += 10_000;
    expect(Array.from({ length: 6 }, () => take('a'))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 1]); // capped at the burst
  });

  it('caps open requests per client and in all; release frees the slot once', () => {
    const limiter = new ClientLimiter({ ratePerSecond: 0, burst: 1, concurrentPerClient: 2, concurrentTotal: 3 }, () => 0);
    const a1 = limiter.admit('a');
    const a2 = limiter.admit('a');
    const a3 = limiter.admit('a');
    expect([a1.ok, a2.ok, a3.ok]).toEqual([true, true, false]);
    if (!a3.ok) expect(a3.error.message).toMatch(/at most 2 at once/);
    const b1 = limiter.admit('b');
    const c1 = limiter.admit('c');
    expect([b1.ok, c1.ok]).toEqual([true, false]);
    if (!c1.ok) expect(c1.error.detail).toMatchObject({ limit: 'concurrent-total' });
    if (a1.ok) {
      a1.release();
      a1.release(); // twice is harmless
    }
    expect(limiter.inFlight).toBe(2);
    expect(limiter.admit('c').ok).toBe(true);
  });
});

describe('clientAddress', () => {
  const req = (remote: string, xff?: string) =>
    ({ socket: { remoteAddress: remote }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  it('is the socket address, ignoring X-Forwarded-For from untrusted peers', () => {
    expect(clientAddress(req('::ffff:203.0.113.5', '1.2.3.4'), new Set())).toBe('203.0.113.5');
  });

  it('behind trusted proxies, is the right-most untrusted X-Forwarded-For entry', () => {
    const trusted = new Set(['127.0.0.1', '10.0.0.2']);
    expect(clientAddress(req('127.0.0.1', 'spoofed, 198.51.100.9, 10.0.0.2'), trusted)).toBe('198.51.100.9');
    expect(clientAddress(req('127.0.0.1'), trusted)).toBe('127.0.0.1');
  });

  it('keys IPv6 clients by their /64, IPv4 clients by address', () => {
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(limitKey('198.51.100.9')).toBe('198.51.100.9');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
  });

  it('reads the memory budget, the body deadline and the foreign-layer hosts, with their defaults', () => {
    const defaults = configFromEnv({});
    expect(defaults.maxBufferedBytes).toBe(64 * 1024 * 1024);
    expect(defaults.timeouts.bodyDeadlineMs).toBe(30_000);
    expect([...defaults.foreignAllowHosts]).toEqual([]);
    const config = configFromEnv({
      LADING_MAX_BUFFERED_BYTES: String(8 * 1024 * 1024),
      LADING_BODY_DEADLINE: '2.5',
      LADING_FOREIGN_ALLOW_HOSTS: 'Storage.Internal:9000, http://10.0.0.9/',
    });
    expect(config.maxBufferedBytes).toBe(8 * 1024 * 1024);
    expect(config.timeouts).toMatchObject({ bodyDeadlineMs: 2500, firstByteMs: 30_000 });
    expect([...config.foreignAllowHosts]).toEqual(['storage.internal:9000', '10.0.0.9']);
    // A budget smaller than the largest manifest could never read that manifest.
    expect(() => configFromEnv({ LADING_MAX_BUFFERED_BYTES: '2048', LADING_MAX_JSON_BYTES: '4096' })).toThrow(/at least LADING_MAX_JSON_BYTES/);
    expect(() => configFromEnv({ LADING_MAX_BUFFERED_BYTES: String(1024 * 1024) })).toThrow(/at least LADING_MAX_JSON_BYTES/);
  });

  it('reads the limits from the environment, and rejects nonsense', () => {
    expect(configFromEnv({}).limits).toEqual(DEFAULT_LIMITS);
    const config = configFromEnv({
      LADING_RATE_LIMIT: '0',
      LADING_RATE_BURST: '7',
      LADING_MAX_CONCURRENT_PER_CLIENT: '3',
      LADING_MAX_CONCURRENT: '9',
      LADING_MAX_JSON_BYTES: '2048',
      LADING_TRUST_PROXY: '127.0.0.1',
      LADING_ALLOW_HOSTS: 'registry.internal:5000, http://storage.internal/',
    });
    expect(config.limits).toEqual({ ratePerSecond: 0, burst: 7, concurrentPerClient: 3, concurrentTotal: 9 });
    expect(config.maxJsonBytes).toBe(2048);
    expect([...config.trustedProxies]).toEqual(['127.0.0.1']);
    expect([...config.allowHosts]).toEqual(['registry.internal:5000', 'storage.internal']);
    expect(() => configFromEnv({ LADING_MAX_CONCURRENT: 'lots' })).toThrow(ConfigError);
    expect(() => configFromEnv({ LADING_BODY_DEADLINE: '0' })).toThrow(/LADING_BODY_DEADLINE/);
    expect(() => configFromEnv({ LADING_RATE_BURST: '0' })).toThrow(/LADING_RATE_BURST/);
  });
});

describe('limits through the server', () => {
  let registry: TestServer;
  const stalled: http.ServerResponse[] = [];

  beforeAll(async () => {
    registry = await startServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/v2/slow/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write('x');
        stalled.push(res); // held open until the test lets go
        return;
      }
      if (path === '/v2/huge/manifests/latest') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': 5000 });
        res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(5000, 0x20));
        return;
      }
      if (path === '/v2/huge/tags/list') {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length to judge by
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, 0x20));
        res.end();
        return;
      }
      if (path === '/v2/fits/manifests/latest') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); // chunked
        res.end('{"schemaVersion":2}');
        return;
      }
      json(res, 200, {});
    });
  });
  afterAll(async () => {
    for (const res of stalled) res.end();
    await registry.close();
  });

  it('answers 429 PROXY_RATE_LIMITED with Retry-After past the burst; static files are not limited', async () => {
    const proxy = await startProxy({
      insecureRegistries: new Set([registry.host]),
      limits: { ratePerSecond: 1, burst: 3, concurrentPerClient: 10, concurrentTotal: 10 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(`${proxy.url}/registry/${registry.host}/v2/`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await request(`${proxy.url}/registry/${registry.host}/v2/`);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.headers['x-lading-error-source']).toBe('proxy');
      expect(errorCodes(limited)).toEqual(['PROXY_RATE_LIMITED']);
      expect((await request(`${proxy.url}/healthz`)).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });

  it('holds a slot for as long as a blob streams, and frees it when the browser goes away', async () => {
    const proxy = await startProxy({
      insecureRegistries: new Set([registry.host]),
      limits: { ratePerSecond: 0, burst: 1, concurrentPerClient: 2, concurrentTotal: 10 },
    });
    const open: http.ClientRequest[] = [];
    try {
      const startStream = () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(`${proxy.url}/registry/${registry.host}/v2/slow/blobs/${DIGEST_A}`, { agent: false }, (res) => {
            res.once('data', () => resolve());
          });
          req.on('error', () => undefined);
          req.setTimeout(5000, () => reject(new Error('no data')));
          open.push(req);
        });
      await startStream();
      await startStream();
      const third = await request(`${proxy.url}/registry/${registry.host}/v2/`);
      expect(third.status).toBe(429);
      expect(JSON.parse(third.text).errors[0].detail).toMatchObject({ limit: 'concurrent-per-client', max: 2 });
      open.shift()!.destroy();
      const deadline = Date.now() + 3000;
      while (proxy.server.limiter.inFlight > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await request(`${proxy.url}/registry/${registry.host}/v2/`)).status).toBe(200);
    } finally {
      for (const req of open) req.destroy();
      await proxy.close();
    }
  });

  it('refuses manifests and JSON over the size cap with 502 PROXY_RESPONSE_TOO_LARGE, declared or not', async () => {
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), maxJsonBytes: 4096 });
    try {
      const base = `${proxy.url}/registry/${registry.host}/v2`;
      for (const [path, method] of [
        ['/huge/manifests/latest', 'GET'],
        ['/huge/manifests/latest', 'HEAD'],
        ['/huge/tags/list', 'GET'],
      ] as const) {
        const reply = await request(`${base}${path}`, { method });
        expect(reply.status, `${method} ${path}`).toBe(502);
        if (method === 'GET') {
          expect(errorCodes(reply)).toEqual(['PROXY_RESPONSE_TOO_LARGE']);
          expect(reply.text).toContain('4096');
        }
      }
      const fits = await request(`${base}/fits/manifests/latest`);
      expect(fits.status).toBe(200);
      expect(fits.headers['content-length']).toBe(String(fits.body.length)); // read whole, sent with a length
    } finally {
      await proxy.close();
    }
  });
});
