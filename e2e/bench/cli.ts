// Part d: the CLI, `lading analyze REGISTRY/REPO:TAG` as a user runs it (node web/src/cli/lading.mjs,
// its in-process proxy, LADING_INSECURE_REGISTRIES for the bench registry), from process start to
// exit, stdout to a pipe. A run counts only when it exits 0 and says every layer matched its digest
// and diff_id (the CLI's exit code 2 is an integrity failure). /usr/bin/time gives its CPU seconds.
//
// As after `npm install && npm run build`: prepareCli builds the CLI bundle (dist/cli) when it is
// missing or stale, and every run must say (LADING_CLI_TRACE) that it ran the bundle, so an edit
// made during the bench cannot turn the numbers into tsx's unnoticed. LADING_CLI_BUNDLE=off in the
// bench's environment measures the sources under tsx instead (the CLI before its bundle).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths';
import type { BenchTag } from './image';

/** How the CLI runs in this bench: its prebuilt bundle, or (LADING_CLI_BUNDLE=off) the sources under tsx. */
export type CliBuild = 'bundle' | 'tsx';

const wantBuild = (): CliBuild => (process.env.LADING_CLI_BUNDLE === 'off' ? 'tsx' : 'bundle');
const LAUNCHER = join(repoRoot, 'web/src/cli/lading.mjs');

/** The launcher's own word on what it would run now (`lading --help` with LADING_CLI_TRACE). */
function tracedHelp(): string {
  const run = spawnSync(process.execPath, [LAUNCHER, '--help'], { cwd: repoRoot, env: { ...process.env, LADING_CLI_TRACE: '1' }, encoding: 'utf8' });
  return /^lading: running .*$/m.exec(run.stderr)?.[0] ?? `no LADING_CLI_TRACE line (exit ${run.status}): ${run.stderr.slice(0, 300)}`;
}

/** Runs `npm run build:cli` unless the bundle is fresh (or tsx was asked for); says which build the runs use. */
export function prepareCli(log: (msg: string) => void): CliBuild {
  const build = wantBuild();
  if (build === 'tsx') {
    log('d) the CLI runs its sources under tsx (LADING_CLI_BUNDLE=off)');
    return build;
  }
  const before = tracedHelp();
  if (!before.startsWith('lading: running the bundle ')) {
    log(`d) npm run build:cli: ${before.replace(/^lading: /, '')}`);
    execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: repoRoot, stdio: ['ignore', process.stderr, process.stderr] });
    const after = tracedHelp();
    if (!after.startsWith('lading: running the bundle ')) throw new Error(`the CLI bundle was built but does not run: ${after}`);
  }
  return build;
}

/** The error when the launcher's trace says another build ran than the bench asked for. */
function wrongBuild(stderr: string): string | undefined {
  const want = wantBuild() === 'bundle' ? 'lading: running the bundle ' : 'lading: running the sources under tsx ';
  if (stderr.includes(want)) return undefined;
  const line = /^lading: running .*$/m.exec(stderr)?.[0] ?? 'no LADING_CLI_TRACE line';
  return `expected ${wantBuild()}, but: ${line}`;
}

export interface CliRun {
  ok: boolean;
  error?: string;
  /** Process start to exit. */
  ms: number;
  /** User + system CPU seconds of the CLI process and its threads. */
  cpuSeconds?: number;
}

export interface CliRunOptions {
  registryHost: string;
  tag: BenchTag;
  timeoutMs: number;
  /** Extra environment (the content-hash switch, see README.md). */
  env?: Record<string, string>;
}

const TIME = '/usr/bin/time';

export function runCli(options: CliRunOptions): Promise<CliRun> {
  const reference = `${options.registryHost}/${options.tag.repository}:${options.tag.tag}`;
  const node = [process.execPath, LAUNCHER, 'analyze', reference];
  const timed = existsSync(TIME);
  const [command, ...args] = timed ? [TIME, '-f', 'LADING_BENCH_CPU %U %S', ...node] : node;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command as string, args, {
      cwd: repoRoot,
      env: { ...process.env, LADING_INSECURE_REGISTRIES: options.registryHost, NO_COLOR: '1', LADING_CLI_TRACE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    const stop = (): void => void child.kill('SIGKILL');
    process.once('exit', stop);
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      process.off('exit', stop);
      const cpu = /LADING_BENCH_CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
      const layers = options.tag.layers.length;
      const verified = new RegExp(`Verification: all ${layers} layers match their digests and diff_ids`).test(stdout);
      const error =
        code !== 0
          ? `exit ${code ?? signal}: ${stderr
              .replace(/LADING_BENCH_CPU.*\n?/, '')
              .replace(/^lading: (running|zstd thread runs) .*\n?/gm, '')
              .trim()
              .slice(0, 300)}`
          : !verified
            ? `exit 0 but stdout does not say all ${layers} layers were verified`
            : wrongBuild(stderr);
      resolve({ ok: !error, ...(error ? { error } : {}), ms, ...(cpuSeconds !== undefined ? { cpuSeconds } : {}) });
    });
  });
}

/** The CLI's fixed cost: `lading --help` (Node and the CLI's modules loaded, from the bundle or by tsx; nothing read), best of `runs`. */
export async function cliStartupMs(runs: number, timeoutMs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [LAUNCHER, '--help'], { cwd: repoRoot, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`lading --help exited ${code}`));
      });
    });
    best = Math.min(best, performance.now() - started);
  }
  return best;
}
