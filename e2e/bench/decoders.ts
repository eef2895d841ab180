// Part c: pako (Lading's GzipDecoder) against native DecompressionStream('gzip'), and fzstd against
// native 'zstd' where Chromium has it, in a Chromium dedicated worker on the largest gzip layer.
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
  /** native MB/s ÷ pako MB/s on the same single-member gzip blob. */
  nativeOverPako?: number;
  decision: string;
}

/** Bundles the worker with Vite (from source, so it is exactly Lading's decoder code). */
async function bundleWorker(): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(repoRoot, 'e2e/bench/browser'),
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
    await page.evaluate(() => {
      const w = new Worker('/decode-worker.js', { type: 'module' });
      let next = 1;
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
      w.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
        const p = pending.get(data.id);
        pending.delete(data.id);
        if (data.error !== undefined) p?.reject(new Error(data.error));
        else p?.resolve(data.result);
      };
      (globalThis as unknown as { call: (msg: object) => Promise<unknown> }).call = (msg: object) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          w.postMessage({ ...msg, id });
        });
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

    await call({ op: 'load', name: 'gzip', url: '/blob/gzip' });
    await call({ op: 'load', name: 'zstd', url: '/blob/zstd' });
    await call({ op: 'inflate', src: 'gzip', name: 'tar', format: 'gzip' });

    const rows: DecodeRow[] = [];
    const row = async (kind: string, label: string, src: string, expect?: BenchLayer): Promise<DecodeRow> => {
      let r: DecodeRow;
      try {
        const res = await call<{ ms: number[]; inBytes: number; out: number; members?: number }>({
          op: 'run',
          kind,
          src,
          runs,
          ...(expect ? { expect: { digest: expect.digest, diffId: expect.diffId } } : {}),
        });
        if (res.out !== gz.uncompressedSize) throw new Error(`${kind} produced ${res.out} bytes, expected ${gz.uncompressedSize}`);
        const bestMs = Math.min(...res.ms);
        r = { kind, label, inBytes: res.inBytes, outBytes: res.out, bestMs, allMs: res.ms, mbps: mbps(res.out, bestMs), ...(res.members !== undefined ? { members: res.members } : {}) };
      } catch (err) {
        r = { kind, label, inBytes: 0, outBytes: 0, bestMs: NaN, allMs: [], mbps: NaN, error: err instanceof Error ? err.message : String(err) };
      }
      rows.push(r);
      return r;
    };
    const unsupported = async (kind: string, label: string, format: string): Promise<boolean> => {
      const { unsupported: why } = await call<{ unsupported?: string }>({ op: 'supported', format });
      if (why) rows.push({ kind, label, inBytes: 0, outBytes: 0, bestMs: NaN, allMs: [], mbps: NaN, unsupported: why });
      return why !== undefined;
    };

    const pako = await row('pako', 'gzip: pako (GzipDecoder), inflate only', 'gzip');
    const native = (await unsupported('native-gzip', "gzip: native DecompressionStream('gzip')", 'gzip'))
      ? undefined
      : await row('native-gzip', "gzip: native DecompressionStream('gzip')", 'gzip');
    await row('fzstd', 'zstd: fzstd (ZstdDecoder), decode only', 'zstd');
    if (!(await unsupported('native-zstd', "zstd: native DecompressionStream('zstd')", 'zstd'))) {
      await row('native-zstd', "zstd: native DecompressionStream('zstd')", 'zstd');
    }
    await row('sha256', 'sha256 of the tar (hash-wasm)', 'tar');
    await row('tar', 'tar headers (TarParser)', 'tar');
    await row('engine', 'engine, gzip: analyzeLayerStream (pako), no network', 'gzip', gz);
    if (native) await row('engine-native-gzip', 'engine, gzip, with native inflate instead', 'gzip', gz);
    await row('engine', 'engine, zstd: analyzeLayerStream (fzstd), no network', 'zstd', zst);

    let nativeOverPako: number | undefined;
    let decision: string;
    if (!native || native.error || pako.error) {
      decision = `keep pako: native DecompressionStream('gzip') ${native?.error ?? 'is not available'}`;
    } else {
      nativeOverPako = native.mbps / pako.mbps;
      decision =
        nativeOverPako >= 1.3
          ? `use native DecompressionStream('gzip') for single-member gzip: ${nativeOverPako.toFixed(2)}x pako (>= 1.3x); pako stays for multi-member gzip and as the fallback`
          : `keep pako: native is ${nativeOverPako.toFixed(2)}x pako (< 1.3x)`;
    }
    return {
      layer: { digest: gz.digest, zstdDigest: zst.digest, size: gz.size, zstdSize: zst.size, uncompressedSize: gz.uncompressedSize, createdBy: gz.createdBy },
      rows,
      ...(nativeOverPako !== undefined ? { nativeOverPako } : {}),
      decision,
    };
  } finally {
    await context.close().catch(() => {});
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
