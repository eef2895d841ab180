/**
 * The bytes of a WebAssembly module that a package inlines as a `data:application/wasm;base64,`
 * URL (zstddec, @hazae41/foras). Both packages' loaders would `fetch` that URL, which the app's CSP
 * (`connect-src 'self'`) refuses in a worker, so the callers decode it here instead.
 */
const PREFIX = 'data:application/wasm;base64,';

export function wasmFromDataUrl(url: string, from: string): Uint8Array<ArrayBuffer> {
  if (!url.startsWith(PREFIX)) throw new Error(`${from} did not hand over its WebAssembly as a data: URL`);
  const text = atob(url.slice(PREFIX.length));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
