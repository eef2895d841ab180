import type { PlatformEntry } from '../core/platform';

interface PlatformPickerProps {
  platforms: readonly PlatformEntry[];
  selected: string | undefined;
  onSelect: (platform: string) => void;
}

/** Past this many platforms a row of buttons would fill the header: a list box instead. */
const MAX_BUTTONS = 5;

/**
 * The platforms of an index, in the image header: a radio group (a select for long lists).
 * BuildKit attestations are not platforms; the referrers view lists them.
 */
export function PlatformPicker({ platforms, selected, onSelect }: PlatformPickerProps) {
  const label = `Platforms (${platforms.length})`;
  if (platforms.length > MAX_BUTTONS) {
    return (
      <label className="flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
        Platform
        <select
          aria-label={label}
          value={selected ?? ''}
          onChange={(e) => onSelect(e.target.value)}
          className="rounded border border-slate-300 bg-white px-1.5 py-0.5 font-mono text-xs text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
        >
          {platforms.map((entry) => (
            <option key={entry.descriptor.digest} value={entry.platform}>
              {entry.platform}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <div role="radiogroup" aria-label={label} className="flex flex-wrap gap-1">
      {platforms.map((entry) => {
        const checked = entry.platform === selected;
        return (
          <button
            key={entry.descriptor.digest}
            type="button"
            role="radio"
            aria-checked={checked}
            onClick={() => onSelect(entry.platform)}
            title={entry.descriptor.digest}
            className={`rounded border px-2 py-0.5 font-mono text-xs ${
              checked ? 'border-teal-700 bg-teal-700 text-white' : 'border-slate-300 hover:border-teal-600 dark:border-slate-700'
            }`}
          >
            {entry.platform}
          </button>
        );
      })}
    </div>
  );
}
