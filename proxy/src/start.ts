// `npm start`: build the SPA with Vite when dist/web is missing or older than its sources, then run
// the server. The build's own output goes to stderr so stdout carries only main's "listening" line.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMainOrExit } from './main';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const distWeb = join(repo, 'dist', 'web');
const indexHtml = join(distWeb, 'index.html');
const viteConfig = join(repo, 'vite.config.ts');

function mtimeOrUndefined(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Newest modification time of any file under `dir` (0 when it does not exist). */
function newestUnder(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    // Tests are not part of the bundle: editing one must not rebuild (and swap) the app under a running server.
    if (entry.name === 'node_modules' || entry.name.endsWith('.test.ts') || entry.name.endsWith('.test.tsx')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path));
    else if (entry.isFile()) newest = Math.max(newest, mtimeOrUndefined(path) ?? 0);
  }
  return newest;
}

/** Why the SPA must be (re)built, or undefined when dist/web is up to date. */
export function buildReason(): string | undefined {
  const built = mtimeOrUndefined(indexHtml);
  if (built === undefined) return 'dist/web/index.html is missing';
  const sources = Math.max(
    newestUnder(join(repo, 'web', 'src')),
    newestUnder(join(repo, 'public')),
    mtimeOrUndefined(join(repo, 'web', 'index.html')) ?? 0,
    mtimeOrUndefined(viteConfig) ?? 0,
  );
  return sources > built ? 'sources changed since the last build' : undefined;
}

/**
 * Builds in a child process, not in this one: a build leaves hundreds of MB of heap and the
 * bundler's threads behind, and the server then paid for them in garbage collection while
 * relaying layers (0.6 core-s more per bench run than a server that had not built).
 */
async function buildSpa(reason: string): Promise<boolean> {
  process.stderr.write(`lading: building the web app (${reason})...\n`);
  const viteBin = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
  // Built beside dist/web and swapped in when complete: another server serving dist/web (a second
  // `npm start`, the e2e harness's proxies) never sees it empty or half written.
  const staging = `${distWeb}.build-${process.pid}`;
  // logLevel warn: Vite's progress would otherwise go to stdout; errors go to stderr as they are.
  const child = spawn(process.execPath, [viteBin, 'build', '--config', viteConfig, '--logLevel', 'warn', '--outDir', staging, '--emptyOutDir'], {
    cwd: repo,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`lading: ERROR: could not start the Vite build: ${err.message}\n`);
      resolve(null);
    });
    child.on('exit', (status) => resolve(status));
  });
  if (code === 0) {
    const old = `${distWeb}.old-${process.pid}`;
    if (existsSync(distWeb)) renameSync(distWeb, old);
    renameSync(staging, distWeb);
    rmSync(old, { recursive: true, force: true });
    process.stderr.write('lading: web app built into dist/web\n');
    return true;
  }
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`lading: ERROR: building the web app failed (Vite exited with ${code ?? 'an error'}; its message is above)\n`);
  return false;
}

// LADING_STATIC_DIR points elsewhere: serve that as it is, build nothing.
if (!process.env.LADING_STATIC_DIR) {
  const reason = buildReason();
  if (reason && !(await buildSpa(reason))) {
    if (mtimeOrUndefined(indexHtml) === undefined) {
      process.stderr.write('lading: no previous build to serve; fix the error above and run `npm start` again.\n');
      process.exit(1);
    }
    process.stderr.write('lading: WARNING: serving the previous (stale) build from dist/web.\n');
  }
}
await runMainOrExit();
