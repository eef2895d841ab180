// Registry authentication on the server: credentials from a docker-style config.json, the Docker token
// flow (Bearer challenge → GET realm?service&scope, with Basic credentials when configured; identity
// tokens exchanged as OAuth2 refresh tokens by POST), a token cache per (registry, scope), and Basic
// challenges. Credentials never reach the browser.

import { readFileSync } from 'node:fs';
import type { LadingConfig } from './config';
import { challengeScopes, parseWwwAuthenticate, selectChallenge } from './challenge';
import { ProxyError } from './errors';
import { plainHttpAllowed, registryKey, type RegistryTarget } from './registry';
import type { AddressPolicy } from './addressPolicy';
import { fetchUpstream, readBounded, type Agents } from './upstream';

export interface Credential {
  username: string;
  /** For an `identitytoken` entry this is the identity token (see parseDockerConfig). */
  password: string;
  /** Set for `identitytoken` entries: an OAuth2 refresh token for the registry's token realm. */
  identityToken?: string;
}

/** Credentials by registry key (`registryKey`). */
export type CredentialStore = ReadonlyMap<string, Credential>;

/**
 * The `auths` section of a docker config.json. Per entry, in order of preference:
 * - `identitytoken`: exchanged as an OAuth2 refresh token, as Docker does (`POST` to the realm with
 *   `grant_type=refresh_token`); when the realm answers that POST with 404, it is sent as the Basic
 *   password of the usual GET instead (username from the entry, else `<token>`).
 * - `username` + `password`;
 * - `auth`: base64 of `user:password` (the password may contain ':').
 * Entries with none of these (e.g. kept in a `credsStore` / `credHelpers` helper) are skipped.
 */
export function parseDockerConfig(json: unknown): Map<string, Credential> {
  const store = new Map<string, Credential>();
  if (typeof json !== 'object' || json === null) throw new Error('not a JSON object');
  const auths = (json as { auths?: unknown }).auths;
  if (auths === undefined) return store;
  if (typeof auths !== 'object' || auths === null) throw new Error('"auths" is not an object');
  for (const [key, value] of Object.entries(auths)) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    const str = (name: string): string | undefined => {
      const v = entry[name];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    let credential: Credential | undefined;
    const identityToken = str('identitytoken');
    const username = str('username');
    const password = str('password');
    const auth = str('auth');
    if (identityToken) {
      credential = { username: username ?? '<token>', password: identityToken, identityToken };
    } else if (username && password) {
      credential = { username, password };
    } else if (auth) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (credential) store.set(registryKey(key), credential);
  }
  return store;
}

export function loadDockerConfig(path: string): Map<string, Credential> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseDockerConfig(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path} is not a usable docker config.json: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function basicAuthorization(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Bearer tokens per (registry key, scope), dropped a little before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 1000,
  ) {}

  get(registry: string, scope: string): string | undefined {
    const key = `${registry} ${scope}`;
    const cached = this.tokens.get(key);
    if (!cached) return undefined;
    if (cached.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached.token;
  }

  set(registry: string, scope: string, token: string, expiresInSeconds: number): void {
    const lifetimeMs = expiresInSeconds * 1000;
    const margin = Math.min(10_000, lifetimeMs * 0.1); // never use a token in its last moments
    this.tokens.delete(`${registry} ${scope}`);
    this.tokens.set(`${registry} ${scope}`, { token, expiresAt: this.now() + lifetimeMs - margin });
    for (const oldest of this.tokens.keys()) {
      if (this.tokens.size <= this.maxEntries) break;
      this.tokens.delete(oldest);
    }
  }

  delete(registry: string, scope: string): void {
    this.tokens.delete(`${registry} ${scope}`);
  }
}

/** A token endpoint answered with an error status; its words are passed on to the browser. */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
  constructor(
    readonly status: number,
    readonly body: Buffer | undefined,
    readonly realmHost: string,
  ) {
    super(`Token request to ${realmHost} failed with status ${status}`);
  }
}

/** What a repository's last challenge asked for, so later requests can authenticate up front. */
type Hint = { scheme: 'bearer'; scope: string } | { scheme: 'basic' };

const DEFAULT_TOKEN_SECONDS = 60;
const MAX_HINTS = 10_000;

export class RegistryAuth {
  readonly tokens: TokenCache;
  private readonly hints = new Map<string, Hint>();
  private readonly inflight = new Map<string, Promise<string>>();

  /** Refresh tokens handed back by an OAuth2 exchange replace the configured identity token, per registry key. */
  private readonly refreshTokens = new Map<string, string>();

  constructor(
    private readonly config: LadingConfig,
    private readonly agents: Agents,
    private readonly policy: AddressPolicy,
  ) {
    this.tokens = new TokenCache(config.now);
  }

  /**
   * Authorization to send with the first attempt, from an earlier challenge for the same registry and
   * resource (a repository name, `_catalog`, or '' for the ping). Undefined: send none.
   */
  initialAuthorization(target: RegistryTarget, resource: string): string | undefined {
    const hint = this.hints.get(`${target.key} ${resource}`);
    if (!hint) return undefined;
    if (hint.scheme === 'basic') {
      const credential = this.config.credentials.get(target.key);
      return credential ? basicAuthorization(credential) : undefined;
    }
    const token = this.tokens.get(target.key, hint.scope);
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * After a 401 from the registry: the Authorization to retry with, or undefined when the challenge
   * cannot be answered (no usable challenge, Basic without credentials, credentials already rejected).
   * Throws TokenEndpointError / ProxyError when the token request fails.
   *
   * `derivedScope` is used when a Bearer challenge names no scope: `repository:<name>:pull`.
   */
  async answerChallenge(
    target: RegistryTarget,
    resource: string,
    derivedScope: string | undefined,
    wwwAuthenticate: string | string[] | undefined,
    sent: string | undefined,
  ): Promise<string | undefined> {
    const challenge = selectChallenge(parseWwwAuthenticate(wwwAuthenticate));
    if (!challenge) return undefined;
    const hintKey = `${target.key} ${resource}`;

    if (challenge.scheme === 'basic') {
      const credential = this.config.credentials.get(target.key);
      if (!credential) return undefined;
      const authorization = basicAuthorization(credential);
      if (authorization === sent) return undefined; // the registry rejected these credentials
      this.remember(hintKey, { scheme: 'basic' });
      return authorization;
    }

    const realm = challenge.params.realm ?? '';
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `${target.routeHost} sent an unusable token realm`, { realm });
    }
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') {
      throw new ProxyError('PROXY_NOT_ALLOWED', 403, `${target.routeHost} names a ${realmUrl.protocol} token realm`, { realm });
    }
    let scopes = challengeScopes(challenge);
    if (scopes.length === 0 && !realmUrl.searchParams.has('scope') && derivedScope) scopes = [derivedScope];
    const scopeKey = scopes.length > 0 ? scopes.join(' ') : realmUrl.searchParams.getAll('scope').join(' ');
    this.remember(hintKey, { scheme: 'bearer', scope: scopeKey });

    const cached = this.tokens.get(target.key, scopeKey);
    if (cached && `Bearer ${cached}` !== sent) return `Bearer ${cached}`; // refreshed meanwhile
    this.tokens.delete(target.key, scopeKey);

    const flightKey = `${target.key} ${scopeKey} ${realm}`;
    let flight = this.inflight.get(flightKey);
    if (!flight) {
      flight = this.fetchToken(target, realmUrl, challenge.params.service, scopes, scopeKey).finally(() => this.inflight.delete(flightKey));
      this.inflight.set(flightKey, flight);
    }
    return `Bearer ${await flight}`;
  }

  private remember(key: string, hint: Hint): void {
    this.hints.delete(key);
    this.hints.set(key, hint);
    if (this.hints.size > MAX_HINTS) {
      const oldest = this.hints.keys().next().value;
      if (oldest !== undefined) this.hints.delete(oldest);
    }
  }

  private async fetchToken(target: RegistryTarget, realm: URL, service: string | undefined, scopes: readonly string[], scopeKey: string): Promise<string> {
    const credential = this.config.credentials.get(target.key);
    let reply = credential?.identityToken ? await this.exchangeRefreshToken(target, realm, service, scopes, credential) : undefined;
    if (!reply) {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      reply = await this.tokenRequest(target, url, 'GET', credential ? basicAuthorization(credential) : undefined);
    }
    const { status, body, host } = reply;
    if (status < 200 || status >= 300) throw new TokenEndpointError(status, body, host);

    let parsed: unknown;
    try {
      parsed = JSON.parse(body?.toString('utf8') ?? '');
    } catch {
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `Token endpoint ${host} did not answer with JSON`);
    }
    const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const token = [fields.token, fields.access_token].find((t): t is string => typeof t === 'string' && t !== '');
    if (token === undefined) {
      // Never send `Authorization: Bearer ` with an empty token.
      throw new ProxyError('PROXY_UPSTREAM_ERROR', 502, `Token endpoint ${host} returned no token`);
    }
    if (credential?.identityToken && typeof fields.refresh_token === 'string' && fields.refresh_token !== '') {
      this.refreshTokens.set(target.key, fields.refresh_token);
    }
    const expiresIn = typeof fields.expires_in === 'number' && fields.expires_in > 0 ? fields.expires_in : DEFAULT_TOKEN_SECONDS;
    this.tokens.set(target.key, scopeKey, token, expiresIn);
    return token;
  }

  /**
   * Docker's OAuth2 exchange for identity tokens: `POST realm` with a form body. Undefined when the
   * realm does not do OAuth2 (404, as Docker checks; also 405), so the caller falls back to GET with Basic.
   */
  private async exchangeRefreshToken(
    target: RegistryTarget,
    realm: URL,
    service: string | undefined,
    scopes: readonly string[],
    credential: Credential,
  ): Promise<TokenReply | undefined> {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', this.refreshTokens.get(target.key) ?? credential.identityToken ?? '');
    form.set('service', service ?? '');
    form.set('scope', scopes.join(' '));
    form.set('client_id', 'lading');
    form.set('access_type', 'offline');
    const reply = await this.tokenRequest(target, realm, 'POST', undefined, Buffer.from(form.toString(), 'utf8'));
    return reply.status === 404 || reply.status === 405 ? undefined : reply;
  }

  private async tokenRequest(target: RegistryTarget, url: URL, method: 'GET' | 'POST', authorization: string | undefined, body?: Buffer): Promise<TokenReply> {
    // Shares the abort-free path: a token fetched for one browser request serves others too.
    const { response } = await fetchUpstream(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
      ...(authorization ? { authorization, authHost: url.host } : {}),
      timeouts: this.config.timeouts,
      policy: this.policy,
      agents: this.agents,
      // A POST is not re-sent to a redirect target.
      maxRedirects: method === 'POST' ? 0 : this.config.maxRedirects,
      allowPlainHttp: (u) => plainHttpAllowed(u, target, this.config.insecureRegistries),
    });
    const status = response.statusCode ?? 0;
    const replyBody = await readBounded(response, 1 << 20);
    return { status, body: replyBody, host: url.host };
  }
}

interface TokenReply {
  status: number;
  body: Buffer | undefined;
  host: string;
}
