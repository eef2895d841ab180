// `npm run bench`, TOC first: how soon the file tree of an eStargz (and a zstd:chunked) image is on
// screen, against how soon its layers are read and verified. The images are e2e/fixtures/toc.sh's
// (six layers from Debian packages). Each run is a fresh browser context (empty IndexedDB cache).
//
//   npx tsx e2e/bench/tocFirst.ts [--runs 5] [--rtt 100] [--mbps 0.25]
//
// Two links: loopback as is, and a slower link simulated for every blob request alike (range or
// whole: the same round trip, then the body at the same rate per request, in the page's request
// routing; 100 ms and 2 Mbit/s by default, a registry far away), which is where a TOC pays.
// "First tree": navigation → the file tree visible with the note that it comes from the TOCs.
// "Analysed": navigation → "Analysis complete" (every layer read, both digests verified).
// Prints a table; writes e2e/.artifacts/bench/toc.json.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { loadFixtures } from '../harness/fixtures';
import { repoRoot } from '../harness/paths';
import { startProxy } from '../harness/proxy';
import { pushTags } from '../harness/push';
import { startRegistry } from '../harness/registry';
import { onStop, stopAll } from '../harness/run';
import { launchChromium } from './lading';
import { benchDir } from './paths';

const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, rtt: { type: 'string', default: '100' }, mbps: { type: 'string', default: '0.25' } },
  strict: true,
});
const RUNS = Number(opts.runs);
const RTT_MS = Number(opts.rtt);
const BYTES_PER_MS = (Number(opts.mbps) * 1e6) / 1000;
const log = (msg: string): void => void process.stderr.write(`[bench toc] ${msg}\n`);

interface Run {
  firstTreeMs: number;
  analysedMs: number;
  /** Blob bytes through the page by then: Range requests, whole blobs. */
  rangeBytes: number;
  wholeBytes: number;
  treeBeforeAnyBlob: boolean;
  /** When the last TOC range read and the first whole blob were handed to the page. */
  lastRangeMs: number;
  firstWholeMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** `layers`: the image's layer digests (the config is a blob too, and is fetched whole before any TOC: not counted). */
async function once(browser: Browser, url: string, slow: boolean, layers: ReadonlySet<string>): Promise<Run> {
  const context = await browser.newContext();
  let t0 = performance.now();
  const page: Page = await context.newPage();
  let rangeBytes = 0;
  let wholeBytes = 0;
  let wholeDone = 0;
  let lastRangeMs = NaN;
  let firstWholeMs = NaN;
  await page.route('**/blobs/sha256:*', async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    const isLayer = layers.has(/\/blobs\/(sha256:[0-9a-f]{64})/.exec(route.request().url())?.[1] ?? '');
    if (isLayer && route.request().headers()['range']) rangeBytes += body.length;
    else if (isLayer) wholeBytes += body.length;
    if (slow) await sleep(RTT_MS + body.length / BYTES_PER_MS);
    await route.fulfill({ response, body });
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(route.request().url())?.[1];
    if (!digest || !layers.has(digest)) return;
    if (!route.request().headers()['range']) {
      wholeDone++;
      if (Number.isNaN(firstWholeMs)) firstWholeMs = performance.now() - t0;
    } else lastRangeMs = performance.now() - t0;
  });
  t0 = performance.now();
  await page.goto(url);
  await page.getByRole('tree', { name: 'Files' }).waitFor({ timeout: 120_000 });
  const firstTreeMs = performance.now() - t0;
  const fromToc = await page.getByTestId('toc-provisional').isVisible();
  const treeBeforeAnyBlob = fromToc && wholeDone === 0;
  await page.getByRole('status').filter({ hasText: 'Analysis complete' }).waitFor({ timeout: 300_000 });
  const analysedMs = performance.now() - t0;
  await context.close();
  return { firstTreeMs, analysedMs, rangeBytes, wholeBytes, treeBeforeAnyBlob, lastRangeMs, firstWholeMs };
}

async function main(): Promise<void> {
  for (const script of ['build.sh', 'toc.sh']) {
    const r = spawnSync('bash', [join(repoRoot, 'e2e/fixtures', script)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`e2e/fixtures/${script} failed`);
  }
  const fixtures = loadFixtures();
  const registry = await startRegistry({ name: 'bench-toc' });
  onStop('registry', registry.stop);
  await pushTags(registry, Object.values(fixtures.toc?.tags ?? {}));
  const proxy = await startProxy({ insecureRegistries: [registry.host], logName: 'bench-toc-proxy' });
  onStop('proxy', proxy.stop);
  const browser = await launchChromium();
  onStop('browser', () => browser.close());
  const results: Record<string, Run[]> = {};
  for (const reference of [fixtures.toc!.estargz.reference, fixtures.toc!.zstdChunked.reference]) {
    const url = `${proxy.url}/?${new URLSearchParams({ image: `${registry.host}/${reference}` }).toString()}`;
    const layers = new Set(fixtures.toc!.tags[reference]!.platforms[0]!.image.layers.map((l) => l.digest));
    await once(browser, url, false, layers); // warm: the app's bundle and WebAssembly compiled once
    for (const slow of [false, true]) {
      const name = `${reference} ${slow ? `${RTT_MS} ms RTT, ${opts.mbps} MB/s` : 'loopback'}`;
      results[name] = [];
      for (let i = 0; i < RUNS; i++) results[name].push(await once(browser, url, slow, layers));
      log(`${name}: done`);
    }
  }
  const rows = Object.entries(results).map(([name, runs]) => ({
    name,
    firstTreeMs: Math.round(median(runs.map((r) => r.firstTreeMs))),
    analysedMs: Math.round(median(runs.map((r) => r.analysedMs))),
    rangeKB: Math.round(median(runs.map((r) => r.rangeBytes)) / 1000),
    wholeKB: Math.round(median(runs.map((r) => r.wholeBytes)) / 1000),
    treeBeforeAnyBlob: runs.filter((r) => r.treeBeforeAnyBlob).length,
    lastRangeMs: Math.round(median(runs.map((r) => r.lastRangeMs))),
    firstWholeMs: Math.round(median(runs.map((r) => r.firstWholeMs))),
    runs: runs.length,
  }));
  console.log('\nTOC first: median of runs (fresh cache each)\n');
  console.log('| image, link | TOCs read | first blob | first tree | analysed | tree/analysed | TOC range reads | whole blobs | tree before any blob |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.lastRangeMs} ms | ${r.firstWholeMs} ms | ${r.firstTreeMs} ms | ${r.analysedMs} ms | ${(r.firstTreeMs / r.analysedMs).toFixed(2)} | ${r.rangeKB} kB | ${r.wholeKB} kB | ${r.treeBeforeAnyBlob}/${r.runs} |`,
    );
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(
    join(benchDir, 'toc.json'),
    `${JSON.stringify({ at: new Date().toISOString(), rttMs: RTT_MS, mbps: Number(opts.mbps), rows, results }, null, 2)}\n`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => void stopAll());
