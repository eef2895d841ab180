/**
 * Numbers in tar headers and PAX records, parsed with exactly the rules of Go's archive/tar
 * (strconv.go: parseNumeric, parseOctal, parsePAXTime; strconv.ParseInt for PAX decimals), which
 * is what containerd, Docker and BuildKit read layers with. Every parser returns NaN where Go
 * returns an error (ErrHeader), so callers decide what the error says.
 *
 * Values are doubles: exact up to 2^53, close beyond (Go's int64 range is still what is accepted
 * or refused).
 */

/**
 * A numeric header field. Base-256 when the first byte has its top bit set: big-endian two's
 * complement of the remaining bits, refused when the value needs 64 bits or more (Go: integer
 * overflow). Otherwise octal text (see parseOctal).
 */
export function parseNumeric(b: Uint8Array, o: number, len: number): number {
  const first = b[o] as number;
  if ((first & 0x80) === 0) return parseOctal(b, o, len);
  const inv = first & 0x40 ? 0xff : 0;
  let x = 0;
  let significant = 0; // bytes from the first non-zero one on
  let lead = 0;
  for (let k = 0; k < len; k++) {
    let c = ((b[o + k] as number) ^ inv) & 0xff;
    if (k === 0) c &= 0x7f;
    if (significant === 0 && c === 0) continue;
    if (significant === 0) lead = c;
    significant++;
    x = x * 256 + c;
  }
  // Below 2^63: at most 8 significant bytes, the first of 8 without its top bit.
  if (significant > 8 || (significant === 8 && lead >= 0x80)) return NaN;
  return inv ? -x - 1 : x;
}

/**
 * Octal text as Go reads it: leading and trailing spaces and NULs trimmed, then everything up
 * to the first NUL must be octal digits. An empty (or all-blank) field is 0. So "12\0junk" is
 * 10, while "12 34" and "0x12" are refused.
 */
export function parseOctal(b: Uint8Array, o: number, len: number): number {
  let s = o;
  let e = o + len;
  while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
  let x = 0;
  for (let k = s; k < e; k++) {
    const c = b[k] as number;
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) return NaN;
    x = x * 8 + (c - 0x30);
  }
  return x;
}

/** Latin-1 decoding of bytes (PAX keys and numbers are ASCII; anything else just fails to parse). */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(b[k] as number);
  return s;
}

/** strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, within int64. NaN otherwise. */
export function parseDecimal(s: string): number {
  const n = s.length;
  let k = 0;
  const sign = n > 0 ? s.charCodeAt(0) : 0;
  if (sign === 0x2b || sign === 0x2d) k = 1;
  if (k === n) return NaN;
  let x = 0;
  let significant = 0;
  for (let i = k; i < n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return NaN;
    if (significant > 0 || c > 0) significant++;
    x = x * 10 + c;
  }
  if (significant > 19) return NaN;
  if (significant === 19) {
    // Near the int64 limits doubles cannot tell; BigInt can.
    const big = BigInt(s);
    if (big > 9223372036854775807n || big < -9223372036854775808n) return NaN;
  }
  return sign === 0x2d ? -x : x;
}

/**
 * A PAX time (`mtime`, `atime`, `ctime`): decimal seconds, optionally `.` and digits (only the
 * first nine count). The sign of the seconds applies to the fraction: "-1.5" is -1.5 s and
 * "-0.5" is -0.5 s. NaN where Go refuses the value.
 */
export function parsePaxTime(s: string): number {
  const dot = s.indexOf('.');
  const secs = parseDecimal(dot < 0 ? s : s.slice(0, dot));
  if (Number.isNaN(secs)) return NaN;
  if (dot < 0 || dot === s.length - 1) return secs;
  const frac = s.slice(dot + 1);
  if (!/^\d+$/.test(frac)) return NaN;
  const nanos = Number(frac.slice(0, 9).padEnd(9, '0'));
  return s.startsWith('-') ? secs - nanos / 1e9 : secs + nanos / 1e9;
}
