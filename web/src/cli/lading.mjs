#!/usr/bin/env node
// `npx lading …` / `npm run cli -- …`: runs the prebuilt CLI (dist/cli, `npm run build:cli`,
// build.ts) when it is fresh (bundleStamp.mjs), else the TypeScript (main.ts) under tsx, so a
// checkout without a build, or with sources edited since, still runs what its sources say. The
// exit code is main's (see args.ts USAGE).
//
// LADING_CLI_BUNDLE=off always takes tsx; LADING_CLI_TRACE=1 says on stderr which one ran and why.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleState } from './bundleStamp.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const trace = process.env.LADING_CLI_TRACE ? (line) => process.stderr.write(`lading: ${line}\n`) : () => {};

const off = process.env.LADING_CLI_BUNDLE === 'off';
const state = off ? { fresh: false, reason: 'LADING_CLI_BUNDLE=off' } : bundleState(root);
let main;
if (state.fresh) {
  trace(`running the bundle ${state.main} (built ${new Date(state.stamp.buildStartedMs).toISOString()})`);
  ({ main } = await import(pathToFileURL(state.main).href));
} else {
  trace(`running the sources under tsx (${state.reason})`);
  // Loaded only here: the bundle's start-up must not pay for tsx.
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}

const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
