/**
 * Theme and text size, applied as attributes on <html> so CSS alone follows them:
 * `data-theme="dark"` drives Tailwind's `dark:` variant, `data-large-text` scales every rem.
 * The choice is remembered per browser; "system" follows the OS setting live.
 */
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';

const THEME_KEY = 'lading:theme';
const LARGE_KEY = 'lading:large-text';
const listeners = new Set<() => void>();
const darkQuery = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

function stored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    // Not remembered; still applied for this page.
  }
}

export function themeChoice(): ThemeChoice {
  const value = stored(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function largeText(): boolean {
  return stored(LARGE_KEY) === '1';
}

/** Applies the remembered settings to <html>. Called before the first render, and on every change. */
export function applyDisplaySettings(): void {
  const root = document.documentElement;
  const choice = themeChoice();
  const dark = choice === 'dark' || (choice === 'system' && darkQuery?.matches === true);
  root.dataset.theme = dark ? 'dark' : 'light';
  root.style.colorScheme = dark ? 'dark' : 'light';
  if (largeText()) root.dataset.largeText = '';
  else delete root.dataset.largeText;
}

function changed(): void {
  applyDisplaySettings();
  for (const l of listeners) l();
}

darkQuery?.addEventListener('change', changed);

export function setTheme(choice: ThemeChoice): void {
  store(THEME_KEY, choice === 'system' ? null : choice);
  changed();
}

export function setLargeText(on: boolean): void {
  store(LARGE_KEY, on ? '1' : null);
  changed();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useDisplaySettings(): { theme: ThemeChoice; large: boolean } {
  const theme = useSyncExternalStore(subscribe, themeChoice);
  const large = useSyncExternalStore(subscribe, largeText);
  return { theme, large };
}
