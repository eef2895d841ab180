import { setLargeText, setTheme, useDisplaySettings, type ThemeChoice } from './theme';

/** Theme (system, light, dark) and large text, in the header. */
export function DisplayControls() {
  const { theme, large } = useDisplaySettings();
  return (
    <div className="flex shrink-0 items-center gap-2 pt-1 text-xs">
      <label htmlFor="theme-choice" className="sr-only">
        Theme
      </label>
      <select
        id="theme-choice"
        value={theme}
        onChange={(e) => setTheme(e.target.value as ThemeChoice)}
        className="rounded border border-slate-300 bg-white px-1.5 py-1 dark:border-slate-700 dark:bg-slate-900"
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      <button
        type="button"
        aria-pressed={large}
        onClick={() => setLargeText(!large)}
        title="Larger text, for projectors and demos"
        className={`rounded border px-2 py-1 ${large ? 'border-teal-700 bg-teal-700 text-white' : 'border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800'}`}
      >
        Large text
      </button>
    </div>
  );
}
