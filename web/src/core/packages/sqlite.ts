/**
 * Reading a SQLite file from bytes, for rpm's sqlite backend. The engine is sql.js 1.x
 * (SQLite compiled to WebAssembly with Emscripten), chosen by measurement over the official
 * @sqlite.org/sqlite-wasm (README.md, "SQLite"): a third smaller, faster to start, a
 * database opened straight from a Uint8Array, and the same build in Node and the browser.
 *
 * The WebAssembly binary is the caller's to provide, so the core fetches nothing and names no
 * file system: a worker passes a same-origin URL (`import url from 'sql.js/dist/sql-wasm-browser.wasm?url'`,
 * fetched under the app's CSP: 'wasm-unsafe-eval', no data: URL), the CLI and tests pass the
 * bytes of `node_modules/sql.js/dist/sql-wasm.wasm`.
 */
import type { SqlJsConfig, SqlJsStatic } from 'sql.js';

export interface SqliteEngine {
  /** Every row of `sql` over the database in `bytes` (the bytes are copied, never changed). Throws on a bad database. */
  rows(bytes: Uint8Array, sql: string): unknown[][];
}

export interface SqliteSetup {
  /** The WebAssembly binary (`sql-wasm.wasm`); when given, nothing is fetched. */
  readonly wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch the binary from otherwise (a same-origin URL). */
  readonly locateFile?: (file: string) => string;
}

/** A loader that instantiates sql.js once (memoized) with `setup`. */
export function sqlJsLoader(setup: SqliteSetup): () => Promise<SqliteEngine> {
  let engine: Promise<SqliteEngine> | undefined;
  return () => {
    engine ??= (async () => {
      const mod = (await import('sql.js')) as unknown as { default?: (c: SqlJsConfig) => Promise<SqlJsStatic> } & ((c: SqlJsConfig) => Promise<SqlJsStatic>);
      // ESM bundlers give the CommonJS export as `default`; Node's ESM loader does too.
      const init = typeof mod.default === 'function' ? mod.default : mod;
      const SQL = await init({ ...setup });
      return sqlJsEngine(SQL);
    })();
    engine.catch(() => (engine = undefined));
    return engine;
  };
}

function sqlJsEngine(SQL: SqlJsStatic): SqliteEngine {
  return {
    rows(bytes, sql) {
      const db = new SQL.Database(bytes);
      try {
        const st = db.prepare(sql);
        try {
          const out: unknown[][] = [];
          while (st.step()) out.push(st.get());
          return out;
        } finally {
          st.free();
        }
      } finally {
        db.close();
      }
    },
  };
}
