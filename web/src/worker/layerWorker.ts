/**
 * The layer worker: fetches a layer blob through the proxy and reads it in one streaming
 * pass (hash, decompress, index tar headers) with the pure core. Results go back to the
 * page as transferable typed arrays, never copied. Cached by digest in IndexedDB.
 *
 * Once idle, it reads each compressed layer it analysed once more to build its seek index
 * (core/layers/seek: restart points, kept beside the analysis), so that a file's content is later
 * one range read from the nearest point instead of the layer streamed from its start.
 */
import * as Comlink from 'comlink';
import { computeAdvice, type AdviceOptions, type AdviceReport } from '../core/advice';
import { compareFilesystems, comparisonTransferables, type CompareOptions, type FsComparison } from '../core/compare';
import { explainError } from '../core/explain';
import { ImageFilesystem, type FsData } from '../core/fs';
import { analyzeLayerStream, layerIndexTransferables, type Compression, type LayerAnalysis, type LayerIndex } from '../core/layers';
import { ExtractError, extractEntry } from '../core/layers/extract';
import { extractWithIndex, hasRestartPoints, parseSeekIndex, SeekIndexBuilder, type SeekIndex } from '../core/layers/seek';
import {
  blobRanges,
  compareTocWithTar,
  readLayerToc,
  readTocContent,
  TocContentError,
  tocContentTransferables,
  type TocCheck,
  type TocContentPlan,
  type TocReading,
} from '../core/layers/toc';
import { createHasher, type DigestAlgorithm } from '../core/layers/hash';
import { ContentHashes, createContentHasher, hasContentHashes } from '../core/layers/contentHash';
import { combineObservers } from '../core/layers/observers';
import { describeImage, type CheckedBody, type LayerDescription, type RangeRead, type Layer } from '../core/image';
import { layerFromDescription } from '../core/layer';
import { announcesManyGzipMembers } from '../core/layers/nativeGzip';
import { createWasmGzipDecoder } from '../core/layers/wasmGzip';
import { PackageObserver, capturedTransferables } from '../core/packages';
import { ArchiveError, blobReader, openArchiveImage } from '../core/sources';
import { HashHelper } from './helperHasher';
import { LayerCache, type CacheStats } from './layerCache';
import { isLayerVerified, type ArchiveResult, type LayerJob, type LayerJobOptions, type LayerJobResult, type LayerProgress } from './layerJob';

const cache = new LayerCache();
// Opened now, while the page still fetches the manifest and config: a fresh profile's first open
// creates the database, which otherwise sat before the first layer's first byte.
cache.prepare();
// Compile the SHA-256 WebAssembly while the page is still fetching the manifest and config,
// not when the first layer's bytes are already waiting.
void createHasher('sha256').catch(() => {});
// The per-file content hash (XXH64), likewise compiled before the first layer.
const contentHasher = createContentHasher();
contentHasher.catch(() => {});
// The tar is hashed on a helper thread while this one inflates (see hashWorker.ts), for the layers
// the pool asks to offload: the last ones of an image, or a layer alone. Started with the first of
// those, beside its blob request, not with this worker: at the start of a large image both workers'
// helpers took cores from the first layers and from the second worker's own start. Where a worker
// cannot start one, layers hash here.
const hashHelper = new HashHelper(() => new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module', name: 'lading-hash' }));
const hashHelperReady = (): Promise<boolean> => (typeof Worker === 'function' ? hashHelper.start() : Promise.resolve(false));
const running = new Map<number, AbortController>();
// Seek indexes are built only while this worker has nothing else to do (see core/layers/seek/background.ts)
// and its pool allows it: held from the start until the page's pool says every worker is idle (bridge.ts).
const seekBuilder = new SeekIndexBuilder({
  has: (digest) => cache.hasSeek(digest),
  store: async (digest, serialized) => void (await cache.putSeek(digest, serialized)),
});
let backgroundHeld = true;
seekBuilder.busy();

/** Asks for the layer's seek index once the worker is idle (compressed, verified layers only). */
function wantSeekIndex(layer: Layer, analysis: LayerJobResult['analysis']): void {
  if (!analysis || !isLayerVerified(analysis) || analysis.compression === 'none') return;
  seekBuilder.want({
    digest: layer.digest,
    compression: analysis.compression,
    uncompressedBytes: analysis.uncompressedBytes,
    open: (signal) => layer.open(signal),
  });
}

function transferResult(result: LayerJobResult): LayerJobResult {
  if (!result.analysis) return result;
  return Comlink.transfer(result, [...layerIndexTransferables(result.analysis.index), ...capturedTransferables(result.packages ?? [])]);
}

/** Explains why a layer's bytes could not be opened, in the words the page shows. */
function fetchErrorOf(error: unknown, job: LayerJob): { title: string; detail: string } {
  const location = job.location;
  const repository = location?.kind === 'registry' ? `${location.domain}/${location.path}` : undefined;
  const { title, detail } = explainError(error, { ...(repository !== undefined ? { repository } : {}), reference: job.descriptor.digest });
  return { title, detail };
}

/** The layer's stored bytes, opened by the core Layer the job describes (registry blob, foreign URLs, or a slice of the file). */
async function openLayerBody(
  layer: Layer,
  job: LayerJob,
  signal: AbortSignal,
  askForCheck = false,
): Promise<CheckedBody | { fetchError: { title: string; detail: string } }> {
  if (!job.location) return { fetchError: { title: 'Layer missing', detail: 'The archive does not contain this layer.' } };
  try {
    if (askForCheck && layer.openChecked) return await layer.openChecked(signal);
    return { body: await layer.open(signal) };
  } catch (error) {
    if (signal.aborted) throw error;
    return { fetchError: fetchErrorOf(error, job) };
  }
}

export const layerWorkerApi = {
  /**
   * `offload`: hash on this worker's helper thread, leaving this one to fetch, inflate and index.
   * The pool asks for it when cores would otherwise idle (few layers left); with every core busy
   * it only adds the copying.
   */
  async analyze(
    jobId: number,
    job: LayerJob,
    onProgress: (progress: LayerProgress) => void,
    offload = false,
    options: LayerJobOptions = {},
  ): Promise<LayerJobResult> {
    const controller = new AbortController();
    running.set(jobId, controller);
    const { signal } = controller;
    seekBuilder.busy();
    try {
      const { digest, size, annotations } = job.descriptor;
      const layer = layerFromDescription(job);
      const contentHash = options.contentHash !== false;
      const cached = await cache.get(digest);
      // A layer cached without content hashes (read with contentHash=off) is read again when they are wanted.
      if (cached && (!contentHash || hasContentHashes(cached.analysis.index))) {
        wantSeekIndex(layer, cached.analysis);
        return transferResult({ analysis: cached.analysis, packages: cached.packages, fromCache: true });
      }
      signal.throwIfAborted();
      // Started: the page shows an empty bar instead of "queued" while the registry answers.
      void onProgress({ bytesRead: 0, totalBytes: size, entries: 0 });

      // The proxy checks the stored bytes' digest as they stream, with hardware SHA-256 (the
      // WebAssembly hash here has no SHA instructions): the worker then hashes only the tar.
      // Only a layer that hashes on the helper waits for it to have started.
      const [opened, helped] = await Promise.all([openLayerBody(layer, job, signal, true), offload ? hashHelperReady() : false]);
      if ('fetchError' in opened) return { fetchError: opened.fetchError, fromCache: false };
      // One pass; its package capture and content hashes are its own (a second pass starts afresh).
      const readLayer = async (
        body: ReadableStream<Uint8Array>,
        checkedDigest: string | undefined,
      ): Promise<{ read: LayerAnalysis; packages: PackageObserver; hashes: ContentHashes | undefined }> => {
        // Package databases are kept as they stream past (core/packages), parsed once the image is stacked.
        const packages = new PackageObserver();
        const hashes = contentHash ? new ContentHashes(await contentHasher) : undefined;
        const read = await analyzeLayerStream(body, {
          expectedDigest: digest,
          ...(checkedDigest !== undefined ? { checkedDigest } : {}),
          ...(job.diffId !== undefined ? { expectedDiffId: job.diffId } : {}),
          totalBytes: size,
          onProgress,
          signal,
          gzipInflater: options.gzipInflater === 'native' ? 'auto' : (options.gzipInflater ?? 'wasm'),
          wasmGzip: createWasmGzipDecoder,
          // One reused buffer for the blob's bytes instead of a new one per chunk (chunks.ts says why).
          reuseChunks: true,
          // The WebAssembly or native inflater is tried first; a multi-member layer it cannot finish is read again.
          reopen: async () => {
            const again = await openLayerBody(layer, job, signal);
            if ('fetchError' in again) throw new Error(`${again.fetchError.title}: ${again.fetchError.detail}`);
            return again.body;
          },
          // eStargz: many gzip members, which both of those stop after the first of.
          ...(announcesManyGzipMembers(annotations) ? { multiMemberGzip: true } : {}),
          ...(helped && offload ? { deferredHasher: (algorithm: DigestAlgorithm) => hashHelper.hasher(algorithm) } : {}),
          contentObserver: combineObservers(packages.observe, hashes?.observer),
        });
        return { read, packages, hashes };
      };
      let pass = await readLayer(opened.body, opened.checkedDigest);
      if (opened.checkedDigest !== undefined && pass.read.digest.actual === undefined && !signal.aborted) {
        // A checked stream that was not read to its clean end broke off on the network, or was cut by
        // the proxy for bytes with another digest (after whatever error the bytes caused here); reading
        // once more unchecked, and hashing here, tells which, and names the digest in our words.
        const again = await openLayerBody(layer, job, signal);
        if ('fetchError' in again) return { fetchError: again.fetchError, fromCache: false };
        pass = await readLayer(again.body, undefined);
      }
      const { read, packages, hashes } = pass;
      const captured = packages.finish();
      const analysis = hashes ? { ...read, index: hashes.attach(read.index) } : read;
      // Only content that is complete and verified is worth remembering by its digest.
      // Not waiting for the write: the row turns verified while IndexedDB commits.
      if (isLayerVerified(analysis)) await cache.store(digest, analysis, captured);
      wantSeekIndex(layer, analysis);
      return transferResult({ analysis, packages: captured, fromCache: false });
    } finally {
      running.delete(jobId);
      seekBuilder.idle();
    }
  },

  /**
   * Reads an image archive's headers, manifest and config from the File in slices (never the
   * whole file), for the chosen platform. Layers stay unread; the page asks for them as jobs.
   */
  async openArchive(blob: Blob, options: { platform?: string } = {}): Promise<ArchiveResult> {
    try {
      const archive = await openArchiveImage(blobReader(blob), options.platform ? { platform: options.platform } : {});
      return {
        summary: {
          kind: archive.kind,
          tags: archive.tags,
          platforms: archive.platforms.map((p) => ({ platform: p.platform, available: p.available })),
          platform: archive.platform,
          attestations: archive.attestations.length,
          image: describeImage(archive.image),
        },
      };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { error: { title: error instanceof ArchiveError ? 'Not a readable image archive' : 'Could not open the archive', detail } };
    }
  },

  /** The pool allows background work once all its workers are idle, and holds it while any reads a layer. */
  allowBackground(allowed: boolean): void {
    if (allowed === !backgroundHeld) return;
    backgroundHeld = !allowed;
    if (allowed) seekBuilder.idle();
    else seekBuilder.busy();
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
    seekBuilder.busy();
    try {
      const result = await extractJob(job, controller.signal);
      return result.bytes ? Comlink.transfer(result, [result.bytes.buffer]) : result;
    } finally {
      running.delete(jobId);
      seekBuilder.idle();
    }
  },

  /**
   * The layer's table of contents (eStargz, zstd:chunked), by Range requests, as a LayerIndex: the
   * file tree before the blob is read. Only for layers whose descriptor announces one, and for
   * slices of an opened file (reading their end costs nothing, and `docker save` drops annotations).
   */
  async readToc(jobId: number, job: LayerJob): Promise<TocReading> {
    const controller = new AbortController();
    running.set(jobId, controller);
    try {
      const layer = layerFromDescription(job);
      const reading = await readLayerToc(blobRanges(layer), {
        annotations: job.descriptor.annotations,
        probe: job.location?.kind === 'blob',
        signal: controller.signal,
      });
      return reading.status === 'found'
        ? Comlink.transfer(reading, [...layerIndexTransferables(reading.toc.index), ...tocContentTransferables(reading.toc.content)])
        : reading;
    } finally {
      running.delete(jobId);
    }
  },

  /** Does the TOC's index agree with the tar pass's? (Both are copied here.) */
  checkToc(toc: LayerIndex, tar: LayerIndex): TocCheck {
    return compareTocWithTar(toc, tar);
  },

  /**
   * Compares two images' final filesystems (the models are copied here, so the page keeps its
   * own) off the main thread; the result's arrays are transferred back.
   */
  compare(a: FsData, b: FsData, options: CompareOptions = {}): FsComparison {
    const result = compareFilesystems(ImageFilesystem.fromTransfer(a), ImageFilesystem.fromTransfer(b), options);
    return Comlink.transfer(result, comparisonTransferables(result));
  },

  /** Shrink advice for a stacked image (core/advice), off the main thread; the model is copied here. */
  advice(fs: FsData, options: AdviceOptions = {}): AdviceReport {
    return computeAdvice(ImageFilesystem.fromTransfer(fs), options);
  },
};

/** Where one entry's content sits in a layer, and the layer it sits in (read from its own location). */
export interface ExtractJob {
  layer: LayerDescription;
  /** As sniffed by the layer's analysis; from the media type when unknown. */
  compression?: Compression;
  /**
   * Offset of the content in the uncompressed tar (negative when unknown: the entry comes from a
   * TOC and the tar pass has not placed it yet), and its length.
   */
  offset: number;
  /** Where the layer's TOC puts the content: read by one Range request of its chunks, verified by their digests. */
  toc?: TocContentPlan;
  size: number;
}

export interface ExtractResult {
  bytes?: Uint8Array<ArrayBuffer>;
  /**
   * How the bytes were read: a range of the stored bytes (an HTTP 206, or a slice of the opened
   * file), the TOC's chunks (one range, inflated), or the layer streamed from its start.
   */
  read: 'range' | 'slice' | 'chunk' | 'stream';
  /** Why the TOC's chunks were not used although given (the bytes then came from the tar). */
  tocProblem?: string;
  /** Stored bytes of the layer that were fetched. */
  fetchedBytes: number;
  /** HTTP status of the blob response (registry sources). */
  status?: number;
  error?: { title: string; detail: string };
}

function isPlainTar(job: ExtractJob): boolean {
  if (job.compression !== undefined) return job.compression === 'none';
  return /\.tar$/.test(job.layer.descriptor.mediaType); // ...layer.v1.tar, ...rootfs.diff.tar
}

function counting(body: ReadableStream<Uint8Array>, count: (n: number) => void): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        count(chunk.length);
        out.enqueue(chunk);
      },
    }),
  );
}

async function extractJob(job: ExtractJob, signal: AbortSignal): Promise<ExtractResult> {
  if (!job.toc) return extractFromTar(job, signal);
  const layer = layerFromDescription(job.layer);
  try {
    const bytes = await readTocContent(blobRanges(layer), job.toc, signal);
    return { bytes: bytes as Uint8Array<ArrayBuffer>, read: 'chunk', fetchedBytes: job.toc.end - job.toc.start };
  } catch (error) {
    if (signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    const problem = error instanceof TocContentError && error.kind === 'digest' ? `the TOC's chunk is not what it claims: ${detail}` : detail;
    // Placed by the tar pass: read it from the tar instead. Not yet placed: nothing else to go by.
    if (job.offset >= 0) return { ...(await extractFromTar(job, signal)), tocProblem: problem };
    return { read: 'chunk', fetchedBytes: 0, tocProblem: problem, error: { title: 'Could not read the file from its TOC chunks', detail: problem } };
  }
}

async function extractFromTar(job: ExtractJob, signal: AbortSignal): Promise<ExtractResult> {
  const plain = isPlainTar(job);
  const { offset, size } = job;
  const layer = layerFromDescription(job.layer);
  const slice = job.layer.location?.kind === 'blob';
  let fetchedBytes = 0;
  const count = (n: number): void => {
    fetchedBytes += n;
  };
  const compression: Compression | undefined = plain ? 'none' : job.compression;
  const fromStart = { offset, size, ...(compression ? { compression } : {}) };
  try {
    if (plain) {
      if (size === 0) return { bytes: new Uint8Array(0), read: slice ? 'slice' : 'range', fetchedBytes: 0 };
      let opened: RangeRead;
      try {
        opened = await layer.openRange(offset, size, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { read: slice ? 'slice' : 'range', fetchedBytes: 0, error: fetchErrorOf(error, job.layer) };
      }
      // A registry that ignores Range sends the whole blob (200): read it from the start.
      const at = opened.whole ? fromStart : { offset: 0, size, compression: 'none' as const };
      const bytes = await extractEntry(counting(opened.body, count), at, signal);
      const status = opened.status !== undefined ? { status: opened.status } : {};
      return { bytes: bytes as Uint8Array<ArrayBuffer>, read: opened.whole ? 'stream' : slice ? 'slice' : 'range', fetchedBytes, ...status };
    }
    const index = size > 0 ? await seekIndexOf(job) : undefined;
    if (index) {
      // One range read from the nearest restart point (a registry that ignores Range: streamed).
      try {
        const r = await extractWithIndex(layer, index, { offset, size }, signal, count);
        const status = r.status !== undefined ? { status: r.status } : {};
        return { bytes: r.bytes as Uint8Array<ArrayBuffer>, read: r.via === 'whole' ? 'stream' : slice ? 'slice' : 'range', fetchedBytes, ...status };
      } catch (error) {
        if (signal.aborted || error instanceof ExtractError || error instanceof RangeError) throw error;
        return { read: 'range', fetchedBytes, error: fetchErrorOf(error, job.layer) };
      }
    }
    let body: ReadableStream<Uint8Array>;
    try {
      body = await layer.open(signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { read: 'stream', fetchedBytes: 0, error: fetchErrorOf(error, job.layer) };
    }
    const bytes = await extractEntry(counting(body, count), fromStart, signal);
    return { bytes: bytes as Uint8Array<ArrayBuffer>, read: 'stream', fetchedBytes };
  } catch (error) {
    if (signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    return { read: plain ? (slice ? 'slice' : 'range') : 'stream', fetchedBytes, error: { title: 'Could not read the file from its layer', detail } };
  }
}

/** The layer's seek index, when one is kept and has restart points beyond its start. */
async function seekIndexOf(job: ExtractJob): Promise<SeekIndex | undefined> {
  const { digest, size } = job.layer.descriptor;
  if (job.compression === 'none') return undefined;
  const stored = await cache.getSeek(digest);
  const index = stored && parseSeekIndex(stored);
  if (!index || !hasRestartPoints(index) || index.compressedSize !== size) return undefined;
  return job.compression === undefined || job.compression === index.compression ? index : undefined;
}

export type LayerWorkerApi = typeof layerWorkerApi;

Comlink.expose(layerWorkerApi);
