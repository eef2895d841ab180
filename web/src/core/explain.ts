/**
 * Turns any failure into what a user needs: a title, the detail in the registry's own
 * words, and what to do. Used by the UI; pure so the CLI can print the same sentences.
 */
import { DigestMismatchError, PlatformNotFoundError, RegistryError, UnsupportedContentError } from './errors';
import { InvalidReferenceError } from './reference';

export interface Explanation {
  title: string;
  detail: string;
  hint?: string;
  /** A machine-readable kind, for tests and styling. */
  kind: 'reference' | 'platform' | 'auth' | 'denied' | 'not-found' | 'rate-limit' | 'network' | 'proxy' | 'integrity' | 'unsupported' | 'server' | 'unknown';
  retryAt?: Date;
}

export interface ExplainContext {
  /** `docker.io/library/nginx` */
  repository?: string;
  /** The tag or digest asked for. */
  reference?: string;
  now?: Date;
}

export function formatRetry(retryAt: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((retryAt.getTime() - now.getTime()) / 1000));
  const when = retryAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  if (seconds < 90) return `in ${seconds} s (${when})`;
  if (seconds < 90 * 60) return `in ${Math.round(seconds / 60)} min (${when})`;
  return `in ${(seconds / 3600).toFixed(1)} h (${when})`;
}

export function explainError(error: unknown, context: ExplainContext = {}): Explanation {
  const repo = context.repository ?? 'this repository';
  const ref = context.reference;
  if (error instanceof InvalidReferenceError) {
    return {
      kind: 'reference',
      title: `Invalid reference (${error.part})`,
      detail: error.reason,
      hint: 'Examples: nginx, nginx:1.27, ghcr.io/org/app@sha256:…, localhost:5000/team/api:dev',
    };
  }
  if (error instanceof DigestMismatchError) {
    return { kind: 'integrity', title: 'Content does not match its digest', detail: error.message };
  }
  if (error instanceof PlatformNotFoundError) {
    return {
      kind: 'platform',
      title: `No ${error.requested} image`,
      detail: error.message,
      ...(error.available.length > 0 ? { hint: `Pick one of: ${error.available.join(', ')}.` } : {}),
    };
  }
  if (error instanceof UnsupportedContentError) {
    return { kind: 'unsupported', title: 'Unsupported content', detail: error.message };
  }
  if (!(error instanceof RegistryError)) {
    return { kind: 'unknown', title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
  }
  const first = error.diagnostics[0];
  const said = first ? `The registry said: ${first.code}${first.message ? ` — ${first.message}` : ''}` : `HTTP ${error.status}`;
  if (error.source === 'network') {
    return {
      kind: 'network',
      title: 'Network failure',
      detail: `Could not reach the Lading proxy (${error.message}).`,
      hint: 'Check that the Lading server is running and reachable, then retry.',
    };
  }
  if (error.source === 'proxy' && first?.code === 'PROXY_RATE_LIMITED') {
    return {
      kind: 'rate-limit',
      title: 'Too many requests to the Lading server',
      detail: `${first.message || 'This browser sent more requests than the server allows per client.'}`,
      hint: error.retryAt ? `Retry ${formatRetry(error.retryAt, context.now)}.` : 'Wait a moment and retry.',
      ...(error.retryAt ? { retryAt: error.retryAt } : {}),
    };
  }
  if (error.source === 'proxy' && first) {
    const proxyTitles: Record<string, string> = {
      PROXY_DNS_FAILURE: 'Registry host not found',
      PROXY_CONNECTION_REFUSED: 'Registry refused the connection',
      PROXY_TIMEOUT: 'Registry did not answer in time',
      PROXY_TLS_ERROR: 'TLS error talking to the registry',
      PROXY_NOT_ALLOWED: 'Not allowed by the Lading proxy',
      PROXY_UPSTREAM_ERROR: 'Registry connection failed',
      PROXY_RESPONSE_TOO_LARGE: 'Registry answer too large',
    };
    const title = proxyTitles[first.code];
    if (title !== undefined) {
      const hint =
        first.code === 'PROXY_CONNECTION_REFUSED' || first.code === 'PROXY_TLS_ERROR'
          ? 'A registry on plain http must be listed in LADING_INSECURE_REGISTRIES (host:port) where the proxy runs.'
          : undefined;
      return { kind: 'proxy', title, detail: first.message || said, ...(hint ? { hint } : {}) };
    }
  }
  switch (error.status) {
    case 401:
      return {
        kind: 'auth',
        title: 'Authentication required',
        detail: `${said}. The registry wants credentials to read ${repo}. Docker Hub also answers this way for repositories that do not exist.`,
        hint: 'For a private registry, give the proxy credentials in a docker config.json named by LADING_DOCKER_CONFIG.',
      };
    case 403:
      return {
        kind: 'denied',
        title: 'Access denied',
        detail: `${said}. The credentials the proxy has do not grant pull access to ${repo}.`,
        hint: 'Check the account in LADING_DOCKER_CONFIG has read access.',
      };
    case 404: {
      if (error.hasCode('NAME_UNKNOWN')) {
        return { kind: 'not-found', title: 'Repository not found', detail: `The repository ${repo} does not exist on this registry. ${said}.` };
      }
      if (error.hasCode('MANIFEST_UNKNOWN') || error.hasCode('BLOB_UNKNOWN')) {
        const what = ref?.includes(':') ? `The manifest ${ref}` : `The tag "${ref ?? '?'}"`;
        return { kind: 'not-found', title: ref?.includes(':') ? 'Manifest not found' : 'Tag not found', detail: `${what} does not exist in ${repo}. ${said}.` };
      }
      return { kind: 'not-found', title: 'Not found', detail: `Neither the repository ${repo} nor ${ref ? `"${ref}"` : 'the reference'} was found. ${said}.` };
    }
    case 429: {
      const limit = error.rateLimit;
      const quota =
        limit?.limit !== undefined
          ? ` The limit is ${limit.limit} pulls${limit.windowSeconds ? ` per ${Math.round(limit.windowSeconds / 3600)} h` : ''}${limit.remaining !== undefined ? `, ${limit.remaining} left` : ''}${limit.source ? ` for ${limit.source}` : ''}.`
          : '';
      return {
        kind: 'rate-limit',
        title: 'Rate limit reached',
        detail: `${said}.${quota}`,
        hint: error.retryAt ? `Retry ${formatRetry(error.retryAt, context.now)}.` : 'Retry later; the registry did not say when.',
        ...(error.retryAt ? { retryAt: error.retryAt } : {}),
      };
    }
    default:
      return {
        kind: error.status >= 500 ? 'server' : 'unknown',
        title: error.status >= 500 ? 'Registry error' : `Request failed (HTTP ${error.status})`,
        detail: `${said}.`,
        ...(error.status >= 500 ? { hint: 'The registry had a problem; retrying may help.' } : {}),
      };
  }
}
