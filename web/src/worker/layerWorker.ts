/**
 * The layer worker: fetches a layer blob through the proxy and reads it in one streaming
 * pass (hash, decompress, index tar headers) with the pure core. Results go back to the
 * page as transferable typed arrays, never copied. Cached by digest in IndexedDB.
 */
import * as Comlink from 'comlink';
import { explainError } from '../core/explain';
import { analyzeLayerStream, layerIndexTransferables } from '../core/layers';
import { RegistryClient } from '../core/registry/client';
import { LayerCache, type CacheStats } from './layerCache';
import { isLayerVerified, type LayerJob, type LayerJobResult, type LayerProgress } from './layerJob';

const cache = new LayerCache();
const running = new Map<number, AbortController>();

function transferResult(result: LayerJobResult): LayerJobResult {
  return result.analysis ? Comlink.transfer(result, layerIndexTransferables(result.analysis.index)) : result;
}

export const layerWorkerApi = {
  async analyze(jobId: number, job: LayerJob, onProgress: (progress: LayerProgress) => void): Promise<LayerJobResult> {
    const controller = new AbortController();
    running.set(jobId, controller);
    const { signal } = controller;
    try {
      const cached = await cache.get(job.digest);
      if (cached) return transferResult({ analysis: cached, fromCache: true });
      signal.throwIfAborted();

      const client = new RegistryClient({ baseUrl: job.source.baseUrl });
      const repo = { domain: job.source.domain, path: job.source.path };
      let body: ReadableStream<Uint8Array>;
      try {
        const response = await client.openBlob(repo, job.digest, signal);
        if (!response.body) throw new Error('the registry sent no body');
        body = response.body;
      } catch (error) {
        if (signal.aborted) throw error;
        const { title, detail } = explainError(error, { repository: `${repo.domain}/${repo.path}`, reference: job.digest });
        return { fetchError: { title, detail }, fromCache: false };
      }
      const analysis = await analyzeLayerStream(body, {
        expectedDigest: job.digest,
        ...(job.diffId !== undefined ? { expectedDiffId: job.diffId } : {}),
        totalBytes: job.size,
        onProgress,
        signal,
      });
      // Only content that is complete and verified is worth remembering by its digest.
      if (isLayerVerified(analysis)) await cache.put(job.digest, analysis);
      return transferResult({ analysis, fromCache: false });
    } finally {
      running.delete(jobId);
    }
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
};

export type LayerWorkerApi = typeof layerWorkerApi;

Comlink.expose(layerWorkerApi);
