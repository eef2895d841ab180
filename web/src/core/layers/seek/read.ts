/**
 * One entry's content from a restart point: the stored bytes of a range read (`planRead`'s
 * `from`–`to`) are inflated from the point's window up to the end of the span the entry ends in,
 * every span on the way is checked against the CRC-32 the index recorded, and the entry's bytes
 * are returned. A mismatch, bad data or a body that ends early throws an ExtractError; an abort
 * throws the signal's reason. The source is cancelled as soon as the last span is checked.
 */
import type { LayerSource } from '../chunks';
import type { Decoder } from '../decoder';
import { EntryChunks, ExtractError, MAX_EXTRACT_BYTES } from '../extract';
import { crc32 } from './crc32';
import { restartDecoder } from './restart';
import type { ReadPlan, SeekIndex } from './seekIndex';

export async function readFromRestart(
  source: LayerSource,
  index: SeekIndex,
  plan: ReadPlan,
  range: { readonly offset: number; readonly size: number },
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const { offset, size } = range;
  if (!(Number.isSafeInteger(size) && size >= 0 && size <= MAX_EXTRACT_BYTES)) throw new RangeError(`entry size ${size} is not readable`);
  const kind = index.compression;
  const points = index.points;
  const start = points[plan.point];
  if (!start || start.out > offset || plan.verifyEnd < offset + size) throw new RangeError('the read plan does not cover the entry');
  const chunks = new EntryChunks(source, signal);
  const out = new Uint8Array(size);
  const end = offset + size;

  let position = start.out;
  let span = plan.point;
  let spanEnd = points[span + 1]?.out ?? index.uncompressedSize;
  let crc = 0;
  let mismatch: string | undefined;
  const sink = (bytes: Uint8Array): void => {
    let b = bytes;
    while (b.length > 0 && position < plan.verifyEnd && mismatch === undefined) {
      const take = Math.min(b.length, spanEnd - position);
      const part = b.subarray(0, take);
      const from = Math.max(position, offset);
      const to = Math.min(position + take, end);
      if (from < to) out.set(part.subarray(from - position, to - position), from - offset);
      crc = crc32(part, crc);
      position += take;
      b = b.subarray(take);
      if (position === spanEnd) {
        const want = index.spanCrcs[span];
        if (crc !== want) {
          mismatch = `the bytes inflated from restart point ${plan.point} do not match the seek index (span ${span}: CRC-32 ${hex(crc)}, expected ${hex(want ?? 0)})`;
        }
        span++;
        crc = 0;
        spanEnd = points[span + 1]?.out ?? index.uncompressedSize;
      }
    }
  };
  const done = (): boolean => position >= plan.verifyEnd;
  const check = (e: { message: string } | undefined): void => {
    if (mismatch !== undefined) throw new ExtractError(kind, mismatch);
    if (e && !done()) throw new ExtractError(kind, e.message);
  };

  let decoder: Decoder | undefined;
  let finished = false;
  try {
    signal?.throwIfAborted();
    decoder = await restartDecoder(index, start, sink);
    for (let chunk = await chunks.next(); chunk; chunk = await chunks.next()) {
      check(decoder.push(chunk));
      if (done()) return out;
    }
    finished = true;
    check(decoder.finish());
    if (done()) return out;
    throw new ExtractError(kind, `the range read ended at byte ${position} of the tar, before byte ${plan.verifyEnd} (the end of the checked span)`);
  } finally {
    chunks.close(finished);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
