/**
 * The page's side of the workers: the one layer pool (layerPool.ts), and a worker each for the
 * filesystem model, the package report, file contents and comparisons, and attestation statements.
 * The page never decompresses or parses.
 */
import * as Comlink from 'comlink';
import type { DecodedStatement } from '../core/attestations/statement';
import type { AdviceOptions, AdviceReport } from '../core/advice';
import type { CompareOptions, FsComparison } from '../core/compare';
import { DigestMismatchError } from '../core/errors';
import { ImageFilesystem, type LayerInput } from '../core/fs';
import type { LayerIndex } from '../core/layers';
import type { TocCheck, TocReading } from '../core/layers/toc';
import type { CapturedFile, PackageReport } from '../core/packages';
import type { FsWorkerApi } from './fsWorker';
import type { LayerJob } from './layerJob';
import type { ExtractJob, ExtractResult, LayerWorkerApi } from './layerWorker';
import { IDLE_SHUTDOWN_MS, LayerWorkerPool } from './layerPool';
import type { StatementWorkerApi } from './statementWorker';

// What the queries hand to and get from the workers: they name these types through the bridge
// (the one module of web/src/worker they may import), never the worker modules themselves.
export type { ArchiveResult, ArchiveSummary, LayerJob, LayerJobResult, LayerProgress } from './layerJob';
export { isLayerVerified, layerAnalysisBytes } from './layerJob';
export type { CacheStats } from './layerCache';
export type { ExtractJob, ExtractResult } from './layerWorker';
export type { TocCheck, TocReading } from '../core/layers/toc';

/** The page's one pool. */
export const layerPool = new LayerWorkerPool(undefined, undefined, undefined, {
  onIdle: () => warmContentWorker(),
  // The model and the package report follow the last layer: their workers load meanwhile, not after it.
  onDrained: () => {
    fsWorker ??= startFsWorker('lading-fs');
    packageWorker ??= startFsWorker('lading-packages');
  },
});

type FsWorkerHandle = { worker: Worker; remote: Comlink.Remote<FsWorkerApi> };

function startFsWorker(name: string): FsWorkerHandle {
  const worker = new Worker(new URL('./fsWorker.ts', import.meta.url), { type: 'module', name });
  return { worker, remote: Comlink.wrap<FsWorkerApi>(worker) };
}

let fsWorker: FsWorkerHandle | undefined;

/**
 * Builds an image's filesystem model in a worker. The layer indexes are copied to it (the
 * query cache keeps its own); the model comes back transferred. A new build replaces an
 * unfinished one: the worker is restarted rather than left computing a stale model.
 */
export async function buildFilesystem(layers: LayerInput[], signal?: AbortSignal): Promise<ImageFilesystem> {
  signal?.throwIfAborted();
  fsWorker ??= startFsWorker('lading-fs');
  const current = fsWorker;
  const onAbort = () => {
    current.worker.terminate();
    if (fsWorker === current) fsWorker = undefined;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const data = await Promise.race([
      layerPool.whilePageWorks(() => current.remote.build(layers)),
      new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    ]);
    return ImageFilesystem.fromTransfer(data);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

let packageWorker: FsWorkerHandle | undefined;

/**
 * Builds an image's package report (core/packages) on a worker of its own, from its model (copied
 * there) and each layer's captured database files (copied: the layer results keep theirs). An
 * abort stops the worker; the next report starts another.
 */
export async function buildPackageReportInWorker(
  fs: ImageFilesystem,
  captured: readonly (readonly CapturedFile[])[],
  signal?: AbortSignal,
): Promise<PackageReport> {
  signal?.throwIfAborted();
  packageWorker ??= startFsWorker('lading-packages');
  const current = packageWorker;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      layerPool.whilePageWorks(() => current.remote.packages(fs.data, captured as CapturedFile[][])),
      new Promise<never>((_, reject) => {
        onAbort = () => {
          current.worker.terminate();
          if (packageWorker === current) packageWorker = undefined;
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

let contentWorker: { worker: Worker; remote: Comlink.Remote<LayerWorkerApi>; running: number; idle?: ReturnType<typeof setTimeout> } | undefined;
let nextExtractId = 1;

function startContentWorker(): NonNullable<typeof contentWorker> {
  const worker = new Worker(new URL('./layerWorker.ts', import.meta.url), { type: 'module', name: 'lading-content' });
  return { worker, remote: Comlink.wrap<LayerWorkerApi>(worker), running: 0 };
}

/**
 * Starts the content worker before the first file is read, once the pool has no layer left to
 * read (so it never competes with an analysis): loading its module and WebAssembly and opening
 * IndexedDB made the first file of e2e/bench/contents.ts take 0.5 s, the next ones 0.07–0.16 s. Stopped when idle.
 */
function warmContentWorker(): void {
  if (contentWorker || typeof Worker !== 'function') return;
  const current = startContentWorker();
  contentWorker = current;
  void current.remote.cacheStats().catch(() => {}); // opens its IndexedDB
  current.idle = setTimeout(() => {
    current.worker.terminate();
    if (contentWorker === current) contentWorker = undefined;
  }, IDLE_SHUTDOWN_MS);
}

/**
 * Runs `call` on a worker of its own for files and comparisons (started lazily, stopped when
 * idle), so they run at once even while the pool is busy reading layers. An abort rejects at
 * once and calls `onAbort` (to cancel the work in the worker).
 */
async function onContentWorker<T>(
  call: (remote: Comlink.Remote<LayerWorkerApi>) => Promise<T>,
  signal?: AbortSignal,
  onAbort?: (remote: Comlink.Remote<LayerWorkerApi>) => void,
): Promise<T> {
  signal?.throwIfAborted();
  contentWorker ??= startContentWorker();
  const current = contentWorker;
  clearTimeout(current.idle);
  current.running++;
  let abort: (() => void) | undefined;
  try {
    return await Promise.race([
      call(current.remote),
      new Promise<never>((_, reject) => {
        abort = () => {
          onAbort?.(current.remote);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', abort, { once: true });
      }),
    ]);
  } finally {
    if (abort) signal?.removeEventListener('abort', abort);
    if (--current.running === 0) {
      current.idle = setTimeout(() => {
        current.worker.terminate();
        if (contentWorker === current) contentWorker = undefined;
      }, IDLE_SHUTDOWN_MS);
    }
  }
}

/** Reads one file's bytes out of its layer in a worker; the signal cancels the read there, which stops the download. */
export function extractContent(job: ExtractJob, signal?: AbortSignal): Promise<ExtractResult> {
  const id = nextExtractId++;
  return onContentWorker(
    (remote) => remote.extract(id, job),
    signal,
    (remote) => void remote.cancel(id),
  );
}

let nextTocId = 1;

/** Reads a layer's TOC (eStargz, zstd:chunked) by Range requests in a worker; the signal cancels the requests. */
export function readLayerTocInWorker(job: LayerJob, signal?: AbortSignal): Promise<TocReading> {
  const id = nextTocId++;
  return onContentWorker(
    (remote) => remote.readToc(-id, job) as Promise<TocReading>,
    signal,
    (remote) => void remote.cancel(-id),
  );
}

/** Compares a layer's TOC with its tar pass's index in a worker (both are copied to it). */
export function checkTocInWorker(toc: LayerIndex, tar: LayerIndex, signal?: AbortSignal): Promise<TocCheck> {
  return onContentWorker((remote) => remote.checkToc(toc, tar), signal);
}

/** Compares two images' final filesystems in a worker (the models are copied to it, the page keeps its own). */
export function compareInWorker(a: ImageFilesystem, b: ImageFilesystem, options: CompareOptions = {}, signal?: AbortSignal): Promise<FsComparison> {
  return onContentWorker((remote) => remote.compare(a.data, b.data, options), signal);
}

/** Shrink advice (core/advice) for an image's filesystem in a worker (the model is copied to it). */
export function adviceInWorker(fs: ImageFilesystem, options: AdviceOptions = {}, signal?: AbortSignal): Promise<AdviceReport> {
  return onContentWorker((remote) => remote.advice(fs.data, options), signal);
}

/**
 * Hashes and parses a big in-toto statement in a short-lived worker of its own (terminated when
 * the answer is in, or at once on abort), so a 60 MB SBOM never blocks the page.
 */
export async function decodeStatementInWorker(bytes: Uint8Array, digest: string, subject: string, signal?: AbortSignal): Promise<DecodedStatement> {
  signal?.throwIfAborted();
  const worker = new Worker(new URL('./statementWorker.ts', import.meta.url), { type: 'module', name: 'lading-statement' });
  const remote = Comlink.wrap<StatementWorkerApi>(worker);
  let onAbort: (() => void) | undefined;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const answer = await Promise.race([
      remote.decode(Comlink.transfer(buffer, [buffer]), digest, subject),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    if (answer.ok) return answer.statement;
    if (answer.name === 'DigestMismatchError' && answer.expected && answer.actual) throw new DigestMismatchError(subject, answer.expected, answer.actual);
    throw new Error(answer.message);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    worker.terminate();
  }
}
