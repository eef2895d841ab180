/**
 * Layer analyses through TanStack Query, keyed by layer digest: content-addressed, so never
 * stale, and shared by every image that has the layer. The query's AbortSignal reaches the
 * worker, so leaving a platform or an image cancels its unfinished layers.
 */
import { useMutation, useQueries, useQuery, useQueryClient, type QueryFunctionContext } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import type { LayerDescription } from '../core/image';
import { announcedToc } from '../core/layers/toc/footers';
import { layerPool, type LayerJobResult, type LayerProgress } from '../worker/bridge';
import { layerTocQuery } from './tocQueries';

export { isLayerVerified } from '../worker/bridge';
export type { LayerJobResult, LayerProgress } from '../worker/bridge';

/** The longest a layer's analysis waits for its TOC. */
const TOC_HEAD_START_MS = 3000;

export const layerKeys = {
  all: ['layer'] as const,
  analysis: (digest: string) => [...layerKeys.all, digest] as const,
  /** Apart from `all`, so clearing analyses keeps the stats query. */
  cacheStats: ['layer-cache-stats'] as const,
};

/**
 * Progress lives outside the query cache: it changes ten times a second per layer and only
 * bars read it. Listeners hear at most one change per interval for all layers together, so
 * two or eight workers reporting still cost the page ten renders a second, not ten per layer
 * (the bench showed per-message renders taking a fifth of the page's CPU).
 */
export class ProgressStore {
  private readonly values = new Map<string, LayerProgress>();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastNotified = -Infinity;

  constructor(
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  set(digest: string, progress: LayerProgress): void {
    this.values.set(digest, progress);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastNotified + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastNotified = this.now();
      for (const listener of this.listeners) listener();
    }, wait);
  }

  get(digest: string): LayerProgress | undefined {
    return this.values.get(digest);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

export const layerProgress = new ProgressStore();

export function useLayerProgress(digest: string): LayerProgress | undefined {
  return useSyncExternalStore(layerProgress.subscribe, () => layerProgress.get(digest));
}

/**
 * A layer's analysis, from the layer's description (its location says where the worker reads the
 * bytes). Keyed by digest alone: the same bytes from a registry or an opened file are the same layer.
 */
/**
 * `image`: the image's layers, when known. Blobs of an image whose layers announce a TOC wait
 * until every announced TOC is read (at most TOC_HEAD_START_MS): the tree needs all of them, and
 * a blob started early competes with the remaining TOC reads for the link and the cores.
 */
export function layerAnalysisQuery(layer: LayerDescription, selectedDigest?: string, image: readonly LayerDescription[] = [layer]) {
  const { digest, size } = layer.descriptor;
  const withToc = image.filter((l) => announcedToc(l.descriptor.annotations) !== undefined);
  return {
    queryKey: layerKeys.analysis(digest),
    queryFn: async ({ signal, client }: QueryFunctionContext): Promise<LayerJobResult> => {
      if (withToc.length > 0) {
        const tocs = Promise.all(withToc.map((l) => client.fetchQuery(layerTocQuery(l)).catch(() => undefined)));
        await Promise.race([tocs, new Promise((r) => setTimeout(r, TOC_HEAD_START_MS))]);
      }
      const result = await layerPool.analyze(layer, {
        signal,
        priority: digest === selectedDigest ? Number.MAX_SAFE_INTEGER : size,
        onProgress: (p) => layerProgress.set(digest, p),
      });
      if (!result.fromCache) void client.invalidateQueries({ queryKey: layerKeys.cacheStats });
      return result;
    },
    staleTime: Infinity,
    gcTime: 30 * 60_000,
    retry: false,
  };
}

/** A layer picked while the others are still queued jumps the queue. */
export function prioritizeLayer(digest: string): void {
  layerPool.prioritize(digest);
}

/** Starts the layer workers while the manifest and config are still on their way. */
export function warmLayerWorkers(): void {
  layerPool.warm();
}

/** Analyses every layer of an image in the worker pool, selected first, then largest first. */
export function useLayerAnalyses(layers: readonly LayerDescription[], selectedDigest?: string) {
  return useQueries({ queries: layers.map((layer) => layerAnalysisQuery(layer, selectedDigest, layers)) });
}

/** What the layer cache (IndexedDB, in the workers) holds, and a way to empty it. */
export function useLayerCacheStats() {
  return useQuery({ queryKey: layerKeys.cacheStats, queryFn: () => layerPool.cacheStats(), staleTime: 5_000 });
}

export function useClearLayerCache() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => layerPool.clearCache(),
    onSuccess: async () => {
      // Only the stored copies go. The analyses on screen stay in memory: dropping them made the open
      // image read its layers again at once and store them again, so the cache refilled behind the
      // click (seen in e2e as layers "cached" after clearing and reloading). The next image opened,
      // or this one reloaded, reads its layers from the registry.
      await queryClient.invalidateQueries({ queryKey: layerKeys.cacheStats });
    },
  });
}
