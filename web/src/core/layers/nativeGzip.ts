/**
 * gzip through the platform's own inflater (`DecompressionStream('gzip')`): zlib in C++,
 * faster than pako in a Chromium worker by measurement (numbers in e2e/bench/README.md). It is an async stream, so
 * it sits beside the synchronous `Decoder`s rather than behind that interface.
 *
 * Why it is only ever tried, never trusted alone: Chromium's inflater stops at the end of
 * the first gzip member and fails on whatever follows, so a multi-member layer (eStargz is
 * hundreds of members) or trailing bytes make it fail part-way, and its errors carry no byte
 * offset. The analysis therefore treats any failure here as "read this layer again with
 * pako", which decodes every member and names the offset of a real corruption.
 */

export type GzipTransform = ReadableWritablePair<Uint8Array, Uint8Array>;

/** The platform inflater, or undefined where there is none (old browsers, some runtimes). */
export function platformGzipTransform(): (() => GzipTransform) | undefined {
  const Native = (globalThis as { DecompressionStream?: new (format: string) => GzipTransform }).DecompressionStream;
  if (typeof Native !== 'function') return undefined;
  return () => new Native('gzip');
}

export class NativeGzipInflater {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Resolves when the output is drained to its end; never rejects (see `failed`). */
  private readonly drained: Promise<void>;
  /** Set once the inflater has failed (bad data, a second member, trailing bytes). */
  failed = false;

  constructor(transform: GzipTransform, sink: (bytes: Uint8Array) => void) {
    const reader = transform.readable.getReader();
    this.writer = transform.writable.getWriter();
    this.reader = reader;
    this.drained = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.length > 0) sink(value);
        }
      } catch {
        this.failed = true;
      }
    })();
    // Rejections are read through `failed`; these keep them from being reported as unhandled.
    this.writer.closed.catch(() => {
      this.failed = true;
    });
  }

  /** Feeds compressed bytes; resolves when the inflater can take more (backpressure). */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.failed) return;
    try {
      await this.writer.ready;
      this.writer.write(chunk).catch(() => {
        this.failed = true;
      });
    } catch {
      this.failed = true;
    }
  }

  /** Ends the input and waits until every output byte reached the sink; false when the inflater failed. */
  async finish(): Promise<boolean> {
    if (!this.failed) {
      try {
        await this.writer.close();
      } catch {
        this.failed = true;
      }
    }
    if (this.failed) this.stop();
    await this.drained;
    return !this.failed;
  }

  /** Stops both sides without waiting (abort, or giving up after a failure). */
  stop(): void {
    this.writer.abort().catch(() => {});
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Descriptor annotations that say a gzip layer is many members back to back: eStargz's TOC
 * digest and uncompressed size (containerd's stargz snapshotter, buildkit, nerdctl).
 */
const MULTI_MEMBER_ANNOTATIONS = ['containerd.io/snapshot/stargz/toc.digest', 'io.containers.estargz.uncompressed-size'];

export function announcesManyGzipMembers(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations !== undefined && MULTI_MEMBER_ANNOTATIONS.some((key) => key in annotations);
}
