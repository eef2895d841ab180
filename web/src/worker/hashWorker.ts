/**
 * A layer worker's helper thread: hashes the uncompressed tar (the diff_id) while the layer
 * worker fetches, inflates and indexes. SHA-256 of the tar costs about as much as inflating it,
 * so splitting the two lets one layer use two cores, as `gzip -dc | sha256sum` does.
 * Buffers come in transferred and go back transferred, so the layer worker reuses them.
 */
import * as Comlink from 'comlink';
import { createHasher, type DigestAlgorithm, type StreamHasher } from '../core/layers/hash';

/** Started hashes by id; calls for one id arrive in order and await the same promise, so they stay in order. */
const hashes = new Map<number, Promise<StreamHasher>>();

// Compile the WebAssembly SHA-256 before the first layer's bytes arrive.
void createHasher('sha256').catch(() => {});

export const hashWorkerApi = {
  begin(id: number, algorithm: DigestAlgorithm): void {
    const started = createHasher(algorithm);
    started.catch(() => {}); // read by update/digest
    hashes.set(id, started);
  },

  /** Hashes `bytes[0, length)` and hands the buffer back for reuse. */
  async update(id: number, bytes: Uint8Array<ArrayBuffer>, length: number): Promise<Uint8Array<ArrayBuffer>> {
    const hasher = hashes.get(id);
    if (!hasher) throw new Error(`no hash ${id} was begun`);
    (await hasher).update(bytes.subarray(0, length));
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  async digest(id: number): Promise<string> {
    const hasher = hashes.get(id);
    if (!hasher) throw new Error(`no hash ${id} was begun`);
    hashes.delete(id);
    return (await hasher).digest();
  },

  discard(id: number): void {
    hashes.delete(id);
  },

  /** Answers once the worker runs (the layer worker checks that it could start one). */
  ping(): true {
    return true;
  },
};

export type HashWorkerApi = typeof hashWorkerApi;

Comlink.expose(hashWorkerApi);
