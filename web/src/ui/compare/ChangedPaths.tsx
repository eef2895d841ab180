import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import { DIFF_KINDS, DIFFERENCES, type DiffKind, type FsComparison } from '../../core/compare';
import { EntryType } from '../../core/layers/layerIndex';
import { inPlace } from '../browse/nav';
import { formatBytes } from '../format';
import { formatDelta } from './format';

const ROW_HEIGHT = 28;

const KIND_STYLE: Record<DiffKind, { symbol: string; label: string; className: string }> = {
  added: { symbol: '+', label: 'Added', className: 'text-emerald-700 dark:text-emerald-400' },
  removed: { symbol: '−', label: 'Removed', className: 'text-red-700 dark:text-red-400' },
  changed: { symbol: '~', label: 'Changed', className: 'text-amber-700 dark:text-amber-300' },
};

const TYPE_NAMES: Record<number, string> = {
  [EntryType.File]: 'file',
  [EntryType.Hardlink]: 'hard link',
  [EntryType.Symlink]: 'symlink',
  [EntryType.CharDevice]: 'char device',
  [EntryType.BlockDevice]: 'block device',
  [EntryType.Directory]: 'directory',
  [EntryType.Fifo]: 'pipe',
  [EntryType.Other]: 'other',
};

type Sort = 'path' | 'growth' | 'shrink' | 'magnitude';

/** Rows matching the filter, in the chosen order, as indexes into the comparison. */
function selectRows(c: FsComparison, filter: string, kinds: Record<DiffKind, boolean>, sort: Sort): Int32Array {
  const needle = filter.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < c.count; i++) {
    if (!kinds[DIFF_KINDS[c.kind[i]!]!]) continue;
    if (needle && !c.paths[i]!.toLowerCase().includes(needle)) continue;
    out.push(i);
  }
  const rows = Int32Array.from(out);
  const delta = (i: number) => c.sizeB[i]! - c.sizeA[i]!;
  if (sort === 'growth') rows.sort((x, y) => delta(y) - delta(x) || x - y);
  else if (sort === 'shrink') rows.sort((x, y) => delta(x) - delta(y) || x - y);
  else if (sort === 'magnitude') rows.sort((x, y) => Math.abs(delta(y)) - Math.abs(delta(x)) || x - y);
  return rows; // 'path': tree order already
}

function typeText(c: FsComparison, i: number): string {
  const a = c.typeA[i]!;
  const b = c.typeB[i]!;
  const files = c.files[i]!;
  const name = (t: number) => TYPE_NAMES[t] ?? 'entry';
  const base = a >= 0 && b >= 0 && a !== b ? `${name(a)} → ${name(b)}` : name(a >= 0 ? a : b);
  return files >= 0 ? `${base}, ${files.toLocaleString('en')} file${files === 1 ? '' : 's'}` : base;
}

function changesText(c: FsComparison, i: number): string {
  const bits = c.changes[i]!;
  const text = DIFFERENCES.filter((_, bit) => bits & (1 << bit)).join(', ');
  // Same bytes on both sides (content hash): only metadata changed.
  return c.sameContent[i] === 1 ? `${text} (same bytes)` : text;
}

interface ChangedPathsProps {
  comparison: FsComparison;
  summarise: boolean;
  onSummarise: (value: boolean) => void;
  /** A link to the path in the explorer of the image that has it (the compared-with one unless removed). */
  hrefOf?: (path: string, kind: DiffKind) => string | undefined;
  /** Follows such a link in place (a plain click); modified clicks keep the browser's behaviour. */
  onOpen?: (href: string) => void;
}

export function ChangedPaths({ comparison: c, summarise, onSummarise, hrefOf, onOpen }: ChangedPathsProps) {
  const [filter, setFilter] = useState('');
  const [kinds, setKinds] = useState<Record<DiffKind, boolean>>({ added: true, removed: true, changed: true });
  const [sort, setSort] = useState<Sort>('path');
  const deferred = useDeferredValue(filter);
  const rows = useMemo(() => selectRows(c, deferred, kinds, sort), [c, deferred, kinds, sort]);
  const counts = useMemo(() => {
    const n = { added: 0, removed: 0, changed: 0 };
    for (let i = 0; i < c.count; i++) n[DIFF_KINDS[c.kind[i]!]!]++;
    return n;
  }, [c]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });

  return (
    <section
      aria-labelledby="changed-paths-title"
      className="flex flex-col rounded-lg border border-slate-200 bg-white tall:h-full tall:min-h-0 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 px-3 py-2 text-xs dark:border-slate-800">
        <h2 id="changed-paths-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          Changed paths <span className="font-normal normal-case">({c.count.toLocaleString('en')})</span>
        </h2>
        <label className="flex items-center gap-1">
          <span className="sr-only">Filter paths</span>
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="Filter paths"
            aria-label="Filter paths"
            className="w-48 rounded border border-slate-300 bg-white px-2 py-1 font-mono dark:border-slate-700 dark:bg-slate-950"
          />
        </label>
        {DIFF_KINDS.map((k) => (
          <label key={k} className={`flex items-center gap-1 ${KIND_STYLE[k].className}`}>
            <input type="checkbox" checked={kinds[k]} onChange={(e) => setKinds((prev) => ({ ...prev, [k]: e.target.checked }))} />
            {KIND_STYLE[k].symbol} {KIND_STYLE[k].label} ({counts[k].toLocaleString('en')})
          </label>
        ))}
        <label className="flex items-center gap-1">
          Sort
          <select
            value={sort}
            onChange={(e) => setSort(e.target.value as Sort)}
            aria-label="Sort"
            className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-700 dark:bg-slate-950"
          >
            <option value="path">by path</option>
            <option value="growth">largest growth first</option>
            <option value="shrink">largest shrink first</option>
            <option value="magnitude">largest change first</option>
          </select>
        </label>
        <label className="flex items-center gap-1" title="An added or removed directory as one row with its file count and bytes, or every path below it too">
          <input type="checkbox" checked={summarise} onChange={(e) => onSummarise(e.target.checked)} />
          One row per added/removed directory
        </label>
      </div>
      {c.count === 0 ? (
        <p className="p-4 text-sm text-slate-700 dark:text-slate-300" data-testid="no-changes">
          No path differs: both images have the same paths, with the same types, sizes, permissions, owners and link targets.
        </p>
      ) : (
        <>
          <div
            aria-hidden="true"
            className="grid grid-cols-[1.5rem_minmax(0,1fr)_10rem_12rem_6.5rem_7rem] gap-2 border-b border-slate-200 px-3 py-1 text-[11px] font-medium text-slate-600 dark:border-slate-800 dark:text-slate-400"
          >
            <span />
            <span>Path</span>
            <span>Type</span>
            <span className="text-right">Size (before → after)</span>
            <span className="text-right">Delta</span>
            <span>What changed</span>
          </div>
          <div ref={scroller} className="h-[28rem] overflow-auto tall:h-auto tall:min-h-0 tall:flex-1" tabIndex={0}>
            <ul aria-label="Changed paths" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((item) => {
                const i = rows[item.index]!;
                const kind = DIFF_KINDS[c.kind[i]!]!;
                const style = KIND_STYLE[kind];
                const delta = c.sizeB[i]! - c.sizeA[i]!;
                const path = c.paths[i]!;
                const dir = c.directory[i] === 1;
                return (
                  <li
                    key={item.key}
                    data-path={path}
                    data-kind={kind}
                    data-delta={delta}
                    className="absolute left-0 grid w-full grid-cols-[1.5rem_minmax(0,1fr)_10rem_12rem_6.5rem_7rem] items-center gap-2 border-b border-slate-100 px-3 text-xs dark:border-slate-800/60"
                    style={{ top: item.start, height: ROW_HEIGHT }}
                  >
                    <span className={`font-mono font-bold ${style.className}`} aria-label={style.label}>
                      {style.symbol}
                    </span>
                    <PathCell path={path} dir={dir} href={hrefOf?.(path, kind)} onOpen={onOpen} />
                    <span className="truncate text-slate-600 dark:text-slate-400">{typeText(c, i)}</span>
                    <span className="text-right tabular-nums">
                      {kind === 'added'
                        ? formatBytes(c.sizeB[i]!)
                        : kind === 'removed'
                          ? formatBytes(c.sizeA[i]!)
                          : `${formatBytes(c.sizeA[i]!)} → ${formatBytes(c.sizeB[i]!)}`}
                    </span>
                    <span
                      className={`text-right tabular-nums ${delta > 0 ? 'text-red-700 dark:text-red-400' : delta < 0 ? 'text-emerald-700 dark:text-emerald-400' : 'text-slate-600 dark:text-slate-400'}`}
                    >
                      {formatDelta(delta)}
                    </span>
                    <span className="truncate text-slate-600 dark:text-slate-400">{changesText(c, i)}</span>
                  </li>
                );
              })}
            </ul>
          </div>
          <p className="border-t border-slate-200 px-3 py-1.5 text-[11px] text-slate-600 dark:border-slate-800 dark:text-slate-400" aria-live="polite">
            {rows.length.toLocaleString('en')} of {c.count.toLocaleString('en')} rows · compared by tar headers (type, size, permissions, owner, link target);
            contents and modification times are not compared
          </p>
        </>
      )}
    </section>
  );
}

function PathCell({ path, dir, href, onOpen }: { path: string; dir: boolean; href: string | undefined; onOpen: ((href: string) => void) | undefined }) {
  const text = `${path}${dir ? '/' : ''}`;
  if (!href) {
    return (
      <span className="truncate font-mono" title={path}>
        {text}
      </span>
    );
  }
  return (
    <a
      href={href}
      onClick={onOpen ? inPlace(() => onOpen(href)) : undefined}
      className="truncate font-mono hover:underline"
      title={`Open ${path} in the explorer`}
    >
      {text}
    </a>
  );
}
