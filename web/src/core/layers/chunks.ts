/** Reading a layer's bytes from whatever the caller has: a web ReadableStream or any async iterable. */

export type LayerSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface ChunkReader {
  read(): Promise<IteratorResult<Uint8Array, unknown>>;
  /** Stops the source (not awaited, so a hung source cannot delay the result). */
  cancel(reason: unknown): void;
  /** Gives a finished ReadableStream back (releases the reader lock). */
  release(): void;
  /**
   * True when each chunk's memory is reused by the next read (a BYOB reader): use it, or copy what
   * must outlive the read, before asking for the next one.
   */
  readonly reused: boolean;
}

/** BYOB reads fill one buffer of this size again and again. */
export const REUSED_CHUNK_BYTES = 256 * 1024;

/**
 * Reads chunks from `source`. With `reuse`, a byte stream (a fetch body, a Blob's stream) is read
 * into one buffer that every read fills again, instead of a new buffer per chunk. Why: where fresh
 * memory is costly — on the 2-core bench VM each new 64 KiB ArrayBuffer costs about 0.25 ms of page
 * faults, and two threads allocating at once slow each other down 2–3× — a 400 MB blob in 64 KiB
 * chunks is 6,000 allocations. Other streams are read as they come.
 */
export function openChunkReader(source: LayerSource, reuse = false): ChunkReader {
  if (reuse && typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const byob = byobReader(source as ReadableStream<Uint8Array>);
    if (byob) return byob;
  }
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return { read: () => reader.read() as Promise<IteratorResult<Uint8Array, unknown>>, ...stopping(reader), reused: false };
  }
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    read: () => it.next(),
    cancel: () => {
      // Not awaited: an async generator only runs `return` after its pending `next` settles.
      it.return?.()?.catch(() => {});
    },
    release: () => {},
    reused: false,
  };
}

/** A BYOB reader over one reused buffer, or undefined when `stream` is not a byte stream. */
function byobReader(stream: ReadableStream<Uint8Array>): ChunkReader | undefined {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = (stream as ReadableStream<Uint8Array<ArrayBuffer>>).getReader({ mode: 'byob' });
  } catch {
    return undefined; // not a byte stream: read it the ordinary way
  }
  // Each read transfers the buffer into the stream and back; the returned view's buffer is the next one lent.
  let buffer: ArrayBuffer = new ArrayBuffer(REUSED_CHUNK_BYTES);
  return {
    read: async () => {
      const { done, value } = await reader.read(new Uint8Array(buffer, 0, buffer.byteLength));
      if (value) buffer = value.buffer;
      if (done) return { done: true, value: undefined };
      return { done: false, value };
    },
    ...stopping(reader),
    reused: true,
  };
}

/** cancel and release for a stream reader of either kind. */
function stopping(reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader): Pick<ChunkReader, 'cancel' | 'release'> {
  return {
    cancel: (reason) => {
      reader.cancel(reason).catch(() => {});
    },
    release: () => {
      try {
        reader.releaseLock();
      } catch {
        // already released
      }
    },
  };
}

/** Joins chunks into one array (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
