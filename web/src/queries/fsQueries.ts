/**
 * The image's filesystem model, built in a worker once every layer is indexed. Keyed by the
 * layer digests in order: the same layers always stack to the same model, so it never goes stale.
 */
import { useQuery, skipToken } from '@tanstack/react-query';
import { dockerfileLine, type LayerInfo } from '../core/image';
import { emptyLayerIndex, type LayerIndex } from '../core/layers';
import { buildFilesystem, type LayerJobResult } from '../worker/bridge';

export const fsKeys = {
  all: ['filesystem'] as const,
  image: (layerDigests: readonly string[]) => [...fsKeys.all, ...layerDigests] as const,
};

/**
 * `results[i]` is layer i's analysis, or undefined while it runs. A layer that could not be
 * fetched stacks as empty, and a layer that broke part-way stacks with what was read, so one
 * bad layer never hides the others. `provisional[i]`, the index of layer i's TOC (eStargz,
 * zstd:chunked), stands in while the layer's tar pass runs: the model is built as soon as every
 * layer has one or the other, and again (the key names each layer's source) as TOCs are replaced.
 * Meanwhile the model built from TOCs stays on screen.
 */
export function useImageFilesystem(
  layers: readonly LayerInfo[],
  results: readonly (LayerJobResult | undefined)[],
  provisional: readonly (LayerIndex | undefined)[] = [],
) {
  const digests = layers.map((l) => l.descriptor.digest);
  const sources = layers.map((_, i) => (results[i] !== undefined ? 'tar' : provisional[i] ? 'toc' : undefined));
  const ready = results.length === layers.length && sources.every((s) => s !== undefined);
  const fromToc = sources.includes('toc');
  return useQuery({
    queryKey: fromToc ? [...fsKeys.image(digests), 'toc', ...sources.map((s) => s ?? '')] : fsKeys.image(digests),
    queryFn: ready
      ? ({ signal }) =>
          buildFilesystem(
            layers.map((layer, i) => {
              const index: LayerIndex = results[i]?.analysis?.index ?? (results[i] === undefined ? provisional[i] : undefined) ?? emptyLayerIndex();
              const command = dockerfileLine(layer.history?.created_by);
              return { index, ...(command ? { command } : {}) };
            }),
            signal,
          )
      : skipToken,
    // The model from TOCs stays while the next one (more layers read) is built; never another image's.
    placeholderData: (previous, previousQuery) =>
      previousQuery && digests.every((d, i) => previousQuery.queryKey[i + fsKeys.all.length] === d) ? previous : undefined,
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    retry: false,
  });
}
