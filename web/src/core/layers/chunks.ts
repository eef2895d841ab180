/** Reading a layer's bytes from whatever the caller has: a web ReadableStream or any async iterable. */

export type LayerSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface ChunkReader {
  read(): Promise<IteratorResult<Uint8Array, unknown>>;
  /** Stops the source (not awaited, so a hung source cannot delay the result). */
  cancel(reason: unknown): void;
  /** Gives a finished ReadableStream back (releases the reader lock). */
  release(): void;
}

export function openChunkReader(source: LayerSource): ChunkReader {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return {
      read: () => reader.read() as Promise<IteratorResult<Uint8Array, unknown>>,
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
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    read: () => it.next(),
    cancel: () => {
      // Not awaited: an async generator only runs `return` after its pending `next` settles.
      it.return?.()?.catch(() => {});
    },
    release: () => {},
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
