// What the CLI tests share: whether a command-line tool is on this machine (the tests that need
// skopeo, tar or dpkg skip without them, unless CI is set) and where the CLI's entry point is.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** `lading`, as npm's bin runs it. */
export const cliPath = join(repoRoot, 'web/src/cli/lading.mjs');

/** True when `command` is on the PATH. */
export function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
