// `/registry/<host>/v2/...`: forwarding the registry API calls `registryPath.ts` allows, with the
// registry's authentication answered on the server (`auth.ts`), blob redirects followed
// (`upstream.ts`), JSON documents read whole and blobs streamed (`relay.ts`).

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { TokenEndpointError } from './auth';
import type { ProxyContext } from './context';
import { pipeline } from 'node:stream/promises';
import { DIGEST_CHECK_HEADER, DigestCheckingStream, digestToCheck } from './digestCheck';
import { ProxyError, sendProxyError, toProxyError } from './errors';
import { rewriteLink } from './link';
import { plainHttpAllowed, resolveRegistry, type RegistryTarget } from './registry';
import { derivedScope, parseRegistryPath, resourceOf, type RegistryEndpoint, type RegistryRoute } from './registryPath';
import { pickHeaders, REGISTRY_RESPONSE_HEADERS, relayError, sendTokenError, sendWhole, streamBody } from './relay';
import { fetchUpstream, type FetchResult } from './upstream';
import { readWhole, tooLargeError, type HeldBody } from './wholeBody';

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

export async function handleRegistryRequest(req: IncomingMessage, res: ServerResponse, pathname: string, search: string, ctx: ProxyContext): Promise<void> {
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
  const fetchAuthenticated = async (upstreamMethod: 'GET' | 'HEAD'): Promise<Exchange> => {
    const authorization = ctx.auth.initialAuthorization(target, resource);
    const result = await fetchOnce(upstreamMethod, authorization);
    if (result.response.statusCode !== 401 || result.url.host !== target.host) return { ...result, authorization };
    const retryWith = await ctx.auth.answerChallenge(
      target,
      resource,
      derivedScope(route.endpoint),
      result.response.headers['www-authenticate'],
      authorization,
      aborter.signal,
    );
    if (!retryWith) return { ...result, authorization };
    result.response.resume();
    return { ...(await fetchOnce(upstreamMethod, retryWith)), authorization: retryWith };
  };

  try {
    let exchange = await fetchAuthenticated(method);
    let bodyless = method === 'HEAD';
    if (method === 'HEAD' && route.endpoint.kind === 'blob' && HEAD_FALLBACK_STATUSES.has(exchange.response.statusCode ?? 0)) {
      exchange.response.resume();
      exchange = await fetchAuthenticated('GET');
      bodyless = false; // a GET whose body relay() must cut, not drain
    }
    const check = route.endpoint.kind === 'blob' && method === 'GET' ? digestToCheck(route.endpoint.digest, req.headers[DIGEST_CHECK_HEADER]) : undefined;
    await relay(res, method, exchange, route, target, ctx, aborter.signal, bodyless, check);
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

/** An upstream answer and the Authorization the request that got it carried. */
interface Exchange extends FetchResult {
  authorization: string | undefined;
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
const IMMUTABLE = 'max-age=31536000, immutable';

function cacheControl(endpoint: RegistryEndpoint, privateData: boolean): string {
  const visibility = privateData ? 'private' : 'public';
  if (endpoint.kind === 'blob' || (endpoint.kind === 'manifest' && endpoint.byDigest)) return `${visibility}, ${IMMUTABLE}`;
  if (endpoint.kind === 'manifest') return `${visibility}, max-age=60`;
  return 'no-cache';
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
  exchange: Exchange,
  route: RegistryRoute,
  target: RegistryTarget,
  ctx: ProxyContext,
  clientGone: AbortSignal,
  /** The upstream request was a HEAD: drain its (empty) body. Otherwise a HEAD's GET body is cut. */
  upstreamBodyless: boolean,
  /** A blob GET whose whole body is checked against this digest as it passes (digestCheck.ts). */
  checkDigest?: string,
): Promise<void> {
  const { response: upstream, url: upstreamUrl } = exchange;
  const status = upstream.statusCode ?? 502;
  if (status >= 400) {
    await relayError(res, method, upstream, status, target.routeHost, ctx, ctx.auth.secretsFor(target, exchange.authorization));
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
  Object.assign(headers, REGISTRY_RESPONSE_HEADERS);

  const noBody = method === 'HEAD' || status === 204 || status === 304;
  if (isJsonEndpoint(route.endpoint)) {
    // Manifests and listings are read whole, so an oversized or stalled one becomes a clean 502 / 504
    // instead of a cut stream.
    const limit = ctx.config.maxJsonBytes;
    const what = `a ${route.endpoint.kind}`;
    const declared = Number(upstream.headers['content-length'] ?? NaN);
    let held: HeldBody | undefined;
    if (declared > limit) {
      upstream.destroy();
      throw tooLargeError(target.routeHost, what, limit, declared);
    }
    if (noBody) finishBodyless(upstream, upstreamBodyless, status);
    else held = await readWhole(upstream, { limit, deadlineMs: ctx.config.timeouts.bodyDeadlineMs, budget: ctx.budget, from: target.routeHost, what });
    sendWhole(res, status, headers, held, !noBody);
    return;
  }

  // Only a whole blob can be hashed; a range (206) passes unchecked.
  const checked = checkDigest !== undefined && status === 200 && !noBody ? checkDigest : undefined;
  if (checked) headers[DIGEST_CHECK_HEADER] = checked;
  res.writeHead(status, headers);
  if (noBody) {
    finishBodyless(upstream, upstreamBodyless, status);
    res.end();
    return;
  }
  try {
    if (checked) {
      const digestCheck = new DigestCheckingStream(checked, (actual, bytes) =>
        ctx.config.log(`lading: blob ${checked} from ${upstreamUrl.host}: its ${bytes} bytes have digest ${actual}; the body was cut`),
      );
      await pipeline(upstream, digestCheck, res);
    } else await streamBody(upstream, res);
  } catch (err) {
    // Either the browser went away (pipeline has destroyed the upstream response), or the registry
    // stalled or reset mid-body: pipeline has destroyed the browser's response, so it sees a
    // truncated body rather than a wrong one.
    if (!clientGone.aborted) {
      ctx.config.log(`lading: body from ${upstreamUrl.host} interrupted: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
