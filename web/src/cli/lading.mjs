#!/usr/bin/env node
// `npx lading …` / `npm run cli -- …`: runs the TypeScript CLI (main.ts) under tsx, so there is
// no build step. The exit code is main's (see args.ts USAGE).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');

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
