// Endpoints that echo what they were sent (issue 14, point 4): a token realm or registry that quotes
// the request in its error body would hand the configured password, an identity token or a token to
// every browser user. The browser must get the status and error codes, and not one form of a secret.
//
// "Not one form" is checked here without the proxy's own matcher: the password and identity token
// must not appear as text, percent-encoded, nor inside any base64 run of the reply decoded at each
// of its four possible character offsets (and decoded once more, for base64 inside base64).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config';
import { reflects } from '../src/reflection';
import { errorCodes, json, registryError, request, startProxy, startServer, type Reply, type TestServer } from './helpers';

const USER = 'robot';
const PASSWORD = 'pa55-W0rd/for+the=proxy';
const IDENTITY_TOKEN = 'refresh-7f3c9a1e5b';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Every base64 run in `text`, decoded from each starting offset, as one latin1 string. */
function decodedRuns(text: string): string {
  const runs = text.match(/[A-Za-z0-9+/_-]{6,}/g) ?? [];
  return runs
    .flatMap((run) => [0, 1, 2, 3].map((i) => Buffer.from(run.slice(i).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1')))
    .join('\n');
}

function expectNoSecret(reply: Reply, secrets: readonly string[]): void {
  const text = reply.text;
  // Twice: an echo of the request, base64-encoded, holds the Basic value, itself base64.
  const once = decodedRuns(text);
  const decoded = `${once}\n${decodedRuns(once)}`;
  for (const secret of secrets) {
    expect(text, 'as text').not.toContain(secret);
    expect(text, 'percent-encoded').not.toContain(encodeURIComponent(secret));
    expect(decoded, 'inside base64').not.toContain(secret);
  }
}

/** The request as an echo server would show it: method, URL, every header, and the body. */
function requestDump(req: IncomingMessage, body: string): string {
  return [`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`), '', body].join('\r\n');
}

type Echo = (req: IncomingMessage, res: ServerResponse, dump: string) => void;

const ECHOES: [string, Echo][] = [
  ['as JSON with the headers', (req, res) => json(res, 401, { error: 'unauthorized', headers: req.headers })],
  [
    'as plain text quoting the header',
    (req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`malformed header: authorization=${req.headers.authorization ?? ''}`);
    },
  ],
  ['base64 of the whole request, misaligned', (_req, res, dump) => json(res, 403, { trace: `x${b64(dump)}` })],
  [
    'in the registry error shape',
    (req, res, dump) => registryError(res, 401, 'UNAUTHORIZED', `rejected ${dump}`, { 'x-echo': String(req.headers.authorization) }),
  ],
  ['percent-encoded in a URL', (_req, res, dump) => json(res, 400, { retry: `https://auth.example/?q=${encodeURIComponent(dump)}` })],
];

describe('echoing token endpoints and registries', () => {
  let dir: string;
  let echo: Echo = ECHOES[0]![1];
  let realm: TestServer;
  let registry: TestServer;
  let basicRegistry: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lading-echo-'));
    realm = await startServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => echo(req, res, requestDump(req, body)));
    });
    registry = await startServer((_req, res) =>
      registryError(res, 401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': `Bearer realm="${realm.url}/token",service="s",scope="repository:a:pull"` }),
    );
    // A registry that wants Basic, and echoes the credentials it is sent.
    basicRegistry = await startServer((req, res) => {
      if (!req.headers.authorization) return registryError(res, 401, 'UNAUTHORIZED', 'login', { 'www-authenticate': 'Basic realm="r"' });
      echo(req, res, requestDump(req, ''));
    });
  });
  afterAll(async () => {
    await Promise.all([realm.close(), registry.close(), basicRegistry.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const proxyWith = async (host: string, entry: Record<string, string>) => {
    const file = join(dir, `config-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ auths: { [host]: entry } }));
    const config = configFromEnv({
      LADING_DOCKER_CONFIG: file,
      LADING_INSECURE_REGISTRIES: `${registry.host},${basicRegistry.host}`,
      LADING_ALLOW_HOSTS: realm.host,
    });
    return startProxy({ ...config, port: 0 });
  };

  for (const [name, how] of ECHOES) {
    it(`a token realm echoing ${name}: status and codes, no password`, async () => {
      echo = how;
      const proxy = await proxyWith(registry.host, { username: USER, password: PASSWORD });
      try {
        const reply = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
        expect(realm.requests.at(-1)!.headers.authorization).toBe(`Basic ${b64(`${USER}:${PASSWORD}`)}`); // it was sent
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(errorCodes(reply).length).toBeGreaterThan(0);
        expectNoSecret(reply, [PASSWORD, `${USER}:${PASSWORD}`]);
      } finally {
        await proxy.close();
      }
    });

    it(`a registry echoing Basic credentials ${name}: no password`, async () => {
      echo = how;
      const proxy = await proxyWith(basicRegistry.host, { username: USER, password: PASSWORD });
      try {
        const reply = await request(`${proxy.url}/registry/${basicRegistry.host}/v2/a/tags/list`);
        expect(basicRegistry.requests.at(-1)!.headers.authorization).toBe(`Basic ${b64(`${USER}:${PASSWORD}`)}`);
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expectNoSecret(reply, [PASSWORD, `${USER}:${PASSWORD}`]);
      } finally {
        await proxy.close();
      }
    });
  }

  it('a realm echoing the OAuth2 form with the identity token: not passed on', async () => {
    echo = ECHOES[2]![1];
    const proxy = await proxyWith(registry.host, { username: USER, identitytoken: IDENTITY_TOKEN });
    try {
      const reply = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
      expect(realm.requests.at(-1)!.method).toBe('POST');
      expect(reply.status).toBe(403);
      expectNoSecret(reply, [IDENTITY_TOKEN]);
    } finally {
      await proxy.close();
    }
  });

  it('keeps the registry’s codes when it withholds the body, and passes a body that quotes nothing', async () => {
    echo = ECHOES[3]![1];
    const proxy = await proxyWith(registry.host, { username: USER, password: PASSWORD });
    try {
      const withheld = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
      expect(withheld.status).toBe(401);
      expect(errorCodes(withheld)).toEqual(['UNAUTHORIZED']);
      expect(withheld.text).not.toContain('rejected');

      echo = (_req, res) => json(res, 401, { details: 'incorrect username or password' });
      const words = await request(`${proxy.url}/registry/${registry.host}/v2/a/manifests/latest`);
      expect(words.status).toBe(401);
      expect(words.text).toContain('incorrect username or password');
    } finally {
      await proxy.close();
    }
  });
});

describe('reflects', () => {
  it('finds a secret base64-encoded inside a longer string, whatever its offset and alphabet', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.string({ minLength: 4, maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.boolean(),
        (before, secret, after, url) => {
          const encoded = Buffer.concat([before, Buffer.from(secret, 'utf8'), after]).toString(url ? 'base64url' : 'base64');
          expect(reflects(Buffer.from(`{"trace":"${encoded}"}`), [secret])).toBe(true);
        },
      ),
    );
  });

  it('does not see a secret that is not there', () => {
    expect(reflects(Buffer.from('{"details":"incorrect username or password"}'), [PASSWORD, IDENTITY_TOKEN])).toBe(false);
  });
});
