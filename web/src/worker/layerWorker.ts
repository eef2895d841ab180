/**
 * The layer worker: fetches a layer blob through the proxy and reads it in one streaming
 * pass (hash, decompress, index tar headers) with the pure core. Results go back to the
 * page as transferable typed arrays, never copied. Cached by digest in IndexedDB.
 */
import * as Comlink from 'comlink';
import { explainError } from '../core/explain';
import { analyzeLayerStream, layerIndexTransferables } from '../core/layers';
import { RegistryClient } from '../core/registry/client';
import { ArchiveError, blobReader, openArchiveImage } from '../core/sources';
import { LayerCache, type CacheStats } from './layerCache';
import { isLayerVerified, type ArchiveResult, type LayerJob, type LayerJobResult, type LayerProgress } from './layerJob';

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

      let body: ReadableStream<Uint8Array>;
      const source = job.source;
      if (source.kind === 'blob') {
        body = source.blob.slice(source.offset, source.offset + source.length).stream();
      } else {
        const client = new RegistryClient({ baseUrl: source.baseUrl });
        const repo = { domain: source.domain, path: source.path };
        try {
          const response = await client.openBlob(repo, job.digest, signal);
          if (!response.body) throw new Error('the registry sent no body');
          body = response.body;
        } catch (error) {
          if (signal.aborted) throw error;
          const { title, detail } = explainError(error, { repository: `${repo.domain}/${repo.path}`, reference: job.digest });
          return { fetchError: { title, detail }, fromCache: false };
        }
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
