// The proxy must not be a way into the network it runs in. Two layers of probes:
// - the policy itself (`addressPolicy.ts`) on every kind of address and spelling, without sockets, so
//   private and metadata addresses are judged without a packet leaving the machine;
// - the whole server, with loopback, unspecified and mapped spellings, and names that a test resolver
//   maps to such addresses: every probe must come back 403 PROXY_NOT_ALLOWED while a canary server on
//   127.0.0.1 counts the connections it gets (none).

import net from 'node:net';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy, deniedAddressReason, literalAddress, normaliseHostEntry, parseIPv4Loose } from '../src/addressPolicy';
import { ProxyError } from '../src/errors';
import { DIGEST_A, errorCodes, json, registryError, request, startProxy, startServer, type TestServer } from './helpers';

describe('deniedAddressReason', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.1.2.3', /RFC 1918/],
    ['172.16.0.1', /RFC 1918/],
    ['172.31.255.255', /RFC 1918/],
    ['192.168.0.10', /RFC 1918/],
    ['169.254.169.254', /metadata/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.100.100.200', /carrier-grade NAT/], // Alibaba Cloud's metadata address
    ['0.0.0.0', /this network/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /reserved/],
    ['192.0.0.192', /IETF/],
    ['198.18.0.1', /benchmarking/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['::ffff:127.0.0.1', /IPv4-mapped 127\.0\.0\.1: loopback/],
    ['::ffff:7f00:1', /IPv4-mapped 127\.0\.0\.1/],
    ['::ffff:169.254.169.254', /IPv4-mapped 169\.254\.169\.254: link-local/],
    ['::ffff:a00:1', /IPv4-mapped 10\.0\.0\.1/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /NAT64 169\.254\.169\.254/],
    ['2002:7f00:1::', /6to4 127\.0\.0\.1/],
    ['fd00:ec2::254', /unique local/], // AWS's IPv6 metadata address
    ['fc00::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
  ])('%s is refused (%s)', (address, reason) => {
    expect(deniedAddressReason(address)).toMatch(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::',
  ])('%s is a public address', (address) => {
    expect(deniedAddressReason(address)).toBeUndefined();
  });
});

describe('IPv4 spellings', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['012.0.0.1', '10.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
  ])('%s is %s, as the URL parser reads it', (spelling, address) => {
    expect(literalAddress(spelling)).toBe(address);
    expect(new URL(`http://${spelling}/`).hostname).toBe(address);
  });

  it('leaves names and out-of-range numbers alone', () => {
    expect(parseIPv4Loose('registry.example')).toBeUndefined();
    expect(parseIPv4Loose('1.2.3.4.5')).toBeUndefined();
    expect(parseIPv4Loose('256.1.1.1')).toBeUndefined();
    expect(parseIPv4Loose('08.1.1.1')).toBeUndefined(); // not octal, not decimal: a name to the parser
    expect(literalAddress('[::ffff:127.0.0.1]')).toBe('::ffff:7f00:1');
  });

  it('normalises allow-list entries the same way', () => {
    expect(normaliseHostEntry('http://0x7f.1:5000/')).toBe('127.0.0.1:5000');
    expect(normaliseHostEntry('Registry.Local')).toBe('registry.local');
    expect(normaliseHostEntry('registry.local:443')).toBe('registry.local:443');
    expect(normaliseHostEntry('[::1]:5000')).toBe('[::1]:5000');
  });
});

/** A resolver for tests: names → fixed answers; anything else does not resolve. */
function testResolver(answers: Record<string, string[]>): LookupFunction {
  return ((hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    const found = answers[hostname];
    if (!found) {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      cb(err);
      return;
    }
    const list = found.map((address) => ({ address, family: net.isIP(address) }));
    if (all) cb(null, list);
    else cb(null, list[0]?.address, list[0]?.family);
  }) as LookupFunction;
}

const refusal = (fn: () => void): ProxyError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProxyError) return err;
    throw err;
  }
  throw new Error('not refused');
};

describe('the policy before connecting (no sockets)', () => {
  const policy = createAddressPolicy(['registry.internal:5000', 'storage.internal']);

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.5/v2/',
    'https://172.20.1.1/v2/',
    'https://192.168.1.1/v2/',
    'https://100.64.1.1/v2/',
    'https://0xa9fea9fe/v2/',
    'https://2852039166/v2/',
    'https://[fd00:ec2::254]/v2/',
    'https://[fe80::1]/v2/',
    'https://[::ffff:169.254.169.254]/v2/',
    'https://[64:ff9b::a9fe:a9fe]/v2/',
    'https://224.0.0.1/v2/',
    'https://registry.internal:5001/v2/', // listed on another port: a name, left to lookup — see below
  ])('%s', (url) => {
    const parsed = new URL(url);
    if (literalAddress(parsed.hostname) === undefined) {
      expect(() => policy.checkBeforeConnect(parsed)).not.toThrow();
      return;
    }
    const error = refusal(() => policy.checkBeforeConnect(parsed));
    expect(error.code).toBe('PROXY_NOT_ALLOWED');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^Refusing to connect to \S+: .+; list the host in LADING_ALLOW_HOSTS/);
  });

  it('lets listed hosts through: with a port that port only, without one any port', () => {
    expect(policy.allowsHost(new URL('http://registry.internal:5000/'))).toBe(true);
    expect(policy.allowsHost(new URL('http://registry.internal:5001/'))).toBe(false);
    expect(policy.allowsHost(new URL('https://storage.internal:9000/'))).toBe(true);
    expect(policy.allowsHost(new URL('https://storage.internal/'))).toBe(true);
    expect(policy.allowsHost(new URL('https://other.internal/'))).toBe(false);
  });

  it('refuses userinfo even for listed hosts', () => {
    const error = refusal(() => policy.checkBeforeConnect(new URL('https://user:pw@storage.internal/x')));
    expect(error.message).toContain('credentials');
  });

  it('checks the connected address (the last line, whatever resolved it)', () => {
    const url = new URL('https://registry.example/v2/');
    expect(() => policy.checkConnected(url, '93.184.215.14')).not.toThrow();
    expect(refusal(() => policy.checkConnected(url, '::ffff:10.0.0.1')).message).toContain('registry.example (::ffff:10.0.0.1)');
    expect(() => policy.checkConnected(new URL('http://registry.internal:5000/'), '127.0.0.1')).not.toThrow();
  });

  it.each([
    ['metadata.example', ['169.254.169.254'], '169.254.169.254'],
    ['rebind.example', ['93.184.215.14', '10.0.0.7'], '10.0.0.7'],
    ['mapped.example', ['::ffff:192.168.0.1'], '::ffff:192.168.0.1'],
    ['ula.example', ['fd12:3456::1'], 'fd12:3456::1'],
  ])('lookup refuses %s → %j', async (name, answers, denied) => {
    const guarded = createAddressPolicy([], testResolver({ [name]: answers })).lookup(new URL(`https://${name}/`));
    for (const all of [false, true]) {
      const err = await new Promise<unknown>((resolve) => guarded(name, { all }, (e) => resolve(e)));
      expect(err).toBeInstanceOf(ProxyError);
      expect((err as ProxyError).message).toContain(`${name} (${denied})`);
    }
  });

  it('lookup passes public answers through in both callback shapes', async () => {
    const guarded = createAddressPolicy([], testResolver({ 'ok.example': ['93.184.215.14', '2606:4700::1'] })).lookup(new URL('https://ok.example/'));
    const one = await new Promise<unknown[]>((resolve) => guarded('ok.example', {}, (...args: unknown[]) => resolve(args)));
    expect(one).toEqual([null, '93.184.215.14', 4]);
    const all = await new Promise<unknown[]>((resolve) => guarded('ok.example', { all: true }, (...args: unknown[]) => resolve(args)));
    expect(all).toEqual([
      null,
      [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
    ]);
  });
});

describe('SSRF probes through the server', () => {
  let canary: net.Server;
  let canaryPort = 0;
  let connections = 0;
  let registry: TestServer; // allow-listed (insecure) registry that points elsewhere
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let behaviour: { redirect?: string; realm?: string } = {};

  beforeAll(async () => {
    canary = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    canaryPort = (canary.address() as AddressInfo).port;
    registry = await startServer((req, res) => {
      if (behaviour.realm && !req.headers.authorization) {
        registryError(res, 401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': `Bearer realm="${behaviour.realm}",service="s"` });
        return;
      }
      if (behaviour.redirect) {
        res.writeHead(307, { location: behaviour.redirect });
        res.end();
        return;
      }
      json(res, 200, {});
    });
    const resolver = testResolver({
      'loopback.example': ['127.0.0.1'],
      'loopback6.example': ['::1'],
      'mapped.example': ['::ffff:127.0.0.1'],
      'unspecified.example': ['0.0.0.0'],
      'mixed.example': ['93.184.215.14', '127.0.0.2'],
      'allowed.example': ['127.0.0.1'],
    });
    proxy = await startProxy({
      insecureRegistries: new Set([registry.host, `allowed.example:${registry.port}`]),
      lookup: resolver,
      timeouts: { connectMs: 2000, firstByteMs: 2000, idleMs: 2000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
    await new Promise<void>((resolve) => canary.close(() => resolve()));
    // The point of it all: not one probe reached the canary.
    expect(connections).toBe(0);
  });

  const expectRefused = async (path: string, pattern: RegExp): Promise<void> => {
    const reply = await request(`${proxy.url}${path}`);
    expect(reply.status, `${path}: ${reply.text}`).toBe(403);
    expect(errorCodes(reply)).toEqual(['PROXY_NOT_ALLOWED']);
    expect(reply.headers['x-lading-error-source']).toBe('proxy');
    expect(JSON.parse(reply.text).errors[0].message).toMatch(pattern);
  };

  describe('registry hosts', () => {
    it.each([
      ['127.0.0.1', /127\.0\.0\.1: loopback/],
      ['2130706433', /127\.0\.0\.1: loopback/],
      ['0177.0.0.1', /127\.0\.0\.1: loopback/],
      ['0x7f.1', /127\.0\.0\.1: loopback/],
      ['0x7f000001', /127\.0\.0\.1: loopback/],
      ['127.1', /127\.0\.0\.1: loopback/],
      ['127.0.0.2', /loopback/],
      ['0.0.0.0', /0\.0\.0\.0: "this network"/],
      ['0', /0\.0\.0\.0/],
      ['[::1]', /::1: loopback/],
      ['[::]', /unspecified/],
      ['[::ffff:127.0.0.1]', /IPv4-mapped 127\.0\.0\.1/],
      ['[::ffff:7f00:1]', /IPv4-mapped 127\.0\.0\.1/],
      ['[::127.0.0.1]', /IPv4-compatible/],
      ['loopback.example', /loopback\.example \(127\.0\.0\.1\)/],
      ['loopback6.example', /loopback6\.example \(::1\)/],
      ['mapped.example', /mapped\.example \(::ffff:127\.0\.0\.1\)/],
      ['unspecified.example', /0\.0\.0\.0/],
      ['mixed.example', /mixed\.example \(127\.0\.0\.2\)/],
    ])('%s', async (host, pattern) => {
      await expectRefused(`/registry/${host}:${canaryPort}/v2/`, pattern);
    });

    it('localhost (the system resolver)', async () => {
      const plain = await startProxy({ timeouts: { connectMs: 2000, firstByteMs: 2000, idleMs: 2000 } });
      try {
        const reply = await request(`${plain.url}/registry/localhost:${canaryPort}/v2/`);
        expect(reply.status).toBe(403);
        expect(reply.text).toMatch(/localhost \((127\.0\.0\.1|::1)\): loopback/);
      } finally {
        await plain.close();
      }
    });

    it('a listed host is reached even though it resolves to loopback', async () => {
      behaviour = {};
      const reply = await request(`${proxy.url}/registry/allowed.example:${registry.port}/v2/`);
      expect(reply.status).toBe(200);
    });
  });

  describe('redirects from an allowed registry', () => {
    it.each([
      [() => `http://127.0.0.1:${canaryPort}/blob`, /127\.0\.0\.1: loopback/],
      [() => `http://0x7f.1:${canaryPort}/blob`, /127\.0\.0\.1: loopback/],
      [() => `http://[::ffff:127.0.0.1]:${canaryPort}/blob`, /IPv4-mapped/],
      [() => `http://loopback.example:${canaryPort}/blob`, /loopback\.example \(127\.0\.0\.1\)/],
      [() => `http://user:secret@allowed.example:${registry.port}/v2/`, /credentials/],
    ])('%s', async (location, pattern) => {
      behaviour = { redirect: location() };
      await expectRefused(`/registry/${registry.host}/v2/r/blobs/${DIGEST_A}`, pattern);
    });
  });

  describe('token realms named by an allowed registry', () => {
    it.each([
      [() => `http://127.0.0.1:${canaryPort}/token`, /127\.0\.0\.1: loopback/],
      [() => `http://2130706433:${canaryPort}/token`, /127\.0\.0\.1: loopback/],
      [() => `http://[::1]:${canaryPort}/token`, /::1: loopback/],
      [() => `https://loopback.example:${canaryPort}/token`, /loopback\.example \(127\.0\.0\.1\)/],
      [() => `http://user:pw@allowed.example:${registry.port}/token`, /credentials/],
      [() => `file:///etc/passwd`, /file: token realm/],
    ])('%s', async (realm, pattern) => {
      behaviour = { realm: realm() };
      await expectRefused(`/registry/${registry.host}/v2/r/manifests/latest`, pattern);
    });
  });

  describe('foreign-layer URLs', () => {
    const foreign = (url: string) => `/foreign?${new URLSearchParams({ url, digest: DIGEST_A, size: '100' }).toString()}`;
    it.each([
      [() => `https://127.0.0.1:${canaryPort}/layer`, /127\.0\.0\.1: loopback/],
      [() => `https://2130706433:${canaryPort}/layer`, /127\.0\.0\.1: loopback/],
      [() => `https://[::ffff:7f00:1]:${canaryPort}/layer`, /IPv4-mapped/],
      [() => `https://loopback.example:${canaryPort}/layer`, /loopback\.example \(127\.0\.0\.1\)/],
      [() => `http://127.0.0.1:${canaryPort}/layer`, /https only/],
      [() => `https://user:pw@loopback.example/layer`, /credentials/],
      [() => `file:///etc/passwd`, /https only/],
      [() => `ftp://127.0.0.1:${canaryPort}/`, /https only/],
    ])('%s', async (url, pattern) => {
      await expectRefused(foreign(url()), pattern);
    });
  });
});
