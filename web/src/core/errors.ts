/**
 * Errors that keep the registry's own words (after go-containerregistry's transport.Error):
 * the HTTP status, the registry's diagnostics, rate-limit facts and whether a retry can help.
 */

export interface Diagnostic {
  code: string;
  message: string;
  detail?: unknown;
}

export interface RateLimit {
  /** e.g. 100 of `ratelimit-limit: 100;w=21600`. */
  limit?: number;
  remaining?: number;
  /** The window in seconds (`w=`). */
  windowSeconds?: number;
  /** `docker-ratelimit-source`: the IP or account the limit is counted against. */
  source?: string;
}

export type ErrorSource = 'registry' | 'proxy' | 'network';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status: number,
    readonly diagnostics: Diagnostic[],
    readonly source: ErrorSource,
    /** What was asked for, e.g. "manifest 1.27 of docker.io/library/nginx". */
    readonly subject: string,
    /** When a retry may succeed (from Retry-After or the rate-limit reset). */
    readonly retryAt?: Date,
    readonly rateLimit?: RateLimit,
  ) {
    super(message);
  }

  get codes(): string[] {
    return this.diagnostics.map((d) => d.code);
  }

  hasCode(code: string): boolean {
    return this.diagnostics.some((d) => d.code === code);
  }

  /** A retry can help for network trouble, 5xx and 429; never for 4xx answers about content or auth. */
  get temporary(): boolean {
    return this.source === 'network' || this.status === 429 || this.status >= 500;
  }
}

/** Content did not hash to the digest that addresses it. */
export class DigestMismatchError extends Error {
  override readonly name = 'DigestMismatchError';
  constructor(
    readonly subject: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${subject}: expected digest ${expected} but the content hashes to ${actual}`);
  }
}

/** A document Lading understands the transport of, but not the content. */
export class UnsupportedContentError extends Error {
  override readonly name = 'UnsupportedContentError';
  constructor(
    message: string,
    readonly mediaType: string,
  ) {
    super(message);
  }
}

/** A platform that was asked for is not among those the image offers. */
export class PlatformNotFoundError extends Error {
  override readonly name = 'PlatformNotFoundError';
  constructor(
    readonly requested: string,
    readonly available: readonly string[],
    what: string,
  ) {
    super(`${what} has no platform ${requested}; it has ${available.length > 0 ? available.join(', ') : 'none'}`);
  }
}

/** Parses `ratelimit-limit: 100;w=21600` style values. */
function parseRateLimitValue(value: string | null): { count?: number; window?: number } {
  if (value === null) return {};
  const [countPart, ...params] = value.split(';');
  const count = Number(countPart?.trim());
  let window: number | undefined;
  for (const param of params) {
    const [k, v] = param.split('=');
    if (k?.trim() === 'w' && v !== undefined && Number.isFinite(Number(v))) window = Number(v);
  }
  return { ...(Number.isFinite(count) && countPart?.trim() !== '' ? { count } : {}), ...(window !== undefined ? { window } : {}) };
}

export function readRateLimit(headers: Headers): RateLimit | undefined {
  const limit = parseRateLimitValue(headers.get('ratelimit-limit') ?? headers.get('x-ratelimit-limit'));
  const remaining = parseRateLimitValue(headers.get('ratelimit-remaining') ?? headers.get('x-ratelimit-remaining'));
  const source = headers.get('docker-ratelimit-source') ?? undefined;
  if (limit.count === undefined && remaining.count === undefined && source === undefined) return undefined;
  const windowSeconds = limit.window ?? remaining.window;
  return {
    ...(limit.count !== undefined ? { limit: limit.count } : {}),
    ...(remaining.count !== undefined ? { remaining: remaining.count } : {}),
    ...(windowSeconds !== undefined ? { windowSeconds } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}

/**
 * When to retry: `Retry-After` (seconds or an HTTP date), else `ratelimit-reset` /
 * `x-ratelimit-reset` (seconds from now, or a Unix time when large).
 */
export function readRetryAt(headers: Headers, now: Date = new Date()): Date | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return new Date(now.getTime() + Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return new Date(date);
  }
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) {
    const n = Number(reset.trim());
    // Values above a billion are Unix timestamps; smaller ones are delta seconds.
    return n > 1e9 ? new Date(n * 1000) : new Date(now.getTime() + n * 1000);
  }
  return undefined;
}

export function parseDiagnostics(body: unknown): Diagnostic[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({
      code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
      message: typeof e.message === 'string' ? e.message : '',
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    }));
}
