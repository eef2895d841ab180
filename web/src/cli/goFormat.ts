/**
 * The few pieces of Go's standard library and of go-humanize that dive's text and CI output go
 * through, ported so Lading prints the same strings for the same numbers:
 *
 * - `goFixed(x, n)`: fmt's `%.nf` (exact decimal expansion, ties to even; JavaScript's toFixed
 *   rounds exact ties up: Go prints 12.5 as "12", toFixed as "13").
 * - `goFloatV(x)`: fmt's `%v` for a float64 (strconv 'g' with the shortest digits, switching to
 *   `1e-05` / `1.234567e+06` notation outside exponents -4..5).
 * - `humanizeBytes(n)`: go-humanize v1.0.1 `Bytes` (SI: "32 kB", "1.2 MB", "7 B").
 * - `parseBytes(s)`: go-humanize v1.0.1 `ParseBytes` ("20MB" = 20,000,000; "1.5 GiB" = 1.5 × 2^30;
 *   "MB"/"M" are SI, "MiB"/"Mi" IEC; commas in the number are ignored).
 * - `goParseFloat(s)`: strconv.ParseFloat's syntax and its error strings.
 */

/** Exact value of a finite non-negative double as `digits / 10^scale`. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  // m / 2^k = m·5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** fmt.Sprintf("%.{decimals}f", x). */
export function goFixed(x: number, decimals: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const negative = x < 0 || Object.is(x, -0);
  const { digits, scale } = exactDecimal(Math.abs(x));
  let q: bigint;
  if (scale <= decimals) {
    q = digits * 10n ** BigInt(decimals - scale);
  } else {
    const div = 10n ** BigInt(scale - decimals);
    q = digits / div;
    const r = digits % div;
    const half = div / 2n;
    if (r > half || (r === half && q % 2n === 1n)) q += 1n;
  }
  let s = q.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    s = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  }
  return negative ? `-${s}` : s;
}

/** fmt.Sprintf("%v", x) for a float64. */
export function goFloatV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '', exp = '0'] = x.toExponential().split('e');
  const e = Number(exp);
  // strconv: %e when the exponent is < -4 or >= 6 (the precision used for the shortest form).
  if (e < -4 || e >= 6) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  // JavaScript writes these exponents in plain decimal notation, with the same shortest digits.
  return String(x);
}

const SI_SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** go-humanize v1.0.1 `Bytes`: "32 kB", "1.2 MB", "7 B". */
export function humanizeBytes(bytes: number): string {
  const s = Math.max(0, Math.floor(bytes));
  if (s < 10) return `${s} B`;
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const suffix = SI_SIZES[e] ?? '?';
  const val = Math.floor((s / Math.pow(1000, e)) * 10 + 0.5) / 10;
  return `${goFixed(val, val < 10 ? 1 : 0)} ${suffix}`;
}

const KI = 1024;
const BYTES_SIZE_TABLE: Record<string, number> = {
  b: 1,
  kib: KI,
  kb: 1e3,
  mib: KI ** 2,
  mb: 1e6,
  gib: KI ** 3,
  gb: 1e9,
  tib: KI ** 4,
  tb: 1e12,
  pib: KI ** 5,
  pb: 1e15,
  eib: KI ** 6,
  eb: 1e18,
  // Without the "b".
  '': 1,
  ki: KI,
  k: 1e3,
  mi: KI ** 2,
  m: 1e6,
  gi: KI ** 3,
  g: 1e9,
  ti: KI ** 4,
  t: 1e12,
  pi: KI ** 5,
  p: 1e15,
  ei: KI ** 6,
  e: 1e18,
};

export type GoResult<T> = { ok: true; value: T } | { ok: false; error: string };

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;

/** strconv.ParseFloat(s, 64): the value, or Go's error text. */
export function goParseFloat(s: string): GoResult<number> {
  const quoted = JSON.stringify(s);
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan')
      return special[1] === '' ? { ok: true, value: NaN } : { ok: false, error: `strconv.ParseFloat: parsing ${quoted}: invalid syntax` };
    return { ok: true, value: special[1] === '-' ? -Infinity : Infinity };
  }
  let value: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const intPart = hex[2] ?? '';
    const frac = hex[3] ?? '';
    value = (parseInt(`${intPart}${frac}` || '0', 16) / 16 ** frac.length) * 2 ** Number(hex[4]);
    if (hex[1] === '-') value = -value;
  } else if (DECIMAL_FLOAT.test(s)) {
    value = Number(s);
  } else {
    return { ok: false, error: `strconv.ParseFloat: parsing ${quoted}: invalid syntax` };
  }
  if (!Number.isFinite(value)) return { ok: false, error: `strconv.ParseFloat: parsing ${quoted}: value out of range` };
  return { ok: true, value };
}

const UNICODE_DIGIT = /^\p{Nd}$/u;
const MAX_UINT64 = 2 ** 64;

/** go-humanize v1.0.1 `ParseBytes`: bytes as a number (exact below 2^53), or Go's error text. */
export function parseBytes(s: string): GoResult<number> {
  let end = 0;
  let hasComma = false;
  for (const ch of s) {
    if (!(UNICODE_DIGIT.test(ch) || ch === '.' || ch === ',')) break;
    if (ch === ',') hasComma = true;
    end += ch.length;
  }
  const num = hasComma ? s.slice(0, end).replaceAll(',', '') : s.slice(0, end);
  const parsed = goParseFloat(num);
  if (!parsed.ok) return parsed;
  const extra = s.slice(end).trim().toLowerCase();
  const multiplier = Object.hasOwn(BYTES_SIZE_TABLE, extra) ? BYTES_SIZE_TABLE[extra] : undefined;
  if (multiplier === undefined) return { ok: false, error: `unhandled size name: ${extra}` };
  const f = parsed.value * multiplier;
  if (f >= MAX_UINT64) return { ok: false, error: `too large: ${s}` };
  return { ok: true, value: Math.floor(f) };
}
