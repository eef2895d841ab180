// `/foreign?url=<https URL>&digest=<algorithm:hex>&size=<bytes>`: a foreign layer (a manifest layer
// with `urls`, as Windows base images on mcr.microsoft.com have) fetched through the proxy, because
// the browser may only talk to its own origin. The URL comes from the browser, so the rules are
// strict: GET only, no credentials sent or allowed in the URL, the body streamed as opaque bytes and
// never more of them than the descriptor's size, every hop through the address policy.
//
// That policy is not the registries' one. Foreign layers live on public object stores; a host listed
// in LADING_ALLOW_HOSTS or LADING_INSECURE_REGISTRIES is trusted as a registry, behind the registry
// route's path allow-list, and `/foreign` would fetch any path on it (its `_catalog`, an admin page).
// So only LADING_FOREIGN_ALLOW_HOSTS lets a foreign URL reach a non-public address or plain http.
// The digest is required so each response is addressed by content; the browser verifies it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseVerifiableDigest } from '../../web/src/core/digest';
import type { AddressPolicy } from './addressPolicy';
import type { ProxyContext } from './context';
import { ProxyError, sendProxyError, toProxyError } from './errors';
import { pickHeaders, REGISTRY_RESPONSE_HEADERS, relayError, streamBody } from './relay';
import { fetchUpstream } from './upstream';

export const FOREIGN_PATH = '/foreign';

const SIZE = /^(0|[1-9][0-9]{0,15})$/;
const MAX_URL_LENGTH = 4096;

export interface ForeignRequest {
  url: URL;
  /** The descriptor's size: no more bytes than this are passed on. */
  size: number;
}

/** The URL to fetch and the size to hold it to, or the error to answer with. */
export function parseForeignRequest(search: string, policy: AddressPolicy): ForeignRequest | ProxyError {
  const params = new URLSearchParams(search);
  const raw = params.get('url') ?? '';
  const digest = params.get('digest') ?? '';
  const sizeText = params.get('size') ?? '';
  if (!parseVerifiableDigest(digest)) return new ProxyError('PROXY_BAD_REQUEST', 400, 'A foreign layer needs digest=sha256:<64 hex>');
  if (!SIZE.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    return new ProxyError('PROXY_BAD_REQUEST', 400, "A foreign layer needs size=<the descriptor's size in bytes>");
  }
  if (raw === '' || raw.length > MAX_URL_LENGTH) return new ProxyError('PROXY_BAD_REQUEST', 400, 'A foreign layer needs url=<https URL>');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return new ProxyError('PROXY_BAD_REQUEST', 400, 'The foreign layer url is not a URL');
  }
  if (url.username !== '' || url.password !== '') {
    return new ProxyError('PROXY_NOT_ALLOWED', 403, 'Refusing a foreign layer URL with credentials in it', { reason: 'userinfo' });
  }
  if (url.protocol !== 'https:' && !plainHttpOk(url, policy)) {
    return new ProxyError('PROXY_NOT_ALLOWED', 403, `Foreign layers are fetched over https only, not ${url.protocol}`, {
      host: url.host,
      reason: 'not https',
    });
  }
  url.hash = '';
  return { url, size: Number(sizeText) };
}

/** Plain http only to a host listed in LADING_FOREIGN_ALLOW_HOSTS (with its port semantics). */
function plainHttpOk(url: URL, policy: AddressPolicy): boolean {
  return url.protocol === 'http:' && policy.allowsHost(url);
}

const PASSED = new Set(['content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified']);

export async function handleForeignRequest(req: IncomingMessage, res: ServerResponse, search: string, ctx: ProxyContext): Promise<void> {
  if (req.method !== 'GET') {
    sendProxyError(res, new ProxyError('PROXY_NOT_ALLOWED', 405, `Method ${req.method} is not allowed for foreign layers`), { Allow: 'GET' });
    return;
  }
  const { config } = ctx;
  const parsed = parseForeignRequest(search, ctx.foreignPolicy);
  if (parsed instanceof ProxyError) {
    sendProxyError(res, parsed);
    return;
  }
  const { url, size } = parsed;
  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  const headers: Record<string, string> = {};
  for (const name of ['range', 'if-none-match'] as const) {
    const value = req.headers[name];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  try {
    const { response } = await fetchUpstream(url, {
      method: 'GET',
      headers,
      timeouts: config.timeouts,
      policy: ctx.foreignPolicy,
      agents: ctx.agents,
      signal: aborter.signal,
      maxRedirects: config.maxRedirects,
      allowPlainHttp: (u) => plainHttpOk(u, ctx.foreignPolicy),
    });
    const status = response.statusCode ?? 502;
    if (status >= 400) {
      await relayError(res, 'GET', response, status, url.host, ctx);
      return;
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > size) {
      response.destroy();
      throw new ProxyError('PROXY_RESPONSE_TOO_LARGE', 502, `${url.host} announced ${declared} bytes for a layer of ${size}`, {
        limit: size,
        contentLength: declared,
      });
    }
    res.writeHead(status, {
      ...pickHeaders(response, PASSED),
      ...REGISTRY_RESPONSE_HEADERS,
      // Opaque bytes, whatever the far end calls them.
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    if (status === 204 || status === 304) {
      response.resume();
      res.end();
      return;
    }
    try {
      await streamBody(response, res, size);
    } catch (err) {
      if (!aborter.signal.aborted) config.log(`lading: foreign layer from ${url.host} interrupted: ${err instanceof Error ? err.message : String(err)}`);
    }
  } catch (err) {
    if (aborter.signal.aborted) return;
    const error = toProxyError(err, url.host);
    config.log(`lading: GET /foreign ${url.host}: ${error.code}: ${error.message}`);
    sendProxyError(res, error);
  }
}
