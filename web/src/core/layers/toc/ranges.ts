/**
 * Byte ranges of a layer's stored blob, as the TOC reader and the chunk reader need them: exact
 * ranges or nothing. A registry that ignores Range answers 200 with the whole blob; reading a
 * TOC that way would cost the whole download the TOC is meant to avoid, so it is an error here
 * (RangeUnsupportedError) and the caller waits for the tar pass instead.
 */
import type { Layer } from '../../image';

export interface BlobRanges {
  /** The blob's size in bytes (the descriptor's). */
  readonly size: number;
  /** Exactly `length` bytes from `offset`; rejects when the source cannot give them. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
}

export class RangeUnsupportedError extends Error {
  override readonly name = 'RangeUnsupportedError';
}

/** Reads a stream to its end into one buffer, refusing more than `max` bytes. */
export async function readAll(body: ReadableStream<Uint8Array>, max: number, signal?: AbortSignal): Promise<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  const onAbort = (): void => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        void reader.cancel('more bytes than asked for').catch(() => {});
        throw new Error(`the source sent more than the ${max} bytes asked for`);
      }
      parts.push(value);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  signal?.throwIfAborted();
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The ranges of a core Layer (registry blob through the proxy, or a slice of an opened file). */
export function blobRanges(layer: Pick<Layer, 'size' | 'openRange'>): BlobRanges {
  return {
    size: layer.size,
    async read(offset, length, signal) {
      if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= layer.size))
        throw new RangeError(`bytes ${offset}+${length} are not inside the ${layer.size}-byte blob`);
      const opened = await layer.openRange(offset, length, signal);
      if (opened.whole && !(offset === 0 && length === layer.size)) {
        void opened.body.cancel('the whole blob was sent').catch(() => {});
        throw new RangeUnsupportedError(`asked for bytes ${offset}+${length}, the source sent the whole blob (HTTP ${opened.status ?? '?'})`);
      }
      const bytes = await readAll(opened.body, length, signal);
      if (bytes.length !== length) throw new Error(`asked for ${length} bytes at ${offset}, got ${bytes.length}`);
      return bytes;
    },
  };
}
