// The proxy's memory under many slow large manifests (issue 14, point 5). The proxy runs as its own
// process so /proc shows the server alone; a hostile registry in this process sends 48 manifests of
// 4 MiB at once, each all but its last byte, and holds that byte until every request has reached it.
// Without a budget the proxy would hold 48 × 4 MiB = 192 MiB at the same moment; with
// LADING_MAX_BUFFERED_BYTES at 32 MiB it may hold eight at a time, and must refuse the others with 429.
//
// Linux only (/proc). Half the manifests declare their length, half are chunked, so both ways of
// reading a body whole are under the budget.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startServer, type Reply, type TestServer } from './helpers';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const MIB = 1024 * 1024;
const MANIFEST = 4 * MIB;
const REQUESTS = 48;
const BUDGET = 32 * MIB;

/** VmRSS of a process, in bytes. */
function memoryOf(pid: number): { rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS') };
}

describe.skipIf(process.platform !== 'linux')('memory under many slow large manifests', () => {
  let registry: TestServer;
  let child: ChildProcess;
  let proxyUrl = '';
  const held: { res: ServerResponse; last: Buffer }[] = [];
  let arrived = 0;
  let releaseAll: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => (releaseAll = resolve));

  beforeAll(async () => {
    const body = Buffer.alloc(MANIFEST, 0x20);
    registry = await startServer((req, res) => {
      if (!req.url?.includes('/manifests/slow')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end('{}');
        return;
      }
      const declared = Number(/slow(\d+)/.exec(req.url)?.[1] ?? 0) % 2 === 0;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(declared ? { 'content-length': MANIFEST } : {}) });
      res.write(body.subarray(0, MANIFEST - 1));
      held.push({ res, last: body.subarray(MANIFEST - 1) });
      if (++arrived === REQUESTS) releaseAll();
    });
    child = spawn(process.execPath, ['--import', 'tsx', 'proxy/src/main.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LADING_INSECURE_REGISTRIES: registry.host,
        LADING_RATE_LIMIT: '0',
        LADING_MAX_CONCURRENT_PER_CLIENT: String(REQUESTS * 2),
        LADING_MAX_BUFFERED_BYTES: String(BUDGET),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    proxyUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /^Lading listening on (http:\/\/\S+)\n/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`proxy exited with ${code}`)));
    });
  }, 20_000);
  afterAll(async () => {
    child?.kill('SIGTERM');
    for (const h of held) h.res.destroy();
    await registry.close();
  });

  it('holds no more than the budget, refusing the rest with 429, and serves what it accepted whole', async () => {
    const route = `${proxyUrl}/registry/${registry.host}/v2/lading/m`;
    expect((await request(`${route}/manifests/warm`)).status).toBe(200);
    const before = memoryOf(child.pid!).rss;
    // Sampled, not VmHWM: the high-water mark includes the start (tsx compiling the sources).
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(child.pid!).rss)), 20);

    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < REQUESTS; i++) replies.push(request(`${route}/manifests/slow${i}`));
    // Every request has reached the registry (refused ones too: a refusal comes after the headers).
    await Promise.race([allArrived, new Promise((resolve) => setTimeout(resolve, 8000))]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the proxy read what it will
    for (const h of held) if (!h.res.destroyed) h.res.end(h.last);
    const done = await Promise.all(replies);
    clearInterval(sampler);

    const served = done.filter((r) => r.status === 200);
    const refused = done.filter((r) => r.status === 429);
    expect(served.length + refused.length).toBe(REQUESTS);
    expect(served.length).toBeGreaterThan(0);
    // At most eight can be held at once; one refused early gives its bytes back for a later one, so
    // a few more than eight may be served in all, never most of them.
    expect(refused.length).toBeGreaterThan(REQUESTS / 2);
    for (const r of served) expect(r.body.length).toBe(MANIFEST);
    for (const r of refused) {
      expect(JSON.parse(r.text).errors[0]).toMatchObject({ code: 'PROXY_RATE_LIMITED', detail: { limit: 'buffered-bytes' } });
      expect(r.headers['retry-after']).toBe('1');
    }
    // Twice the budget (the bytes held, and the socket chunks they were read from until the garbage
    // collector frees them) and some slack: still well under what the load holds unbounded.
    const growth = peak - before;
    expect(growth).toBeLessThan(2 * BUDGET + 32 * MIB);
  }, 30_000);
});
