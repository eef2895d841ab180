// Part c: pako (Lading's GzipDecoder) against native DecompressionStream('gzip'), and fzstd against
// libzstd in WebAssembly (WasmZstdDecoder) and native 'zstd' where Chromium has it, in a Chromium
// dedicated worker on the largest gzip layer.
// Also the whole engine on the same blob without the network, and its pieces (sha256, tar headers),
// to see where a layer's time goes.
//
// The worker is browser/decodeWorker.mjs bundled by Vite from Lading's sources; a small http server
// on 127.0.0.1 serves it, a blank page, and the blobs from the OCI layout.

import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { repoRoot } from '../harness/paths';
import { blobPath, type BenchImage, type BenchLayer } from './image';
import { benchDir, mbps } from './paths';

const pageDir = join(benchDir, 'decode-page');

export interface DecodeRow {
  kind: string;
  label: string;
  /** Bytes read (the blob, or the tar for sha256/tar rows). */
  inBytes: number;
  /** Uncompressed bytes produced or processed. */
  outBytes: number;
  bestMs: number;
  allMs: number[];
  /** Per uncompressed byte. */
  mbps: number;
  members?: number;
  unsupported?: string;
  error?: string;
}

export interface DecodeResults {
  layer: { digest: string; zstdDigest: string; size: number; zstdSize: number; uncompressedSize: number; createdBy: string };
  rows: DecodeRow[];
  /** native MB/s ÷ pako MB/s on the same single-member gzip blob, best run of each. */
  nativeOverPako?: number;
  /** The median over rounds of pako time ÷ native time in the same round. */
  pairedMedian?: number;
  decision: string;
  /** libzstd (WebAssembly) MB/s ÷ fzstd MB/s on the same zstd blob, best run of each. */
  wasmOverFzstd?: number;
  /** The median over rounds of fzstd time ÷ libzstd time in the same round. */
  zstdPairedMedian?: number;
  zstdDecision?: string;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (!sorted.length) return NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Bundles the worker with Vite (from source, so it is exactly Lading's decoder code). */
async function bundleWorker(): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(repoRoot, 'e2e/bench/browser'),
    // The gzip WebAssembly's bytes, as vite.config.ts names them for the app.
    resolve: { alias: { 'virtual:foras-wasm': join(repoRoot, 'node_modules/@hazae41/foras/dist/esm/wasm/pkg/foras.wasm.mjs') } },
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir: pageDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      lib: { entry: join(repoRoot, 'e2e/bench/browser/decodeWorker.mjs'), formats: ['es'], fileName: () => 'decode-worker.js' },
    },
  });
}

function serve(image: BenchImage, names: Record<string, string>): Promise<Server> {
  const worker = readFileSync(join(pageDir, 'decode-worker.js'));
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Lading decoder bench</title><p>decoder bench</p>');
    } else if (url === '/decode-worker.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
    } else if (url.startsWith('/blob/') && names[url.slice(6)]) {
      const file = blobPath(image, names[url.slice(6)] as string);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function runDecoders(browser: Browser, image: BenchImage, runs: number, timeoutMs: number): Promise<DecodeResults> {
  const gzipLayers = image.tags.gzip.layers;
  const index = gzipLayers.reduce((best, l, i) => (l.size > (gzipLayers[best] as BenchLayer).size ? i : best), 0);
  const gz = gzipLayers[index] as BenchLayer;
  const zst = image.tags.zstd.layers[index] as BenchLayer;

  await bundleWorker();
  const server = await serve(image, { gzip: gz.digest, zstd: zst.digest });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    // Two workers: rows marked `pair` run in both at once, as the layer pool runs two layers.
    await page.evaluate(() => {
      let next = 1;
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
      const workers = [0, 1].map(() => {
        const w = new Worker('/decode-worker.js', { type: 'module' });
        w.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
          const p = pending.get(data.id);
          pending.delete(data.id);
          if (data.error !== undefined) p?.reject(new Error(data.error));
          else p?.resolve(data.result);
        };
        return w;
      });
      // Properties, not named consts: tsx would wrap a named function in a helper the page lacks.
      const g = globalThis as unknown as { one: (msg: object, which: number) => Promise<unknown> };
      g.one = (msg: object, which: number) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          workers[which]!.postMessage({ ...msg, id });
        });
      (globalThis as unknown as { call: (msg: object) => Promise<unknown> }).call = async (msg: object & { pair?: boolean }) => {
        if (!msg.pair) return g.one(msg, 0);
        // Both at once; the row's time is the wall time until both are done.
        const started = performance.now();
        const [a] = (await Promise.all([g.one(msg, 0), g.one(msg, 1)])) as { ms: number[] }[];
        return { ...a, ms: [performance.now() - started], pair: true };
      };
    });
    const call = async <T>(msg: Record<string, unknown>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`decoder worker: ${String(msg.op)} ${String(msg.kind ?? '')} took over ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([page.evaluate((m) => (globalThis as unknown as { call: (msg: object) => Promise<T> }).call(m), msg), timeout]);
      } finally {
        clearTimeout(timer);
      }
    };

    await call({ op: 'load', name: 'gzip', url: '/blob/gzip', pair: true });
    await call({ op: 'load', name: 'zstd', url: '/blob/zstd', pair: true });
    await call({ op: 'inflate', src: 'gzip', name: 'tar', format: 'gzip' });
    // Which class createZstdDecoder gives, for the engine row's label.
    const { name: zstdEngine } = await call<{ name: string }>({ op: 'zstdDecoder' });

    // Rows are measured in rounds, one pass of each per round, so that a burst of other work on the
    // machine hits all of them alike (the decision is a ratio of two rows).
    interface Spec {
      kind: string;
      label: string;
      src: string;
      expect?: BenchLayer;
      format?: string;
      /** Run in two workers at once (the row's time is until both are done; MB/s counts both). */
      pair?: boolean;
    }
    const specs: Spec[] = [
      { kind: 'pako', label: 'gzip: pako (GzipDecoder), inflate only', src: 'gzip' },
      { kind: 'wasm-gzip', label: 'gzip: miniz_oxide WebAssembly (WasmGzipDecoder), inflate only', src: 'gzip' },
      { kind: 'native-gzip', label: "gzip: native DecompressionStream('gzip')", src: 'gzip', format: 'gzip' },
      { kind: 'fzstd', label: 'zstd: fzstd (ZstdDecoder), decode only', src: 'zstd' },
      { kind: 'wasm-zstd', label: 'zstd: libzstd WebAssembly (WasmZstdDecoder), decode only', src: 'zstd' },
      { kind: 'native-zstd', label: "zstd: native DecompressionStream('zstd')", src: 'zstd', format: 'zstd' },
      { kind: 'sha256', label: 'sha256 of the tar (hash-wasm)', src: 'tar' },
      { kind: 'tar', label: 'tar headers (TarParser)', src: 'tar' },
      { kind: 'engine', label: 'engine, gzip: analyzeLayerStream (pako), no network', src: 'gzip', expect: gz },
      { kind: 'engine-wasm-gzip', label: 'engine, gzip: miniz_oxide first (the layer workers), no network', src: 'gzip', expect: gz },
      { kind: 'engine-native-gzip', label: 'engine, gzip, with native inflate instead', src: 'gzip', expect: gz, format: 'gzip' },
      { kind: 'engine-wasm-gzip', label: 'engine, gzip (miniz_oxide), two layers at once', src: 'gzip', expect: gz, pair: true },
      { kind: 'engine', label: 'engine, gzip (pako), two layers at once', src: 'gzip', expect: gz, pair: true },
      { kind: 'engine-native-gzip', label: 'engine, gzip (native), two layers at once', src: 'gzip', expect: gz, format: 'gzip', pair: true },
      { kind: 'engine', label: `engine, zstd: analyzeLayerStream (${zstdEngine}), no network`, src: 'zstd', expect: zst },
      { kind: 'engine-fzstd', label: 'engine, zstd, with fzstd instead', src: 'zstd', expect: zst },
    ];
    const rows: DecodeRow[] = specs.map((spec) => ({ kind: spec.kind, label: spec.label, inBytes: 0, outBytes: 0, bestMs: NaN, allMs: [], mbps: NaN }));
    for (const [i, spec] of specs.entries()) {
      if (!spec.format) continue;
      const { unsupported: why } = await call<{ unsupported?: string }>({ op: 'supported', format: spec.format });
      if (why) (rows[i] as DecodeRow).unsupported = why;
    }
    for (let round = 0; round < runs; round++) {
      for (const [i, spec] of specs.entries()) {
        const row = rows[i] as DecodeRow;
        if (row.unsupported || row.error) continue;
        try {
          const res = await call<{ ms: number[]; inBytes: number; out: number; members?: number }>({
            op: 'run',
            kind: spec.kind,
            src: spec.src,
            runs: 1,
            ...(spec.pair ? { pair: true } : {}),
            ...(spec.expect ? { expect: { digest: spec.expect.digest, diffId: spec.expect.diffId } } : {}),
          });
          if (res.out !== gz.uncompressedSize) throw new Error(`${spec.kind} produced ${res.out} bytes, expected ${gz.uncompressedSize}`);
          row.allMs.push(...res.ms);
          row.inBytes = res.inBytes * (spec.pair ? 2 : 1);
          row.outBytes = res.out * (spec.pair ? 2 : 1);
          if (res.members !== undefined) row.members = res.members;
        } catch (err) {
          row.error = err instanceof Error ? err.message : String(err);
        }
      }
    }
    for (const row of rows) {
      if (!row.allMs.length || row.error) continue;
      row.bestMs = Math.min(...row.allMs);
      row.mbps = mbps(row.outBytes, row.bestMs);
    }
    // The decision is taken on the whole engine with two layers at once, which is how the pool reads
    // an image: there each inflater's allocations count (DecompressionStream gives a new buffer per
    // 64 KiB; two threads allocating at once slowed each other 2–3× on the bench VM), which one
    // inflater alone in an idle worker does not show.
    const pairRow = (kind: string): DecodeRow | undefined => rows[specs.findIndex((spec) => spec.kind === kind && spec.pair)];
    const pako = pairRow('engine') ?? (rows[0] as DecodeRow);
    const pairedNative = pairRow('engine-native-gzip');
    const native = pairedNative?.unsupported ? undefined : pairedNative;

    let nativeOverPako: number | undefined;
    let pairedMedian: number | undefined;
    let decision: string;
    // Each inflater against pako, best of each and as the median of the per-round ratios.
    const against = (row: DecodeRow): [number, number] => [
      row.mbps / pako.mbps,
      median(pako.allMs.map((ms, i) => ms / (row.allMs[i] ?? NaN)).filter((x) => !Number.isNaN(x))),
    ];
    const verdict = (x: number): boolean => x >= 1.3;
    const nativeFigures = (): string => {
      if (!native || native.error) return `native DecompressionStream('gzip') ${native?.error ?? 'is not available'}`;
      [nativeOverPako, pairedMedian] = against(native);
      return `native ${nativeOverPako.toFixed(2)}x pako (best of each), ${pairedMedian.toFixed(2)}x (median of the rounds)`;
    };
    const wasmGzip = pairRow('engine-wasm-gzip');
    if (pako.error) {
      decision = `no decision: ${pako.error}`;
    } else if (!wasmGzip || wasmGzip.error) {
      decision = `miniz_oxide ${wasmGzip?.error ?? 'was not measured'}; ${nativeFigures()}`;
    } else {
      const [best, rounds] = against(wasmGzip);
      const figures = `${best.toFixed(2)}x pako (best of each), ${rounds.toFixed(2)}x (median of the rounds)`;
      decision =
        verdict(best) && verdict(rounds)
          ? `miniz_oxide first, pako after a failure (the layer workers' choice): ${figures} with two layers at once, >= 1.3x; ${nativeFigures()}`
          : !verdict(best) && !verdict(rounds)
            ? `pako alone would do: miniz_oxide is ${figures} with two layers at once, < 1.3x; ${nativeFigures()}`
            : `undecided: miniz_oxide is ${figures}, on both sides of 1.3x; run again with more --runs on a quieter machine; ${nativeFigures()}`;
    }
    // zstd: libzstd in WebAssembly against fzstd, by the same 1.3x rule.
    const fzstd = rows.find((r) => r.kind === 'fzstd');
    const wasm = rows.find((r) => r.kind === 'wasm-zstd');
    let wasmOverFzstd: number | undefined;
    let zstdPairedMedian: number | undefined;
    let zstdDecision: string;
    if (!fzstd || !wasm || fzstd.error || wasm.error) {
      zstdDecision = `no decision: ${wasm?.error ?? fzstd?.error ?? 'a zstd row is missing'}`;
    } else {
      wasmOverFzstd = wasm.mbps / fzstd.mbps;
      zstdPairedMedian = median(fzstd.allMs.map((ms, i) => ms / (wasm.allMs[i] ?? NaN)).filter((x) => !Number.isNaN(x)));
      const figures = `${wasmOverFzstd.toFixed(2)}x fzstd (best of each), ${zstdPairedMedian.toFixed(2)}x (median of the rounds)`;
      const verdict = (x: number): boolean => x >= 1.3;
      zstdDecision =
        verdict(wasmOverFzstd) && verdict(zstdPairedMedian)
          ? `use libzstd in WebAssembly: ${figures}, >= 1.3x; fzstd stays as the fallback without WebAssembly (engine uses ${zstdEngine})`
          : !verdict(wasmOverFzstd) && !verdict(zstdPairedMedian)
            ? `keep fzstd: libzstd in WebAssembly is ${figures}, < 1.3x (engine uses ${zstdEngine})`
            : `undecided: libzstd in WebAssembly is ${figures}, on both sides of 1.3x (engine uses ${zstdEngine})`;
    }
    return {
      layer: { digest: gz.digest, zstdDigest: zst.digest, size: gz.size, zstdSize: zst.size, uncompressedSize: gz.uncompressedSize, createdBy: gz.createdBy },
      rows,
      ...(wasmOverFzstd !== undefined ? { wasmOverFzstd } : {}),
      ...(zstdPairedMedian !== undefined ? { zstdPairedMedian } : {}),
      zstdDecision,
      ...(nativeOverPako !== undefined ? { nativeOverPako } : {}),
      ...(pairedMedian !== undefined ? { pairedMedian } : {}),
      decision,
    };
  } finally {
    await context.close().catch(() => {});
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
