/**
 * Layer analyses through TanStack Query, keyed by layer digest: content-addressed, so never
 * stale, and shared by every image that has the layer. The query's AbortSignal reaches the
 * worker, so leaving a platform or an image cancels its unfinished layers.
 */
import { useQueries, type QueryFunctionContext } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import type { LayerInfo } from '../core/image';
import { announcesManyGzipMembers } from '../core/layers/nativeGzip';
import type { Repository } from '../core/registry/client';
import { layerPool } from '../worker/bridge';
import type { LayerJobResult, LayerProgress, LayerSource } from '../worker/layerJob';

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

/** Where each layer's bytes come from: the registry through the proxy, or a slice of an opened file. */
export type LayerSourceOf = (layer: LayerInfo) => LayerSource | undefined;

export function registryLayerSource(repo: Repository): LayerSourceOf {
  const baseUrl = `${globalThis.location.origin}/registry`;
  return () => ({ kind: 'registry', baseUrl, domain: repo.domain, path: repo.path });
}

export function layerAnalysisQuery(sourceOf: LayerSourceOf, layer: LayerInfo, selectedDigest?: string) {
  const { digest, size, mediaType } = layer.descriptor;
  return {
    queryKey: layerKeys.analysis(digest),
    queryFn: async ({ signal, client }: QueryFunctionContext): Promise<LayerJobResult> => {
      const source = sourceOf(layer);
      if (!source) return { fetchError: { title: 'Layer missing', detail: 'The archive does not contain this layer.' }, fromCache: false };
      const result = await layerPool.analyze(
        {
          source,
          digest,
          size,
          mediaType,
          ...(layer.diffId ? { diffId: layer.diffId } : {}),
          ...(layer.descriptor.urls ? { urls: layer.descriptor.urls } : {}),
          ...(announcesManyGzipMembers(layer.descriptor.annotations) ? { multiMemberGzip: true } : {}),
        },
        { signal, priority: digest === selectedDigest ? Number.MAX_SAFE_INTEGER : size, onProgress: (p) => layerProgress.set(digest, p) },
      );
      if (!result.fromCache) void client.invalidateQueries({ queryKey: layerKeys.cacheStats });
      return result;
    },
    staleTime: Infinity,
    gcTime: 30 * 60_000,
    retry: false,
  };
}

/** Starts the layer workers while the manifest and config are still on their way. */
export function warmLayerWorkers(): void {
  layerPool.warm();
}

/** Analyses every layer of an image in the worker pool, selected first, then largest first. */
export function useLayerAnalyses(sourceOf: LayerSourceOf, layers: readonly LayerInfo[], selectedDigest?: string) {
  return useQueries({ queries: layers.map((layer) => layerAnalysisQuery(sourceOf, layer, selectedDigest)) });
}
