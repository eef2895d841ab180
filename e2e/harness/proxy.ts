// Starts the Lading proxy (proxy/src/start.ts) the way `npm start` does and waits for its one
// stdout line, `Lading listening on http://HOST:PORT`.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './net';
import { logsDir, repoRoot } from './paths';
import { spawnManaged } from './process';
import type { ManagedProcess } from './process';

export interface StartProxyOptions {
  /** `host:port` entries reached over plain http (LADING_INSECURE_REGISTRIES). */
  insecureRegistries: readonly string[];
  /** A docker config.json with the registries' credentials (LADING_DOCKER_CONFIG). */
  dockerConfigPath?: string;
  /** The first start builds the SPA. */
  timeoutMs?: number;
  /** Log file name under e2e/.artifacts/logs. */
  logName?: string;
}

export interface Proxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

const LISTENING = /^Lading listening on (http:\/\/\S+?)\/?$/;

/** Writes `{ auths: { host: { auth: base64(user:pass) } } }`. */
export function writeDockerConfig(path: string, auths: readonly { host: string; user: string; password: string }[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    auths: Object.fromEntries(auths.map((a) => [a.host, { auth: Buffer.from(`${a.user}:${a.password}`).toString('base64') }])),
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

export async function startProxy(options: StartProxyOptions): Promise<Proxy> {
  const localTsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  const [command, args] = existsSync(localTsx) ? [localTsx, ['proxy/src/start.ts']] : ['npx', ['--no-install', 'tsx', 'proxy/src/start.ts']];
  const timeoutMs = options.timeoutMs ?? 120_000;
  const logFile = join(logsDir, `${options.logName ?? `proxy-${process.pid}`}.log`);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LADING_INSECURE_REGISTRIES: options.insecureRegistries.join(','),
    };
    if (options.dockerConfigPath) env.LADING_DOCKER_CONFIG = options.dockerConfigPath;
    else delete env.LADING_DOCKER_CONFIG;

    let resolveUrl: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
    const proc: ManagedProcess = spawnManaged('proxy', command, args, logFile, {
      cwd: repoRoot,
      env,
      onStdoutLine: (line) => {
        const match = LISTENING.exec(line);
        if (match?.[1]) resolveUrl(match[1]);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      listening.then((url) => ({ kind: 'listening' as const, url })),
      proc.exited.then((code) => ({ kind: 'exited' as const, code })),
      new Promise<{ kind: 'timeout' }>((resolve) => (timer = setTimeout(resolve, timeoutMs, { kind: 'timeout' }))),
    ]);
    clearTimeout(timer);
    if (outcome.kind === 'listening') {
      return { url: outcome.url, logFile, stop: () => proc.stop() };
    }
    await proc.stop();
    if (outcome.kind === 'exited' && attempt < 3 && (await logMentionsPortInUse(logFile))) continue;
    throw new Error(
      outcome.kind === 'timeout'
        ? `the proxy printed no "Lading listening on" line within ${timeoutMs} ms (log: ${logFile})`
        : `the proxy exited (${String(outcome.code)}) before listening (log: ${logFile})`,
    );
  }
}

async function logMentionsPortInUse(logFile: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return /EADDRINUSE|already in use/.test(text.split('\n').slice(-20).join('\n'));
}
