/**
 * Image documents through TanStack Query. One key factory names every query, so the same
 * keys serve fetching, prefetching and seeding. Anything addressed by digest never changes
 * (staleTime: Infinity); only a tag lookup can go stale.
 */
import { queryOptions, skipToken, useQuery, type QueryClient } from '@tanstack/react-query';
import { InvalidReferenceError, manifestReference, tryParseReference } from '../core/reference';
import type { Repository } from '../core/registry/client';
import type { Descriptor, ImageConfig } from '../core/oci';
import { registryClient } from './registryClient';

const TAG_STALE_MS = 60_000;

export function isDigest(reference: string): boolean {
  return /^[a-z0-9+._-]+:[a-f0-9]{32,}$/.test(reference);
}

export const imageKeys = {
  all: ['image'] as const,
  repository: (repo: Repository) => [...imageKeys.all, repo.domain, repo.path] as const,
  manifest: (repo: Repository, reference: string) => [...imageKeys.repository(repo), 'manifest', reference] as const,
  config: (repo: Repository, digest: string) => [...imageKeys.repository(repo), 'config', digest] as const,
};

export const imageQueries = {
  /**
   * A manifest by tag or digest. A tag's answer is also stored under its digest, so the
   * digest-addressed views that follow need no second request.
   */
  manifest: (repo: Repository, reference: string) =>
    queryOptions({
      queryKey: imageKeys.manifest(repo, reference),
      queryFn: async ({ signal, client }) => {
        const manifest = await registryClient.fetchManifest(repo, reference, signal);
        if (reference !== manifest.digest) client.setQueryData(imageKeys.manifest(repo, manifest.digest), manifest);
        // The config is needed next whatever the page shows: ask now, not after the first render.
        if (manifest.document.kind === 'image') void client.prefetchQuery(imageQueries.config(repo, manifest.document.manifest.config));
        return manifest;
      },
      staleTime: isDigest(reference) ? Infinity : TAG_STALE_MS,
    }),
  config: (repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>) =>
    queryOptions({
      queryKey: imageKeys.config(repo, descriptor.digest),
      queryFn: ({ signal }) => registryClient.fetchJsonBlob<ImageConfig>(repo, descriptor, signal),
      staleTime: Infinity,
    }),
};

export function useManifest(repo: Repository | undefined, reference: string | undefined) {
  const options = imageQueries.manifest(repo ?? { domain: '', path: '' }, reference ?? '');
  return useQuery({ ...options, queryFn: repo && reference ? options.queryFn : skipToken });
}

export function useImageConfig(repo: Repository | undefined, descriptor: Pick<Descriptor, 'digest' | 'size'> | undefined) {
  const options = imageQueries.config(repo ?? { domain: '', path: '' }, descriptor ?? { digest: '', size: 0 });
  return useQuery({ ...options, queryFn: repo && descriptor ? options.queryFn : skipToken });
}

/**
 * Called before React's first render when the page is opened on an image: its manifest is asked
 * for at once (the view that renders next finds the request under way), and the layer workers
 * start loading. Saves the time of parsing and rendering the app on a cold page.
 */
export function startLoadingImage(client: QueryClient, input: string): void {
  const reference = tryParseReference(input);
  if (reference instanceof InvalidReferenceError) return;
  void client.prefetchQuery(imageQueries.manifest({ domain: reference.domain, path: reference.path }, manifestReference(reference)));
}
