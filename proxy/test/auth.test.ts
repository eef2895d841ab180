import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDockerConfig, parseDockerConfig } from '../src/credentials';
import { TokenCache } from '../src/tokenCache';
import { configFromEnv, ConfigError } from '../src/config';
import { errorCodes, json, registryError, request, startProxy, startServer, type TestServer } from './helpers';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('parseDockerConfig', () => {
  it('reads auth, username/password and identitytoken entries under normalised keys', () => {
    const store = parseDockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
        'ghcr.io': { username: 'gh', password: 'ghp_x' },
        'https://myreg.azurecr.io': { username: '00000000-0000-0000-0000-000000000000', identitytoken: 'refresh' },
        'harbor.local:8443': { identitytoken: 'only-token' },
        'localhost:5000': { auth: b64('u:p'), username: 'ignored-when-no-password' },
        'helper.example': {}, // kept in a credsStore / credHelper: not ours to read
        'broken.example': { auth: b64('no-colon') },
      },
      credsStore: 'desktop',
    });
    expect(Object.fromEntries(store)).toEqual({
      'docker.io': { username: 'hubuser', password: 'hub:pass' },
      'ghcr.io': { username: 'gh', password: 'ghp_x' },
      'myreg.azurecr.io': { username: '00000000-0000-0000-0000-000000000000', password: 'refresh', identityToken: 'refresh' },
      'harbor.local:8443': { username: '<token>', password: 'only-token', identityToken: 'only-token' },
      'localhost:5000': { username: 'u', password: 'p' },
    });
  });

  it('accepts a config without auths and rejects non-objects', () => {
    expect(parseDockerConfig({ credsStore: 'x' }).size).toBe(0);
    expect(() => parseDockerConfig([1])).not.toThrow(); // arrays are objects without auths
    expect(() => parseDockerConfig('x')).toThrow();
    expect(() => parseDockerConfig({ auths: 3 })).toThrow();
  });

  it('reports unreadable and malformed files clearly, also through configFromEnv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lading-auth-'));
    try {
      expect(() => loadDockerConfig(join(dir, 'missing.json'))).toThrow(/cannot read/);
      writeFileSync(join(dir, 'bad.json'), '{not json');
      expect(() => configFromEnv({ LADING_DOCKER_CONFIG: join(dir, 'bad.json') })).toThrow(ConfigError);
      writeFileSync(join(dir, 'good.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } } }));
      expect(configFromEnv({ LADING_DOCKER_CONFIG: join(dir, 'good.json') }).credentials.get('ghcr.io')).toEqual({
        username: 'a',
        password: 'b',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TokenCache', () => {
  it('keys by registry and scope and expires', () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set('r', 'repository:a:pull', 't1', 100);
    expect(cache.get('r', 'repository:a:pull')).toBe('t1');
    expect(cache.get('r', 'repository:b:pull')).toBeUndefined();
    expect(cache.get('other', 'repository:a:pull')).toBeUndefined();
    now = 89_000;
    expect(cache.get('r', 'repository:a:pull')).toBe('t1');
    now = 100_000;
    expect(cache.get('r', 'repository:a:pull')).toBeUndefined();
  });
});

/**
 * A registry that wants `Bearer <token>` for tokens its realm issued, and a realm that counts calls.
 * `challenge(name)` builds the WWW-Authenticate value for a repository.
 */
interface TokenSetup {
  registry: TestServer;
  realm: TestServer;
  issued: Set<string>;
  tokenReply: (req: IncomingMessage, n: number) => unknown;
  challenge: (name: string) => string;
}

async function tokenSetup(): Promise<TokenSetup> {
  const setup = {} as TokenSetup;
  setup.issued = new Set();
  setup.tokenReply = (_req, n) => ({ token: `tok-${n}`, expires_in: 300 });
  setup.realm = await startServer((req, res) => {
    const reply = setup.tokenReply(req, setup.realm.requests.length) as { token?: string; access_token?: string };
    const token = reply.token ?? reply.access_token;
    if (token) setup.issued.add(token);
    json(res, 200, reply);
  });
  setup.challenge = (name) => `Bearer realm="${setup.realm.url}/token",service="fake-registry",scope="repository:${name}:pull"`;
  setup.registry = await startServer((req, res) => {
    const name = /^\/v2\/(.+)\/(manifests|tags)\//.exec(req.url ?? '')?.[1] ?? '';
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ') && setup.issued.has(auth.slice('Bearer '.length))) {
      json(res, 200, { name, tags: ['latest'] });
    } else {
      registryError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': setup.challenge(name) });
    }
  });
  return setup;
}

describe('Bearer token flow', () => {
  let s: TokenSetup;
  let now = 0;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    s = await tokenSetup();
  });
  afterEach(async () => {
    await proxy.close();
    s.registry.requests.length = 0;
    s.realm.requests.length = 0;
    s.issued.clear();
    s.tokenReply = (_req, n) => ({ token: `tok-${n}`, expires_in: 300 });
    s.challenge = (name) => `Bearer realm="${s.realm.url}/token",service="fake-registry",scope="repository:${name}:pull"`;
  });
  afterAll(async () => {
    await s.registry.close();
    await s.realm.close();
  });
  const start = async () => {
    now = 1_000_000;
    // The realm is another loopback port: allowed explicitly, as LADING_ALLOW_HOSTS would.
    proxy = await startProxy({ insecureRegistries: new Set([s.registry.host]), allowHosts: new Set([s.realm.host]), now: () => now });
  };

  it('fetches a token once for two requests, and again after it expires', async () => {
    await start();
    const url = `${proxy.url}/registry/${s.registry.host}/v2/library/nginx/tags/list`;
    const first = await request(url);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ name: 'library/nginx', tags: ['latest'] });
    expect(s.realm.requests).toHaveLength(1);
    const tokenUrl = new URL(s.realm.requests[0]!.url, s.realm.url);
    expect(tokenUrl.pathname).toBe('/token');
    expect(tokenUrl.searchParams.get('service')).toBe('fake-registry');
    expect(tokenUrl.searchParams.getAll('scope')).toEqual(['repository:library/nginx:pull']);
    expect(s.realm.requests[0]!.headers.authorization).toBeUndefined(); // anonymous: no credentials configured

    const second = await request(url);
    expect(second.status).toBe(200);
    expect(s.realm.requests).toHaveLength(1);
    // Attempt without auth, retry with the token, then the second request straight with the token.
    expect(s.registry.requests.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer tok-1', 'Bearer tok-1']);

    now += 301_000;
    const third = await request(url);
    expect(third.status).toBe(200);
    expect(s.realm.requests).toHaveLength(2);
    expect(s.registry.requests.at(-1)!.headers.authorization).toBe('Bearer tok-2');
  });

  it('caches per scope: another repository needs its own token', async () => {
    await start();
    await request(`${proxy.url}/registry/${s.registry.host}/v2/a/tags/list`);
    await request(`${proxy.url}/registry/${s.registry.host}/v2/b/tags/list`);
    await request(`${proxy.url}/registry/${s.registry.host}/v2/a/manifests/latest`, { method: 'HEAD' });
    expect(s.realm.requests.map((r) => new URL(r.url, s.realm.url).searchParams.get('scope'))).toEqual(['repository:a:pull', 'repository:b:pull']);
  });

  it('derives repository:<name>:pull when the challenge has no scope; accepts access_token, defaults to 60 s', async () => {
    s.challenge = () => `bearer realm="${s.realm.url}/token"`; // lower-case scheme, no service, no scope
    s.tokenReply = (_req, n) => ({ access_token: `acc-${n}` });
    await start();
    const url = `${proxy.url}/registry/${s.registry.host}/v2/org/app/manifests/latest`;
    expect((await request(url)).status).toBe(200);
    const tokenUrl = new URL(s.realm.requests[0]!.url, s.realm.url);
    expect(tokenUrl.searchParams.get('scope')).toBe('repository:org/app:pull');
    expect(tokenUrl.searchParams.has('service')).toBe(false);

    now += 50_000;
    expect((await request(url)).status).toBe(200);
    expect(s.realm.requests).toHaveLength(1);
    now += 11_000;
    expect((await request(url)).status).toBe(200);
    expect(s.realm.requests).toHaveLength(2);
  });

  it('shares one token request between concurrent browser requests', async () => {
    await start();
    const url = `${proxy.url}/registry/${s.registry.host}/v2/c/tags/list`;
    const replies = await Promise.all([request(url), request(url), request(url)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(s.realm.requests).toHaveLength(1);
  });

  it('gets a fresh token when the registry rejects a cached one', async () => {
    await start();
    const url = `${proxy.url}/registry/${s.registry.host}/v2/d/tags/list`;
    await request(url);
    s.issued.delete('tok-1'); // revoked
    const reply = await request(url);
    expect(reply.status).toBe(200);
    expect(s.realm.requests).toHaveLength(2);
    expect(s.registry.requests.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('never sends an empty Bearer token', async () => {
    s.tokenReply = () => ({ token: '' });
    await start();
    const reply = await request(`${proxy.url}/registry/${s.registry.host}/v2/e/tags/list`);
    expect(reply.status).toBe(502);
    expect(errorCodes(reply)).toEqual(['PROXY_UPSTREAM_ERROR']);
    expect(reply.headers['x-lading-error-source']).toBe('proxy');
    expect(s.registry.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
  });

  it('passes the registry 401 on (without WWW-Authenticate) when the challenge cannot be answered', async () => {
    s.challenge = () => 'Basic realm="fake"'; // Basic, and no credentials configured
    await start();
    const reply = await request(`${proxy.url}/registry/${s.registry.host}/v2/f/tags/list`);
    expect(reply.status).toBe(401);
    expect(errorCodes(reply)).toEqual(['UNAUTHORIZED']);
    expect(reply.headers['www-authenticate']).toBeUndefined();
    expect(reply.headers['x-lading-error-source']).toBeUndefined();
    expect(s.registry.requests).toHaveLength(1);
  });
});

describe('credentials from a docker config file', () => {
  let dir: string;
  let registry: TestServer;
  let realm: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let mode: 'bearer' | 'basic' = 'bearer';

  const handleRegistry = (req: IncomingMessage, res: ServerResponse): void => {
    const auth = req.headers.authorization;
    if (mode === 'basic') {
      if (auth === `Basic ${b64('alice:s3cret')}`) json(res, 200, { ok: true });
      else registryError(res, 401, 'UNAUTHORIZED', 'login', { 'www-authenticate': 'Basic realm="Registry Realm"' });
      return;
    }
    if (auth === 'Bearer private-token') json(res, 200, { ok: true });
    else
      registryError(res, 401, 'UNAUTHORIZED', 'login', {
        'www-authenticate': `Bearer realm="${realm.url}/token",service="private",scope="repository:team/app:pull"`,
      });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lading-dockercfg-'));
    realm = await startServer((req, res) => {
      if (req.headers.authorization === `Basic ${b64('alice:s3cret')}`) json(res, 200, { token: 'private-token', expires_in: 600 });
      else json(res, 401, { details: 'incorrect username or password' });
    });
    registry = await startServer(handleRegistry);
  });
  afterEach(async () => {
    await proxy.close();
    registry.requests.length = 0;
    realm.requests.length = 0;
  });
  afterAll(async () => {
    await registry.close();
    await realm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWith = async (entry: Record<string, string>) => {
    const file = join(dir, `config-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ auths: { [`http://${registry.host}`]: entry } }));
    const config = configFromEnv({ LADING_DOCKER_CONFIG: file, LADING_INSECURE_REGISTRIES: registry.host, LADING_ALLOW_HOSTS: realm.host });
    proxy = await startProxy({ ...config, port: 0 });
  };

  it('sends Basic credentials to the token realm, and only the token to the registry', async () => {
    mode = 'bearer';
    await startWith({ auth: b64('alice:s3cret') });
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/team/app/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('private, max-age=60'); // fetched with server-side credentials
    expect(realm.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${b64('alice:s3cret')}`]);
    expect(registry.requests.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer private-token']);
    expect(reply.text).not.toContain('s3cret');
  });

  it('passes the token endpoint’s refusal on in the registry error shape', async () => {
    mode = 'bearer';
    await startWith({ username: 'alice', password: 'wrong' });
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/team/app/manifests/latest`);
    expect(reply.status).toBe(401);
    const body = JSON.parse(reply.text) as { errors: { code: string; detail: { body: string } }[] };
    expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
    expect(body.errors[0]?.detail.body).toContain('incorrect username or password');
    expect(registry.requests).toHaveLength(1);
  });

  it('answers a Basic challenge with configured credentials, then sends them up front', async () => {
    mode = 'basic';
    await startWith({ username: 'alice', password: 's3cret' });
    const url = `${proxy.url}/registry/${registry.host}/v2/team/app/tags/list`;
    expect((await request(url)).status).toBe(200);
    expect((await request(url)).status).toBe(200);
    expect(registry.requests.map((r) => r.headers.authorization)).toEqual([undefined, `Basic ${b64('alice:s3cret')}`, `Basic ${b64('alice:s3cret')}`]);
    expect(realm.requests).toHaveLength(0);
  });

  it('does not loop when the registry rejects the Basic credentials', async () => {
    mode = 'basic';
    await startWith({ username: 'alice', password: 'nope' });
    const reply = await request(`${proxy.url}/registry/${registry.host}/v2/team/app/tags/list`);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBeUndefined();
    expect(registry.requests).toHaveLength(2);
  });
});

describe('identity tokens: Docker’s OAuth2 refresh-token exchange', () => {
  let dir: string;
  let realm: TestServer;
  let registry: TestServer;
  let oauth = true;
  const forms: URLSearchParams[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lading-oauth-'));
    realm = await startServer((req, res) => {
      if (req.method === 'POST') {
        if (!oauth) return json(res, 404, { details: 'not found' });
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          forms.push(form);
          if (form.get('refresh_token') !== `refresh-${forms.length}`) return json(res, 401, { error: 'invalid_grant' });
          json(res, 200, { access_token: `access-${forms.length}`, refresh_token: `refresh-${forms.length + 1}`, expires_in: 300, scope: form.get('scope') });
        });
        return;
      }
      if (req.headers.authorization === `Basic ${b64('robot:refresh-1')}`) json(res, 200, { token: 'basic-token' });
      else json(res, 401, { details: 'no' });
    });
    registry = await startServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      if (/^Bearer (access-\d+|basic-token)$/.test(auth)) return json(res, 200, { ok: auth });
      const name = /^\/v2\/(.+)\/tags\//.exec(req.url ?? '')?.[1] ?? '';
      registryError(res, 401, 'UNAUTHORIZED', 'login', {
        'www-authenticate': `Bearer realm="${realm.url}/oauth2/token",service="acr.example",scope="repository:${name}:pull"`,
      });
    });
  });
  afterAll(async () => {
    await realm.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWith = async () => {
    const file = join(dir, `config-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { username: 'robot', identitytoken: 'refresh-1' } } }));
    const config = configFromEnv({ LADING_DOCKER_CONFIG: file, LADING_INSECURE_REGISTRIES: registry.host, LADING_ALLOW_HOSTS: realm.host });
    return startProxy({ ...config, port: 0 });
  };

  it('POSTs grant_type=refresh_token to the realm, and uses the refresh token it hands back next time', async () => {
    oauth = true;
    forms.length = 0;
    const proxy = await startWith();
    try {
      const first = await request(`${proxy.url}/registry/${registry.host}/v2/team/a/tags/list`);
      expect(first.status).toBe(200);
      expect(first.text).toContain('access-1');
      expect(Object.fromEntries(forms[0]!)).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'refresh-1',
        service: 'acr.example',
        scope: 'repository:team/a:pull',
        client_id: 'lading',
        access_type: 'offline',
      });
      const posted = realm.requests.at(-1)!;
      expect(posted.method).toBe('POST');
      expect(posted.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(posted.headers.authorization).toBeUndefined();

      const second = await request(`${proxy.url}/registry/${registry.host}/v2/team/b/tags/list`);
      expect(second.status).toBe(200);
      expect(forms[1]?.get('refresh_token')).toBe('refresh-2');
    } finally {
      await proxy.close();
    }
  });

  it('falls back to GET with Basic (user:identitytoken) when the realm answers the POST with 404', async () => {
    oauth = false;
    const proxy = await startWith();
    try {
      const before = realm.requests.length;
      const reply = await request(`${proxy.url}/registry/${registry.host}/v2/team/c/tags/list`);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('basic-token');
      expect(realm.requests.slice(before).map((r) => r.method)).toEqual(['POST', 'GET']);
    } finally {
      await proxy.close();
    }
  });
});
