// A safety net: global-setup returns stopAll as its teardown; this runs it again (a no-op when
// everything is already stopped) in case the runner only honours the configured file.

import { stopAll } from './harness/run';

export default async function globalTeardown(): Promise<void> {
  await stopAll();
}
