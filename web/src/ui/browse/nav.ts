/**
 * Links between browse views. Every link is a real `href` (so it can be opened in a new tab or
 * copied) and a click navigates in place through useUrlState.
 */
import type { MouseEvent } from 'react';
import { searchFor, type UrlState } from '../useUrlState';

/** The link for a state: the same query string useUrlState writes. */
export function hrefFor(state: UrlState): string {
  return `/${searchFor(state)}`;
}

/** The same image view (platform, workspace view, layer, tree mode and path) for another reference. */
export function sameViewFor(state: UrlState, image: string): UrlState {
  return {
    image,
    ...(state.platform ? { platform: state.platform } : {}),
    ...(state.view ? { view: state.view } : {}),
    ...(state.layer !== undefined ? { layer: state.layer } : {}),
    ...(state.mode ? { mode: state.mode } : {}),
    ...(state.path ? { path: state.path } : {}),
  };
}

/** onClick for an `<a href>`: plain left clicks navigate in place; modified clicks keep the browser's behaviour. */
export function inPlace(go: () => void) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    go();
  };
}

export const panelClass = 'rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900';
export const panelTitleClass = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';
export const inputClass =
  'w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-slate-700 dark:bg-slate-950';
export const noteClass = 'text-xs text-slate-600 dark:text-slate-400';
