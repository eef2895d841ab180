/**
 * File contents through TanStack Query, keyed by (layer digest, entry offset): an entry of a
 * content-addressed layer never changes, so never stale. The bytes are read in a worker, which
 * reads only as much of the layer as the entry needs; the query's signal cancels that read.
 */
import { queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import type { LayerDescription } from '../core/image';
import { extractContent, type ExtractResult, type LayerJobResult } from '../worker/bridge';
import { layerKeys } from './layerQueries';

/** The largest file the details pane reads (the worker refuses more). */
export { MAX_EXTRACT_BYTES } from '../core/layers/extract';

export const contentKeys = {
  all: ['content'] as const,
  entry: (layerDigest: string, offset: number) => [...contentKeys.all, layerDigest, offset] as const,
};

/** Where one entry's content is: its layer (which says where its bytes are) and its byte range in the layer's tar. */
export interface ContentTarget {
  readonly layer: LayerDescription;
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
      queryKey: contentKeys.entry(target.layer.descriptor.digest, target.offset),
      queryFn: async ({ signal, client }): Promise<EntryContent> => {
        const { digest } = target.layer.descriptor;
        if (!target.layer.location)
          throw new ContentError('The layer is not in this image’s source', `Layer ${digest} is not held here, so its files cannot be read.`);
        // The compression the layer's analysis sniffed, so a plain tar is read by range.
        const compression = client.getQueryData<LayerJobResult>(layerKeys.analysis(digest))?.analysis?.compression;
        const result = await extractContent({ layer: target.layer, ...(compression ? { compression } : {}), offset: target.offset, size: target.size }, signal);
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
  const options = contentQueries.entry(target ?? { layer: { descriptor: { digest: '', mediaType: '', size: 0 } }, offset: 0, size: 0 });
  return useQuery({ ...options, queryFn: target && enabled ? options.queryFn : skipToken });
}
