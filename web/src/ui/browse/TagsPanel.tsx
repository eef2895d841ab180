import { useDeferredValue, useId, useMemo, useState } from 'react';
import { shortDigest } from '../../core/digest';
import { HubUnavailableError, type HubTag, type HubTagsListing } from '../../core/hub/hub';
import { familiarName, repositoryName, type ImageReference } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import { compareTags, filterTags } from '../../core/registry/tags';
import { isDockerHub, useHubTags, useTags } from '../../queries/repositoryQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes, formatDate } from '../format';
import { useUrlState } from '../useUrlState';
import { RegistryLink } from './RegistryBrowser';
import { TAGS_SHOWN, TagList } from './TagList';
import { hrefFor, inPlace, inputClass, noteClass, panelClass, panelTitleClass, sameViewFor } from './nav';

/**
 * The repository's other tags (the workspace's Tags view). Opening one keeps the view: the
 * platform, the workspace view, layer, tree mode and path in the URL stay.
 */
export function TagsPanel({ repo, reference }: { repo: Repository; reference: ImageReference }) {
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className={panelClass}>
      <div className="flex items-center justify-between gap-3">
        <h2 id={titleId} className={panelTitleClass}>
          Tags <span className="font-normal normal-case">of {familiarName(repo)}</span>
        </h2>
        <span className="ml-auto text-xs">{!isDockerHub(repo) && <RegistryLink host={repo.domain} />}</span>
      </div>
      <div className="mt-3">{isDockerHub(repo) ? <HubTags repo={repo} current={reference.tag} /> : <RegistryTags repo={repo} current={reference.tag} />}</div>
    </section>
  );
}

function useOpenTag(repo: Repository) {
  const [state, navigate] = useUrlState();
  const imageFor = (tag: string) => `${familiarName(repo)}:${tag}`;
  return {
    href: (tag: string) => hrefFor(sameViewFor(state, imageFor(tag))),
    open: (tag: string) => navigate(sameViewFor(state, imageFor(tag))),
  };
}

function RegistryTags({ repo, current }: { repo: Repository; current?: string | undefined }) {
  const tags = useTags(repo);
  const { href, open } = useOpenTag(repo);
  if (tags.isPending)
    return (
      <p role="status" className={noteClass}>
        Listing tags…
      </p>
    );
  if (tags.isError) return <ErrorPanel error={tags.error} context={{ repository: repositoryName(repo) }} onRetry={() => void tags.refetch()} />;
  return <TagList listing={tags.data} {...(current ? { current } : {})} href={href} onOpen={open} label={`Tags of ${familiarName(repo)}`} />;
}

/** Docker Hub: the Hub's tag details (updated, size, platforms); the registry's list when the Hub API is not reachable. */
function HubTags({ repo, current }: { repo: Repository; current?: string | undefined }) {
  const hub = useHubTags(repo);
  const fallback = hub.isError;
  if (hub.isPending && hub.fetchStatus !== 'idle')
    return (
      <p role="status" className={noteClass}>
        Listing tags on Docker Hub…
      </p>
    );
  if (hub.isSuccess) return <HubTagTable repo={repo} listing={hub.data} current={current} />;
  return (
    <div className="flex flex-col gap-2">
      {fallback && (
        <p role="note" className="text-xs text-amber-800 dark:text-amber-200" data-testid="hub-unavailable">
          Docker Hub’s tag details are not available here ({hub.error instanceof HubUnavailableError ? hub.error.message : String(hub.error)}). These are the
          registry’s tags, without dates and sizes.
        </p>
      )}
      <RegistryTags repo={repo} current={current} />
    </div>
  );
}

function HubTagTable({ repo, listing, current }: { repo: Repository; listing: HubTagsListing; current?: string | undefined }) {
  const [query, setQuery] = useState('');
  const [order, setOrder] = useState<'version' | 'updated'>('version');
  const deferred = useDeferredValue(query);
  const { href, open } = useOpenTag(repo);
  const filterId = useId();
  const rows = useMemo(() => {
    const byName = new Map(listing.tags.map((t) => [t.name, t]));
    const names = filterTags([...byName.keys()], deferred);
    const tags = names.map((n) => byName.get(n) as HubTag);
    return order === 'version'
      ? tags.sort((a, b) => compareTags(a.name, b.name))
      : tags.sort((a, b) => (b.lastUpdated ?? '').localeCompare(a.lastUpdated ?? ''));
  }, [listing.tags, deferred, order]);
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-3">
        <label htmlFor={filterId} className="sr-only">
          Filter tags
        </label>
        <input
          id={filterId}
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Filter tags…"
          className={`${inputClass} max-w-xs font-mono`}
        />
        <label className="flex items-center gap-1.5 text-xs">
          Order
          <select
            value={order}
            onChange={(e) => setOrder(e.target.value === 'updated' ? 'updated' : 'version')}
            className="rounded border border-slate-300 bg-white px-1.5 py-1 dark:border-slate-700 dark:bg-slate-950"
          >
            <option value="version">newest version first</option>
            <option value="updated">recently pushed first</option>
          </select>
        </label>
        <p className={noteClass}>
          {rows.length} of {listing.count ?? listing.tags.length} tags (Docker Hub)
        </p>
      </div>
      {listing.capped && (
        <p className="text-xs text-amber-800 dark:text-amber-200">
          Stopped after {listing.capped.limit} pages of the Hub’s answer: the repository has more tags.
        </p>
      )}
      <div className="max-h-80 overflow-y-auto">
        <table className="w-full text-left text-xs" aria-label={`Tags of ${familiarName(repo)} on Docker Hub`}>
          <thead className="sticky top-0 bg-white text-slate-600 dark:bg-slate-900 dark:text-slate-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Tag</th>
              <th className="py-1 pr-3 font-medium">Pushed</th>
              <th className="py-1 pr-3 font-medium">Size</th>
              <th className="py-1 pr-3 font-medium">Platforms</th>
              <th className="py-1 font-medium">Digest</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, TAGS_SHOWN).map((tag) => (
              <tr key={tag.name} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1 pr-3">
                  <a
                    href={href(tag.name)}
                    onClick={inPlace(() => open(tag.name))}
                    aria-current={tag.name === current ? 'page' : undefined}
                    className="font-mono text-teal-800 hover:underline aria-[current=page]:font-semibold dark:text-teal-300"
                  >
                    {tag.name}
                  </a>
                </td>
                <td className="py-1 pr-3 whitespace-nowrap">{formatDate(tag.lastUpdated)}</td>
                <td className="py-1 pr-3 whitespace-nowrap">{tag.fullSize ? formatBytes(tag.fullSize) : '—'}</td>
                <td className="py-1 pr-3" title={tag.images.map((i) => `${i.platform}${i.size ? ` ${formatBytes(i.size)}` : ''}`).join('\n')}>
                  {tag.images
                    .filter((i) => i.platform !== 'unknown/unknown')
                    .map((i) => i.platform)
                    .join(', ') || '—'}
                </td>
                <td className="py-1 font-mono" title={tag.digest}>
                  {tag.digest ? shortDigest(tag.digest) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
