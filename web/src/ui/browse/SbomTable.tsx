import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { licenseCounts, searchPackages, type Sbom } from '../../core/attestations/spdx';
import { formatDate } from '../format';
import { inputClass, noteClass } from './nav';

const PAGE_SIZE = 50;

/** An SBOM's packages: searchable (name, version, license, purl), paginated, licenses summarised. */
export function SbomTable({ sbom }: { sbom: Sbom }) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const deferred = useDeferredValue(query);
  const matching = useMemo(() => searchPackages(sbom.packages, deferred), [sbom.packages, deferred]);
  const licenses = useMemo(() => licenseCounts(sbom.packages), [sbom.packages]);
  useEffect(() => setPage(0), [deferred]);
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const shown = matching.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const id = useId();
  return (
    <div className="flex flex-col gap-3" data-testid="sbom">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-600 dark:text-slate-400">Format</dt>
        <dd>
          {sbom.specVersion?.startsWith(sbom.format) ? sbom.specVersion : `${sbom.format} ${sbom.specVersion ?? ''}`}
          {sbom.name ? <span className="text-slate-600 dark:text-slate-400"> · {sbom.name}</span> : null}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Created</dt>
        <dd>
          {formatDate(sbom.created)}
          {sbom.creators.length > 0 && <span className="text-slate-600 dark:text-slate-400"> by {sbom.creators.join(', ')}</span>}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Contents</dt>
        <dd>
          {sbom.packages.length} packages{sbom.fileCount ? `, ${sbom.fileCount} files` : ''}
        </dd>
      </dl>
      {licenses.length > 0 && (
        <ul aria-label="Licenses" className="flex flex-wrap gap-1.5">
          {licenses.slice(0, 12).map(({ license, count }) => (
            <li key={license}>
              <button
                type="button"
                onClick={() => setQuery(license === 'not stated' ? '' : license)}
                className="rounded-full border border-slate-300 px-2 py-0.5 text-xs hover:border-teal-600 dark:border-slate-700"
                title={`Show the packages under ${license}`}
              >
                <span className="font-mono">{license}</span> <span className="text-slate-600 dark:text-slate-400">× {count}</span>
              </button>
            </li>
          ))}
          {licenses.length > 12 && <li className={noteClass}>and {licenses.length - 12} more licenses</li>}
        </ul>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <label htmlFor={`${id}-q`} className="sr-only">
          Search packages
        </label>
        <input
          id={`${id}-q`}
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Search packages, versions, licenses, purls…"
          className={`${inputClass} max-w-md`}
        />
        <p className={noteClass} aria-live="polite" data-testid="sbom-count">
          {matching.length === sbom.packages.length ? `${sbom.packages.length} packages` : `${matching.length} of ${sbom.packages.length} packages`}
        </p>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-xs" aria-label="Packages">
          <thead className="text-slate-600 dark:text-slate-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Name</th>
              <th className="py-1 pr-3 font-medium">Version</th>
              <th className="py-1 pr-3 font-medium">License</th>
              <th className="py-1 font-medium">Package URL</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p, i) => (
              <tr key={`${p.id ?? p.name}-${i}`} className="border-t border-slate-100 align-top dark:border-slate-800">
                <td className="py-1 pr-3 font-mono font-medium break-all">{p.name}</td>
                <td className="py-1 pr-3 font-mono break-all">{p.version ?? '—'}</td>
                <td
                  className="py-1 pr-3"
                  title={
                    p.licenseConcluded && p.licenseDeclared && p.licenseConcluded !== p.licenseDeclared
                      ? `concluded ${p.licenseConcluded}, declared ${p.licenseDeclared}`
                      : p.licenseConcluded
                        ? 'concluded'
                        : p.licenseDeclared
                          ? 'declared'
                          : undefined
                  }
                >
                  {p.license ? <span className="font-mono">{p.license}</span> : <span className="text-slate-600 dark:text-slate-400">not stated</span>}
                </td>
                <td className="py-1 font-mono break-all text-slate-700 dark:text-slate-300">{p.purl ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p className={`mt-2 ${noteClass}`}>No package matches “{deferred}”.</p>}
      </div>
      {pages > 1 && (
        <nav aria-label="Package pages" className="flex items-center gap-2 text-xs">
          <button
            type="button"
            disabled={page === 0}
            onClick={() => setPage(page - 1)}
            className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-40 dark:border-slate-700"
          >
            Previous
          </button>
          <span>
            {page * PAGE_SIZE + 1}–{Math.min(matching.length, (page + 1) * PAGE_SIZE)} of {matching.length}
          </span>
          <button
            type="button"
            disabled={page >= pages - 1}
            onClick={() => setPage(page + 1)}
            className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-40 dark:border-slate-700"
          >
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
