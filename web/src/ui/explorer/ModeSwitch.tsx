import type { ViewMode } from '../../core/fs';

const MODES = [
  ['layer', 'This layer’s changes'],
  ['aggregate', 'All layers up to this one'],
] as const;

/** dive's two trees of a layer: what it changed, or the filesystem as of it. The explorer and the treemap share it. */
export function ModeSwitch({ mode, onChange }: { mode: ViewMode; onChange: (mode: ViewMode) => void }) {
  return (
    <div role="radiogroup" aria-label="Tree mode" className="flex shrink-0 rounded-md border border-slate-300 text-xs dark:border-slate-700">
      {MODES.map(([value, label]) => (
        <button
          key={value}
          type="button"
          role="radio"
          aria-checked={mode === value}
          onClick={() => onChange(value)}
          className={`px-2 py-1 whitespace-nowrap ${mode === value ? 'bg-teal-700 text-white' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
