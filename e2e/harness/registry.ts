// A throwaway CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, with its own
// config and storage. Never the packaged service or /etc/docker/registry/config.yml.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForHttp } from './net';
import { artifactsDir, logsDir } from './paths';
import { run, spawnManaged } from './process';

export const REGISTRY_BIN = process.env.LADING_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface StartRegistryOptions {
  /** Names the temp dir and log file (`plain`, `basic`…). */
  name: string;
  /** `htpasswd`: basic auth with a generated user and password (bcrypt). */
  auth?: 'htpasswd';
}

export interface Registry {
  name: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The filesystem driver's rootdirectory. */
  storageDir: string;
  user?: string;
  password?: string;
  logFile: string;
  /** Stops the registry and removes its temp dir (kept when LADING_E2E_KEEP=1). */
  stop(): Promise<void>;
}

function configYaml(opts: { port: number; storageDir: string; htpasswdPath?: string }): string {
  const auth = opts.htpasswdPath
    ? `auth:
  htpasswd:
    realm: lading-e2e
    path: ${opts.htpasswdPath}
`
    : '';
  return `version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: ${opts.storageDir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${opts.port}
  secret: ${randomBytes(16).toString('hex')}
  headers:
    X-Content-Type-Options: [nosniff]
${auth}`;
}

export async function startRegistry(options: StartRegistryOptions): Promise<Registry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} not found (apt-get install docker-registry)`);
  const tmpRoot = join(artifactsDir, 'tmp');
  mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(join(tmpRoot, `registry-${options.name}-`));
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const logFile = join(logsDir, `${dir.split('/').pop() ?? options.name}.log`);

  let user: string | undefined;
  let password: string | undefined;
  let htpasswdPath: string | undefined;
  if (options.auth === 'htpasswd') {
    user = `lading-${randomBytes(3).toString('hex')}`;
    password = randomBytes(18).toString('base64url');
    htpasswdPath = join(dir, 'htpasswd');
    writeFileSync(htpasswdPath, await run('htpasswd', ['-Bbn', user, password]));
  }

  // The port was free a moment ago; if the registry loses the race for it, try another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'config.yml');
    writeFileSync(configPath, configYaml({ port, storageDir, htpasswdPath }));
    const proc = spawnManaged(`registry ${options.name}`, REGISTRY_BIN, ['serve', configPath], logFile, { cwd: dir });
    const host = `127.0.0.1:${port}`;
    try {
      await waitForHttp(`http://${host}/v2/`, htpasswdPath ? [401] : [200], { timeoutMs: 15_000, process: proc });
    } catch (err) {
      await proc.stop();
      const inUse = readFileSync(logFile, 'utf8').includes('address already in use');
      if (inUse && attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      name: options.name,
      host,
      url: `http://${host}`,
      storageDir,
      user,
      password,
      logFile,
      async stop() {
        await proc.stop();
        if (process.env.LADING_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
