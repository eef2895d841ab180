// Answering a registry's 401, as go-containerregistry's `transport` does with the credentials `authn`
// hands it (`credentials.ts`): the Docker token flow (Bearer challenge → GET realm?service&scope, with
// Basic credentials when configured; identity tokens exchanged as OAuth2 refresh tokens by POST),
// tokens cached per (registry, scope) (`tokenCache.ts`), and Basic challenges. Credentials and tokens
// never reach the browser, not even as an echo in an error body (`reflection.ts`).
//
// A token request is tied to the browser requests waiting for it: concurrent identical ones (same
// registry, scope and realm) share one upstream request, which is aborted once none of them waits
// (`sharedFlights.ts`), and which must be done within LADING_BODY_DEADLINE of its start.

import type { IncomingHttpHeaders } from 'node:http';
import type { LadingConfig } from './config';
import type { AddressPolicy } from './addressPolicy';
import { challengeScopes, parseWwwAuthenticate, selectChallenge } from './challenge';
import { basicAuthorization, type Credential } from './credentials';
import { ProxyError, toProxyError } from './errors';
import { plainHttpAllowed, type RegistryTarget } from './registry';
import { TokenCache } from './tokenCache';
import type { MemoryBudget } from './memoryBudget';
import { authorizationSecrets } from './reflection';
import { SharedFlights } from './sharedFlights';
import { fetchUpstream, type Agents } from './upstream';
import { errorAnswer } from './upstreamError';
import { readWhole } from './wholeBody';

/** A token endpoint answered with an error status; `answer` is the error JSON for the browser. */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
  constructor(
    readonly status: number,
    readonly answer: Buffer,
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
  private readonly flights = new SharedFlights<string>();

  /** Refresh tokens handed back by an OAuth2 exchange replace the configured identity token, per registry key. */
  private readonly refreshTokens = new Map<string, string>();

  constructor(
    private readonly config: LadingConfig,
    private readonly agents: Agents,
    private readonly policy: AddressPolicy,
    private readonly budget: MemoryBudget,
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
   * What the proxy may have sent to this registry or its realm in one exchange, so that an error body
   * quoting any of it is not passed on: `sent` (the Authorization value of the request answered) and
   * the configured credential (sent as Basic, or as a refresh token).
   */
  secretsFor(target: RegistryTarget, sent: string | undefined): string[] {
    const credential = this.config.credentials.get(target.key);
    const refresh = this.refreshTokens.get(target.key);
    return [
      ...authorizationSecrets(sent),
      ...(credential ? [credential.password, ...authorizationSecrets(basicAuthorization(credential))] : []),
      ...(credential?.identityToken ? [credential.identityToken] : []),
      ...(refresh ? [refresh] : []),
    ];
  }

  /**
   * After a 401 from the registry: the Authorization to retry with, or undefined when the challenge
   * cannot be answered (no usable challenge, Basic without credentials, credentials already rejected).
   * Throws TokenEndpointError / ProxyError when the token request fails.
   *
   * `derivedScope` is used when a Bearer challenge names no scope: `repository:<name>:pull`.
   * `signal` is the browser request's: when it aborts, this rejects at once, and the token request is
   * aborted too unless another browser request still waits for it.
   */
  async answerChallenge(
    target: RegistryTarget,
    resource: string,
    derivedScope: string | undefined,
    wwwAuthenticate: string | string[] | undefined,
    sent: string | undefined,
    signal: AbortSignal,
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

    const service = challenge.params.service;
    const token = await this.flights.join(`${target.key} ${scopeKey} ${realm}`, signal, (flightSignal) =>
      this.fetchTokenWithin(target, realmUrl, service, scopes, scopeKey, flightSignal),
    );
    return `Bearer ${token}`;
  }

  private remember(key: string, hint: Hint): void {
    this.hints.delete(key);
    this.hints.set(key, hint);
    if (this.hints.size > MAX_HINTS) {
      const oldest = this.hints.keys().next().value;
      if (oldest !== undefined) this.hints.delete(oldest);
    }
  }

  /** `fetchToken` within the overall deadline, as a 504 naming the realm when it passes. */
  private async fetchTokenWithin(
    target: RegistryTarget,
    realm: URL,
    service: string | undefined,
    scopes: readonly string[],
    scopeKey: string,
    flightSignal: AbortSignal,
  ): Promise<string> {
    const ms = this.config.timeouts.bodyDeadlineMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), ms);
    try {
      return await this.fetchToken(target, realm, service, scopes, scopeKey, AbortSignal.any([flightSignal, deadline.signal]));
    } catch (err) {
      if (deadline.signal.aborted && !flightSignal.aborted) {
        throw new ProxyError('PROXY_TIMEOUT', 504, `Token endpoint ${realm.host} did not answer within ${ms} ms`, { host: realm.host });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetchToken(
    target: RegistryTarget,
    realm: URL,
    service: string | undefined,
    scopes: readonly string[],
    scopeKey: string,
    signal: AbortSignal,
  ): Promise<string> {
    const credential = this.config.credentials.get(target.key);
    let reply = credential?.identityToken ? await this.exchangeRefreshToken(target, realm, service, scopes, credential, signal) : undefined;
    if (!reply) {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      reply = await this.tokenRequest(target, url, 'GET', credential ? basicAuthorization(credential) : undefined, signal);
    }
    const { status, body, host } = reply;
    if (status < 200 || status >= 300) {
      const answer = errorAnswer(status, `Token endpoint ${host}`, reply.headers, body, this.secretsFor(target, undefined));
      throw new TokenEndpointError(status, answer, host);
    }

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
    signal: AbortSignal,
  ): Promise<TokenReply | undefined> {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', this.refreshTokens.get(target.key) ?? credential.identityToken ?? '');
    form.set('service', service ?? '');
    form.set('scope', scopes.join(' '));
    form.set('client_id', 'lading');
    form.set('access_type', 'offline');
    const reply = await this.tokenRequest(target, realm, 'POST', undefined, signal, Buffer.from(form.toString(), 'utf8'));
    return reply.status === 404 || reply.status === 405 ? undefined : reply;
  }

  private async tokenRequest(
    target: RegistryTarget,
    url: URL,
    method: 'GET' | 'POST',
    authorization: string | undefined,
    signal: AbortSignal,
    body?: Buffer,
  ): Promise<TokenReply> {
    try {
      return await this.tokenRequestOnce(target, url, method, authorization, signal, body);
    } catch (err) {
      if (signal.aborted) throw err; // nobody waits, or the deadline passed: fetchTokenWithin says which
      // Reported under the realm's host, not the registry's: that is the name that did not resolve.
      throw toProxyError(err, `${url.host} (the token realm of ${target.routeHost})`);
    }
  }

  private async tokenRequestOnce(
    target: RegistryTarget,
    url: URL,
    method: 'GET' | 'POST',
    authorization: string | undefined,
    signal: AbortSignal,
    body?: Buffer,
  ): Promise<TokenReply> {
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
      signal,
    });
    const status = response.statusCode ?? 0;
    let replyBody: Buffer | undefined;
    try {
      const held = await readWhole(response, {
        limit: MAX_TOKEN_ANSWER,
        deadlineMs: this.config.timeouts.bodyDeadlineMs,
        budget: this.budget,
        from: `Token endpoint ${url.host}`,
        what: 'a token answer',
      });
      // Parsed at once and dropped: nothing is held beyond this request.
      replyBody = held.body;
      held.release();
    } catch (err) {
      // An error status's body is only words for the browser; a success without its body is no token.
      if (status >= 200 && status < 300) throw err;
    }
    return { status, body: replyBody, host: url.host, headers: response.headers };
  }
}

const MAX_TOKEN_ANSWER = 1 << 20;

interface TokenReply {
  status: number;
  body: Buffer | undefined;
  host: string;
  headers: IncomingHttpHeaders;
}
