import { formatBytes } from '../format';

/** A size difference with its sign: `+1.2 KB`, `−340 B`, `0 B` (a real minus sign). */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return '0 B';
  return `${bytes > 0 ? '+' : '−'}${formatBytes(Math.abs(bytes))}`;
}
