import { useMemo, useState, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: string;
  /** Value to sort by; absent for a column that does not sort. */
  sortValue?: (row: T) => number | string;
  render: (row: T) => ReactNode;
  align?: 'left' | 'right';
}

interface SortableTableProps<T> {
  label: string;
  rows: readonly T[];
  columns: Column<T>[];
  initialSort: { key: string; descending: boolean };
  rowKey: (row: T, index: number) => string;
  onActivate?: (row: T) => void;
  empty: ReactNode;
  /** The scrolling box's classes: its height (a fixed maximum, or the rest of a flex column). */
  className?: string;
}

/** A table whose headers sort it (aria-sort says how), and whose rows can be activated by click or Enter. */
export function SortableTable<T>({ label, rows, columns, initialSort, rowKey, onActivate, empty, className = 'max-h-72' }: SortableTableProps<T>) {
  const [sort, setSort] = useState(initialSort);
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.key === sort.key);
    if (!column?.sortValue) return rows;
    const value = column.sortValue;
    const out = [...rows];
    out.sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return sort.descending ? -cmp : cmp;
    });
    return out;
  }, [rows, columns, sort]);
  if (rows.length === 0) return <p className="px-3 py-4 text-sm text-slate-600 dark:text-slate-400">{empty}</p>;
  return (
    <div className={`overflow-auto ${className}`}>
      <table aria-label={label} className="w-full text-left text-xs">
        <thead className="sticky top-0 bg-white text-slate-600 dark:text-slate-400 dark:bg-slate-900">
          <tr>
            {columns.map((c) => {
              const active = sort.key === c.key;
              return (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
                  className={`px-3 py-1.5 font-medium ${c.align === 'right' ? 'text-right' : ''}`}
                >
                  {c.sortValue ? (
                    <button
                      type="button"
                      onClick={() => setSort({ key: c.key, descending: active ? !sort.descending : c.align === 'right' })}
                      className="hover:text-slate-900 dark:hover:text-slate-100"
                    >
                      {c.header}
                      {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row, i) => (
            <tr
              key={rowKey(row, i)}
              tabIndex={onActivate ? 0 : undefined}
              onClick={onActivate ? () => onActivate(row) : undefined}
              onKeyDown={onActivate ? (e) => e.key === 'Enter' && onActivate(row) : undefined}
              className={`border-t border-slate-100 dark:border-slate-800 ${onActivate ? 'cursor-pointer hover:bg-slate-50 focus:bg-teal-50 focus:outline-none dark:hover:bg-slate-800/50 dark:focus:bg-teal-950/50' : ''}`}
            >
              {columns.map((c) => (
                <td key={c.key} className={`px-3 py-1 ${c.align === 'right' ? 'text-right tabular-nums whitespace-nowrap' : ''}`}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
