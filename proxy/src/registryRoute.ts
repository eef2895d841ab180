// `/registry/<host>/v2/...`: which registry API calls are allowed, and forwarding them.

import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AddressPolicy } from './addressPolicy';
import { TokenEndpointError, type RegistryAuth } from './auth';
import type { LadingConfig } from './config';
import { codeForStatus, errorBody, isRegistryErrorBody, ProxyError, sendProxyError, toProxyError, type RegistryErrorEntry } from './errors';
import { isValidRegistryHost, plainHttpAllowed, resolveRegistry, type RegistryTarget } from './registry';
import { fetchUpstream, readBounded, type Agents, type FetchResult } from './upstream';

export type RegistryEndpoint =
  | { kind: 'ping' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; name: string; reference: string; byDigest: boolean }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string };

export interface RegistryRoute {
  /** Lower-cased registry host with optional port, as in the image reference. */
  host: string;
  endpoint: RegistryEndpoint;
  /** Path and allowed query for the registry: `/v2/library/nginx/tags/list?n=50`. */
  upstreamPath: string;
}

export const ROUTE_PREFIX = '/registry/';

// distribution/reference grammar.
const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const MAX_NAME_LENGTH = 255;
const PASSED_QUERY = ['n', 'last', 'artifactType'];

const notAllowedPath = (path: string): ProxyError => new ProxyError('PROXY_NOT_ALLOWED', 404, `Not a registry API path the proxy forwards: ${path}`);
const badRequest = (message: string): ProxyError => new ProxyError('PROXY_BAD_REQUEST', 400, message);

/** Parses `/registry/<host>/v2/...` (raw pathname, `search` with its `?`). Returns the route or the error to send. */
export function parseRegistryPath(pathname: string, search = ''): RegistryRoute | ProxyError {
  if (!pathname.startsWith(ROUTE_PREFIX)) return notAllowedPath(pathname);
  const rawSegments = pathname.slice(ROUTE_PREFIX.length).split('/');
  let segments: string[];
  try {
    segments = rawSegments.map((s) => decodeURIComponent(s));
  } catch {
    return badRequest('Malformed percent-encoding in the path');
  }
  const [rawHost = '', v2, ...api] = segments;
  const host = rawHost.toLowerCase();
  if (!isValidRegistryHost(host)) return badRequest(`Not a registry host: "${rawHost}"`);
  if (v2 !== 'v2') return notAllowedPath(pathname);

  const endpoint = parseEndpoint(api);
  if (endpoint instanceof ProxyError) return endpoint.code === 'PROXY_NOT_ALLOWED' ? notAllowedPath(pathname) : endpoint;

  const query = new URLSearchParams();
  const incoming = new URLSearchParams(search);
  for (const key of PASSED_QUERY) for (const value of incoming.getAll(key)) query.append(key, value);
  const queryString = query.toString();
  return { host, endpoint, upstreamPath: `${apiPath(endpoint)}${queryString ? `?${queryString}` : ''}` };
}

function parseEndpoint(api: readonly string[]): RegistryEndpoint | ProxyError {
  if (api.length === 0 || (api.length === 1 && api[0] === '')) return { kind: 'ping' };
  if (api.length === 1 && api[0] === '_catalog') return { kind: 'catalog' };
  if (api.length < 3) return notAllowedPath('');

  const last = api[api.length - 1] ?? '';
  const verb = api[api.length - 2] ?? '';
  const isTags = verb === 'tags' && last === 'list';
  if (!isTags && verb !== 'manifests' && verb !== 'blobs' && verb !== 'referrers') return notAllowedPath('');

  const nameParts = api.slice(0, -2);
  if (!nameParts.every((part) => NAME_COMPONENT.test(part))) {
    return badRequest(`Not a repository name: "${nameParts.join('/')}"`);
  }
  const name = nameParts.join('/');
  if (name.length > MAX_NAME_LENGTH) return badRequest('Repository name is too long');

  if (isTags) return { kind: 'tags', name };
  if (verb === 'manifests') {
    const byDigest = DIGEST.test(last);
    if (!byDigest && !TAG.test(last)) return badRequest(`Not a tag or digest: "${last}"`);
    return { kind: 'manifest', name, reference: last, byDigest };
  }
  if (!DIGEST.test(last)) return badRequest(`Not a digest: "${last}"`);
  return verb === 'blobs' ? { kind: 'blob', name, digest: last } : { kind: 'referrers', name, digest: last };
}

function apiPath(endpoint: RegistryEndpoint): string {
  switch (endpoint.kind) {
    case 'ping':
      return '/v2/';
    case 'catalog':
      return '/v2/_catalog';
    case 'manifest':
      return `/v2/${endpoint.name}/manifests/${endpoint.reference}`;
    case 'blob':
      return `/v2/${endpoint.name}/blobs/${endpoint.digest}`;
    case 'tags':
      return `/v2/${endpoint.name}/tags/list`;
    case 'referrers':
      return `/v2/${endpoint.name}/referrers/${endpoint.digest}`;
  }
}

/** Key for remembering auth per resource: the repository name, `_catalog`, or '' for the ping. */
function resourceOf(endpoint: RegistryEndpoint): string {
  if (endpoint.kind === 'ping') return '';
  if (endpoint.kind === 'catalog') return '_catalog';
  return endpoint.name;
}

/** The scope a Bearer challenge without `scope` most likely meant. */
function derivedScope(endpoint: RegistryEndpoint): string | undefined {
  if (endpoint.kind === 'ping') return undefined;
  if (endpoint.kind === 'catalog') return 'registry:catalog:*';
  return `repository:${endpoint.name}:pull`;
}

export interface RegistryContext {
  config: LadingConfig;
  agents: Agents;
  auth: RegistryAuth;
  policy: AddressPolicy;
}

/** Browser headers that reach the registry; everything else (cookies included) stays behind. */
export const FORWARDED_REQUEST_HEADERS = ['accept', 'range', 'if-none-match'] as const;

export function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  return headers;
}

/**
 * Statuses after which a blob HEAD is tried again as a GET whose body is not read: some registries
 * (ECR Public) refuse HEAD on blobs with 401 although the same GET works.
 */
const HEAD_FALLBACK_STATUSES = new Set([401, 403, 405]);

export async function handleRegistryRequest(req: IncomingMessage, res: ServerResponse, pathname: string, search: string, ctx: RegistryContext): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendProxyError(res, new ProxyError('PROXY_NOT_ALLOWED', 405, `Method ${req.method} is not allowed`), {
      Allow: 'GET, HEAD',
    });
    return;
  }
  const route = parseRegistryPath(pathname, search);
  if (route instanceof ProxyError) {
    sendProxyError(res, route);
    return;
  }
  const method = req.method;
  const { config } = ctx;
  const target = resolveRegistry(route.host, config.insecureRegistries);

  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });

  const headers = forwardedHeaders(req);
  const resource = resourceOf(route.endpoint);
  const url = new URL(route.upstreamPath, target.origin);
  const fetchOnce = (upstreamMethod: 'GET' | 'HEAD', authorization: string | undefined) =>
    fetchUpstream(url, {
      method: upstreamMethod,
      headers,
      ...(authorization ? { authorization } : {}),
      authHost: target.host,
      timeouts: config.timeouts,
      policy: ctx.policy,
      agents: ctx.agents,
      signal: aborter.signal,
      maxRedirects: config.maxRedirects,
      allowPlainHttp: (u) => plainHttpAllowed(u, target, config.insecureRegistries),
    });
  /** One attempt, and one more after answering a 401's challenge. */
  const fetchAuthenticated = async (upstreamMethod: 'GET' | 'HEAD'): Promise<FetchResult> => {
    const authorization = ctx.auth.initialAuthorization(target, resource);
    const result = await fetchOnce(upstreamMethod, authorization);
    if (result.response.statusCode !== 401 || result.url.host !== target.host) return result;
    const retryWith = await ctx.auth.answerChallenge(
      target,
      resource,
      derivedScope(route.endpoint),
      result.response.headers['www-authenticate'],
      authorization,
    );
    if (!retryWith) return result;
    result.response.resume();
    return fetchOnce(upstreamMethod, retryWith);
  };

  try {
    let result = await fetchAuthenticated(method);
    let bodyless = method === 'HEAD';
    if (method === 'HEAD' && route.endpoint.kind === 'blob' && HEAD_FALLBACK_STATUSES.has(result.response.statusCode ?? 0)) {
      result.response.resume();
      result = await fetchAuthenticated('GET');
      bodyless = false; // a GET whose body relay() must cut, not drain
    }
    await relay(res, method, result.response, result.url, route, target, ctx, aborter.signal, bodyless);
  } catch (err) {
    if (aborter.signal.aborted) return; // the browser went away; nothing to answer
    if (err instanceof TokenEndpointError) {
      sendTokenError(res, err);
      return;
    }
    const error = toProxyError(err, target.host);
    config.log(`lading: ${method} ${pathname}: ${error.code}: ${error.message}`);
    sendProxyError(res, error);
  }
}

const PASSED_RESPONSE_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'content-encoding',
  'docker-content-digest',
  'docker-distribution-api-version',
  'oci-filters-applied',
  'etag',
  'last-modified',
  'retry-after',
  'docker-ratelimit-source',
]);
const PASSED_ERROR_HEADERS = new Set(['content-range', 'docker-distribution-api-version', 'retry-after', 'docker-ratelimit-source']);
export const isRateLimitHeader = (name: string): boolean => name.startsWith('ratelimit-') || name.startsWith('x-ratelimit-');

/** Headers every proxied registry response gets: a blob must never render as a page on our origin. */
export const REGISTRY_RESPONSE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const IMMUTABLE = 'max-age=31536000, immutable';

function cacheControl(endpoint: RegistryEndpoint, privateData: boolean): string {
  const visibility = privateData ? 'private' : 'public';
  if (endpoint.kind === 'blob' || (endpoint.kind === 'manifest' && endpoint.byDigest)) return `${visibility}, ${IMMUTABLE}`;
  if (endpoint.kind === 'manifest') return `${visibility}, max-age=60`;
  return 'no-cache';
}

export function pickHeaders(upstream: IncomingMessage, allowed: ReadonlySet<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && (allowed.has(name) || isRateLimitHeader(name))) out[name] = value;
  }
  return out;
}

/** Ends an upstream response whose body is not wanted: drained when it has none, else cut (a HEAD's GET). */
function finishBodyless(upstream: IncomingMessage, upstreamBodyless: boolean, status: number): void {
  if (upstreamBodyless || status === 204 || status === 304) upstream.resume();
  else upstream.destroy();
}

/** Endpoints whose bodies are small JSON documents: read whole (bounded), then sent with Content-Length. */
const isJsonEndpoint = (endpoint: RegistryEndpoint): boolean => endpoint.kind !== 'blob';

async function relay(
  res: ServerResponse,
  method: 'GET' | 'HEAD',
  upstream: IncomingMessage,
  upstreamUrl: URL,
  route: RegistryRoute,
  target: RegistryTarget,
  ctx: RegistryContext,
  clientGone: AbortSignal,
  /** The upstream request was a HEAD: drain its (empty) body. Otherwise a HEAD's GET body is cut. */
  upstreamBodyless: boolean,
): Promise<void> {
  const status = upstream.statusCode ?? 502;
  if (status >= 400) {
    await relayError(res, method, upstream, status, target.routeHost);
    return;
  }
  const headers = pickHeaders(upstream, PASSED_RESPONSE_HEADERS);
  const link = upstream.headers.link;
  if (link) {
    const rewritten = rewriteLink(Array.isArray(link) ? link.join(', ') : link, upstreamUrl, target);
    if (rewritten) headers.link = rewritten;
  }
  // With server-side credentials, the content is private to whoever can reach this proxy.
  headers['cache-control'] = cacheControl(route.endpoint, ctx.config.credentials.has(target.key));
  if (route.endpoint.kind === 'manifest') headers.vary = 'Accept';

  const noBody = method === 'HEAD' || status === 204 || status === 304;
  if (isJsonEndpoint(route.endpoint)) {
    // Manifests and listings are read whole, so an oversized one becomes a clean 502 instead of a cut stream.
    const limit = ctx.config.maxJsonBytes;
    const declared = Number(upstream.headers['content-length'] ?? NaN);
    let body: Buffer | undefined;
    if (!(declared > limit)) {
      if (noBody) {
        finishBodyless(upstream, upstreamBodyless, status);
      } else {
        body = await readBounded(upstream, limit);
      }
    } else {
      upstream.destroy();
    }
    if (declared > limit || (!noBody && body === undefined)) {
      const error = new ProxyError(
        'PROXY_RESPONSE_TOO_LARGE',
        502,
        `${target.routeHost} sent a ${route.endpoint.kind} larger than ${limit} bytes; the proxy passes on at most that much`,
        { limit, ...(declared > limit ? { contentLength: declared } : {}) },
      );
      ctx.config.log(`lading: ${method} ${upstreamUrl.host}${upstreamUrl.pathname}: ${error.code}: ${error.message}`);
      sendProxyError(res, error);
      return;
    }
    if (body) headers['content-length'] = body.length;
    res.writeHead(status, { ...headers, ...REGISTRY_RESPONSE_HEADERS });
    res.end(noBody ? undefined : body);
    return;
  }

  res.writeHead(status, { ...headers, ...REGISTRY_RESPONSE_HEADERS });
  if (noBody) {
    finishBodyless(upstream, upstreamBodyless, status);
    res.end();
    return;
  }
  try {
    await pipeline(upstream, res);
  } catch (err) {
    // Either the browser went away (pipeline has destroyed the upstream response), or the registry
    // stalled or reset mid-body: pipeline has destroyed the browser's response, so it sees a
    // truncated body rather than a wrong one.
    if (!clientGone.aborted) {
      ctx.config.log(`lading: body from ${upstreamUrl.host} interrupted: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const MAX_ERROR_BODY = 64 * 1024;

/** Upstream errors: same status; the registry's JSON when it sent the usual shape, else one in that shape. */
export async function relayError(res: ServerResponse, method: 'GET' | 'HEAD', upstream: IncomingMessage, status: number, from: string): Promise<void> {
  // Never WWW-Authenticate: the browser would prompt for the proxy's upstream credentials.
  const headers = pickHeaders(upstream, PASSED_ERROR_HEADERS);
  let body: Buffer | undefined;
  if (method === 'GET') {
    const raw = await readBounded(upstream, MAX_ERROR_BODY).catch(() => undefined);
    body = raw && isRegistryErrorBody(raw) ? raw : Buffer.from(errorBody(synthesizedError(status, from, upstream.headers['content-type'], raw)));
  } else {
    upstream.resume();
  }
  res.writeHead(status, {
    ...headers,
    ...REGISTRY_RESPONSE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(body ? { 'Content-Length': body.length } : {}),
  });
  res.end(body);
}

function synthesizedError(status: number, from: string, contentType: string | undefined, body: Buffer | undefined): RegistryErrorEntry {
  const entry: RegistryErrorEntry = {
    code: codeForStatus(status),
    message: `${from} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(),
  };
  // Keep a short text body as detail (e.g. auth.docker.io's {"details": ...}), never HTML.
  if (body && body.length > 0 && !/html/i.test(contentType ?? '')) {
    entry.detail = { status, body: body.toString('utf8').slice(0, 512) };
  } else {
    entry.detail = { status };
  }
  return entry;
}

function sendTokenError(res: ServerResponse, err: TokenEndpointError): void {
  if (res.headersSent || res.destroyed) return;
  const body =
    err.body && isRegistryErrorBody(err.body)
      ? err.body
      : Buffer.from(errorBody(synthesizedError(err.status, `Token endpoint ${err.realmHost}`, undefined, err.body)));
  res.writeHead(err.status, {
    ...REGISTRY_RESPONSE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Rewrites `Link` so pagination stays on the proxy: `</v2/...>` and absolute URLs on the registry's
 * own host become `</registry/<host>/v2/...>`. Links to anywhere else are dropped.
 */
export function rewriteLink(header: string, base: URL, target: RegistryTarget): string | undefined {
  const kept: string[] = [];
  for (const value of splitLinkValues(header)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(value);
    if (!match) continue;
    let url: URL;
    try {
      url = new URL(match[1] ?? '', base);
    } catch {
      continue;
    }
    const sameRegistry = url.host === target.host || url.host === target.routeHost;
    if (!sameRegistry || !url.pathname.startsWith('/v2/')) continue;
    kept.push(`<${ROUTE_PREFIX}${target.routeHost}${url.pathname}${url.search}>${match[2] ?? ''}`);
  }
  return kept.length > 0 ? kept.join(', ') : undefined;
}

/** Splits a Link header at the commas between link-values (not inside `<...>` or quotes). */
function splitLinkValues(header: string): string[] {
  const values: string[] = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (const ch of header) {
    if (ch === '<' && !inQuote) inAngle = true;
    else if (ch === '>' && !inQuote) inAngle = false;
    else if (ch === '"' && !inAngle) inQuote = !inQuote;
    if (ch === ',' && !inAngle && !inQuote) {
      values.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '') values.push(current);
  return values;
}
