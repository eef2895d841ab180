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
 * bad layer never hides the others.
 */
export function useImageFilesystem(layers: readonly LayerInfo[], results: readonly (LayerJobResult | undefined)[]) {
  const ready = results.length === layers.length && results.every((r) => r !== undefined);
  return useQuery({
    queryKey: fsKeys.image(layers.map((l) => l.descriptor.digest)),
    queryFn: ready
      ? ({ signal }) =>
          buildFilesystem(
            layers.map((layer, i) => {
              const index: LayerIndex = results[i]?.analysis?.index ?? emptyLayerIndex();
              const command = dockerfileLine(layer.history?.created_by);
              return { index, ...(command ? { command } : {}) };
            }),
            signal,
          )
      : skipToken,
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    retry: false,
  });
}
