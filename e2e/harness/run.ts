// Everything one e2e run started, stopped in reverse order by stopAll() — from the teardown that
// global-setup returns, from e2e/global-teardown.ts, or from global-setup itself when it fails.

type Stop = () => Promise<void> | void;

const stack: { name: string; stop: Stop }[] = [];

export function onStop(name: string, stop: Stop): void {
  stack.push({ name, stop });
}

/** Stops everything registered so far (latest first); runs every step even when one fails. */
export async function stopAll(): Promise<void> {
  const errors: string[] = [];
  while (stack.length) {
    const entry = stack.pop();
    if (!entry) break;
    try {
      await entry.stop();
    } catch (err) {
      errors.push(`${entry.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (errors.length) throw new Error(`e2e teardown:\n${errors.join('\n')}`);
}
