import { useDeferredValue, useId, useMemo, useState } from 'react';
import { DEFAULT_DOMAIN, familiarName } from '../../core/reference';
import { RegistryError } from '../../core/errors';
import { filterTags, registryHostOnly } from '../../core/registry/tags';

export { registryHostOnly };
import { useCatalog, useTags } from '../../queries/repositoryQueries';
import { ErrorPanel } from '../ErrorPanel';
import { useUrlState } from '../useUrlState';
import { TagList } from './TagList';
import { hrefFor, inPlace, inputClass, noteClass, panelClass, panelTitleClass } from './nav';

/** The repositories of a registry (`/v2/_catalog`), each opening onto its tags. */
export function RegistryBrowser({ host }: { host: string }) {
  const catalog = useCatalog(host);
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query);
  const [expanded, setExpanded] = useState<string | undefined>();
  const filterId = useId();
  const repositories = useMemo(() => filterTags([...(catalog.data?.items ?? [])].sort(), deferred), [catalog.data, deferred]);

  return (
    <section aria-labelledby="registry-title" className="flex flex-col gap-4">
      <div className={panelClass}>
        <h1 id="registry-title" className="font-mono text-lg font-semibold break-all">
          {host}
        </h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">The repositories this registry lists in its catalog. Open one to see its tags.</p>
      </div>
      {catalog.isPending ? (
        <p role="status" className={noteClass}>
          Listing the repositories of {host}…
        </p>
      ) : catalog.isError ? (
        <div className="flex flex-col gap-2">
          <ErrorPanel error={catalog.error} context={{ repository: `${host} (catalog)` }} onRetry={() => void catalog.refetch()} />
          <p className={noteClass}>
            {host === DEFAULT_DOMAIN
              ? 'Docker Hub does not list its repositories; search for one on the start page instead.'
              : catalog.error instanceof RegistryError && [401, 403, 404].includes(catalog.error.status)
                ? 'Many registries do not serve their catalog, or only to some accounts. Type a repository name instead, e.g. ' + `${host}/team/app:tag.`
                : 'Type a repository name instead, e.g. ' + `${host}/team/app:tag.`}
          </p>
        </div>
      ) : (
        <div className={panelClass}>
          <div className="flex flex-wrap items-center gap-3">
            <h2 className={panelTitleClass}>Repositories</h2>
            <label htmlFor={filterId} className="sr-only">
              Filter repositories
            </label>
            <input
              id={filterId}
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Filter repositories…"
              className={`${inputClass} max-w-xs font-mono`}
            />
            <p className={noteClass} data-testid="repository-count">
              {repositories.length === catalog.data.items.length
                ? `${catalog.data.items.length} repositories`
                : `${repositories.length} of ${catalog.data.items.length} repositories`}
              {catalog.data.pages > 1 ? ` · ${catalog.data.pages} pages` : ''}
            </p>
          </div>
          {catalog.data.capped && (
            <p role="note" className="mt-2 text-xs text-amber-800 dark:text-amber-200">
              Stopped after {catalog.data.capped.reason === 'pages' ? `${catalog.data.capped.limit} pages` : `${catalog.data.capped.limit} repositories`}: the
              registry lists more.
            </p>
          )}
          {repositories.length === 0 ? (
            <p className={`mt-3 ${noteClass}`}>{catalog.data.items.length === 0 ? 'The catalog is empty.' : `No repository contains “${deferred}”.`}</p>
          ) : (
            <ul aria-label={`Repositories on ${host}`} className="mt-3 divide-y divide-slate-100 dark:divide-slate-800">
              {repositories.map((path) => (
                <li key={path} className="py-1.5">
                  <button
                    type="button"
                    aria-expanded={expanded === path}
                    onClick={() => setExpanded(expanded === path ? undefined : path)}
                    className="flex w-full items-center gap-2 text-left font-mono text-sm hover:text-teal-800 dark:hover:text-teal-300"
                  >
                    <span aria-hidden="true" className="w-3 text-slate-600 dark:text-slate-400">
                      {expanded === path ? '▾' : '▸'}
                    </span>
                    {path}
                  </button>
                  {expanded === path && (
                    <div className="mt-2 ml-5">
                      <RepositoryTags host={host} path={path} />
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function RepositoryTags({ host, path }: { host: string; path: string }) {
  const repo = { domain: host, path };
  const tags = useTags(repo);
  const [, navigate] = useUrlState();
  const image = (tag: string) => `${familiarName(repo)}:${tag}`;
  if (tags.isPending)
    return (
      <p role="status" className={noteClass}>
        Listing tags…
      </p>
    );
  if (tags.isError) return <ErrorPanel error={tags.error} context={{ repository: `${host}/${path}` }} onRetry={() => void tags.refetch()} />;
  return (
    <TagList listing={tags.data} href={(tag) => hrefFor({ image: image(tag) })} onOpen={(tag) => navigate({ image: image(tag) })} label={`Tags of ${path}`} />
  );
}

/** A link to a registry's repository list. */
export function RegistryLink({ host }: { host: string }) {
  const [, navigate] = useUrlState();
  return (
    <a href={hrefFor({ registry: host })} onClick={inPlace(() => navigate({ registry: host }))} className="text-teal-800 hover:underline dark:text-teal-300">
      other repositories on {host}
    </a>
  );
}
