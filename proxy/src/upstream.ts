// Outbound requests. Every connection the proxy makes (registry, token realm, redirect target,
// foreign layer) goes through `requestUpstream`, which checks it against the address policy
// (`addressPolicy.ts`): IP literals before dialling, names in `lookup`, and the connected socket's
// remote address.
//
// Every request settles: with a response, or with a ProxyError. Node's client has paths on which
// neither `response` nor `error` fires (a `101 Switching Protocols` answer to a request that asked
// for no upgrade: the socket is handed to an `upgrade` listener or destroyed, and only `close`
// fires), so `upgrade` and a `close` before any response are failures too. And a body must look cut
// when it was: a close-delimited body (no Content-Length, not chunked) ends when the connection
// does, so Node ends it cleanly even when the connection was reset; the socket's error is put on
// the response stream instead, and whoever reads it sees an error, not a short body.

import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressPolicy } from './addressPolicy';
import type { Timeouts } from './config';
import { ProxyError } from './errors';

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Pooled keep-alive agents; `maxSockets` per origin should be at least the proxy's concurrency cap, so requests never queue. */
export function createAgents(maxSockets = 256): Agents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: 64 }),
  };
}

export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}

export interface UpstreamRequestOptions {
  /** POST only for token requests (OAuth2 refresh-token exchange); browsers get GET and HEAD. */
  method: 'GET' | 'HEAD' | 'POST';
  headers: OutgoingHttpHeaders;
  /** Request body (POST). */
  body?: Buffer;
  timeouts: Timeouts;
  /** Which addresses may be dialled; required, so no hop can skip it. */
  policy: AddressPolicy;
  agents?: Agents;
  /** Aborting destroys the request (and the response, if it has started). */
  signal?: AbortSignal;
}

const USER_AGENT = 'lading-proxy/0.1';

/** A pooled keep-alive socket that the server had already closed. */
class StaleSocketError extends Error {
  constructor(readonly original: unknown) {
    super('reused socket was closed by the server');
  }
}

/**
 * One request, no redirects. Resolves with the response once its headers arrive; the body is left
 * unread for the caller to stream. Connect and first-byte timeouts reject with PROXY_TIMEOUT; the idle
 * timeout (no bytes moved on the socket, in either direction) destroys the response mid-body.
 * GET and HEAD are idempotent, so a request that died on a stale pooled socket is sent once more.
 */
export async function requestUpstream(url: URL, options: UpstreamRequestOptions): Promise<IncomingMessage> {
  options.policy.checkBeforeConnect(url);
  try {
    return await requestOnce(url, options);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    try {
      return await requestOnce(url, options);
    } catch (again) {
      throw again instanceof StaleSocketError ? again.original : again;
    }
  }
}

function requestOnce(url: URL, options: UpstreamRequestOptions): Promise<IncomingMessage> {
  const { timeouts } = options;
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(new ProxyError('PROXY_NOT_ALLOWED', 403, `Unsupported protocol ${url.protocol}`));
      return;
    }
    const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT, ...options.headers };
    if (options.body) headers['content-length'] = options.body.length;
    const requestOptions: https.RequestOptions = {
      method: options.method,
      headers,
      lookup: options.policy.lookup(url),
    };
    const agent = secure ? options.agents?.https : options.agents?.http;
    if (agent) requestOptions.agent = agent;
    if (options.signal) requestOptions.signal = options.signal;
    const req = (secure ? https : http).request(url, requestOptions);

    let settled = false;
    const timers = new Set<NodeJS.Timeout>();
    const clearTimers = (): void => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    };
    const timeout = (ms: number, what: string): void => {
      const t = setTimeout(() => {
        req.destroy(new ProxyError('PROXY_TIMEOUT', 504, `Timed out after ${ms} ms ${what} ${url.host}`));
      }, ms);
      timers.add(t);
    };

    timeout(timeouts.connectMs, 'connecting to');
    const connected = (): void => {
      clearTimers();
      timeout(timeouts.firstByteMs, 'waiting for a response from');
    };
    req.on('socket', (socket: Socket) => {
      if (req.reusedSocket) {
        connected();
        return;
      }
      // The address actually dialled, whatever resolved it: the last check before any byte is sent.
      socket.once('connect', () => {
        try {
          options.policy.checkConnected(url, socket.remoteAddress);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
      socket.once(secure ? 'secureConnect' : 'connect', connected);
    });
    let response: IncomingMessage | undefined;
    const fail = (err: Error): void => {
      clearTimers();
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on('response', (res) => {
      settled = true;
      response = res;
      clearTimers();
      req.setTimeout(timeouts.idleMs, () => {
        // On the response first, so a reader sees the timeout rather than Node's "aborted".
        const error = new ProxyError('PROXY_TIMEOUT', 504, `No data from ${url.host} for ${timeouts.idleMs} ms`);
        res.destroy(error);
        req.destroy(error);
      });
      resolve(res);
    });
    req.on('upgrade', (_res: IncomingMessage, socket: Socket) => {
      socket.destroy();
      fail(new ProxyError('PROXY_UPSTREAM_ERROR', 502, `${url.host} answered 101 Switching Protocols; the proxy speaks plain HTTP only`));
    });
    req.on('error', (err) => {
      if (settled) {
        // A reset mid-body: unless the body had already arrived whole, its reader must see it.
        if (response && !response.complete) response.destroy(err);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const stale = req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && !options.signal?.aborted && options.method !== 'POST';
      fail(stale ? new StaleSocketError(err) : err);
    });
    req.on('close', () => fail(new ProxyError('PROXY_UPSTREAM_ERROR', 502, `${url.host} closed the connection without an answer`)));
    req.end(options.body);
  });
}

export interface FetchOptions extends UpstreamRequestOptions {
  /** Sent only to `authHost` (exact `URL.host` match), never to a redirect target elsewhere. */
  authorization?: string;
  authHost?: string;
  maxRedirects: number;
  /** Whether a plain-http URL (first request or redirect target) may be dialled. */
  allowPlainHttp: (url: URL) => boolean;
}

export interface FetchResult {
  response: IncomingMessage;
  /** The URL that produced `response`, after redirects. */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `requestUpstream`, following redirects on the server (blob downloads go to object storage / CDNs). */
export async function fetchUpstream(start: URL, options: FetchOptions): Promise<FetchResult> {
  let url = start;
  for (let hops = 0; ; hops++) {
    if (url.protocol === 'http:' && !options.allowPlainHttp(url)) {
      throw new ProxyError('PROXY_NOT_ALLOWED', 403, `Refusing plain http to ${url.host}; list it in LADING_INSECURE_REGISTRIES to allow it`, {
        host: url.host,
        reason: 'plain http',
      });
    }
    const headers: OutgoingHttpHeaders = { ...options.headers };
    if (options.authorization && options.authHost !== undefined && url.host === options.authHost) {
      headers.authorization = options.authorization;
    }
    const response = await requestUpstream(url, { ...options, headers });
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return { response, url };

    response.resume(); // drain, so the socket can go back to the pool
    if (hops >= options.maxRedirects) {
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `Too many redirects (more than ${options.maxRedirects})`);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `Redirect to an invalid URL from ${url.host}`);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new ProxyError('PROXY_NOT_ALLOWED', 403, `Refusing redirect to ${next.protocol} URL`);
    }
    // A redirect to a URL with credentials in it is refused by the policy in requestUpstream.
    url = next;
  }
}
