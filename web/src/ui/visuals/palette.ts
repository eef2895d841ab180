/**
 * Colours of the visuals, as whole Tailwind class names (so the build finds them) with a `dark:`
 * twin. Layer colours are a categorical palette of ten, repeated for layer 10 and up (the legend
 * and every tooltip name the layer too, so colour is never the only cue). Light tiles carry
 * slate-900 text (≥ 8:1), dark tiles white text (≥ 6:1).
 */

/** Layer k's tile fill: LAYER_FILL[k % 10]. */
const LAYER_FILL = [
  'fill-[#9ecae1] dark:fill-[#1f5f8b]',
  'fill-[#fdae6b] dark:fill-[#9a4a0c]',
  'fill-[#a1d99b] dark:fill-[#2e6b2e]',
  'fill-[#fc9272] dark:fill-[#a12f2f]',
  'fill-[#bcbddc] dark:fill-[#5b4b8a]',
  'fill-[#e7cb94] dark:fill-[#7a5c1e]',
  'fill-[#f7b6d2] dark:fill-[#8c2d63]',
  'fill-[#dbdb8d] dark:fill-[#5e5e12]',
  'fill-[#9edae5] dark:fill-[#1b6b75]',
  'fill-[#d9a99f] dark:fill-[#6d4038]',
] as const;

/** The same colours for HTML swatches (legend). */
const LAYER_BG = [
  'bg-[#9ecae1] dark:bg-[#1f5f8b]',
  'bg-[#fdae6b] dark:bg-[#9a4a0c]',
  'bg-[#a1d99b] dark:bg-[#2e6b2e]',
  'bg-[#fc9272] dark:bg-[#a12f2f]',
  'bg-[#bcbddc] dark:bg-[#5b4b8a]',
  'bg-[#e7cb94] dark:bg-[#7a5c1e]',
  'bg-[#f7b6d2] dark:bg-[#8c2d63]',
  'bg-[#dbdb8d] dark:bg-[#5e5e12]',
  'bg-[#9edae5] dark:bg-[#1b6b75]',
  'bg-[#d9a99f] dark:bg-[#6d4038]',
] as const;

export const PALETTE_SIZE = LAYER_FILL.length;

/** Folded small entries, and directories with no layer to name. */
export const OTHER_FILL = 'fill-slate-200 dark:fill-slate-700';
export const OTHER_BG = 'bg-slate-200 dark:bg-slate-700';

export function layerFill(layer: number): string {
  return layer < 0 ? OTHER_FILL : LAYER_FILL[layer % PALETTE_SIZE]!;
}

export function layerSwatch(layer: number): string {
  return layer < 0 ? OTHER_BG : LAYER_BG[layer % PALETTE_SIZE]!;
}

/** Text drawn on a tile. */
export const TILE_TEXT = 'fill-slate-900 dark:fill-white';
export const OTHER_TEXT = 'fill-slate-700 dark:fill-slate-200';

/** The layer size chart. */
export const CHART = {
  compressed: { fill: 'fill-sky-700 dark:fill-sky-400', swatch: 'bg-sky-700 dark:bg-sky-400', label: 'Compressed (download)' },
  uncompressed: { fill: 'fill-teal-500/70 dark:fill-teal-600/80', swatch: 'bg-teal-500/70 dark:bg-teal-600/80', label: 'Uncompressed (file bytes)' },
  overwritten: { fill: 'fill-amber-500 dark:fill-amber-400', swatch: 'bg-amber-500 dark:bg-amber-400', label: 'Reclaimable: overwritten later' },
  deleted: { fill: 'fill-red-600 dark:fill-red-400', swatch: 'bg-red-600 dark:bg-red-400', label: 'Reclaimable: deleted later' },
  'hidden-by-opaque': {
    fill: 'fill-fuchsia-700 dark:fill-fuchsia-400',
    swatch: 'bg-fuchsia-700 dark:bg-fuchsia-400',
    label: 'Reclaimable: hidden by an opaque directory',
  },
} as const;
