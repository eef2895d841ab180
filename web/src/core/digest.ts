import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** `sha256:<hex>` of a small in-memory document (manifests, configs). Layers are hashed while streaming. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(bytes))}`;
}

/** `sha256:abcdef012345` — the 12 hex characters people recognise. */
export function shortDigest(digest: string, length = 12): string {
  const sep = digest.indexOf(':');
  return sep < 0 ? digest.slice(0, length) : `${digest.slice(0, sep + 1)}${digest.slice(sep + 1, sep + 1 + length)}`;
}
