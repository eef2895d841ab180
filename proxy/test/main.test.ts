// main.ts as a real process: one stdout line once listening, clear failure on bad config.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { request } from './helpers';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

function runMain(env: Record<string, string>, whileListening?: (url: string) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['proxy/src/main.ts'], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /^Lading listening on (http:\/\/\S+)\n/.exec(stdout);
      if (match && !started && whileListening) {
        started = true;
        whileListening(match[1]!)
          .catch(reject)
          .finally(() => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('main', () => {
  it('prints exactly one line with the real port and serves /healthz', async () => {
    let health = 0;
    const run = await runMain({ PORT: '0', HOST: '127.0.0.1' }, async (url) => {
      health = (await request(`${url}/healthz`)).status;
    });
    expect(run.stdout).toMatch(/^Lading listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(health).toBe(200);
  }, 15_000);

  it('exits 1 with a clear message for an unusable PORT', async () => {
    const run = await runMain({ PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('PORT must be an integer');
  }, 15_000);
});
