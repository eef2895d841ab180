/**
 * A hash of every regular file's bytes, computed in the layer's one streaming pass (a content
 * observer, tar.ts) and kept in the LayerIndex as one column: `contentHash[2i]` and
 * `[2i + 1]` are the high and low 32 bits of entry i's 64-bit hash; both 0 when the entry has
 * none (not a regular file, content cut short, or hashing off). An empty column means the layer
 * was read without hashing. 8 bytes per entry.
 *
 * Which hash: XXH64 (seed 0), the hash dive computes for every file (`getHashFromReader` in
 * dive/filetree/file_info.go, github.com/cespare/xxhash/v2), so Lading's Modified marks and
 * dive's are decided by the same function; `xxhsum -H1` prints the same value. Measured with
 * web/test/bench/contentHashBench.ts on the packages fixture's 174 MB base layer (4,823
 * entries; see e2e/bench/README.md for the numbers): hash-wasm's XXH64 and XXH3 cost about the
 * same per byte, BLAKE3 several times more; a 64-bit hash is 8 bytes a file where BLAKE3's 32
 * would quadruple the column. A pure-JS XXH64 needs 64-bit multiplies JavaScript lacks.
 *
 * Equal hashes are taken as equal bytes (with the sizes equal too): a chance collision between
 * two of a million files is about 3·10⁻⁸; dive takes the same chance.
 *
 * One hasher serves a whole layer: tar entries come one after another, so at most one file is
 * being hashed at a time (init per file, digest at its end).
 */
import { createXXHash64 } from 'hash-wasm';
import { EntryFlag, EntryType, type LayerIndex } from './layerIndex';
import type { ContentObserver, ContentSink } from './tar';

/** What the column needs of a 64-bit hasher (hash-wasm's IHasher has this shape). */
export interface ContentHasher {
  init(): unknown;
  update(bytes: Uint8Array): unknown;
  /** 8 bytes, big-endian (the canonical form xxhsum prints). */
  digest(outputType: 'binary'): Uint8Array;
}

/** XXH64 (seed 0) from hash-wasm (its WebAssembly module is compiled once per thread and cached). */
export function createContentHasher(): Promise<ContentHasher> {
  return createXXHash64();
}

/**
 * Collects the hashes of one layer pass. `observer` goes to analyzeLayerStream (alone, or through
 * combineObservers); `attach(index)` gives the index with its column once the pass is over. When
 * the layer is read a second time (a native inflater failed part-way), the entries come again
 * from index 0 and overwrite what the first pass left.
 */
export class ContentHashes {
  private column = new Uint32Array(128);
  private busy = false;

  constructor(private readonly hasher: ContentHasher) {}

  readonly observer: ContentObserver = (entry) => {
    const i = entry.index;
    if (2 * i + 2 > this.column.length) this.grow(2 * i + 2);
    this.column[2 * i] = 0;
    this.column[2 * i + 1] = 0;
    if (entry.type !== EntryType.File || (entry.flags & (EntryFlag.Whiteout | EntryFlag.Opaque)) !== 0) return undefined;
    // Never two files at once (see the header); should a reader ever interleave, the later one goes unhashed.
    if (this.busy) return undefined;
    this.busy = true;
    this.hasher.init();
    return this.sinkFor(i);
  };

  private sinkFor(i: number): ContentSink {
    return {
      data: (bytes) => void this.hasher.update(bytes),
      end: (complete) => {
        this.busy = false;
        if (!complete) return;
        const d = this.hasher.digest('binary');
        const hi = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
        const lo = ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
        this.column[2 * i] = hi;
        // 0/0 means "no hash"; a hash that is 0 (a 2⁻⁶⁴ chance) is kept as 1.
        this.column[2 * i + 1] = hi === 0 && lo === 0 ? 1 : lo;
      },
    };
  }

  /** The index with its hash column (a copy of the column trimmed to the index, in a buffer of its own). */
  attach(index: LayerIndex): LayerIndex {
    const column = new Uint32Array(2 * index.count);
    column.set(this.column.subarray(0, Math.min(this.column.length, column.length)));
    return { ...index, contentHash: column };
  }

  private grow(needed: number): void {
    let cap = this.column.length * 2;
    while (cap < needed) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.column);
    this.column = next;
  }
}

/** Whether the index was read with hashing on (an empty index trivially was). */
export function hasContentHashes(index: LayerIndex): boolean {
  return index.contentHash.length === 2 * index.count;
}

/** Entry i's hash as 16 hex digits (as `xxhsum -H1` prints it), or undefined when it has none. */
export function contentHashHex(index: LayerIndex, i: number): string | undefined {
  const hi = index.contentHash[2 * i] ?? 0;
  const lo = index.contentHash[2 * i + 1] ?? 0;
  if (hi === 0 && lo === 0) return undefined;
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * Same bytes? True or false when both entries have a hash; undefined when either has none (the
 * caller falls back to what the headers say).
 */
export function sameContent(a: LayerIndex, i: number, b: LayerIndex, j: number): boolean | undefined {
  const ahi = a.contentHash[2 * i] ?? 0;
  const alo = a.contentHash[2 * i + 1] ?? 0;
  const bhi = b.contentHash[2 * j] ?? 0;
  const blo = b.contentHash[2 * j + 1] ?? 0;
  if ((ahi === 0 && alo === 0) || (bhi === 0 && blo === 0)) return undefined;
  return ahi === bhi && alo === blo && a.size[i] === b.size[j];
}
