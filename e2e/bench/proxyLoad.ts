// Load on the Lading proxy: many concurrent blob streams from a local registry, straight and through
// the proxy, with the proxy's memory (RSS before / peak / after) read from /proc. Then the same burst
// against a proxy with the default limits, to show the per-client cap at work. Then many slow large
// manifests at once (issue 14: each is read whole before it is passed on), against the default
// memory budget (LADING_MAX_BUFFERED_BYTES) and against a proxy whose budget is out of the way, with
// the server's peak RSS for each.
//
//   npx tsx e2e/bench/proxyLoad.ts [--streams 100] [--blobs 4] [--blob-mib 16] [--runs 2]
//                                  [--slow-manifests 96] [--manifest-mib 4] [--timeout 180]
//
// Only 127.0.0.1 is contacted. Writes e2e/.artifacts/bench/proxy-load.json. Exits 1 when a stream came
// back short or wrong, or when the whole run takes longer than --timeout seconds.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { artifactsDir, logsDir, repoRoot } from '../harness/paths';
import { spawnManaged, type ManagedProcess } from '../harness/process';
import { startRegistry, type Registry } from '../harness/registry';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '100' },
    blobs: { type: 'string', default: '4' },
    'blob-mib': { type: 'string', default: '16' },
    runs: { type: 'string', default: '2' },
    'slow-manifests': { type: 'string', default: '96' },
    'manifest-mib': { type: 'string', default: '4' },
    timeout: { type: 'string', default: '180' },
  },
});
const STREAMS = Number(args.streams);
const BLOBS = Number(args.blobs);
const BLOB_BYTES = Number(args['blob-mib']) * 1024 * 1024;
const RUNS = Number(args.runs);
const TIMEOUT_S = Number(args.timeout);
const SLOW_MANIFESTS = Number(args['slow-manifests']);
const MANIFEST_BYTES = Number(args['manifest-mib']) * 1024 * 1024;
/** A slow manifest arrives in pieces of this size, one every SLOW_PIECE_MS. */
const SLOW_PIECE = 64 * 1024;
const SLOW_PIECE_MS = 25;
const REPO = 'lading/load';

interface Blob {
  digest: string;
  size: number;
}

interface RunResult {
  streams: number;
  ok: number;
  refused: number;
  failed: number;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  firstByteMsP50: number;
  firstByteMsP95: number;
}

interface Memory {
  beforeMiB: number;
  peakMiB: number;
  afterMiB: number;
}

const deadline = Date.now() + TIMEOUT_S * 1000;
const watchdog = setTimeout(() => {
  console.error(`proxyLoad: still running after ${TIMEOUT_S} s; giving up`);
  process.exit(1);
}, TIMEOUT_S * 1000);
watchdog.unref();

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** Uploads random blobs with distribution's POST + PUT upload. */
async function uploadBlobs(registry: Registry): Promise<Blob[]> {
  const blobs: Blob[] = [];
  for (let i = 0; i < BLOBS; i++) {
    const data = randomBytes(BLOB_BYTES);
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const start = await fetch(`${registry.url}/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new Error(`upload start: HTTP ${start.status}`);
    const url = new URL(location, registry.url);
    url.searchParams.set('digest', digest);
    const put = await fetch(url, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`upload: HTTP ${put.status} ${await put.text()}`);
    blobs.push({ digest, size: data.length });
  }
  return blobs;
}

/** One stream: status, bytes, time to first byte; every `hashEvery`-th stream is hashed too. */
function stream(url: string, blob: Blob, hash: boolean): Promise<{ status: number; bytes: number; firstByteMs: number; good: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      const hasher = hash ? createHash('sha256') : undefined;
      let bytes = 0;
      let firstByteMs = -1;
      res.on('data', (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
        bytes += chunk.length;
        hasher?.update(chunk);
      });
      res.on('end', () => {
        const good = res.statusCode === 200 && bytes === blob.size && (!hasher || `sha256:${hasher.digest('hex')}` === blob.digest);
        resolve({ status: res.statusCode ?? 0, bytes, firstByteMs, good });
      });
      res.on('error', () => resolve({ status: res.statusCode ?? 0, bytes, firstByteMs, good: false }));
    });
    req.setTimeout(Math.max(1000, deadline - Date.now()), () => req.destroy());
    req.on('error', () => resolve({ status: 0, bytes: 0, firstByteMs: -1, good: false }));
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

async function burst(urlFor: (blob: Blob) => string, blobs: Blob[], streams: number): Promise<RunResult> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: streams }, (_, i) => {
      const blob = blobs[i % blobs.length]!;
      return stream(urlFor(blob), blob, i % 10 === 0);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.good);
  const bytes = ok.reduce((s, r) => s + r.bytes, 0);
  return {
    streams,
    ok: ok.length,
    refused: results.filter((r) => r.status === 429).length,
    failed: results.filter((r) => !r.good && r.status !== 429).length,
    bytes,
    seconds: Math.round(seconds * 100) / 100,
    mibPerSecond: Math.round((bytes / 1024 / 1024 / seconds) * 10) / 10,
    firstByteMsP50: percentile(
      ok.map((r) => r.firstByteMs),
      50,
    ),
    firstByteMsP95: percentile(
      ok.map((r) => r.firstByteMs),
      95,
    ),
  };
}

/** VmRSS and VmHWM (the kernel's peak) of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** The proxy as its own process (`node --import tsx`, one process, so /proc shows the server itself). */
async function startProxyProcess(name: string, env: Record<string, string>): Promise<{ url: string; proc: ManagedProcess }> {
  const staticDir = mkdtempSync(join(artifactsDir, 'tmp', 'proxy-load-static-'));
  let resolveUrl: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  const proc = spawnManaged(name, process.execPath, ['--import', 'tsx', 'proxy/src/main.ts'], join(logsDir, `${name}.log`), {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LADING_STATIC_DIR: staticDir, ...env },
    onStdoutLine: (line) => {
      const match = /^Lading listening on (http:\/\/\S+)$/.exec(line);
      if (match?.[1]) resolveUrl(match[1]);
    },
  });
  const url = await Promise.race([
    listening,
    proc.exited.then((code) => Promise.reject(new Error(`${name} exited (${String(code)})`))),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} did not start`)), 30_000).unref()),
  ]);
  void proc.exited.then(() => rmSync(staticDir, { recursive: true, force: true }));
  return { url, proc };
}

/**
 * A registry whose manifests arrive slowly (SLOW_PIECE every SLOW_PIECE_MS), half with a
 * Content-Length and half chunked, so both ways of reading a body whole are loaded.
 */
async function startSlowManifests(): Promise<{ host: string; close: () => Promise<void> }> {
  const piece = Buffer.alloc(SLOW_PIECE, 0x20);
  const server = http.createServer((req, res) => {
    const n = Number(/slow(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(n % 2 === 0 ? { 'content-length': MANIFEST_BYTES } : {}) });
    let sent = 0;
    const timer = setInterval(() => {
      const size = Math.min(SLOW_PIECE, MANIFEST_BYTES - sent);
      sent += size;
      if (sent >= MANIFEST_BYTES) {
        clearInterval(timer);
        res.end(piece.subarray(0, size));
      } else {
        res.write(piece.subarray(0, size));
      }
    }, SLOW_PIECE_MS);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SlowResult {
  served: number;
  refused: number;
  failed: number;
  seconds: number;
  beforeMiB: number;
  peakMiB: number;
}

/** SLOW_MANIFESTS concurrent slow manifests through a proxy process with a budget of `budget` bytes (undefined: its default). */
async function slowManifestLoad(name: string, registryHost: string, budget: number | undefined): Promise<SlowResult> {
  const { url, proc } = await startProxyProcess(name, {
    LADING_INSECURE_REGISTRIES: registryHost,
    LADING_RATE_LIMIT: '0',
    LADING_MAX_CONCURRENT_PER_CLIENT: String(SLOW_MANIFESTS * 2),
    LADING_MAX_CONCURRENT: String(SLOW_MANIFESTS * 2),
    ...(budget !== undefined ? { LADING_MAX_BUFFERED_BYTES: String(budget) } : {}),
  });
  try {
    const before = memoryOf(proc.pid).rss;
    let peak = before;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, memoryOf(proc.pid).rss);
      } catch {
        // exited
      }
    }, 20);
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: SLOW_MANIFESTS }, (_, i) => slowManifest(`${url}/registry/${registryHost}/v2/${REPO}/manifests/slow${i}`)),
    );
    clearInterval(sampler);
    return {
      served: statuses.filter((s) => s === 200).length,
      refused: statuses.filter((s) => s === 429).length,
      failed: statuses.filter((s) => s !== 200 && s !== 429).length,
      seconds: Math.round(((performance.now() - started) / 1000) * 100) / 100,
      beforeMiB: mib(before),
      peakMiB: mib(peak),
    };
  } finally {
    await proc.stop();
  }
}

/** One slow manifest: its status, or -1 when it failed or came back short. */
function slowManifest(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(res.statusCode === 200 && bytes !== MANIFEST_BYTES ? -1 : (res.statusCode ?? 0)));
      res.on('error', () => resolve(-1));
    });
    req.setTimeout(Math.max(1000, deadline - Date.now()), () => req.destroy());
    req.on('error', () => resolve(-1));
  });
}

async function main(): Promise<void> {
  mkdirSync(join(artifactsDir, 'tmp'), { recursive: true });
  console.log(`proxyLoad: ${STREAMS} concurrent streams over ${BLOBS} blobs of ${mib(BLOB_BYTES)} MiB, best of ${RUNS}`);
  const registry = await startRegistry({ name: 'proxyload' });
  const stops: (() => Promise<void>)[] = [() => registry.stop()];
  try {
    const blobs = await uploadBlobs(registry);
    const blobUrl = (base: string) => (blob: Blob) => `${base}/v2/${REPO}/blobs/${blob.digest}`;

    // Warm the page cache and the registry once.
    await burst(blobUrl(registry.url), blobs, blobs.length);

    const direct: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) direct.push(await burst(blobUrl(registry.url), blobs, STREAMS));

    const { url: proxyUrl, proc } = await startProxyProcess('proxy-load', {
      LADING_INSECURE_REGISTRIES: registry.host,
      // One client opens all the streams: lift the per-client caps for the throughput runs.
      LADING_RATE_LIMIT: '0',
      LADING_MAX_CONCURRENT_PER_CLIENT: String(STREAMS * 2),
      LADING_MAX_CONCURRENT: String(STREAMS * 2),
    });
    stops.push(() => proc.stop());
    const viaProxy = blobUrl(`${proxyUrl}/registry/${registry.host}`);
    await burst(viaProxy, blobs, blobs.length); // warm: JIT, keep-alive sockets
    const before = memoryOf(proc.pid).rss;
    let peak = before;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, memoryOf(proc.pid).rss);
      } catch {
        // exited
      }
    }, 50);
    const proxied: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) proxied.push(await burst(viaProxy, blobs, STREAMS));
    clearInterval(sampler);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = memoryOf(proc.pid);
    const memory: Memory = { beforeMiB: mib(before), peakMiB: mib(Math.max(peak, after.hwm)), afterMiB: mib(after.rss) };

    // The same burst against the default limits (20 req/s, burst 100, 32 open per client).
    const { url: limitedUrl, proc: limitedProc } = await startProxyProcess('proxy-load-defaults', { LADING_INSECURE_REGISTRIES: registry.host });
    stops.push(() => limitedProc.stop());
    const limited = await burst(blobUrl(`${limitedUrl}/registry/${registry.host}`), blobs, STREAMS);

    // Slow large manifests, with the default budget and with it out of the way (--slow-manifests 0: skipped).
    let budgeted: SlowResult | undefined;
    let unbounded: SlowResult | undefined;
    if (SLOW_MANIFESTS > 0) {
      const slowRegistry = await startSlowManifests();
      stops.push(() => slowRegistry.close());
      budgeted = await slowManifestLoad('proxy-load-slow-manifests', slowRegistry.host, undefined);
      unbounded = await slowManifestLoad('proxy-load-slow-manifests-unbounded', slowRegistry.host, 8 * 1024 * 1024 * 1024);
    }

    const best = (runs: RunResult[]) => runs.reduce((a, b) => (b.mibPerSecond > a.mibPerSecond ? b : a));
    const bestDirect = best(direct);
    const bestProxied = best(proxied);
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      streams: STREAMS,
      blobs: BLOBS,
      blobMiB: mib(BLOB_BYTES),
      direct: bestDirect,
      proxied: bestProxied,
      proxiedVsDirect: Math.round((bestProxied.mibPerSecond / bestDirect.mibPerSecond) * 100) / 100,
      proxyMemory: memory,
      defaultLimits: limited,
      slowManifests: { requests: SLOW_MANIFESTS, manifestMiB: mib(MANIFEST_BYTES), budgeted, unbounded },
      runs: { direct, proxied },
    };
    const out = join(artifactsDir, 'bench', 'proxy-load.json');
    mkdirSync(join(artifactsDir, 'bench'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

    const row = (name: string, r: RunResult) =>
      `| ${name} | ${r.ok}/${r.streams} | ${mib(r.bytes)} | ${r.seconds} | ${r.mibPerSecond} | ${r.firstByteMsP50} / ${r.firstByteMsP95} |`;
    console.log('');
    console.log('| path | streams ok | MiB | s | MiB/s | first byte ms p50 / p95 |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    console.log(row('direct to the registry', bestDirect));
    console.log(row('through the proxy', bestProxied));
    console.log('');
    console.log(`proxy / direct throughput: ${report.proxiedVsDirect}`);
    console.log(`proxy RSS: before ${memory.beforeMiB} MiB, peak ${memory.peakMiB} MiB, after ${memory.afterMiB} MiB`);
    console.log(
      `default limits, ${STREAMS} concurrent streams from one client: ${limited.ok} served, ${limited.refused} refused with 429, ${limited.failed} failed`,
    );
    const slowLine = (r: SlowResult) =>
      `RSS before ${r.beforeMiB} MiB, peak ${r.peakMiB} MiB; ${r.served} served, ${r.refused} refused with 429, ${r.failed} failed, ${r.seconds} s`;
    if (budgeted && unbounded) {
      console.log(`${SLOW_MANIFESTS} concurrent slow ${mib(MANIFEST_BYTES)} MiB manifests, default LADING_MAX_BUFFERED_BYTES: ${slowLine(budgeted)}`);
      console.log(`the same with the budget out of the way: ${slowLine(unbounded)}`);
    }
    console.log(`(${out})`);
    const broken =
      [...direct, ...proxied].some((r) => r.failed > 0 || r.ok !== r.streams) ||
      limited.failed > 0 ||
      (budgeted?.failed ?? 0) > 0 ||
      (unbounded?.failed ?? 0) > 0;
    if (broken) {
      console.error('proxyLoad: some streams came back short or wrong');
      process.exitCode = 1;
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
    agent.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
