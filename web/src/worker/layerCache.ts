/**
 * IndexedDB cache of layer analyses, keyed by the layer digest. Content-addressed, so an
 * entry never goes stale: another image sharing a base layer reuses it, and reopening an
 * image is instant. Bounded by a byte budget with least-recently-used eviction.
 *
 * A layer's seek index (core/layers/seek), built after its analysis, is kept beside it in a
 * store of its own and counted in the same budget; evicting a layer drops both.
 *
 * Runs inside the worker (IndexedDB exists there), so the page never touches it.
 */
import type { LayerAnalysis } from '../core/layers';
import type { CapturedFile } from '../core/packages';
import { layerAnalysisBytes } from './layerJob';

const DB_NAME = 'lading-layer-cache';
/** Small records (digest, lastUsed, bytes) for LRU bookkeeping, apart from the analyses themselves. */
const META = 'meta';
const ANALYSES = 'analyses';
/** Serialized seek indexes (core/layers/seek/format.ts), by layer digest. */
const SEEK = 'seek';
/**
 * 3: analyses carry `warnings`, the tar reader reads as Go's archive/tar does (global headers
 * ignored, GNU long names over PAX paths), and seek indexes have their own store. Entries of an
 * older version are dropped, not reused: they were made by another reader.
 * 4: indexes carry the per-file content hash column (`contentHash`, core/layers/contentHash.ts),
 *    and each analysis is stored with its layer's captured package-database files ({ analysis, packages }).
 * 5: both of those at once (each had a version 4 of its own while they were built apart).
 */
const DB_VERSION = 5;
export const DEFAULT_CACHE_BUDGET = 512 * 1024 * 1024;

interface MetaRecord {
  digest: string;
  lastUsed: number;
  /** The analysis and, once built, the seek index. */
  bytes: number;
  seekBytes?: number;
}

/** What is kept per layer digest: the analysis and the package databases captured beside it. */
export interface CachedLayer {
  analysis: LayerAnalysis;
  packages: readonly CapturedFile[];
}

export interface CacheStats {
  entries: number;
  bytes: number;
  budget: number;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export class LayerCache {
  private db: Promise<IDBDatabase | null> | undefined;

  constructor(private readonly budget = DEFAULT_CACHE_BUDGET) {}

  /** Opens the database ahead of the first lookup. */
  prepare(): void {
    void this.open();
  }

  /** Opens lazily; a browser without IndexedDB (or a private window refusing it) just has no cache. */
  private open(): Promise<IDBDatabase | null> {
    this.db ??= new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        for (const name of [META, ANALYSES, SEEK]) if (db.objectStoreNames.contains(name)) db.deleteObjectStore(name);
        db.createObjectStore(META, { keyPath: 'digest' }).createIndex('lastUsed', 'lastUsed');
        db.createObjectStore(ANALYSES);
        db.createObjectStore(SEEK);
      };
      req.onsuccess = () => {
        // Another worker of a newer page may need to upgrade: let it, rather than block it.
        req.result.onversionchange = () => {
          req.result.close();
          this.db = undefined;
        };
        resolve(req.result);
      };
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    });
    return this.db;
  }

  async get(digest: string): Promise<CachedLayer | undefined> {
    const db = await this.open();
    if (!db) return undefined;
    try {
      const tx = db.transaction([META, ANALYSES], 'readwrite');
      const stored = (await request(tx.objectStore(ANALYSES).get(digest))) as CachedLayer | undefined;
      const meta = tx.objectStore(META);
      const record = (await request(meta.get(digest))) as MetaRecord | undefined;
      if (record) meta.put({ ...record, lastUsed: Date.now() } satisfies MetaRecord);
      await done(tx);
      return stored?.analysis ? { analysis: stored.analysis, packages: stored.packages ?? [] } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores a layer's analysis and waits until it is written (and the budget enforced). */
  async put(digest: string, analysis: LayerAnalysis, packages: readonly CapturedFile[] = []): Promise<void> {
    await (
      await this.store(digest, analysis, packages)
    ).written;
  }

  /**
   * Stores a layer's analysis without waiting for the write: resolves once IndexedDB has copied
   * the value (it clones at `put`), so the caller may then transfer its buffers and hand the result
   * on. A large layer's write took tens of milliseconds that sat between its last byte and its row
   * turning verified. `written` settles (never rejects) when the write is done.
   */
  async store(digest: string, analysis: LayerAnalysis, packages: readonly CapturedFile[] = []): Promise<{ written: Promise<void> }> {
    const nothing = { written: Promise.resolve() };
    const db = await this.open();
    if (!db) return nothing;
    const bytes = layerAnalysisBytes(analysis, packages);
    if (bytes > this.budget) return nothing;
    try {
      const tx = db.transaction([META, ANALYSES, SEEK], 'readwrite');
      tx.objectStore(ANALYSES).put({ analysis, packages } satisfies CachedLayer, digest);
      tx.objectStore(SEEK).delete(digest);
      tx.objectStore(META).put({ digest, lastUsed: Date.now(), bytes } satisfies MetaRecord);
      // A full disk or a quota refusal only costs the cache, never the analysis.
      return {
        written: done(tx)
          .then(() => this.evict(db))
          .catch(() => {}),
      };
    } catch {
      return nothing;
    }
  }

  /** The layer's serialized seek index, when one was built and kept. */
  async getSeek(digest: string): Promise<Uint8Array | undefined> {
    const db = await this.open();
    if (!db) return undefined;
    try {
      const tx = db.transaction(SEEK, 'readonly');
      const bytes = (await request(tx.objectStore(SEEK).get(digest))) as Uint8Array | undefined;
      return bytes instanceof Uint8Array ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether a seek index is kept for the layer. */
  async hasSeek(digest: string): Promise<boolean> {
    const db = await this.open();
    if (!db) return false;
    try {
      const tx = db.transaction(SEEK, 'readonly');
      return (await request(tx.objectStore(SEEK).count(digest))) > 0;
    } catch {
      return false;
    }
  }

  /**
   * Keeps a seek index beside the layer's analysis, counted in its entry's bytes. Without the
   * analysis (evicted meanwhile, or never verified) the index is not kept: it belongs to it.
   */
  async putSeek(digest: string, serialized: Uint8Array): Promise<boolean> {
    const db = await this.open();
    if (!db) return false;
    try {
      const tx = db.transaction([META, SEEK], 'readwrite');
      const meta = tx.objectStore(META);
      const record = (await request(meta.get(digest))) as MetaRecord | undefined;
      if (!record || record.bytes - (record.seekBytes ?? 0) + serialized.byteLength > this.budget) {
        await done(tx);
        return false;
      }
      tx.objectStore(SEEK).put(serialized, digest);
      meta.put({ ...record, bytes: record.bytes - (record.seekBytes ?? 0) + serialized.byteLength, seekBytes: serialized.byteLength } satisfies MetaRecord);
      await done(tx);
      await this.evict(db);
      return true;
    } catch {
      return false;
    }
  }

  /** Drops least-recently-used entries until the total fits the budget. */
  private async evict(db: IDBDatabase): Promise<void> {
    const tx = db.transaction([META, ANALYSES, SEEK], 'readwrite');
    const records = (await request(tx.objectStore(META).index('lastUsed').getAll())) as MetaRecord[];
    let total = records.reduce((sum, r) => sum + r.bytes, 0);
    for (const record of records) {
      if (total <= this.budget) break;
      tx.objectStore(META).delete(record.digest);
      tx.objectStore(ANALYSES).delete(record.digest);
      tx.objectStore(SEEK).delete(record.digest);
      total -= record.bytes;
    }
    await done(tx);
  }

  async stats(): Promise<CacheStats> {
    const db = await this.open();
    if (!db) return { entries: 0, bytes: 0, budget: this.budget };
    const tx = db.transaction(META, 'readonly');
    const records = (await request(tx.objectStore(META).getAll())) as MetaRecord[];
    return { entries: records.length, bytes: records.reduce((s, r) => s + r.bytes, 0), budget: this.budget };
  }

  async clear(): Promise<void> {
    const db = await this.open();
    if (!db) return;
    const tx = db.transaction([META, ANALYSES, SEEK], 'readwrite');
    tx.objectStore(META).clear();
    tx.objectStore(ANALYSES).clear();
    tx.objectStore(SEEK).clear();
    await done(tx);
  }
}
