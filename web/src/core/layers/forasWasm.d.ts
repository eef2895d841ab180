/** The module that holds `@hazae41/foras`'s WebAssembly as a data: URL (aliased in vite.config.ts). */
declare module 'virtual:foras-wasm' {
  export const data: string;
}
