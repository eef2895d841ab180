// The zstd decoder thread's entry (see zstdThread.ts): registers tsx in this thread, as
// lading.mjs does in the main one (a worker thread does not inherit the main thread's loader),
// then runs the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./zstdThreadWorker.ts');
