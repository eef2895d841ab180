// Part b: Lading itself, in headless Debian Chromium, through the Lading proxy. One run = a fresh
// browser context (so IndexedDB, the layer cache, starts empty), navigation to /?image=…, and the
// page's status region reading exactly "Analysis complete"; then every layer row must be verified.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession } from '@playwright/test';
import { HeapSampler, WorkerAttacher, selfTimes, type CpuProfile, type HeapPeaks, type SelfTime } from './cdp';
import { OTHER_PROCESSES, cpuSeconds, snapshotCpu } from './cpu';
import type { BenchTag } from './image';
import { profilesDir } from './paths';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  // Signals are handled by run.ts, which stops the browser with everything else.
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

export interface LayerTiming {
  digest: string;
  /** From the worker's request to the end of its body (read as it is analysed), relative to navigation. */
  startMs: number;
  endMs: number;
}

export interface LadingRun {
  ok: boolean;
  error?: string;
  /** Navigation start → status "Analysis complete". */
  ms: number;
  layers: number;
  verifiedLayers: number;
  heap: HeapPeaks;
  /** CPU seconds per component during the run. */
  cpu: Record<string, number>;
  /** The page's Performance.getMetrics over the run (seconds, counts): where its main thread went. */
  pageMetrics: Record<string, number>;
  blobs: LayerTiming[];
  profile?: ProfileSummary;
  /** How long the new window took to go quiet before the clock started. */
  settleMs?: number;
}

export interface ProfiledFunction extends SelfTime {
  /** Where the bundle's source map puts it: `web/src/core/layers/gzip.ts:57`. */
  source?: string;
  selfPercent: number;
}

export interface ProfileSummary {
  /** Per target (page, each worker): total sampled time and what share of it was idle. */
  targets: { name: string; totalMs: number; idleMs: number; file: string }[];
  /** Self time over the layer workers, busiest first (idle left out). */
  workerTop: ProfiledFunction[];
  pageTop: ProfiledFunction[];
}

export interface LadingRunOptions {
  proxyUrl: string;
  registryHost: string;
  tag: BenchTag;
  timeoutMs: number;
  heapIntervalMs: number;
  /** CPU-profile page and workers (for a run that is not timed). */
  profileAs?: string;
  /** Full GC before each heap sample: live-memory peaks (for a run that is not timed). */
  forceGc?: boolean;
  /** More query parameters for the page (the content-hash switch, see README.md). */
  query?: Record<string, string>;
}

const PAGE_METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'LayoutCount', 'RecalcStyleCount', 'JSHeapUsedSize'];

async function pageMetrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return Object.fromEntries(metrics.filter((m) => PAGE_METRICS.includes(m.name)).map((m) => [m.name, m.value]));
}

const STATUS_DONE = /^Analysis complete$/;

export async function runLading(browser: Browser, options: LadingRunOptions): Promise<LadingRun> {
  const { tag } = options;
  const context: BrowserContext = await browser.newContext();
  const consoleErrors: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    // Same origin as the app first, so the timed navigation starts from a settled renderer.
    await page.goto(`${options.proxyUrl}/healthz`);
    // A new headless window loads Chromium's own omnibox popup (a WebUI page of ~400 modules in
    // its own renderer) for about a second after it opens: ~1.3 core-s that used to land inside
    // the timed run. A user's browser did that long ago, so the clock starts once it is quiet.
    const settleMs = await waitForQuietBrowser();

    const cdp = await context.newCDPSession(page);
    const attacher = new WorkerAttacher(cdp);
    const profiles = new Map<string, CpuProfile>();
    if (options.profileAs) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await attacher.start({
        pauseOnStart: true,
        onAttach: async (w) => {
          await attacher.send(w, 'Profiler.enable');
          await attacher.send(w, 'Profiler.setSamplingInterval', { interval: 500 });
          await attacher.send(w, 'Profiler.start');
        },
      });
      await cdp.send('Profiler.start');
    } else {
      await attacher.start();
    }

    const started = performance.now();
    const blobStart = new Map<string, number>();
    const blobs: LayerTiming[] = [];
    const digestOf = (url: string): string | undefined => /\/blobs\/(sha256:[0-9a-f]{64})/.exec(url)?.[1];
    context.on('request', (req) => {
      const d = digestOf(req.url());
      if (d) blobStart.set(d, performance.now() - started);
    });
    context.on('requestfinished', (req) => {
      const d = digestOf(req.url());
      if (d) blobs.push({ digest: d, startMs: blobStart.get(d) ?? NaN, endMs: performance.now() - started });
    });

    const sampler = new HeapSampler(cdp, attacher, options.heapIntervalMs, options.forceGc ?? false);
    await cdp.send('Performance.enable');
    const metricsBefore = await pageMetrics(cdp);
    const cpuBefore = snapshotCpu();
    sampler.start();
    let error: string | undefined;
    let ms = NaN;
    try {
      const reference = `${options.registryHost}/${tag.repository}:${tag.tag}`;
      await page.goto(`${options.proxyUrl}/?${new URLSearchParams({ image: reference, ...options.query }).toString()}`);
      // Waiting with a cheap in-page check every 25 ms: Playwright's role locators poll every
      // animation frame and compute ARIA roles for the page, which costs the page's main thread.
      const outcome = await page.waitForFunction(
        () => {
          if (Array.from(document.querySelectorAll('[role="status"]')).some((e) => e.textContent?.trim() === 'Analysis complete')) return 'done';
          return document.querySelector('[role="alert"]') ? 'alert' : false;
        },
        undefined,
        { polling: 25, timeout: options.timeoutMs },
      );
      ms = performance.now() - started;
      if ((await outcome.jsonValue()) === 'alert') {
        error = `the page shows an alert: ${(await page.getByRole('alert').first().innerText()).slice(0, 300)}`;
      } else if ((await page.getByRole('status').filter({ hasText: STATUS_DONE }).count()) !== 1) {
        error = 'no status region reads exactly "Analysis complete"';
      }
    } catch (err) {
      error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    const heap = await sampler.stop();
    const cpu = cpuSeconds(cpuBefore, snapshotCpu());
    const metricsAfter = await pageMetrics(cdp).catch(() => ({}) as Record<string, number>);
    const metrics = Object.fromEntries(
      // Counters restart with a new document on some versions: then the whole value is this run's.
      Object.entries(metricsAfter).map(([k, v]) => [k, k === 'JSHeapUsedSize' || v < (metricsBefore[k] ?? 0) ? v : v - (metricsBefore[k] ?? 0)]),
    );

    const rows = await page
      .locator('[data-layer-status]')
      .count()
      .catch(() => 0);
    const verifiedLayers = await page
      .locator('[data-layer-status="verified"]')
      .count()
      .catch(() => 0);
    if (!error && (rows !== tag.layers.length || verifiedLayers !== tag.layers.length)) {
      error = `${verifiedLayers} of ${tag.layers.length} layers verified (${rows} layer status cells)`;
    }
    if (error && consoleErrors.length) error += ` | console: ${consoleErrors.slice(0, 3).join(' | ')}`;

    let profile: ProfileSummary | undefined;
    if (options.profileAs) {
      profiles.set('page', ((await cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile);
      for (const [i, w] of attacher.live().entries()) {
        const r = await attacher.send<{ profile: CpuProfile }>(w, 'Profiler.stop', {}, 30_000).catch(() => undefined);
        const script = (w.title || w.url).replace(/^.*\//, '').replace(/-[\w-]{8}\.js$/, '');
        if (r) profiles.set(`worker-${i + 1} ${script}`, r.profile);
      }
      profile = await summarize(profiles, options.profileAs);
    }
    attacher.dispose();
    return {
      ok: !error,
      ...(error ? { error } : {}),
      settleMs,
      ms,
      layers: tag.layers.length,
      verifiedLayers,
      heap,
      cpu,
      pageMetrics: metrics,
      blobs,
      ...(profile ? { profile } : {}),
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * Waits until everything the bench started (Chromium, proxy, registry) used at most one clock
 * tick (10 ms) of CPU in each of two consecutive 100 ms windows, or `maxMs` passed; returns the
 * time waited.
 */
const QUIET_CPU_S = 0.01;

async function waitForQuietBrowser(maxMs = 5000): Promise<number> {
  const t0 = performance.now();
  let before = snapshotCpu();
  let quiet = 0;
  while (performance.now() - t0 < maxMs && quiet < 2) {
    await new Promise((r) => setTimeout(r, 100));
    const now = snapshotCpu();
    const used = Object.entries(cpuSeconds(before, now)).reduce((sum, [label, s]) => (label === OTHER_PROCESSES ? sum : sum + s), 0);
    quiet = used <= QUIET_CPU_S ? quiet + 1 : 0;
    before = now;
  }
  return performance.now() - t0;
}

// ------------------------------------------------------------------------------------- profiling

const IDLE = new Set(['(idle)']);

/** WebAssembly module URLs seen in a gzip profile: hash-wasm's (see annotate). */
const wasmModules = new Map<string, string>();

async function summarize(profiles: Map<string, CpuProfile>, name: string): Promise<ProfileSummary> {
  mkdirSync(profilesDir, { recursive: true });
  const maps = new Map<string, SourceMap | undefined>();
  const targets: ProfileSummary['targets'] = [];
  const workerFunctions = new Map<string, SelfTime>();
  let workerBusy = 0;
  let pageTop: ProfiledFunction[] = [];
  for (const [target, profile] of profiles) {
    const file = join(profilesDir, `${name}-${target.replace(/[^\w.-]+/g, '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const { totalMs, functions } = selfTimes(profile);
    const idleMs = functions.filter((f) => IDLE.has(f.functionName)).reduce((s, f) => s + f.selfMs, 0);
    targets.push({ name: target, totalMs, idleMs, file });
    const busy = functions.filter((f) => !IDLE.has(f.functionName));
    if (target === 'page') {
      pageTop = await annotate(busy.slice(0, 12), totalMs - idleMs, maps);
      continue;
    }
    // The layer workers' functions; other workers (the filesystem model's) are listed as targets only.
    if (!target.includes('layerWorker') && !target.includes('lading-layer')) continue;
    learnWasmModules(name, functions);
    workerBusy += totalMs - idleMs;
    for (const f of busy) {
      const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
      const e = workerFunctions.get(key);
      if (e) e.selfMs += f.selfMs;
      else workerFunctions.set(key, { ...f });
    }
  }
  const workerTop = await annotate([...workerFunctions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, 15), workerBusy, maps);
  return { targets, workerTop, pageTop };
}

/**
 * Names the WebAssembly modules of the layer workers' profiles (V8 names a module by its bytes, the
 * same in every run). hash-wasm's SHA-256 and XXH64 are small modules (a few functions); the large
 * one is miniz_oxide in a gzip run and libzstd in a zstd run.
 */
function learnWasmModules(run: string, functions: readonly SelfTime[]): void {
  const largest = new Map<string, number>();
  for (const f of functions) {
    if (!f.url.startsWith('wasm://')) continue;
    const index = Number(/wasm-function\[(\d+)\]/.exec(f.functionName)?.[1] ?? 0);
    largest.set(f.url, Math.max(largest.get(f.url) ?? 0, index));
  }
  for (const [url, top] of largest) {
    if (wasmModules.has(url)) continue;
    if (top < 40) wasmModules.set(url, 'WebAssembly: hash-wasm (SHA-256 or XXH64)');
    else if (run === 'gzip') wasmModules.set(url, 'WebAssembly: miniz_oxide (gzip, @hazae41/foras)');
    else if (run === 'zstd') wasmModules.set(url, 'WebAssembly: libzstd');
  }
}

async function annotate(functions: SelfTime[], busyMs: number, maps: Map<string, SourceMap | undefined>): Promise<ProfiledFunction[]> {
  const out: ProfiledFunction[] = [];
  for (const f of functions) {
    let source: string | undefined;
    if (f.url.startsWith('wasm://')) {
      const module = f.url.replace(/^wasm:\/\/wasm\//, '').slice(0, 8);
      source = wasmModules.get(f.url) ?? `WebAssembly: module ${module}`;
    } else if (/^https?:\/\/.*\.js$/.test(f.url)) {
      if (!maps.has(f.url)) maps.set(f.url, await loadSourceMap(f.url));
      const entry = maps.get(f.url)?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number; name?: string } | undefined;
      if (entry?.originalSource) {
        const file = entry.originalSource.replace(/^.*?\/(web\/src\/|node_modules\/)/, '$1');
        source = `${file}:${(entry.originalLine ?? 0) + 1}${entry.name ? ` (${entry.name})` : ''}`;
      }
    }
    out.push({ ...f, ...(source ? { source } : {}), selfPercent: busyMs > 0 ? (100 * f.selfMs) / busyMs : 0 });
  }
  return out;
}

async function loadSourceMap(url: string): Promise<SourceMap | undefined> {
  try {
    const res = await fetch(`${url}.map`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return undefined;
    return new SourceMap((await res.json()) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return undefined;
  }
}
