/**
 * A file's bytes from the TOC's chunk offsets: one Range request from the compressed offset of
 * its first piece to the end of its last one, inflated (gzip members or zstd frames, which start
 * exactly there in both formats), the piece's inner offset skipped, `size` bytes kept. The read
 * stops as soon as the file is complete.
 *
 * The TOC is trusted for where, not for what: every piece with a `chunkDigest` and the whole file
 * with a `digest` are hashed and compared, so a TOC that lies about content gives an error
 * (TocContentError, kind 'digest') rather than wrong bytes, and the caller reads the file from
 * the tar instead.
 */
import { createDecoder } from '../decoders';
import { createHasher } from '../hash';
import { MAX_EXTRACT_BYTES } from '../extract';
import type { BlobRanges } from './ranges';
import type { TocContentMap } from './toIndex';

/** Where one file's content is, and how to check it. Plain data: it crosses to a worker. */
export interface TocContentPlan {
  readonly compression: 'gzip' | 'zstd';
  /** Compressed byte range to request: [start, end). */
  readonly start: number;
  readonly end: number;
  /** Uncompressed bytes to skip at `start` (eStargz innerOffset). */
  readonly skip: number;
  readonly size: number;
  /** Pieces with a digest to check: offset in the file, size, `sha256:…`. */
  readonly checks: readonly { readonly at: number; readonly size: number; readonly digest: string }[];
  /** `sha256:…` of the whole file, when the TOC gives one. */
  readonly digest?: string;
}

/** The plan for entry `entry` of a TOC's index; undefined when the TOC gives no content for it. */
export function tocContentPlan(content: TocContentMap, compression: 'gzip' | 'zstd', entry: number, size: number): TocContentPlan | undefined {
  const first = content.first[entry] ?? -1;
  const count = content.count[entry] ?? 0;
  if (first < 0 || count === 0) return undefined;
  const checks: { at: number; size: number; digest: string }[] = [];
  for (let k = first; k < first + count; k++) {
    const digest = content.chunkDigest[k] ?? '';
    if (digest !== '') checks.push({ at: content.chunkStart[k] ?? 0, size: content.chunkSize[k] ?? 0, digest });
  }
  const fileDigest = content.fileDigest[entry] ?? '';
  return {
    compression,
    start: content.chunkOffset[first] ?? 0,
    end: content.end[entry] ?? 0,
    skip: content.chunkInner[first] ?? 0,
    size,
    checks,
    ...(fileDigest !== '' ? { digest: fileDigest } : {}),
  };
}

export class TocContentError extends Error {
  override readonly name = 'TocContentError';
  constructor(
    readonly kind: 'digest' | 'data' | 'io',
    message: string,
  ) {
    super(message);
  }
}

/** The file's bytes, verified. Throws TocContentError, or the signal's reason on abort. */
export async function readTocContent(blob: BlobRanges, plan: TocContentPlan, signal?: AbortSignal): Promise<Uint8Array> {
  const { start, end, skip, size } = plan;
  if (!(size >= 0 && size <= MAX_EXTRACT_BYTES)) throw new RangeError(`a file of ${size} bytes is not readable (at most ${MAX_EXTRACT_BYTES})`);
  if (size === 0) return new Uint8Array(0);
  if (!(start >= 0 && end > start && end <= blob.size))
    throw new TocContentError('data', `the TOC puts the file at bytes ${start}–${end} of a ${blob.size}-byte blob`);
  // Compressed bytes beyond twice what they inflate to (plus slack for headers that share the
  // member) are not a real layer's: refuse rather than download them.
  if (end - start > 2 * (skip + size) + 1024 * 1024) throw new TocContentError('data', `the TOC gives ${end - start} compressed bytes for a ${size}-byte file`);
  let compressed: Uint8Array;
  try {
    compressed = await blob.read(start, end - start, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TocContentError('io', error instanceof Error ? error.message : String(error));
  }
  const out = new Uint8Array(size);
  let seen = 0;
  let filled = 0;
  const decoder = await createDecoder(plan.compression, (bytes) => {
    const from = seen;
    seen += bytes.length;
    if (filled === size || seen <= skip) return;
    const a = Math.max(0, skip - from);
    const b = Math.min(bytes.length, skip + size - from);
    out.set(bytes.subarray(a, b), from + a - skip);
    filled += b - a;
  });
  const SLICE = 64 * 1024;
  for (let o = 0; o < compressed.length && filled < size; o += SLICE) {
    const error = decoder.push(compressed.subarray(o, Math.min(compressed.length, o + SLICE)));
    if (error && filled < size) throw new TocContentError('data', `the file's compressed bytes do not inflate: ${error.message}`);
  }
  if (filled < size) throw new TocContentError('data', `the TOC's range holds ${Math.max(0, seen - skip)} of the file's ${size} bytes`);

  for (const c of plan.checks) {
    const actual = await sha256(out.subarray(c.at, c.at + c.size));
    if (actual !== c.digest) throw new TocContentError('digest', `bytes ${c.at}–${c.at + c.size} hash to ${actual}, not the ${c.digest} the TOC gives`);
  }
  if (plan.digest !== undefined) {
    const actual = await sha256(out);
    if (actual !== plan.digest) throw new TocContentError('digest', `the file hashes to ${actual}, not the ${plan.digest} the TOC gives`);
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const h = await createHasher('sha256');
  h.update(bytes);
  return h.digest();
}
