import { useEffect, useId, useState } from 'react';
import { HubUnavailableError, formatCount } from '../../core/hub/hub';
import { useHubSearch } from '../../queries/repositoryQueries';
import { hrefFor, inPlace, inputClass, noteClass } from './nav';

const DEBOUNCE_MS = 250;

/** Search Docker Hub as you type (through the Lading server); a result opens that repository's latest tag. */
export function HubSearch({ onOpen }: { onOpen: (reference: string) => void }) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const search = useHubSearch(query);
  const id = useId();
  const hits = search.data?.hits ?? [];
  return (
    <section aria-labelledby={`${id}-title`} className="mx-auto mt-10 max-w-2xl text-left">
      <h2 id={`${id}-title`} className="text-center text-sm font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">
        Search Docker Hub
      </h2>
      <label htmlFor={`${id}-input`} className="sr-only">
        Search Docker Hub repositories
      </label>
      <input
        id={`${id}-input`}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="postgres, grafana/grafana, …"
        className={`${inputClass} mt-3`}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={`${id}-status`}
      />
      <div id={`${id}-status`} className="mt-2" aria-live="polite">
        {query.length >= 2 && search.isFetching && hits.length === 0 && <p className={noteClass}>Searching Docker Hub…</p>}
        {search.isError && (
          <p
            role="alert"
            data-testid="hub-search-error"
            className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
          >
            {(search.error instanceof HubUnavailableError ? search.error.message : `Docker Hub search failed: ${String(search.error)}`).replace(/\.$/, '')}. You
            can still type a reference above.
          </p>
        )}
        {search.isSuccess && hits.length === 0 && <p className={noteClass}>No repository on Docker Hub matches “{query}”.</p>}
      </div>
      {hits.length > 0 && !search.isError && (
        <ul
          aria-label="Docker Hub repositories"
          className={`mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900 ${search.isPlaceholderData ? 'opacity-60' : ''}`}
        >
          {hits.map((hit) => (
            <li key={hit.name}>
              <a
                href={hrefFor({ image: hit.name })}
                onClick={inPlace(() => onOpen(hit.name))}
                className="flex flex-col gap-0.5 px-3 py-2 hover:bg-slate-50 dark:hover:bg-slate-800/60"
              >
                <span className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-sm font-medium">{hit.name}</span>
                  {hit.official && (
                    <span className="rounded bg-teal-100 px-1.5 py-0.5 text-[11px] font-medium text-teal-900 dark:bg-teal-900/50 dark:text-teal-100">
                      Docker Official Image
                    </span>
                  )}
                  {hit.badge === 'verified_publisher' && (
                    <span className="rounded bg-sky-100 px-1.5 py-0.5 text-[11px] font-medium text-sky-900 dark:bg-sky-900/50 dark:text-sky-100">
                      Verified Publisher
                    </span>
                  )}
                  {hit.badge === 'open_source' && (
                    <span className="rounded bg-violet-100 px-1.5 py-0.5 text-[11px] font-medium text-violet-900 dark:bg-violet-900/50 dark:text-violet-100">
                      Sponsored OSS
                    </span>
                  )}
                  <span className="ml-auto text-xs text-slate-600 dark:text-slate-400">
                    {hit.stars !== undefined && <span title={`${hit.stars} stars`}>★ {formatCount(hit.stars)}</span>}
                    {hit.pulls !== undefined && (
                      <span className="ml-3" title="pulls">
                        {formatCount(hit.pulls)} pulls
                      </span>
                    )}
                  </span>
                </span>
                {hit.description && <span className="truncate text-xs text-slate-600 dark:text-slate-400">{hit.description}</span>}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
