// Each public registry's quirks, replayed by local fakes: the challenge header and token response in
// the shape each registry documents / sends (realm hosts swapped for a local realm), blob redirects
// to storage, ECR Public's HEAD refusal, nvcr.io's realm moving after expiry, Docker Hub's rate-limit
// headers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_A, errorCodes, json, registryError, request, startProxy, startServer, type TestServer } from './helpers';

interface RegistryShape {
  name: string;
  /** WWW-Authenticate with `{realm}` and `{repo}` placeholders; undefined: anonymous pulls need no token. */
  challenge?: string;
  /** The realm's path (as the registry names it). */
  realmPath: string;
  tokenBody: (n: number) => Record<string, unknown>;
  /** Query the proxy must send to the realm. */
  expectTokenQuery?: Record<string, string | null>;
  /** Redirect hops for a blob GET, as paths on storage (the last one serves the bytes). */
  blobHops: number;
  /** Anything extra to check on the manifest reply. */
  check?: (reply: Awaited<ReturnType<typeof request>>) => void;
}

const SHAPES: RegistryShape[] = [
  {
    name: 'Docker Hub (registry-1.docker.io, auth.docker.io)',
    challenge: 'Bearer realm="{realm}",service="registry.docker.io",scope="repository:{repo}:pull"',
    realmPath: '/token',
    tokenBody: (n) => ({ token: `hub-${n}`, access_token: `hub-${n}`, expires_in: 300, issued_at: '2025-01-01T00:00:00.000000000Z' }),
    expectTokenQuery: { service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
    blobHops: 1, // to production.cloudflare.docker.com
    check: (reply) => {
      expect(reply.headers['ratelimit-limit']).toBe('100;w=21600');
      expect(reply.headers['ratelimit-remaining']).toBe('76;w=21600');
      expect(reply.headers['docker-ratelimit-source']).toBe('203.0.113.7');
    },
  },
  {
    name: 'ghcr.io (a token even for anonymous pulls, no expires_in)',
    challenge: 'Bearer realm="{realm}",service="ghcr.io",scope="repository:{repo}:pull"',
    realmPath: '/token',
    tokenBody: (n) => ({ token: `djE6Z2hjcjp${n}` }),
    expectTokenQuery: { service: 'ghcr.io', scope: 'repository:library/alpine:pull' },
    blobHops: 1, // to pkg-containers.githubusercontent.com
  },
  {
    name: 'quay.io',
    challenge: 'Bearer realm="{realm}",service="quay.io",scope="repository:{repo}:pull"',
    realmPath: '/v2/auth',
    tokenBody: (n) => ({ token: `eyJquay${n}` }),
    expectTokenQuery: { service: 'quay.io', scope: 'repository:library/alpine:pull' },
    blobHops: 1, // to cdn.quay.io
  },
  {
    name: 'gcr.io / *.pkg.dev (several hops to storage)',
    challenge: 'Bearer realm="{realm}",service="us-docker.pkg.dev",scope="repository:{repo}:pull"',
    realmPath: '/v2/token',
    tokenBody: (n) => ({ expires_in: 43200, issued_at: '2025-01-01T00:00:00.000-08:00', token: `ya29.gcr${n}` }),
    expectTokenQuery: { service: 'us-docker.pkg.dev', scope: 'repository:library/alpine:pull' },
    blobHops: 3, // artifactregistry → storage.googleapis.com → signed URL
  },
  {
    name: 'registry.k8s.io (redirects, no auth)',
    realmPath: '/unused',
    tokenBody: () => ({}),
    blobHops: 2, // registry.k8s.io → prod-registry-k8s-io-*.s3 → object
  },
  {
    name: 'public.ecr.aws (scope "aws")',
    challenge: 'Bearer realm="{realm}",service="public.ecr.aws",scope="aws"',
    realmPath: '/token/',
    tokenBody: (n) => ({ token: `ecr${n}` }),
    expectTokenQuery: { service: 'public.ecr.aws', scope: 'aws' },
    blobHops: 1,
  },
  {
    name: 'mcr.microsoft.com (anonymous, no challenge)',
    realmPath: '/unused',
    tokenBody: () => ({}),
    blobHops: 1,
  },
  {
    name: 'nvcr.io (no service; scope in the realm query)',
    challenge: 'Bearer realm="{realm}?scope=repository:{repo}:pull,push"',
    realmPath: '/proxy_auth',
    tokenBody: (n) => ({ token: `nv${n}`, expires_in: 600 }),
    expectTokenQuery: { service: null, scope: 'repository:library/alpine:pull,push' },
    blobHops: 1,
  },
];

const BLOB = Buffer.from('layer bytes');
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] });

describe('registry shapes', () => {
  let realm: TestServer;
  let storage: TestServer;
  let registry: TestServer;
  let shape: RegistryShape = SHAPES[0]!;
  let issued = new Set<string>();
  let realmCalls = 0;

  const authorised = (req: IncomingMessage): boolean => !shape.challenge || issued.has((req.headers.authorization ?? '').replace(/^Bearer /, ''));

  beforeAll(async () => {
    realm = await startServer((_req, res) => {
      realmCalls++;
      const body = shape.tokenBody(realmCalls);
      const token = (body.token ?? body.access_token) as string | undefined;
      if (token) issued.add(token);
      json(res, 200, body);
    });
    storage = await startServer((req, res) => {
      const hop = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      if (hop < shape.blobHops - 1) {
        res.writeHead(302, { location: `${storage.url}/hop/${hop + 1}?X-Amz-Signature=abc` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BLOB.length });
      res.end(BLOB);
    });
    registry = await startServer((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const repo = /^\/v2\/(.+?)\/(manifests|blobs)\//.exec(path)?.[1] ?? '';
      if (!authorised(req)) {
        const challenge = (shape.challenge ?? '').replace('{realm}', `${realm.url}${shape.realmPath}`).replace('{repo}', repo);
        registryError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': challenge });
        return;
      }
      if (path.includes('/manifests/')) {
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'content-length': Buffer.byteLength(MANIFEST),
          'docker-content-digest': DIGEST_A,
          'ratelimit-limit': '100;w=21600',
          'ratelimit-remaining': '76;w=21600',
          'docker-ratelimit-source': '203.0.113.7',
        });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
        return;
      }
      res.writeHead(307, { location: `${storage.url}/hop/0?sig=1` });
      res.end();
    });
  });
  afterEach(() => {
    issued = new Set();
    realmCalls = 0;
    realm.requests.length = 0;
  });
  afterAll(async () => {
    await Promise.all([realm.close(), storage.close(), registry.close()]);
  });

  for (const s of SHAPES) {
    it(s.name, async () => {
      shape = s;
      const proxy = await startProxy({
        insecureRegistries: new Set([registry.host]),
        allowHosts: new Set([realm.host, storage.host]),
      });
      try {
        const base = `${proxy.url}/registry/${registry.host}/v2/library/alpine`;
        const manifest = await request(`${base}/manifests/3.20`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
        expect(manifest.status, manifest.text).toBe(200);
        expect(manifest.text).toBe(MANIFEST);
        s.check?.(manifest);

        const blob = await request(`${base}/blobs/${DIGEST_A}`);
        expect(blob.status).toBe(200);
        expect(blob.body.equals(BLOB)).toBe(true);
        expect(blob.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(storage.requests.at(-1)!.headers.authorization).toBeUndefined();

        if (!s.challenge) {
          expect(realm.requests).toHaveLength(0);
          return;
        }
        expect(realm.requests).toHaveLength(1); // the blob reused the manifest's token
        const query = new URL(realm.requests[0]!.url, realm.url).searchParams;
        for (const [key, value] of Object.entries(s.expectTokenQuery ?? {})) {
          if (value === null) expect(query.has(key), key).toBe(false);
          else expect(query.getAll(key), key).toContain(value);
        }
        expect(realm.requests[0]!.headers.authorization).toBeUndefined();
      } finally {
        await proxy.close();
      }
    });
  }
});

describe('ECR Public: blob HEAD answered 401 while GET works', () => {
  it('falls back to a GET, answers the HEAD from its headers, and does not read the body', async () => {
    const big = 8 * 1024 * 1024;
    let bodyBytesSent = 0;
    const realm = await startServer((_req, res) => json(res, 200, { token: 'ecr' }));
    const registry = await startServer((req, res) => {
      if (req.headers.authorization !== 'Bearer ecr') {
        registryError(res, 401, 'UNAUTHORIZED', 'auth', {
          'www-authenticate': `Bearer realm="${realm.url}/token/",service="public.ecr.aws",scope="aws"`,
        });
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(401, { 'content-type': 'application/json' }); // what ECR Public does
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big, 'docker-content-digest': DIGEST_A });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (bodyBytesSent < big) {
          bodyBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), allowHosts: new Set([realm.host]) });
    try {
      const reply = await request(`${proxy.url}/registry/${registry.host}/v2/docker/library/alpine/blobs/${DIGEST_A}`, { method: 'HEAD' });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-length']).toBe(String(big));
      expect(reply.headers['docker-content-digest']).toBe(DIGEST_A);
      expect(registry.requests.map((r) => `${r.method} ${r.headers.authorization ?? '-'}`)).toEqual(['HEAD -', 'HEAD Bearer ecr', 'GET Bearer ecr']);
      expect(bodyBytesSent).toBeLessThan(big); // the GET was cut after its headers

      // A manifest HEAD gets no such fallback: its 401 is passed on.
      const manifestHead = await request(`${proxy.url}/registry/${registry.host}/v2/docker/library/alpine/manifests/latest`, { method: 'HEAD' });
      expect(manifestHead.status).toBe(401);
    } finally {
      await proxy.close();
      await registry.close();
      await realm.close();
    }
  });
});

describe('nvcr.io: the realm moves after expiry', () => {
  it('drops the rejected token, follows the new challenge once, and does not loop', async () => {
    let now = 1_000_000;
    let generation = 1;
    const realms = await startServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      json(res, 200, { token: `${path.slice(1)}-token`, expires_in: 3600 });
    });
    const registry = await startServer((req, res) => {
      const want = `Bearer realm${generation}-token`;
      if (req.headers.authorization === want) return json(res, 200, { tags: ['1'] });
      registryError(res, 401, 'UNAUTHORIZED', 'auth', {
        'www-authenticate': `Bearer realm="${realms.url}/realm${generation}?scope=repository:nvidia/cuda:pull,push"`,
      });
    });
    const proxy = await startProxy({ insecureRegistries: new Set([registry.host]), allowHosts: new Set([realms.host]), now: () => now });
    try {
      const url = `${proxy.url}/registry/${registry.host}/v2/nvidia/cuda/tags/list`;
      expect((await request(url)).status).toBe(200);
      generation = 2; // the registry now wants tokens from another realm; the cached one is refused
      now += 60_000;
      expect((await request(url)).status).toBe(200);
      expect(realms.requests.map((r) => new URL(r.url, realms.url).pathname)).toEqual(['/realm1', '/realm2']);
      expect(registry.requests.map((r) => r.headers.authorization ?? '-')).toEqual([
        '-',
        'Bearer realm1-token',
        'Bearer realm1-token', // cached, refused
        'Bearer realm2-token',
      ]);
      generation = 3;
      registry.requests.length = 0;
      // If even the fresh token is refused, the 401 goes to the browser after one retry.
      const realmsBefore = realms.requests.length;
      const stubborn = await startServer((_req, res) =>
        registryError(res, 401, 'UNAUTHORIZED', 'auth', {
          'www-authenticate': `Bearer realm="${realms.url}/never?scope=repository:x:pull"`,
        }),
      );
      const proxy2 = await startProxy({ insecureRegistries: new Set([stubborn.host]), allowHosts: new Set([realms.host]) });
      try {
        const reply = await request(`${proxy2.url}/registry/${stubborn.host}/v2/x/tags/list`);
        expect(reply.status).toBe(401);
        expect(errorCodes(reply)).toEqual(['UNAUTHORIZED']);
        expect(stubborn.requests).toHaveLength(2);
        expect(realms.requests.length - realmsBefore).toBe(1);
      } finally {
        await proxy2.close();
        await stubborn.close();
      }
    } finally {
      await proxy.close();
      await registry.close();
      await realms.close();
    }
  });
});
