// A Docker token server (the `auth: token` flow of CNCF distribution) for e2e runs, on 127.0.0.1,
// and a throwaway distribution registry that trusts it.
//
// The server signs real JWTs with ES256 (node:crypto). Its key pair and a self-signed certificate
// come from openssl; the registry trusts the certificate through `rootcertbundle`. distribution 2.8
// finds the verifying key by the token header's `kid`: the libtrust key ID of the certificate's
// public key (base32 of the first 30 bytes of the SHA-256 of the DER SubjectPublicKeyInfo, in 12
// groups of 4 joined by ':'). Claims: iss, sub, aud (the service), exp, nbf, iat, jti and access.
//
//   GET  /token?service=&scope=…        Basic credentials optional (docker, skopeo, the Lading proxy)
//   POST /token  grant_type=password    username, password → also a refresh_token (an identity token)
//   POST /token  grant_type=refresh_token  refresh_token → access token
//
// Wrong credentials → 401. Without credentials, a token is still issued (as Docker Hub does) but its
// `access` holds only the public repositories' pull, so a private pull ends in the registry's 401.

import { createHash, createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FixtureTag } from './fixtures';
import { freePort, MANIFEST_ACCEPT, waitForHttp } from './net';
import { artifactsDir, logsDir, repoRoot } from './paths';
import { run, spawnManaged } from './process';
import { REGISTRY_BIN } from './registry';

export interface TokenServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT/token`, the realm the registry names. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry trusts (rootcertbundle). */
  certPath: string;
  /** The libtrust key ID in every token's header. */
  kid: string;
  user: string;
  password: string;
  /** Every token request: method, scopes asked for, whether credentials came with it, what was granted. */
  log: TokenRequestLog[];
  /** Signs a token directly (for checks from specs). */
  issue(subject: string, access: Access[]): string;
  stop(): Promise<void>;
}

export interface TokenRequestLog {
  method: string;
  scopes: string[];
  authenticated: boolean;
  granted: Access[];
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface StartTokenServerOptions {
  /** Directory for the key and certificate. */
  dir: string;
  service?: string;
  issuer?: string;
  /** Repository name prefixes anyone may pull without credentials. */
  publicPrefixes?: readonly string[];
  /** Token lifetime in seconds. */
  expiresIn?: number;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** libtrust's key ID (what distribution 2.8 matches a token's `kid` against). */
export function libtrustKeyId(spkiDer: Buffer): string {
  const hash = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  // RFC 4648 base32 without padding: 30 bytes → 48 characters.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.match(/.{4}/g) ?? []).join(':');
}

/** `repository:name:pull,push` → Access; undefined for anything unparsable. */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

async function makeKeyAndCert(dir: string): Promise<{ key: KeyObject; certPath: string; kid: string }> {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    '/CN=lading-e2e-token-server',
  ]);
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return { key: createPrivateKey(readFileSync(keyPath)), certPath, kid: libtrustKeyId(spki) };
}

export async function startTokenServer(options: StartTokenServerOptions): Promise<TokenServer> {
  const service = options.service ?? 'lading-e2e-registry';
  const issuer = options.issuer ?? 'lading-e2e-token-server';
  const expiresIn = options.expiresIn ?? 300;
  const publicPrefixes = options.publicPrefixes ?? [];
  const user = `token-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const { key, certPath, kid } = await makeKeyAndCert(options.dir);
  const refreshTokens = new Set<string>();
  const log: TokenRequestLog[] = [];

  const issue = (subject: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', kid };
    const claims = { iss: issuer, sub: subject, aud: service, exp: now + expiresIn, nbf: now - 10, iat: now, jti: randomBytes(12).toString('hex'), access };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  };

  const grant = (scopes: readonly string[], authenticated: boolean): Access[] =>
    scopes.flatMap((scope) => {
      const access = parseScope(scope);
      if (!access) return [];
      if (authenticated) return [access];
      if (access.type === 'repository' && publicPrefixes.some((p) => access.name.startsWith(p))) {
        const actions = access.actions.filter((a) => a === 'pull');
        return actions.length ? [{ ...access, actions }] : [];
      }
      return [];
    });

  const reply = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token') return reply(res, 404, { details: 'not found' });
    const answer = (params: URLSearchParams, authenticated: boolean, subject: string, extra: Record<string, string> = {}): void => {
      const requestedService = params.get('service');
      if (requestedService && requestedService !== service) return reply(res, 400, { details: `unknown service ${requestedService}` });
      const scopes = params
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      const granted = grant(scopes, authenticated);
      log.push({ method: req.method ?? '', scopes, authenticated, granted });
      const token = issue(subject, granted);
      reply(res, 200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString(), ...extra });
    };

    if (req.method === 'GET') {
      const header = req.headers.authorization ?? '';
      if (header === '') return answer(url.searchParams, false, '');
      const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const [u, p] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
      // Refresh tokens are not passwords here, so a client that gets in with one did the OAuth2 exchange.
      if (u !== user || p !== password) return reply(res, 401, { details: 'incorrect username or password' });
      return answer(url.searchParams, true, user);
    }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
        if (body.length > 65536) req.destroy();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') === 'password') {
          if (form.get('username') !== user || form.get('password') !== password) return reply(res, 401, { error: 'invalid_grant' });
          const refresh = randomBytes(24).toString('base64url');
          refreshTokens.add(refresh);
          return answer(form, true, user, { refresh_token: refresh });
        }
        if (form.get('grant_type') === 'refresh_token') {
          if (!refreshTokens.has(form.get('refresh_token') ?? '')) return reply(res, 401, { error: 'invalid_grant' });
          return answer(form, true, user);
        }
        reply(res, 400, { error: 'unsupported_grant_type' });
      });
      return;
    }
    reply(res, 405, { details: 'GET or POST' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    host: `127.0.0.1:${port}`,
    realm: `${url}/token`,
    service,
    issuer,
    certPath,
    kid,
    user,
    password,
    log,
    issue,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TokenRegistry {
  name: string;
  /** `127.0.0.1:PORT`, plain http. */
  host: string;
  url: string;
  storageDir: string;
  logFile: string;
  tokenServer: TokenServer;
  stop(): Promise<void>;
}

/** A distribution registry with `auth: token` trusting `tokenServer`, plus the token server itself. */
export async function startTokenRegistry(name = 'token'): Promise<TokenRegistry> {
  const tmpRoot = join(artifactsDir, 'tmp');
  mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(join(tmpRoot, `registry-${name}-`));
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const tokenServer = await startTokenServer({ dir: join(dir, 'token') });
  const logFile = join(logsDir, `${dir.split('/').pop() ?? name}.log`);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'config.yml');
    writeFileSync(
      configPath,
      `version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: ${storageDir}
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
auth:
  token:
    realm: ${tokenServer.realm}
    service: ${tokenServer.service}
    issuer: ${tokenServer.issuer}
    rootcertbundle: ${tokenServer.certPath}
`,
    );
    const proc = spawnManaged(`registry ${name}`, REGISTRY_BIN, ['serve', configPath], logFile, { cwd: dir });
    const host = `127.0.0.1:${port}`;
    try {
      await waitForHttp(`http://${host}/v2/`, [401], { timeoutMs: 15_000, process: proc });
    } catch (err) {
      await proc.stop();
      if (readFileSync(logFile, 'utf8').includes('address already in use') && attempt < 3) continue;
      await tokenServer.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      name,
      host,
      url: `http://${host}`,
      storageDir,
      logFile,
      tokenServer,
      async stop() {
        await proc.stop();
        await tokenServer.stop();
        if (process.env.LADING_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** A bearer token for `scopes` from the registry's token server, with its credentials. */
export async function fetchRegistryToken(registry: TokenRegistry, scopes: readonly string[]): Promise<string> {
  const ts = registry.tokenServer;
  const url = new URL(ts.realm);
  url.searchParams.set('service', ts.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const res = await fetch(url, { headers: { Authorization: `Basic ${Buffer.from(`${ts.user}:${ts.password}`).toString('base64')}` } });
  if (!res.ok) throw new Error(`token server answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** Pushes fixture tags with skopeo (which does the token dance itself), then checks each tag with a token. */
export async function pushToTokenRegistry(registry: TokenRegistry, tags: readonly FixtureTag[]): Promise<void> {
  const ts = registry.tokenServer;
  for (const tag of tags) {
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${ts.user}:${ts.password}`,
        tag.source.skopeoRef,
        `docker://${registry.host}/${tag.repository}:${tag.tag}`,
      ],
      { cwd: repoRoot },
    );
  }
  for (const tag of tags) {
    const token = await fetchRegistryToken(registry, [`repository:${tag.repository}:pull`]);
    const res = await fetch(`${registry.url}/v2/${tag.repository}/manifests/${tag.tag}`, {
      method: 'HEAD',
      headers: { Accept: MANIFEST_ACCEPT, Authorization: `Bearer ${token}` },
    });
    if (res.status !== 200 || res.headers.get('docker-content-digest') !== tag.digest) {
      throw new Error(
        `token registry ${registry.host} does not serve ${tag.reference}: HTTP ${res.status}, digest ${res.headers.get('docker-content-digest')}`,
      );
    }
  }
}
