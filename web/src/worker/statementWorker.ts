/**
 * A one-shot worker for big in-toto statements (SBOMs of large images): hashes the bytes against
 * their digest and parses them off the page's thread. The bridge (`decodeStatementInWorker`)
 * starts one per statement over 5 MB and terminates it when the answer is in or the query is
 * aborted. A digest mismatch comes back as data, since Comlink carries only an Error's message.
 */
import * as Comlink from 'comlink';
import { decodeStatement, type DecodedStatement } from '../core/attestations/statement';
import { DigestMismatchError } from '../core/errors';

export type StatementAnswer = { ok: true; statement: DecodedStatement } | { ok: false; name: string; message: string; expected?: string; actual?: string };

export const statementWorkerApi = {
  decode(buffer: ArrayBuffer, digest: string, subject: string): StatementAnswer {
    try {
      return { ok: true, statement: decodeStatement(new Uint8Array(buffer), digest, subject) };
    } catch (error) {
      if (error instanceof DigestMismatchError) return { ok: false, name: error.name, message: error.message, expected: error.expected, actual: error.actual };
      return { ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
    }
  },
};

export type StatementWorkerApi = typeof statementWorkerApi;

Comlink.expose(statementWorkerApi);
