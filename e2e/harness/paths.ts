import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Git-ignored: everything the e2e harness generates goes here. */
export const artifactsDir = join(repoRoot, 'e2e', '.artifacts');
export const logsDir = join(artifactsDir, 'logs');
/** Git-ignored: screenshots specs take on purpose, for people to look at. */
export const screenshotsDir = join(repoRoot, 'e2e', 'screenshots');
