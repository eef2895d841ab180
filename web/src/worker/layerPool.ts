/**
 * The page's pool of layer workers: starts them lazily (or all at once, `warm`), runs the most
 * wanted layer first (the selected one, then the largest), carries AbortSignals across to the
 * worker, watches for a worker stuck in its decoder, holds background work while layers or the
 * page's work after them run, and shuts idle workers down. Page-side code: only bridge.ts uses it.
 */
import * as Comlink from 'comlink';
import type { CacheStats } from './layerCache';
import type { ArchiveResult, LayerJob, LayerJobOptions, LayerJobResult, LayerProgress } from './layerJob';
import type { LayerWorkerApi } from './layerWorker';

export const IDLE_SHUTDOWN_MS = 60_000;

function pageQuery(): URLSearchParams {
  return new URLSearchParams((globalThis as { location?: { search?: string } }).location?.search ?? '');
}

/** The page's `contentHash=off` turns the per-file content hash off (the bench's switch); on otherwise. */
function contentHashWanted(): boolean {
  return pageQuery().get('contentHash') !== 'off';
}

/** The bench's switch between gzip inflaters (`inflater=wasm|native|pako`); undefined: the worker's default. */
function inflaterWanted(): LayerJobOptions['gzipInflater'] {
  const wanted = pageQuery().get('inflater');
  return wanted === 'wasm' || wanted === 'native' || wanted === 'pako' ? wanted : undefined;
}

export function defaultPoolSize(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.min(8, Math.max(2, cores));
}

interface Slot {
  worker: Worker;
  remote: Comlink.Remote<LayerWorkerApi>;
  busyWith: number | null;
  /** What this worker was last told: may it do background work (seek indexes)? Workers start held. */
  background: boolean;
}

interface Queued {
  id: number;
  job: LayerJob;
  priority: number;
  onProgress: (progress: LayerProgress) => void;
  resolve: (result: LayerJobResult) => void;
  reject: (reason: unknown) => void;
  slot: Slot | null;
  settled: boolean;
}

export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Higher runs first. */
  priority?: number;
  onProgress?: (progress: LayerProgress) => void;
}

export interface PoolHooks {
  /** Called once the pool has no layer left to read and is quiet (the page's pool warms the content worker then). */
  onIdle?: () => void;
  /**
   * Called when a layer ends while none wait and others still read (the page's pool then starts
   * the workers for what comes after). Not sooner: at the start of a one-layer image they would
   * take cores from the first layer's own start.
   */
  onDrained?: () => void;
  /**
   * How long the pool must stay idle, with no page work after the layers running, before
   * background work and `onIdle` start (default 300 ms): the page builds the filesystem model and
   * the package report right after the last layer, and a seek index's re-read or a worker starting
   * beside them took cores from them on the 2-core bench.
   */
  quietMs?: number;
}

export class LayerWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly size = defaultPoolSize(),
    private readonly createWorker: () => Worker = () => new Worker(new URL('./layerWorker.ts', import.meta.url), { type: 'module', name: 'lading-layer' }),
    /**
     * How often a busy worker is pinged, and how long it may take to answer. A worker stuck in
     * a synchronous loop (a decoder spinning on malformed data) cannot answer; it is terminated
     * and its layer fails with an error instead of hanging the analysis. A worker waiting on the
     * network answers at once, so slow downloads are never mistaken for it.
     */
    private readonly watchdog: { everyMs: number; stuckMs: number } = { everyMs: 5_000, stuckMs: 20_000 },
    private readonly hooks: PoolHooks = {},
  ) {}

  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private pageWork = 0;

  /** Page work that comes after the layers (filesystem model, package report) holds background work. */
  async whilePageWorks<T>(work: () => Promise<T>): Promise<T> {
    this.pageWork++;
    clearTimeout(this.quietTimer);
    this.allowBackground(false);
    try {
      return await work();
    } finally {
      this.pageWork--;
      if (this.idle()) this.whenQuiet();
    }
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.slots.every((s) => s.busyWith === null);
  }

  private whenQuiet(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      if (this.pageWork > 0 || !this.idle()) return;
      this.allowBackground(true);
      this.hooks.onIdle?.();
    }, this.hooks.quietMs ?? 300);
  }

  analyze(job: LayerJob, options: AnalyzeOptions = {}): Promise<LayerJobResult> {
    const { signal } = options;
    return new Promise<LayerJobResult>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry: Queued = {
        id: this.nextId++,
        job,
        priority: options.priority ?? job.descriptor.size,
        onProgress: options.onProgress ?? (() => {}),
        resolve,
        reject,
        slot: null,
        settled: false,
      };
      signal?.addEventListener('abort', () => this.cancel(entry, signal.reason), { once: true });
      this.queue.push(entry);
      this.schedulePump();
    });
  }

  private pumpScheduled = false;

  /**
   * An image's layers are asked for one after another in the same task; starting the first
   * ones at once would start them in manifest order. Waiting for the task to end lets the
   * whole set be ordered first, so the largest layers start first.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Starts every worker now, before any layer is known: loading the worker module and
   * compiling its WebAssembly then overlaps the manifest and config round trips instead of
   * delaying the first layers. Idle workers still shut down after a minute.
   */
  warm(): void {
    while (this.slots.length < this.size) this.spawn();
    if (this.queue.length === 0 && this.slots.every((s) => s.busyWith === null)) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.dispose(), IDLE_SHUTDOWN_MS);
    }
  }

  /** Moves a queued layer to the front, e.g. the one the user just selected. */
  prioritize(digest: string): void {
    for (const entry of this.queue) if (entry.job.descriptor.digest === digest) entry.priority = Number.MAX_SAFE_INTEGER;
  }

  /** Opens an image archive in a worker; the page never reads the file. */
  async openArchive(blob: Blob, options: { platform?: string } = {}): Promise<ArchiveResult> {
    return this.anySlot().remote.openArchive(blob, options);
  }

  async cacheStats(): Promise<CacheStats> {
    return this.anySlot().remote.cacheStats();
  }

  async clearCache(): Promise<void> {
    await this.anySlot().remote.clearCache();
  }

  dispose(): void {
    clearTimeout(this.quietTimer);
    for (const slot of this.slots) slot.worker.terminate();
    this.slots.length = 0;
  }

  private anySlot(): Slot {
    return this.slots[0] ?? this.spawn();
  }

  private spawn(): Slot {
    const worker = this.createWorker();
    const slot: Slot = { worker, remote: Comlink.wrap<LayerWorkerApi>(worker), busyWith: null, background: false };
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.busyWith === null) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      this.queue.sort((a, b) => b.priority - a.priority);
      const entry = this.queue.shift();
      if (!entry) return;
      // Fewer layers waiting than workers: the last ones of an image, or a single layer. Their
      // workers would leave cores idle as they finish, so each hashes on a helper thread.
      this.run(slot, entry, this.queue.length < this.size);
    }
    if (this.slots.every((s) => s.busyWith === null)) {
      this.idleTimer = setTimeout(() => this.dispose(), IDLE_SHUTDOWN_MS);
      this.whenQuiet();
    }
  }

  /**
   * Background work (re-reading analysed layers for their seek indexes) waits until the whole pool
   * is idle, not one worker: a worker that finished its layers while another still reads the
   * image's largest one would otherwise take half the cores from it, and fetch every blob again
   * beside it (seen on the 2-core bench as 25% more CPU for the same image).
   */
  private allowBackground(allowed: boolean): void {
    for (const slot of this.slots) {
      if (slot.background === allowed) continue;
      slot.background = allowed;
      slot.remote.allowBackground(allowed).catch(() => {});
    }
  }

  private run(slot: Slot, entry: Queued, offload: boolean): void {
    clearTimeout(this.quietTimer);
    this.allowBackground(false);
    slot.busyWith = entry.id;
    entry.slot = slot;
    const stopWatching = this.watch(slot, entry);
    const inflater = inflaterWanted();
    slot.remote
      .analyze(entry.id, entry.job, Comlink.proxy(entry.onProgress), offload, {
        contentHash: contentHashWanted(),
        ...(inflater ? { gzipInflater: inflater } : {}),
      })
      .then(
        (result) => this.settle(entry, () => entry.resolve(result)),
        (error: unknown) => this.settle(entry, () => entry.reject(error)),
      )
      .finally(() => {
        stopWatching();
        if (!this.slots.includes(slot)) return; // terminated by the watchdog
        slot.busyWith = null;
        // A layer ended with none waiting and others still read: the last ones are under way.
        if (this.queue.length === 0 && this.slots.some((s) => s.busyWith !== null)) this.hooks.onDrained?.();
        this.pump();
      });
  }

  /** Pings the worker while it runs `entry`; replaces it when it stops answering. */
  private watch(slot: Slot, entry: Queued): () => void {
    let stopped = false;
    const timer = setInterval(() => {
      const answered = slot.remote.ping().then(() => true);
      const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.watchdog.stuckMs));
      void Promise.race([answered, late]).then((alive) => {
        if (alive || stopped || entry.settled) return;
        stopped = true;
        clearInterval(timer);
        slot.worker.terminate();
        this.slots.splice(this.slots.indexOf(slot), 1);
        this.settle(entry, () =>
          entry.resolve({
            fetchError: {
              title: 'The layer stopped its decoder',
              detail: `The worker reading ${entry.job.descriptor.digest} did not respond for ${Math.round(this.watchdog.stuckMs / 1000)} s, which means its decompressor is stuck on malformed data. It was stopped; the other layers go on.`,
            },
            fromCache: false,
          }),
        );
        this.pump();
      });
    }, this.watchdog.everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  private settle(entry: Queued, action: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    action();
  }

  private cancel(entry: Queued, reason: unknown): void {
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (entry.slot) void entry.slot.remote.cancel(entry.id);
    this.settle(entry, () => entry.reject(reason));
  }
}
