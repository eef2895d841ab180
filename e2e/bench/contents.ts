// `npm run bench` (last step): a small file near the end of a large gzip layer, after one analysis.
// See e2e/bench/README.md, "Seek index".
//
//   npx tsx e2e/bench/contents.ts [--runs 3] [--timeout 600] [--skip-worker] [--skip-page]
//
// On the bench image (build.sh) and its gzip layers of at least 100 MB of tar:
//   a) in a Chromium worker, from a Blob (no network): the candidates for finding restart points
//      (native DecompressionStream, pako, pako with Z_BLOCK recording points, the whole build
//      with SHA-256) and one file near the end read from a restart point against from the start;
//   b) in the app, through the proxy and a registry: the image analysed once, the background
//      builds of the seek indexes (duration, bytes read, index size), then a file near the end of
//      each layer opened (time until its contents are on screen, blob bytes fetched, Range
//      requests), and, with the indexes deleted, another file there read by streaming.
// Expected bytes come from GNU tar (`gzip -dc | tar -xO`). Writes e2e/.artifacts/bench/contents.json.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { repoRoot } from '../harness/paths';
import { startProxy } from '../harness/proxy';
import { startRegistry } from '../harness/registry';
import { onStop, stopAll } from '../harness/run';
import { blobPath, ensureImage, pushImage, type BenchImage, type BenchLayer } from './image';
import { launchChromium } from './lading';
import { benchDir, mbps } from './paths';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '600' },
    'skip-worker': { type: 'boolean', default: false },
    'skip-page': { type: 'boolean', default: false },
  },
  strict: true,
});
const RUNS = Math.max(1, Number(opts.runs) || 3);
const TIMEOUT_MS = Math.max(1, Number(opts.timeout) || 600) * 1000;
const GOAL_MS = 300;
const GOAL_BYTES = 8e6;
const resultsFile = join(benchDir, 'contents.json');
const log = (msg: string): void => void process.stderr.write(`[bench contents] ${msg}\n`);

interface TarFile {
  path: string;
  size: number;
  sha256: string;
}

interface Target {
  index: number;
  layer: BenchLayer;
  /** Two small files near the layer's end: one read from a restart point, one streamed. */
  seek: TarFile;
  stream: TarFile;
}

/** The last two regular files of 200 B–64 KiB in the layer, as GNU tar lists and extracts them. */
function targetFiles(image: BenchImage, layer: BenchLayer): [TarFile, TarFile] {
  const blob = blobPath(image, layer.digest);
  const listing = execFileSync('bash', ['-c', 'gzip -dc "$1" | tar -tvf -', '_', blob], { maxBuffer: 1 << 28, encoding: 'utf8' });
  const files: { path: string; size: number }[] = [];
  for (const line of listing.split('\n')) {
    const m = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (m && /^[\w./+-]+$/.test(m[2]!)) files.push({ path: m[2]!, size: Number(m[1]) });
  }
  const small = files.filter((f) => f.size >= 200 && f.size <= 65_536);
  if (small.length < 2) throw new Error(`layer ${layer.digest} has fewer than two small files`);
  const pick = (f: { path: string; size: number }): TarFile => {
    const bytes = execFileSync('bash', ['-c', 'gzip -dc "$1" | tar -xOf - "$2"', '_', blob, f.path], { maxBuffer: 1 << 26 });
    if (bytes.length !== f.size) throw new Error(`tar extracted ${bytes.length} bytes of ${f.path}, listed ${f.size}`);
    return { path: `/${f.path.replace(/^\.\//, '')}`, size: f.size, sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  };
  return [pick(small.at(-1)!), pick(small.at(-2)!)];
}

// ------------------------------------------------------------------ a) candidates in a worker

interface WorkerRow {
  kind: string;
  label: string;
  bestMs: number;
  allMs: number[];
  mbps: number;
  points?: number;
  indexBytes?: number;
}

interface WorkerLayerResult {
  digest: string;
  createdBy: string;
  size: number;
  uncompressedSize: number;
  rows: WorkerRow[];
  file: { path: string; size: number; restartMs: number; rangeBytes: number; inflated: number; streamMs: number };
}

async function bundleWorker(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(repoRoot, 'e2e/bench/browser'),
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      lib: { entry: join(repoRoot, 'e2e/bench/browser/seekWorker.mjs'), formats: ['es'], fileName: () => 'seek-worker.js' },
    },
  });
}

function serve(image: BenchImage, worker: Buffer, digests: readonly string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const digest = url.startsWith('/blob/') ? url.slice(6) : undefined;
    if (url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>seek bench</title>');
    else if (url === '/seek-worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
    else if (digest && digests.includes(digest)) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(blobPath(image, digest)));
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const CANDIDATES: { kind: string; label: string }[] = [
  { kind: 'native', label: "native DecompressionStream('gzip'), inflate only (the first analysis)" },
  { kind: 'pako', label: 'pako (GzipDecoder), inflate only' },
  { kind: 'pako-block', label: 'pako with Z_BLOCK: restart points, windows, span CRCs' },
  { kind: 'build', label: 'background build: SHA-256 + pako with Z_BLOCK + serialize' },
];

async function runWorker(browser: Browser, image: BenchImage, targets: readonly Target[]): Promise<WorkerLayerResult[]> {
  const pageDir = join(benchDir, 'seek-page');
  await bundleWorker(pageDir);
  const server = await serve(
    image,
    readFileSync(join(pageDir, 'seek-worker.js')),
    targets.map((t) => t.layer.digest),
  );
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.evaluate(() => {
      const w = new Worker('/seek-worker.js', { type: 'module' });
      let next = 1;
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
      w.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
        const p = pending.get(data.id);
        pending.delete(data.id);
        if (data.error !== undefined) p?.reject(new Error(data.error));
        else p?.resolve(data.result);
      };
      (globalThis as unknown as { call: (m: object) => Promise<unknown> }).call = (m: object) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          w.postMessage({ ...m, id });
        });
    });
    const call = <T>(msg: Record<string, unknown>): Promise<T> =>
      withTimeout(
        page.evaluate((m) => (globalThis as unknown as { call: (x: object) => Promise<T> }).call(m), msg),
        `worker ${String(msg.op)} ${String(msg.kind ?? '')}`,
      );

    const results: WorkerLayerResult[] = [];
    for (const t of targets) {
      const { layer } = t;
      const name = layer.digest;
      await call({ op: 'load', name, url: `/blob/${layer.digest}` });
      const rows: WorkerRow[] = CANDIDATES.map((c) => ({ ...c, bestMs: NaN, allMs: [], mbps: NaN }));
      // Rounds, each candidate once per round, so that other work on the machine hits them alike.
      for (let round = 0; round < RUNS; round++) {
        for (const row of rows) {
          const r = await call<{ ms: number; out: number; points?: number; indexBytes?: number }>({ op: 'run', kind: row.kind, name, digest: layer.digest });
          if (r.out !== layer.uncompressedSize) throw new Error(`${row.kind} produced ${r.out} bytes, expected ${layer.uncompressedSize}`);
          row.allMs.push(r.ms);
          if (r.points !== undefined) row.points = r.points;
          if (r.indexBytes !== undefined) row.indexBytes = r.indexBytes;
        }
      }
      for (const row of rows) {
        row.bestMs = Math.min(...row.allMs);
        row.mbps = mbps(layer.uncompressedSize, row.bestMs);
      }
      const where = await call<{ offset: number; size: number }>({ op: 'locate', name, path: t.seek.path });
      const restarts: { ms: number; rangeBytes: number; inflated: number; sha256: string }[] = [];
      const streams: number[] = [];
      for (let round = 0; round < RUNS; round++) {
        restarts.push(await call({ op: 'restart', name, ...where }));
        const s = await call<{ ms: number; sha256: string }>({ op: 'stream', name, ...where });
        if (s.sha256 !== t.seek.sha256) throw new Error(`streamed ${t.seek.path}: ${s.sha256}, GNU tar: ${t.seek.sha256}`);
        streams.push(s.ms);
      }
      for (const r of restarts) if (r.sha256 !== t.seek.sha256) throw new Error(`${t.seek.path} from a restart point: ${r.sha256}, GNU tar: ${t.seek.sha256}`);
      const best = restarts.reduce((a, b) => (b.ms < a.ms ? b : a));
      results.push({
        digest: layer.digest,
        createdBy: layer.createdBy,
        size: layer.size,
        uncompressedSize: layer.uncompressedSize,
        rows,
        file: {
          path: t.seek.path,
          size: t.seek.size,
          restartMs: best.ms,
          rangeBytes: best.rangeBytes,
          inflated: best.inflated,
          streamMs: Math.min(...streams),
        },
      });
      await call({ op: 'drop', name });
      log(
        `a) ${layer.createdBy.replace(/^RUN \/bin\/sh -c /, '')}: ${rows.map((r) => `${r.kind} ${fmtMs(r.bestMs)}`).join(', ')}; file ${fmtMs(best.ms)} vs ${fmtMs(Math.min(...streams))}`,
      );
    }
    return results;
  } finally {
    await context.close().catch(() => {});
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

// ------------------------------------------------------------------ b) the app

interface BuiltIndex {
  digest: string;
  buildMs: number;
  fetchedBytes: number;
  points: number;
  indexBytes: number;
}

interface Opened {
  path: string;
  ms: number;
  /** The same selection again, its bytes already in the page's query cache: the page's own share of `ms`. */
  againMs?: number;
  read: string;
  fetchedBytes: number;
  status: string;
  /** Blob requests the page made for it, with their Range headers. */
  requests: { range: string | null; status: number | undefined }[];
  verified: boolean;
}

interface PageLayerResult {
  digest: string;
  createdBy: string;
  seek: Opened;
  stream: Opened;
}

interface PageResult {
  analysisMs: number;
  /** From "Analysis complete" until every index was kept. */
  buildsDoneMs: number;
  built: BuiltIndex[];
  layers: PageLayerResult[];
}

async function runPage(browser: Browser, image: BenchImage, targets: readonly Target[]): Promise<PageResult> {
  const registry = await startRegistry({ name: 'bench-contents' });
  onStop('registry', registry.stop);
  log(`registry ${registry.host}; pushing the bench image`);
  await pushImage(registry, image);
  const proxy = await startProxy({ insecureRegistries: [registry.host], logName: 'proxy-bench-contents' });
  onStop('proxy', proxy.stop);
  const context = await browser.newContext({ acceptDownloads: true });
  try {
    const page = await context.newPage();
    const requests: { url: string; range: string | null; status?: number }[] = [];
    context.on('request', (req) => {
      if (/\/blobs\/sha256:/.test(req.url())) requests.push({ url: req.url(), range: req.headers()['range'] ?? null });
    });
    context.on('requestfinished', (req) => {
      void req.response().then((res) => {
        const r = requests.find((x) => x.url === req.url() && x.status === undefined);
        if (r && res) r.status = res.status();
      });
    });
    await page.goto(`${proxy.url}/healthz`);
    const image0 = `${registry.host}/${image.tags.gzip.repository}:${image.tags.gzip.tag}`;
    const t0 = performance.now();
    await page.goto(`${proxy.url}/?${new URLSearchParams({ image: image0 }).toString()}`);
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('[role="status"]')).some((e) => e.textContent?.trim() === 'Analysis complete'),
      undefined,
      { polling: 25, timeout: TIMEOUT_MS },
    );
    const analysisMs = performance.now() - t0;
    log(`b) analysis complete in ${fmtMs(analysisMs)}; waiting for the background builds`);
    const tBuild = performance.now();
    let built: BuiltIndex[] = [];
    while (built.length < targets.length) {
      // A build takes a few seconds per layer; minutes mean none is coming.
      if (performance.now() - tBuild > Math.min(TIMEOUT_MS, 180_000))
        throw new Error(`only ${built.length} of ${targets.length} seek indexes were kept after ${fmtMs(performance.now() - tBuild)}`);
      await page.waitForTimeout(100);
      built = (
        await page.evaluate(
          readIndexes,
          targets.map((t) => t.layer.digest),
        )
      ).filter((b): b is BuiltIndex => b !== null);
    }
    const buildsDoneMs = performance.now() - tBuild;

    const layers: PageLayerResult[] = [];
    for (const t of targets) {
      const seek = await openFile(page, image0, t.index, t.seek, requests);
      seek.againMs = (await openFile(page, image0, t.index, t.seek, requests, false)).ms;
      // Without its index the layer is read as before, from its start.
      await page.evaluate(deleteIndex, t.layer.digest);
      const stream = await openFile(page, image0, t.index, t.stream, requests);
      layers.push({ digest: t.layer.digest, createdBy: t.layer.createdBy, seek, stream });
      log(
        `b) ${t.seek.path}: ${fmtMs(seek.ms)} (${seek.read}, ${fmtMB(seek.fetchedBytes)}; again from the page's cache ${fmtMs(seek.againMs ?? NaN)}); streamed ${t.stream.path}: ${fmtMs(stream.ms)} (${fmtMB(stream.fetchedBytes)})`,
      );
    }
    return { analysisMs, buildsDoneMs, built, layers };
  } finally {
    await context.close().catch(() => {});
  }
}

/** In the page: the kept seek indexes' facts, from the header format.ts writes (null when not kept yet). */
async function readIndexes(
  digests: string[],
): Promise<({ digest: string; buildMs: number; fetchedBytes: number; points: number; indexBytes: number } | null)[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('lading-layer-cache');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    if (!db.objectStoreNames.contains('seek')) return digests.map(() => null);
    const store = db.transaction('seek', 'readonly').objectStore('seek');
    return await Promise.all(
      digests.map(
        (digest) =>
          new Promise<{ digest: string; buildMs: number; fetchedBytes: number; points: number; indexBytes: number } | null>((resolve) => {
            const r = store.get(digest);
            r.onsuccess = () => {
              const b = r.result as Uint8Array | undefined;
              if (!b) return resolve(null);
              const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
              resolve({
                digest,
                buildMs: v.getFloat64(24, true),
                fetchedBytes: v.getFloat64(32, true),
                points: v.getUint32(40, true),
                indexBytes: b.byteLength,
              });
            };
            r.onerror = () => resolve(null);
          }),
      ),
    );
  } finally {
    db.close();
  }
}

async function deleteIndex(digest: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('lading-layer-cache');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('seek', 'readwrite');
    tx.objectStore('seek').delete(digest);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** Selects `file` in layer `index` (as a click in the tree does: the URL changes) and times it until its contents are shown. */
async function openFile(
  page: Page,
  imageRef: string,
  index: number,
  file: TarFile,
  requests: { url: string; range: string | null; status?: number }[],
  verify = true,
): Promise<Opened> {
  const query = (path: string) => new URLSearchParams({ image: imageRef, layer: String(index), mode: 'layer', path }).toString();
  // First a directory, so that no earlier file's contents are on screen when the clock starts.
  await page.evaluate((q) => {
    history.pushState(null, '', `/?${q}`);
    dispatchEvent(new PopStateEvent('popstate'));
  }, query('/'));
  await page.waitForFunction(() => !document.querySelector('[data-testid="contents-loaded"]'), undefined, { timeout: 30_000 });
  // The layer's tree is on screen and settled before the click, as it is for a person.
  await page.waitForTimeout(1500);
  const before = requests.length;
  // No named functions inside: tsx's esbuild wraps them in a `__name` helper the page does not have.
  const shown = await page.evaluate(async (q) => {
    const shownSelector = '[data-testid="contents-loaded"], [data-testid="file-contents"] [role="alert"]';
    const t0 = performance.now();
    history.pushState(null, '', `/?${q}`);
    dispatchEvent(new PopStateEvent('popstate'));
    await new Promise<void>((resolve, reject) => {
      if (document.querySelector(shownSelector)) return resolve();
      const observer = new MutationObserver(() => {
        if (!document.querySelector(shownSelector)) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(document.body, { childList: true, subtree: true, attributes: true });
      setTimeout(() => {
        observer.disconnect();
        reject(new Error('the contents did not appear within 120 s'));
      }, 120_000);
    });
    const ms = performance.now() - t0;
    const alert = document.querySelector('[data-testid="file-contents"] [role="alert"]');
    const note = document.querySelector('[data-testid="contents-read"]');
    return {
      ms,
      error: alert?.textContent ?? undefined,
      read: note?.getAttribute('data-read') ?? '',
      fetched: Number(note?.getAttribute('data-fetched') ?? NaN),
      status: note?.getAttribute('data-status') ?? '',
    };
  }, query(file.path));
  if (shown.error) throw new Error(`${file.path}: ${shown.error}`);
  if (!verify) return { path: file.path, ms: shown.ms, read: shown.read, fetchedBytes: shown.fetched, status: shown.status, requests: [], verified: false };
  // The exact bytes, as the page saves them.
  const downloading = page.waitForEvent('download', { timeout: 30_000 });
  await page.getByTestId('file-contents').getByRole('button', { name: 'Download' }).click();
  const saved = readFileSync((await (await downloading).path())!);
  const verified = `sha256:${createHash('sha256').update(saved).digest('hex')}` === file.sha256;
  if (!verified) throw new Error(`${file.path}: the page's bytes differ from GNU tar's`);
  await page.waitForTimeout(200); // let the request's status arrive
  return {
    path: file.path,
    ms: shown.ms,
    read: shown.read,
    fetchedBytes: shown.fetched,
    status: shown.status,
    requests: requests.slice(before).map((r) => ({ range: r.range, status: r.status })),
    verified,
  };
}

// ------------------------------------------------------------------ report

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function fmtMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function print(worker: WorkerLayerResult[] | undefined, page: PageResult | undefined): string[] {
  const lines: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  for (const w of worker ?? []) {
    lines.push(
      `a) ${w.createdBy.replace(/^RUN \/bin\/sh -c /, '')}: gzip ${fmtMB(w.size)}, tar ${fmtMB(w.uncompressedSize)} (Chromium worker, Blob in memory, best of ${RUNS})`,
    );
    for (const r of w.rows) {
      const extra =
        r.points !== undefined
          ? `  ${r.points} points` +
            (r.indexBytes !== undefined ? `, index ${fmtMB(r.indexBytes)} (${((100 * r.indexBytes) / w.size).toFixed(2)}% of the blob)` : '')
          : '';
      lines.push(`   ${pad(r.label, 68)} ${lpad(fmtMs(r.bestMs), 9)} ${lpad(r.mbps.toFixed(0), 5)} MB/s${extra}`);
    }
    const f = w.file;
    lines.push(
      `   ${pad(`${f.path} (${f.size} B) from a restart point`, 68)} ${lpad(fmtMs(f.restartMs), 9)}  (${fmtMB(f.rangeBytes)} of blob, ${fmtMB(f.inflated)} inflated)`,
    );
    lines.push(`   ${pad('the same file from the layer start', 68)} ${lpad(fmtMs(f.streamMs), 9)}`);
  }
  if (page) {
    lines.push(`b) the app: gzip image analysed in ${fmtMs(page.analysisMs)}; seek indexes kept ${fmtMs(page.buildsDoneMs)} after "Analysis complete"`);
    for (const b of page.built)
      lines.push(`   index ${b.digest.slice(7, 19)}: built in ${fmtMs(b.buildMs)}, read ${fmtMB(b.fetchedBytes)}, ${b.points} points, ${fmtMB(b.indexBytes)}`);
    for (const l of page.layers) {
      const ranges = l.seek.requests.map((r) => `${r.range ?? 'no Range'} → ${r.status ?? '?'}`).join('; ');
      const ok = l.seek.ms <= GOAL_MS && l.seek.fetchedBytes <= GOAL_BYTES;
      lines.push(
        `   ${pad(l.seek.path, 60)} ${lpad(fmtMs(l.seek.ms), 8)} ${lpad(fmtMB(l.seek.fetchedBytes), 9)}  ${l.seek.read} [${ranges}] ${ok ? 'goal met' : 'GOAL MISSED'} (≤ ${GOAL_MS} ms, ≤ ${fmtMB(GOAL_BYTES)})`,
      );
      lines.push(
        ...(l.seek.againMs !== undefined ? [`   ${pad('  the same selection again (bytes cached in the page)', 60)} ${lpad(fmtMs(l.seek.againMs), 8)}`] : []),
        `   ${pad(`${l.stream.path} (no index: streamed)`, 60)} ${lpad(fmtMs(l.stream.ms), 8)} ${lpad(fmtMB(l.stream.fetchedBytes), 9)}  ${l.stream.read}`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  mkdirSync(benchDir, { recursive: true });
  const { image } = ensureImage();
  const targets: Target[] = image.tags.gzip.layers
    .map((layer, index) => ({ layer, index }))
    .filter(({ layer }) => layer.uncompressedSize >= 100e6)
    .map(({ layer, index }) => {
      const [seek, stream] = targetFiles(image, layer);
      return { index, layer, seek, stream };
    });
  if (targets.length === 0) throw new Error('the bench image has no gzip layer of 100 MB of tar or more');
  log(`layers: ${targets.map((t) => `${t.index} (${fmtMB(t.layer.uncompressedSize)} tar, file ${t.seek.path})`).join(', ')}`);
  const browser = await launchChromium();
  onStop('chromium', () => browser.close());
  const worker = opts['skip-worker'] ? undefined : await runWorker(browser, image, targets);
  const page = opts['skip-page'] ? undefined : await runPage(browser, image, targets);
  writeFileSync(resultsFile, `${JSON.stringify({ startedAt: new Date().toISOString(), runs: RUNS, worker, page }, null, 2)}\n`);
  process.stdout.write(`${print(worker, page).join('\n')}\n`);
  log(`results: ${resultsFile}`);
  const missed = page?.layers.filter((l) => !(l.seek.ms <= GOAL_MS && l.seek.fetchedBytes <= GOAL_BYTES)) ?? [];
  if (missed.length) log(`goal missed for ${missed.map((l) => l.seek.path).join(', ')}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  await main();
  await stopAll();
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAll().catch(() => {});
  process.exitCode = 1;
}
