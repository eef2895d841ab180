import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ManagedProcess } from './process';

/** A port that was free on 127.0.0.1 a moment ago (callers retry if someone takes it first). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `url` until it answers with one of `statuses`. Fails early when `process` exits, and after
 * `timeoutMs` with the last status or error seen.
 */
export async function waitForHttp(url: string, statuses: readonly number[], options: { timeoutMs: number; process?: ManagedProcess }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (options.process?.hasExited()) {
      throw new Error(`${options.process.name} exited before ${url} answered (log: ${options.process.logFile})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (statuses.includes(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer ${statuses.join(' or ')} within ${options.timeoutMs} ms (last: ${last})`);
}

/** Every manifest media type the fixtures use, for Accept: distribution answers 404 to an OCI manifest otherwise. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
