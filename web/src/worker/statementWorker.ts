/**
 * A one-shot worker for big in-toto statements (SBOMs of large images): hashes the bytes
 * against their digest and parses them off the page's thread. Started and terminated by
 * queries/attestationQueries.ts for each statement over 5 MB.
 */
import { decodeStatement } from '../../core/attestations/statement';
import { DigestMismatchError } from '../../core/errors';

interface Job {
  buffer: ArrayBuffer;
  digest: string;
  subject: string;
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<Job>) => void) | null; postMessage: (message: unknown) => void };

scope.onmessage = (event) => {
  const { buffer, digest, subject } = event.data;
  try {
    scope.postMessage({ ok: true, statement: decodeStatement(new Uint8Array(buffer), digest, subject) });
  } catch (error) {
    if (error instanceof DigestMismatchError) {
      scope.postMessage({ ok: false, name: error.name, message: error.message, expected: error.expected, actual: error.actual });
    } else {
      scope.postMessage({ ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
    }
  }
};
