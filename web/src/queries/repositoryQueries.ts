/**
 * Browsing through TanStack Query: a repository's tags, a registry's catalog, Docker Hub's
 * tag details and search, and what refers to a manifest. Listings can change at any time,
 * so they go stale after a minute; none of them is addressed by a digest.
 */
import { keepPreviousData, queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import { HubClient, hubRepository } from '../core/hub/hub';
import { DEFAULT_DOMAIN } from '../core/reference';
import type { Repository } from '../core/registry/client';
import { discoverReferrers } from '../core/registry/referrers';
import { RegistryLister } from '../core/registry/tags';

const LISTING_STALE_MS = 60_000;

const origin = globalThis.location?.origin ?? '';

/** Lists through the same proxy routes as registryClient. */
export const registryLister = new RegistryLister({ baseUrl: `${origin}/registry` });

/** Docker Hub's web API through the Lading server (`/hub` stands for https://hub.docker.com). */
export const hubClient = new HubClient({ baseUrl: `${origin}/hub` });

/**
 * Page size for tags and catalog requests. Registries cap `n` themselves; a smaller size can be
 * set for a session (`localStorage['lading:page-size']`), which the e2e tests use to make the
 * real registry paginate.
 */
export function listingPageSize(fallback: number): number {
  try {
    const value = Number(globalThis.localStorage?.getItem('lading:page-size'));
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

export const repositoryKeys = {
  all: ['repository'] as const,
  repository: (repo: Repository) => [...repositoryKeys.all, repo.domain, repo.path] as const,
  tags: (repo: Repository) => [...repositoryKeys.repository(repo), 'tags'] as const,
  referrers: (repo: Repository, digest: string) => [...repositoryKeys.repository(repo), 'referrers', digest] as const,
  catalog: (domain: string) => ['registry', domain, 'catalog'] as const,
  hubTags: (repo: Repository) => ['hub', 'tags', repo.path] as const,
  hubSearch: (query: string) => ['hub', 'search', query] as const,
};

export const repositoryQueries = {
  tags: (repo: Repository) =>
    queryOptions({
      queryKey: repositoryKeys.tags(repo),
      queryFn: ({ signal }) => registryLister.tags(repo, { pageSize: listingPageSize(1000), signal }),
      staleTime: LISTING_STALE_MS,
    }),
  catalog: (domain: string) =>
    queryOptions({
      queryKey: repositoryKeys.catalog(domain),
      queryFn: ({ signal }) => registryLister.catalog(domain, { pageSize: listingPageSize(100), signal }),
      staleTime: LISTING_STALE_MS,
    }),
  /** New referrers can be pushed for the same digest at any time, so this goes stale too. */
  referrers: (repo: Repository, digest: string) =>
    queryOptions({
      queryKey: repositoryKeys.referrers(repo, digest),
      queryFn: async ({ signal, client }) => {
        // The tag list (shared with the tags panel) says which fallback and cosign tags exist,
        // so absent ones cost no request. Without it (denied, capped), each is asked for.
        const listing = await client.fetchQuery(repositoryQueries.tags(repo)).catch(() => undefined);
        const knownTags = listing && !listing.capped ? new Set(listing.items) : undefined;
        return discoverReferrers(registryLister, repo, digest, { signal, ...(knownTags ? { knownTags } : {}) });
      },
      staleTime: LISTING_STALE_MS,
    }),
  hubTags: (repo: Repository) =>
    queryOptions({
      queryKey: repositoryKeys.hubTags(repo),
      queryFn: ({ signal }) => {
        const name = hubRepository(repo.path);
        if (!name) throw new Error(`${repo.path} is not a Docker Hub repository name`);
        return hubClient.tags(name.namespace, name.repository, { pageSize: 100, signal });
      },
      staleTime: LISTING_STALE_MS,
      retry: false,
    }),
  hubSearch: (query: string) =>
    queryOptions({
      queryKey: repositoryKeys.hubSearch(query),
      queryFn: ({ signal }) => hubClient.search(query, { pageSize: 10, signal }),
      staleTime: 5 * 60_000,
      retry: false,
    }),
};

export function isDockerHub(repo: Pick<Repository, 'domain'>): boolean {
  return repo.domain === DEFAULT_DOMAIN;
}

export function useTags(repo: Repository, enabled = true) {
  const options = repositoryQueries.tags(repo);
  return useQuery({ ...options, queryFn: enabled ? options.queryFn : skipToken });
}

/** Hub details only for Docker Hub repositories; the registry's list is the fallback. */
export function useHubTags(repo: Repository, enabled = true) {
  const options = repositoryQueries.hubTags(repo);
  return useQuery({ ...options, queryFn: enabled && isDockerHub(repo) && hubRepository(repo.path) ? options.queryFn : skipToken });
}

export function useCatalog(domain: string | undefined) {
  const options = repositoryQueries.catalog(domain ?? '');
  return useQuery({ ...options, queryFn: domain ? options.queryFn : skipToken });
}

export function useReferrers(repo: Repository, digest: string | undefined) {
  const options = repositoryQueries.referrers(repo, digest ?? '');
  return useQuery({ ...options, queryFn: digest ? options.queryFn : skipToken });
}

/** Search as you type: the previous answer stays on screen while the next one loads. */
export function useHubSearch(query: string) {
  const q = query.trim();
  const options = repositoryQueries.hubSearch(q);
  return useQuery({ ...options, queryFn: q.length >= 2 ? options.queryFn : skipToken, placeholderData: keepPreviousData });
}
