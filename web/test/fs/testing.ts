/**
 * Hand-built LayerIndexes for tests and benchmarks, recorded exactly as the tar parser records
 * them (whiteouts as facts about the path they delete, opaque markers as facts about the directory).
 *
 * A compact line per entry:
 *   "d usr/bin"                 directory
 *   "f usr/bin/env 1234"        regular file of 1234 bytes (size defaults to 0)
 *   "l usr/bin/sh -> dash"      symlink
 *   "h usr/bin/b => usr/bin/a"  hardlink to an archive member
 *   "w etc/issue.net"           whiteout: `etc/.wh.issue.net` deletes etc/issue.net
 *   "o usr/share/doc"           opaque: `usr/share/doc/.wh..wh..opq`
 * or an object for anything else (mode, uid, gid, mtime).
 */
import { EntryFlag, EntryType, LayerIndexBuilder, type LayerIndex } from '../../src/core/layers/layerIndex';

export interface TestEntry {
  readonly path: string;
  readonly type?: EntryType;
  readonly size?: number;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtime?: number;
  readonly link?: string;
  readonly flags?: number;
  /**
   * A content hash for a regular file (core/layers/contentHash.ts), as the low word; the high word
   * is 0x1ad1 so that no hash is 0/0. A layer where no entry has one is built without the column.
   */
  readonly hash?: number;
}

const enc = new TextEncoder();

export function norm(path: string): string {
  return path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

export function parseLine(line: string): TestEntry {
  const kind = line[0];
  const rest = line.slice(2);
  switch (kind) {
    case 'd':
      return { path: rest, type: EntryType.Directory, mode: 0o755 };
    case 'f': {
      const m = /^(.*?)(?: (\d+))?$/.exec(rest)!;
      return { path: m[1]!, type: EntryType.File, size: Number(m[2] ?? 0) };
    }
    case 'l': {
      const [p, t] = rest.split(' -> ');
      return { path: p!, type: EntryType.Symlink, link: t!, mode: 0o777 };
    }
    case 'h': {
      const [p, t] = rest.split(' => ');
      return { path: p!, type: EntryType.Hardlink, link: norm(t!) };
    }
    case 'w':
      return { path: rest, type: EntryType.File, flags: EntryFlag.Whiteout, mode: 0 };
    case 'o':
      return { path: rest, type: EntryType.File, flags: EntryFlag.Opaque, mode: 0 };
    default:
      throw new Error(`bad test entry: ${line}`);
  }
}

export function buildLayer(entries: readonly (string | TestEntry)[]): LayerIndex {
  const b = new LayerIndexBuilder();
  const parsed = entries.map((item) => (typeof item === 'string' ? parseLine(item) : item));
  for (const e of parsed) {
    const pathId = b.addString(enc.encode(norm(e.path)));
    const linkId = e.link !== undefined ? b.addString(enc.encode(e.link)) : -1;
    b.add(pathId, linkId, {
      type: e.type ?? EntryType.File,
      flags: e.flags ?? 0,
      mode: e.mode ?? 0o644,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: e.size ?? 0,
      mtime: e.mtime ?? 1_700_000_000,
      offset: 0,
    });
  }
  const index = b.finish();
  if (!parsed.some((e) => e.hash !== undefined)) return index;
  const contentHash = new Uint32Array(2 * index.count);
  parsed.forEach((e, i) => {
    if (e.hash === undefined) return;
    contentHash[2 * i] = 0x1ad1;
    contentHash[2 * i + 1] = e.hash;
  });
  return { ...index, contentHash };
}

/** Layers from lists of lines, with optional commands. */
export function buildLayers(...layers: readonly (readonly (string | TestEntry)[])[]): { index: LayerIndex; command: string }[] {
  return layers.map((entries, i) => ({ index: buildLayer(entries), command: `layer ${i}` }));
}

/** Deterministic xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * A synthetic image: `layers` layers of `filesPerLayer` files each in a directory tree like a
 * distribution's (/usr/lib/pkgN/subM/...). From layer 1 on, 70% of the entries are new files
 * and 30% act on files that are still visible, like package upgrades and cleanups: overwrite
 * (60%), delete (34%), delete the whole directory (4%), make the directory opaque and write
 * one file back (2%).
 */
export function syntheticImage(layers: number, filesPerLayer: number, seed = 1): { index: LayerIndex; command: string }[] {
  const rand = rng(seed);
  const out: { index: LayerIndex; command: string }[] = [];
  // Visible files: a flat list for random picks (stale ones are dropped when picked) and per directory.
  const live: string[] = [];
  const byDir = new Map<string, Set<string>>();
  const dirOf = (p: string): string => p.slice(0, p.lastIndexOf('/'));
  const track = (p: string): void => {
    let set = byDir.get(dirOf(p));
    if (!set) byDir.set(dirOf(p), (set = new Set()));
    set.add(p);
    live.push(p);
  };
  const pick = (): number => {
    while (live.length > 0) {
      const at = Math.floor(rand() * live.length);
      const p = live[at]!;
      if (byDir.get(dirOf(p))?.has(p)) return at;
      live[at] = live[live.length - 1]!;
      live.pop();
    }
    return -1;
  };
  for (let k = 0; k < layers; k++) {
    const b = new LayerIndexBuilder();
    const seenDirs = new Set<string>();
    const add = (path: string, type: EntryType, size: number, flags = 0): void => {
      const mode = type === EntryType.Directory ? 0o755 : 0o644;
      b.add(b.addString(enc.encode(path)), -1, { type, flags, mode, uid: 0, gid: 0, size, mtime: 1_700_000_000 + k, offset: 0 });
    };
    /** Directory entries for every ancestor of `path` (not `path` itself), once per layer. */
    const addDirs = (path: string): void => {
      let i = path.indexOf('/');
      while (i > 0) {
        const d = path.slice(0, i);
        if (!seenDirs.has(d)) {
          seenDirs.add(d);
          add(d, EntryType.Directory, 0);
        }
        i = path.indexOf('/', i + 1);
      }
    };
    const fresh = k === 0 ? filesPerLayer : Math.floor(filesPerLayer * 0.7);
    const rewrites = filesPerLayer - fresh;
    for (let i = 0; i < rewrites; i++) {
      const at = pick();
      if (at < 0) break;
      const path = live[at]!;
      const r = rand();
      const dir = dirOf(path);
      if (r < 0.6) {
        addDirs(path);
        add(path, EntryType.File, Math.floor(rand() * 100_000));
      } else if (r < 0.94) {
        addDirs(path);
        add(path, EntryType.File, 0, EntryFlag.Whiteout);
        byDir.get(dir)!.delete(path);
      } else if (r < 0.98) {
        addDirs(dir);
        add(dir, EntryType.File, 0, EntryFlag.Whiteout);
        byDir.delete(dir);
      } else {
        addDirs(path);
        add(dir, EntryType.File, 0, EntryFlag.Opaque);
        add(path, EntryType.File, Math.floor(rand() * 100_000));
        byDir.delete(dir);
        track(path);
      }
    }
    for (let i = 0; i < fresh; i++) {
      const pkg = Math.floor(rand() * 200);
      const path = `usr/lib/pkg${pkg}/sub${i % 7}/l${k}f${i}.so`;
      addDirs(path);
      add(path, EntryType.File, Math.floor(rand() * 100_000));
      track(path);
    }
    out.push({ index: b.finish(), command: `RUN step ${k}` });
  }
  return out;
}
