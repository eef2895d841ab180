// Upstreams that misbehave on purpose (issue 14), each on a loopback port with short timeouts: every
// request the proxy makes must settle with an answer the browser can act on, a body must look cut
// when it was, and the proxy's own error must name what failed. Each case is bounded: a handful of
// requests, timeouts of a few hundred milliseconds.

import type { LookupFunction } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIGEST_A,
  errorCodes,
  eventually,
  fetchOutcome,
  json,
  registryError,
  request,
  startProxy,
  startRawServer,
  startServer,
  type TestServer,
} from './helpers';

const FIRST_BYTE_MS = 400;
const timeouts = { connectMs: 1000, firstByteMs: FIRST_BYTE_MS, idleMs: 400, bodyDeadlineMs: 700 };

/** A 101 to whatever is asked, as a server that speaks another protocol on upgrade would send it. */
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

describe('101 Switching Protocols answers a plain request', () => {
  let switcher: Awaited<ReturnType<typeof startRawServer>>;
  beforeAll(async () => {
    switcher = await startRawServer((socket) => socket.write(SWITCHING)); // and then nothing, forever
  });
  afterAll(async () => {
    await switcher.close();
  });

  const expectBadGateway = async (url: string): Promise<void> => {
    const started = Date.now();
    const reply = await request(url);
    expect(reply.status).toBe(502);
    expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
    expect(reply.headers['x-lading-error-source']).toBe('proxy');
    expect(JSON.parse(reply.text).errors[0].message).toContain('101');
    expect(Date.now() - started).toBeLessThan(FIRST_BYTE_MS + 1000);
  };

  it('from a registry: 502 with the error JSON, and the slot is free again (40 of them do not lock the client out)', async () => {
    const proxy = await startProxy({
      insecureRegistries: new Set([switcher.host]),
      timeouts,
      limits: { ratePerSecond: 0, concurrentPerClient: 32 },
    });
    try {
      await expectBadGateway(`${proxy.url}/registry/${switcher.host}/v2/a/manifests/latest`);
      const replies = await Promise.all(Array.from({ length: 40 }, () => request(`${proxy.url}/registry/${switcher.host}/v2/`)));
      // Over 32 at once the cap answers 429; none hangs.
      expect(replies.filter((r) => r.status !== 502 && r.status !== 429)).toEqual([]);
      await eventually(() => proxy.server.limiter.inFlight === 0, 2000, 'every slot released');
      await expectBadGateway(`${proxy.url}/registry/${switcher.host}/v2/`);
    } finally {
      await proxy.close();
    }
  });

  it('from a token realm: 502', async () => {
    const registry = await startServer((_req, res) =>
      registryError(res, 401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': `Bearer realm="${switcher.url}/token",service="s"` }),
    );
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), allowHosts: new Set([switcher.host]), timeouts });
    try {
      await expectBadGateway(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
    } finally {
      await proxy.close();
      await registry.close();
    }
  });

  it('from a foreign-layer URL: 502', async () => {
    const proxy = await startProxy({ foreignAllowHosts: new Set([switcher.host]), timeouts });
    try {
      const query = new URLSearchParams({ url: `${switcher.url}/layer`, digest: DIGEST_A, size: '10' });
      await expectBadGateway(`${proxy.url}/foreign?${query.toString()}`);
    } finally {
      await proxy.close();
    }
  });
});

describe('bodies read whole', () => {
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const open: ServerResponse[] = [];
  let closedTrickles = 0;

  beforeAll(async () => {
    registry = await startServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/v2/trickle/') || path.startsWith('/v2/_catalog')) {
        // One byte every 100 ms: the idle timeout (400 ms) never trips, only a deadline can end it.
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 100);
        res.on('close', () => {
          clearInterval(timer);
          closedTrickles++;
        });
        open.push(res);
        return;
      }
      if (path === '/v2/stall/manifests/latest') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': 1000 });
        res.write('{"schemaVersion":2,');
        open.push(res); // and then nothing
        return;
      }
      json(res, 200, {});
    });
    proxy = await startProxy({ insecureRegistries: new Set([registry.host]), timeouts });
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    await proxy.close();
    await registry.close();
  });

  it('a manifest, a tag list and the catalog that trickle: 504 PROXY_TIMEOUT at the deadline, and the upstream is let go', async () => {
    const started = Date.now();
    const replies = await Promise.all(
      ['trickle/manifests/latest', 'trickle/tags/list', '_catalog'].map((path) => request(`${proxy.url}/registry/${registry.host}/v2/${path}`)),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(504);
      expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
      expect(JSON.parse(reply.text).errors[0].message).toMatch(/took more than 700 ms/);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually(() => closedTrickles === 3, 2000, 'the registry saw its three connections closed');
  });

  it('a manifest body that stalls: 504 PROXY_TIMEOUT, as the README promises (not a 502 "aborted")', async () => {
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/stall/manifests/latest`);
    expect(reply.status).toBe(504);
    expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
    expect(reply.text).toContain('No data from');
  });
});

describe('a close-delimited body (no Content-Length, not chunked)', () => {
  const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n';
  let upstream: Awaited<ReturnType<typeof startRawServer>>;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    upstream = await startRawServer((socket, head) => {
      const reset = head.includes('/reset/');
      socket.write(HEAD.replace('application/octet-stream', head.includes('/manifests/') ? 'application/json' : 'application/octet-stream'));
      socket.write(Buffer.alloc(50_000, 0x20));
      // A reset (RST) is how the far end says "this is not the end"; a FIN after the body is the end.
      setTimeout(() => (reset ? socket.resetAndDestroy() : socket.end()), 50);
    });
    proxy = await startProxy({ insecureRegistries: new Set([upstream.host]), timeouts });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('cut by a reset: the browser’s stream errors instead of ending cleanly', async () => {
    const result = await fetchOutcome(`${proxy.url}/registry/${upstream.host}/v2/reset/blobs/${DIGEST_A}`);
    expect(result.status).toBe(200);
    expect(result.outcome).toBe('error');
    expect(proxy.logs.some((l) => l.includes('interrupted'))).toBe(true);
  });

  it('ended by the far end closing cleanly: complete, every byte', async () => {
    const result = await fetchOutcome(`${proxy.url}/registry/${upstream.host}/v2/clean/blobs/${DIGEST_A}`);
    expect(result).toMatchObject({ status: 200, outcome: 'complete', bytes: 50_000 });
  });

  it('a manifest cut by a reset is a 502, not a short document', async () => {
    const reply = await request(`${proxy.url}/registry/${upstream.host}/v2/reset/manifests/latest`);
    expect(reply.status).toBe(502);
    expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
    const clean = await request(`${proxy.url}/registry/${upstream.host}/v2/clean/manifests/latest`);
    expect(clean.status).toBe(200);
    expect(clean.body.length).toBe(50_000);
  });
});

describe('a token realm that does not resolve', () => {
  it('is reported under the realm’s host name, not the registry’s', async () => {
    const registry = await startServer((_req, res) =>
      registryError(res, 401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': 'Bearer realm="http://auth.invalid/token",service="s"' }),
    );
    const lookup = ((hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException) => void) => {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      callback(err);
    }) as unknown as LookupFunction;
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), lookup, timeouts });
    try {
      const reply = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
      expect(reply.status).toBe(502);
      expect(errorCodes(reply)).toEqual(['PROXY_DNS_FAILURE']);
      expect(JSON.parse(reply.text).errors[0].message).toMatch(/^Could not resolve auth\.invalid /);
    } finally {
      await proxy.close();
      await registry.close();
    }
  });
});
