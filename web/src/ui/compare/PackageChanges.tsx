/**
 * The compare view's Packages tab: packages the second image adds, removes and changes the
 * version of, each with what it changes in the final image's bytes (comparePackages.ts).
 */
import type { PackageReport } from '../../queries/packageQueries';
import { formatBytes } from '../format';
import { comparePackages, type PackageDifference } from '../packages/comparePackages';
import { formatDelta } from './format';

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';
const KIND = {
  added: { label: 'added', className: 'text-emerald-700 dark:text-emerald-400' },
  removed: { label: 'removed', className: 'text-red-700 dark:text-red-400' },
  changed: { label: 'changed', className: 'text-amber-700 dark:text-amber-300' },
} as const;

function Rows({ rows, label }: { rows: readonly PackageDifference[]; label: string }) {
  return (
    <table aria-label={label} className="w-full text-left text-xs">
      <thead className="text-slate-600 dark:text-slate-400">
        <tr>
          <th scope="col" className="px-3 py-1.5 font-medium">
            Change
          </th>
          <th scope="col" className="px-3 py-1.5 font-medium">
            Type
          </th>
          <th scope="col" className="px-3 py-1.5 font-medium">
            Package
          </th>
          <th scope="col" className="px-3 py-1.5 font-medium">
            Version
          </th>
          <th scope="col" className="px-3 py-1.5 text-right font-medium">
            Size
          </th>
          <th scope="col" className="px-3 py-1.5 text-right font-medium">
            Difference
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => {
          const p = (d.b ?? d.a)!;
          return (
            <tr key={`${d.kind}:${p.key}`} data-change={d.kind} data-package={p.key} className="border-t border-slate-100 dark:border-slate-800">
              <td className={`px-3 py-1 ${KIND[d.kind].className}`}>{KIND[d.kind].label}</td>
              <td className="px-3 py-1 text-slate-600 dark:text-slate-400">{p.ecosystem}</td>
              <td className="px-3 py-1 font-mono">{p.name}</td>
              <td className="px-3 py-1 font-mono break-all">{d.a && d.b && d.a.version !== d.b.version ? `${d.a.version} → ${d.b.version}` : p.version}</td>
              <td className="px-3 py-1 text-right whitespace-nowrap tabular-nums">
                {d.a && d.b ? `${formatBytes(d.a.sizeBytes)} → ${formatBytes(d.b.sizeBytes)}` : formatBytes(p.sizeBytes)}
              </td>
              <td
                data-bytes={d.delta}
                className={`px-3 py-1 text-right font-semibold whitespace-nowrap tabular-nums ${d.delta > 0 ? 'text-red-700 dark:text-red-400' : d.delta < 0 ? 'text-emerald-700 dark:text-emerald-400' : ''}`}
              >
                {formatDelta(d.delta)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function PackageChanges({ a, b }: { a: PackageReport | undefined; b: PackageReport | undefined }) {
  if (!a || !b) {
    return (
      <div className={`${panel} p-4`}>
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          The package comparison appears once both images’ package databases are read.
        </p>
      </div>
    );
  }
  const c = comparePackages(a, b);
  const count = (kind: PackageDifference['kind']) => c.differences.filter((d) => d.kind === kind).length;
  const total = c.differences.reduce((s, d) => s + d.delta, 0);
  return (
    <div className="flex flex-col gap-3">
      <section className={`${panel} px-3 py-2 text-sm`} data-testid="package-comparison">
        <span className={KIND.added.className}>{count('added')} added</span>, <span className={KIND.removed.className}>{count('removed')} removed</span>,{' '}
        <span className={KIND.changed.className}>{count('changed')} changed version</span>, {c.unchanged} unchanged · their bytes in the final image:{' '}
        <strong className="tabular-nums">{formatDelta(total)}</strong>
      </section>
      <section className={panel}>
        {c.differences.length === 0 ? (
          <p className="px-3 py-4 text-sm text-slate-600 dark:text-slate-400">Both images have the same packages at the same versions.</p>
        ) : (
          <Rows rows={c.differences} label="Packages added, removed and changed" />
        )}
      </section>
      {c.resized.length > 0 && (
        <section className={panel} aria-labelledby="package-resized-title">
          <h3 id="package-resized-title" className="px-3 pt-2 text-xs font-semibold text-slate-600 dark:text-slate-400">
            Same version, other bytes (a file of the package was changed or deleted)
          </h3>
          <Rows rows={c.resized} label="Packages with the same version and other bytes" />
        </section>
      )}
    </div>
  );
}
