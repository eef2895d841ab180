/**
 * The seek index as bytes, for IndexedDB (stored beside the layer's analysis, by digest, and
 * counted in the cache's budget). Little-endian, versioned by its magic:
 *
 *   "LSK1"  u8 compression (1 gzip, 2 zstd)  u8 0  u16 0
 *   f64 compressedSize  f64 uncompressedSize  f64 buildMs  f64 buildFetchedBytes (-1: unknown)
 *   u32 points  u32 noteBytes  note (UTF-8)
 *   per point: f64 in  f64 out  u8 kind (0 member, 1 block, 2 frame)  u8 bits  u16 0
 *              u32 spanCrc  u32 windowBytes  u32 storedBytes  window, deflated (raw deflate)
 *
 * Windows are deflated (as gztool stores its windows compressed): 32 KiB of tar content packs to
 * roughly a third, which keeps an index with a point every 4 MiB near 1% of a typical layer.
 * Offsets are f64 because they are safe integers up to 2^53 and DataView reads them natively.
 * `parseSeekIndex` checks everything it reads and returns undefined for anything malformed,
 * so a damaged cache record only costs the index, never a wrong read.
 */
import { deflateRaw, inflateRaw } from 'pako';
import { WINDOW_SIZE } from './gzipPoints';
import type { RestartKind, RestartPoint, SeekIndex } from './seekIndex';

const MAGIC = [0x4c, 0x53, 0x4b, 0x31]; // "LSK1"
const HEADER = 4 + 4 + 8 * 4 + 4 + 4;
const POINT = 8 + 8 + 4 + 4 + 4 + 4;
const KINDS: readonly RestartKind[] = ['member', 'block', 'frame'];

export function serializeSeekIndex(index: SeekIndex): Uint8Array<ArrayBuffer> {
  const note = new TextEncoder().encode(index.note ?? '');
  const packed = index.points.map((p) => (p.window && p.window.length > 0 ? deflateRaw(p.window, { level: 6 }) : new Uint8Array(0)));
  const total = HEADER + note.length + index.points.reduce((sum, _, i) => sum + POINT + packed[i]!.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint8(4, index.compression === 'gzip' ? 1 : 2);
  view.setFloat64(8, index.compressedSize, true);
  view.setFloat64(16, index.uncompressedSize, true);
  view.setFloat64(24, index.build?.ms ?? -1, true);
  view.setFloat64(32, index.build?.fetchedBytes ?? -1, true);
  view.setUint32(40, index.points.length, true);
  view.setUint32(44, note.length, true);
  bytes.set(note, HEADER);
  let o = HEADER + note.length;
  index.points.forEach((p, i) => {
    const w = packed[i]!;
    view.setFloat64(o, p.in, true);
    view.setFloat64(o + 8, p.out, true);
    view.setUint8(o + 16, KINDS.indexOf(p.kind));
    view.setUint8(o + 17, p.bits);
    view.setUint32(o + 20, index.spanCrcs[i] ?? 0, true);
    view.setUint32(o + 24, p.window?.length ?? 0, true);
    view.setUint32(o + 28, w.length, true);
    bytes.set(w, o + POINT);
    o += POINT + w.length;
  });
  return bytes;
}

/** The index in `bytes`, or undefined when they are not a well-formed one. */
export function parseSeekIndex(bytes: Uint8Array): SeekIndex | undefined {
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

function parse(bytes: Uint8Array): SeekIndex | undefined {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = view.getUint8(4);
  if (code !== 1 && code !== 2) return undefined;
  const compression = code === 1 ? 'gzip' : 'zstd';
  const compressedSize = view.getFloat64(8, true);
  const uncompressedSize = view.getFloat64(16, true);
  const buildMs = view.getFloat64(24, true);
  const fetchedBytes = view.getFloat64(32, true);
  const count = view.getUint32(40, true);
  const noteLength = view.getUint32(44, true);
  if (!Number.isSafeInteger(compressedSize) || !Number.isSafeInteger(uncompressedSize) || compressedSize < 0 || uncompressedSize < 0) return undefined;
  if (count === 0 || HEADER + noteLength + count * POINT > bytes.length) return undefined;
  const note = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + noteLength));
  const points: RestartPoint[] = [];
  const spanCrcs = new Uint32Array(count);
  let o = HEADER + noteLength;
  for (let i = 0; i < count; i++) {
    if (o + POINT > bytes.length) return undefined;
    const at = view.getFloat64(o, true);
    const out = view.getFloat64(o + 8, true);
    const kind = KINDS[view.getUint8(o + 16)];
    const bits = view.getUint8(o + 17);
    const windowBytes = view.getUint32(o + 24, true);
    const stored = view.getUint32(o + 28, true);
    if (!kind || bits > 7 || (kind !== 'block' && (bits !== 0 || windowBytes !== 0)) || windowBytes > WINDOW_SIZE) return undefined;
    if (kind === 'block' ? compression !== 'gzip' : kind === 'member' ? compression !== 'gzip' : compression !== 'zstd') {
      // points[0] of a zstd index is its first frame; gzip indexes hold members and blocks.
      return undefined;
    }
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(out) || at > compressedSize || out > uncompressedSize) return undefined;
    const previous = points[i - 1];
    if (i === 0 ? at !== 0 || out !== 0 : out <= previous!.out || at < previous!.in) return undefined;
    if (o + POINT + stored > bytes.length) return undefined;
    spanCrcs[i] = view.getUint32(o + 20, true);
    let window: Uint8Array | undefined;
    if (windowBytes > 0) {
      window = inflateRaw(bytes.subarray(o + POINT, o + POINT + stored));
      if (window.length !== windowBytes) return undefined;
    }
    points.push({ in: at, bits, out, kind, ...(window ? { window } : {}) });
    o += POINT + stored;
  }
  if (o !== bytes.length) return undefined;
  return {
    compression,
    compressedSize,
    uncompressedSize,
    points,
    spanCrcs,
    ...(note ? { note } : {}),
    ...(buildMs >= 0 ? { build: { ms: buildMs, fetchedBytes: Math.max(0, fetchedBytes) } } : {}),
  };
}
