// `/hub/v2/...`: the few Docker Hub web API calls the app needs (tag lists with dates and sizes,
// repository details, search), forwarded anonymously to hub.docker.com. Everything else under /hub
// is refused. Bodies are JSON, read whole (bounded in size, time and memory, `wholeBody.ts`) so
// `next`/`previous` page links can be rewritten onto this route.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyContext } from './context';
import { pickHeaders, REGISTRY_RESPONSE_HEADERS, relayError, sendWhole } from './relay';
import { ProxyError, sendProxyError, toProxyError } from './errors';
import { fetchUpstream } from './upstream';
import { readWhole } from './wholeBody';

export const HUB_PREFIX = '/hub';
const DOCKER_HUB_ORIGIN = 'https://hub.docker.com';

export type HubEndpoint =
  | { kind: 'repository'; namespace: string; repository: string }
  | { kind: 'tags'; namespace: string; repository: string }
  | { kind: 'tag'; namespace: string; repository: string; tag: string }
  | { kind: 'search' }
  | { kind: 'catalogSearch' };

const NAMESPACE = /^[a-z0-9](?:[a-z0-9_-]{0,254})$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Query parameters passed on, per endpoint (Docker Hub API reference; search as hub.docker.com uses it). */
const QUERY: Record<HubEndpoint['kind'], readonly string[]> = {
  repository: [],
  tags: ['page', 'page_size', 'name', 'ordering'],
  tag: [],
  search: ['query', 'page', 'page_size'],
  catalogSearch: ['query', 'from', 'size', 'type', 'source', 'ordering'],
};

export interface HubRoute {
  endpoint: HubEndpoint;
  /** Path and query for hub.docker.com. */
  upstreamPath: string;
}

/**
 * `/hub/v2/namespaces/{ns}/repositories/{repo}[/tags[/{tag}]]` (the Docker Hub API reference),
 * `/hub/v2/search/repositories/` and `/hub/api/search/v3/catalog/search` (the searches hub.docker.com
 * itself uses; not in the reference).
 */
export function parseHubPath(pathname: string, search = ''): HubRoute | ProxyError {
  const notAllowed = new ProxyError('PROXY_NOT_ALLOWED', 404, `Not a Docker Hub API path the proxy forwards: ${pathname}`);
  if (!pathname.startsWith(`${HUB_PREFIX}/`)) return notAllowed;
  let segments: string[];
  try {
    segments = pathname
      .slice(HUB_PREFIX.length + 1)
      .split('/')
      .map(decodeURIComponent);
  } catch {
    return new ProxyError('PROXY_BAD_REQUEST', 400, 'Malformed percent-encoding in the path');
  }
  if (segments.at(-1) === '') segments.pop(); // a trailing slash is optional
  let endpoint: HubEndpoint | undefined;
  let path = '';
  const joined = segments.join('/');
  if (joined === 'v2/search/repositories') {
    endpoint = { kind: 'search' };
    path = '/v2/search/repositories/';
  } else if (joined === 'api/search/v3/catalog/search') {
    endpoint = { kind: 'catalogSearch' };
    path = '/api/search/v3/catalog/search';
  } else if (segments.length >= 5 && segments[0] === 'v2' && segments[1] === 'namespaces' && segments[3] === 'repositories') {
    const namespace = segments[2] ?? '';
    const repository = segments[4] ?? '';
    if (!NAMESPACE.test(namespace) || !REPOSITORY.test(repository)) {
      return new ProxyError('PROXY_BAD_REQUEST', 400, `Not a Docker Hub repository: "${namespace}/${repository}"`);
    }
    const base = `/v2/namespaces/${namespace}/repositories/${repository}`;
    if (segments.length === 5) {
      endpoint = { kind: 'repository', namespace, repository };
      path = base;
    } else if (segments.length === 6 && segments[5] === 'tags') {
      endpoint = { kind: 'tags', namespace, repository };
      path = `${base}/tags`;
    } else if (segments.length === 7 && segments[5] === 'tags') {
      const tag = segments[6] ?? '';
      if (!TAG.test(tag)) return new ProxyError('PROXY_BAD_REQUEST', 400, `Not a tag: "${tag}"`);
      endpoint = { kind: 'tag', namespace, repository, tag };
      path = `${base}/tags/${tag}`;
    }
  }
  if (!endpoint) return notAllowed;

  const incoming = new URLSearchParams(search);
  const query = new URLSearchParams();
  for (const key of QUERY[endpoint.kind]) {
    const value = incoming.get(key);
    if (value !== null && value.length <= 256) query.set(key, value);
  }
  const qs = query.toString();
  return { endpoint, upstreamPath: `${path}${qs ? `?${qs}` : ''}` };
}

/** A page link on the Hub (`https://hub.docker.com/v2/...`) as a link on this route; anything else dropped. */
export function rewriteHubLink(value: unknown, hubOrigin: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    const url = new URL(value, hubOrigin);
    if (url.origin !== new URL(hubOrigin).origin && url.origin !== DOCKER_HUB_ORIGIN) return null;
    const route = parseHubPath(`${HUB_PREFIX}${url.pathname}`, url.search);
    return route instanceof ProxyError ? null : `${HUB_PREFIX}${route.upstreamPath}`;
  } catch {
    return null;
  }
}

export async function handleHubRequest(req: IncomingMessage, res: ServerResponse, pathname: string, search: string, ctx: ProxyContext): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendProxyError(res, new ProxyError('PROXY_NOT_ALLOWED', 405, `Method ${req.method} is not allowed`), { Allow: 'GET, HEAD' });
    return;
  }
  const method = req.method;
  const route = parseHubPath(pathname, search);
  if (route instanceof ProxyError) {
    sendProxyError(res, route);
    return;
  }
  const { config } = ctx;
  const url = new URL(route.upstreamPath, config.hubOrigin);
  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  try {
    const { response } = await fetchUpstream(url, {
      method: 'GET', // the Hub API answers HEAD inconsistently; a GET's small body is read either way
      headers: { accept: 'application/json' },
      timeouts: config.timeouts,
      policy: ctx.policy,
      agents: ctx.agents,
      signal: aborter.signal,
      maxRedirects: config.maxRedirects,
      allowPlainHttp: (u) => config.insecureRegistries.has(u.host.toLowerCase()),
    });
    const status = response.statusCode ?? 502;
    if (status >= 400) {
      await relayError(res, method, response, status, url.host, ctx);
      return;
    }
    const raw = await readWhole(response, {
      limit: config.maxJsonBytes,
      deadlineMs: config.timeouts.bodyDeadlineMs,
      budget: ctx.budget,
      from: url.host,
      what: 'a Hub API answer',
    });
    let body: Buffer;
    try {
      const parsed = JSON.parse(raw.body.toString('utf8')) as unknown;
      body = raw.body;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const page = parsed as Record<string, unknown>;
        for (const key of ['next', 'previous']) if (key in page) page[key] = rewriteHubLink(page[key], config.hubOrigin);
        body = Buffer.from(JSON.stringify(page), 'utf8');
      }
    } catch {
      raw.release();
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `${url.host} did not answer with JSON`);
    }
    // The rewritten page replaces the raw one, about the same size: the reservation stands for it.
    sendWhole(
      res,
      status,
      {
        ...pickHeaders(response, new Set(['etag', 'last-modified'])),
        ...REGISTRY_RESPONSE_HEADERS,
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'public, max-age=60',
      },
      { body, release: raw.release },
      method === 'GET',
    );
  } catch (err) {
    if (aborter.signal.aborted) return;
    const error = toProxyError(err, url.host);
    config.log(`lading: ${method} ${pathname}: ${error.code}: ${error.message}`);
    sendProxyError(res, error);
  }
}
