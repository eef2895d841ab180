// Passing an upstream answer on to the browser, shared by the registry, Hub and foreign-layer routes:
// which headers survive, the headers every proxied answer gets, upstream errors in the registry error
// shape (never with a body that could echo what the proxy sent, `reflection.ts`), bodies read whole
// (`wholeBody.ts`) and bodies streamed.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TokenEndpointError } from './auth';
import type { ProxyContext } from './context';
import { ProxyError } from './errors';
import { errorAnswer } from './upstreamError';
import { readWhole, releaseWhenSent, type HeldBody } from './wholeBody';

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

/** Sends a body read whole, giving its bytes back to the memory budget once they have left. */
export function sendWhole(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, held: HeldBody | undefined, withBody: boolean): void {
  if (held) {
    headers['content-length'] = held.body.length;
    releaseWhenSent(res, held);
  }
  res.writeHead(status, headers);
  res.end(withBody ? held?.body : undefined);
}

/**
 * Streams `upstream` to the browser. When the upstream fails mid-body (reset, idle timeout, more bytes
 * than `maxBytes`), the browser's response is destroyed, so it sees a cut stream, never a clean end.
 */
export async function streamBody(upstream: IncomingMessage, res: ServerResponse, maxBytes?: number): Promise<void> {
  if (maxBytes === undefined) {
    await pipeline(upstream, res);
    return;
  }
  let passed = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      passed += chunk.length;
      if (passed > maxBytes) callback(new ProxyError('PROXY_RESPONSE_TOO_LARGE', 502, `More than the ${maxBytes} bytes the descriptor announces`));
      else callback(null, chunk);
    },
  });
  await pipeline(upstream, cap, res);
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Upstream errors: same status; the registry's JSON when it sent the usual shape, else one in that
 * shape. `secrets` are what the proxy sent in the exchange (Authorization, tokens, passwords): a body
 * that contains any of them is replaced by the status and its error codes.
 */
export async function relayError(
  res: ServerResponse,
  method: 'GET' | 'HEAD',
  upstream: IncomingMessage,
  status: number,
  from: string,
  ctx: ProxyContext,
  secrets: readonly string[] = [],
): Promise<void> {
  // Never WWW-Authenticate: the browser would prompt for the proxy's upstream credentials.
  const headers = pickHeaders(upstream, PASSED_ERROR_HEADERS);
  let held: HeldBody | undefined;
  if (method === 'GET') {
    const raw = await readWhole(upstream, {
      limit: MAX_ERROR_BODY,
      deadlineMs: ctx.config.timeouts.bodyDeadlineMs,
      budget: ctx.budget,
      from,
      what: 'an error body',
    }).catch(() => undefined);
    const body = errorAnswer(status, from, upstream.headers, raw?.body, secrets);
    raw?.release();
    held = { body, release: () => {} };
  } else {
    upstream.resume();
  }
  sendWhole(
    res,
    status,
    { ...headers, ...REGISTRY_RESPONSE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    held,
    method === 'GET',
  );
}

/** A token endpoint's refusal, with the answer `auth.ts` made of it. */
export function sendTokenError(res: ServerResponse, err: TokenEndpointError): void {
  if (res.headersSent || res.destroyed) return;
  const body = err.answer;
  res.writeHead(err.status, {
    ...REGISTRY_RESPONSE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
