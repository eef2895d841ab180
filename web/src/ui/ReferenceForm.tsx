import { useEffect, useId, useState, type FormEvent } from 'react';
import { tryParseReference, InvalidReferenceError } from '../core/reference';

/** The reference box. Validates as `docker pull` would before anything is fetched. */
export function ReferenceForm({ value, onSubmit }: { value: string; onSubmit: (reference: string) => void }) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<InvalidReferenceError | null>(null);
  const errorId = useId();
  useEffect(() => {
    setText(value);
    setError(null);
  }, [value]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = tryParseReference(text);
    if (parsed instanceof InvalidReferenceError) {
      setError(parsed);
      return;
    }
    setError(null);
    onSubmit(text.trim());
  };

  return (
    <form onSubmit={submit} className="flex min-w-64 flex-1 flex-col gap-1" role="search">
      <div className="flex gap-2">
        <label htmlFor="reference" className="sr-only">
          Image reference
        </label>
        <input
          id="reference"
          name="reference"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="nginx:1.27, ghcr.io/org/app@sha256:…, localhost:5000/team/api:dev"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error !== null}
          aria-describedby={error ? errorId : undefined}
          className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-sm shadow-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-slate-700 dark:bg-slate-900"
        />
        <button type="submit" className="rounded-md bg-teal-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-teal-800">
          Inspect
        </button>
      </div>
      {error && (
        <p id={errorId} role="alert" data-error-kind="reference" className="text-sm text-red-700 dark:text-red-300">
          <strong>Invalid reference ({error.part}):</strong> {error.reason}
        </p>
      )}
    </form>
  );
}
