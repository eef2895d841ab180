// Per-client rate limit (token bucket) and caps on open upstream requests, per client and in all, so
// one browser tab (or one script) cannot use the proxy to hammer a registry or exhaust the server.
// A client is the remote address, or, behind a trusted reverse proxy, its X-Forwarded-For entry.

import type { IncomingMessage } from 'node:http';
import type { Limits } from './config';
import { parseIPv6 } from './addressPolicy';
import { ProxyError } from './errors';

interface Bucket {
  tokens: number;
  updated: number;
}

/** The caller's release function, or the error to answer with (429 PROXY_RATE_LIMITED + Retry-After seconds). */
export type Admission = { ok: true; release: () => void } | { ok: false; error: ProxyError; retryAfterSeconds: number };

const MAX_CLIENTS = 10_000;

export class ClientLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly open = new Map<string, number>();
  private openTotal = 0;

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number,
  ) {}

  /** Takes a token and an upstream slot for `client`, or says why not. Call `release` exactly once when done. */
  admit(client: string): Admission {
    const { ratePerSecond, burst, concurrentPerClient, concurrentTotal } = this.limits;
    const openForClient = this.open.get(client) ?? 0;
    if (openForClient >= concurrentPerClient) {
      return refuse(`Too many requests in flight from ${client} (at most ${concurrentPerClient} at once)`, 1, {
        limit: 'concurrent-per-client',
        max: concurrentPerClient,
      });
    }
    if (this.openTotal >= concurrentTotal) {
      return refuse(`The proxy is at its limit of ${concurrentTotal} open upstream requests`, 1, {
        limit: 'concurrent-total',
        max: concurrentTotal,
      });
    }
    if (ratePerSecond > 0) {
      const now = this.now();
      let bucket = this.buckets.get(client);
      if (!bucket) {
        bucket = { tokens: burst, updated: now };
        this.evictIfFull();
      } else {
        this.buckets.delete(client); // re-inserted below: the Map's order is least recently used first
        bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * ratePerSecond);
        bucket.updated = now;
      }
      this.buckets.set(client, bucket);
      if (bucket.tokens < 1) {
        const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
        return refuse(`Rate limit: at most ${ratePerSecond} requests per second from ${client} (burst ${burst})`, wait, {
          limit: 'rate',
          ratePerSecond,
          burst,
        });
      }
      bucket.tokens -= 1;
    }

    this.open.set(client, openForClient + 1);
    this.openTotal++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.openTotal--;
        const left = (this.open.get(client) ?? 1) - 1;
        if (left <= 0) this.open.delete(client);
        else this.open.set(client, left);
      },
    };
  }

  /** Open upstream requests, for tests and the load bench. */
  get inFlight(): number {
    return this.openTotal;
  }

  private evictIfFull(): void {
    // A full bucket is as good as none, so forgetting the least recently seen clients is harmless.
    while (this.buckets.size >= MAX_CLIENTS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}

function refuse(message: string, retryAfterSeconds: number, detail: Record<string, unknown>): Admission {
  return {
    ok: false,
    retryAfterSeconds,
    error: new ProxyError('PROXY_RATE_LIMITED', 429, message, { ...detail, retryAfterSeconds }),
  };
}

/** Lower-cased address without the `::ffff:` prefix Node gives IPv4 clients on a dual-stack socket. */
function plainAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice('::ffff:'.length) : lower;
}

/**
 * The key a client's limits are kept under: an IPv4 address as it is, an IPv6 address by its /64
 * (one host usually has a whole /64 to pick addresses from).
 */
export function limitKey(address: string): string {
  const bytes = parseIPv6(address);
  if (!bytes || address.includes('.')) return address;
  const words: string[] = [];
  for (let i = 0; i < 8; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return `${words.join(':')}::/64`;
}

/**
 * Who is asking: the socket's remote address, unless that is a trusted reverse proxy; then the
 * right-most X-Forwarded-For entry that is not a trusted proxy (entries further left are the client's
 * own claims and cannot be trusted).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const remote = plainAddress(req.socket.remoteAddress ?? 'unknown');
  if (!trustedProxies.has(remote)) return remote;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map(plainAddress)
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (!trustedProxies.has(hop)) return hop;
  }
  return remote;
}
