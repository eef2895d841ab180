/**
 * Image documents through TanStack Query. One key factory names every query, so the same
 * keys serve fetching, prefetching and seeding. Anything addressed by digest never changes
 * (staleTime: Infinity); only a tag lookup can go stale.
 */
import { queryOptions, skipToken, useQuery, type QueryClient } from '@tanstack/react-query';
import { isDigest } from '../core/digest';
import { describeLayer } from '../core/image';
import type { Descriptor, ImageConfig } from '../core/oci';
import { InvalidReferenceError, tryParseReference } from '../core/reference';
import type { Repository } from '../core/registry/client';
import { openRegistryImage, type DocumentFetcher, type RegistryImage } from '../core/registry/image';
import { layerAnalysisQuery } from './layerQueries';
import { layerTocQuery } from './tocQueries';
import { registryClient } from './registryClient';

const TAG_STALE_MS = 60_000;

/** A reference as typed that names its image by digest (`repo@sha256:…`): what it resolves to never changes. */
function isDigestReference(input: string): boolean {
  const ref = tryParseReference(input);
  return !(ref instanceof InvalidReferenceError) && ref.digest !== undefined;
}

export const imageKeys = {
  all: ['image'] as const,
  /** A reference as typed, resolved to one image (for one platform of an index). */
  resolved: (input: string, platform: string | undefined) => [...imageKeys.all, 'resolved', input, platform ?? ''] as const,
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

/**
 * The core resolver's fetcher, answered from the query cache: a manifest or config that one
 * view fetched (or that the page prefetched before rendering) is not fetched again for another.
 */
export function cachedDocuments(client: QueryClient): DocumentFetcher {
  return {
    baseUrl: registryClient.baseUrl,
    fetchManifest: (repo, reference) => client.fetchQuery(imageQueries.manifest(repo, reference)),
    fetchJsonBlob: <T>(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>) =>
      client.fetchQuery(imageQueries.config(repo, descriptor)) as Promise<T>,
  };
}

/**
 * A reference resolved to one image with the core's `openRegistryImage` (index → the platform's
 * manifest → config): the one resolver the image page and compare use, as the CLI does.
 */
export function registryImageQuery(input: string, platform: string | undefined) {
  return queryOptions({
    queryKey: imageKeys.resolved(input, platform),
    queryFn: ({ client, signal }): Promise<RegistryImage> => openRegistryImage(cachedDocuments(client), input, { ...(platform ? { platform } : {}), signal }),
    staleTime: (query) => (isDigestReference(query.queryKey[2]) ? Infinity : TAG_STALE_MS),
    // The documents it is made of have retried already, each in its own query.
    retry: false,
  });
}

export function useRegistryImage(input: string | undefined, platform: string | undefined) {
  const options = registryImageQuery(input ?? '', platform);
  return useQuery({ ...options, queryFn: input ? options.queryFn : skipToken });
}

/**
 * Called before React's first render when the page is opened on an image: the reference is
 * resolved at once and its layers started (the URL's selected layer first), while the app is
 * still parsing and rendering; the views that render next find these requests under way.
 * On a cold page, waiting for React's first render held the layers back (see e2e/bench/README.md).
 */
export function startLoadingImage(client: QueryClient, input: string, platform?: string, selectedLayer?: number): void {
  void (async () => {
    const { image } = await client.fetchQuery(registryImageQuery(input, platform));
    const selected = selectedLayer !== undefined ? image.layers[selectedLayer]?.digest : undefined;
    // TOCs first (a Range request or two each, eStargz / zstd:chunked only): the tree, before the blobs.
    const layers = image.layers.map((layer) => describeLayer(layer));
    for (const layer of layers) void client.prefetchQuery(layerTocQuery(layer));
    for (const layer of layers) void client.prefetchQuery(layerAnalysisQuery(layer, selected, layers));
  })().catch(() => {
    // The views ask again and show the error.
  });
}
