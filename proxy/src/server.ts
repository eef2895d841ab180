// The HTTP server: `/healthz`, `/registry/<host>/v2/...` forwarded to registries, everything else
// from the built SPA.

import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { RegistryAuth } from './auth';
import type { LadingConfig } from './config';
import { ProxyError, sendProxyError } from './errors';
import { handleRegistryRequest, type RegistryContext } from './registryRoute';
import { createStaticHandler } from './static';
import { createAgents, destroyAgents } from './upstream';

/** A server for `config`, not yet listening. Closing it also closes its upstream connections. */
export function createLadingServer(config: LadingConfig): Server {
  const agents = createAgents();
  const ctx: RegistryContext = { config, agents, auth: new RegistryAuth(config, agents) };
  const serveStatic = createStaticHandler(config.staticDir);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const search = q < 0 ? '' : raw.slice(q);
    if (!pathname.startsWith('/')) {
      sendProxyError(res, new ProxyError('PROXY_BAD_REQUEST', 400, 'Request target must be a path'));
      return;
    }
    if (pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
      return;
    }
    if (pathname === '/registry' || pathname.startsWith('/registry/')) {
      await handleRegistryRequest(req, res, pathname, search, ctx);
      return;
    }
    await serveStatic(req, res, pathname);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      config.log(`lading: internal error on ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendProxyError(res, new ProxyError('PROXY_INTERNAL_ERROR', 500, 'Internal proxy error'));
    });
  });
  server.on('close', () => destroyAgents(agents));
  return server;
}
