/**
 * File contents through TanStack Query, keyed by (layer digest, entry offset): an entry of a
 * content-addressed layer never changes, so never stale. The bytes are read in a worker, which
 * reads only as much of the layer as the entry needs; the query's signal cancels that read.
 */
import { queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import type { Descriptor } from '../core/oci';
import { extractContent, layerPool } from '../worker/bridge';
import type { LayerJobResult } from '../worker/layerJob';
import type { ExtractResult } from '../worker/layerWorker';
import { layerKeys } from './layerQueries';

export const contentKeys = {
  all: ['content'] as const,
  entry: (layerDigest: string, offset: number) => [...contentKeys.all, layerDigest, offset] as const,
};

/** Where one entry's content is: its layer and its byte range in the layer's tar. */
export interface ContentTarget {
  readonly layer: Pick<Descriptor, 'digest' | 'mediaType'>;
  readonly offset: number;
  readonly size: number;
}

export interface EntryContent {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly read: ExtractResult['read'];
  readonly fetchedBytes: number;
  readonly status?: number;
}

/** A failure the worker explained (fetch refused, bad data); shown by the UI. */
export class ContentError extends Error {
  override readonly name = 'ContentError';
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(`${title}: ${detail}`);
  }
}

export const contentQueries = {
  entry: (target: ContentTarget) =>
    queryOptions({
      queryKey: contentKeys.entry(target.layer.digest, target.offset),
      queryFn: async ({ signal, client }): Promise<EntryContent> => {
        const { digest, mediaType } = target.layer;
        const source = layerPool.sourceOf(digest);
        if (!source) throw new ContentError('The layer is not open in this page', `Layer ${digest} was not read here, so its files cannot be read either.`);
        // The compression the layer's analysis sniffed, so a plain tar is read by range.
        const compression = client.getQueryData<LayerJobResult>(layerKeys.analysis(digest))?.analysis?.compression;
        const result = await extractContent(
          { source, digest, mediaType, ...(compression ? { compression } : {}), offset: target.offset, size: target.size },
          signal,
        );
        if (result.error || !result.bytes) throw new ContentError(result.error?.title ?? 'No content', result.error?.detail ?? 'The worker returned no bytes.');
        return { bytes: result.bytes, read: result.read, fetchedBytes: result.fetchedBytes, ...(result.status !== undefined ? { status: result.status } : {}) };
      },
      staleTime: Infinity,
      // Up to 64 MiB each: keep them only while they are looked at, and a little after.
      gcTime: 60_000,
      retry: false,
    }),
};

/** The content of an entry; `enabled` false waits (e.g. for a click on a large file). */
export function useEntryContent(target: ContentTarget | undefined, enabled = true) {
  const options = contentQueries.entry(target ?? { layer: { digest: '', mediaType: '' }, offset: 0, size: 0 });
  return useQuery({ ...options, queryFn: target && enabled ? options.queryFn : skipToken });
}
