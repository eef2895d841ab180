// The built SPA: files from the static directory, index.html for client-side routes, long-lived
// caching for Vite's hashed assets, and security headers (CSP without inline scripts).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // 'wasm-unsafe-eval' lets the layer workers compile the SHA-256 WebAssembly (faster than the JS one; e2e/bench/README.md has the numbers); it allows no JS eval.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function plain(res: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

async function fileStats(path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

export function createStaticHandler(staticDir: string): StaticHandler {
  const root = resolve(staticDir);
  const indexPath = join(root, 'index.html');

  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      plain(res, 400, 'Bad request\n');
      return;
    }
    const segments = decoded.split('/').filter((s) => s !== '');
    // No traversal, no dotfiles, no NUL or backslash tricks.
    if (segments.some((s) => s.startsWith('.') || s.includes('\0') || s.includes('\\'))) {
      plain(res, 404, 'Not found\n');
      return;
    }
    const filePath = join(root, ...segments);
    if (filePath !== root && !filePath.startsWith(root + sep)) {
      plain(res, 404, 'Not found\n');
      return;
    }

    let servedPath = filePath;
    let stats = segments.length > 0 ? await fileStats(filePath) : undefined;
    if (!stats) {
      // A client-side route gets the app: any path without a dot in its last segment, and any
      // navigation (Accept: text/html), since routes may carry image references such as
      // `/image/ghcr.io/org/app:v1.2`. A missing file (`/missing.js`, anything under /assets/) is a 404.
      const last = segments[segments.length - 1] ?? '';
      const navigation = (req.headers.accept ?? '').includes('text/html');
      if (segments[0] === 'assets' || (last.includes('.') && !navigation)) {
        plain(res, 404, 'Not found\n');
        return;
      }
      servedPath = indexPath;
      stats = await fileStats(indexPath);
      if (!stats) {
        plain(res, 503, 'The Lading web app is not built yet. Run `npm run build` (or `npm start`, which builds it).\n');
        return;
      }
    }

    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const hashedAsset = segments[0] === 'assets' && servedPath === filePath;
    const headers: OutgoingHttpHeaders = {
      ...SECURITY_HEADERS,
      'Content-Type': contentTypeFor(servedPath),
      'Cache-Control': hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
      'Last-Modified': stats.mtime.toUTCString(),
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': stats.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await pipeline(createReadStream(servedPath), res);
    } catch {
      if (!res.destroyed) res.destroy();
    }
  };
}
