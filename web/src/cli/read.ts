/**
 * Reads every layer once with the core's `analyzeLayerStream` (hash of the stored bytes,
 * decompression, hash of the tar, header index), a few at a time, and says what went wrong with
 * each. A layer that fails is reported and the others go on; its index holds what was parsed
 * before the failure.
 *
 * The core's decoders and hashes are replaced by Node's where Node has faster ones (see
 * README.md, Performance): gzip by zlib on libuv's thread pool (nodeGzip.ts), zstd by libzstd on
 * worker threads (zstdThread.ts), SHA-256 by node:crypto (nodeHash.ts). The first two are the
 * core's `nativeGzip` / `nativeZstd` with `reopen`: when one fails, the core reads the layer again
 * with its own decoder, so a damaged layer is reported exactly as in the browser. A decoder that
 * stops making progress is stopped by the watchdog (watchdog.ts); its layer fails with that
 * message and is not read again.
 */
import type { Layer } from '../core/image';
import { analyzeLayerStream, emptyLayerIndex, type DigestCheck, type LayerAnalysis, type LayerIndex } from '../core/layers';
import { ContentHashes, createContentHasher, type ContentHasher } from '../core/layers/contentHash';
import { combineObservers } from '../core/layers/observers';
import { PackageObserver, type CapturedFile } from '../core/packages';
import { nodeGunzip } from './nodeGzip';
import type { DeferredStreamHasher } from '../core/layers/hash';
import { hasherChosenAtFirstUse } from './nodeHash';
import { DEFAULT_WATCHDOG, type StuckDecoderError, type WatchdogOptions } from './watchdog';
import { ZstdThreads, type ZstdStream } from './zstdThread';

export interface LayerRead {
  readonly index: number;
  readonly layer: Layer;
  /** What was indexed (everything, or everything before the error). */
  readonly layerIndex: LayerIndex;
  /** Absent when the layer could not even be opened. */
  readonly analysis?: LayerAnalysis;
  /** Integrity or read problems: the analysis is incomplete or unverified. */
  readonly problems: readonly string[];
  /** Things worth saying that do not make the result wrong. */
  readonly warnings: readonly string[];
  /** The layer's package-database files, captured in the same pass (core/packages). */
  readonly packages?: readonly CapturedFile[];
}

export function layerFailed(read: LayerRead): boolean {
  return read.problems.length > 0;
}

export interface ReadProgress {
  /** Stored bytes read so far, over all layers. */
  bytesRead: number;
  totalBytes: number;
  layersDone: number;
  layerCount: number;
}

export interface ReadOptions {
  /** Layers read at the same time; default 3. */
  concurrency?: number;
  onProgress?: (p: ReadProgress) => void;
  signal?: AbortSignal;
  /** When a decoder counts as stuck; default DEFAULT_WATCHDOG (20 s without progress). */
  watchdog?: WatchdogOptions;
  /** The per-file content hash (core/layers/contentHash.ts); default on (`LADING_CONTENT_HASH=off` turns it off). */
  contentHash?: boolean;
  /** For tests: the zstd decoder threads (default: a pool of `concurrency`, closed at the end). */
  zstdThreads?: ZstdThreads;
}

/** How a layer is decoded and hashed in Node. */
interface NodeEngine {
  zstd: ZstdThreads;
  watchdog: WatchdogOptions;
  /** Creates one hasher per layer read (a layer's files are hashed one after another on it). */
  contentHasher?: () => Promise<ContentHasher>;
}

function checkProblem(what: string, check: DigestCheck): string | undefined {
  if (check.expected === undefined || check.ok) return undefined;
  if (check.actual === undefined) return undefined; // not hashed to the end: the error says why
  return `${what} mismatch: expected ${check.expected}, the content hashes to ${check.actual}`;
}

async function readOne(layer: Layer, k: number, report: (bytes: number) => void, engine: NodeEngine, signal?: AbortSignal): Promise<LayerRead> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await layer.open(signal);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { index: k, layer, layerIndex: emptyLayerIndex(), problems: [`could not open the layer: ${message}`], warnings: [] };
  }
  let stuck: StuckDecoderError | undefined;
  const onStuck = (error: StuckDecoderError): void => {
    stuck = error;
  };
  // The zstd stream of the current pass: its thread hashes the tar too (see hasherChosenAtFirstUse).
  let zstd: ZstdStream | undefined;
  const takeTarHasher = (): DeferredStreamHasher | undefined => {
    const hasher = zstd?.tarHasher;
    zstd = undefined;
    return hasher;
  };
  const packages = new PackageObserver();
  const hashes = engine.contentHasher ? new ContentHashes(await engine.contentHasher()) : undefined;
  const read = await analyzeLayerStream(stream, {
    expectedDigest: layer.digest,
    ...(layer.diffId !== undefined ? { expectedDiffId: layer.diffId } : {}),
    totalBytes: layer.size,
    onProgress: (p) => report(p.bytesRead),
    ...(signal ? { signal } : {}),
    nativeGzip: () => nodeGunzip({ watchdog: engine.watchdog, onStuck }),
    nativeZstd: () => {
      zstd = engine.zstd.open({ hash: 'sha256', onStuck });
      return zstd.transform;
    },
    reopen: () => {
      zstd = undefined; // the second pass decodes and hashes here
      // A stuck decoder's layer is not read again: the core's own decoder would run on this thread.
      return stuck ? Promise.reject(stuck) : layer.open(signal);
    },
    // The digest's hasher is first used before the decoder exists (here); the tar's after (the thread's, for zstd).
    deferredHasher: (algorithm) => hasherChosenAtFirstUse(algorithm, algorithm === 'sha256' ? takeTarHasher : () => undefined),
    contentObserver: combineObservers(packages.observe, hashes?.observer),
  });
  const analysis = hashes ? { ...read, index: hashes.attach(read.index) } : read;
  report(analysis.compressedBytes);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (stuck) {
    problems.push(stuck.message);
  } else if (analysis.error) {
    const where = analysis.error.kind === 'aborted' ? '' : ` at ${analysis.error.stream} byte ${analysis.error.offset}`;
    problems.push(`${analysis.error.kind} error${where}: ${analysis.error.message}`);
  }
  const digest = checkProblem('digest', analysis.digest);
  if (digest) problems.push(digest);
  const diffId = checkProblem('diff_id', analysis.diffId);
  if (diffId) problems.push(diffId);
  if (layer.diffId === undefined) warnings.push('the config has no diff_id for this layer, so its uncompressed content is not verified');
  if (!analysis.error && analysis.compressedBytes !== layer.size) {
    problems.push(`size mismatch: the descriptor says ${layer.size} bytes, ${analysis.compressedBytes} were read`);
  }
  return { index: k, layer, layerIndex: analysis.index, analysis, problems, warnings, packages: packages.finish() };
}

/** Reads all layers, `concurrency` at a time; results in layer order. */
export async function readLayers(layers: readonly Layer[], options: ReadOptions = {}): Promise<LayerRead[]> {
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const perLayer = new Float64Array(layers.length);
  const progress: ReadProgress = {
    bytesRead: 0,
    totalBytes: layers.reduce((sum, l) => sum + l.size, 0),
    layersDone: 0,
    layerCount: layers.length,
  };
  const report = (k: number, bytes: number): void => {
    progress.bytesRead += bytes - perLayer[k]!;
    perLayer[k] = bytes;
    options.onProgress?.({ ...progress });
  };
  const engine: NodeEngine = {
    // One thread per layer read at a time: a layer waiting for a thread would leave its download
    // stalled meanwhile, which a registry's idle timeout may end.
    zstd: options.zstdThreads ?? new ZstdThreads({ size: concurrency, ...(options.watchdog ? { watchdog: options.watchdog } : {}) }),
    watchdog: options.watchdog ?? DEFAULT_WATCHDOG,
    ...(options.contentHash !== false ? { contentHasher: createContentHasher } : {}),
  };
  // Loading a thread takes a few hundred milliseconds: start them beside the first requests.
  if (layers.some((l) => /zstd/.test(l.mediaType))) engine.zstd.warm();
  const results: LayerRead[] = new Array(layers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const k = next++;
      results[k] = await readOne(layers[k]!, k, (bytes) => report(k, bytes), engine, options.signal);
      progress.layersDone++;
      options.onProgress?.({ ...progress });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, layers.length) }, worker));
  } finally {
    if (!options.zstdThreads) await engine.zstd.close();
  }
  return results;
}
