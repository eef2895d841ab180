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

/** A byte string as a JS string of char codes 0–255: lossless, and `<` compares it bytewise. */
export function latin1(bytes: Uint8Array): string {
  const CHUNK = 4096;
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}

/**
 * Interns normalised paths (no leading or trailing '/', root = "") given as latin1 keys, then
 * renumbers the nodes in sorted pre-order.
 */
export class TrieBuilder {
  private readonly ids = new Map<string, number>([['', 0]]);
  private readonly names: string[] = [''];
  private readonly parents: number[] = [-1];

  get size(): number {
    return this.names.length;
  }

  /** The node of `key`, creating it and its missing ancestors. Ids are provisional until `finish`. */
  intern(key: string): number {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const missing: string[] = [key];
    let k = key;
    let p: number | undefined;
    for (;;) {
      const slash = k.lastIndexOf('/');
      k = slash < 0 ? '' : k.slice(0, slash);
      p = this.ids.get(k);
      if (p !== undefined) break;
      missing.push(k);
    }
    for (let i = missing.length - 1; i >= 0; i--) {
      const m = missing[i]!;
      const id = this.names.length;
      this.names.push(m.slice(m.lastIndexOf('/') + 1));
      this.parents.push(p);
      this.ids.set(m, id);
      p = id;
    }
    return p;
  }

  /** The provisional node of `key` if it was interned. */
  lookup(key: string): number | undefined {
    return this.ids.get(key);
  }

  /** The trie, and `remap[provisional] = final id`. */
  finish(): { trie: PathTrie; remap: Int32Array } {
    const n = this.names.length;
    const names = this.names;
    // Children grouped by parent (CSR), each group sorted by name.
    const childStart = new Int32Array(n + 1);
    for (let i = 1; i < n; i++) childStart[this.parents[i]! + 1]!++;
    for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
    const fill = childStart.slice(0, n);
    const children = new Int32Array(Math.max(0, n - 1));
    for (let i = 1; i < n; i++) children[fill[this.parents[i]!]!++] = i;
    const byName = (a: number, b: number): number => {
      const x = names[a]!;
      const y = names[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
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
    let nameLen = 0;
    for (let i = 0; i < n; i++) nameLen += names[i]!.length;
    const nameBytes = new Uint8Array(nameLen);
    const nameOffsets = new Uint32Array(n + 1);
    let off = 0;
    for (let id = 0; id < n; id++) {
      const old = order[id]!;
      const po = this.parents[old]!;
      parent[id] = po < 0 ? -1 : remap[po]!;
      depth[id] = po < 0 ? 0 : depth[parent[id]!]! + 1;
      const name = names[old]!;
      nameOffsets[id] = off;
      for (let j = 0; j < name.length; j++) nameBytes[off++] = name.charCodeAt(j);
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
