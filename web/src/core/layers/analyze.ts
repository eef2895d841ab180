/**
 * One streaming pass over a layer blob: hash the stored bytes, sniff the compression by magic
 * bytes, decompress, hash the tar, parse the tar headers into a LayerIndex. Bytes are
 * processed as they arrive; nothing is buffered beyond one decoder window and one header.
 */
import { concatBytes, openChunkReader, type ChunkReader, type LayerSource } from './chunks';
import type { Decoder } from './decoder';
import { createDecoder } from './decoders';
import { layerError, type LayerError } from './errors';
import { createHasher, parseDigest, type DeferredStreamHasher, type DigestAlgorithm, type HasherBackend, type StreamHasher } from './hash';
import { LayerIndexBuilder, type LayerIndex } from './layerIndex';
import { sniffCompression, unsupportedFormatHint, type Compression } from './sniff';
import { NativeGzipInflater, platformGzipTransform, type GzipTransform } from './nativeGzip';
import { TarParser, type ContentObserver } from './tar';
import type { LayerWarning } from './warnings';

export interface LayerProgress {
  /** Stored (compressed) bytes read so far. */
  readonly bytesRead: number;
  readonly totalBytes?: number;
  /** Tar entries indexed so far. */
  readonly entries: number;
}

export interface AnalyzeOptions {
  /** `sha256:…` (or `sha512:…`) of the stored bytes: the descriptor digest. */
  expectedDigest?: string;
  /** `sha256:…` of the uncompressed tar: config `rootfs.diff_ids[i]`. */
  expectedDiffId?: string;
  /** Descriptor size, passed through to progress reports. */
  totalBytes?: number;
  /** Called at most once per `progressIntervalMs` while reading, and once at the end. */
  onProgress?: (p: LayerProgress) => void;
  signal?: AbortSignal;
  /** Minimum time between progress reports; default 100 ms (≤ 10 per second). */
  progressIntervalMs?: number;
  /** Clock in milliseconds for progress throttling; default `performance.now`. For tests. */
  now?: () => number;
  /**
   * Hash the uncompressed tar even when no expectedDiffId is given (default true). Hashing
   * the tar costs about as much as inflating it; turn off when only the listing is wanted.
   */
  computeDiffId?: boolean;
  /** 'wasm' (hash-wasm, default) or 'js' (@noble/hashes). */
  hasher?: HasherBackend;
  /**
   * Hashes somewhere else: the layer worker passes hashers that run on a helper thread, so a
   * layer is inflated on one core while both its digests are computed on another (a layer
   * alone, or the last ones of an image, would otherwise leave a core idle). Undefined, or a
   * factory that returns undefined, hashes here.
   */
  deferredHasher?: (algorithm: DigestAlgorithm) => DeferredStreamHasher | undefined;
  /**
   * Opens the same bytes again from their start. Given this, gzip is first inflated by the
   * platform's `DecompressionStream` (faster than pako, see nativeGzip.ts); if that fails
   * part-way — a multi-member stream in Chromium, or bad data — the layer is read again from
   * here with pako, which decodes every member and reports where the data is bad.
   */
  reopen?: () => Promise<LayerSource>;
  /**
   * The descriptor announces many gzip members (eStargz's TOC annotation): skip the native
   * attempt, which would fail at the first member's end.
   */
  multiMemberGzip?: boolean;
  /**
   * 'auto' (default): native when `reopen` is given and the platform has one; 'wasm': the decoder
   * `wasmGzip` makes (wasmGzip.ts's miniz_oxide), when `reopen` is given, with pako reading again
   * after a failure; 'pako': pako alone.
   */
  gzipInflater?: 'auto' | 'wasm' | 'pako';
  /**
   * Makes the tentative gzip decoder for 'wasm' (`createWasmGzipDecoder`), or undefined where it
   * cannot run (pako then). Passed in, so that runtimes without the WebAssembly module (the CLI's
   * Node build) never load it.
   */
  wasmGzip?: (sink: (bytes: Uint8Array) => void) => Promise<Decoder | undefined>;
  /** The native inflater; default `new DecompressionStream('gzip')`. For tests. */
  nativeGzip?: () => GzipTransform;
  /**
   * A zstd decoder that runs elsewhere (the CLI's libzstd on a worker thread), tried first when
   * `reopen` is given; as for gzip, a failure part-way reads the layer again with the core's own
   * decoder, whose error is the one reported.
   */
  nativeZstd?: () => GzipTransform;
  /**
   * The source checks the stored bytes against this digest as they pass and cuts the stream when
   * they differ (the Lading proxy, `Layer.openChecked`). When it equals `expectedDigest`, the stored
   * bytes are not hashed here: a stream read to its end has that digest. Applies to `source` only,
   * not to what `reopen` gives.
   */
  checkedDigest?: string;
  /**
   * Read a byte-stream `source` into one reused buffer (chunks.ts `openChunkReader`). Everything
   * that consumes the stored bytes here does so before the next read (hashers copy, decoders
   * decode); what must outlive a read is copied. Default false.
   */
  reuseChunks?: boolean;
  /**
   * Asked at each tar entry whether it wants the entry's content (see tar.ts): a per-file hash,
   * a package database captured in the same pass. Unused, content is skipped by arithmetic.
   * When the layer is read again after a native decoder failed, the observer sees the entries again.
   */
  contentObserver?: ContentObserver;
}

export interface DigestCheck {
  /** The expected value as given, when one was given. */
  readonly expected?: string;
  /**
   * The digest of the bytes, present only when the whole stream was hashed (not after an
   * abort, an io error, or — for the diff_id — a decompression error).
   */
  readonly actual?: string;
  /** True only when `expected` was given, is well-formed, and equals `actual`. */
  readonly ok: boolean;
  /** 'source': the source checked the bytes as they passed (`AnalyzeOptions.checkedDigest`), not this reader. */
  readonly checkedBy?: 'source';
}

export interface LayerAnalysis {
  /** Everything indexed, up to the error if there is one. */
  readonly index: LayerIndex;
  readonly compression: Compression;
  readonly digest: DigestCheck;
  readonly diffId: DigestCheck;
  /** Stored bytes read. */
  readonly compressedBytes: number;
  /** Tar bytes produced by the decompressor (equals compressedBytes for plain tar). */
  readonly uncompressedBytes: number;
  /** The first thing that went wrong; a digest mismatch is not an error (see DigestCheck.ok). */
  readonly error?: LayerError;
  /**
   * What was odd but read the way the runtime reads it (warnings.ts): a tar without its end
   * marker, PAX global headers, entry types containerd refuses. One per kind, with a count.
   */
  readonly warnings: readonly LayerWarning[];
  /**
   * For gzip, which inflater produced the result: 'native' (the platform's), 'wasm', 'pako', or
   * 'pako-after-native' / 'pako-after-wasm' (that one failed part-way and the layer was read again).
   */
  readonly inflater?: 'native' | 'wasm' | 'pako' | 'pako-after-native' | 'pako-after-wasm';
}

export type { LayerSource } from './chunks';

const ABORTED = Symbol('aborted');
/** Bytes needed to sniff (zstd magic is 4 bytes; 6 name xz in error hints). */
const SNIFF_BYTES = 6;

/**
 * Analyzes one layer blob in a single streaming pass. Never rejects and never throws: bad
 * bytes, a failing source and an abort all come back as `error` beside the index of what
 * was parsed before. An abort stops reading at once (the source is cancelled) and resolves
 * with `error.kind === 'aborted'`.
 */
export async function analyzeLayerStream(source: LayerSource, opts: AnalyzeOptions = {}): Promise<LayerAnalysis> {
  const tryFirst = opts.reopen !== undefined && !opts.multiMemberGzip;
  const wasmGzip = tryFirst && opts.gzipInflater === 'wasm' ? opts.wasmGzip : undefined;
  const nativeGzip = tryFirst && (opts.gzipInflater ?? 'auto') === 'auto' ? (opts.nativeGzip ?? platformGzipTransform()) : undefined;
  const first = await analyzeOnce(source, opts, { nativeGzip, wasmGzip, nativeZstd: opts.reopen ? opts.nativeZstd : undefined }, opts.checkedDigest);
  if (first !== NATIVE_FAILED && first !== NATIVE_ZSTD_FAILED && first !== WASM_FAILED) return first;
  // gzip names the second pass's inflater; zstd has no such field.
  const inflater = first === NATIVE_FAILED ? { inflater: 'pako-after-native' as const } : first === WASM_FAILED ? { inflater: 'pako-after-wasm' as const } : {};
  let again: LayerSource;
  try {
    again = await opts.reopen!();
  } catch (e) {
    return { ...((await analyzeOnce(failingSource(e), opts, {})) as LayerAnalysis), ...inflater };
  }
  const second = await analyzeOnce(again, opts, {});
  return { ...(second as LayerAnalysis), ...inflater };
}

const NATIVE_FAILED = Symbol('native gzip failed');
const NATIVE_ZSTD_FAILED = Symbol('native zstd failed');
const WASM_FAILED = Symbol('wasm gzip failed');

/** The inflaters a first pass tries before the core's own (each read again after a failure). */
interface FirstTry {
  readonly nativeGzip?: (() => GzipTransform) | undefined;
  readonly wasmGzip?: ((sink: (bytes: Uint8Array) => void) => Promise<Decoder | undefined>) | undefined;
  readonly nativeZstd?: (() => GzipTransform) | undefined;
}

/** A source whose first read fails with `error`, so a failed reopen is reported like any read failure. */
function failingSource(error: unknown): LayerSource {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
    }),
  };
}

async function analyzeOnce(
  source: LayerSource,
  opts: AnalyzeOptions,
  { nativeGzip, wasmGzip, nativeZstd }: FirstTry,
  checkedDigest?: string,
): Promise<LayerAnalysis | typeof NATIVE_FAILED | typeof NATIVE_ZSTD_FAILED | typeof WASM_FAILED> {
  const builder = new LayerIndexBuilder();
  const tar = new TarParser(builder, opts.contentObserver ? { contentObserver: opts.contentObserver } : {});
  let error: LayerError | undefined;
  const fail = (e: LayerError): void => {
    error ??= e;
  };

  const wantDigest = expectation(opts.expectedDigest, 'digest', fail);
  const wantDiffId = expectation(opts.expectedDiffId, 'diff_id', fail);
  const computeDiffId = opts.computeDiffId !== false || opts.expectedDiffId !== undefined;
  const sourceChecked = wantDigest !== undefined && checkedDigest !== undefined && checkedDigest === opts.expectedDigest;

  let compression: Compression = 'none';
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  let digestHasher: StreamHasher | DeferredStreamHasher | undefined;
  let diffIdHasher: StreamHasher | DeferredStreamHasher | undefined;
  let digestActual: string | undefined;
  let diffIdActual: string | undefined;
  let readAll = false;
  let decodeFailed = false;
  let native: NativeGzipInflater | undefined;
  let decoder: Decoder | undefined;
  /** The native inflater or a tentative decoder failed: the layer is read again. */
  let nativeFailed = false;

  const signal = opts.signal;
  let reader: ChunkReader | undefined;
  let onAbort: (() => void) | undefined;

  const now = opts.now ?? (() => performance.now());
  const interval = opts.progressIntervalMs ?? 100;
  let lastProgress = -Infinity;
  const progress = (force: boolean): void => {
    if (!opts.onProgress) return;
    const t = now();
    if (!force && t - lastProgress < interval) return;
    lastProgress = t;
    try {
      opts.onProgress({
        bytesRead: compressedBytes,
        ...(opts.totalBytes !== undefined ? { totalBytes: opts.totalBytes } : {}),
        entries: builder.count,
      });
    } catch {
      // A failing progress callback must not break the analysis.
    }
  };

  try {
    reader = openChunkReader(source, opts.reuseChunks === true);
    const reused = reader.reused;
    const digestAlgorithm = wantDigest?.algorithm ?? 'sha256';
    digestHasher = sourceChecked
      ? checkedBySource(digestAlgorithm, checkedDigest!)
      : (opts.deferredHasher?.(digestAlgorithm) ?? (await createHasher(digestAlgorithm, opts.hasher)));
    const diffAlgorithm = wantDiffId?.algorithm ?? 'sha256';
    let uncompressedHasher: StreamHasher | DeferredStreamHasher | undefined;
    /** A hasher on another thread that is behind: wait for it rather than queue without bound. */
    const backlog = (): Promise<void> | undefined =>
      ('backlog' in digestHasher! ? digestHasher.backlog() : undefined) ?? (diffIdHasher && 'backlog' in diffIdHasher ? diffIdHasher.backlog() : undefined);
    const sink = (bytes: Uint8Array): void => {
      uncompressedBytes += bytes.length;
      uncompressedHasher?.update(bytes);
      tar.push(bytes);
    };

    if (signal?.aborted) throw ABORTED;
    const abortPromise = new Promise<typeof ABORTED>((resolve) => {
      onAbort = () => resolve(ABORTED);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

    let started = false;
    let head: Uint8Array[] = [];
    let headBytes = 0;
    let firstBytes = new Uint8Array(0);

    const start = async (): Promise<void> => {
      firstBytes = concatBytes(head, headBytes).slice(0, SNIFF_BYTES);
      compression = sniffCompression(firstBytes);
      if (compression === 'none' && diffAlgorithm === digestHasher?.algorithm) {
        diffIdHasher = digestHasher; // a plain tar is its own diff: hash it once
      } else if (computeDiffId) {
        diffIdHasher = uncompressedHasher = opts.deferredHasher?.(diffAlgorithm) ?? (await createHasher(diffAlgorithm, opts.hasher));
      }
      if (compression === 'gzip' && nativeGzip) native = new NativeGzipInflater(nativeGzip(), sink);
      else if (compression === 'zstd' && nativeZstd) native = new NativeGzipInflater(nativeZstd(), sink);
      else decoder = (compression === 'gzip' && wasmGzip ? await wasmGzip(sink) : undefined) ?? (await createDecoder(compression, sink));
      started = true;
      const pending = head;
      head = [];
      for (const chunk of pending) {
        if (native) await native.push(reused ? chunk.slice() : chunk);
        else feed(chunk);
      }
    };
    const feed = (chunk: Uint8Array): void => {
      if (decodeFailed || !decoder) return;
      const e = decoder.push(reused && decoder.keepsInput ? chunk.slice() : chunk);
      if (e) failDecoder(e);
    };
    /** A tentative decoder's error means "read again"; any other decoder's is the layer's. */
    const failDecoder = (e: LayerError): void => {
      if (decoder?.tentative) nativeFailed = true;
      else {
        decodeFailed = true;
        fail(e);
      }
    };

    for (;;) {
      if (signal?.aborted) throw ABORTED;
      const pending = reader.read();
      pending.catch(() => {});
      let result: IteratorResult<Uint8Array, unknown> | typeof ABORTED;
      try {
        result = signal ? await Promise.race([pending, abortPromise]) : await pending;
      } catch (e) {
        fail(layerError('io', `reading the layer failed: ${describeError(e)}`, compressedBytes));
        break;
      }
      if (result === ABORTED) throw ABORTED;
      if (result.done) {
        readAll = true;
        break;
      }
      const chunk = toBytes(result.value);
      if (chunk === undefined) {
        fail(layerError('io', `the layer stream produced a ${typeof result.value}, not bytes`, compressedBytes));
        reader.cancel('not bytes');
        break;
      }
      if (chunk.length === 0) continue;
      compressedBytes += chunk.length;
      digestHasher.update(chunk);
      if (native) {
        // The platform inflater keeps what it is given: a reused chunk is copied for it.
        await native.push(reused ? chunk.slice() : chunk);
      } else if (started) {
        feed(chunk);
      } else {
        head.push(reused ? chunk.slice() : chunk);
        headBytes += chunk.length;
        if (headBytes >= SNIFF_BYTES) await start();
      }
      if (native?.failed) nativeFailed = true;
      if (nativeFailed) break;
      progress(false);
      for (let behind = backlog(); behind; behind = backlog()) {
        if ((signal ? await Promise.race([behind, abortPromise]) : await behind) === ABORTED) throw ABORTED;
      }
    }

    if (readAll && !nativeFailed) {
      if (!started) await start();
      if (native && !(await native.finish())) nativeFailed = true;
    }
    if (readAll && !nativeFailed) {
      if (!decodeFailed && decoder) {
        const e = decoder.finish();
        if (e) failDecoder(e);
      }
    }
    if (readAll && !nativeFailed) {
      if (!decodeFailed) tar.finish();
      if (tar.error) {
        const hint = compression === 'none' ? unsupportedFormatHint(firstBytes) : undefined;
        fail(hint ? { ...tar.error, message: `${hint}-compressed data is not supported (${tar.error.message})` } : tar.error);
      }
    }
    if (readAll && !nativeFailed) {
      // Digests last, after everything is handed over (a hasher on another thread may still be at work).
      const finish = async (hasher: StreamHasher | DeferredStreamHasher, what: string): Promise<string | undefined> => {
        const pending = Promise.resolve(hasher.digest());
        try {
          const result = signal ? await Promise.race([pending, abortPromise]) : await pending;
          if (result === ABORTED) throw ABORTED;
          return result;
        } catch (e) {
          if (e === ABORTED) throw e;
          fail(layerError('io', `hashing the ${what} failed: ${describeError(e)}`, compressedBytes));
          return undefined;
        }
      };
      const [digestDone, diffIdDone] = [digestHasher, diffIdHasher];
      // Asked for: nothing is left to discard below.
      digestHasher = diffIdHasher = undefined;
      const ownDiffId = diffIdDone !== undefined && diffIdDone !== digestDone;
      if (ownDiffId && decodeFailed && 'discard' in diffIdDone) diffIdDone.discard(); // a tar cut short has no diff_id
      const digestPending = finish(digestDone!, 'stored bytes');
      const diffIdPending = ownDiffId && !decodeFailed ? finish(diffIdDone, 'tar') : undefined;
      diffIdPending?.catch(() => {}); // an abort is taken from digestPending
      digestActual = await digestPending;
      diffIdActual = diffIdDone === digestDone ? digestActual : await diffIdPending;
    }
  } catch (e) {
    native?.stop();
    if (e === ABORTED) {
      reader?.cancel(signal?.reason);
      const reason = signal?.reason instanceof Error ? `: ${signal.reason.message}` : '';
      error = layerError('aborted', `aborted${reason}`, compressedBytes);
      readAll = false;
    } else {
      fail(layerError('io', `internal error: ${describeError(e)}`, compressedBytes));
      readAll = false;
    }
  } finally {
    // Not asked for a digest (abort, error, a native failure read again): drop the queued work.
    for (const hasher of [digestHasher, diffIdHasher]) if (hasher && 'discard' in hasher) hasher.discard();
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (!readAll || nativeFailed || decodeFailed) decoder?.release?.();
    if (nativeFailed) {
      native?.stop();
      if (!readAll) reader?.cancel('read again with pako');
    } else if (readAll) reader?.release();
  }
  // Only a native failure with the data still readable is worth a second pass; after an
  // abort or a read error the first pass's answer stands.
  if (nativeFailed && error?.kind !== 'aborted' && error?.kind !== 'io') {
    if (decoder?.tentative) return WASM_FAILED;
    return (compression as Compression) === 'zstd' ? NATIVE_ZSTD_FAILED : NATIVE_FAILED;
  }
  progress(true);

  if (!readAll || decodeFailed) diffIdActual = undefined;
  if (!readAll) digestActual = undefined;
  return {
    index: builder.finish(),
    compression,
    digest: {
      ...check(opts.expectedDigest, wantDigest !== undefined, digestActual),
      ...(sourceChecked && digestActual !== undefined ? { checkedBy: 'source' as const } : {}),
    },
    diffId: check(opts.expectedDiffId, wantDiffId !== undefined, diffIdActual),
    compressedBytes,
    uncompressedBytes,
    ...(error !== undefined ? { error } : {}),
    warnings: tar.warningList(),
    ...((compression as Compression) === 'gzip' ? { inflater: native ? 'native' : decoder?.tentative ? 'wasm' : 'pako' } : {}),
  };
}

/**
 * The stored bytes' "hasher" when the source checks them: nothing to compute, the digest of a stream
 * read to its end is the one the source checked. (A plain tar shares it as its diff_id, which is
 * then checked by the source too.)
 */
function checkedBySource(algorithm: DigestAlgorithm, digest: string): StreamHasher {
  return { algorithm, update() {}, digest: () => digest };
}

function expectation(value: string | undefined, what: string, fail: (e: LayerError) => void): { algorithm: DigestAlgorithm } | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDigest(value);
  if (!parsed) fail(layerError('digest', `expected ${what} '${value.slice(0, 80)}' is not a sha256 or sha512 digest`, 0));
  return parsed;
}

function check(expected: string | undefined, valid: boolean, actual: string | undefined): DigestCheck {
  return {
    ...(expected !== undefined ? { expected } : {}),
    ...(actual !== undefined ? { actual } : {}),
    ok: valid && actual !== undefined && actual === expected,
  };
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
