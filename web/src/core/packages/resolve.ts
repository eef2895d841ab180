/**
 * From what a package claims (paths, directory trees) to trie nodes.
 *
 * A database names paths as the package manager installed them, which is not always where the
 * bytes are: Debian since bookworm ships `/bin/bash` in bash.list while the image has
 * `/usr/bin/bash` behind the `/bin -> usr/bin` symlink (usrmerge). So every directory of a
 * claimed path is resolved through the symlinks the final image has (relative targets from the
 * directory holding the link, absolute ones from the image root, at most 40 hops as Linux's
 * MAXSYMLINKS), while the last component is not followed (lstat: a package owns its symlink,
 * not what it points at). Both the literal node and the resolved one are claimed, so a path
 * that existed as written in an earlier layer is still found there.
 */
import { EntryType } from '../layers/layerIndex';
import type { PackageFs } from './fsInput';
import { basename, dirname, normalizeAbsolute } from './text';
import type { OwnedTree, PackageRecord } from './types';

const MAX_HOPS = 40;

export class ClaimResolver {
  private readonly byPath = new Map<string, number>();
  private readonly dirMemo = new Map<string, string>();
  private readonly fileMemo = new WeakMap<readonly string[], Int32Array>();

  constructor(private readonly fs: PackageFs) {
    const { paths } = fs;
    for (let n = 0; n < paths.length; n++) this.byPath.set(paths[n]!, n);
  }

  node(path: string): number {
    return this.byPath.get(path) ?? -1;
  }

  /** A symlink the final image shows at node n: its target, else undefined. */
  private linkAt(n: number): string | undefined {
    const g = this.fs.finalVis[n]!;
    return g >= 0 && this.fs.entryType[g] === EntryType.Symlink ? this.fs.symlinkTarget(g) : undefined;
  }

  /** The directory `dir` (absolute, normalised) with every symlink in it followed. */
  resolveDir(dir: string, hops = 0): string {
    if (dir === '/') return '/';
    const memo = this.dirMemo.get(dir);
    if (memo !== undefined) return memo;
    const parent = this.resolveDir(dirname(dir), hops);
    const here = parent === '/' ? `/${basename(dir)}` : `${parent}/${basename(dir)}`;
    let out = here;
    const n = this.byPath.get(here);
    if (n !== undefined && hops < MAX_HOPS) {
      const target = this.linkAt(n);
      if (target !== undefined) out = this.resolveDir(normalizeAbsolute(target.startsWith('/') ? target : `${parent}/${target}`), hops + 1);
    }
    if (hops === 0) this.dirMemo.set(dir, out);
    return out;
  }

  /** The nodes of `path` as written and with its directories resolved (one or two, or none). */
  pathNodes(path: string, out: number[]): void {
    const p = normalizeAbsolute(path);
    const direct = this.byPath.get(p);
    if (direct !== undefined) out.push(direct);
    if (p === '/') return;
    const rdir = this.resolveDir(dirname(p));
    const r = this.byPath.get(rdir === '/' ? `/${basename(p)}` : `${rdir}/${basename(p)}`);
    if (r !== undefined && r !== direct) out.push(r);
  }

  /** Nodes of a record's listed files (memoized on the list, which is shared across layers). */
  fileNodes(files: readonly string[]): Int32Array {
    let nodes = this.fileMemo.get(files);
    if (!nodes) {
      // A listed path that is the directory of another listed path is a directory of the
      // package (dpkg and rpm list them), even where the image has a symlink there: bash.list
      // names /bin, which is `/bin -> usr/bin` in a merged-/usr image and not bash's.
      const dirs = new Set<string>();
      for (const f of files) dirs.add(dirname(f));
      const tmp: number[] = [];
      for (const f of files) if (!dirs.has(f)) this.pathNodes(f, tmp);
      nodes = Int32Array.from(tmp);
      this.fileMemo.set(files, nodes);
    }
    return nodes;
  }

  /** Nodes a tree claim covers. */
  treeNodes(tree: OwnedTree, out: number[]): void {
    const roots: number[] = [];
    this.pathNodes(tree.dir, roots);
    const { subtreeEnd, paths } = this.fs;
    for (const root of roots) {
      if (tree.topLevel) {
        this.topLevelNodes(root, tree.topLevel, out);
        continue;
      }
      const end = subtreeEnd[root]!;
      for (let n = root + 1; n < end;) {
        if (tree.excludeNamed !== undefined && basename(paths[n]!) === tree.excludeNamed) {
          n = subtreeEnd[n]!;
          continue;
        }
        out.push(n);
        n++;
      }
    }
  }

  /** Python top-level names in a site directory: `<name>/**`, `<name>.py`, `<name>.*.so`. */
  private topLevelNodes(site: number, names: readonly string[], out: number[]): void {
    const { subtreeEnd, paths } = this.fs;
    const want = new Set(names);
    const end = subtreeEnd[site]!;
    for (let c = site + 1; c < end; c = subtreeEnd[c]!) {
      const name = basename(paths[c]!);
      const dot = name.indexOf('.');
      const stem = dot < 0 ? name : name.slice(0, dot);
      if (!want.has(stem)) continue;
      if (dot < 0) for (let n = c; n < subtreeEnd[c]!; n++) out.push(n);
      else if (name === `${stem}.py` || name.endsWith('.so') || name.endsWith('.pyd')) out.push(c);
    }
  }

  /** Every node a record claims: its files (memoized) and its trees. */
  recordNodes(r: PackageRecord): Int32Array {
    const files = this.fileNodes(r.files);
    if (!r.trees || r.trees.length === 0) return files;
    const tmp: number[] = [];
    for (const t of r.trees) this.treeNodes(t, tmp);
    const out = new Int32Array(files.length + tmp.length);
    out.set(files);
    out.set(tmp, files.length);
    return out;
  }
}
