import { join } from 'node:path';
import { artifactsDir } from '../harness/paths';

/** Git-ignored: the bench image, its caches, results.json, CPU profiles, logs. */
export const benchDir = join(artifactsDir, 'bench');
export const resultsFile = join(benchDir, 'results.json');
export const profilesDir = join(benchDir, 'profiles');

export const MB = 1e6;
export const mbps = (bytes: number, ms: number): number => bytes / MB / (ms / 1000);
