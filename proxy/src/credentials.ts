// Registry credentials, as go-containerregistry's `authn` keeps them apart from its `transport`: what
// a docker-style config.json says (per registry key) and the Basic header made from it. Nothing here
// talks to the network; the token exchange that spends these credentials is `auth.ts`.

import { readFileSync } from 'node:fs';
import { registryKey } from './registry';

export interface Credential {
  username: string;
  /** For an `identitytoken` entry this is the identity token (see parseDockerConfig). */
  password: string;
  /** Set for `identitytoken` entries: an OAuth2 refresh token for the registry's token realm. */
  identityToken?: string;
}

/** Credentials by registry key (`registryKey`). */
export type CredentialStore = ReadonlyMap<string, Credential>;

/**
 * The `auths` section of a docker config.json. Per entry, in order of preference:
 * - `identitytoken`: exchanged as an OAuth2 refresh token, as Docker does (`POST` to the realm with
 *   `grant_type=refresh_token`); when the realm answers that POST with 404, it is sent as the Basic
 *   password of the usual GET instead (username from the entry, else `<token>`).
 * - `username` + `password`;
 * - `auth`: base64 of `user:password` (the password may contain ':').
 * Entries with none of these (e.g. kept in a `credsStore` / `credHelpers` helper) are skipped.
 */
export function parseDockerConfig(json: unknown): Map<string, Credential> {
  const store = new Map<string, Credential>();
  if (typeof json !== 'object' || json === null) throw new Error('not a JSON object');
  const auths = (json as { auths?: unknown }).auths;
  if (auths === undefined) return store;
  if (typeof auths !== 'object' || auths === null) throw new Error('"auths" is not an object');
  for (const [key, value] of Object.entries(auths)) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    const str = (name: string): string | undefined => {
      const v = entry[name];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    let credential: Credential | undefined;
    const identityToken = str('identitytoken');
    const username = str('username');
    const password = str('password');
    const auth = str('auth');
    if (identityToken) {
      credential = { username: username ?? '<token>', password: identityToken, identityToken };
    } else if (username && password) {
      credential = { username, password };
    } else if (auth) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (credential) store.set(registryKey(key), credential);
  }
  return store;
}

export function loadDockerConfig(path: string): Map<string, Credential> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseDockerConfig(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path} is not a usable docker config.json: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function basicAuthorization(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
}
