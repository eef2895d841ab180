// The proxy as a library: what the CLI (`web/src/cli`) uses to reach registries exactly as the web
// app does, without reaching into the proxy's files (ESLint's `proxy-api` element is this file).

import type { AddressInfo } from 'node:net';
import { configFromEnv } from './config';
import { createLadingServer } from './server';

export { ConfigError, configFromEnv, type LadingConfig } from './config';

export interface RunningProxy {
  /** `http://127.0.0.1:PORT`: the origin, for `/foreign` and `/hub`. */
  origin: string;
  /** `http://127.0.0.1:PORT/registry`: the registry route, a `RegistryClient`'s base URL. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * A Lading proxy on a free loopback port, configured from `env` like `npm start` (PORT and HOST are
 * ignored: the caller is in this process, so loopback and any free port are the only sensible
 * choice). Throws ConfigError when a variable is unusable.
 */
export async function startProxy(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Promise<RunningProxy> {
  const { PORT: _port, HOST: _host, ...rest } = env;
  const config = { ...configFromEnv(rest), host: '127.0.0.1', port: 0, log };
  const server = createLadingServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/registry`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
