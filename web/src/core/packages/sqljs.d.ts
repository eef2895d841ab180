// The part of sql.js 1.x (sql-js/sql.js, MIT) that Lading uses. Declared here rather than taken
// from @types/sql.js, whose types pull in Node's and Emscripten's for the pure core.
declare module 'sql.js' {
  export interface SqlJsStatement {
    step(): boolean;
    get(): unknown[];
    free(): boolean;
  }
  export interface SqlJsDatabase {
    prepare(sql: string): SqlJsStatement;
    close(): void;
  }
  export interface SqlJsStatic {
    Database: new (data?: Uint8Array) => SqlJsDatabase;
  }
  export interface SqlJsConfig {
    /** The WebAssembly binary (sql-wasm.wasm); when given, nothing is fetched. */
    wasmBinary?: ArrayBuffer | Uint8Array;
    /** Where to fetch `sql-wasm.wasm` from (a same-origin URL under the app's CSP). */
    locateFile?: (file: string) => string;
  }
  const initSqlJs: (config?: SqlJsConfig) => Promise<SqlJsStatic>;
  export default initSqlJs;
}
