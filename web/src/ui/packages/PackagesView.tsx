/**
 * The Packages view (issue 13 part 2): every package the image's databases name (dpkg, distroless
 * status.d, rpm's sqlite database, apk, Python dist-info/egg-info, node_modules), with the layer
 * that installed or last changed it, its files and its bytes in the final image and across all
 * layers; largest first, sortable and filterable. A row opens the explorer on the package's files.
 * Beside it, each layer's package changes; above it, every database that could not be read.
 */
import { useMemo, useState } from 'react';
import type { LayerInfo } from '../../core/image';
import type { PackageReport } from '../../queries/packageQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes } from '../format';
import { LayerChanges, NoteLine } from './LayerChanges';
import { PackageTable } from './PackageTable';
import { DEFAULT_QUERY, ecosystemCounts, packageRows, type PackageQuery } from './packageRows';

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';

export function PackagesView({
  report,
  error,
  layers,
  onOpen,
}: {
  report: PackageReport | undefined;
  error: unknown;
  layers: readonly LayerInfo[];
  onOpen: (key: string) => void;
}) {
  const [query, setQuery] = useState<PackageQuery>(DEFAULT_QUERY);
  const rows = useMemo(() => (report ? packageRows(report, query) : []), [report, query]);
  if (error) return <ErrorPanel error={error} />;
  if (!report) {
    return (
      <div className={`${panel} flex h-48 items-center justify-center p-6`}>
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          Reading the package databases…
        </p>
      </div>
    );
  }
  const counts = ecosystemCounts(report);
  const inImage = report.packages.filter((p) => p.removedIn === undefined);
  const owned = inImage.reduce((s, p) => s + p.sizeBytes, 0);
  const notes = report.layers.flatMap((l, k) => l.notes.map((note) => ({ layer: k, note })));
  const databases = report.layers.reduce((n, l) => n + l.databases.length, 0);

  return (
    <div className="flex flex-col gap-3 tall:h-full tall:min-h-0">
      <section aria-labelledby="packages-title" className={`${panel} flex flex-wrap items-center gap-x-6 gap-y-2 px-3 py-2`}>
        <h2 id="packages-title" className="font-semibold">
          Packages
        </h2>
        <p className="text-sm" data-testid="package-summary">
          {inImage.length === 0 ? (
            databases === 0 ? (
              'No package database in this image (Lading reads dpkg, distroless status.d, rpm’s sqlite database, apk, Python and npm).'
            ) : (
              'No package could be read from this image’s databases.'
            )
          ) : (
            <>
              <span className="font-semibold tabular-nums">{inImage.length.toLocaleString('en')}</span> in the final image (
              {counts.map(([e, n]) => `${n} ${e}`).join(', ')}), owning <span className="font-semibold tabular-nums">{formatBytes(owned)}</span>
            </>
          )}
        </p>
        <div className="flex flex-wrap items-center gap-3 text-xs">
          <label className="flex items-center gap-1">
            <span className="sr-only">Filter packages</span>
            <input
              type="search"
              value={query.text}
              onChange={(e) => setQuery((q) => ({ ...q, text: e.target.value }))}
              placeholder="Filter by name or version"
              spellCheck={false}
              className="w-64 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
            />
          </label>
          <label className="flex items-center gap-1">
            Type
            <select
              value={query.ecosystem}
              onChange={(e) => setQuery((q) => ({ ...q, ecosystem: e.target.value as PackageQuery['ecosystem'] }))}
              className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-700 dark:bg-slate-950"
            >
              <option value="all">all</option>
              {counts.map(([e]) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={query.removed} onChange={(e) => setQuery((q) => ({ ...q, removed: e.target.checked }))} />
            Include removed
          </label>
        </div>
      </section>
      {notes.length > 0 && (
        <section
          aria-labelledby="package-notes-title"
          data-testid="package-notes"
          className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <h3 id="package-notes-title" className="mb-1 font-semibold">
            Package databases Lading could not read in full
          </h3>
          <ul className="flex flex-col gap-0.5">
            {notes.map(({ layer, note }, i) => (
              <NoteLine key={i} layer={layer} note={note} />
            ))}
          </ul>
        </section>
      )}
      <div className="grid gap-3 lg:grid-cols-[minmax(0,2.2fr)_minmax(16rem,1fr)] tall:min-h-0 tall:flex-1">
        <section className={`${panel} flex h-[60vh] min-h-0 flex-col tall:h-auto`} aria-label="Package list">
          <PackageTable rows={rows} layers={layers} sort={query.sort} onSort={(sort) => setQuery((q) => ({ ...q, sort }))} onOpen={(p) => onOpen(p.key)} />
          <p className="border-t border-slate-200 px-3 py-1 text-[11px] text-slate-600 dark:border-slate-800 dark:text-slate-400">
            {rows.length.toLocaleString('en')} of {report.packages.length.toLocaleString('en')} packages · a row shows its files in the explorer
          </p>
        </section>
        <section className={`${panel} min-h-0 overflow-auto p-3`} aria-labelledby="package-layers-title">
          <h3 id="package-layers-title" className="mb-2 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
            Changes per layer
          </h3>
          <LayerChanges report={report} layers={layers} onOpen={onOpen} />
        </section>
      </div>
    </div>
  );
}
