// Whether the prebuilt CLI (dist/cli, made by build.ts) may run instead of the TypeScript under tsx.
// Plain JavaScript: the launcher (lading.mjs) asks before anything is compiled.
//
// Decision: the bundle is fresh when every file it was built from has the content it had then.
// dist/cli/stamp.json lists those files (every project input esbuild reported, build.ts, and
// package-lock.json for the dependencies bundled) with their SHA-1, and the time the build started.
// A file not modified since that time is taken as unchanged (one stat: ~120 files in ~3 ms);
// only a file modified later is read and hashed, and the bundle is stale when its hash differs,
// or when an input is gone. So `touch` alone, or a `git checkout` that writes the same bytes,
// keeps the bundle, and an edit does not. A new file matters only once an input imports it, and
// that input is then edited.
//
// An installed package (`npm install lading-0.1.0.tgz`) has every file written at install time,
// after the build: all ~120 inputs are hashed (about 15 ms), each run. A file given back an old
// time with different contents (`cp -p`, `tar x` of another version) is not noticed: rebuild.
import { hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STAMP_VERSION = 2;
/** Where the bundle lives, relative to the package root. */
export const BUNDLE_DIR = join('dist', 'cli');
export const STAMP_FILE = 'stamp.json';
/** The bundle's entry points (file names in BUNDLE_DIR). zstdThread.ts starts `./zstdThreadEntry.mjs` beside its own module. */
export const MAIN_ENTRY = 'main.mjs';
export const THREAD_ENTRY = 'zstdThreadEntry.mjs';
/** Inputs that may be absent when the bundle runs: a packed package has no package-lock.json. */
export const OPTIONAL_INPUTS = ['package-lock.json'];

/** The digest stamp.json records for a file's bytes. */
export function contentDigest(bytes) {
  return hash('sha1', bytes);
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * `{ fresh: true, dir, main, stamp }` when the bundle under `root` can run, else
 * `{ fresh: false, reason }` saying why not (for LADING_CLI_TRACE).
 */
export function bundleState(root) {
  const dir = join(root, BUNDLE_DIR);
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8'));
  } catch {
    return { fresh: false, reason: `no ${BUNDLE_DIR}/${STAMP_FILE} (npm run build:cli makes it)` };
  }
  if (stamp?.version !== STAMP_VERSION || typeof stamp.buildStartedMs !== 'number' || typeof stamp.inputs !== 'object' || stamp.inputs === null) {
    return { fresh: false, reason: `${BUNDLE_DIR}/${STAMP_FILE} is from another version of the build` };
  }
  for (const entry of [MAIN_ENTRY, THREAD_ENTRY]) {
    if (mtimeMs(join(dir, entry)) === undefined) return { fresh: false, reason: `${BUNDLE_DIR}/${entry} is missing` };
  }
  for (const [input, digest] of Object.entries(stamp.inputs)) {
    const path = join(root, input);
    const t = mtimeMs(path);
    if (t === undefined) {
      if (OPTIONAL_INPUTS.includes(input)) continue;
      return { fresh: false, reason: `${input}, an input of the bundle, is gone` };
    }
    if (t <= stamp.buildStartedMs) continue;
    let bytes;
    try {
      bytes = readFileSync(path);
    } catch {
      return { fresh: false, reason: `${input}, an input of the bundle, cannot be read` };
    }
    if (contentDigest(bytes) !== digest) return { fresh: false, reason: `${input} changed since the bundle was built` };
  }
  return { fresh: true, dir, main: join(dir, MAIN_ENTRY), stamp };
}
