// Which addresses the proxy may dial. A browser can name any registry host, token realm, redirect or
// foreign-layer URL, so without this the proxy would reach whatever the machine it runs on can reach:
// loopback services, the private network, the cloud metadata endpoint. Every outbound connection is
// checked against the address actually dialled (see `upstream.ts`):
// - IP-literal hosts before connecting (Node does not call `lookup` for them),
// - names through a `lookup` wrapper that refuses any answer with a denied address,
// - and the socket's remote address once connected, as a last line.
// Hosts listed in LADING_INSECURE_REGISTRIES or LADING_ALLOW_HOSTS skip the address check.

import { isIP, type LookupFunction } from 'node:net';
import dns from 'node:dns';
import { ProxyError } from './errors';

interface Range {
  bytes: Uint8Array;
  prefix: number;
  why: string;
}

function v4(text: string, prefix: number, why: string): Range {
  const bytes = parseIPv4Strict(text);
  if (!bytes) throw new Error(`bad range ${text}`);
  return { bytes, prefix, why };
}

function v6(text: string, prefix: number, why: string): Range {
  const bytes = parseIPv6(text);
  if (!bytes) throw new Error(`bad range ${text}`);
  return { bytes, prefix, why };
}

/** IANA special-purpose IPv4 ranges that a public registry never lives in. */
const DENIED_V4: readonly Range[] = [
  v4('0.0.0.0', 8, '"this network" (0.0.0.0/8)'),
  v4('10.0.0.0', 8, 'private network (RFC 1918, 10.0.0.0/8)'),
  v4('100.64.0.0', 10, 'carrier-grade NAT (RFC 6598, 100.64.0.0/10)'),
  v4('127.0.0.0', 8, 'loopback (127.0.0.0/8)'),
  v4('169.254.0.0', 16, 'link-local (169.254.0.0/16, includes the cloud metadata address 169.254.169.254)'),
  v4('172.16.0.0', 12, 'private network (RFC 1918, 172.16.0.0/12)'),
  v4('192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'),
  v4('192.0.2.0', 24, 'documentation (TEST-NET-1, 192.0.2.0/24)'),
  v4('192.88.99.0', 24, '6to4 relay anycast (192.88.99.0/24)'),
  v4('192.168.0.0', 16, 'private network (RFC 1918, 192.168.0.0/16)'),
  v4('198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'),
  v4('198.51.100.0', 24, 'documentation (TEST-NET-2, 198.51.100.0/24)'),
  v4('203.0.113.0', 24, 'documentation (TEST-NET-3, 203.0.113.0/24)'),
  v4('224.0.0.0', 4, 'multicast (224.0.0.0/4)'),
  v4('240.0.0.0', 4, 'reserved (240.0.0.0/4, includes broadcast)'),
];

/** IPv6 ranges that embed an IPv4 address: judged by that address. */
const EMBEDDING_V6: readonly (Range & { offset: number })[] = [
  { ...v6('::ffff:0:0', 96, 'IPv4-mapped'), offset: 12 },
  { ...v6('64:ff9b::', 96, 'NAT64'), offset: 12 },
  { ...v6('2002::', 16, '6to4'), offset: 2 },
];

const DENIED_V6: readonly Range[] = [
  v6('::', 128, 'unspecified (::)'),
  v6('::1', 128, 'loopback (::1)'),
  v6('::', 96, 'IPv4-compatible (::/96, deprecated)'),
  v6('64:ff9b:1::', 48, 'local-use NAT64 (64:ff9b:1::/48)'),
  v6('100::', 64, 'discard-only (100::/64)'),
  v6('2001::', 23, 'IETF protocol assignments (2001::/23, includes Teredo)'),
  v6('2001:db8::', 32, 'documentation (2001:db8::/32)'),
  v6('fc00::', 7, 'unique local (fc00::/7)'),
  v6('fe80::', 10, 'link-local (fe80::/10)'),
  v6('fec0::', 10, 'site-local (fec0::/10, deprecated)'),
  v6('ff00::', 8, 'multicast (ff00::/8)'),
];

function inRange(bytes: Uint8Array, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** `a.b.c.d` with four decimal parts only (what resolvers and sockets report). */
function parseIPv4Strict(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

/**
 * IPv4 as inet_aton and the WHATWG URL parser read it: 1 to 4 parts, each decimal, octal (`0177`) or
 * hex (`0x7f`); the last part fills the remaining bytes (`127.1`, `2130706433`). Undefined when `text`
 * is not such an address (a host name).
 */
export function parseIPv4Loose(text: string): Uint8Array | undefined {
  const parts = text.endsWith('.') ? text.slice(0, -1).split('.') : text.split('.');
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) n = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) n = Number(part);
    else return undefined;
    if (!Number.isFinite(n)) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return undefined;
  const bytes = new Uint8Array(4);
  numbers.forEach((n, i) => (bytes[i] = n));
  for (let i = 3, rest = last; i >= numbers.length; i--, rest = Math.floor(rest / 256)) bytes[i] = rest % 256;
  return bytes;
}

/** 16 bytes of an IPv6 address (`::`, embedded dotted IPv4 and a `%zone` allowed), else undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return undefined;
  const words: number[] = [];
  const expand = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        const v4bytes = parseIPv4Strict(piece);
        if (!v4bytes || i !== pieces.length - 1) return undefined;
        out.push(((v4bytes[0] ?? 0) << 8) | (v4bytes[1] ?? 0), ((v4bytes[2] ?? 0) << 8) | (v4bytes[3] ?? 0));
      } else {
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const gap = s.indexOf('::');
  if (gap >= 0) {
    const head = expand(s.slice(0, gap));
    const tail = expand(s.slice(gap + 2));
    if (!head || !tail) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = expand(s);
    if (!all) return undefined;
    words.push(...all);
  }
  if (words.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

/** The canonical text of an address: dotted IPv4, or IPv6 as Node prints it. */
function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

/** Why an address must not be dialled, or undefined when it is a public unicast address. */
export function deniedAddressReason(address: string): string | undefined {
  const bytes = parseIPv4Strict(address) ?? parseIPv4Loose(address) ?? parseIPv6(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return DENIED_V4.find((r) => inRange(bytes, r))?.why;
  for (const embedding of EMBEDDING_V6) {
    if (!inRange(bytes, embedding)) continue;
    const inner = bytes.slice(embedding.offset, embedding.offset + 4);
    const why = DENIED_V4.find((r) => inRange(inner, r))?.why;
    return why ? `${embedding.why} ${formatBytes(inner)}: ${why}` : undefined;
  }
  return DENIED_V6.find((r) => inRange(bytes, r))?.why;
}

/** An IP-literal host (`127.0.0.1`, `[::1]`, `2130706433`, `0x7f.1`) as its canonical address. */
export function literalAddress(hostname: string): string | undefined {
  const v6bytes = parseIPv6(hostname);
  if (v6bytes) return formatBytes(v6bytes);
  const v4bytes = parseIPv4Loose(hostname);
  return v4bytes ? formatBytes(v4bytes) : undefined;
}

export interface AddressPolicy {
  /** Whether `host` (`URL.host`: name or literal, with port unless default) skips the address check. */
  allowsHost(url: URL): boolean;
  /** node:dns-style lookup that fails with PROXY_NOT_ALLOWED when a name resolves to a denied address. */
  lookup(url: URL): LookupFunction;
  /** Throws PROXY_NOT_ALLOWED when `url` may not be dialled as far as can be told before connecting. */
  checkBeforeConnect(url: URL): void;
  /** Throws PROXY_NOT_ALLOWED when the connected socket's remote address is denied. */
  checkConnected(url: URL, remoteAddress: string | undefined): void;
}

/** `host`, `host:port`, `[v6]:port`, `http://host:port/` → lower-case `host[:port]`, without a default port. */
export function normaliseHostEntry(entry: string): string {
  const bare = entry
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/\/.*$/, '');
  if (bare === '') return '';
  try {
    // Through the URL parser, so `0x7f.1:5000` and `127.0.0.1:5000` are the same entry.
    const url = new URL(`http://${bare}`);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return bare;
  }
}

const notAllowed = (message: string, detail: Record<string, string>): ProxyError => new ProxyError('PROXY_NOT_ALLOWED', 403, message, detail);

const HINT = 'list the host in LADING_ALLOW_HOSTS (or LADING_INSECURE_REGISTRIES) to allow it';

function deny(url: URL, address: string, why: string): ProxyError {
  const literal = literalAddress(url.hostname);
  const what = literal === address ? address : `${url.hostname} (${address})`;
  return notAllowed(`Refusing to connect to ${what}: ${why}; ${HINT}`, { host: url.host, address, reason: why });
}

type LookupAddress = { address: string; family: number };

/**
 * The policy for a set of allowed host entries (normalised with `normaliseHostEntry`). An entry with a
 * port allows that port only; an entry without one allows the host on any port.
 */
export function createAddressPolicy(allowed: Iterable<string>, baseLookup?: LookupFunction): AddressPolicy {
  const entries = new Set(Array.from(allowed, normaliseHostEntry).filter((e) => e !== ''));
  const resolve = baseLookup ?? (dns.lookup as unknown as LookupFunction);

  const allowsHost = (url: URL): boolean => {
    const hostname = url.hostname.toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return entries.has(hostname) || entries.has(`${hostname}:${port}`) || entries.has(url.host.toLowerCase());
  };

  return {
    allowsHost,

    checkBeforeConnect(url) {
      if (url.username !== '' || url.password !== '') {
        throw notAllowed(`Refusing a URL with credentials in it (${url.protocol}//…@${url.host})`, { host: url.host, reason: 'userinfo' });
      }
      if (allowsHost(url)) return;
      const literal = literalAddress(url.hostname);
      if (literal === undefined) return; // a name: checked in lookup
      const why = deniedAddressReason(literal);
      if (why) throw deny(url, literal, why);
    },

    checkConnected(url, remoteAddress) {
      if (allowsHost(url) || remoteAddress === undefined) return;
      const why = deniedAddressReason(remoteAddress);
      if (why) throw deny(url, remoteAddress, why);
    },

    lookup(url) {
      if (allowsHost(url)) return resolve;
      const guarded = (hostname: string, options: unknown, callback?: unknown): void => {
        const cb = (typeof options === 'function' ? options : callback) as (
          err: NodeJS.ErrnoException | null,
          address?: string | LookupAddress[],
          family?: number,
        ) => void;
        const opts = typeof options === 'object' && options !== null ? (options as dns.LookupOptions) : {};
        // Always every answer, so a name with one public and one private address cannot slip through.
        (resolve as unknown as (h: string, o: dns.LookupOptions, c: (...a: unknown[]) => void) => void)(
          hostname,
          { ...opts, all: true },
          (err: unknown, address: unknown, family: unknown) => {
            if (err) {
              cb(err as NodeJS.ErrnoException);
              return;
            }
            const answers: LookupAddress[] = Array.isArray(address) ? (address as LookupAddress[]) : [{ address: String(address), family: Number(family) }];
            for (const answer of answers) {
              const why = deniedAddressReason(answer.address);
              if (why) {
                cb(deny(url, answer.address, why) as unknown as NodeJS.ErrnoException);
                return;
              }
            }
            if (opts.all) cb(null, answers);
            else cb(null, answers[0]?.address ?? '', answers[0]?.family ?? 4);
          },
        );
      };
      return guarded as unknown as LookupFunction;
    },
  };
}
