import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { LayerWorkerPool } from './layerPool';
import type { LayerJob, LayerJobResult, LayerProgress } from './layerJob';

/**
 * A stand-in worker: the real Comlink protocol over a MessageChannel, with an API whose
 * jobs finish only when the test says so. Records starts and cancellations.
 */
class FakeWorkers {
  started: string[] = [];
  cancelled: number[] = [];
  created = 0;
  terminated = 0;
  stuck = new Set<string>();
  /** Per worker (in creation order), the allowBackground calls it got, in order. */
  background: boolean[][] = [];
  private pending = new Map<string, (r: LayerJobResult) => void>();
  private ports: MessagePort[] = [];

  create = (): Worker => {
    this.created += 1;
    const told: boolean[] = [];
    this.background.push(told);
    const { port1, port2 } = new MessageChannel();
    this.ports.push(port1, port2);
    const api = {
      analyze: (jobId: number, job: LayerJob, onProgress: (p: LayerProgress) => void) => {
        this.started.push(job.descriptor.digest);
        void onProgress({ bytesRead: 1, totalBytes: job.descriptor.size, entries: 0 });
        return new Promise<LayerJobResult>((resolve) => this.pending.set(job.descriptor.digest, resolve));
      },
      cancel: (jobId: number) => {
        this.cancelled.push(jobId);
      },
      allowBackground: (allowed: boolean) => {
        told.push(allowed);
      },
      // A worker stuck in a synchronous loop never answers; `stuck` digests simulate that.
      ping: () => (this.started.some((d) => this.stuck.has(d) && this.pending.has(d)) ? new Promise<true>(() => {}) : true),
      cacheStats: async () => ({ entries: 0, bytes: 0, budget: 0 }),
      clearCache: async () => {},
    };
    Comlink.expose(api, port2);
    return Object.assign(port1 as unknown as Worker, {
      terminate: () => {
        this.terminated += 1;
        port1.close();
      },
    });
  };

  finish(digest: string) {
    this.pending.get(digest)?.({ fromCache: false });
    this.pending.delete(digest);
  }

  close() {
    for (const p of this.ports) p.close();
  }
}

const job = (digest: string, size: number): LayerJob => ({
  descriptor: { digest, size, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
  location: { kind: 'registry', baseUrl: 'http://x/registry', domain: 'r', path: 'p' },
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

let fakes: FakeWorkers;
afterEach(() => fakes?.close());

describe('LayerWorkerPool', () => {
  it('runs at most `size` jobs at once, largest first, and starts workers lazily', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(2, fakes.create);
    expect(fakes.created).toBe(0);
    const results = [job('small', 1), job('big', 100), job('medium', 50), job('huge', 1000)].map((j) => pool.analyze(j));
    await until(() => fakes.started.length === 2);
    expect(fakes.created).toBe(2);
    // Layers asked for in the same task are ordered before any starts: largest first.
    expect(fakes.started).toEqual(['huge', 'big']);
    fakes.finish('big');
    await until(() => fakes.started.length === 3);
    expect(fakes.started[2]).toBe('medium');
    fakes.finish('huge');
    await until(() => fakes.started.length === 4);
    expect(fakes.started[3]).toBe('small');
    fakes.finish('medium');
    fakes.finish('small');
    await Promise.all(results);
    expect(fakes.created).toBe(2);
    pool.dispose();
  });

  it('holds background work (seek indexes) in every worker until the whole pool is idle', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(2, fakes.create);
    const first = [pool.analyze(job('huge', 1000)), pool.analyze(job('big', 100))];
    await until(() => fakes.started.length === 2);
    fakes.finish('big');
    await first[1];
    // One worker is idle, the other still reads the largest layer: neither may start background work.
    await new Promise((r) => setTimeout(r, 30));
    expect(fakes.background.flat()).not.toContain(true);
    fakes.finish('huge');
    await first[0];
    await until(() => fakes.background.every((told) => told.at(-1) === true));
    // A new layer holds it again, in both workers.
    const next = pool.analyze(job('next', 5));
    await until(() => fakes.background.every((told) => told.at(-1) === false));
    fakes.finish('next');
    await next;
    await until(() => fakes.background.every((told) => told.at(-1) === true));
    pool.dispose();
  });

  it('page work after the layers (model, packages) holds background work and onIdle until it ends and the pool is quiet', async () => {
    fakes = new FakeWorkers();
    const events: string[] = [];
    const pool = new LayerWorkerPool(2, fakes.create, undefined, {
      quietMs: 40,
      onIdle: () => events.push('idle'),
      onDrained: () => events.push('drained'),
    });
    const results = [pool.analyze(job('a', 10)), pool.analyze(job('b', 5)), pool.analyze(job('c', 1))];
    await until(() => fakes.started.length === 2);
    expect(events).toEqual([]); // 'c' still waits for a worker
    fakes.finish('a');
    await until(() => fakes.started.length === 3);
    expect(events).toEqual([]); // 'c' took the free worker: none waits, but none ended since
    fakes.finish('b');
    await until(() => events.length === 1);
    expect(events).toEqual(['drained']); // 'b' ended with none waiting and 'c' still reading
    fakes.finish('c');
    await Promise.all(results);
    // The page starts its model right after the last layer: background work waits for it.
    let endModel!: () => void;
    const model = pool.whilePageWorks(() => new Promise<string>((resolve) => (endModel = () => resolve('model'))));
    await new Promise((r) => setTimeout(r, 100));
    expect(fakes.background.flat()).not.toContain(true);
    expect(events).toEqual(['drained']);
    endModel();
    expect(await model).toBe('model');
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['drained']); // quiet for 40 ms first
    await until(() => fakes.background.every((told) => told.at(-1) === true));
    expect(events).toEqual(['drained', 'idle']);
    pool.dispose();
  });

  it('warm() starts every worker before any layer is known; they take the first jobs', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(3, fakes.create);
    pool.warm();
    expect(fakes.created).toBe(3);
    pool.warm();
    expect(fakes.created).toBe(3);
    const results = [pool.analyze(job('a', 1)), pool.analyze(job('b', 2))];
    await until(() => fakes.started.length === 2);
    expect(fakes.created).toBe(3);
    fakes.finish('a');
    fakes.finish('b');
    await Promise.all(results);
    pool.dispose();
  });

  it('puts a prioritised layer first', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(1, fakes.create);
    const all = [pool.analyze(job('a', 10)), pool.analyze(job('b', 100)), pool.analyze(job('c', 5))];
    await until(() => fakes.started.length === 1);
    expect(fakes.started[0]).toBe('b');
    pool.prioritize('c');
    fakes.finish('b');
    await until(() => fakes.started.length === 2);
    expect(fakes.started[1]).toBe('c'); // before 'a', which is larger
    fakes.finish('c');
    await until(() => fakes.started.length === 3);
    fakes.finish('a');
    await Promise.all(all);
    pool.dispose();
  });

  it('cancels a queued job without starting it, and a running one in the worker', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(1, fakes.create);
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.analyze(job('running', 10), { signal: running.signal });
    const second = pool.analyze(job('queued', 5), { signal: queued.signal });
    await until(() => fakes.started.length === 1);
    queued.abort(new Error('left the page'));
    await expect(second).rejects.toThrow('left the page');
    running.abort(new Error('switched platform'));
    await expect(first).rejects.toThrow('switched platform');
    await until(() => fakes.cancelled.length === 1);
    fakes.finish('running');
    await new Promise((r) => setTimeout(r, 20));
    expect(fakes.started).toEqual(['running']);
    pool.dispose();
  });

  it('replaces a worker that stops answering and fails only its layer', async () => {
    fakes = new FakeWorkers();
    fakes.stuck.add('spinning');
    const pool = new LayerWorkerPool(1, fakes.create, { everyMs: 20, stuckMs: 60 });
    const spinning = pool.analyze(job('spinning', 100));
    const next = pool.analyze(job('fine', 10));
    const result = await spinning;
    expect(result.fetchError?.title).toBe('The layer stopped its decoder');
    expect(fakes.terminated).toBe(1);
    // The queue goes on in a fresh worker.
    await until(() => fakes.started.includes('fine'));
    expect(fakes.created).toBe(2);
    fakes.finish('fine');
    await expect(next).resolves.toEqual({ fromCache: false });
    pool.dispose();
  });

  it('leaves a worker that answers alone, however long its layer takes', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(1, fakes.create, { everyMs: 20, stuckMs: 60 });
    const slow = pool.analyze(job('slow-download', 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(fakes.terminated).toBe(0);
    fakes.finish('slow-download');
    await expect(slow).resolves.toEqual({ fromCache: false });
    pool.dispose();
  });

  it('passes progress from the worker to the caller', async () => {
    fakes = new FakeWorkers();
    const pool = new LayerWorkerPool(1, fakes.create);
    const seen: LayerProgress[] = [];
    const result = pool.analyze(job('p', 42), { onProgress: (p) => seen.push(p) });
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ bytesRead: 1, totalBytes: 42, entries: 0 });
    fakes.finish('p');
    await result;
    pool.dispose();
  });
});
