// Chrome DevTools Protocol helpers for the Lading runs: reaching the page's dedicated workers,
// sampling JS heap of page and workers, and CPU-profiling them.
//
// Playwright's CDPSession cannot address a flattened child session, so workers are attached in the
// older non-flattened mode: Target.setAutoAttach({flatten: false}) on the page's session reports
// each worker with a sessionId, and commands go through Target.sendMessageToTarget; answers come
// back as Target.receivedMessageFromTarget. (Worker targets have no Performance domain, and
// `performance.memory` does not exist in workers, so Runtime.getHeapUsage is used for every isolate.)

import type { CDPSession } from '@playwright/test';

export interface HeapUsage {
  /** V8 JS heap in use. */
  usedSize: number;
  totalSize: number;
  /** ArrayBuffer backing stores (typed arrays, fetch chunks, WebAssembly memory): outside the JS heap. */
  backingStorageSize?: number;
}

export interface WorkerTarget {
  sessionId: string;
  targetId: string;
  url: string;
  title: string;
  attachedAt: number;
  detached: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class WorkerAttacher {
  readonly workers = new Map<string, WorkerTarget>();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly onAttachHooks: ((w: WorkerTarget) => Promise<void>)[] = [];

  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.attachedToTarget', (event) => {
      const info = event.targetInfo;
      if (info.type !== 'worker') {
        // Not ours to keep (e.g. an out-of-process iframe): let it run.
        if (event.waitingForDebugger) void this.raw(event.sessionId, 'Runtime.runIfWaitingForDebugger').catch(() => {});
        return;
      }
      const worker: WorkerTarget = {
        sessionId: event.sessionId,
        targetId: info.targetId,
        url: info.url,
        title: info.title,
        attachedAt: performance.now(),
        detached: false,
      };
      this.workers.set(event.sessionId, worker);
      void (async () => {
        for (const hook of this.onAttachHooks) await hook(worker).catch(() => {});
        if (event.waitingForDebugger) await this.raw(event.sessionId, 'Runtime.runIfWaitingForDebugger').catch(() => {});
      })();
    });
    cdp.on('Target.detachedFromTarget', (event) => {
      const worker = event.sessionId ? this.workers.get(event.sessionId) : undefined;
      if (worker) worker.detached = true;
    });
    cdp.on('Target.receivedMessageFromTarget', (event) => {
      let message: { id?: number; result?: unknown; error?: { message: string } };
      try {
        message = JSON.parse(event.message) as typeof message;
      } catch {
        return;
      }
      const entry = message.id !== undefined ? this.pending.get(message.id) : undefined;
      if (!entry || message.id === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(entry.timer);
      if (message.error) entry.reject(new Error(message.error.message));
      else entry.resolve(message.result);
    });
  }

  /**
   * Starts auto-attaching. With `pauseOnStart`, a new worker waits until the onAttach hooks ran
   * (so a profiler can start before its first line of code).
   */
  async start(options: { pauseOnStart?: boolean; onAttach?: (w: WorkerTarget) => Promise<void> } = {}): Promise<void> {
    if (options.onAttach) this.onAttachHooks.push(options.onAttach);
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: options.pauseOnStart ?? false, flatten: false });
  }

  live(): WorkerTarget[] {
    return [...this.workers.values()].filter((w) => !w.detached);
  }

  /** Sends a command to a worker; rejects after `timeoutMs`. */
  send<T = unknown>(worker: WorkerTarget, method: string, params: Record<string, unknown> = {}, timeoutMs = 5000): Promise<T> {
    return this.raw(worker.sessionId, method, params, timeoutMs) as Promise<T>;
  }

  private raw(sessionId: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 5000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} on worker ${sessionId}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((error: unknown) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  dispose(): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error('disposed'));
    }
    this.pending.clear();
  }
}

// ------------------------------------------------------------------------------------------ heap

export interface HeapPeaks {
  /** Each sample was taken right after a full GC (HeapProfiler.collectGarbage): live memory only. */
  forcedGc: boolean;
  samples: number;
  /** Milliseconds between samples asked for; the real spacing is in `meanIntervalMs`. */
  intervalMs: number;
  meanIntervalMs: number;
  page: { usedMax: number; usedPlusBackingMax: number };
  /** The largest of any single worker. */
  worker: { usedMax: number; usedPlusBackingMax: number };
  /** All workers together, at the same sample. */
  workersTotal: { usedMax: number; usedPlusBackingMax: number };
  workersSeen: number;
  failedSamples: number;
}

/**
 * Samples page and worker heaps every `intervalMs` until stopped. With `forceGc`, a full GC runs in
 * each isolate before it is sampled, so the peaks are of live memory, not of garbage V8 has not
 * collected yet (that perturbs timing: use it in runs that are not timed).
 */
export class HeapSampler {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly peaks: HeapPeaks;
  private startedAt = 0;

  constructor(
    private readonly cdp: CDPSession,
    private readonly attacher: WorkerAttacher,
    private readonly intervalMs = 100,
    private readonly forceGc = false,
    /** Upper bound on the sampling loop, whatever happens to the run. */
    private readonly maxMs = 15 * 60_000,
  ) {
    const zero = { usedMax: 0, usedPlusBackingMax: 0 };
    this.peaks = {
      forcedGc: forceGc,
      samples: 0,
      intervalMs,
      meanIntervalMs: 0,
      page: { ...zero },
      worker: { ...zero },
      workersTotal: { ...zero },
      workersSeen: 0,
      failedSamples: 0,
    };
  }

  start(): void {
    this.startedAt = performance.now();
    this.loop = this.run();
  }

  async stop(): Promise<HeapPeaks> {
    this.stopped = true;
    await this.loop;
    const elapsed = performance.now() - this.startedAt;
    this.peaks.meanIntervalMs = this.peaks.samples ? elapsed / this.peaks.samples : 0;
    this.peaks.workersSeen = this.attacher.workers.size;
    return this.peaks;
  }

  private async run(): Promise<void> {
    while (!this.stopped && performance.now() - this.startedAt < this.maxMs) {
      const tick = performance.now();
      await this.sample();
      const wait = this.intervalMs - (performance.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async sample(): Promise<void> {
    const gc = this.forceGc;
    const [page, ...workers] = await Promise.all([
      (async () => {
        if (gc) await this.cdp.send('HeapProfiler.collectGarbage');
        return (await this.cdp.send('Runtime.getHeapUsage')) as HeapUsage;
      })().catch(() => undefined),
      ...this.attacher.live().map(async (w) => {
        try {
          if (gc) await this.attacher.send(w, 'HeapProfiler.collectGarbage', {}, 5000);
          return await this.attacher.send<HeapUsage>(w, 'Runtime.getHeapUsage', {}, 2000);
        } catch {
          return undefined;
        }
      }),
    ]);
    if (!page) {
      this.peaks.failedSamples++;
      return;
    }
    this.peaks.samples++;
    const p = this.peaks;
    p.page.usedMax = Math.max(p.page.usedMax, page.usedSize);
    p.page.usedPlusBackingMax = Math.max(p.page.usedPlusBackingMax, page.usedSize + (page.backingStorageSize ?? 0));
    let used = 0;
    let all = 0;
    for (const w of workers) {
      if (!w) continue;
      const withBacking = w.usedSize + (w.backingStorageSize ?? 0);
      p.worker.usedMax = Math.max(p.worker.usedMax, w.usedSize);
      p.worker.usedPlusBackingMax = Math.max(p.worker.usedPlusBackingMax, withBacking);
      used += w.usedSize;
      all += withBacking;
    }
    p.workersTotal.usedMax = Math.max(p.workersTotal.usedMax, used);
    p.workersTotal.usedPlusBackingMax = Math.max(p.workersTotal.usedPlusBackingMax, all);
  }
}

// --------------------------------------------------------------------------------------- profiles

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  functionName: string;
  url: string;
  /** 0-based, as in the profile. */
  lineNumber: number;
  columnNumber: number;
  selfMs: number;
}

/** Self time per function (by name and position), from sample time deltas. */
export function selfTimes(profile: CpuProfile): { totalMs: number; functions: SelfTime[] } {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, SelfTime>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalMs = 0;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the time after it to it.
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const node = byNode.get(samples[i] as number);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    const entry = self.get(key) ?? { functionName: f.functionName, url: f.url, lineNumber: f.lineNumber, columnNumber: f.columnNumber, selfMs: 0 };
    entry.selfMs += ms;
    self.set(key, entry);
    totalMs += ms;
  }
  return { totalMs, functions: [...self.values()].sort((a, b) => b.selfMs - a.selfMs) };
}
