/**
 * The layer worker: fetches a layer blob through the proxy and reads it in one streaming
 * pass (hash, decompress, index tar headers) with the pure core. Results go back to the
 * page as transferable typed arrays, never copied. Cached by digest in IndexedDB.
 */
import * as Comlink from 'comlink';
import { compareFilesystems, comparisonTransferables, type CompareOptions, type FsComparison } from '../core/compare';
import { explainError } from '../core/explain';
import { ImageFilesystem, type FsData } from '../core/fs';
import { analyzeLayerStream, layerIndexTransferables, type Compression } from '../core/layers';
import { ExtractError, extractEntry } from '../core/layers/extract';
import { createHasher, type DigestAlgorithm } from '../core/layers/hash';
import { RegistryClient } from '../core/registry/client';
import { ArchiveError, blobReader, openArchiveImage } from '../core/sources';
import { HashHelper } from './helperHasher';
import { LayerCache, type CacheStats } from './layerCache';
import { foreignLayerUrl, isLayerVerified, type ArchiveResult, type LayerJob, type LayerJobResult, type LayerProgress, type LayerSource } from './layerJob';

const cache = new LayerCache();
// Compile the SHA-256 WebAssembly while the page is still fetching the manifest and config,
// not when the first layer's bytes are already waiting.
void createHasher('sha256').catch(() => {});
// The tar is hashed on a helper thread while this one inflates (see hashWorker.ts). Started now,
// beside the manifest and config requests; where a worker cannot start one, layers hash here.
const hashHelper = new HashHelper(() => new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module', name: 'lading-hash' }));
const hashHelperReady = typeof Worker === 'function' ? hashHelper.start() : Promise.resolve(false);
const running = new Map<number, AbortController>();

function transferResult(result: LayerJobResult): LayerJobResult {
  return result.analysis ? Comlink.transfer(result, layerIndexTransferables(result.analysis.index)) : result;
}

/** The first of a foreign layer's URLs that answers, through the proxy; undefined when none does. */
async function openForeignLayer(baseUrl: string, job: LayerJob, signal: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
  for (const url of job.urls ?? []) {
    try {
      const response = await fetch(foreignLayerUrl(baseUrl, url, job.digest), { signal });
      if (response.ok && response.body) return response.body;
      await response.body?.cancel();
    } catch (error) {
      if (signal.aborted) throw error;
    }
  }
  return undefined;
}

/** The layer's stored bytes: a slice of the opened file, the registry's blob, or a foreign URL. */
async function openLayerBody(
  job: LayerJob,
  signal: AbortSignal,
): Promise<{ body: ReadableStream<Uint8Array> } | { fetchError: { title: string; detail: string } }> {
  const source = job.source;
  if (source.kind === 'blob') return { body: source.blob.slice(source.offset, source.offset + source.length).stream() };
  const client = new RegistryClient({ baseUrl: source.baseUrl });
  const repo = { domain: source.domain, path: source.path };
  try {
    const response = await client.openBlob(repo, job.digest, signal);
    if (!response.body) throw new Error('the registry sent no body');
    return { body: response.body };
  } catch (error) {
    if (signal.aborted) throw error;
    const foreign = await openForeignLayer(source.baseUrl, job, signal);
    if (foreign) return { body: foreign };
    const { title, detail } = explainError(error, { repository: `${repo.domain}/${repo.path}`, reference: job.digest });
    return { fetchError: { title, detail } };
  }
}

export const layerWorkerApi = {
  /**
   * `offload`: hash on this worker's helper thread, leaving this one to fetch, inflate and index.
   * The pool asks for it when cores would otherwise idle (few layers left); with every core busy
   * it only adds the copying.
   */
  async analyze(jobId: number, job: LayerJob, onProgress: (progress: LayerProgress) => void, offload = false): Promise<LayerJobResult> {
    const controller = new AbortController();
    running.set(jobId, controller);
    const { signal } = controller;
    try {
      const cached = await cache.get(job.digest);
      if (cached) return transferResult({ analysis: cached, fromCache: true });
      signal.throwIfAborted();
      // Started: the page shows an empty bar instead of "queued" while the registry answers.
      void onProgress({ bytesRead: 0, totalBytes: job.size, entries: 0 });

      const [opened, helped] = await Promise.all([openLayerBody(job, signal), hashHelperReady]);
      if ('fetchError' in opened) return { fetchError: opened.fetchError, fromCache: false };
      const analysis = await analyzeLayerStream(opened.body, {
        expectedDigest: job.digest,
        ...(job.diffId !== undefined ? { expectedDiffId: job.diffId } : {}),
        totalBytes: job.size,
        onProgress,
        signal,
        // The native inflater is tried first; a multi-member layer it cannot finish is read again.
        reopen: async () => {
          const again = await openLayerBody(job, signal);
          if ('fetchError' in again) throw new Error(`${again.fetchError.title}: ${again.fetchError.detail}`);
          return again.body;
        },
        ...(job.multiMemberGzip ? { multiMemberGzip: true } : {}),
        ...(helped && offload ? { deferredHasher: (algorithm: DigestAlgorithm) => hashHelper.hasher(algorithm) } : {}),
      });
      // Only content that is complete and verified is worth remembering by its digest.
      if (isLayerVerified(analysis)) await cache.put(job.digest, analysis);
      return transferResult({ analysis, fromCache: false });
    } finally {
      running.delete(jobId);
    }
  },

  /**
   * Reads an image archive's headers, manifest and config from the File in slices (never the
   * whole file), for the chosen platform. Layers stay unread; the page asks for them as jobs.
   */
  async openArchive(blob: Blob, options: { platform?: string } = {}): Promise<ArchiveResult> {
    try {
      const archive = await openArchiveImage(blobReader(blob), options.platform ? { platform: options.platform } : {});
      const { image } = archive;
      return {
        summary: {
          kind: archive.kind,
          tags: archive.tags,
          platforms: archive.platforms.map((p) => ({ platform: p.platform, available: p.available })),
          platform: archive.platform,
          attestations: archive.attestations.length,
          digest: image.digest,
          mediaType: image.mediaType,
          manifest: image.manifest,
          config: image.config,
          byteRanges: image.layers.map((l) => l.byteRange),
        },
      };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { error: { title: error instanceof ArchiveError ? 'Not a readable image archive' : 'Could not open the archive', detail } };
    }
  },

  /** Answers at once unless the worker's thread is stuck (the pool's watchdog asks). */
  ping(): true {
    return true;
  },

  cancel(jobId: number): void {
    running.get(jobId)?.abort(new DOMException('The layer analysis was cancelled', 'AbortError'));
  },

  cacheStats(): Promise<CacheStats> {
    return cache.stats();
  },

  clearCache(): Promise<void> {
    return cache.clear();
  },

  /**
   * One entry's bytes, reading no more of the layer than needed: a plain tar by an HTTP Range
   * (or a slice of the opened file), a compressed one streamed from its start and cancelled
   * once the entry is complete. Cancel with `cancel(jobId)`; the bytes are transferred.
   */
  async extract(jobId: number, job: ExtractJob): Promise<ExtractResult> {
    const controller = new AbortController();
    running.set(jobId, controller);
    try {
      const result = await extractJob(job, controller.signal);
      return result.bytes ? Comlink.transfer(result, [result.bytes.buffer]) : result;
    } finally {
      running.delete(jobId);
    }
  },

  /**
   * Compares two images' final filesystems (the models are copied here, so the page keeps its
   * own) off the main thread; the result's arrays are transferred back.
   */
  compare(a: FsData, b: FsData, options: CompareOptions = {}): FsComparison {
    const result = compareFilesystems(ImageFilesystem.fromTransfer(a), ImageFilesystem.fromTransfer(b), options);
    return Comlink.transfer(result, comparisonTransferables(result));
  },
};

/** Where one entry's content sits in a layer, and how the layer is stored. */
export interface ExtractJob {
  source: LayerSource;
  /** The layer's digest. */
  digest: string;
  mediaType: string;
  /** As sniffed by the layer's analysis; from the media type when unknown. */
  compression?: Compression;
  /** Offset of the content in the uncompressed tar, and its length. */
  offset: number;
  size: number;
}

export interface ExtractResult {
  bytes?: Uint8Array<ArrayBuffer>;
  /** How the bytes were read: an HTTP Range (206), a slice of the opened file, or the layer streamed from its start. */
  read: 'range' | 'slice' | 'stream';
  /** Stored bytes of the layer that were fetched. */
  fetchedBytes: number;
  /** HTTP status of the blob response (registry sources). */
  status?: number;
  error?: { title: string; detail: string };
}

function isPlainTar(job: ExtractJob): boolean {
  if (job.compression !== undefined) return job.compression === 'none';
  return /\.tar$/.test(job.mediaType); // ...layer.v1.tar, ...rootfs.diff.tar
}

async function extractJob(job: ExtractJob, signal: AbortSignal): Promise<ExtractResult> {
  const plain = isPlainTar(job);
  const { source, offset, size } = job;
  let fetchedBytes = 0;
  const counted = (body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> =>
    body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          fetchedBytes += chunk.length;
          out.enqueue(chunk);
        },
      }),
    );
  const compression: Compression | undefined = plain ? 'none' : job.compression;
  const fromStart = { offset, size, ...(compression ? { compression } : {}) };
  try {
    if (source.kind === 'blob') {
      if (plain) {
        const start = source.offset + offset;
        const bytes = new Uint8Array(await source.blob.slice(start, start + size).arrayBuffer());
        if (bytes.length !== size) throw new ExtractError('io', `the file ends before the entry's content (${bytes.length} of ${size} bytes)`);
        return { bytes, read: 'slice', fetchedBytes: bytes.length };
      }
      const body = source.blob.slice(source.offset, source.offset + source.length).stream();
      const bytes = await extractEntry(counted(body), fromStart, signal);
      return { bytes: bytes as Uint8Array<ArrayBuffer>, read: 'stream', fetchedBytes };
    }
    const client = new RegistryClient({ baseUrl: source.baseUrl });
    const repo = { domain: source.domain, path: source.path };
    if (plain && size === 0) return { bytes: new Uint8Array(0), read: 'range', fetchedBytes: 0 };
    let response: Response;
    try {
      response = await client.openBlob(repo, job.digest, signal, plain ? { start: offset, end: offset + size - 1 } : undefined);
    } catch (error) {
      if (signal.aborted) throw error;
      const { title, detail } = explainError(error, { repository: `${repo.domain}/${repo.path}`, reference: job.digest });
      return { read: plain ? 'range' : 'stream', fetchedBytes: 0, error: { title, detail } };
    }
    if (!response.body) throw new ExtractError('io', 'the registry sent no body');
    const status = response.status;
    if (plain && status === 206) {
      const range = /^bytes (\d+)-(\d+)\//.exec(response.headers.get('content-range') ?? '');
      if (range && (Number(range[1]) !== offset || Number(range[2]) !== offset + size - 1)) {
        void response.body.cancel();
        throw new ExtractError('io', `the registry answered the range ${offset}-${offset + size - 1} with ${response.headers.get('content-range')}`);
      }
      const bytes = await extractEntry(counted(response.body), { offset: 0, size, compression: 'none' }, signal);
      return { bytes: bytes as Uint8Array<ArrayBuffer>, read: 'range', status, fetchedBytes };
    }
    // A registry that ignores Range sends the whole blob (200): read it from the start.
    const bytes = await extractEntry(counted(response.body), fromStart, signal);
    return { bytes: bytes as Uint8Array<ArrayBuffer>, read: 'stream', status, fetchedBytes };
  } catch (error) {
    if (signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    return {
      read: plain ? (source.kind === 'blob' ? 'slice' : 'range') : 'stream',
      fetchedBytes,
      error: { title: 'Could not read the file from its layer', detail },
    };
  }
}

export type LayerWorkerApi = typeof layerWorkerApi;

Comlink.expose(layerWorkerApi);
