// The seek-index bench, inside a Chromium dedicated worker: how fast each candidate reads a gzip
// layer held in memory as a Blob (no network in the timing) — the native DecompressionStream the
// first analysis uses, pako as the engine drives it, pako with Z_BLOCK recording restart points
// (the background build's inflater), the whole build (hash + record) — and how long one file near
// the layer's end takes from a restart point against from the layer's start.
//
// Plain JavaScript glue, bundled by Vite from Lading's sources (see contents.ts). Protocol: the
// page posts {id, op, ...}; the worker answers {id, result} or {id, error}.

import { analyzeLayerStream } from '../../../web/src/core/layers/analyze.ts';
import { extractEntry } from '../../../web/src/core/layers/extract.ts';
import { GzipDecoder } from '../../../web/src/core/layers/gzip.ts';
import { pathOf } from '../../../web/src/core/layers/layerIndex.ts';
import { buildSeekIndex } from '../../../web/src/core/layers/seek/build.ts';
import { serializeSeekIndex, parseSeekIndex } from '../../../web/src/core/layers/seek/format.ts';
import { GzipPointRecorder } from '../../../web/src/core/layers/seek/gzipPoints.ts';
import { readFromRestart } from '../../../web/src/core/layers/seek/read.ts';
import { planRead } from '../../../web/src/core/layers/seek/seekIndex.ts';

/** @type {Map<string, Blob>} */
const blobs = new Map();
/** @type {Map<string, import('../../../web/src/core/layers/seek/seekIndex.ts').SeekIndex>} */
const indexes = new Map();

async function each(blob, fn) {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    fn(value);
  }
}

async function sha256(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256:${Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** One timed pass of `kind` over the blob; returns the facts to check and report. */
const kinds = {
  async native(blob) {
    let out = 0;
    const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out += value.length;
    }
    return { out };
  },
  async pako(blob) {
    let out = 0;
    const d = new GzipDecoder((b) => (out += b.length));
    let err;
    await each(blob, (c) => (err ??= d.push(c)));
    err ??= d.finish();
    if (err) throw new Error(`pako: ${err.message}`);
    return { out };
  },
  /** pako with Z_BLOCK: every block boundary seen, points every 4 MiB with their windows, span CRCs. */
  async 'pako-block'(blob) {
    const r = new GzipPointRecorder();
    let err;
    await each(blob, (c) => (err ??= r.push(c)));
    err ??= r.finish();
    if (err) throw new Error(`recorder: ${err}`);
    return { out: r.out, points: r.points.length };
  },
  /** The background build as the worker runs it, minus fetch: SHA-256 of the blob and the recorder. */
  async build(blob, { digest, name }) {
    const r = await buildSeekIndex(blob.stream(), { compression: 'gzip', expectedDigest: digest });
    if ('error' in r) throw new Error(`build: ${r.error}`);
    const serialized = serializeSeekIndex(r.index);
    const parsed = parseSeekIndex(serialized);
    if (!parsed) throw new Error('the serialized index does not parse');
    indexes.set(name, parsed);
    return { out: r.index.uncompressedSize, points: r.index.points.length, indexBytes: serialized.length };
  },
};

const ops = {
  async load({ name, url }) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    blobs.set(name, await res.blob());
    return { bytes: blobs.get(name).size };
  },
  async run({ kind, name, digest }) {
    const blob = blobs.get(name);
    const t0 = performance.now();
    const facts = await kinds[kind](blob, { digest, name });
    return { ms: performance.now() - t0, inBytes: blob.size, ...facts };
  },
  /** Where `path`'s content is in the layer's tar (from the engine's index; the bytes are checked against GNU tar). */
  async locate({ name, path }) {
    const r = await analyzeLayerStream(blobs.get(name).stream(), { computeDiffId: false });
    const want = path.replace(/^\//, '');
    for (let e = 0; e < r.index.count; e++) {
      if (pathOf(r.index, e) === want) return { offset: r.index.offset[e], size: r.index.size[e] };
    }
    throw new Error(`${path} is not in the layer`);
  },
  /** One file from the nearest restart point: the planned slice of the blob, inflated and checked. */
  async restart({ name, offset, size }) {
    const blob = blobs.get(name);
    const index = indexes.get(name);
    const t0 = performance.now();
    const plan = planRead(index, offset, size);
    const bytes = await readFromRestart(blob.slice(plan.from, plan.to ?? blob.size).stream(), index, plan, { offset, size });
    const ms = performance.now() - t0;
    return { ms, rangeBytes: (plan.to ?? blob.size) - plan.from, inflated: plan.verifyEnd - index.points[plan.point].out, sha256: await sha256(bytes) };
  },
  /** The same file read from the layer's start (what Lading did before the seek index). */
  async stream({ name, offset, size }) {
    const t0 = performance.now();
    const bytes = await extractEntry(blobs.get(name).stream(), { offset, size, compression: 'gzip' });
    return { ms: performance.now() - t0, sha256: await sha256(bytes) };
  },
  drop({ name }) {
    blobs.delete(name);
    indexes.delete(name);
    return {};
  },
};

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ id: data.id, result: await ops[data.op](data) });
  } catch (e) {
    self.postMessage({ id: data.id, error: e instanceof Error ? e.message : String(e) });
  }
};
