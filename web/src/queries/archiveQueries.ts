/**
 * An image archive the user opened (docker save, OCI archive), read in a worker: the page never
 * reads the file. Keyed by the File object (given an id of its own) and the platform asked for.
 */
import { useQuery } from '@tanstack/react-query';
import { layerPool, type ArchiveResult } from '../worker/bridge';

export type { ArchiveResult, ArchiveSummary } from '../worker/bridge';

/** Files have no stable identity for a query key; give each File object one. */
const fileIds = new WeakMap<Blob, number>();
let nextFileId = 1;
function fileId(file: Blob): number {
  let id = fileIds.get(file);
  if (id === undefined) fileIds.set(file, (id = nextFileId++));
  return id;
}

export const archiveKeys = {
  all: ['archive'] as const,
  opened: (file: Blob, platform: string | undefined) => [...archiveKeys.all, fileId(file), platform ?? ''] as const,
};

export function useArchive(file: File, platform: string | undefined) {
  return useQuery({
    queryKey: archiveKeys.opened(file, platform),
    queryFn: (): Promise<ArchiveResult> => layerPool.openArchive(file, platform ? { platform } : {}),
    staleTime: Infinity,
    retry: false,
  });
}
