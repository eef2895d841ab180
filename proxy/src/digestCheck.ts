// Checking a blob's digest while it streams through, so the page need not (issue 12 part 4).
//
// Why here: the page's SHA-256 is WebAssembly (no SHA instructions; about a third of a layer
// worker's time went to the two hashes), while node:crypto's is OpenSSL with SHA-NI, several times
// faster. The proxy already carries every registry blob, and the page already trusts it with more
// than a digest: it serves the page's own code from the same origin. So when a blob GET asks for it
// (`Lading-Digest-Check: on`) and the registry sends the whole blob (200), the proxy hashes the bytes
// as they pass, says so in `Lading-Digest-Check: <digest>`, and holds back the last chunk until the
// hash is known: the body ends cleanly only when the bytes have that digest; otherwise the response
// is cut and the page sees a read error, never a clean end of wrong bytes. The page then reads the
// blob once more without asking and hashes it itself, which names the mismatch in its own words.
//
// Not checked: requests that do not ask, ranges (206), HEAD, digests of other algorithms, foreign
// URLs (own route). The header is the proxy's own: an upstream header of that name is never passed
// on (registryRoute.ts's allowlist), so a registry cannot claim a check that did not happen.

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ProxyError } from './errors';

export { DIGEST_CHECK_HEADER } from '../../web/src/core/digest';

const CHECKED = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** The digest to check a blob against, or undefined when this one is not checked. */
export function digestToCheck(digest: string, requestHeader: string | string[] | undefined): string | undefined {
  if (typeof requestHeader !== 'string' || requestHeader.trim().toLowerCase() !== 'on') return undefined;
  return CHECKED.test(digest) ? digest : undefined;
}

/**
 * Passes bytes through while hashing them, always one chunk behind: the last chunk leaves only once
 * the digest matched. A mismatch fails the stream (the pipeline then destroys the response).
 */
export class DigestCheckingStream extends Transform {
  private readonly hash: Hash;
  private readonly hex: string;
  private held: Buffer | undefined;
  private bytes = 0;

  constructor(
    private readonly digest: string,
    private readonly onMismatch: (actual: string, bytes: number) => void = () => {},
  ) {
    super();
    const [algorithm, hex] = digest.split(':') as [string, string];
    this.hash = createHash(algorithm);
    this.hex = hex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.hex) {
      const algorithm = this.digest.slice(0, this.digest.indexOf(':'));
      this.onMismatch(`${algorithm}:${actual}`, this.bytes);
      callback(new ProxyError('PROXY_UPSTREAM_ERROR', 502, `the blob's bytes have digest ${algorithm}:${actual}, not ${this.digest}`));
      return;
    }
    if (this.held) this.push(this.held);
    this.held = undefined;
    callback();
  }
}
