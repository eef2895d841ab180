/**
 * Flattening a view into rows for a virtual list. Expanded nodes and filters come from the
 * caller (URL or component state); nothing is remembered between calls.
 *
 * Filters: a path filter (substring, or a RegExp, tested on the full path "/usr/bin/env")
 * and mark filters (hide added / modified / removed / unmodified). A node stays when it
 * passes both, and every directory on the way to a node that stays stays too (dive keeps
 * the parents of matches; unlike dive, hiding "modified" does not hide the added files inside
 * a modified directory).
 */
import { type FsData } from './filesystem';
import { MARK_NAMES, NOT_IN_VIEW, type MarkName } from './marks';
import { sortBySize, type FsView } from './view';

export interface TreeFilter {
  /** Substring of the full path, or a regular expression tested on it. */
  readonly path?: string | RegExp;
  /** For a substring filter: ignore case (default true). */
  readonly ignoreCase?: boolean;
  /** Hide nodes with these marks (their matching descendants still bring them back as parents). */
  readonly hide?: Partial<Record<MarkName, boolean>>;
  /** Only these nodes match (non-zero byte per node): a package's files, say. Their directories stay as parents. */
  readonly nodes?: Uint8Array;
}

export interface FlattenOptions {
  /** Directories shown open. */
  readonly expanded?: ReadonlySet<number>;
  /** Open every directory (for example while a filter is typed). */
  readonly expandAll?: boolean;
  readonly sort?: 'name' | 'size';
  readonly filter?: TreeFilter;
}

export const RowFlag = {
  /** The node has children in the (filtered) view. */
  HasChildren: 1,
  /** Its children follow. */
  Expanded: 2,
  /** The node itself passed the filter (not only kept as a parent of one that did). */
  Match: 4,
  /** Last of its siblings (for drawing tree guides). */
  Last: 8,
} as const;

/** Rows for a virtual list, struct of arrays: row r shows node[r] at depth[r] (0 = top level). */
export interface FlatRows {
  readonly count: number;
  readonly node: Int32Array;
  readonly depth: Uint16Array;
  readonly flags: Uint8Array;
}

/**
 * Per node: 0 = filtered out, else Match (4) and/or 1 = keeps a descendant. Null when no filter is active.
 * `paths` gives the full path of every node, lower-cased when asked (see ImageFilesystem.paths).
 */
export function filterMask(
  view: FsView,
  parent: Int32Array,
  filter: TreeFilter | undefined,
  paths: (lowerCase: boolean) => readonly string[],
): Uint8Array | null {
  const hide = filter?.hide ?? {};
  const hidden = MARK_NAMES.map((m) => hide[m] === true);
  const pattern = filter?.path;
  const hasPattern = pattern instanceof RegExp || (typeof pattern === 'string' && pattern !== '');
  const only = filter?.nodes;
  if (!hasPattern && !hidden.some(Boolean) && !only) return null;
  let test: ((s: string) => boolean) | null = null;
  let lower = false;
  if (pattern instanceof RegExp) {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    test = (s) => re.test(s);
  } else if (typeof pattern === 'string' && pattern !== '') {
    lower = filter?.ignoreCase !== false;
    const p = lower ? pattern.toLowerCase() : pattern;
    test = (s) => s.includes(p);
  }
  const all = test ? paths(lower) : null;
  const keep = new Uint8Array(view.mark.length);
  const nodes = view.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const m = view.mark[n]!;
    const self = !hidden[m] && (only === undefined || only[n] !== 0) && (test === null || test(all![n]!));
    if (self) keep[n]! |= RowFlag.Match;
    if (keep[n]) keep[parent[n]!]! |= 1;
  }
  return keep;
}

export function flattenView(data: FsData, view: FsView, opts: FlattenOptions, paths: (lowerCase: boolean) => readonly string[]): FlatRows {
  const { end, depth: trieDepth, parent } = data.trie;
  const keep = filterMask(view, parent, opts.filter, paths);
  const expanded = opts.expanded;
  const expandAll = opts.expandAll === true;
  const bySize = opts.sort === 'size';
  const cap = view.nodes.length;
  const node = new Int32Array(cap);
  const depth = new Uint16Array(cap);
  const flags = new Uint8Array(cap);
  let rows = 0;

  const kept = (c: number): boolean => view.mark[c] !== NOT_IN_VIEW && (keep === null || keep[c] !== 0);
  const childrenOf = (n: number): Int32Array => {
    let count = 0;
    const stop = end[n]!;
    for (let c = n + 1; c < stop; c = end[c]!) if (kept(c)) count++;
    const out = new Int32Array(count);
    let w = 0;
    for (let c = n + 1; c < stop; c = end[c]!) if (kept(c)) out[w++] = c;
    if (bySize) sortBySize(out, view.size);
    return out;
  };
  const hasKeptChild = (n: number): boolean => {
    if (keep !== null) return (keep[n]! & 1) !== 0;
    return (view.childCount[n] ?? 0) > 0;
  };

  // Iterative DFS: a stack of child lists with positions.
  const lists: Int32Array[] = [childrenOf(0)];
  const pos: number[] = [0];
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const i = pos[top]!;
    if (i >= list.length) {
      lists.pop();
      pos.pop();
      continue;
    }
    pos[top] = i + 1;
    const n = list[i]!;
    const has = hasKeptChild(n);
    const open = has && (expandAll || (expanded?.has(n) ?? false));
    node[rows] = n;
    depth[rows] = Math.min(65535, trieDepth[n]! - 1);
    flags[rows] =
      (has ? RowFlag.HasChildren : 0) |
      (open ? RowFlag.Expanded : 0) |
      (keep === null || keep[n]! & RowFlag.Match ? RowFlag.Match : 0) |
      (i === list.length - 1 ? RowFlag.Last : 0);
    rows++;
    if (open) {
      lists.push(childrenOf(n));
      pos.push(0);
    }
  }
  return { count: rows, node: node.slice(0, rows), depth: depth.slice(0, rows), flags: flags.slice(0, rows) };
}
