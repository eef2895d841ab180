// Reads the environment, listens, and prints exactly one line to stdout once listening:
// `Lading listening on http://HOST:PORT`. Everything else goes to stderr.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ConfigError, configFromEnv } from './config';
import { createLadingServer } from './server';

export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const config = configFromEnv(env);
  const server = createLadingServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`Lading listening on http://${host}:${port}\n`);

  const shutdown = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return server;
}

/** Runs main, turning startup failures into one clear line on stderr and exit code 1. */
export async function runMainOrExit(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await runMain(env);
  } catch (err) {
    const message =
      err instanceof ConfigError
        ? err.message
        : (err as { code?: unknown }).code === 'EADDRINUSE'
          ? `port already in use (${err instanceof Error ? err.message : String(err)}); set PORT to another port`
          : err instanceof Error
            ? err.message
            : String(err);
    process.stderr.write(`lading: cannot start: ${message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMainOrExit();
}
