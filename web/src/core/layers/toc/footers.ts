/**
 * Where a layer's table of contents is, from the bytes at the end of the blob or from its
 * descriptor's annotations. Pure parsing: the caller fetches the bytes.
 *
 * eStargz (containerd/stargz-snapshotter docs/estargz.md, "Footer"): the blob ends with an empty
 * gzip member of exactly 51 bytes whose header carries an Extra field, subfield `SG`, length 22,
 * holding `%016xSTARGZ` — the hex offset of the gzip member that holds the TOC tar entry. The
 * older stargz of google/crfs wrote a 47-byte footer whose Extra field is the 22 bytes alone (no
 * subfield header); both are read, as the estargz reader does. The header is parsed here by hand
 * (RFC 1952 §2.3): magic, CM 8, FLG with FEXTRA, then XLEN; nothing needs inflating.
 *
 * zstd:chunked (containers/storage pkg/chunked): the layer descriptor's annotation
 * `io.github.containers.zstd-chunked.manifest-position` (older writers:
 * `io.containers.zstd-chunked.manifest-position`) is `offset:length:uncompressedLength:type`,
 * type 1 (the CRFS-compatible manifest), offset pointing past the 8-byte skippable-frame header.
 * `…tarsplit-position` is `offset:length:uncompressedLength`. The blob also ends with a skippable
 * frame (magic 0x184D2A50) holding a footer of little-endian u64s — offset, compressed length,
 * uncompressed length, manifest type — then, in the 64-byte version, the tar-split's offset and
 * lengths, and 8 magic bytes last. Older writers wrote 40 bytes and the magic `GnUlInUx`, newer
 * ones 64 bytes and `GNUlInUx`; both are accepted. containers/storage itself trusts the
 * annotation (the digest that secures the manifest is an annotation anyway), so the annotation
 * is read first and the footer only when the annotation is absent.
 */

export const ESTARGZ_FOOTER_SIZE = 51;
export const LEGACY_STARGZ_FOOTER_SIZE = 47;

/** Annotations that say a gzip layer is eStargz, and name the TOC JSON's digest. */
export const ESTARGZ_TOC_DIGEST = 'containerd.io/snapshot/stargz/toc.digest';
export const ESTARGZ_UNCOMPRESSED_SIZE = 'io.containers.estargz.uncompressed-size';

export const ZSTD_CHUNKED_POSITION = ['io.github.containers.zstd-chunked.manifest-position', 'io.containers.zstd-chunked.manifest-position'] as const;
export const ZSTD_CHUNKED_CHECKSUM = ['io.github.containers.zstd-chunked.manifest-checksum', 'io.containers.zstd-chunked.manifest-checksum'] as const;
export const ZSTD_CHUNKED_TARSPLIT_POSITION = 'io.github.containers.zstd-chunked.tarsplit-position';

/** The zstd:chunked footer frame: 8 bytes of skippable-frame header, then 64 (or 40) bytes. */
export const ZSTD_CHUNKED_FOOTER_FRAME = 8 + 64;
const ZSTD_CHUNKED_FOOTER_SIZES = [64, 40];
const MANIFEST_TYPE_CRFS = 1;

export type FooterResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = <T>(reason: string): FooterResult<T> => ({ ok: false, reason });

/**
 * The TOC offset from the last bytes of an eStargz (or legacy stargz) blob. `tail` is the blob's
 * last bytes (at least 47; 51 or more to read an eStargz footer).
 */
export function parseEstargzFooter(tail: Uint8Array): FooterResult<{ tocOffset: number; footerSize: number }> {
  const reasons: string[] = [];
  if (tail.length >= ESTARGZ_FOOTER_SIZE) {
    const r = estargzFooter(tail.subarray(tail.length - ESTARGZ_FOOTER_SIZE));
    if (r.ok) return r;
    reasons.push(r.reason);
  }
  if (tail.length >= LEGACY_STARGZ_FOOTER_SIZE) {
    const r = legacyFooter(tail.subarray(tail.length - LEGACY_STARGZ_FOOTER_SIZE));
    if (r.ok) return r;
    reasons.push(`legacy stargz: ${r.reason}`);
  }
  return fail(reasons.length > 0 ? reasons.join('; ') : `${tail.length} bytes are fewer than a footer`);
}

const FEXTRA = 4;

/** The Extra field of a gzip member header at the start of `b`, or the reason there is none. */
function gzipExtra(b: Uint8Array): FooterResult<Uint8Array> {
  if (b[0] !== 0x1f || b[1] !== 0x8b) return fail('no gzip header');
  if (b[2] !== 8) return fail('gzip compression method is not deflate');
  if (((b[3] ?? 0) & FEXTRA) === 0) return fail('the gzip header has no Extra field');
  const xlen = (b[10] ?? 0) | ((b[11] ?? 0) << 8);
  if (12 + xlen > b.length) return fail('the Extra field is longer than the footer');
  return { ok: true, value: b.subarray(12, 12 + xlen) };
}

function estargzFooter(b: Uint8Array): FooterResult<{ tocOffset: number; footerSize: number }> {
  const extra = gzipExtra(b);
  if (!extra.ok) return extra;
  const x = extra.value;
  if (x.length !== 26) return fail(`the Extra field is ${x.length} bytes, not 26`);
  if (x[0] !== 0x53 || x[1] !== 0x47) return fail('the Extra subfield is not SG');
  if (((x[2] ?? 0) | ((x[3] ?? 0) << 8)) !== 22) return fail('the SG subfield is not 22 bytes');
  const offset = stargzOffset(x.subarray(4));
  return offset.ok ? { ok: true, value: { tocOffset: offset.value, footerSize: ESTARGZ_FOOTER_SIZE } } : offset;
}

function legacyFooter(b: Uint8Array): FooterResult<{ tocOffset: number; footerSize: number }> {
  const extra = gzipExtra(b);
  if (!extra.ok) return extra;
  if (extra.value.length !== 22) return fail(`the Extra field is ${extra.value.length} bytes, not 22`);
  const offset = stargzOffset(extra.value);
  return offset.ok ? { ok: true, value: { tocOffset: offset.value, footerSize: LEGACY_STARGZ_FOOTER_SIZE } } : offset;
}

/** `%016xSTARGZ` → the offset. */
function stargzOffset(s: Uint8Array): FooterResult<number> {
  const text = String.fromCharCode(...s);
  if (!text.endsWith('STARGZ')) return fail('no STARGZ magic in the footer');
  const hex = text.slice(0, 16);
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) return fail(`the TOC offset '${hex}' is not 16 hex digits`);
  const offset = Number.parseInt(hex, 16);
  if (!Number.isSafeInteger(offset)) return fail(`the TOC offset 0x${hex} is too large`);
  return { ok: true, value: offset };
}

export interface ZstdChunkedPosition {
  /** Offset of the compressed manifest in the blob (past the skippable frame's header). */
  readonly offset: number;
  readonly length: number;
  readonly uncompressedLength: number;
  /** The tar-split, when the annotation or footer names one. */
  readonly tarSplit?: { readonly offset: number; readonly length: number; readonly uncompressedLength: number };
}

function decimals(text: string, count: number): number[] | undefined {
  const parts = text.split(':');
  if (parts.length !== count || !parts.every((p) => /^\d{1,16}$/.test(p))) return undefined;
  const values = parts.map(Number);
  return values.every(Number.isSafeInteger) ? values : undefined;
}

/** The manifest position from the layer's annotations; undefined when none is given. */
export function zstdChunkedPositionFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): FooterResult<ZstdChunkedPosition> | undefined {
  const key = ZSTD_CHUNKED_POSITION.find((k) => annotations?.[k] !== undefined);
  if (!key || !annotations) return undefined;
  const value = annotations[key] as string;
  const v = decimals(value, 4);
  if (!v) return fail(`the annotation ${key} is '${value.slice(0, 80)}', not offset:length:uncompressed:type`);
  const [offset, length, uncompressedLength, type] = v as [number, number, number, number];
  if (type !== MANIFEST_TYPE_CRFS) return fail(`manifest type ${type} is not 1 (CRFS)`);
  const split = annotations[ZSTD_CHUNKED_TARSPLIT_POSITION];
  const t = split !== undefined ? decimals(split, 3) : undefined;
  return {
    ok: true,
    value: { offset, length, uncompressedLength, ...(t ? { tarSplit: { offset: t[0]!, length: t[1]!, uncompressedLength: t[2]! } } : {}) },
  };
}

/** Skippable frames are 0x184D2A50..0x184D2A5F (RFC 8878 §3.1.2), little-endian. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAGICS = ['GNUlInUx', 'GnUlInUx'];

function u32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

function u64(b: Uint8Array, o: number): number {
  return u32(b, o + 4) * 2 ** 32 + u32(b, o); // exact below 2^53; larger values fail the bounds checks
}

/** The manifest position from the zstd:chunked footer frame at the end of `tail` (the blob's last bytes). */
export function parseZstdChunkedFooter(tail: Uint8Array): FooterResult<ZstdChunkedPosition> {
  for (const size of ZSTD_CHUNKED_FOOTER_SIZES) {
    if (tail.length < size + 8) continue;
    const frame = tail.subarray(tail.length - size - 8);
    if ((u32(frame, 0) & 0xfffffff0) >>> 0 !== SKIPPABLE_MAGIC || u32(frame, 4) !== size) continue;
    const f = frame.subarray(8);
    const magicText = String.fromCharCode(...f.subarray(size - 8));
    if (!MAGICS.includes(magicText)) continue;
    const type = u64(f, 24);
    if (type !== MANIFEST_TYPE_CRFS) return fail(`manifest type ${type} is not 1 (CRFS)`);
    const position = { offset: u64(f, 0), length: u64(f, 8), uncompressedLength: u64(f, 16) };
    if (size === 64 && u64(f, 32) > 0) {
      return { ok: true, value: { ...position, tarSplit: { offset: u64(f, 32), length: u64(f, 40), uncompressedLength: u64(f, 48) } } };
    }
    return { ok: true, value: position };
  }
  return fail('no zstd:chunked footer at the end of the blob');
}

/** Which TOC a layer's descriptor announces. */
export function announcedToc(annotations: Readonly<Record<string, string>> | undefined): 'estargz' | 'zstd:chunked' | undefined {
  if (!annotations) return undefined;
  if (ZSTD_CHUNKED_POSITION.some((k) => k in annotations)) return 'zstd:chunked';
  if (ESTARGZ_TOC_DIGEST in annotations) return 'estargz';
  return undefined;
}
