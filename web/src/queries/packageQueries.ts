/**
 * The image's packages (core/packages `PackageReport`): built in a worker from the stacked model
 * and the database files each layer's pass captured, once every layer's tar pass is in (a model
 * built from TOCs has no captured files). Keyed by the layer digests and the model it was built
 * over: node ids are that model's, so a report is never joined with another model's rows.
 */
import { skipToken, useQuery } from '@tanstack/react-query';
import type { ImageFilesystem } from '../core/fs';
import type { LayerInfo } from '../core/image';
import type { PackageReport, PackageSummary } from '../core/packages';
import { buildPackageReportInWorker, type LayerJobResult } from '../worker/bridge';

export type { DatabaseFileInfo, Ecosystem, LayerPackages, PackageNote, PackageReport, PackageSummary } from '../core/packages';

export const packageKeys = {
  all: ['packages'] as const,
  image: (layerDigests: readonly string[], model: number) => [...packageKeys.all, model, ...layerDigests] as const,
};

const modelIds = new WeakMap<ImageFilesystem, number>();
let nextModelId = 1;
function modelId(fs: ImageFilesystem): number {
  let id = modelIds.get(fs);
  if (id === undefined) modelIds.set(fs, (id = nextModelId++));
  return id;
}

export function usePackageReport(layers: readonly LayerInfo[], results: readonly (LayerJobResult | undefined)[], fs: ImageFilesystem | undefined) {
  const digests = layers.map((l) => l.descriptor.digest);
  const ready = fs !== undefined && fs.layerCount === layers.length && results.length === layers.length && results.every((r) => r !== undefined);
  return useQuery({
    queryKey: packageKeys.image(digests, fs ? modelId(fs) : 0),
    queryFn: ready
      ? ({ signal }) =>
          buildPackageReportInWorker(
            fs,
            results.map((r) => r?.packages ?? []),
            signal,
          )
      : skipToken,
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    retry: false,
  });
}

/** The owner of a node of the final image: its package, or undefined for "no package". */
export function ownerOf(report: PackageReport | undefined, node: number): PackageSummary | undefined {
  const id = report?.nodeOwner[node] ?? -1;
  return id >= 0 ? report!.packages[id] : undefined;
}
