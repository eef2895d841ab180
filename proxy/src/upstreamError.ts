// An upstream error status as the browser gets it: the registry's own error JSON when it sent one,
// else one in that shape with a code derived from the status, and never a body that could echo what
// the proxy sent (`reflection.ts`): then only the status and the registry's error codes.

import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { codeForStatus, errorBody, isRegistryErrorBody, type RegistryErrorEntry } from './errors';
import { reflects } from './reflection';

/** The error JSON for an upstream error status, from its body when that is safe to pass on. */
export function errorAnswer(status: number, from: string, headers: IncomingHttpHeaders, raw: Buffer | undefined, secrets: readonly string[]): Buffer {
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  // A compressed body cannot be checked for secrets (nor read as text): only its status is passed on.
  const usable = raw && raw.length > 0 && encoding === 'identity' ? raw : undefined;
  if (usable && reflects(usable, secrets)) {
    const errors = registryCodes(usable, secrets).map((code) => {
      const entry = synthesizedError(status, from, undefined, undefined, code);
      entry.detail = { status, withheld: 'the body quoted credentials or tokens the proxy sent' };
      return entry;
    });
    return Buffer.from(JSON.stringify({ errors }));
  }
  if (usable && isRegistryErrorBody(usable)) return usable;
  return Buffer.from(errorBody(synthesizedError(status, from, headers['content-type'], usable)));
}

/** The `errors[].code` values of a registry-shaped body that carry no secret; at least the status's own code. */
function registryCodes(raw: Buffer, secrets: readonly string[]): (string | undefined)[] {
  let codes: string[] = [];
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as { errors?: { code?: unknown }[] };
    if (Array.isArray(parsed.errors)) {
      codes = parsed.errors
        .map((e) => e?.code)
        .filter((c): c is string => typeof c === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(c) && !reflects(Buffer.from(c), secrets));
    }
  } catch {
    // not JSON: the status's code
  }
  return codes.length > 0 ? codes : [undefined];
}

function synthesizedError(status: number, from: string, contentType: string | undefined, body: Buffer | undefined, code?: string): RegistryErrorEntry {
  const entry: RegistryErrorEntry = {
    code: code ?? codeForStatus(status),
    message: `${from} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(),
  };
  // Keep a short text body as detail (e.g. auth.docker.io's {"details": ...}), never HTML.
  if (body && body.length > 0 && !/html/i.test(contentType ?? '')) {
    entry.detail = { status, body: body.toString('utf8').slice(0, 512) };
  } else {
    entry.detail = { status };
  }
  return entry;
}
