/**
 * Random access to a file that is never held whole in memory: the browser's `File` (a `Blob`),
 * and in Node the `Blob` of `fs.openAsBlob(path)`. Both come through `blobReader`, so the page,
 * a worker and a CLI read archives with the same code. Only Web APIs (Blob.slice, arrayBuffer,
 * stream) are used.
 */

export interface BlobReader {
  /** Bytes in the whole file. */
  readonly size: number;
  /** The file itself, for a layer's location: another thread given a slice of it reads the slice itself. */
  readonly blob: Blob;
  /** Exactly `length` bytes from `offset`; a range outside the file is a RangeError. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** The bytes of `[offset, offset + length)` as a stream, read as it is pulled. */
  stream(offset: number, length: number, signal?: AbortSignal): ReadableStream<Uint8Array>;
}

function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`range [${offset}, ${offset + length}) is outside the file (${size} bytes)`);
  }
}

/** A reader over a `Blob` or `File`: every read is a `slice`, so only the bytes asked for are read. */
export function blobReader(blob: Blob): BlobReader {
  return {
    size: blob.size,
    blob,
    async read(offset, length, signal) {
      checkRange(blob.size, offset, length);
      signal?.throwIfAborted();
      const buffer = await blob.slice(offset, offset + length).arrayBuffer();
      signal?.throwIfAborted();
      if (buffer.byteLength !== length) {
        // A File changed or shrank on disk after it was picked.
        throw new RangeError(`read ${buffer.byteLength} of ${length} bytes at offset ${offset}: the file changed while reading?`);
      }
      return new Uint8Array(buffer);
    },
    stream(offset, length, signal) {
      checkRange(blob.size, offset, length);
      return abortable(blob.slice(offset, offset + length).stream(), signal);
    },
  };
}

/** A reader over bytes already in memory (small archives, tests). Reads are views, not copies. */
export function bytesReader(bytes: Uint8Array, chunkSize = 64 * 1024): BlobReader {
  let blob: Blob | undefined;
  return {
    size: bytes.length,
    get blob() {
      return (blob ??= new Blob([bytes as Uint8Array<ArrayBuffer>]));
    },
    async read(offset, length, signal) {
      checkRange(bytes.length, offset, length);
      signal?.throwIfAborted();
      return bytes.subarray(offset, offset + length);
    },
    stream(offset, length, signal) {
      checkRange(bytes.length, offset, length);
      let at = offset;
      const end = offset + length;
      return abortable(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= end) {
              controller.close();
              return;
            }
            const next = Math.min(end, at + chunkSize);
            controller.enqueue(bytes.slice(at, next));
            at = next;
          },
        }),
        signal,
      );
    },
  };
}

/** Passes `source` through; when `signal` fires, the stream errors with its reason and the source is cancelled. */
function abortable(source: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  if (!signal) return source;
  const reader = source.getReader();
  let onAbort: (() => void) | undefined;
  const cleanup = (): void => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (signal.aborted) {
        controller.error(signal.reason);
        reader.cancel(signal.reason).catch(() => {});
        return;
      }
      onAbort = () => {
        controller.error(signal.reason);
        reader.cancel(signal.reason).catch(() => {});
      };
      signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      try {
        const r = await reader.read();
        if (signal.aborted) return;
        if (r.done) {
          cleanup();
          controller.close();
        } else {
          controller.enqueue(r.value);
        }
      } catch (e) {
        cleanup();
        if (!signal.aborted) controller.error(e);
      }
    },
    cancel(reason) {
      cleanup();
      return reader.cancel(reason);
    },
  });
}
