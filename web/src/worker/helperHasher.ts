/**
 * The layer worker's side of its hash helper (hashWorker.ts): a DeferredStreamHasher that
 * copies the tar into a few staging buffers and sends each full one to the helper thread.
 * The helper sends each buffer back once hashed, so after the first few nothing is allocated;
 * at most IN_FLIGHT buffers are out at a time, and `backlog` makes the analysis wait beyond that.
 */
import * as Comlink from 'comlink';
import type { DeferredStreamHasher, DigestAlgorithm } from '../core/layers/hash';
import type { HashWorkerApi } from './hashWorker';

/** 128 KiB: small enough to stay in a core's L2 cache, large enough that messages cost little. */
const BUFFER_BYTES = 128 * 1024;
/** Per hasher: 1 MiB queued at most. */
const IN_FLIGHT = 8;

export class HashHelper {
  private worker: Worker | undefined;
  private remote: Comlink.Remote<HashWorkerApi> | undefined;
  /** Set when the helper could not start or has died: hash on the layer worker instead. */
  private broken: Error | undefined;
  private readonly dead = new Set<(error: Error) => void>();
  private nextId = 1;
  private started: Promise<boolean> | undefined;

  constructor(private readonly createWorker: () => Worker) {}

  /** Starts the helper (once); resolves false when this runtime cannot run it. */
  start(): Promise<boolean> {
    this.started ??= (async () => {
      try {
        const worker = this.createWorker();
        this.worker = worker;
        worker.addEventListener('error', (event) => this.fail(new Error(`the hash helper failed: ${event.message || 'worker error'}`)));
        this.remote = Comlink.wrap<HashWorkerApi>(worker);
        // A worker that cannot load never answers: give up on it after 5 s and hash locally.
        const answered = await Promise.race([this.remote.ping(), new Promise<false>((r) => setTimeout(() => r(false), 5_000))]);
        if (answered !== true) this.fail(new Error('the hash helper did not start'));
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
      return this.broken === undefined;
    })();
    return this.started;
  }

  /** A hasher on the helper thread, or undefined when the helper is not running (hash locally). */
  hasher(algorithm: DigestAlgorithm): DeferredStreamHasher | undefined {
    if (this.broken || !this.remote) return undefined;
    return new HelperHasher(this.remote, this.nextId++, algorithm, (onDead) => {
      if (this.broken) onDead(this.broken);
      else this.dead.add(onDead);
      return () => this.dead.delete(onDead);
    });
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const onDead of this.dead) onDead(error);
    this.dead.clear();
    this.worker?.terminate();
  }
}

class HelperHasher implements DeferredStreamHasher {
  private current: Uint8Array<ArrayBuffer> | undefined;
  private filled = 0;
  private readonly spare: Uint8Array<ArrayBuffer>[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private done = false;
  private readonly unwatch: () => void;

  constructor(
    private readonly remote: Comlink.Remote<HashWorkerApi>,
    private readonly id: number,
    readonly algorithm: DigestAlgorithm,
    watch: (onDead: (error: Error) => void) => () => void,
  ) {
    void remote.begin(id, algorithm).catch((e: unknown) => this.setFailure(e));
    this.unwatch = watch((error) => this.setFailure(error));
  }

  update(bytes: Uint8Array): void {
    if (this.done || this.failure) return;
    let at = 0;
    while (at < bytes.length) {
      const buffer = (this.current ??= this.spare.pop() ?? new Uint8Array(BUFFER_BYTES));
      const n = Math.min(buffer.length - this.filled, bytes.length - at);
      buffer.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === buffer.length) this.send();
    }
  }

  backlog(): Promise<void> | undefined {
    if (this.inFlight < IN_FLIGHT || this.failure) return undefined;
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  async digest(): Promise<string> {
    if (this.done) throw new Error('digest() was already called');
    if (this.filled > 0) this.send();
    this.done = true;
    while (this.inFlight > 0 && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    try {
      if (this.failure) throw this.failure;
      const digest = await Promise.race([this.remote.digest(this.id), this.deathOf()]);
      return digest;
    } finally {
      this.unwatch();
    }
  }

  discard(): void {
    if (this.done && this.inFlight === 0) return;
    this.done = true;
    this.unwatch();
    void this.remote.discard(this.id).catch(() => {});
  }

  private send(): void {
    const buffer = this.current;
    const length = this.filled;
    this.current = undefined;
    this.filled = 0;
    if (!buffer) return;
    this.inFlight++;
    this.remote.update(this.id, Comlink.transfer(buffer, [buffer.buffer]), length).then(
      (back) => {
        this.inFlight--;
        this.spare.push(back);
        this.signal();
      },
      (e: unknown) => {
        this.inFlight--;
        this.setFailure(e);
      },
    );
  }

  private setFailure(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Rejects once a failure is known (the helper died), so a digest never waits forever. */
  private deathOf(): Promise<never> {
    return new Promise<never>((_, reject) => {
      const check = (): void => {
        if (this.failure) reject(this.failure);
        else this.wake = check;
      };
      check();
    });
  }
}
