/** Recently opened image references, newest first, kept in localStorage on this browser only. */
import { useSyncExternalStore } from 'react';

const KEY = 'lading:recent-images';
const MAX = 10;
const listeners = new Set<() => void>();
let cache: string[] | undefined;

function read(): string[] {
  if (cache) return cache;
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '[]');
    cache = Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string').slice(0, MAX) : [];
  } catch {
    cache = [];
  }
  return cache;
}

export function addRecent(reference: string): void {
  const next = [reference, ...read().filter((r) => r !== reference)].slice(0, MAX);
  if (next.join('\n') === read().join('\n')) return;
  cache = next;
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: recents are a convenience.
  }
  for (const l of listeners) l();
}

export function clearRecent(): void {
  cache = [];
  globalThis.localStorage?.removeItem(KEY);
  for (const l of listeners) l();
}

export function useRecent(): string[] {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, read);
}
