import { describe, expect, it } from 'vitest';
import { RegistryError, readRateLimit, readRetryAt } from './errors';
import { explainError } from './explain';
import { parseReference, tryParseReference } from './reference';

const now = new Date('2026-11-23T10:00:00Z');

describe('rate limits and retry times', () => {
  it('reads Docker Hub rate-limit headers', () => {
    const headers = new Headers({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600', 'docker-ratelimit-source': '203.0.113.7' });
    expect(readRateLimit(headers)).toEqual({ limit: 100, remaining: 0, windowSeconds: 21600, source: '203.0.113.7' });
    expect(readRateLimit(new Headers())).toBeUndefined();
  });
  it('reads Retry-After as seconds or a date, and reset headers', () => {
    expect(readRetryAt(new Headers({ 'retry-after': '120' }), now)?.toISOString()).toBe('2026-11-23T10:02:00.000Z');
    expect(readRetryAt(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 11:00:00 GMT' }), now)?.toISOString()).toBe('2026-11-23T11:00:00.000Z');
    expect(readRetryAt(new Headers({ 'x-ratelimit-reset': '1795435200' }), now)?.toISOString()).toBe(new Date(1795435200000).toISOString());
    expect(readRetryAt(new Headers({ 'ratelimit-reset': '30' }), now)?.toISOString()).toBe('2026-11-23T10:00:30.000Z');
    expect(readRetryAt(new Headers(), now)).toBeUndefined();
  });
});

describe('explainError', () => {
  const ctx = { repository: '127.0.0.1:5000/lading/fixture', reference: 'nope', now };
  const err = (status: number, code?: string, extra: Partial<{ retryAt: Date; source: 'proxy' | 'registry' | 'network' }> = {}) =>
    new RegistryError('x', status, code ? [{ code, message: `${code.toLowerCase()} message` }] : [], extra.source ?? 'registry', 's', extra.retryAt);

  it('tells an unknown repository from an unknown tag', () => {
    expect(explainError(err(404, 'NAME_UNKNOWN'), ctx)).toMatchObject({ kind: 'not-found', title: 'Repository not found' });
    const tag = explainError(err(404, 'MANIFEST_UNKNOWN'), ctx);
    expect(tag.title).toBe('Tag not found');
    expect(tag.detail).toContain('"nope"');
  });
  it('says whether credentials are needed', () => {
    expect(explainError(err(401, 'UNAUTHORIZED'), ctx)).toMatchObject({ kind: 'auth', title: 'Authentication required' });
    expect(explainError(err(403, 'DENIED'), ctx)).toMatchObject({ kind: 'denied' });
  });
  it('gives the retry time of a 429', () => {
    const e = explainError(err(429, 'TOOMANYREQUESTS', { retryAt: new Date('2026-11-23T10:05:00Z') }), ctx);
    expect(e.kind).toBe('rate-limit');
    expect(e.hint).toBe('Retry in 5 min (2026-11-23 10:05:00 UTC).');
  });
  it('names proxy failures and network failures', () => {
    expect(explainError(err(502, 'PROXY_CONNECTION_REFUSED', { source: 'proxy' }), ctx)).toMatchObject({
      kind: 'proxy',
      title: 'Registry refused the connection',
    });
    expect(explainError(err(0, undefined, { source: 'network' }), ctx).kind).toBe('network');
  });
  it("tells the Lading server's own rate limit from the registry's", () => {
    const own = explainError(err(429, 'PROXY_RATE_LIMITED', { source: 'proxy', retryAt: new Date('2026-11-23T10:00:10Z') }), ctx);
    expect(own).toMatchObject({ kind: 'rate-limit', title: 'Too many requests to the Lading server', hint: 'Retry in 10 s (2026-11-23 10:00:10 UTC).' });
    expect(explainError(err(502, 'PROXY_RESPONSE_TOO_LARGE', { source: 'proxy' }), ctx).title).toBe('Registry answer too large');
  });

  it('explains an invalid reference by its part', () => {
    const e = explainError(tryParseReference('UPPER'));
    expect(e).toMatchObject({ kind: 'reference', title: 'Invalid reference (path)' });
    expect(() => parseReference('ok')).not.toThrow();
  });
});
