/**
 * File contents through TanStack Query, keyed by (layer digest, entry offset): an entry of a
 * content-addressed layer never changes, so never stale. The bytes are read in a worker, which
 * reads only as much of the layer as the entry needs; the query's signal cancels that read.
 */
import { queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import type { LayerDescription } from '../core/image';
import { extractContent, type ExtractResult, type LayerJobResult } from '../worker/bridge';
import { layerKeys } from './layerQueries';
import { tocKeys, tocPlanFor, type TocReading } from './tocQueries';

/** The largest file the details pane reads (the worker refuses more). */
export { MAX_EXTRACT_BYTES } from '../core/layers/extract';

export const contentKeys = {
  all: ['content'] as const,
  /** An entry the tar pass placed is named by its offset; one only its TOC lists (offset < 0), by its path. */
  entry: (layerDigest: string, offset: number, path?: string) =>
    offset >= 0 || path === undefined ? ([...contentKeys.all, layerDigest, offset] as const) : ([...contentKeys.all, layerDigest, 'toc', path] as const),
};

/** Where one entry's content is: its layer (which says where its bytes are) and its byte range in the layer's tar. */
export interface ContentTarget {
  readonly layer: LayerDescription;
  /** Negative for an entry listed by the layer's TOC, not yet placed by the tar pass. */
  readonly offset: number;
  readonly size: number;
  /** The entry's normalised path in its layer: how its chunks are found in the layer's TOC. */
  readonly path?: string;
}

export interface EntryContent {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly read: ExtractResult['read'];
  readonly fetchedBytes: number;
  readonly status?: number;
  /** Why the layer's TOC chunks were not used, when they were tried. */
  readonly tocProblem?: string;
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
      queryKey: contentKeys.entry(target.layer.descriptor.digest, target.offset, target.path),
      queryFn: async ({ signal, client }): Promise<EntryContent> => {
        const { digest } = target.layer.descriptor;
        if (!target.layer.location)
          throw new ContentError('The layer is not in this image’s source', `Layer ${digest} is not held here, so its files cannot be read.`);
        // The compression the layer's analysis sniffed, so a plain tar is read by range.
        const compression = client.getQueryData<LayerJobResult>(layerKeys.analysis(digest))?.analysis?.compression;
        // Where the layer's TOC (eStargz, zstd:chunked) puts the file: one Range request of its chunks.
        const toc = target.path !== undefined ? tocPlanFor(client.getQueryData<TocReading>(tocKeys.toc(digest)), target.path, target.size) : undefined;
        if (target.offset < 0 && !toc)
          throw new ContentError('Not readable yet', 'The layer’s TOC gives no chunks for this file; its contents can be read once the layer’s blob is.');
        const result = await extractContent(
          { layer: target.layer, ...(compression ? { compression } : {}), offset: target.offset, size: target.size, ...(toc ? { toc } : {}) },
          signal,
        );
        if (result.error || !result.bytes) throw new ContentError(result.error?.title ?? 'No content', result.error?.detail ?? 'The worker returned no bytes.');
        return {
          bytes: result.bytes,
          read: result.read,
          fetchedBytes: result.fetchedBytes,
          ...(result.status !== undefined ? { status: result.status } : {}),
          ...(result.tocProblem !== undefined ? { tocProblem: result.tocProblem } : {}),
        };
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
