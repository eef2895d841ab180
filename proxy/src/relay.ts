// Passing an upstream answer on to the browser, shared by the registry, Hub and foreign-layer routes:
// which headers survive, the headers every proxied answer gets, and upstream errors in the registry
// error shape.

import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { TokenEndpointError } from './auth';
import { codeForStatus, errorBody, isRegistryErrorBody, type RegistryErrorEntry } from './errors';
import { readBounded } from './upstream';

const PASSED_ERROR_HEADERS = new Set(['content-range', 'docker-distribution-api-version', 'retry-after', 'docker-ratelimit-source']);
export const isRateLimitHeader = (name: string): boolean => name.startsWith('ratelimit-') || name.startsWith('x-ratelimit-');

/** Headers every proxied registry response gets: a blob must never render as a page on our origin. */
export const REGISTRY_RESPONSE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function pickHeaders(upstream: IncomingMessage, allowed: ReadonlySet<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && (allowed.has(name) || isRateLimitHeader(name))) out[name] = value;
  }
  return out;
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

export function sendTokenError(res: ServerResponse, err: TokenEndpointError): void {
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
