/**
 * Hashing elsewhere (`deferredHasher`): the layer worker hands both digests to a helper thread.
 * Here the "other thread" is a fake that hashes its queue on timers, so the analysis really
 * has to wait for it: digests must come out the same, the queue must stay bounded, and every
 * way of stopping early must drop the queued work.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { asAsync, chunked, gzip, sha256, zstd } from '../../../test/layers/helpers';
import { entry, tar } from '../../../test/layers/tarWriter';
import { analyzeLayerStream } from './analyze';
import type { DeferredStreamHasher, DigestAlgorithm } from './hash';

/** Hashes what it was given 4 KiB per timer tick; says "wait" once more than `limit` bytes are queued. */
class TimerHasher implements DeferredStreamHasher {
  private readonly queue: Uint8Array[] = [];
  private readonly hash;
  private readonly timer: ReturnType<typeof setInterval>;
  private waiters: (() => void)[] = [];
  queued = 0;
  maxQueued = 0;
  hashedBytes = 0;
  discarded = false;
  askedForDigest = false;

  constructor(
    readonly algorithm: DigestAlgorithm,
    private readonly limit: number,
    private readonly failure?: Error,
  ) {
    this.hash = createHash(algorithm);
    this.timer = setInterval(() => this.work(), 0);
  }

  update(bytes: Uint8Array): void {
    // The caller may reuse its buffer once update returns (decoders do): keep a copy, as the helper does.
    const copy = bytes.slice();
    this.queue.push(copy);
    this.queued += copy.length;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
  }

  backlog(): Promise<void> | undefined {
    if (this.queued <= this.limit) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async digest(): Promise<string> {
    this.askedForDigest = true;
    while (this.queued > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    clearInterval(this.timer);
    if (this.failure) throw this.failure;
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }

  discard(): void {
    this.discarded = true;
    clearInterval(this.timer);
  }

  private work(): void {
    let budget = 4096;
    while (budget > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = Math.min(budget, head.length);
      this.hash.update(head.subarray(0, n));
      this.hashedBytes += n;
      this.queued -= n;
      budget -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (this.queued <= this.limit) {
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    }
  }
}

/** Random content so the compressed stream is about as long as the tar (hundreds of input chunks). */
function randomTar(files: number, bytesEach: number): Uint8Array {
  let x = 0x9e3779b9; // xorshift32
  const data = (): Uint8Array => {
    const out = new Uint8Array(bytesEach);
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
  return tar(...Array.from({ length: files }, (_, i) => entry({ name: `f${i}.bin`, data: data() })));
}

const TAR = randomTar(24, 10_000); // ~250 KB

function hashers(limit: number, failure?: { on: 'first' | 'second'; error: Error }) {
  const made: TimerHasher[] = [];
  const factory = (algorithm: DigestAlgorithm): DeferredStreamHasher => {
    const fails = failure && (failure.on === 'first' ? made.length === 0 : made.length === 1);
    const h = new TimerHasher(algorithm, limit, fails ? failure.error : undefined);
    made.push(h);
    return h;
  };
  return { made, factory };
}

describe('hashing elsewhere (deferredHasher)', () => {
  for (const [name, blob] of [
    ['gzip', gzip(TAR)],
    ['zstd', zstd(TAR)],
    ['plain tar', TAR],
  ] as const) {
    test(`${name}: the same digests as hashing here, and the queue stays bounded`, async () => {
      const { made, factory } = hashers(8 * 1024);
      const r = await analyzeLayerStream(asAsync(chunked(blob, 1000)), {
        expectedDigest: sha256(blob),
        expectedDiffId: sha256(TAR),
        deferredHasher: factory,
      });
      expect(r.error).toBeUndefined();
      expect(r.digest).toMatchObject({ actual: sha256(blob), ok: true });
      expect(r.diffId).toMatchObject({ actual: sha256(TAR), ok: true });
      expect(r.index.count).toBe(24);
      // A plain tar is its own diff: one hasher for both. Otherwise one per stream.
      expect(made.length).toBe(name === 'plain tar' ? 1 : 2);
      expect(made.every((h) => h.askedForDigest && !h.discarded)).toBe(true);
      expect(made.reduce((s, h) => s + h.hashedBytes, 0)).toBe(name === 'plain tar' ? TAR.length : blob.length + TAR.length);
      // Waited on: never more than the limit plus what one 1000-byte input chunk inflates to,
      // far below the ~250 KB that went through. (Random data barely compresses, but a zstd
      // decoder hands out a whole block, up to 128 KiB, at once.)
      expect(made[0]!.maxQueued).toBeLessThan(8 * 1024 + 1000);
      if (made[1]) expect(made[1].maxQueued).toBeLessThan(8 * 1024 + (name === 'zstd' ? 128 * 1024 : 64 * 1024));
      expect(blob.length).toBeGreaterThan(TAR.length * 0.9);
    });
  }

  test('a hasher that fails is an io error naming it; the index is still complete', async () => {
    const blob = gzip(TAR);
    const { factory } = hashers(8 * 1024, { on: 'second', error: new Error('the hash helper died') });
    const r = await analyzeLayerStream(asAsync(chunked(blob, 4096)), { expectedDigest: sha256(blob), expectedDiffId: sha256(TAR), deferredHasher: factory });
    expect(r.error).toMatchObject({ kind: 'io', message: 'hashing the tar failed: the hash helper died' });
    expect(r.digest.ok).toBe(true);
    expect(r.diffId).toMatchObject({ ok: false });
    expect(r.diffId.actual).toBeUndefined();
    expect(r.index.count).toBe(24);
  });

  test('an abort while waiting for a slow hasher settles at once and discards the queued work', async () => {
    const blob = gzip(TAR);
    const controller = new AbortController();
    // Limit 0: the analysis waits after every chunk, so the abort lands while it waits.
    const { made, factory } = hashers(0);
    const pending = analyzeLayerStream(asAsync(chunked(blob, 4096)), { signal: controller.signal, deferredHasher: factory });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('closed'));
    const r = await pending;
    expect(r.error).toMatchObject({ kind: 'aborted' });
    expect(r.digest.actual).toBeUndefined();
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((h) => h.discarded && !h.askedForDigest)).toBe(true);
  });

  test('corrupt data: the tar hasher is dropped, the stored bytes are still hashed', async () => {
    const blob = gzip(TAR);
    const bad = blob.slice();
    bad.fill(0x55, 2000, 2400);
    const { made, factory } = hashers(64 * 1024);
    const r = await analyzeLayerStream(asAsync(chunked(bad, 1000)), { expectedDigest: sha256(blob), deferredHasher: factory });
    expect(r.error?.kind).toBe('gzip');
    expect(r.digest).toMatchObject({ actual: sha256(bad), ok: false });
    expect(r.diffId.actual).toBeUndefined();
    expect(made[0]!.askedForDigest).toBe(true);
    expect(made[1]!.discarded).toBe(true);
    expect(made[1]!.askedForDigest).toBe(false);
  });
});
