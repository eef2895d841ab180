// `/registry/<host>/v2/...`: which registry API calls the proxy forwards (distribution-spec paths,
// checked against the distribution/reference grammar), and what each one means for authentication.

import { isDigest } from '../../web/src/core/digest';
import { isValidRegistryHost } from './registry';
import { ProxyError } from './errors';

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
    const byDigest = isDigest(last);
    if (!byDigest && !TAG.test(last)) return badRequest(`Not a tag or digest: "${last}"`);
    return { kind: 'manifest', name, reference: last, byDigest };
  }
  if (!isDigest(last)) return badRequest(`Not a digest: "${last}"`);
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
export function resourceOf(endpoint: RegistryEndpoint): string {
  if (endpoint.kind === 'ping') return '';
  if (endpoint.kind === 'catalog') return '_catalog';
  return endpoint.name;
}

/** The scope a Bearer challenge without `scope` most likely meant. */
export function derivedScope(endpoint: RegistryEndpoint): string | undefined {
  if (endpoint.kind === 'ping') return undefined;
  if (endpoint.kind === 'catalog') return 'registry:catalog:*';
  return `repository:${endpoint.name}:pull`;
}
