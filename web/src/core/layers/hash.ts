/**
 * Incremental SHA-256 / SHA-512 for layer streams.
 *
 * hash-wasm (WebAssembly) is used because it measured faster than @noble/hashes (pure JS) on
 * the same data (web/test/bench/layerBench.ts; the numbers are in e2e/bench/README.md).
 * When WebAssembly cannot be instantiated (e.g. a page CSP without 'wasm-unsafe-eval') it
 * falls back to @noble/hashes, so hashing never fails, it only gets slower.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSHA256, createSHA512 } from 'hash-wasm';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface StreamHasher {
  readonly algorithm: DigestAlgorithm;
  update(bytes: Uint8Array): void;
  /** `"<algorithm>:<hex>"`. Call once. */
  digest(): string;
}

/**
 * A hasher whose work may happen elsewhere, such as on another thread, so that inflating a
 * layer and hashing its tar use two cores. `update` takes the bytes over before it returns
 * (the caller may reuse the buffer); `backlog` tells the caller to wait while too much is
 * still queued, which bounds memory; `digest` resolves once everything handed over is hashed.
 */
export interface DeferredStreamHasher {
  readonly algorithm: DigestAlgorithm;
  update(bytes: Uint8Array): void;
  /** A promise to await before handing over more while too much is queued; otherwise undefined. */
  backlog(): Promise<void> | undefined;
  /** `"<algorithm>:<hex>"`; rejects when the hashing failed. Call once, after the last update. */
  digest(): Promise<string>;
  /** Drops the work (abort, error); the hasher is unusable afterwards. */
  discard(): void;
}

export type HasherBackend = 'wasm' | 'js';

export async function createHasher(algorithm: DigestAlgorithm, backend: HasherBackend = 'wasm'): Promise<StreamHasher> {
  if (backend === 'wasm') {
    try {
      const h = algorithm === 'sha256' ? await createSHA256() : await createSHA512();
      h.init();
      return {
        algorithm,
        update(bytes) {
          h.update(bytes);
        },
        digest: () => `${algorithm}:${h.digest('hex')}`,
      };
    } catch {
      // fall through to the pure-JS implementation
    }
  }
  const h = algorithm === 'sha256' ? sha256.create() : sha512.create();
  return {
    algorithm,
    update(bytes) {
      h.update(bytes);
    },
    digest: () => `${algorithm}:${bytesToHex(h.digest())}`,
  };
}

/** `sha256:<64 hex>` / `sha512:<128 hex>`, defined once in core/digest.ts. */
export { parseVerifiableDigest as parseDigest } from '../digest';
