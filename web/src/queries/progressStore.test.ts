import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ProgressStore } from './layerQueries';

describe('ProgressStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('updates from many layers within one interval make one notification, with the latest values', () => {
    const store = new ProgressStore(100, () => Date.now());
    const listener = vi.fn();
    store.subscribe(listener);
    for (let i = 0; i < 8; i++) store.set(`sha256:${i}`, { bytesRead: i, entries: 0 });
    store.set('sha256:0', { bytesRead: 99, entries: 5 });
    expect(listener).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.get('sha256:0')).toEqual({ bytesRead: 99, entries: 5 });
  });

  test('a steady stream of updates is heard at most once per interval, and the last one is never lost', () => {
    const store = new ProgressStore(100, () => Date.now());
    const listener = vi.fn();
    store.subscribe(listener);
    // Two workers, each reporting every 50 ms for one second.
    for (let t = 0; t < 1000; t += 50) {
      store.set('sha256:a', { bytesRead: t, entries: 0 });
      store.set('sha256:b', { bytesRead: t, entries: 0 });
      vi.advanceTimersByTime(50);
    }
    vi.advanceTimersByTime(200);
    expect(listener.mock.calls.length).toBeGreaterThanOrEqual(9);
    expect(listener.mock.calls.length).toBeLessThanOrEqual(11);
    expect(store.get('sha256:b')?.bytesRead).toBe(950);
  });

  test('unsubscribed listeners are not called', () => {
    const store = new ProgressStore(100, () => Date.now());
    const listener = vi.fn();
    const off = store.subscribe(listener);
    off();
    store.set('sha256:a', { bytesRead: 1, entries: 0 });
    vi.advanceTimersByTime(500);
    expect(listener).not.toHaveBeenCalled();
  });
});
