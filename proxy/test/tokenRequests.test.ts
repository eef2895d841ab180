// Token requests tied to the browser requests that wait for them (issue 14, point 2), against a realm
// that trickles its answer: a byte now and then, never the end. The idle timeout never trips on it,
// so only the client's going away or the overall deadline can end the request.

import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, eventually, registryError, request, startProxy, startServer, type TestServer } from './helpers';

interface Trickle {
  realm: TestServer;
  registry: TestServer;
  /** Realm connections still open. */
  open: Set<ServerResponse>;
}

async function trickleSetup(): Promise<Trickle> {
  const open = new Set<ServerResponse>();
  const realm = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"token":"');
    const timer = setInterval(() => res.write('x'), 100);
    open.add(res);
    res.on('close', () => {
      clearInterval(timer);
      open.delete(res);
    });
  });
  const registry = await startServer((req, res) => {
    const name = /^\/v2\/(.+)\/manifests\//.exec(req.url ?? '')?.[1] ?? '';
    registryError(res, 401, 'UNAUTHORIZED', 'auth', {
      'www-authenticate': `Bearer realm="${realm.url}/token",service="s",scope="repository:${name}:pull"`,
    });
  });
  return { realm, registry, open };
}

/** A browser request that can be dropped before it is answered; `done` is its status (0: dropped). */
function browserRequest(url: string): { drop: () => void; done: Promise<number> } {
  const req = http.get(url, { agent: false });
  const done = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
  return { drop: () => req.destroy(), done };
}

describe('token requests and their clients', () => {
  let t: Trickle;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    t = await trickleSetup();
  });
  afterEach(async () => {
    await proxy.close();
    for (const res of t.open) res.destroy();
    t.realm.requests.length = 0;
  });
  afterAll(async () => {
    await t.registry.close();
    await t.realm.close();
  });

  const start = async (bodyDeadlineMs: number, concurrentPerClient = 32) => {
    proxy = await startProxy({
      insecureRegistries: new Set([t.registry.host]),
      allowHosts: new Set([t.realm.host]),
      timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, bodyDeadlineMs },
      limits: { ratePerSecond: 0, concurrentPerClient },
    });
  };
  const manifest = (repo: string) => `${proxy.url}/registry/${t.registry.host}/v2/${repo}/manifests/latest`;

  it('identical concurrent requests share one token request, which ends once the last browser has gone', async () => {
    await start(60_000);
    const browsers = Array.from({ length: 5 }, () => browserRequest(manifest('shared')));
    await eventually(() => t.open.size === 1, 2000, 'the token request reached the realm');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(t.realm.requests).toHaveLength(1);

    for (const b of browsers.slice(0, 4)) b.drop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.open.size).toBe(1); // one browser still waits for it

    browsers[4]!.drop();
    await eventually(() => t.open.size === 0, 2000, 'the realm saw the token request go');
    await eventually(() => proxy.server.limiter.inFlight === 0, 2000, 'every slot released');
  });

  it('has an overall deadline: 504 PROXY_TIMEOUT naming the realm, and the realm is let go', async () => {
    await start(600);
    const started = Date.now();
    const reply = await request(manifest('deadline'));
    expect(reply.status).toBe(504);
    expect(errorCodes(reply)).toEqual(['PROXY_TIMEOUT']);
    expect(JSON.parse(reply.text).errors[0].message).toContain(t.realm.host);
    expect(Date.now() - started).toBeLessThan(2500);
    await eventually(() => t.open.size === 0, 2000, 'the realm saw the token request go');
  });

  it('counts against the client’s cap while it runs', async () => {
    await start(60_000, 2);
    const waiting = [browserRequest(manifest('a')), browserRequest(manifest('b'))];
    await eventually(() => t.open.size === 2, 2000, 'two token requests reached the realm');
    const third = await request(manifest('c'));
    expect(third.status).toBe(429);
    expect(JSON.parse(third.text).errors[0].detail).toMatchObject({ limit: 'concurrent-per-client' });
    for (const w of waiting) w.drop();
    await eventually(() => t.open.size === 0, 2000, 'the realm saw both go');
    expect(await Promise.all(waiting.map((w) => w.done))).toEqual([0, 0]);
  });
});
