/**
 * Filter-keystroke latency of the file tree on an image of 120,000 files, in Debian's Chromium.
 *
 *   npx tsx e2e/bench/explorerLatency.ts
 *
 * Builds an OCI archive (two layers: 120,000 files in nested directories, then a layer that
 * rewrites and deletes some), starts the Lading server, opens the archive through the page's file
 * input, waits for the explorer, then types a path filter one key at a time and reports, per
 * keystroke: the Event Timing duration of the keydown (input delay + handler + next paint, what
 * a user feels as typing lag) and the time until the tree shows the filtered rows. Also the time
 * from opening the file to a usable tree.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { artifactsDir } from '../harness/paths';
import { startProxy } from '../harness/proxy';

const FILES = 120_000;
const QUERY = 'lib/pkg-1/mod-2';
const out = join(artifactsDir, 'bench', 'explorer');
const archivePath = join(out, 'many-files.tar');

/** One ustar member (regular file; a name up to 100 bytes), header plus data padded to 512. */
function entry({ name, data = '' }: { name: string; data?: string | Uint8Array }): Uint8Array {
  const body = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const out = new Uint8Array(512 + Math.ceil(body.length / 512) * 512);
  const put = (text: string, at: number) => out.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  put('14566621000\0', 136);
  put('        ', 148);
  out[156] = 0x30;
  put('ustar\x0000', 257);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i]!;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  out.set(body, 512);
  return out;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Members, then the two zero blocks that end an archive. */
const tar = (members: readonly Uint8Array[]) => concatBytes([...members, new Uint8Array(1024)]);

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function layerTar(files: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < files; i++) {
    const pkg = i % 40;
    const mod = Math.floor(i / 40) % 50;
    // Every tenth file has content, so sizes and sorting by size mean something.
    const data = i % 10 === 0 ? new Uint8Array(200 + (i % 1800)) : '';
    parts.push(entry({ name: `usr/lib/pkg-${pkg}/mod-${mod}/file-${i}.py`, data }));
  }
  return tar(parts);
}

function changesTar(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 2000; i += 10) parts.push(entry({ name: `usr/lib/pkg-${i % 40}/mod-${Math.floor(i / 40) % 50}/file-${i}.py`, data: new Uint8Array(64) }));
  parts.push(entry({ name: 'usr/lib/pkg-7/.wh.mod-3' }));
  return tar(parts);
}

/** An OCI image layout archive (what `skopeo copy … oci-archive:` writes) around the two layers. */
function buildArchive(): void {
  const tars = [layerTar(FILES), changesTar()];
  const blobs = new Map<string, Uint8Array>();
  const put = (bytes: Uint8Array) => {
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  };
  const layers = tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(t, { level: 1 })) }));
  const config = put(
    new TextEncoder().encode(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
        history: [{ created_by: `COPY ${FILES} files /usr/lib/` }, { created_by: 'RUN rewrite some, delete one directory' }],
      }),
    ),
  );
  const manifest = put(
    new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers,
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  };
  const members = [
    entry({ name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) }),
    entry({ name: 'index.json', data: JSON.stringify(index) }),
    ...[...blobs].map(([digest, bytes]) => entry({ name: `blobs/sha256/${digest.slice(7)}`, data: bytes })),
  ];
  mkdirSync(out, { recursive: true });
  writeFileSync(archivePath, tar(members));
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  if (!existsSync(archivePath)) buildArchive();
  const proxy = await startProxy({ insecureRegistries: [], logName: 'bench-explorer' });
  const browser = await chromium.launch({
    ...(existsSync('/usr/bin/chromium') ? { executablePath: '/usr/bin/chromium' } : {}),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(proxy.url);
    const opened = Date.now();
    await page.getByLabel('Open an image archive').setInputFiles(archivePath);
    await page.getByRole('tree', { name: 'Files' }).waitFor({ timeout: 300_000 });
    const readyMs = Date.now() - opened;
    const nodes = (await page.getByText(/paths in the image/).textContent())?.match(/[\d,]+ paths in the image/)?.[0];

    // Event Timing: how long each keystroke took to be handled and painted.
    await page.evaluate(() => {
      const w = window as unknown as { keyDurations: number[] };
      w.keyDurations = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.name === 'keydown') w.keyDurations.push(e.duration);
      }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
    });
    const filter = page.getByLabel('Filter paths');
    await filter.click();
    const settle: number[] = [];
    let typed = '';
    for (const ch of QUERY) {
      typed += ch;
      const t = Date.now();
      await page.keyboard.type(ch);
      // The explorer marks which filter its rendered rows belong to (it filters at a lower priority than typing).
      await page.waitForFunction((text) => document.querySelector('[data-rendered-filter]')?.getAttribute('data-rendered-filter') === text, typed, {
        timeout: 30_000,
        polling: 'raf',
      });
      settle.push(Date.now() - t);
    }
    const rows = await page.getByText(/ rows · /).textContent();
    const keyDurations = await page.evaluate(() => (window as unknown as { keyDurations: number[] }).keyDurations);
    const result = {
      files: FILES,
      archiveBytes: (await import('node:fs')).statSync(archivePath).size,
      openToTreeMs: readyMs,
      model: nodes?.trim(),
      query: QUERY,
      keystrokeEventMs: keyDurations,
      keystrokeToRowsMs: settle,
      finalRows: rows?.trim(),
    };
    writeFileSync(join(out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nExplorer on ${FILES.toLocaleString('en')} files (${nodes?.trim()})`);
    console.log(`  open archive → usable tree: ${readyMs} ms`);
    console.log(`  keystroke handled and painted (Event Timing, keys over 16 ms): ${keyDurations.length ? stats(keyDurations) : 'every key under 16 ms'}`);
    console.log(`  keystroke → filtered rows shown: ${stats(settle)}  (${QUERY.length} keys, "${QUERY}")`);
    console.log(`  result: ${rows?.trim()}`);
  } finally {
    await browser.close();
    await proxy.stop();
  }
}

await main();
