// Environment → configuration. Everything the server needs is in one object, so tests can build
// one directly with `createConfig({...})` instead of touching process.env.

import type { LookupFunction } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDockerConfig, type CredentialStore } from './auth';

export interface Timeouts {
  /** TCP connect (and TLS handshake) to the registry. */
  connectMs: number;
  /** From a connected request to the response headers. */
  firstByteMs: number;
  /** No bytes from the registry for this long while a response is in flight. */
  idleMs: number;
}

export interface LadingConfig {
  host: string;
  port: number;
  /** The built SPA (`dist/web`). */
  staticDir: string;
  /** `host:port` entries (lower-case) reached over plain http; everything else is https only. */
  insecureRegistries: ReadonlySet<string>;
  /** Credentials by registry key (see `registryKey`); they never leave the server except to that registry. */
  credentials: CredentialStore;
  timeouts: Timeouts;
  maxRedirects: number;
  /**
   * node:dns-style lookup used for every outbound connection (registry, token realm, redirect target).
   * The seam for an address deny list. Note that Node does not call it for IP-literal hosts.
   */
  lookup?: LookupFunction;
  /** Clock for token expiry (ms). */
  now: () => number;
  /** One line per event worth an operator's attention (stderr by default). */
  log: (line: string) => void;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, firstByteMs: 30_000, idleMs: 60_000 };

/** `<repo>/dist/web`, independent of the working directory. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

export function createConfig(overrides: Partial<LadingConfig> = {}): LadingConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    staticDir: DEFAULT_STATIC_DIR,
    insecureRegistries: new Set(),
    credentials: new Map(),
    maxRedirects: 5,
    now: Date.now,
    log: (line) => process.stderr.write(`${line}\n`),
    ...overrides,
    timeouts: { ...DEFAULT_TIMEOUTS, ...overrides.timeouts },
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads PORT, HOST, LADING_STATIC_DIR, LADING_INSECURE_REGISTRIES and LADING_DOCKER_CONFIG.
 * Throws ConfigError with a message fit for the terminal when a value is unusable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LadingConfig {
  const overrides: Partial<LadingConfig> = {};
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
  if (env.LADING_DOCKER_CONFIG) {
    try {
      overrides.credentials = loadDockerConfig(env.LADING_DOCKER_CONFIG);
    } catch (err) {
      throw new ConfigError(`LADING_DOCKER_CONFIG: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return createConfig(overrides);
}

/** `localhost:5000, http://10.0.0.2:5000/` → {'localhost:5000', '10.0.0.2:5000'}. */
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
