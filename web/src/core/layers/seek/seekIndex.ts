/**
 * A layer's seek index: restart points in its compressed stream, and the plan for reading one
 * file from the nearest of them with a single range read.
 *
 * A restart point is a place where decompression can begin without what came before:
 * - gzip `block`: the start of a deflate block. Deflate refers back up to 32 KiB, so the point
 *   keeps the 32 KiB of output before it (its *window*, given to the inflater as a preset
 *   dictionary) and the bit where the block begins (`bits`, see below). This is zlib's
 *   `examples/zran.c`: an access point is `in` (offset of the first whole byte), `bits` (0, or
 *   how many bits of the byte at `in - 1` belong to the block) and `out`.
 * - gzip `member`: the start of a gzip member (eStargz writes one per file chunk): a fresh
 *   inflater starts there, no window needed. `points[0]` is always the stream's first member.
 * - zstd `frame`: the start of a zstd frame. Frames are independent (dictionaries are refused
 *   by the decoder), so no window either. A single-frame layer (what skopeo, containerd and
 *   BuildKit write) has no point but its start: its files are read by streaming.
 *
 * Every span — the output from one point to the next, or to the end — has its CRC-32, taken from
 * the index's own (digest-verified) read. A file read from a point is inflated to the end of the
 * span it ends in and checked, so bytes a registry sends for a range are never shown unchecked.
 */

export type RestartKind = 'block' | 'member' | 'frame';

export interface RestartPoint {
  /** Offset in the stored (compressed) bytes of the first whole byte of the unit. */
  readonly in: number;
  /** 0, or the number of high bits (1–7) of the byte at `in - 1` that begin the deflate block. */
  readonly bits: number;
  /** Offset in the uncompressed tar. */
  readonly out: number;
  readonly kind: RestartKind;
  /** `block` only: the output before `out` in its member, at most 32 KiB (the deflate window). */
  readonly window?: Uint8Array;
}

export interface SeekBuildFacts {
  /** How long the building read took (fetch, inflate, hash), in milliseconds. */
  readonly ms: number;
  /** Stored bytes it read. */
  readonly fetchedBytes: number;
}

export interface SeekIndex {
  readonly compression: 'gzip' | 'zstd';
  /** Stored bytes of the layer (the blob's size). */
  readonly compressedSize: number;
  /** Bytes of the uncompressed tar. */
  readonly uncompressedSize: number;
  /** Ordered by `out` (strictly increasing) and by `in`; `points[0]` is the stream's start. */
  readonly points: readonly RestartPoint[];
  /** CRC-32 of the output from `points[i].out` to `points[i + 1].out` (to the end for the last). */
  readonly spanCrcs: Uint32Array;
  /** Why the layer has no restart point beyond its start, when it has none. */
  readonly note?: string;
  readonly build?: SeekBuildFacts;
}

/** Whether the index lets a file be read from somewhere other than the layer's start. */
export function hasRestartPoints(index: SeekIndex): boolean {
  return index.points.length > 1;
}

export interface ReadPlan {
  /** Which restart point to start from (an index into `points`). */
  readonly point: number;
  /** The first stored byte to read. */
  readonly from: number;
  /** The end (exclusive) of the stored bytes to read; undefined: to the blob's end. */
  readonly to?: number;
  /** Output is inflated and checked up to here: the end of the span the file ends in. */
  readonly verifyEnd: number;
}

/**
 * The one range read that yields the tar bytes `[offset, offset + size)`: from the last point at
 * or before `offset` to the first point at or after the end. The stored bytes before point `j`
 * end inside byte `in - 1` when `bits` is non-zero and before `in` otherwise, so `points[j].in`
 * is an exclusive end either way.
 */
export function planRead(index: SeekIndex, offset: number, size: number): ReadPlan {
  const { points } = index;
  const end = offset + size;
  if (!(offset >= 0 && size >= 0 && end <= index.uncompressedSize)) {
    throw new RangeError(`bytes ${offset}–${end} are outside the layer's ${index.uncompressedSize}-byte tar`);
  }
  const k = Math.max(0, lastAtOrBefore(points, offset));
  const start = points[k]!;
  let j = lastAtOrBefore(points, end);
  if (j < 0 || points[j]!.out < end) j++;
  if (j <= k) j = k + 1;
  const next = points[j];
  return {
    point: k,
    from: start.in - (start.bits > 0 ? 1 : 0),
    ...(next ? { to: next.in } : {}),
    verifyEnd: next ? next.out : index.uncompressedSize,
  };
}

/** The last index whose `out` is ≤ `at`, or -1. */
function lastAtOrBefore(points: readonly RestartPoint[], at: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.out <= at) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
