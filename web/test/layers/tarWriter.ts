/**
 * A tiny tar writer for tests: just enough to produce the odd corners real writers rarely
 * do (base-256 numbers, signed checksums, PAX globals, star prefixes, broken fields).
 */

const enc = new TextEncoder();

export interface HeaderSpec {
  name: string | Uint8Array;
  /** Typeflag character; default '0'. Use '\0' for v7 regular files. */
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Header size field; defaults to data length. */
  size?: number;
  mtime?: number;
  linkname?: string;
  prefix?: string;
  /** 'ustar' (default), 'gnu' or 'v7' magic. */
  format?: 'ustar' | 'gnu' | 'v7';
  /** Write these numeric fields in base-256 instead of octal. */
  base256?: Array<'size' | 'uid' | 'gid' | 'mtime'>;
  /** Compute the checksum over signed bytes (old Sun tar). */
  signedChecksum?: boolean;
  /** Override the checksum field text. */
  checksum?: string;
  /** Raw bytes patched into the header after it is built (before the checksum). */
  patch?: Array<[offset: number, bytes: Uint8Array | string]>;
}

export interface EntrySpec extends HeaderSpec {
  data?: Uint8Array | string;
}

function bytes(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? enc.encode(v) : v;
}

function putString(h: Uint8Array, off: number, len: number, v: Uint8Array | string): void {
  const b = bytes(v);
  if (b.length > len) throw new Error(`field too long: ${b.length} > ${len}`);
  h.set(b, off);
}

function putOctal(h: Uint8Array, off: number, len: number, v: number): void {
  const s = v.toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) throw new Error(`octal overflow for ${v} in ${len} bytes`);
  putString(h, off, len, s + '\0');
}

function putBase256(h: Uint8Array, off: number, len: number, v: number): void {
  let x = v < 0 ? -v - 1 : v;
  for (let k = len - 1; k >= 0; k--) {
    const byte = x % 256;
    h[off + k] = v < 0 ? 255 - byte : byte;
    x = Math.floor(x / 256);
  }
  h[off] = (h[off] as number) | 0x80;
  if (v < 0) h[off] = (h[off] as number) | 0x40;
}

export function header(spec: HeaderSpec, dataLength = 0): Uint8Array {
  const h = new Uint8Array(512);
  putString(h, 0, 100, spec.name);
  const num = (field: 'size' | 'uid' | 'gid' | 'mtime' | 'mode', off: number, len: number, v: number): void => {
    if (field !== 'mode' && spec.base256?.includes(field)) putBase256(h, off, len, v);
    else putOctal(h, off, len, v);
  };
  num('mode', 100, 8, spec.mode ?? 0o644);
  num('uid', 108, 8, spec.uid ?? 0);
  num('gid', 116, 8, spec.gid ?? 0);
  num('size', 124, 12, spec.size ?? dataLength);
  num('mtime', 136, 12, spec.mtime ?? 1700000000);
  h[156] = (spec.type ?? '0').charCodeAt(0);
  if (spec.linkname !== undefined) putString(h, 157, 100, spec.linkname);
  const format = spec.format ?? 'ustar';
  if (format === 'ustar') {
    putString(h, 257, 6, 'ustar\0');
    putString(h, 263, 2, '00');
  } else if (format === 'gnu') {
    putString(h, 257, 8, 'ustar  \0');
  }
  if (format !== 'v7') {
    putString(h, 265, 32, 'root');
    putString(h, 297, 32, 'root');
  }
  if (spec.prefix !== undefined) putString(h, 345, 155, spec.prefix);
  for (const [off, b] of spec.patch ?? []) h.set(bytes(b), off);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += spec.signedChecksum ? (b << 24) >> 24 : b;
  if (spec.checksum !== undefined) {
    h.fill(0, 148, 156);
    putString(h, 148, 8, spec.checksum);
  } else {
    putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  }
  return h;
}

function pad(n: number): number {
  return (512 - (n % 512)) % 512;
}

export function entry(spec: EntrySpec): Uint8Array {
  const data = spec.data === undefined ? new Uint8Array(0) : bytes(spec.data);
  const h = header(spec, data.length);
  const out = new Uint8Array(512 + data.length + pad(data.length));
  out.set(h, 0);
  out.set(data, 512);
  return out;
}

/** A PAX record "%d %s=%s\n" with its self-inclusive length. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  for (;;) {
    const total = String(len).length + enc.encode(body).length;
    if (total === len) break;
    len = total;
  }
  return `${len}${body}`;
}

export function paxHeader(records: Record<string, string>, global = false, name = 'PaxHeaders/x'): Uint8Array {
  const data = Object.entries(records)
    .map(([k, v]) => paxRecord(k, v))
    .join('');
  return entry({ name, type: global ? 'g' : 'x', data });
}

export function gnuLong(kind: 'L' | 'K', value: string): Uint8Array {
  return entry({ name: '././@LongLink', type: kind, format: 'gnu', data: value + '\0' });
}

export const EOA = new Uint8Array(1024);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Entries followed by the end-of-archive marker. */
export function tar(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts, EOA);
}
