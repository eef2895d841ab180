/** Display formatting shared by the views. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, like `docker images` and dive: 1 KB = 1000 B. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

/** dive's efficiency score as a percentage, cut (not rounded) to two decimals, so it reads as dive's does. */
export function formatEfficiency(efficiency: number): string {
  return `${(Math.floor(efficiency * 10000) / 100).toFixed(2)} %`;
}
