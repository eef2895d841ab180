/**
 * Docker Hub's web API (not the registry API): tag details (last pushed, size per platform,
 * digest) and repository search (official badge, stars, pulls). The browser reaches it only
 * through the Lading server, under an injectable base URL (e.g. `<origin>/hub`, which stands
 * for `https://hub.docker.com`). When that route is missing or fails, every call throws a
 * HubUnavailableError that says so, and the caller falls back to the registry API.
 */
import { formatPlatform } from '../platform';

export interface HubClientOptions {
  /** Stands for `https://hub.docker.com`: `${baseUrl}/v2/...`. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export class HubUnavailableError extends Error {
  override readonly name = 'HubUnavailableError';
  constructor(
    message: string,
    /** HTTP status, 0 for a network failure or an answer that is not the Hub's. */
    readonly status: number,
  ) {
    super(message);
  }
}

export interface HubTagImage {
  /** `linux/arm64/v8` */
  platform: string;
  digest?: string;
  /** Compressed bytes, as the Hub reports them. */
  size?: number;
  lastPushed?: string;
}

export interface HubTag {
  name: string;
  /** The digest the tag points at (an index or a manifest). */
  digest?: string;
  mediaType?: string;
  lastUpdated?: string;
  lastUpdater?: string;
  /** The Hub's `full_size`: the largest platform's compressed size. */
  fullSize?: number;
  images: HubTagImage[];
}

export interface HubTagsPage {
  count?: number;
  next?: string;
  tags: HubTag[];
}

export interface HubRepositoryHit {
  /** `nginx` for official images, else `namespace/name`. */
  name: string;
  description?: string;
  stars?: number;
  /** A number (v2 search) or the Hub's rounded text such as `1B+` (v3 search). */
  pulls?: number | string;
  official: boolean;
  /** `verified_publisher`, `open_source`, `official` (v3 search). */
  badge?: string;
  publisher?: string;
}

export interface HubSearchResult {
  count?: number;
  hits: HubRepositoryHit[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** One page of `GET /v2/namespaces/{ns}/repositories/{repo}/tags` (or the older `/v2/repositories/{ns}/{repo}/tags`). */
export function parseHubTagsPage(json: unknown): HubTagsPage {
  if (!isRecord(json) || !Array.isArray(json.results)) throw new Error('not a Docker Hub tags page (no "results")');
  const tags: HubTag[] = [];
  for (const r of json.results) {
    if (!isRecord(r) || typeof r.name !== 'string') continue;
    const images: HubTagImage[] = [];
    for (const image of Array.isArray(r.images) ? r.images : []) {
      if (!isRecord(image)) continue;
      const os = str(image.os) ?? 'unknown';
      const architecture = str(image.architecture) ?? 'unknown';
      const variant = str(image.variant);
      const entry: HubTagImage = { platform: formatPlatform({ os, architecture, ...(variant ? { variant } : {}) }) };
      const digest = str(image.digest);
      const size = num(image.size);
      const lastPushed = str(image.last_pushed);
      if (digest) entry.digest = digest;
      if (size !== undefined) entry.size = size;
      if (lastPushed) entry.lastPushed = lastPushed;
      images.push(entry);
    }
    const tag: HubTag = { name: r.name, images };
    const digest = str(r.digest);
    const mediaType = str(r.media_type);
    const lastUpdated = str(r.last_updated) ?? str(r.tag_last_pushed);
    const lastUpdater = str(r.last_updater_username);
    const fullSize = num(r.full_size);
    if (digest) tag.digest = digest;
    if (mediaType) tag.mediaType = mediaType;
    if (lastUpdated) tag.lastUpdated = lastUpdated;
    if (lastUpdater) tag.lastUpdater = lastUpdater;
    if (fullSize !== undefined) tag.fullSize = fullSize;
    tags.push(tag);
  }
  const page: HubTagsPage = { tags };
  const count = num(json.count);
  const next = str(json.next);
  if (count !== undefined) page.count = count;
  if (next) page.next = next;
  return page;
}

/**
 * A search answer: v2 (`/v2/search/repositories/?query=`: repo_name, star_count, pull_count,
 * is_official) or v3 catalog search (`/api/search/v3/catalog/search?query=`: name, slug,
 * badge, publisher, star_count, pull_count as text).
 */
export function parseHubSearch(json: unknown): HubSearchResult {
  if (!isRecord(json) || (!Array.isArray(json.results) && !Array.isArray(json.summaries))) throw new Error('not a Docker Hub search answer (no "results")');
  const results = (Array.isArray(json.results) ? json.results : json.summaries) as unknown[];
  const hits: HubRepositoryHit[] = [];
  for (const r of results) {
    if (!isRecord(r)) continue;
    const name = str(r.repo_name) ?? str(r.slug) ?? str(r.name);
    if (!name) continue;
    const badge = str(r.badge);
    const official = r.is_official === true || badge === 'official';
    const hit: HubRepositoryHit = { name: name.replace(/^library\//, ''), official };
    const description = str(r.short_description) ?? str(r.description);
    const stars = num(r.star_count);
    const pulls = num(r.pull_count) ?? str(r.pull_count);
    const publisher = isRecord(r.publisher) ? str(r.publisher.name) : str(r.repo_owner);
    if (description) hit.description = description;
    if (stars !== undefined) hit.stars = stars;
    if (pulls !== undefined) hit.pulls = pulls;
    if (badge && badge !== 'none') hit.badge = badge;
    if (publisher) hit.publisher = publisher;
    hits.push(hit);
  }
  const out: HubSearchResult = { hits };
  const count = num(json.count) ?? num(json.total);
  if (count !== undefined) out.count = count;
  return out;
}

/** `library/nginx` → `{ namespace: 'library', repository: 'nginx' }`; undefined for paths the Hub API cannot name. */
export function hubRepository(path: string): { namespace: string; repository: string } | undefined {
  const parts = path.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], repository: parts[1] };
}

/** `1234567` → `1.2M`. */
export function formatCount(n: number | string | undefined): string {
  if (n === undefined) return '';
  if (typeof n === 'string') return n;
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(n);
}

export interface HubTagsOptions {
  pageSize?: number;
  maxPages?: number;
  signal?: AbortSignal;
}

export interface HubTagsListing {
  tags: HubTag[];
  count?: number;
  pages: number;
  capped?: { reason: 'pages'; limit: number };
}

export class HubClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HubClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Every tag with its details, following `next` (rewritten onto the base URL), up to the page cap. */
  async tags(namespace: string, repository: string, options: HubTagsOptions = {}): Promise<HubTagsListing> {
    const maxPages = options.maxPages ?? 10;
    let url: string | undefined =
      `${this.baseUrl}/v2/namespaces/${encodeURIComponent(namespace)}/repositories/${encodeURIComponent(repository)}/tags?page_size=${options.pageSize ?? 100}`;
    const tags: HubTag[] = [];
    let count: number | undefined;
    let pages = 0;
    while (url) {
      if (pages >= maxPages) return { tags, pages, ...(count !== undefined ? { count } : {}), capped: { reason: 'pages', limit: maxPages } };
      const page: HubTagsPage = parseOr(await this.getJson(url, `Docker Hub tags of ${namespace}/${repository}`, options.signal), parseHubTagsPage);
      pages++;
      tags.push(...page.tags);
      count ??= page.count;
      url = page.next ? this.onBase(page.next) : undefined;
    }
    return { tags, pages, ...(count !== undefined ? { count } : {}) };
  }

  async search(query: string, options: { pageSize?: number; signal?: AbortSignal } = {}): Promise<HubSearchResult> {
    const url = `${this.baseUrl}/v2/search/repositories/?query=${encodeURIComponent(query)}&page_size=${options.pageSize ?? 10}`;
    return parseOr(await this.getJson(url, 'Docker Hub search', options.signal), parseHubSearch);
  }

  /**
   * The Hub's `next` link: an absolute `https://hub.docker.com/...` link moves onto our base
   * URL (same path and query); a link already on our origin is kept; anything else is dropped.
   */
  private onBase(next: string): string | undefined {
    const base = new URL(this.baseUrl, 'http://lading.invalid');
    let url: URL;
    try {
      url = new URL(next, base);
    } catch {
      return undefined;
    }
    if (url.hostname === 'hub.docker.com') return `${this.baseUrl}${url.pathname}${url.search}`;
    if (url.origin !== base.origin) return undefined;
    return base.origin === 'http://lading.invalid' ? `${url.pathname}${url.search}` : url.href;
  }

  private async getJson(url: string, what: string, signal?: AbortSignal): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers: { Accept: 'application/json' }, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw new HubUnavailableError(`${what}: the Lading server could not be reached (${error instanceof Error ? error.message : String(error)})`, 0);
    }
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const detail = isRecord(body)
        ? (str(body.message) ?? str(body.detail) ?? (Array.isArray(body.errors) && isRecord(body.errors[0]) ? str(body.errors[0].message) : undefined))
        : undefined;
      throw new HubUnavailableError(`${what} is not available: HTTP ${response.status}${detail ? ` — ${detail}` : ''}`, response.status);
    }
    if (body === undefined || /text\/html/i.test(type)) {
      throw new HubUnavailableError(
        `${what} is not available through this Lading server (its Docker Hub route answered ${type || 'something'} that is not JSON)`,
        response.status,
      );
    }
    return body;
  }
}

function parseOr<T>(body: unknown, parse: (json: unknown) => T): T {
  try {
    return parse(body);
  } catch (error) {
    throw new HubUnavailableError(error instanceof Error ? error.message : String(error), 200);
  }
}
