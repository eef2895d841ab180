// Answering a registry's 401, as go-containerregistry's `transport` does with the credentials `authn`
// hands it (`credentials.ts`): the Docker token flow (Bearer challenge → GET realm?service&scope, with
// Basic credentials when configured; identity tokens exchanged as OAuth2 refresh tokens by POST),
// tokens cached per (registry, scope) (`tokenCache.ts`), and Basic challenges. Credentials and tokens
// never reach the browser.

import type { LadingConfig } from './config';
import type { AddressPolicy } from './addressPolicy';
import { challengeScopes, parseWwwAuthenticate, selectChallenge } from './challenge';
import { basicAuthorization, type Credential } from './credentials';
import { ProxyError } from './errors';
import { plainHttpAllowed, type RegistryTarget } from './registry';
import { TokenCache } from './tokenCache';
import { fetchUpstream, readBounded, type Agents } from './upstream';

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
