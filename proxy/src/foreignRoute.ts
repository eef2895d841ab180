// `/foreign?url=<https URL>&digest=<algorithm:hex>`: a foreign layer (a manifest layer with `urls`,
// as Windows base images on mcr.microsoft.com have) fetched through the proxy, because the browser
// may only talk to its own origin. The URL comes from the browser, so the rules are strict: GET only,
// https only (plain http only to hosts in LADING_INSECURE_REGISTRIES), no credentials sent or allowed
// in the URL, every hop through the address policy, the body streamed as opaque bytes. The digest is
// required so each response is addressed by content; the browser verifies it, as for any blob.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ProxyError, sendProxyError, toProxyError } from './errors';
import type { ProxyContext } from './context';
import { pickHeaders, REGISTRY_RESPONSE_HEADERS, relayError } from './relay';
import { fetchUpstream } from './upstream';

export const FOREIGN_PATH = '/foreign';

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const MAX_URL_LENGTH = 4096;

/** The URL to fetch, or the error to answer with. */
export function parseForeignRequest(search: string, insecureRegistries: ReadonlySet<string>): URL | ProxyError {
  const params = new URLSearchParams(search);
  const raw = params.get('url') ?? '';
  const digest = params.get('digest') ?? '';
  if (!DIGEST.test(digest)) return new ProxyError('PROXY_BAD_REQUEST', 400, 'A foreign layer needs digest=sha256:<64 hex>');
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
  if (!plainHttpOk(url, insecureRegistries) && url.protocol !== 'https:') {
    return new ProxyError('PROXY_NOT_ALLOWED', 403, `Foreign layers are fetched over https only, not ${url.protocol}`, {
      host: url.host,
      reason: 'not https',
    });
  }
  url.hash = '';
  return url;
}

function plainHttpOk(url: URL, insecureRegistries: ReadonlySet<string>): boolean {
  return url.protocol === 'http:' && insecureRegistries.has(url.host.toLowerCase());
}

const PASSED = new Set(['content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified']);

export async function handleForeignRequest(req: IncomingMessage, res: ServerResponse, search: string, ctx: ProxyContext): Promise<void> {
  if (req.method !== 'GET') {
    sendProxyError(res, new ProxyError('PROXY_NOT_ALLOWED', 405, `Method ${req.method} is not allowed for foreign layers`), { Allow: 'GET' });
    return;
  }
  const { config } = ctx;
  const url = parseForeignRequest(search, config.insecureRegistries);
  if (url instanceof ProxyError) {
    sendProxyError(res, url);
    return;
  }
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
      policy: ctx.policy,
      agents: ctx.agents,
      signal: aborter.signal,
      maxRedirects: config.maxRedirects,
      allowPlainHttp: (u) => plainHttpOk(u, config.insecureRegistries),
    });
    const status = response.statusCode ?? 502;
    if (status >= 400) {
      await relayError(res, 'GET', response, status, url.host);
      return;
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
      await pipeline(response, res);
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
