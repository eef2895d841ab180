/** Test plumbing for the package parsers: running the package managers' own tools. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sqlJsLoader, type SqliteEngine } from '../../src/core/packages/sqlite';

/** stdout of a command as text (throws on a non-zero exit). */
export function sh(cmd: string, args: string[], opts: { cwd?: string; input?: string | Uint8Array } = {}): string {
  return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

const require = createRequire(import.meta.url);

/** sql.js with its WebAssembly binary read from node_modules, as the CLI loads it. */
export const loadSqlite: () => Promise<SqliteEngine> = sqlJsLoader({
  wasmBinary: readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')),
});
