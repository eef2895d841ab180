// Error responses. Everything the proxy answers with an error status uses the registry's own shape,
// `{"errors":[{"code","message","detail"}]}`, so the browser has one format to understand.
// Errors the proxy itself produces carry `X-Lading-Error-Source: proxy`.

import type { ServerResponse } from 'node:http';

export type ProxyErrorCode =
  | 'PROXY_DNS_FAILURE' // 502: the registry's host name did not resolve
  | 'PROXY_CONNECTION_REFUSED' // 502: nothing listens on the registry's port
  | 'PROXY_TIMEOUT' // 504: connect, first-byte, idle or whole-body timeout
  | 'PROXY_TLS_ERROR' // 502: handshake or certificate failure
  | 'PROXY_UPSTREAM_ERROR' // 502: anything else that went wrong talking to the registry
  | 'PROXY_NOT_ALLOWED' // 405 method, 404 path, 403 policy (plain http to a host not listed, a denied address)
  | 'PROXY_RATE_LIMITED' // 429: over a request rate or concurrency cap, or the memory budget is spent (Retry-After says when)
  | 'PROXY_RESPONSE_TOO_LARGE' // 502: a manifest or JSON body larger than the proxy passes on
  | 'PROXY_BAD_REQUEST' // 400: malformed registry host, repository name, reference or digest
  | 'PROXY_INTERNAL_ERROR'; // 500: a bug in the proxy

export interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    readonly code: ProxyErrorCode,
    readonly status: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(entry: RegistryErrorEntry): string {
  return JSON.stringify({ errors: [entry] });
}

/** The code a registry would most likely have used for a status, for error responses without a JSON body. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'UNSUPPORTED';
    case 408:
      return 'TIMEOUT';
    case 409:
      return 'CONFLICT';
    case 416:
      return 'RANGE_NOT_SATISFIABLE';
    case 429:
      return 'TOOMANYREQUESTS';
    case 500:
      return 'INTERNAL_ERROR';
    case 502:
      return 'BAD_GATEWAY';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'GATEWAY_TIMEOUT';
    default:
      return `HTTP_${status}`;
  }
}

/** True when a body is the registry error shape (`errors` is an array of objects with a string code). */
export function isRegistryErrorBody(body: Buffer): boolean {
  if (body.length === 0) return false;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return false;
    const errors = (parsed as { errors?: unknown }).errors;
    return (
      Array.isArray(errors) &&
      errors.length > 0 &&
      errors.every((e: unknown) => typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string')
    );
  } catch {
    return false;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL']);
const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
]);

/** Maps whatever a request threw to one of the proxy's own errors. `target` names what was dialled. */
export function toProxyError(err: unknown, target: string): ProxyError {
  if (err instanceof ProxyError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const message = err instanceof Error ? err.message : String(err);
  if (DNS_CODES.has(code)) {
    return new ProxyError('PROXY_DNS_FAILURE', 502, `Could not resolve ${target}`, { cause: code });
  }
  if (code === 'ECONNREFUSED') {
    return new ProxyError('PROXY_CONNECTION_REFUSED', 502, `Connection to ${target} refused`, { cause: code });
  }
  if (code === 'ETIMEDOUT') {
    return new ProxyError('PROXY_TIMEOUT', 504, `Connection to ${target} timed out`, { cause: code });
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new ProxyError('PROXY_TLS_ERROR', 502, `TLS error talking to ${target}: ${message}`, { cause: code });
  }
  return new ProxyError('PROXY_UPSTREAM_ERROR', 502, `Error talking to ${target}: ${message}`, code ? { cause: code } : undefined);
}

/** Sends one of the proxy's own errors, unless the response has already started or the client has gone. */
export function sendProxyError(res: ServerResponse, error: ProxyError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const entry: RegistryErrorEntry = { code: error.code, message: error.message };
  if (error.detail !== undefined) entry.detail = error.detail;
  const body = errorBody(entry);
  // A refusal that says when to come back (the caps, the memory budget) says it in the header too.
  const retryAfter = (error.detail as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  res.writeHead(error.status, {
    ...(typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {}),
    ...extraHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Lading-Error-Source': 'proxy',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
