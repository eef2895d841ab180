/**
 * The CLI's watchdog: a decoder that holds input without progress is stopped and its layer fails
 * with a message that says so, while the other layers are read to the end. The stuck decoder is a
 * real worker thread that spins forever once it gets data (a JavaScript loop the thread cannot
 * leave, as a decoder looping on malformed data would).
 */
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Layer } from '../core/image';
import { readLayers } from './read';
import { StuckDecoderError, Watchdog } from './watchdog';
import { ZstdThreads } from './zstdThread';

/** A zstd thread that starts, then spins forever on the first data it gets. */
const SPINNING = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => { if (m.type === 'data') for (;;) {} });
parentPort.postMessage({ type: 'ready' });
`;
const FAST = { everyMs: 50, stuckMs: 400 };

describe('Watchdog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once when busy without progress for stuckMs, not while progress comes', () => {
    vi.useFakeTimers();
    let t = 0;
    const fired = vi.fn();
    const w = new Watchdog({ everyMs: 10, stuckMs: 100 }, fired, () => t);
    w.busy();
    for (let i = 0; i < 30; i++) {
      t += 10;
      w.progress();
      vi.advanceTimersByTime(10);
    }
    expect(fired).not.toHaveBeenCalled();
    for (let i = 0; i < 11; i++) {
      t += 10;
      vi.advanceTimersByTime(10);
    }
    expect(fired).toHaveBeenCalledTimes(1);
    t += 1000;
    vi.advanceTimersByTime(1000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('does not watch an idle decoder, and does not blame it for a main thread that was blocked', () => {
    vi.useFakeTimers();
    let t = 0;
    const fired = vi.fn();
    const w = new Watchdog({ everyMs: 10, stuckMs: 100 }, fired, () => t);
    w.busy();
    w.idle();
    t += 1000;
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    w.busy();
    t += 500; // the timer runs 500 ms late: the main thread was blocked
    vi.advanceTimersByTime(10);
    expect(fired).not.toHaveBeenCalled();
    // From then on the timer is on time: stuckMs later the decoder is stuck.
    for (let i = 0; i < 9; i++) {
      t += 10;
      vi.advanceTimersByTime(10);
    }
    expect(fired).not.toHaveBeenCalled();
    for (let i = 0; i < 2; i++) {
      t += 10;
      vi.advanceTimersByTime(10);
    }
    expect(fired).toHaveBeenCalledTimes(1);
  });
});

describe('a stuck zstd thread', { timeout: 30_000 }, () => {
  it('fails its stream with StuckDecoderError, is stopped, and is replaced for the next stream', async () => {
    const created: Worker[] = [];
    const pool = new ZstdThreads({
      size: 1,
      watchdog: FAST,
      createWorker: () => {
        const w = new Worker(SPINNING, { eval: true });
        created.push(w);
        return w;
      },
    });
    try {
      const stuck = vi.fn();
      const { transform } = pool.open({ onStuck: stuck });
      const writer = transform.writable.getWriter();
      const reading = transform.readable.getReader().read();
      await writer.write(new Uint8Array(200_000));
      await expect(reading).rejects.toBeInstanceOf(StuckDecoderError);
      expect(stuck).toHaveBeenCalledTimes(1);
      expect(String(stuck.mock.calls[0]?.[0])).toMatch(/made no progress for 0 s, which means it is stuck on malformed data/);
      const next = pool.open();
      const writer2 = next.transform.writable.getWriter();
      const reading2 = next.transform.readable.getReader().read();
      await writer2.write(new Uint8Array(200_000)); // more than a batch: sent at once
      await expect(reading2).rejects.toBeInstanceOf(StuckDecoderError);
      expect(created).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });
});

function memoryLayer(bytes: Uint8Array, digest: string, diffId: string, mediaType: string): Layer {
  const open = (): Promise<ReadableStream<Uint8Array>> =>
    Promise.resolve(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 65536) c.enqueue(bytes.slice(i, i + 65536));
          c.close();
        },
      }),
    );
  return { digest, size: bytes.length, mediaType, diffId, descriptor: { mediaType, digest, size: bytes.length }, open } as unknown as Layer;
}

const sha256sum = (bytes: Uint8Array): string => `sha256:${execFileSync('sha256sum', { input: bytes }).toString().split(' ')[0]}`;

describe('readLayers with a stuck decoder', { timeout: 60_000 }, () => {
  it('fails that layer with the watchdog’s message, is not read again, and reads the others', async () => {
    const tar = execFileSync('tar', ['-C', 'web/src/cli', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const entries = execFileSync('tar', ['-t'], { input: tar, maxBuffer: 1 << 26 })
      .toString()
      .trim()
      .split('\n').length;
    const gz = execFileSync('gzip', ['-c', '-n'], { input: tar, maxBuffer: 1 << 26 });
    const zst = execFileSync('zstd', ['-c', '-q'], { input: tar, maxBuffer: 1 << 26 });
    const zstdLayer = memoryLayer(zst, sha256sum(zst), sha256sum(tar), 'application/vnd.oci.image.layer.v1.tar+zstd');
    const opens = vi.spyOn(zstdLayer, 'open');
    const layers = [memoryLayer(gz, sha256sum(gz), sha256sum(tar), 'application/vnd.oci.image.layer.v1.tar+gzip'), zstdLayer];
    const pool = new ZstdThreads({ size: 2, watchdog: FAST, createWorker: () => new Worker(SPINNING, { eval: true }) });
    try {
      const reads = await readLayers(layers, { concurrency: 2, watchdog: FAST, zstdThreads: pool });
      expect(reads[0]?.problems).toEqual([]);
      expect(reads[0]?.analysis?.diffId.ok).toBe(true);
      expect(reads[0]?.layerIndex.count).toBe(entries);
      expect(reads[1]?.problems).toHaveLength(1);
      expect(reads[1]?.problems[0]).toMatch(/^the zstd decoder made no progress .* stuck on malformed data; it was stopped/);
      expect(reads[1]?.analysis?.diffId.ok).toBe(false);
      expect(opens).toHaveBeenCalledTimes(1);
    } finally {
      await pool.close();
    }
  });
});
