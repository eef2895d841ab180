/**
 * Image documents through TanStack Query. One key factory names every query, so the same
 * keys serve fetching, prefetching and seeding. Anything addressed by digest never changes
 * (staleTime: Infinity); only a tag lookup can go stale.
 */
import { queryOptions, skipToken, useQuery, type QueryClient } from '@tanstack/react-query';
import { InvalidReferenceError, manifestReference, tryParseReference } from '../core/reference';
import type { Repository } from '../core/registry/client';
import type { Descriptor, ImageConfig } from '../core/oci';
import { matchLayersToHistory } from '../core/image';
import { layerAnalysisQuery, registryLayerSource } from './layerQueries';
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
 * for at once, then its config, then its layers (the URL's selected layer first), while the app
 * is still parsing and rendering; the views that render next find these requests under way.
 * On a cold page React's first render held the layers back by about 0.1 s.
 */
export function startLoadingImage(client: QueryClient, input: string, selectedLayer?: number): void {
  const reference = tryParseReference(input);
  if (reference instanceof InvalidReferenceError) return;
  const repo = { domain: reference.domain, path: reference.path };
  const manifestOptions = imageQueries.manifest(repo, manifestReference(reference));
  void client.prefetchQuery(manifestOptions);
  // An image (not a multi-platform index): its layers start as soon as the config is in, instead
  // of once the app has rendered it. The view finds these same queries under way.
  void (async () => {
    const { document } = await client.fetchQuery(manifestOptions);
    if (document.kind !== 'image') return;
    const config = await client.fetchQuery(imageQueries.config(repo, document.manifest.config));
    const sourceOf = registryLayerSource(repo);
    const layers = matchLayersToHistory(document.manifest, config);
    const selected = selectedLayer !== undefined ? layers[selectedLayer]?.descriptor.digest : undefined;
    for (const layer of layers) void client.prefetchQuery(layerAnalysisQuery(sourceOf, layer, selected));
  })().catch(() => {
    // The views ask again and show the error.
  });
}
