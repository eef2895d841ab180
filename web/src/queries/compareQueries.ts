/**
 * Comparing two images' filesystems, through TanStack Query. Keyed by both images' layer
 * digests in order (the same layers always stack to the same filesystems), so never stale.
 * The comparison runs in a worker: two 100k-path images take longer than a frame.
 */
import { skipToken, useQuery } from '@tanstack/react-query';
import type { CompareOptions } from '../core/compare';
import type { ImageFilesystem } from '../core/fs';
import { compareInWorker } from '../worker/bridge';

export const compareKeys = {
  all: ['compare'] as const,
  filesystems: (layersA: readonly string[], layersB: readonly string[], options: CompareOptions) =>
    [...compareKeys.all, layersA.join(','), layersB.join(','), options.summariseDirectories !== false ? 'summarised' : 'every-path'] as const,
};

export interface ComparedImage {
  /** Layer digests in order: what the filesystem is made of. */
  readonly layerDigests: readonly string[];
  readonly fs: ImageFilesystem | undefined;
}

export function useFsComparison(a: ComparedImage, b: ComparedImage, options: CompareOptions = {}) {
  const fsA = a.fs;
  const fsB = b.fs;
  return useQuery({
    queryKey: compareKeys.filesystems(a.layerDigests, b.layerDigests, options),
    queryFn: fsA && fsB ? ({ signal }) => compareInWorker(fsA, fsB, options, signal) : skipToken,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
  });
}
