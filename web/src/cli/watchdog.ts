/**
 * The CLI's watchdog for decoders that run off the main thread (libzstd on a worker thread, zlib on
 * libuv's thread pool), after the browser pool's (web/src/worker/bridge.ts): a decoder that holds
 * input and shows no sign of progress for `stuckMs` is stuck on malformed data. Its layer fails
 * with a StuckDecoderError that says so, the decoder is stopped, and the other layers go on.
 *
 * Progress is anything the decoder sends back (output, an acknowledged input, the end), so a
 * decoder writing a large output is never mistaken for a stuck one; a decoder with nothing to do
 * is not watched. A main thread that was itself blocked (its timer ran late) does not count
 * against the decoder: the clock restarts.
 */

export interface WatchdogOptions {
  /** How often the decoder is checked. */
  everyMs: number;
  /** How long it may hold input without progress. */
  stuckMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { everyMs: 5_000, stuckMs: 20_000 };

export class StuckDecoderError extends Error {
  override readonly name = 'StuckDecoderError';
}

export function stuckMessage(what: string, options: WatchdogOptions): string {
  return `the ${what} decoder made no progress for ${Math.round(options.stuckMs / 1000)} s, which means it is stuck on malformed data; it was stopped, so this layer is incomplete (the other layers go on)`;
}

export class Watchdog {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastProgress = 0;
  private lastTick = 0;
  private fired = false;

  constructor(
    private readonly options: WatchdogOptions,
    private readonly onStuck: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Input was handed over: watch (the clock starts now if the decoder was idle). */
  busy(): void {
    if (this.fired || this.timer) return;
    this.lastProgress = this.lastTick = this.now();
    this.timer = setInterval(() => this.check(), this.options.everyMs);
    this.timer.unref?.();
  }

  /** The decoder showed progress. */
  progress(): void {
    this.lastProgress = this.now();
  }

  /** Nothing outstanding: stop watching until the next `busy`. */
  idle(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const t = this.now();
    // This timer ran late by a good part of stuckMs: the main thread was blocked, not (only) the decoder. Start over.
    if (t - this.lastTick > this.options.everyMs + this.options.stuckMs / 2) this.lastProgress = t;
    this.lastTick = t;
    if (t - this.lastProgress < this.options.stuckMs) return;
    this.fired = true;
    this.idle();
    this.onStuck();
  }
}
