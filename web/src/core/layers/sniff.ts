export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * Compression by magic bytes, never by media type (registries and `docker save` mislabel):
 * gzip `1f 8b`, zstd frame `28 b5 2f fd` or a zstd skippable frame `5? 2a 4d 18`; anything
 * else is taken as a plain tar. Needs 4 bytes to tell zstd; fewer give 'none' unless they
 * already match gzip.
 */
export function sniffCompression(firstBytes: Uint8Array): Compression {
  const [b0, b1, b2, b3] = firstBytes;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return 'zstd';
  if (b0 !== undefined && (b0 & 0xf0) === 0x50 && b1 === 0x2a && b2 === 0x4d && b3 === 0x18) return 'zstd';
  return 'none';
}

/** Names formats that are not supported, to explain a failed tar parse. */
export function unsupportedFormatHint(firstBytes: Uint8Array): string | undefined {
  const [b0, b1, b2, b3, b4, b5] = firstBytes;
  if (b0 === 0xfd && b1 === 0x37 && b2 === 0x7a && b3 === 0x58 && b4 === 0x5a && b5 === 0x00) return 'xz';
  if (b0 === 0x42 && b1 === 0x5a && b2 === 0x68) return 'bzip2';
  if (b0 === 0x04 && b1 === 0x22 && b2 === 0x4d && b3 === 0x18) return 'lz4';
  return undefined;
}
