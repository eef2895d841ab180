/**
 * Node packages: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`
 * (npm, yarn, pnpm's real directories). The package's directory owns everything below it except
 * nested `node_modules` directories, whose packages own their own files (npm's nesting: a
 * dependency that needs another version of a package gets its own copy below its directory).
 *
 * Only `name` and `version` are read. A package.json without a name (npm writes one for
 * every installed package; hand-made trees may not) takes its directory's name. A package.json
 * elsewhere (a package's `lib/package.json` type marker) is not a package: `kinds.ts` only
 * captures those directly under node_modules.
 */
import { FormatError, decodeStrict } from './text';
import type { PackageRecord } from './types';

export function parseNpmPackage(bytes: Uint8Array, dir: string): PackageRecord {
  let text = decodeStrict(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FormatError(text.trim() === '' ? 'truncated' : 'corrupt', `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FormatError('corrupt', 'not a JSON object');
  const o = doc as Record<string, unknown>;
  const parts = dir.split('/');
  const fromDir = parts.length >= 2 && parts[parts.length - 2]!.startsWith('@') ? parts.slice(-2).join('/') : parts[parts.length - 1]!;
  const name = typeof o.name === 'string' && o.name !== '' ? o.name : fromDir;
  const version = typeof o.version === 'string' ? o.version : '';
  return {
    ecosystem: 'npm',
    name,
    version,
    key: `npm:${dir}`,
    source: `${dir}/package.json`,
    files: [],
    trees: [{ dir, excludeNamed: 'node_modules' }],
  };
}
