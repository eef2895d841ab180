/**
 * Listing a registry: a repository's tags (`/v2/<name>/tags/list`) and the registry's
 * repositories (`/v2/_catalog`), both paginated with `n` and the `Link` header.
 *
 * The `Link` target is followed as an opaque URL, resolved against the page it came from
 * (the Lading proxy rewrites it to `/registry/<host>/v2/...`), and only while it stays on
 * the proxy's origin. A listing stops after a page cap or an item cap and says so: a
 * repository with 50,000 CI tags must not keep the page busy.
 *
 * Distribution's `tags/list` is unsorted (and 2.8 ignores `n` for it); `sortTags` puts
 * versions in version order, newest first.
 */
import { RegistryError } from '../errors';
import { DEFAULT_DOMAIN } from '../reference';
import type { Repository } from './client';
import { registryErrorFrom } from './client';

export interface ListingTransportOptions {
  /** Where the proxy's registry routes live, e.g. `http://127.0.0.1:8080/registry`. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export interface ListOptions {
  /** `n` per page; registries cap it on their side too. */
  pageSize?: number;
  /** Stop after this many pages (default 20). */
  maxPages?: number;
  /** Stop after this many items (default 10,000). */
  maxItems?: number;
  signal?: AbortSignal;
}

export interface Listing {
  items: string[];
  /** Pages fetched. */
  pages: number;
  /** Set when the listing stopped before the registry's last page. */
  capped?: { reason: 'pages' | 'items'; limit: number };
}

export interface TagListing extends Listing {
  /** The repository name the registry answered with. */
  name: string;
}

export const DEFAULT_MAX_PAGES = 20;
export const DEFAULT_MAX_ITEMS = 10_000;
const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/**
 * The `rel="next"` target of a Link header (RFC 8288), or undefined.
 * `<url>; rel="next"`, several links separated by commas, parameters in any order, quoted or not.
 */
export function parseLinkNext(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  let i = 0;
  const n = header.length;
  while (i < n) {
    const open = header.indexOf('<', i);
    if (open < 0) return undefined;
    const close = header.indexOf('>', open + 1);
    if (close < 0) return undefined;
    const target = header.slice(open + 1, close).trim();
    // Parameters run to the next comma outside quotes.
    let j = close + 1;
    let inQuotes = false;
    let params = '';
    for (; j < n; j++) {
      const c = header[j];
      if (c === '"') inQuotes = !inQuotes;
      else if (c === ',' && !inQuotes) break;
      params += c;
    }
    for (const param of params.split(';')) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'rel' && value.split(/\s+/).some((rel) => rel.toLowerCase() === 'next')) return target;
    }
    i = j + 1;
  }
  return undefined;
}

/** Fetches JSON pages of a registry listing through the proxy. */
export class RegistryLister {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ListingTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  tagsUrl(repo: Repository, pageSize?: number): string {
    return `${this.baseUrl}/${repo.domain}/v2/${repo.path}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  }

  catalogUrl(domain: string, pageSize?: number): string {
    return `${this.baseUrl}/${domain}/v2/_catalog${pageSize ? `?n=${pageSize}` : ''}`;
  }

  /** Every tag of a repository (up to the caps), in the registry's order. */
  async tags(repo: Repository, options: ListOptions = {}): Promise<TagListing> {
    let name = repo.path;
    const listing = await this.paged(this.tagsUrl(repo, options.pageSize), `tags of ${repo.domain}/${repo.path}`, options, (body) => {
      const record = body as { name?: unknown; tags?: unknown };
      if (typeof record.name === 'string') name = record.name;
      // Distribution answers `"tags": null` for a repository whose tags were all deleted.
      return record.tags === null || record.tags === undefined ? [] : record.tags;
    });
    return { ...listing, name };
  }

  /** The repositories of a registry (`_catalog`), up to the caps. */
  async catalog(domain: string, options: ListOptions = {}): Promise<Listing> {
    return this.paged(
      this.catalogUrl(domain, options.pageSize),
      `the repository catalog of ${domain}`,
      options,
      (body) => (body as { repositories?: unknown }).repositories ?? [],
    );
  }

  /** GET with the given Accept; any non-2xx answer and any network failure becomes a RegistryError. */
  async get(url: string, subject: string, init: { accept?: string; method?: 'GET' | 'HEAD'; signal?: AbortSignal } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: init.method ?? 'GET',
        ...(init.accept ? { headers: { Accept: init.accept } } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      throw new RegistryError(
        `Could not reach the Lading proxy for ${subject}: ${error instanceof Error ? error.message : String(error)}`,
        0,
        [],
        'network',
        subject,
      );
    }
    if (response.ok) return response;
    throw await registryErrorFrom(response, subject);
  }

  private async paged(firstUrl: string, subject: string, options: ListOptions, extract: (body: unknown) => unknown): Promise<Listing> {
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
    const origin = new URL(firstUrl, 'http://lading.invalid').origin;
    const items: string[] = [];
    const seen = new Set<string>();
    let url: string | undefined = firstUrl;
    let pages = 0;
    while (url !== undefined) {
      if (pages >= maxPages) return { items, pages, capped: { reason: 'pages', limit: maxPages } };
      const response = await this.get(url, subject, options.signal ? { signal: options.signal } : {});
      const body = await readJson(response, subject);
      pages++;
      const values = extract(body);
      if (!Array.isArray(values))
        throw new RegistryError(`${subject}: the registry answered a list that is not an array`, response.status, [], 'registry', subject);
      for (const value of values) {
        if (typeof value !== 'string' || seen.has(value)) continue;
        if (items.length >= maxItems) return { items, pages, capped: { reason: 'items', limit: maxItems } };
        seen.add(value);
        items.push(value);
      }
      const next = parseLinkNext(response.headers.get('link'));
      url = next === undefined ? undefined : resolveNext(next, response.url || url, origin);
    }
    return { items, pages };
  }
}

/**
 * The next page's URL, resolved against the page it came from. A link that leaves the
 * proxy's origin is not followed (the proxy drops such links; this is the second guard).
 */
function resolveNext(link: string, current: string, origin: string): string | undefined {
  let resolved: URL;
  try {
    resolved = new URL(link, new URL(current, origin));
  } catch {
    return undefined;
  }
  if (resolved.origin !== origin) return undefined;
  // Keep the form the caller used: absolute when the first URL was, else path-only.
  return origin === 'http://lading.invalid' ? `${resolved.pathname}${resolved.search}` : resolved.href;
}

async function readJson(response: Response, subject: string): Promise<unknown> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_PAGE_BYTES) {
    await response.body?.cancel();
    throw new RegistryError(`${subject}: a page of ${declared} bytes is too large`, response.status, [], 'proxy', subject);
  }
  const text = await response.text();
  if (text.length > MAX_PAGE_BYTES) throw new RegistryError(`${subject}: a page of ${text.length} bytes is too large`, response.status, [], 'proxy', subject);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RegistryError(`${subject}: the registry's answer is not JSON`, response.status, [], 'registry', subject);
  }
}

// --- version order -----------------------------------------------------------------------------

/** Tags cosign and the OCI referrers fallback write: `sha256-<hex>`, `sha256-<hex>.sig`. */
const DIGEST_TAG_RE = /^(sha256|sha512)-[0-9a-f]{32,}(\..*)?$/;
/** A version-like tag: optional `v`, a number, then `.number`s, then an optional suffix. */
const VERSION_RE = /^[vV]?(\d+(?:\.\d+)*)(?:[-_+.~](.*)|([A-Za-z].*))?$/;
/** Suffixes that mark a pre-release of the version, not a variant of it (`-rc.1`, `-beta2`). */
const PRERELEASE_RE = /^(?:alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|next|a|b)(?:[-_.]?\d+.*)?$/i;

export interface ParsedVersionTag {
  numbers: string[];
  /** The part after the numbers and their separator, `alpine` of `1.27-alpine`. */
  suffix: string;
  prerelease: boolean;
}

export function parseVersionTag(tag: string): ParsedVersionTag | undefined {
  const match = VERSION_RE.exec(tag);
  if (!match?.[1]) return undefined;
  // `1.2.` or `1-` with nothing after the separator is not a version.
  if (match[2] === '') return undefined;
  const numbers = match[1].split('.');
  // A letter right after the numbers (`3.13.0a4`) only after a dotted version: `v2s2` is a name.
  if (match[3] !== undefined && numbers.length < 2) return undefined;
  const suffix = match[2] ?? match[3] ?? '';
  return { numbers, suffix, prerelease: PRERELEASE_RE.test(suffix) };
}

/** Compares two decimal strings of any length as numbers. */
function compareNumberStrings(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Natural order: runs of digits compare as numbers (`rc.10` after `rc.9`). */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i] as string;
    const y = tb[i] as string;
    const bothNumbers = /^\d/.test(x) && /^\d/.test(y);
    const c = bothNumbers ? compareNumberStrings(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return ta.length - tb.length;
}

function group(tag: string): number {
  if (tag === 'latest') return 0;
  if (parseVersionTag(tag)) return 1;
  if (DIGEST_TAG_RE.test(tag)) return 3;
  return 2;
}

/**
 * Tag order for people: `latest`; then versions, newest first, numbers compared segment by
 * segment (`1.10` after `1.9`), a shorter alias before the releases it stands for (`3`,
 * `3.12`, `3.12.1`), the plain release before its variants (`1.27`, `1.27-alpine`), and
 * pre-releases (`2.0.0-rc.1`) after the release; then other tags alphabetically; then the
 * digest tags signatures and referrers use (`sha256-…`).
 */
export function compareTags(a: string, b: string): number {
  const ga = group(a);
  const gb = group(b);
  if (ga !== gb) return ga - gb;
  if (ga === 1) {
    const va = parseVersionTag(a) as ParsedVersionTag;
    const vb = parseVersionTag(b) as ParsedVersionTag;
    const shared = Math.min(va.numbers.length, vb.numbers.length);
    for (let i = 0; i < shared; i++) {
      const c = compareNumberStrings(va.numbers[i] as string, vb.numbers[i] as string);
      if (c !== 0) return -c; // newest first
    }
    if (va.numbers.length !== vb.numbers.length) return va.numbers.length - vb.numbers.length; // alias first
    // Same numbers: release, then variants (alphabetical), then pre-releases (newest first).
    const rank = (v: ParsedVersionTag) => (v.suffix === '' ? 0 : v.prerelease ? 2 : 1);
    if (rank(va) !== rank(vb)) return rank(va) - rank(vb);
    if (va.suffix !== vb.suffix) return rank(va) === 2 ? -naturalCompare(va.suffix, vb.suffix) : naturalCompare(va.suffix, vb.suffix);
    // `v1.2` and `1.2`: the bare form first.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return naturalCompare(a, b);
}

export function sortTags(tags: readonly string[]): string[] {
  return [...tags].sort(compareTags);
}

/** Case-insensitive substring filter. */
export function filterTags(tags: readonly string[], query: string): string[] {
  const q = query.trim().toLowerCase();
  return q === '' ? [...tags] : tags.filter((t) => t.toLowerCase().includes(q));
}

/**
 * A bare registry host typed into the reference box (`127.0.0.1:5000`, `registry.example.com`,
 * `localhost:5000`): no repository path, no tag, no digest. Docker would read `host:5000` as an
 * image named `host` with tag `5000`; nobody types that on purpose.
 */
export function registryHostOnly(input: string): string | undefined {
  const text = input
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (text === '' || text.includes('/') || text.includes('@')) return undefined;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(text);
  if (!m?.[1]) return undefined;
  const host = m[1];
  const isHostLike = host === 'localhost' || host.startsWith('[') || host.includes('.');
  if (!isHostLike) return undefined;
  // Without a port, only a name ending in a letter TLD or an IPv4 address is a host (`my.registry.io`, not `ubuntu.22`).
  if (m[2] === undefined && !/\.[A-Za-z]{2,}$/.test(host) && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DEFAULT_DOMAIN : text.toLowerCase();
}
