// Environment → configuration. Everything the server needs is in one object, so tests can build
// one directly with `createConfig({...})` instead of touching process.env.

import type { LookupFunction } from 'node:net';
import { resolve } from 'node:path';
import { MAX_DOCUMENT_BYTES } from '../../web/src/core/oci';
import { fileURLToPath } from 'node:url';
import { loadDockerConfig, type CredentialStore } from './credentials';

export interface Timeouts {
  /** TCP connect (and TLS handshake) to the registry. */
  connectMs: number;
  /** From a connected request to the response headers. */
  firstByteMs: number;
  /** No bytes from the registry for this long while a response is in flight. */
  idleMs: number;
  /**
   * A body read whole (manifest, tag list, catalog, referrers, Hub page, error body, token answer) must
   * have arrived within this long of its headers; a token request must be done within this long of
   * its start (LADING_BODY_DEADLINE).
   */
  bodyDeadlineMs: number;
}

/** Per-client and global caps on what the proxy does upstream (see `limits.ts`). */
export interface Limits {
  /** Sustained requests per second per client on the forwarding routes; 0 turns the rate limit off. */
  ratePerSecond: number;
  /** Requests a client may make at once before the rate applies. */
  burst: number;
  /** Open upstream requests per client (a blob stream counts until it ends). */
  concurrentPerClient: number;
  /** Open upstream requests in all. */
  concurrentTotal: number;
}

export interface LadingConfig {
  host: string;
  port: number;
  /** The built SPA (`dist/web`). */
  staticDir: string;
  /** `host:port` entries (lower-case) reached over plain http; everything else is https only. */
  insecureRegistries: ReadonlySet<string>;
  /**
   * `host` or `host:port` entries the proxy may dial even when they resolve to loopback, private,
   * link-local or other non-public addresses (LADING_ALLOW_HOSTS). Insecure registries are allowed too.
   */
  allowHosts: ReadonlySet<string>;
  limits: Limits;
  /** Largest manifest or JSON body (tags, catalog, referrers, Hub API) passed on; larger → 502. */
  maxJsonBytes: number;
  /** Bytes of bodies read whole that may be held in memory at once, over all requests; beyond → 429 (LADING_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /**
   * `host` or `host:port` entries a foreign-layer URL (`/foreign`) may reach although they are not
   * public, and over plain http (LADING_FOREIGN_ALLOW_HOSTS). LADING_ALLOW_HOSTS and
   * LADING_INSECURE_REGISTRIES do not count for `/foreign`: it would otherwise fetch any path on them.
   */
  foreignAllowHosts: ReadonlySet<string>;
  /**
   * Remote addresses of reverse proxies in front of this server (LADING_TRUST_PROXY). For requests
   * from them, the client is the last X-Forwarded-For entry that is not one of them.
   */
  trustedProxies: ReadonlySet<string>;
  /** Docker Hub's web API, for `/hub/...` (tests point it at a local server). */
  hubOrigin: string;
  /** Credentials by registry key (see `registryKey`); they never leave the server except to that registry. */
  credentials: CredentialStore;
  timeouts: Timeouts;
  maxRedirects: number;
  /**
   * node:dns-style resolver behind every outbound connection (registry, token realm, redirect target,
   * foreign layer); `dns.lookup` when absent. Its answers go through the address policy
   * (`addressPolicy.ts`), which also checks IP-literal hosts, for which Node calls no lookup.
   */
  lookup?: LookupFunction;
  /** Clock for token expiry (ms). */
  now: () => number;
  /** One line per event worth an operator's attention (stderr by default). */
  log: (line: string) => void;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 30_000, idleMs: 60_000, bodyDeadlineMs: 30_000 };
export const DEFAULT_LIMITS: Limits = { ratePerSecond: 20, burst: 100, concurrentPerClient: 32, concurrentTotal: 256 };
export const DEFAULT_MAX_JSON_BYTES = MAX_DOCUMENT_BYTES;
/** 16 of the largest manifests at once; typical manifests are a few KiB, so thousands of them. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** `<repo>/dist/web`, independent of the working directory. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** What a caller may set: any field, and any part of the timeouts and limits. */
export type ConfigOverrides = Omit<Partial<LadingConfig>, 'timeouts' | 'limits'> & { timeouts?: Partial<Timeouts>; limits?: Partial<Limits> };

export function createConfig(overrides: ConfigOverrides = {}): LadingConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    staticDir: DEFAULT_STATIC_DIR,
    insecureRegistries: new Set(),
    allowHosts: new Set(),
    maxJsonBytes: DEFAULT_MAX_JSON_BYTES,
    maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
    foreignAllowHosts: new Set(),
    trustedProxies: new Set(),
    hubOrigin: 'https://hub.docker.com',
    credentials: new Map(),
    maxRedirects: 5,
    now: Date.now,
    log: (line) => process.stderr.write(`${line}\n`),
    ...overrides,
    timeouts: { ...DEFAULT_TIMEOUTS, ...overrides.timeouts },
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads PORT, HOST, LADING_STATIC_DIR, LADING_INSECURE_REGISTRIES, LADING_ALLOW_HOSTS,
 * LADING_DOCKER_CONFIG, LADING_RATE_LIMIT, LADING_RATE_BURST, LADING_MAX_CONCURRENT_PER_CLIENT,
 * LADING_MAX_CONCURRENT, LADING_MAX_JSON_BYTES, LADING_MAX_BUFFERED_BYTES, LADING_BODY_DEADLINE,
 * LADING_FOREIGN_ALLOW_HOSTS and LADING_TRUST_PROXY.
 * Throws ConfigError with a message fit for the terminal when a value is unusable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LadingConfig {
  const overrides: ConfigOverrides = {};
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${env.PORT}"`);
    }
    overrides.port = port;
  }
  if (env.HOST) overrides.host = env.HOST;
  if (env.LADING_STATIC_DIR) overrides.staticDir = resolve(env.LADING_STATIC_DIR);
  if (env.LADING_INSECURE_REGISTRIES) overrides.insecureRegistries = parseInsecureRegistries(env.LADING_INSECURE_REGISTRIES);
  if (env.LADING_ALLOW_HOSTS) overrides.allowHosts = parseInsecureRegistries(env.LADING_ALLOW_HOSTS);
  if (env.LADING_FOREIGN_ALLOW_HOSTS) overrides.foreignAllowHosts = parseInsecureRegistries(env.LADING_FOREIGN_ALLOW_HOSTS);
  if (env.LADING_TRUST_PROXY) overrides.trustedProxies = parseInsecureRegistries(env.LADING_TRUST_PROXY);
  const limits: Partial<Limits> = {};
  const number = (name: string, min: number, integer: boolean): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new ConfigError(`${name} must be ${integer ? 'an integer' : 'a number'} of at least ${min}, got "${raw}"`);
    }
    return n;
  };
  const rate = number('LADING_RATE_LIMIT', 0, false);
  if (rate !== undefined) limits.ratePerSecond = rate;
  const burst = number('LADING_RATE_BURST', 1, true);
  if (burst !== undefined) limits.burst = burst;
  const perClient = number('LADING_MAX_CONCURRENT_PER_CLIENT', 1, true);
  if (perClient !== undefined) limits.concurrentPerClient = perClient;
  const total = number('LADING_MAX_CONCURRENT', 1, true);
  if (total !== undefined) limits.concurrentTotal = total;
  overrides.limits = { ...DEFAULT_LIMITS, ...limits };
  const maxJson = number('LADING_MAX_JSON_BYTES', 1024, true);
  if (maxJson !== undefined) overrides.maxJsonBytes = maxJson;
  const buffered = number('LADING_MAX_BUFFERED_BYTES', 1024, true);
  if (buffered !== undefined) overrides.maxBufferedBytes = buffered;
  const largest = overrides.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  if ((overrides.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES) < largest) {
    // Otherwise the largest manifest the proxy accepts could never be read.
    throw new ConfigError(`LADING_MAX_BUFFERED_BYTES must be at least LADING_MAX_JSON_BYTES (${largest})`);
  }
  const deadline = number('LADING_BODY_DEADLINE', 1, false);
  if (deadline !== undefined) overrides.timeouts = { ...DEFAULT_TIMEOUTS, bodyDeadlineMs: Math.round(deadline * 1000) };
  if (env.LADING_DOCKER_CONFIG) {
    try {
      overrides.credentials = loadDockerConfig(env.LADING_DOCKER_CONFIG);
    } catch (err) {
      throw new ConfigError(`LADING_DOCKER_CONFIG: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return createConfig(overrides);
}

/** `localhost:5000, http://10.0.0.2:5000/` → {'localhost:5000', '10.0.0.2:5000'} (also for LADING_ALLOW_HOSTS). */
export function parseInsecureRegistries(value: string): Set<string> {
  const hosts = value
    .split(',')
    .map((entry) =>
      entry
        .trim()
        .toLowerCase()
        .replace(/^[a-z]+:\/\//, '')
        .replace(/\/.*$/, ''),
    )
    .filter((entry) => entry !== '');
  return new Set(hosts);
}
