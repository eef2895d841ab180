/**
 * Digests: the one definition of what a well-formed digest is, and the small helpers around it.
 * The grammar is the OCI image-spec's (descriptor.md, "Digests"): `algorithm:encoded`, where
 * the registered algorithms have a fixed lowercase-hex length (sha256 64, sha384 96, sha512 128,
 * as opencontainers/go-digest checks them). Lading can verify sha256 and sha512; a reference
 * may name sha384, which registries accept.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Hex lengths of the registered algorithms. */
export const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** `algorithm := component ([+._-] component)*`, `component := [a-z0-9]+`. */
export const DIGEST_ALGORITHM_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const ENCODED_RE = /^[a-zA-Z0-9=_-]+$/;

export type VerifiableAlgorithm = 'sha256' | 'sha512';

/** `algorithm:encoded` by the OCI grammar; a registered algorithm must have its exact lowercase-hex length. */
export function parseDigest(value: string): { algorithm: string; encoded: string } | undefined {
  const sep = value.indexOf(':');
  if (sep <= 0) return undefined;
  const algorithm = value.slice(0, sep);
  const encoded = value.slice(sep + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm) || !ENCODED_RE.test(encoded)) return undefined;
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length !== undefined && (encoded.length !== length || !/^[0-9a-f]+$/.test(encoded))) return undefined;
  return { algorithm, encoded };
}

/** A well-formed digest (`sha256:…`), as opposed to a tag. */
export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

/** A digest Lading can check bytes against: sha256 or sha512, well-formed. */
export function parseVerifiableDigest(value: string): { algorithm: VerifiableAlgorithm; hex: string } | undefined {
  const parsed = parseDigest(value);
  if (!parsed || (parsed.algorithm !== 'sha256' && parsed.algorithm !== 'sha512')) return undefined;
  return { algorithm: parsed.algorithm, hex: parsed.encoded };
}

/** `sha256:<hex>` of a small in-memory document (manifests, configs). Layers are hashed while streaming. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(bytes))}`;
}

/** `sha256:abcdef012345` — the 12 hex characters people recognise. */
export function shortDigest(digest: string, length = 12): string {
  const sep = digest.indexOf(':');
  return sep < 0 ? digest.slice(0, length) : `${digest.slice(0, sep + 1)}${digest.slice(sep + 1, sep + 1 + length)}`;
}

/**
 * The Lading proxy's digest check (proxy/src/digestCheck.ts): a blob request says `on` to ask for
 * it; the answer then names the digest the body is checked against as it streams.
 */
export const DIGEST_CHECK_HEADER = 'lading-digest-check';
