import type { MarkName } from '../../core/fs';

/** Every mark has a symbol as well as a colour, so it reads without colour too. */
export const MARK_STYLE: Record<MarkName, { symbol: string; label: string; className: string }> = {
  added: { symbol: '+', label: 'Added', className: 'text-emerald-700 dark:text-emerald-400' },
  modified: { symbol: '~', label: 'Modified', className: 'text-amber-700 dark:text-amber-300' },
  removed: { symbol: '−', label: 'Removed', className: 'text-red-700 dark:text-red-400' },
  unmodified: { symbol: '·', label: 'Unmodified', className: 'text-slate-500 dark:text-slate-400' },
};

const TYPE_CHAR = ['-', 'h', 'l', 'c', 'b', 'd', 'p', '?'];

/** `drwxr-xr-x` from the entry type and permission bits. */
export function modeString(type: number, mode: number | undefined): string {
  if (mode === undefined) return 'd---------';
  const bits = 'rwxrwxrwx';
  let out = TYPE_CHAR[type] ?? '?';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  // setuid/setgid/sticky, as ls shows them.
  const chars = out.split('');
  if (mode & 0o4000) chars[3] = chars[3] === 'x' ? 's' : 'S';
  if (mode & 0o2000) chars[6] = chars[6] === 'x' ? 's' : 'S';
  if (mode & 0o1000) chars[9] = chars[9] === 'x' ? 't' : 'T';
  return chars.join('');
}
