// Child processes the harness owns: each runs in its own process group (so stopping it also stops
// whatever it spawned), logs to a file, and is killed when the runner exits if nobody stopped it.

import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) when the process group leader exits. */
  readonly exited: Promise<number | string>;
  /** Whether it has exited. */
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called for each complete stdout line (also written to the log). */
  onStdoutLine?: (line: string) => void;
}

const live = new Set<ManagedProcess>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
});

export function spawnManaged(name: string, command: string, args: string[], logFile: string, options: SpawnOptions = {}): ManagedProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`# ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // own process group, also keeps the terminal's Ctrl-C away from it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not spawn ${command}`);

  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (!options.onStdoutLine) return;
    buffered += chunk.toString('utf8');
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      options.onStdoutLine(buffered.slice(0, newline).replace(/\r$/, ''));
      buffered = buffered.slice(newline + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => log.write(chunk));

  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log.write(`# spawn error: ${err.message}\n`);
      done = true;
      resolve(`error: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
  }).then((result) => {
    live.delete(managed);
    log.end(`# exited: ${String(result)}\n`);
    return result;
  });

  const managed: ManagedProcess = {
    name,
    pid,
    logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 5000) {
      if (!done) {
        killGroup(pid, 'SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
        if ((await Promise.race([exited, timer])) === 'timeout') killGroup(pid, 'SIGKILL');
        await exited;
      }
      // Whatever the leader left behind in its group (a leader can exit before its children).
      killGroup(pid, 'SIGKILL');
    },
  };
  live.add(managed);
  return managed;
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
  });
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${String(code)}):\n${stderr}${stdout}`);
  }
  return stdout;
}
