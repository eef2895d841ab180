// One upstream request shared by every caller that needs the same answer at the same time (concurrent
// browser requests for one repository want one token), and stopped once the last of them has gone:
// each waiting browser request holds one of its client's slots (`limits.ts`), so an upstream request
// that nobody waits for would escape the caps and stay open for as long as the far end likes.

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SharedFlights<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** Requests in flight, for tests. */
  get size(): number {
    return this.flights.size;
  }

  /**
   * The answer for `key`: joins the flight in progress, or starts one with `start`. Rejects with the
   * signal's reason as soon as `signal` aborts; the flight is aborted when no caller waits any more.
   */
  join(key: string, signal: AbortSignal, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    let flight = this.flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      const created: Flight<T> = { controller, waiters: 0, promise: start(controller.signal) };
      const forget = (): void => {
        if (this.flights.get(key) === created) this.flights.delete(key);
      };
      created.promise.then(forget, forget);
      controller.signal.addEventListener('abort', forget, { once: true });
      this.flights.set(key, created);
      flight = created;
    }
    return this.wait(flight, signal);
  }

  private wait(flight: Flight<T>, signal: AbortSignal): Promise<T> {
    flight.waiters++;
    return new Promise<T>((resolve, reject) => {
      let left = false;
      let settled = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        signal.removeEventListener('abort', onAbort);
        if (--flight.waiters === 0 && !settled) flight.controller.abort();
      };
      const onAbort = (): void => {
        leave();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          settled = true;
          leave();
          resolve(value);
        },
        (err: unknown) => {
          settled = true;
          leave();
          reject(err as Error);
        },
      );
    });
  }
}
