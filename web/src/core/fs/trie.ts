/**
 * One interned path trie shared by every layer of an image.
 *
 * Node ids are a pre-order numbering of the tree with siblings sorted by name (byte order, as
 * Go's sort.Strings and dive do), so:
 *   - node 0 is the root directory "/";
 *   - a node's subtree is the id range [n, end[n]);
 *   - a parent's id is smaller than its children's, so one pass over descending ids visits
 *     every child before its parent (subtree sums need no recursion);
 *   - the children of n, in name order, are n+1, end[n+1], end[end[n+1]], … while < end[n].
 *
 * Names are the archive's raw bytes (tar names are byte strings); they are decoded as UTF-8,
 * lossily, only for display.
 *
 * Layout (all typed arrays, transferable):
 *   parent      Int32Array   count      parent id, -1 for the root
 *   depth       Int32Array   count      0 for the root, 1 for "/etc"
 *   end         Int32Array   count      end of the subtree (exclusive)
 *   nameBytes   Uint8Array              all names, concatenated
 *   nameOffsets Uint32Array  count + 1  name of n = nameBytes[nameOffsets[n] .. nameOffsets[n+1])
 */
export interface PathTrie {
  readonly count: number;
  readonly parent: Int32Array;
  readonly depth: Int32Array;
  readonly end: Int32Array;
  readonly nameBytes: Uint8Array;
  readonly nameOffsets: Uint32Array;
}

/**
 * Interns normalised paths (raw bytes: no leading or trailing '/', root = empty) without
 * building strings: one hash table keyed by (parent, name bytes), and a cache of the last
 * directory seen (tar archives list a directory's entries together), so most entries cost one
 * lookup. Renumbers the nodes in sorted pre-order in `finish`.
 */
export class TrieBuilder {
  private n = 1;
  private parents: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private nameStart: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private nameLen: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private pool = new Uint8Array(64 * 1024);
  private poolLen = 0;
  private table = new Int32Array(2048).fill(-1);
  private lastDir = new Uint8Array(256);
  private lastDirLen = -1;
  private lastDirId = 0;

  constructor() {
    this.parents[0] = -1;
  }

  get size(): number {
    return this.n;
  }

  /** The node of `path`, creating it and its missing ancestors. Ids are provisional until `finish`. */
  intern(path: Uint8Array): number {
    return this.walk(path, 0, path.length, true);
  }

  /** `intern` of bytes[start .. end) (no subarray needed). */
  internRange(bytes: Uint8Array, start: number, end: number): number {
    return this.walk(bytes, start, end - start, true);
  }

  /** The provisional node of `path` if it was interned, else -1. */
  lookup(path: Uint8Array): number {
    return this.walk(path, 0, path.length, false);
  }

  lookupRange(bytes: Uint8Array, start: number, end: number): number {
    return this.walk(bytes, start, end - start, false);
  }

  /** The node of src[off .. off+len). */
  private walk(src: Uint8Array, off: number, len: number, create: boolean): number {
    if (len === 0) return 0;
    let slash = len - 1;
    while (slash >= 0 && src[off + slash] !== 0x2f) slash--;
    let parent = 0;
    if (slash > 0) {
      let same = slash === this.lastDirLen;
      if (same) {
        const d = this.lastDir;
        for (let i = slash - 1; i >= 0; i--) {
          if (src[off + i] !== d[i]) {
            same = false;
            break;
          }
        }
      }
      if (same) parent = this.lastDirId;
      else {
        parent = this.walk(src, off, slash, create);
        if (parent < 0) return -1;
        if (this.lastDir.length < slash) this.lastDir = new Uint8Array(slash * 2);
        for (let i = 0; i < slash; i++) this.lastDir[i] = src[off + i]!;
        this.lastDirLen = slash;
        this.lastDirId = parent;
      }
    }
    return this.child(parent, src, off + slash + 1, off + len, create);
  }

  private child(parent: number, src: Uint8Array, from: number, to: number, create: boolean): number {
    const len = to - from;
    let h = Math.imul(parent, 0x9e3779b1) ^ 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    const mask = this.table.length - 1;
    let slot = (h >>> 0) & mask;
    const pool = this.pool;
    for (;;) {
      const id = this.table[slot]!;
      if (id < 0) break;
      if (this.parents[id] === parent && this.nameLen[id] === len) {
        const s = this.nameStart[id]!;
        let eq = true;
        for (let i = 0; i < len; i++) {
          if (pool[s + i] !== src[from + i]) {
            eq = false;
            break;
          }
        }
        if (eq) return id;
      }
      slot = (slot + 1) & mask;
    }
    if (!create) return -1;
    const id = this.n++;
    if (id === this.parents.length) {
      this.parents = grow32(this.parents);
      this.nameStart = grow32(this.nameStart);
      this.nameLen = grow32(this.nameLen);
    }
    if (this.poolLen + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolLen + len));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    for (let i = 0; i < len; i++) this.pool[this.poolLen + i] = src[from + i]!;
    this.parents[id] = parent;
    this.nameStart[id] = this.poolLen;
    this.nameLen[id] = len;
    this.poolLen += len;
    this.table[slot] = id;
    if (this.n * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let id = 1; id < this.n; id++) {
      let h = Math.imul(this.parents[id]!, 0x9e3779b1) ^ 0x811c9dc5;
      const s = this.nameStart[id]!;
      const e = s + this.nameLen[id]!;
      for (let i = s; i < e; i++) h = Math.imul(h ^ this.pool[i]!, 0x01000193);
      let slot = (h >>> 0) & mask;
      while (table[slot]! >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.table = table;
  }

  /** The trie, and `remap[provisional] = final id`. */
  finish(): { trie: PathTrie; remap: Int32Array } {
    const n = this.n;
    const { parents, nameStart, nameLen, pool } = this;
    // Children grouped by parent (CSR), each group sorted by name bytes.
    const childStart = new Int32Array(n + 1);
    for (let i = 1; i < n; i++) childStart[parents[i]! + 1]!++;
    for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
    const fill = childStart.slice(0, n);
    const children = new Int32Array(Math.max(0, n - 1));
    for (let i = 1; i < n; i++) children[fill[parents[i]!]!++] = i;
    const byName = (a: number, b: number): number => {
      const sa = nameStart[a]!;
      const sb = nameStart[b]!;
      const la = nameLen[a]!;
      const lb = nameLen[b]!;
      const m = Math.min(la, lb);
      for (let i = 0; i < m; i++) {
        const d = pool[sa + i]! - pool[sb + i]!;
        if (d !== 0) return d;
      }
      return la - lb;
    };
    for (let p = 0; p < n; p++) {
      const s = childStart[p]!;
      const e = childStart[p + 1]!;
      if (e - s > 1) children.subarray(s, e).sort(byName);
    }

    // Pre-order numbering, iteratively.
    const remap = new Int32Array(n);
    const order = new Int32Array(n); // final id -> provisional
    const stack = new Int32Array(n);
    let sp = 0;
    let next = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const old = stack[--sp]!;
      remap[old] = next;
      order[next++] = old;
      // Push children in reverse so the first name pops first.
      for (let c = childStart[old + 1]! - 1; c >= childStart[old]!; c--) stack[sp++] = children[c]!;
    }

    const parent = new Int32Array(n);
    const depth = new Int32Array(n);
    const end = new Int32Array(n);
    const nameBytes = new Uint8Array(this.poolLen);
    const nameOffsets = new Uint32Array(n + 1);
    let off = 0;
    for (let id = 0; id < n; id++) {
      const old = order[id]!;
      const po = parents[old]!;
      parent[id] = po < 0 ? -1 : remap[po]!;
      depth[id] = po < 0 ? 0 : depth[parent[id]!]! + 1;
      nameOffsets[id] = off;
      const from = nameStart[old]!;
      const to = from + nameLen[old]!;
      for (let i = from; i < to; i++) nameBytes[off++] = pool[i]!;
      end[id] = id + 1;
    }
    nameOffsets[n] = off;
    for (let id = n - 1; id > 0; id--) {
      const p = parent[id]!;
      if (end[id]! > end[p]!) end[p] = end[id]!;
    }
    return { trie: { count: n, parent, depth, end, nameBytes, nameOffsets }, remap };
  }
}

function grow32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** The raw bytes of node n's name (a view). */
export function nameBytesOf(trie: PathTrie, n: number): Uint8Array {
  return trie.nameBytes.subarray(trie.nameOffsets[n] ?? 0, trie.nameOffsets[n + 1] ?? 0);
}

const utf8 = new TextDecoder('utf-8');

/** Node n's name, decoded as UTF-8 (invalid bytes become U+FFFD). */
export function nameOf(trie: PathTrie, n: number): string {
  const b = nameBytesOf(trie, n);
  for (let i = 0; i < b.length; i++) if ((b[i] ?? 0) >= 0x80) return utf8.decode(b);
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

/** "/usr/bin/env" for a node, "/" for the root. */
export function pathOfNode(trie: PathTrie, n: number): string {
  if (n <= 0) return '/';
  const parts: string[] = [];
  for (let x = n; x > 0; x = trie.parent[x] ?? 0) parts.push(nameOf(trie, x));
  return '/' + parts.reverse().join('/');
}

/** The children of n in name order. */
export function childrenOf(trie: PathTrie, n: number): number[] {
  const out: number[] = [];
  const stop = trie.end[n] ?? n + 1;
  for (let c = n + 1; c < stop; c = trie.end[c] ?? stop) out.push(c);
  return out;
}

/** The node of a path ("/usr/bin", "usr/bin/", "" = root) or -1. Compares UTF-8 bytes. */
export function findNode(trie: PathTrie, path: string): number {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const enc = new TextEncoder();
  let n = 0;
  for (const part of parts) {
    const want = enc.encode(part);
    let found = -1;
    const stop = trie.end[n] ?? n + 1;
    for (let c = n + 1; c < stop; c = trie.end[c] ?? stop) {
      const have = nameBytesOf(trie, c);
      if (have.length === want.length && have.every((v, i) => v === want[i])) {
        found = c;
        break;
      }
    }
    if (found < 0) return -1;
    n = found;
  }
  return n;
}

/** Every node's full display path ("/" + names), built in one pre-order pass. */
export function allPaths(trie: PathTrie): string[] {
  const out = new Array<string>(trie.count);
  out[0] = '';
  for (let n = 1; n < trie.count; n++) out[n] = out[trie.parent[n]!]! + '/' + nameOf(trie, n);
  out[0] = '/';
  return out;
}
