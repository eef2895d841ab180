// `npm run bench`: the layer engine against C tools on a large real image. See e2e/bench/README.md.
//
//   npm run bench [-- --runs 3] [--timeout 600] [--heap-interval 100] [--no-profile]
//                 [--skip-c] [--skip-lading] [--skip-decoders] [--skip-cli] [--skip-heavy]
//                 [--heavy-runs N] [--content-hash default|on|off|both]
//
// Builds or reuses the bench images (build.sh, build.sh heavy), starts a registry and the Lading
// proxy on loopback, pushes them, then: a) C pipelines, b) Lading in headless Chromium, and the
// CLI, c) decoders in a worker, e) the heavy image: C, Chromium and CLI in interleaved rounds.
// Prints a table and writes e2e/.artifacts/bench/results.json. Stops everything it started, also
// on failure and on Ctrl-C.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Browser } from '@playwright/test';
import { repoRoot } from '../harness/paths';
import { startProxy, type Proxy } from '../harness/proxy';
import { startRegistry } from '../harness/registry';
import { onStop, stopAll } from '../harness/run';
import { cliStartupMs, prepareCli, runCli, type CliRun } from './cli';
import { runDecoders } from './decoders';
import { contentHashVariants, runHeavy, type ContentHashSwitch } from './heavy';
import { blobUrl, ensureImage, pushImage, totals, type BenchTag, type BenchTagName } from './image';
import { launchChromium, runLading, type LadingRun } from './lading';
import { bestOf, runPipeline, runPipelinePool, type PipelineJob } from './native';
import { benchDir, resultsFile } from './paths';
import { printReport, type BenchResults, type LadingSeries } from './report';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '600' },
    'heap-interval': { type: 'string', default: '100' },
    'no-profile': { type: 'boolean', default: false },
    'skip-c': { type: 'boolean', default: false },
    'skip-lading': { type: 'boolean', default: false },
    'skip-decoders': { type: 'boolean', default: false },
    'skip-cli': { type: 'boolean', default: false },
    'skip-heavy': { type: 'boolean', default: false },
    'heavy-runs': { type: 'string' },
    'content-hash': { type: 'string', default: 'default' },
  },
  strict: true,
});
const RUNS = positiveInt(opts.runs, '--runs');
const TIMEOUT_MS = positiveInt(opts.timeout, '--timeout') * 1000;
const HEAP_INTERVAL_MS = positiveInt(opts['heap-interval'], '--heap-interval');
const HEAVY_RUNS = opts['heavy-runs'] === undefined ? RUNS : positiveInt(opts['heavy-runs'], '--heavy-runs');
const CONTENT_HASH = opts['content-hash'] as ContentHashSwitch;
if (!['default', 'on', 'off', 'both'].includes(CONTENT_HASH)) throw new Error(`--content-hash must be default, on, off or both, not ${CONTENT_HASH}`);

function positiveInt(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${value}`);
  return n;
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping everything`);
    const force = setTimeout(() => process.exit(130), 15_000);
    force.unref();
    void stopAll()
      .catch((err: unknown) => log(String(err)))
      .finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const t0 = performance.now();
  mkdirSync(benchDir, { recursive: true });

  log('bench image: building or reusing (e2e/bench/build.sh)');
  const { image, built, seconds: imageSeconds } = ensureImage();
  const heavy = opts['skip-heavy'] ? undefined : (log('heavy bench image: building or reusing (e2e/bench/build.sh heavy)'), ensureImage('heavy'));

  const registry = await startRegistry({ name: 'bench' });
  onStop('registry', registry.stop);
  log(`registry ${registry.host}; pushing ${Object.keys(image.tags).join(', ')}`);
  const pushStarted = performance.now();
  await pushImage(registry, image);
  if (heavy) await pushImage(registry, heavy.image);
  const pushSeconds = (performance.now() - pushStarted) / 1000;

  log('starting the Lading proxy (builds dist/web when web/ changed)');
  const proxy = await startProxyPatiently(registry.host);
  onStop('proxy', proxy.stop);
  const appBuild = appBuildNote(proxy.logFile);
  log(`proxy ${proxy.url}${appBuild ? ` (${appBuild})` : ''}`);

  // Warm the page cache with the registry's copies of the blobs, so no series pays for the disk.
  for (const tag of [image.tags.gzip, image.tags.zstd, ...(heavy ? [heavy.image.tags.gzip, heavy.image.tags.zstd] : [])]) {
    for (const l of tag.layers) {
      await (await fetch(blobUrl({ registry }, tag, l.digest), { signal: AbortSignal.timeout(TIMEOUT_MS) })).arrayBuffer();
    }
  }

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    runs: RUNS,
    machine: machine(loadAtStart),
    git: gitHead(),
    ...(appBuild ? { appBuild } : {}),
    image: {
      cacheKey: image.cacheKey,
      built,
      prepareSeconds: imageSeconds,
      pushSeconds,
      packages: image.packages,
      tags: Object.fromEntries(Object.entries(image.tags).map(([k, t]) => [k, { ...totals(t), layers: t.layers }])) as BenchResults['image']['tags'],
    },
    native: {},
    lading: {},
  };
  // The CLI as after `npm install && npm run build` (built before any timing, when stale).
  if (!opts['skip-cli']) results.cliBuild = prepareCli(log);

  let browser: Browser | undefined;
  if (!opts['skip-lading'] || !opts['skip-decoders']) {
    browser = await launchChromium();
    const b = browser;
    onStop('chromium', () => b.close());
    results.machine.chromium = browser.version();
  }
  const once = (b: Browser, name: BenchTagName, extra: { forceGc?: boolean; profileAs?: string } = {}): Promise<LadingRun> =>
    runLading(b, {
      proxyUrl: proxy.url,
      registryHost: registry.host,
      tag: image.tags[name],
      timeoutMs: TIMEOUT_MS,
      heapIntervalMs: HEAP_INTERVAL_MS,
      ...extra,
    });
  const ladingRun = async (b: Browser, name: BenchTagName, what: string, extra: { forceGc?: boolean } = {}): Promise<LadingRun> => {
    const r = await once(b, name, extra);
    log(`b) Lading ${name}, ${what}: ${r.ok ? `${fmtS(r.ms)}, ${r.verifiedLayers}/${r.layers} verified` : `FAILED: ${r.error}`}`);
    return r;
  };
  const jobs = (name: 'gzip' | 'zstd', proxyUrl?: string): PipelineJob[] =>
    image.tags[name].layers.map((layer) => ({ layer, url: blobUrl({ registry, ...(proxyUrl ? { proxyUrl } : {}) }, image.tags[name], layer.digest) }));

  // ---------------------------------------------------------------- a) C pipelines, per layer
  if (!opts['skip-c']) {
    for (const name of ['gzip', 'zstd'] as const) {
      log(`a) C pipeline, ${name}, each layer alone (best of ${RUNS})`);
      const perLayer = [];
      for (const job of jobs(name)) perLayer.push({ digest: job.layer.digest, ...(await bestOf(RUNS, () => runPipeline([job], TIMEOUT_MS))) });
      results.native[name] = {
        perLayer,
        sequential: { bestMs: NaN, allMs: [] },
        parallel2: { bestMs: NaN, allMs: [] },
        parallel2ViaProxy: { bestMs: NaN, allMs: [] },
      };
    }
  }

  // ------------------------------------------- a) and b), whole image, in interleaved rounds
  // Each round runs every C variant and Lading once, gzip then zstd, so that a burst of someone
  // else's work on the machine hits both sides of the comparison; the best of the rounds is kept.
  const ladingRuns: Record<'gzip' | 'zstd', LadingRun[]> = { gzip: [], zstd: [] };
  const cliRuns: Record<'gzip' | 'zstd', CliRun[]> = { gzip: [], zstd: [] };
  for (let round = 1; round <= RUNS; round++) {
    for (const name of ['gzip', 'zstd'] as const) {
      const native = results.native[name];
      if (native) {
        native.sequential.allMs.push(await runPipeline(jobs(name), TIMEOUT_MS));
        native.parallel2.allMs.push(await runPipelinePool(jobs(name), 2, TIMEOUT_MS));
        native.parallel2ViaProxy.allMs.push(await runPipelinePool(jobs(name, proxy.url), 2, TIMEOUT_MS));
        log(
          `a) C pipeline, ${name}, round ${round}/${RUNS}: sequential ${fmtS(native.sequential.allMs.at(-1) ?? NaN)}, ` +
            `2 parallel ${fmtS(native.parallel2.allMs.at(-1) ?? NaN)}, via proxy ${fmtS(native.parallel2ViaProxy.allMs.at(-1) ?? NaN)}`,
        );
      }
      if (browser && !opts['skip-lading']) ladingRuns[name].push(await ladingRun(browser, name, `round ${round}/${RUNS}`));
      if (!opts['skip-cli']) {
        const r = await runCli({ registryHost: registry.host, tag: image.tags[name], timeoutMs: TIMEOUT_MS });
        cliRuns[name].push(r);
        log(`d) CLI ${name}, round ${round}/${RUNS}: ${r.ok ? fmtS(r.ms) : `FAILED: ${r.error}`}`);
      }
    }
  }
  if (!opts['skip-cli']) {
    results.cli = cliRuns;
    results.cliStartupMs = await cliStartupMs(RUNS, TIMEOUT_MS);
  }
  for (const native of Object.values(results.native)) {
    for (const t of [native.sequential, native.parallel2, native.parallel2ViaProxy]) t.bestMs = Math.min(...t.allMs);
  }

  // ---------------------------------------------------------------- b) memory and profiles
  if (browser && !opts['skip-lading']) {
    const b = browser;
    const series = (runs: LadingRun[], live?: LadingRun): LadingSeries => {
      const ok = runs.filter((r) => r.ok);
      const best = ok.length ? ok.reduce((x, r) => (r.ms < x.ms ? r : x)) : undefined;
      return { runs, ...(best ? { bestMs: best.ms, best } : {}), failed: runs.length - ok.length, ...(live ? { liveHeapRun: live } : {}) };
    };
    const live = (name: BenchTagName): Promise<LadingRun> => ladingRun(b, name, 'live-heap run (full GC before each sample, not timed)', { forceGc: true });
    results.lading.gzip = series(ladingRuns.gzip, await live('gzip'));
    results.lading.zstd = series(ladingRuns.zstd);
    // Memory against layer size: one layer alone, the smallest, the second smallest, the largest
    // (one timed run each: their point is the live-heap run).
    for (const name of ['single-small', 'single-medium', 'single-large'] as const) {
      results.lading[name] = series([await ladingRun(b, name, 'timed run')], await live(name));
    }

    if (!opts['no-profile']) {
      for (const name of ['gzip', 'zstd'] as const) {
        log(`b) profiling one more Lading run (${name}) with the V8 sampling profiler in page and workers (not timed)`);
        const r = await once(b, name, { profileAs: name });
        (results.profile ??= {})[name] = {
          ok: r.ok,
          ...(r.error ? { error: r.error } : {}),
          ms: r.ms,
          cpu: r.cpu,
          pageMetrics: r.pageMetrics,
          ...(r.profile ? { summary: r.profile } : {}),
        };
      }
    }
  }

  // ---------------------------------------------------------------- e) the heavy image
  if (heavy) {
    const b = browser && !opts['skip-lading'] ? browser : undefined;
    log(`e) heavy image (${HEAVY_RUNS} rounds: C, Chromium, CLI${contentHashVariants(CONTENT_HASH).length > 1 ? ', content hash off and on' : ''})`);
    results.heavy = await runHeavy({
      image: heavy.image,
      built: heavy.built,
      prepareSeconds: heavy.seconds,
      registry,
      rounds: HEAVY_RUNS,
      timeoutMs: TIMEOUT_MS,
      contentHash: CONTENT_HASH,
      skipC: opts['skip-c'],
      skipCli: opts['skip-cli'],
      log,
      ...(b
        ? {
            lading: async (tag: BenchTag, query: Record<string, string>, what: string) => {
              const r = await runLading(b, { proxyUrl: proxy.url, registryHost: registry.host, tag, timeoutMs: TIMEOUT_MS, heapIntervalMs: 1000, query });
              log(`e) Lading ${what}: ${r.ok ? fmtS(r.ms) : `FAILED: ${r.error}`}`);
              return r;
            },
          }
        : {}),
    });
  }

  // ---------------------------------------------------------------- c) decoders in a worker
  if (browser && !opts['skip-decoders']) {
    log(`c) decoders in a Chromium worker on the largest gzip layer (best of ${RUNS}, kinds interleaved)`);
    results.decoders = await runDecoders(browser, image, RUNS, TIMEOUT_MS);
  }

  results.machine.loadAverageAtEnd = loadavg();
  results.totalSeconds = (performance.now() - t0) / 1000;
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  printReport(results, image);
  log(`results: ${resultsFile} (${results.totalSeconds.toFixed(0)} s in all)`);
}

/**
 * The proxy builds dist/web first when web/ changed; with no earlier build to fall back on, a build
 * broken by someone's change in progress stops it. Then wait a minute and try again (twice).
 */
async function startProxyPatiently(registryHost: string): Promise<Proxy> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProxy({ insecureRegistries: [registryHost], logName: 'proxy-bench' });
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`the proxy did not start (${err instanceof Error ? err.message : String(err)}); retrying in 60 s`);
      await new Promise((r) => setTimeout(r, 60_000));
    }
  }
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function machine(loadAverageAtStart: number[]): BenchResults['machine'] {
  let os = '';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux
  }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, os, loadAverageAtStart };
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** What the proxy said about the web app build (built now, or a stale build served). */
function appBuildNote(logFile: string): string | undefined {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const last = text.split(/^# /m).pop() ?? '';
  if (/WARNING: serving the previous \(stale\) build/.test(last)) return 'web app build failed; the proxy serves the previous (stale) dist/web';
  if (/web app built into dist\/web/.test(last)) return 'web app rebuilt from the current sources';
  return undefined;
}

try {
  await main();
  await stopAll();
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAll().catch((e: unknown) => log(String(e)));
  process.exitCode = 1;
}
