/**
 * IndexedDB cache of layer analyses, keyed by the layer digest. Content-addressed, so an
 * entry never goes stale: another image sharing a base layer reuses it, and reopening an
 * image is instant. Bounded by a byte budget with least-recently-used eviction.
 *
 * Runs inside the worker (IndexedDB exists there), so the page never touches it.
 */
import type { LayerAnalysis } from '../core/layers';
import { layerAnalysisBytes } from './layerJob';

const DB_NAME = 'lading-layer-cache';
/** Small records (digest, lastUsed, bytes) for LRU bookkeeping, apart from the analyses themselves. */
const META = 'meta';
const ANALYSES = 'analyses';
/**
 * 2: analyses carry `warnings`, and the tar reader reads as Go's archive/tar does (global headers
 * ignored, GNU long names over PAX paths), so version-1 entries are dropped, not reused.
 */
const DB_VERSION = 2;
export const DEFAULT_CACHE_BUDGET = 512 * 1024 * 1024;

interface MetaRecord {
  digest: string;
  lastUsed: number;
  bytes: number;
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

  /** Opens lazily; a browser without IndexedDB (or a private window refusing it) just has no cache. */
  private open(): Promise<IDBDatabase | null> {
    this.db ??= new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        for (const name of [META, ANALYSES]) if (db.objectStoreNames.contains(name)) db.deleteObjectStore(name);
        db.createObjectStore(META, { keyPath: 'digest' }).createIndex('lastUsed', 'lastUsed');
        db.createObjectStore(ANALYSES);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    });
    return this.db;
  }

  async get(digest: string): Promise<LayerAnalysis | undefined> {
    const db = await this.open();
    if (!db) return undefined;
    try {
      const tx = db.transaction([META, ANALYSES], 'readwrite');
      const analysis = (await request(tx.objectStore(ANALYSES).get(digest))) as LayerAnalysis | undefined;
      const meta = tx.objectStore(META);
      const record = (await request(meta.get(digest))) as MetaRecord | undefined;
      if (record) meta.put({ ...record, lastUsed: Date.now() } satisfies MetaRecord);
      await done(tx);
      return analysis;
    } catch {
      return undefined;
    }
  }

  async put(digest: string, analysis: LayerAnalysis): Promise<void> {
    const db = await this.open();
    if (!db) return;
    const bytes = layerAnalysisBytes(analysis);
    if (bytes > this.budget) return;
    try {
      const tx = db.transaction([META, ANALYSES], 'readwrite');
      tx.objectStore(ANALYSES).put(analysis, digest);
      tx.objectStore(META).put({ digest, lastUsed: Date.now(), bytes } satisfies MetaRecord);
      await done(tx);
      await this.evict(db);
    } catch {
      // A full disk or a quota refusal only costs the cache, never the analysis.
    }
  }

  /** Drops least-recently-used entries until the total fits the budget. */
  private async evict(db: IDBDatabase): Promise<void> {
    const tx = db.transaction([META, ANALYSES], 'readwrite');
    const records = (await request(tx.objectStore(META).index('lastUsed').getAll())) as MetaRecord[];
    let total = records.reduce((sum, r) => sum + r.bytes, 0);
    for (const record of records) {
      if (total <= this.budget) break;
      tx.objectStore(META).delete(record.digest);
      tx.objectStore(ANALYSES).delete(record.digest);
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
    const tx = db.transaction([META, ANALYSES], 'readwrite');
    tx.objectStore(META).clear();
    tx.objectStore(ANALYSES).clear();
    await done(tx);
  }
}
