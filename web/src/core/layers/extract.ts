/**
 * Reads one entry's content out of a layer blob: decompress from the start (gzip and zstd have
 * no random access), skip to the entry's offset in the tar by arithmetic, copy `size` bytes,
 * then stop: the source is cancelled as soon as the last byte arrived, so a file near the
 * start of a 500 MB layer costs a few kilobytes of download.
 *
 *   const bytes = await extractEntry(response.body, { offset: index.offset[e], size: index.size[e] }, signal);
 *
 * For a plain tar read by an HTTP Range (the bytes are exactly the content), pass offset 0 and
 * compression 'none'. Unlike analyzeLayerStream this throws (an ExtractError, or the signal's
 * reason on abort): there is no partial result worth returning.
 */
import { concatBytes, openChunkReader, type ChunkReader } from './chunks';
import type { LayerSource } from './analyze';
import type { Decoder } from './decoder';
import { createDecoder } from './decoders';
import type { LayerErrorKind } from './errors';
import { sniffCompression, type Compression } from './sniff';

export interface ExtractRange {
  /** Byte offset of the content in the uncompressed tar (`LayerIndex.offset[e]`). */
  readonly offset: number;
  /** Bytes to read (`LayerIndex.size[e]`). */
  readonly size: number;
  /** How the source is compressed; sniffed from its first bytes when absent. */
  readonly compression?: Compression;
}

export class ExtractError extends Error {
  override readonly name = 'ExtractError';
  constructor(
    readonly kind: Exclude<LayerErrorKind, 'aborted' | 'digest'>,
    message: string,
  ) {
    super(message);
  }
}

/** Largest entry extractEntry reads: the bytes are held in memory (and in a Blob for a download). */
export const MAX_EXTRACT_BYTES = 64 * 1024 * 1024;

const SNIFF_BYTES = 4;

/**
 * The `size` bytes at `offset` of the uncompressed tar in `source`. Reads no further than
 * needed and cancels the source then. Throws an ExtractError for bad data or a stream that ends
 * early, and the signal's reason when aborted (the source is cancelled then too).
 */
export async function extractEntry(source: LayerSource, range: ExtractRange, signal?: AbortSignal): Promise<Uint8Array> {
  const { offset, size } = range;
  if (!(Number.isSafeInteger(offset) && offset >= 0)) throw new RangeError(`bad entry offset ${offset}`);
  if (!(Number.isSafeInteger(size) && size >= 0 && size <= MAX_EXTRACT_BYTES))
    throw new RangeError(`entry size ${size} is not readable (at most ${MAX_EXTRACT_BYTES} bytes)`);
  signal?.throwIfAborted();
  const out = new Uint8Array(size);
  if (size === 0) {
    openChunkReader(source).cancel('nothing to read');
    return out;
  }
  const chunks = new EntryChunks(source, signal);

  const end = offset + size;
  let position = 0; // uncompressed bytes seen
  let filled = 0;
  const sink = (bytes: Uint8Array): void => {
    const from = position;
    position += bytes.length;
    if (filled === size || position <= offset) return;
    const start = Math.max(0, offset - from);
    const stop = Math.min(bytes.length, end - from);
    out.set(bytes.subarray(start, stop), from + start - offset);
    filled += stop - start;
  };

  let decoder: Decoder | undefined;
  let head: Uint8Array[] = [];
  let headBytes = 0;
  const start = async (): Promise<void> => {
    const compression = range.compression ?? sniffCompression(concatBytes(head, headBytes).subarray(0, SNIFF_BYTES));
    decoder = await createDecoder(compression, sink);
    const pending = head;
    head = [];
    for (const chunk of pending) if (feed(chunk)) return;
  };
  /** True once the content is complete. */
  const feed = (chunk: Uint8Array): boolean => {
    const e = decoder!.push(chunk);
    if (filled === size) return true;
    if (e) throw new ExtractError(e.kind as ExtractError['kind'], e.message);
    return false;
  };

  let finished = false;
  try {
    if (range.compression !== undefined) await start();
    for (let chunk = await chunks.next(); chunk; chunk = await chunks.next()) {
      if (decoder) {
        if (feed(chunk)) return out;
      } else {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes >= SNIFF_BYTES) {
          await start();
          if (filled === size) return out;
        }
      }
    }
    finished = true;
    if (!decoder) await start();
    if (filled === size) return out;
    const e = decoder!.finish();
    if (e) throw new ExtractError(e.kind as ExtractError['kind'], e.message);
    throw new ExtractError('tar', `the layer ended at byte ${position} of its tar, before the entry's content (bytes ${offset}–${end}) was complete`);
  } finally {
    chunks.close(finished);
  }
}

const ABORTED = Symbol('aborted');

/**
 * The chunks of a layer source, for reading one entry out of it: a read that stalls ends as soon
 * as the signal aborts (the stream itself may never answer), a failed read is an 'io'
 * ExtractError, and `close` releases a stream read to its end or cancels the download otherwise.
 */
export class EntryChunks {
  private readonly reader: ChunkReader;
  private readonly aborted: Promise<typeof ABORTED>;
  private onAbort: (() => void) | undefined;

  constructor(
    source: LayerSource,
    private readonly signal?: AbortSignal,
  ) {
    this.reader = openChunkReader(source);
    this.aborted = new Promise((resolve) => {
      this.onAbort = () => resolve(ABORTED);
      signal?.addEventListener('abort', this.onAbort, { once: true });
    });
  }

  /** The next non-empty chunk; undefined at the end of the stream. */
  async next(): Promise<Uint8Array | undefined> {
    const signal = this.signal;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const pending = this.reader.read();
      pending.catch(() => {});
      let result: IteratorResult<Uint8Array, unknown> | typeof ABORTED;
      try {
        result = signal ? await Promise.race([pending, this.aborted]) : await pending;
      } catch (e) {
        throw new ExtractError('io', `reading the layer failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (result === ABORTED) throw signal!.reason;
      if (result.done) return undefined;
      const chunk = toBytes(result.value);
      if (chunk.length > 0) return chunk;
    }
  }

  /** `finished`: the stream was read to its end. */
  close(finished: boolean): void {
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    if (finished) this.reader.release();
    else this.reader.cancel(this.signal?.aborted ? this.signal.reason : 'the entry was read');
  }
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new ExtractError('io', `the layer stream produced a ${typeof value}, not bytes`);
}
