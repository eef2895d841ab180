// The zstd decoder thread's entry (see zstdThread.ts): registers tsx in this thread, as
// lading.mjs does in the main one (a worker thread does not inherit the main thread's loader),
// then runs the TypeScript. When the CLI runs from its bundle, the zstdThreadEntry.mjs beside
// zstdThread.ts's code is the bundle's own (dist/cli, build.ts), and this file is not loaded.
import { register } from 'tsx/esm/api';

register();
await import('./zstdThreadWorker.ts');
