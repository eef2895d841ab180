/**
 * Reads every layer once with the core's `analyzeLayerStream` (hash of the stored bytes,
 * decompression, hash of the tar, header index), a few at a time, and says what went wrong with
 * each. A layer that fails is reported and the others go on; its index holds what was parsed
 * before the failure.
 */
import type { Layer } from '../core/image';
import { analyzeLayerStream, emptyLayerIndex, type DigestCheck, type LayerAnalysis, type LayerIndex } from '../core/layers';

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
}

function checkProblem(what: string, check: DigestCheck): string | undefined {
  if (check.expected === undefined || check.ok) return undefined;
  if (check.actual === undefined) return undefined; // not hashed to the end: the error says why
  return `${what} mismatch: expected ${check.expected}, the content hashes to ${check.actual}`;
}

async function readOne(layer: Layer, k: number, report: (bytes: number) => void, signal?: AbortSignal): Promise<LayerRead> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await layer.open(signal);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { index: k, layer, layerIndex: emptyLayerIndex(), problems: [`could not open the layer: ${message}`], warnings: [] };
  }
  const analysis = await analyzeLayerStream(stream, {
    expectedDigest: layer.digest,
    ...(layer.diffId !== undefined ? { expectedDiffId: layer.diffId } : {}),
    totalBytes: layer.size,
    onProgress: (p) => report(p.bytesRead),
    ...(signal ? { signal } : {}),
  });
  report(analysis.compressedBytes);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (analysis.error) {
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
  return { index: k, layer, layerIndex: analysis.index, analysis, problems, warnings };
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
  const results: LayerRead[] = new Array(layers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const k = next++;
      results[k] = await readOne(layers[k]!, k, (bytes) => report(k, bytes), options.signal);
      progress.layersDone++;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, layers.length) }, worker));
  return results;
}
