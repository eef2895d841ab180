// The HTTP server: `/healthz`; `/registry/<host>/v2/...`, `/hub/v2/...` and `/foreign?url=` forwarded
// upstream (rate-limited per client, every dialled address checked); everything else from the built SPA.

import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createAddressPolicy } from './addressPolicy';
import { RegistryAuth } from './auth';
import type { LadingConfig } from './config';
import { ProxyError, sendProxyError } from './errors';
import { FOREIGN_PATH, handleForeignRequest } from './foreignRoute';
import { handleHubRequest, HUB_PREFIX } from './hubRoute';
import { clientAddress, ClientLimiter, limitKey } from './limits';
import { MemoryBudget } from './memoryBudget';
import type { ProxyContext } from './context';
import { handleRegistryRequest } from './registryRoute';
import { createStaticHandler } from './static';
import { createAgents, destroyAgents } from './upstream';

/** A server for `config`, not yet listening. Closing it also closes its upstream connections. */
export function createLadingServer(config: LadingConfig): Server & { limiter: ClientLimiter; budget: MemoryBudget } {
  const agents = createAgents(config.limits.concurrentTotal);
  const policy = createAddressPolicy([...config.insecureRegistries, ...config.allowHosts], config.lookup);
  const foreignPolicy = createAddressPolicy(config.foreignAllowHosts, config.lookup);
  const budget = new MemoryBudget(config.maxBufferedBytes);
  const ctx: ProxyContext = { config, agents, policy, foreignPolicy, budget, auth: new RegistryAuth(config, agents, policy, budget) };
  const serveStatic = createStaticHandler(config.staticDir);
  const limiter = new ClientLimiter(config.limits, config.now);

  /** Runs `forward` holding one of the client's upstream slots, or answers 429. */
  const limited = async (req: IncomingMessage, res: ServerResponse, forward: () => Promise<void>): Promise<void> => {
    const admission = limiter.admit(limitKey(clientAddress(req, config.trustedProxies)));
    if (!admission.ok) {
      sendProxyError(res, admission.error, { 'Retry-After': String(admission.retryAfterSeconds) });
      return;
    }
    res.once('close', admission.release); // a streamed blob holds its slot until the browser has it all
    try {
      await forward();
    } finally {
      if (res.writableFinished || res.destroyed) admission.release();
    }
  };

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
      await limited(req, res, () => handleRegistryRequest(req, res, pathname, search, ctx));
      return;
    }
    if (pathname === HUB_PREFIX || pathname.startsWith(`${HUB_PREFIX}/`)) {
      await limited(req, res, () => handleHubRequest(req, res, pathname, search, ctx));
      return;
    }
    if (pathname === FOREIGN_PATH) {
      await limited(req, res, () => handleForeignRequest(req, res, search, ctx));
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
  return Object.assign(server, { limiter, budget });
}
