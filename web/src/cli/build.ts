/**
 * `npm run build:cli`: the CLI as a prebuilt bundle in dist/cli, so that `lading` starts without
 * tsx. Under tsx every run compiled and loaded ~200 modules (`lading --help` ~0.7 s), and every zstd
 * thread did it again (~0.4 s CPU each); the bundle loads in ~0.1 s over Node's own start-up.
 * lading.mjs runs it when bundleStamp.mjs says it is fresh, else the sources under tsx as before.
 *
 * Decisions:
 * - esbuild (the one tsx runs on, and Vite ships): one pass, ESM for Node 20, Node's built-ins
 *   external. Two entries: `main.mjs` (main.ts) and `zstdThreadEntry.mjs` (zstdThreadWorker.ts),
 *   with the modules they share split into chunks, so a thread loads only the decoder (~100 kB),
 *   not the CLI.
 * - The output is flat, two folders below the package root, like the sources it replaces: a
 *   `new URL(…, import.meta.url)` keeps pointing where it did. zstdThread.ts starts
 *   `./zstdThreadEntry.mjs` beside its own module, which here is the bundled thread entry and
 *   under tsx the tsx one; proxy/src/config.ts's `../../dist/web` is the same folder from both.
 * - Dependencies are bundled (yaml alone is 72 modules: bundling them saves ~60 ms a run), with a
 *   `require` for the CommonJS ones that ask for Node built-ins. hash-wasm and zstddec carry their
 *   WebAssembly inlined. sql.js stays external: it is loaded only for an rpmdb.sqlite, and its
 *   JavaScript and the `sql-wasm.wasm` packages.ts reads must come from the same installed version.
 * - Built beside dist/cli and swapped in when complete (as proxy/src/start.ts does for dist/web):
 *   a CLI starting meanwhile never loads half a bundle. When the new build is the old one byte
 *   for byte, only stamp.json is replaced.
 * - stamp.json records the build's start time and the digest of every project input esbuild read
 *   and of package-lock.json; that is what bundleStamp.mjs compares (see there).
 */
import { build, type Metafile } from 'esbuild';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_DIR, MAIN_ENTRY, OPTIONAL_INPUTS, STAMP_FILE, STAMP_VERSION, THREAD_ENTRY, contentDigest, type BundleStamp } from './bundleStamp.mjs';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const BUILD_SCRIPT = 'web/src/cli/build.ts';

// CommonJS dependencies (yaml) `require` Node built-ins; an ES module has no `require` of its own.
const REQUIRE_BANNER = "import { createRequire as __ladingCreateRequire } from 'node:module'; const require = __ladingCreateRequire(import.meta.url);";

export interface BuiltBundle {
  dir: string;
  stamp: BundleStamp;
}

/** Builds the CLI bundle of the package at `root` into `root/dist/cli`. */
export async function buildCliBundle(root: string = repoRoot): Promise<BuiltBundle> {
  const buildStartedMs = Date.now();
  const dir = join(root, BUNDLE_DIR);
  const staging = `${dir}.build-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: {
        [MAIN_ENTRY.replace(/\.mjs$/, '')]: 'web/src/cli/main.ts',
        [THREAD_ENTRY.replace(/\.mjs$/, '')]: 'web/src/cli/zstdThreadWorker.ts',
      },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['sql.js'],
      banner: { js: REQUIRE_BANNER },
      sourcemap: true,
      metafile: true,
      logLevel: 'warning',
    });
    const stamp: BundleStamp = {
      version: STAMP_VERSION,
      buildStartedMs,
      inputs: inputDigests(root, buildStartedMs, projectInputs(result.metafile)),
      packages: bundledPackages(root, result.metafile),
      outputs: Object.keys(result.metafile.outputs)
        .map((p) => p.slice(p.lastIndexOf('/') + 1))
        .sort(),
    };
    writeFileSync(join(staging, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    if (sameOutputs(staging, dir, stamp.outputs)) {
      // The same bundle again (esbuild's output is deterministic): only the stamp is new, so a CLI
      // running from dist/cli meanwhile (tests beside `npm pack`'s prepack) keeps its files.
      renameSync(join(staging, STAMP_FILE), join(dir, STAMP_FILE));
      rmSync(staging, { recursive: true, force: true });
      return { dir, stamp };
    }
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(staging, dir);
    rmSync(old, { recursive: true, force: true });
    return { dir, stamp };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Whether `dir` holds exactly `outputs` (and its stamp), byte for byte as in `staging`. */
function sameOutputs(staging: string, dir: string, outputs: string[]): boolean {
  try {
    const present = readdirSync(dir).filter((f) => f !== STAMP_FILE);
    if (present.length !== outputs.length || !outputs.every((f) => present.includes(f))) return false;
    return outputs.every((f) => readFileSync(join(staging, f)).equals(readFileSync(join(dir, f))));
  } catch {
    return false;
  }
}

/** The inputs that are the package's own files (paths relative to the root), not dependencies; the build script; package-lock.json for the dependencies. */
function projectInputs(metafile: Metafile): string[] {
  const own = Object.keys(metafile.inputs).filter((p) => !p.split('/').includes('node_modules') && !p.startsWith('..') && !p.includes(':'));
  // This file too: other options make another bundle from the same sources.
  return [...own.sort(), BUILD_SCRIPT, ...OPTIONAL_INPUTS];
}

/**
 * Each input's digest as read now, after the build. A file modified after the build started may
 * hold other bytes than esbuild read: it gets no digest (`""`), so the bundle is stale until the
 * next build.
 */
function inputDigests(root: string, buildStartedMs: number, inputs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of inputs) {
    const path = join(root, input);
    if (!existsSync(path) && OPTIONAL_INPUTS.includes(input)) continue;
    out[input] = statSync(path).mtimeMs > buildStartedMs ? '' : contentDigest(readFileSync(path));
  }
  return out;
}

/** Name → version of every dependency bundled (for the record; package-lock.json's time is what is compared). */
function bundledPackages(root: string, metafile: Metafile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const name = parts[at + 1]!.startsWith('@') ? parts.slice(at + 1, at + 3).join('/') : parts[at + 1]!;
    if (name in out) continue;
    const pkg = join(root, ...parts.slice(0, at + 1), name, 'package.json');
    try {
      out[name] = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
    } catch {
      out[name] = 'unknown';
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { dir, stamp } = await buildCliBundle();
  process.stderr.write(
    `lading: CLI bundle built into ${dir} (${stamp.outputs.filter((o) => o.endsWith('.mjs')).length} modules from ${Object.keys(stamp.inputs).length} files)\n`,
  );
}
