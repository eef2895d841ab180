// Whether an upstream body could hand the browser something the proxy sent: an endpoint that echoes
// its request (a debugging token server, an error page quoting the header it could not parse) would
// give every browser user the configured password or a token. Such a body is never passed on; the
// browser gets the status and the registry's error codes instead.
//
// What counts as the secret's forms: as sent, percent- and form-encoded, JSON-escaped, hex, and
// base64 (standard and URL alphabets) at each of the three byte alignments it can have inside a
// longer encoded string (an echo of the whole header block, base64-encoded, puts the password at any
// offset). A false alarm only costs the browser the body's words.

import type { OutgoingHttpHeaders } from 'node:http';

/** The pieces of an Authorization value worth looking for: the value, its credential, and for Basic the decoded user:password and password. */
export function authorizationSecrets(authorization: string | undefined): string[] {
  if (!authorization) return [];
  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? '' : authorization.slice(0, space).toLowerCase();
  const credential = space < 0 ? authorization : authorization.slice(space + 1).trim();
  const secrets = [authorization, credential];
  if (scheme === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    secrets.push(decoded);
    if (colon >= 0) secrets.push(decoded.slice(colon + 1));
  }
  return secrets;
}

/** The secrets in a set of outgoing headers (today only Authorization carries any). */
export function headerSecrets(headers: OutgoingHttpHeaders): string[] {
  const value = headers.authorization;
  return typeof value === 'string' ? authorizationSecrets(value) : [];
}

/** Base64 of `bytes` as it appears inside a longer string when preceded by `offset` (0–2) other bytes: only the characters made of `bytes` alone. */
function base64Core(bytes: Buffer, offset: number, alphabet: 'base64' | 'base64url'): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
    .toString(alphabet)
    .replace(/=+$/, '');
  const first = Math.ceil((offset * 8) / 6);
  const last = Math.floor(((offset + bytes.length) * 8) / 6);
  return encoded.slice(first, last);
}

function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out = new Set<string>([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ]);
  for (const alphabet of ['base64', 'base64url'] as const) {
    out.add(bytes.toString(alphabet).replace(/=+$/, ''));
    for (const offset of [0, 1, 2]) {
      const core = base64Core(bytes, offset, alphabet);
      // A core of two or three characters turns up in any text; the aligned form still catches those.
      if (core.length >= 4) out.add(core);
    }
  }
  return [...out].filter((f) => f !== '');
}

/**
 * Shorter secrets turn up in ordinary text by chance; they are still caught inside the longer forms
 * they are sent in (the Authorization value, `user:password`).
 */
const MIN_SECRET_LENGTH = 4;

/** True when `body` contains any form of any of `secrets`. */
export function reflects(body: Buffer, secrets: readonly string[]): boolean {
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of forms(secret)) if (body.includes(form, 0, 'utf8')) return true;
  }
  return false;
}
