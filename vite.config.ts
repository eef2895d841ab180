import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      // The gzip WebAssembly's bytes (core/layers/wasmGzip.ts): the package exports only its loader,
      // which fetches a data: URL that the app's CSP forbids, so the module holding them is named here.
      'virtual:foras-wasm': `${here}node_modules/@hazae41/foras/dist/esm/wasm/pkg/foras.wasm.mjs`,
    },
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  server: {
    // `npm run dev`: the SPA from Vite, registry calls to a running proxy.
    proxy: { '/registry': process.env.LADING_PROXY_URL ?? 'http://127.0.0.1:8080' },
  },
  test: {
    root: here,
    include: ['web/src/**/*.test.ts', 'proxy/test/**/*.test.ts'],
    environment: 'node',
  },
});
