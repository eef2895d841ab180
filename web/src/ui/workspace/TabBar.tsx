import { useRef, type KeyboardEvent } from 'react';
import { hrefFor, inPlace } from '../browse/nav';
import type { UrlState } from '../useUrlState';
import type { WorkspaceView } from './viewTypes';

/** What a tab shows of its view. */
export type TabInfo = Pick<WorkspaceView, 'id' | 'label' | 'key' | 'description'>;

export const tabId = (id: string) => `view-tab-${id}`;
export const panelId = (id: string) => `view-panel-${id}`;

interface TabBarProps {
  views: readonly TabInfo[];
  current: string;
  /** The URL each tab opens, so a tab can be opened in a new browser tab or copied. */
  stateFor: (id: string) => UrlState;
  onSelect: (id: string) => void;
  /** Ids whose panels are in the page even when not shown (aria-controls may point only at those). */
  mounted?: ReadonlySet<string>;
  /** Names the tablist for assistive technology. */
  label?: string;
}

/**
 * The views as an ARIA tablist (APG "tabs with automatic activation"): one tab stop, ←/→ move and
 * open, Home/End go to the ends. Each tab is a link to its view's URL.
 */
export function TabBar({ views, current, stateFor, onSelect, mounted, label = 'Views' }: TabBarProps) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (event: KeyboardEvent) => {
    const at = views.findIndex((v) => v.id === current);
    let next = at;
    if (event.key === 'ArrowRight') next = (at + 1) % views.length;
    else if (event.key === 'ArrowLeft') next = (at - 1 + views.length) % views.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = views.length - 1;
    else return;
    event.preventDefault();
    const view = views[next];
    if (!view) return;
    onSelect(view.id);
    list.current?.querySelector<HTMLElement>(`#${tabId(view.id)}`)?.focus();
  };
  return (
    <div ref={list} role="tablist" aria-label={label} onKeyDown={onKeyDown} className="flex min-w-0 flex-wrap gap-0.5">
      {views.map((view) => {
        const selected = view.id === current;
        return (
          <a
            key={view.id}
            id={tabId(view.id)}
            role="tab"
            href={hrefFor(stateFor(view.id))}
            onClick={inPlace(() => onSelect(view.id))}
            aria-selected={selected}
            aria-controls={selected || mounted?.has(view.id) ? panelId(view.id) : undefined}
            aria-keyshortcuts={view.key}
            tabIndex={selected ? 0 : -1}
            title={`${view.description} (key ${view.key})`}
            className={`-mb-px flex items-baseline gap-1.5 rounded-t border-b-2 px-3 py-1.5 text-sm outline-none focus-visible:ring-2 focus-visible:ring-teal-600/50 ${
              selected
                ? 'border-teal-700 font-medium text-teal-800 dark:border-teal-400 dark:text-teal-200'
                : 'border-transparent text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100'
            }`}
          >
            {view.label}
            <kbd aria-hidden="true" className="font-mono text-[10px] text-slate-500 dark:text-slate-400">
              {view.key}
            </kbd>
          </a>
        );
      })}
    </div>
  );
}
