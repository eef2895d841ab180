/**
 * What went wrong while reading a layer. Never thrown: `analyzeLayerStream` returns it beside
 * the index of everything parsed before it.
 *
 * - `tar`     the uncompressed bytes are not a valid tar (bad checksum, bad field, truncated, no end marker)
 * - `gzip`    corrupt or truncated gzip data, or bytes after a member that do not start a new member
 * - `zstd`    corrupt or truncated zstd data, unsupported frame (dictionary, window above 128 MiB)
 * - `digest`  an expected digest / diff_id that is malformed or uses an unsupported algorithm
 *             (a mismatch is not an error: see `DigestCheck.ok`)
 * - `io`      the source stream failed (network error, reader threw)
 * - `aborted` the AbortSignal fired
 */
export type LayerErrorKind = 'tar' | 'gzip' | 'zstd' | 'digest' | 'io' | 'aborted';

export interface LayerError {
  readonly kind: LayerErrorKind;
  readonly message: string;
  /** Byte offset in `stream` where the problem was found. */
  readonly offset: number;
  /**
   * Which byte stream `offset` counts in: `uncompressed` for tar errors (the tar as decompressed),
   * `compressed` for everything else (the bytes as read from the source).
   */
  readonly stream: 'compressed' | 'uncompressed';
}

export function layerError(kind: LayerErrorKind, message: string, offset: number): LayerError {
  return { kind, message, offset, stream: kind === 'tar' ? 'uncompressed' : 'compressed' };
}
