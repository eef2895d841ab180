// Part c, inside a Chromium dedicated worker: Lading's own decoders (web/src/core/layers, bundled
// by Vite from source into e2e/.artifacts/bench/decode-page/) against the browser's native
// DecompressionStream, on one layer blob held in memory as a Blob (no network in the timing).
//
// Plain JavaScript on purpose: the e2e TypeScript project must not include web/ sources, and this
// file is glue only. Protocol: the page posts {id, op, ...}; the worker answers {id, result} or
// {id, error}.

import { analyzeLayerStream } from '../../../web/src/core/layers/analyze.ts';
import { GzipDecoder } from '../../../web/src/core/layers/gzip.ts';
import { createWasmGzipDecoder } from '../../../web/src/core/layers/wasmGzip.ts';
import { createHasher } from '../../../web/src/core/layers/hash.ts';
import { LayerIndexBuilder } from '../../../web/src/core/layers/layerIndex.ts';
import { TarParser } from '../../../web/src/core/layers/tar.ts';
import { createZstdDecoder, WasmZstdDecoder, ZstdDecoder } from '../../../web/src/core/layers/zstd.ts';

/** @type {Map<string, Blob>} */
const blobs = new Map();

async function each(blob, fn) {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    fn(value);
  }
}

async function drain(stream, fn = () => {}) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    fn(value);
  }
}

function nativeSupported(format) {
  try {
    new DecompressionStream(format);
    return undefined;
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}

/** One timed pass of `kind` over blob `src`; returns the uncompressed bytes it produced and facts. */
const kinds = {
  async pako(blob) {
    let out = 0;
    const d = new GzipDecoder((b) => (out += b.length));
    let err;
    await each(blob, (c) => (err ??= d.push(c)));
    err ??= d.finish();
    if (err) throw new Error(`pako: ${err.message}`);
    return { out, members: d.members };
  },
  async 'wasm-gzip'(blob) {
    let out = 0;
    const d = await createWasmGzipDecoder((b) => (out += b.length));
    if (!d) throw new Error('miniz_oxide: WebAssembly is not available');
    let err;
    await each(blob, (c) => (err ??= d.push(c)));
    err ??= d.finish();
    if (err) throw new Error(`miniz_oxide: ${err.message}`);
    return { out };
  },
  /** The engine as the layer worker runs it for gzip: miniz_oxide first, pako only after a failure. */
  async 'engine-wasm-gzip'(blob, expect) {
    const r = await analyzeLayerStream(blob.stream(), {
      expectedDigest: expect.digest,
      expectedDiffId: expect.diffId,
      gzipInflater: 'wasm',
      wasmGzip: createWasmGzipDecoder,
      reopen: async () => blob.stream(),
    });
    if (r.error || !r.digest.ok || !r.diffId.ok || r.inflater !== 'wasm')
      throw new Error(`engine-wasm-gzip: ${r.error?.message ?? `digest ok ${r.digest.ok}, diff_id ok ${r.diffId.ok}, inflater ${r.inflater}`}`);
    return { out: r.uncompressedBytes, entries: r.index.count };
  },
  async 'native-gzip'(blob) {
    let out = 0;
    await drain(blob.stream().pipeThrough(new DecompressionStream('gzip')), (b) => (out += b.length));
    return { out };
  },
  async fzstd(blob) {
    let out = 0;
    const d = new ZstdDecoder((b) => (out += b.length));
    let err;
    await each(blob, (c) => (err ??= d.push(c)));
    err ??= d.finish();
    if (err) throw new Error(`fzstd: ${err.message}`);
    return { out };
  },
  async 'wasm-zstd'(blob) {
    let out = 0;
    const d = await WasmZstdDecoder.create((b) => (out += b.length));
    if (!d) throw new Error('libzstd: WebAssembly is not available');
    let err;
    await each(blob, (c) => (err ??= d.push(c)));
    err ??= d.finish();
    if (err) throw new Error(`libzstd: ${err.message}`);
    return { out };
  },
  async 'native-zstd'(blob) {
    let out = 0;
    await drain(blob.stream().pipeThrough(new DecompressionStream('zstd')), (b) => (out += b.length));
    return { out };
  },
  /** The whole engine as the layer worker runs it, minus fetch: digest, inflate, diff_id, tar index. */
  async engine(blob, expect) {
    const r = await analyzeLayerStream(blob.stream(), { expectedDigest: expect.digest, expectedDiffId: expect.diffId });
    if (r.error || !r.digest.ok || !r.diffId.ok) throw new Error(`engine: ${r.error?.message ?? `digest ok ${r.digest.ok}, diff_id ok ${r.diffId.ok}`}`);
    return { out: r.uncompressedBytes, entries: r.index.count };
  },
  /** The same work with native inflate instead of pako (what the engine would cost with it). */
  async 'engine-native-gzip'(blob, expect) {
    const digest = await createHasher('sha256');
    const diffId = await createHasher('sha256');
    const builder = new LayerIndexBuilder();
    const tar = new TarParser(builder);
    let out = 0;
    const hashed = blob.stream().pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          digest.update(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    await drain(hashed.pipeThrough(new DecompressionStream('gzip')), (b) => {
      out += b.length;
      diffId.update(b);
      tar.push(b);
    });
    tar.finish();
    if (tar.error) throw new Error(`tar: ${tar.error.message}`);
    const d = digest.digest();
    const t = diffId.digest();
    if (d !== expect.digest || t !== expect.diffId) throw new Error(`engine-native-gzip: digest ${d}, diff_id ${t}`);
    return { out, entries: builder.count };
  },
  /** The engine's work with fzstd instead of createZstdDecoder's choice (the same steps as analyzeLayerStream). */
  async 'engine-fzstd'(blob, expect) {
    const digest = await createHasher('sha256');
    const diffId = await createHasher('sha256');
    const builder = new LayerIndexBuilder();
    const tar = new TarParser(builder);
    let out = 0;
    const d = new ZstdDecoder((b) => {
      out += b.length;
      diffId.update(b);
      tar.push(b);
    });
    let err;
    await each(blob, (c) => {
      digest.update(c);
      err ??= d.push(c);
    });
    err ??= d.finish();
    if (err) throw new Error(`fzstd: ${err.message}`);
    tar.finish();
    if (tar.error) throw new Error(`tar: ${tar.error.message}`);
    const dg = digest.digest();
    const t = diffId.digest();
    if (dg !== expect.digest || t !== expect.diffId) throw new Error(`engine-fzstd: digest ${dg}, diff_id ${t}`);
    return { out, entries: builder.count };
  },
  async sha256(blob) {
    const h = await createHasher('sha256');
    let out = 0;
    await each(blob, (c) => {
      out += c.length;
      h.update(c);
    });
    return { out, digest: h.digest() };
  },
  async tar(blob) {
    const builder = new LayerIndexBuilder();
    const p = new TarParser(builder);
    let out = 0;
    await each(blob, (c) => {
      out += c.length;
      p.push(c);
    });
    p.finish();
    if (p.error) throw new Error(`tar: ${p.error.message}`);
    return { out, entries: builder.count };
  },
};

const ops = {
  async load({ name, url }) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    const blob = await res.blob();
    blobs.set(name, blob);
    return { bytes: blob.size };
  },
  /** Decompresses `src` natively into a Blob called `name` (the tar, for the sha256 and tar rows). */
  async inflate({ src, name, format }) {
    const blob = await new Response(blobs.get(src).stream().pipeThrough(new DecompressionStream(format))).blob();
    blobs.set(name, blob);
    return { bytes: blob.size };
  },
  supported({ format }) {
    return { unsupported: nativeSupported(format) };
  },
  /** The class of the decoder the engine gets for zstd (the input is empty: it is only named). */
  async zstdDecoder() {
    const d = await createZstdDecoder(() => {});
    d.finish();
    return { name: d.constructor.name };
  },
  async run({ kind, src, runs, expect }) {
    const blob = blobs.get(src);
    if (!blob) throw new Error(`no blob ${src}`);
    const ms = [];
    let facts;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      facts = await kinds[kind](blob, expect ?? {});
      ms.push(performance.now() - t0);
    }
    return { ms, inBytes: blob.size, ...facts };
  },
  drop({ name }) {
    blobs.delete(name);
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
