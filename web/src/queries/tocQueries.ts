/**
 * TOC first, through TanStack Query: each layer's table of contents (eStargz, zstd:chunked) read
 * by Range requests in a worker, keyed by layer digest (content-addressed: never stale). Its index
 * stands in for a layer's in the explorer until the tar pass is done; then the two are compared
 * (in a worker) and a disagreement is shown on the layer. The TOC's chunk offsets also give file
 * contents: `tocPlanFor` finds a file's chunks by path.
 */
import { queryOptions, useQueries, useQuery, skipToken } from '@tanstack/react-query';
import type { LayerDescription } from '../core/image';
import { pathOf, EntryFlag, EntryType, type LayerIndex } from '../core/layers';
import { announcedToc } from '../core/layers/toc/footers';
import { tocContentPlan, type TocContentPlan } from '../core/layers/toc/content';
import { checkTocInWorker, readLayerTocInWorker, type TocCheck, type TocReading } from '../worker/bridge';

export type { TocCheck, TocReading } from '../worker/bridge';

export const tocKeys = {
  all: ['layer-toc'] as const,
  toc: (digest: string) => [...tocKeys.all, digest] as const,
  check: (digest: string) => ['layer-toc-check', digest] as const,
};

/** A layer worth asking for a TOC: its descriptor announces one, or it is a slice of an opened file (free to look at). */
export function mayHaveToc(layer: LayerDescription): boolean {
  return announcedToc(layer.descriptor.annotations) !== undefined || layer.location?.kind === 'blob';
}

export function layerTocQuery(layer: LayerDescription) {
  return queryOptions({
    queryKey: tocKeys.toc(layer.descriptor.digest),
    queryFn: mayHaveToc(layer) && layer.location ? ({ signal }) => readLayerTocInWorker(layer, signal) : skipToken,
    staleTime: Infinity,
    gcTime: 30 * 60_000,
    retry: false,
  });
}

/** Each layer's TOC reading; undefined while it is read, or for layers that announce none. */
export function useLayerTocs(layers: readonly LayerDescription[]): (TocReading | undefined)[] {
  return useQueries({ queries: layers.map((layer) => layerTocQuery(layer)) }).map((q) => q.data);
}

/** Whether the TOC agrees with the tar pass's index; undefined until both are there. */
export function useTocCheck(digest: string, toc: LayerIndex | undefined, tar: LayerIndex | undefined) {
  return useQuery({
    queryKey: tocKeys.check(digest),
    queryFn: toc && tar ? ({ signal }): Promise<TocCheck> => checkTocInWorker(toc, tar, signal) : skipToken,
    staleTime: Infinity,
    gcTime: 30 * 60_000,
    retry: false,
  });
}

/** Per TOC index: the last entry for each path that has content (as extraction keeps the last). */
const byPath = new WeakMap<LayerIndex, Map<string, number>>();

function entryByPath(index: LayerIndex, path: string): number | undefined {
  let map = byPath.get(index);
  if (!map) {
    map = new Map();
    for (let i = 0; i < index.count; i++) {
      if ((index.flags[i] ?? 0) & (EntryFlag.Whiteout | EntryFlag.Opaque)) continue;
      if (index.type[i] === EntryType.File) map.set(pathOf(index, i), i);
    }
    byPath.set(index, map);
  }
  return map.get(path);
}

/** Where the TOC puts the file at `path` (its normalised layer path), when its size agrees; otherwise undefined. */
export function tocPlanFor(reading: TocReading | undefined, path: string, size: number): TocContentPlan | undefined {
  if (reading?.status !== 'found') return undefined;
  const { toc } = reading;
  const entry = entryByPath(toc.index, path);
  if (entry === undefined || toc.index.size[entry] !== size) return undefined;
  return tocContentPlan(toc.content, toc.compression, entry, size);
}
