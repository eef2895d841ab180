/**
 * The packages as a virtualized table (only the rows on screen are rendered: an image with 2,000
 * packages scrolls like one with 20). Headers sort it; a row opens the explorer on the package's
 * files (click or Enter).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { LayerInfo } from '../../core/image';
import { dockerfileLine } from '../../core/image';
import type { PackageSummary } from '../../queries/packageQueries';
import { formatBytes } from '../format';
import type { PackageQuery, PackageSortKey } from './packageRows';

const ROW_HEIGHT = 28;
const COLUMNS = 'grid-cols-[4rem_minmax(8rem,2fr)_minmax(6rem,1.2fr)_4.5rem_4rem_6rem_6rem]';

const HEADERS: { key: PackageSortKey; label: string; right?: boolean; title?: string }[] = [
  { key: 'ecosystem', label: 'Type' },
  { key: 'name', label: 'Package' },
  { key: 'version', label: 'Version' },
  { key: 'layer', label: 'Layer', right: true, title: 'The layer that installed it or last changed its version' },
  { key: 'files', label: 'Files', right: true, title: 'Its files (not directories) in the final image' },
  { key: 'size', label: 'In image', right: true, title: 'Bytes of its regular files the final image shows' },
  { key: 'cost', label: 'All layers', right: true, title: 'Bytes of every copy of its files written in any layer (a file rewritten later counts twice)' },
];

export function PackageTable({
  rows,
  layers,
  sort,
  onSort,
  onOpen,
}: {
  rows: readonly PackageSummary[];
  layers: readonly LayerInfo[];
  sort: PackageQuery['sort'];
  onSort: (sort: PackageQuery['sort']) => void;
  onOpen: (p: PackageSummary) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  return (
    <div role="table" aria-label="Packages" aria-rowcount={rows.length + 1} className="flex min-h-0 flex-1 flex-col text-xs">
      <div role="rowgroup">
        <div
          role="row"
          aria-rowindex={1}
          className={`grid ${COLUMNS} gap-2 border-b border-slate-200 px-3 py-1.5 text-slate-600 dark:border-slate-800 dark:text-slate-400`}
        >
          {HEADERS.map((h) => {
            const active = sort.key === h.key;
            return (
              <span
                key={h.key}
                role="columnheader"
                aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                className={h.right ? 'text-right' : ''}
              >
                <button
                  type="button"
                  title={h.title}
                  onClick={() => onSort({ key: h.key, descending: active ? !sort.descending : h.right === true })}
                  className="font-medium hover:text-slate-900 dark:hover:text-slate-100"
                >
                  {h.label}
                  {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
                </button>
              </span>
            );
          })}
        </div>
      </div>
      <div ref={scroller} role="rowgroup" className="min-h-48 flex-1 overflow-auto">
        {rows.length === 0 ? (
          <p className="p-4 text-sm text-slate-600 dark:text-slate-400">No package matches.</p>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const p = rows[item.index]!;
              const command = dockerfileLine(layers[p.layer]?.history?.created_by);
              return (
                <div
                  key={p.id}
                  role="row"
                  aria-rowindex={item.index + 2}
                  tabIndex={0}
                  data-package={p.key}
                  onClick={() => onOpen(p)}
                  onKeyDown={(e) => e.key === 'Enter' && onOpen(p)}
                  title={`Show the files of ${p.name} in the explorer`}
                  className={`absolute left-0 grid w-full ${COLUMNS} cursor-pointer items-center gap-2 border-t border-slate-100 px-3 hover:bg-slate-50 focus:bg-teal-50 focus:outline-none dark:border-slate-800 dark:hover:bg-slate-800/50 dark:focus:bg-teal-950/50`}
                  style={{ top: item.start, height: ROW_HEIGHT }}
                >
                  <span role="cell" className="text-slate-600 dark:text-slate-400">
                    {p.ecosystem}
                  </span>
                  <span role="cell" className="min-w-0 truncate font-mono" title={`${p.name}${p.arch ? ` (${p.arch})` : ''}, from ${p.source}`}>
                    {p.name}
                  </span>
                  <span role="cell" className="min-w-0 truncate font-mono" title={p.version}>
                    {p.version}
                  </span>
                  <span role="cell" className="text-right tabular-nums" title={command || undefined}>
                    {p.removedIn !== undefined ? `${p.layer}–${p.removedIn}` : p.layer}
                  </span>
                  <span role="cell" className="text-right tabular-nums">
                    {p.files.toLocaleString('en')}
                  </span>
                  <span role="cell" className="text-right tabular-nums" data-bytes={p.sizeBytes}>
                    {p.removedIn !== undefined ? 'removed' : formatBytes(p.sizeBytes)}
                  </span>
                  <span role="cell" className="text-right tabular-nums" data-bytes={p.costBytes}>
                    {formatBytes(p.costBytes)}
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
