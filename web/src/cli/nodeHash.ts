/**
 * SHA-256 / SHA-512 for the CLI with Node's own crypto (OpenSSL, which uses the CPU's SHA
 * instructions where it has them): several times hash-wasm's speed in the same process (numbers
 * in e2e/bench/README.md). Handed to the core's `analyzeLayerStream` as its `deferredHasher`,
 * the option for hashes computed outside the core's own WebAssembly; this one finishes at once.
 */
import { createHash } from 'node:crypto';
import type { DeferredStreamHasher, DigestAlgorithm } from '../core/layers/hash';

export function nodeHasher(algorithm: DigestAlgorithm): DeferredStreamHasher {
  const hash = createHash(algorithm);
  let done = false;
  return {
    algorithm,
    update(bytes) {
      if (!done) hash.update(bytes);
    },
    backlog: () => undefined,
    digest() {
      if (done) return Promise.reject(new Error('digest() was already called'));
      done = true;
      return Promise.resolve(`${algorithm}:${hash.digest('hex')}`);
    },
    discard() {
      done = true;
    },
  };
}

/**
 * A hasher that chooses at its first use (first `update`, or `digest`): the one `elsewhere`
 * offers then, or node:crypto here. The core creates its tar hasher before the decoder, so this
 * is how the tar's hash can be taken from a decoder thread that hashes the tar as it makes it
 * (zstdThread.ts) while every other stream is hashed here.
 */
export function hasherChosenAtFirstUse(algorithm: DigestAlgorithm, elsewhere: () => DeferredStreamHasher | undefined): DeferredStreamHasher {
  let chosen: DeferredStreamHasher | undefined;
  const pick = (): DeferredStreamHasher => (chosen ??= elsewhere() ?? nodeHasher(algorithm));
  return {
    algorithm,
    update: (bytes) => pick().update(bytes),
    backlog: () => chosen?.backlog(),
    digest: () => pick().digest(),
    discard: () => chosen?.discard(),
  };
}
