import { useDeferredValue, useId, useMemo, useState } from 'react';
import { filterTags, sortTags, type Listing } from '../../core/registry/tags';
import { inPlace, inputClass, noteClass } from './nav';

/** How many tags are drawn at once; the filter narrows the rest down. */
export const TAGS_SHOWN = 300;

interface TagListProps {
  /** The registry's listing, in its own order. */
  listing: Listing;
  /** The tag on screen, marked as current. */
  current?: string;
  href: (tag: string) => string;
  onOpen: (tag: string) => void;
  /** Names the list for assistive technology, e.g. "Tags of lading/versions". */
  label: string;
}

/** A repository's tags in version order, filterable, each a link that keeps the current view. */
export function TagList({ listing, current, href, onOpen, label }: TagListProps) {
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query);
  const sorted = useMemo(() => sortTags(listing.items), [listing.items]);
  const matching = useMemo(() => filterTags(sorted, deferred), [sorted, deferred]);
  const filterId = useId();
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
          autoComplete="off"
          spellCheck={false}
        />
        <p className={noteClass} data-testid="tag-count" aria-live="polite">
          {matching.length === sorted.length ? `${sorted.length} tag${sorted.length === 1 ? '' : 's'}` : `${matching.length} of ${sorted.length} tags`}, newest
          version first
          {listing.pages > 1 ? ` · ${listing.pages} pages` : ''}
        </p>
      </div>
      {listing.capped && (
        <p role="note" className="text-xs text-amber-800 dark:text-amber-200" data-testid="tags-capped">
          Stopped after {listing.capped.reason === 'pages' ? `${listing.capped.limit} pages` : `${listing.capped.limit} tags`}: the repository has more tags
          than are listed here.
        </p>
      )}
      {matching.length === 0 ? (
        <p className={noteClass}>{sorted.length === 0 ? 'This repository has no tags.' : `No tag contains “${deferred}”.`}</p>
      ) : (
        <ul aria-label={label} className="flex max-h-64 flex-wrap content-start gap-1.5 overflow-y-auto">
          {matching.slice(0, TAGS_SHOWN).map((tag) => {
            const isCurrent = tag === current;
            return (
              <li key={tag}>
                <a
                  href={href(tag)}
                  onClick={inPlace(() => onOpen(tag))}
                  aria-current={isCurrent ? 'page' : undefined}
                  className={`inline-block max-w-[20rem] truncate rounded border px-2 py-0.5 font-mono text-xs ${
                    isCurrent
                      ? 'border-teal-700 bg-teal-700 text-white'
                      : 'border-slate-300 hover:border-teal-600 hover:text-teal-800 dark:border-slate-700 dark:hover:text-teal-300'
                  }`}
                  title={tag}
                >
                  {tag}
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {matching.length > TAGS_SHOWN && <p className={noteClass}>{matching.length - TAGS_SHOWN} more: narrow the filter to see them.</p>}
    </div>
  );
}
