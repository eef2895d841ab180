import { useEffect, useRef } from 'react';
import { tabId, type TabInfo } from './TabBar';
import { isTypingTarget, viewForKey } from './viewTypes';

/**
 * One key per view, anywhere on the page except in a field or a dialog; `?` opens the help when
 * there is one. A view opened by its key takes the focus once it is on screen: `focusTarget` names
 * the element that should have it (the explorer's tree), else the view's tab gets it.
 */
export function useViewKeys(
  views: readonly TabInfo[],
  current: string,
  select: (id: string) => void,
  options: { onHelp?: () => void; focusTarget?: (id: string) => HTMLElement | null } = {},
): void {
  const focusOnShow = useRef<string | undefined>(undefined);
  const { onHelp, focusTarget } = options;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      if (event.key === '?' && onHelp) {
        event.preventDefault();
        onHelp();
        return;
      }
      const target = viewForKey(views, event.key);
      if (!target) return;
      event.preventDefault();
      focusOnShow.current = target.id;
      select(target.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [views, select, onHelp]);

  useEffect(() => {
    if (focusOnShow.current !== current) return;
    focusOnShow.current = undefined;
    (focusTarget?.(current) ?? document.getElementById(tabId(current)))?.focus();
  }, [current, focusTarget]);
}
