/**
 * Shrink advice (core/advice) through TanStack Query, computed in a worker: on a 100k-file image
 * it walks every entry and builds every path, longer than a frame. Keyed by the layer digests in
 * order and whether TOCs stand in for some layers (the model the advice is of), and the floor.
 */
import { skipToken, useQuery } from '@tanstack/react-query';
import { DEFAULT_MIN_BYTES } from '../core/advice';
import type { ImageFilesystem } from '../core/fs';
import type { PackageReport } from '../core/packages';
import { adviceInWorker } from '../worker/bridge';

export type { AdviceFinding, AdvicePath, AdviceReport, AdviceRule } from '../core/advice';

export const adviceKeys = {
  all: ['advice'] as const,
  image: (layerDigests: readonly string[], provisional: boolean, minBytes: number, withPackages: boolean) =>
    [...adviceKeys.all, layerDigests.join(','), provisional ? 'toc' : 'tar', minBytes, withPackages ? 'packages' : 'paths'] as const,
};

/** `packages`: once the package report is built, the advice is made again with it (build-toolchain by owning package). */
export function useShrinkAdvice(
  layerDigests: readonly string[],
  fs: ImageFilesystem | undefined,
  provisional: boolean,
  minBytes = DEFAULT_MIN_BYTES,
  packages?: PackageReport,
) {
  return useQuery({
    queryKey: adviceKeys.image(layerDigests, provisional, minBytes, packages !== undefined),
    queryFn: fs ? ({ signal }) => adviceInWorker(fs, { minBytes, ...(packages ? { packages } : {}) }, signal) : skipToken,
    placeholderData: (previous) => previous,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
  });
}
