import type { AttestationEntry, PlatformEntry } from '../core/platform';
import { shortDigest } from '../core/digest';
import { AttestationLink } from './browse/AttestationLink';

interface PlatformPickerProps {
  platforms: PlatformEntry[];
  attestations: AttestationEntry[];
  selected: string | undefined;
  onSelect: (platform: string) => void;
}

/** The platforms of an index as a radio group; BuildKit attestations are listed apart and cannot be picked, but open (SBOM, provenance). */
export function PlatformPicker({ platforms, attestations, selected, onSelect }: PlatformPickerProps) {
  return (
    <section aria-labelledby="platforms-title" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 id="platforms-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
        Platforms <span className="font-normal normal-case">({platforms.length})</span>
      </h2>
      <div role="radiogroup" aria-labelledby="platforms-title" className="mt-2 flex flex-wrap gap-2">
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
              className={`rounded-md border px-3 py-1.5 font-mono text-sm ${
                checked ? 'border-teal-700 bg-teal-700 text-white' : 'border-slate-300 hover:border-teal-600 dark:border-slate-700'
              }`}
            >
              {entry.platform}
            </button>
          );
        })}
      </div>
      {attestations.length > 0 && (
        <div className="mt-3">
          <h3 className="text-xs font-medium text-slate-600 dark:text-slate-400">Attestations (not platforms)</h3>
          <ul aria-label="Attestations" className="mt-1 flex flex-wrap gap-2">
            {attestations.map((a) => (
              <li
                key={a.descriptor.digest}
                className="rounded-md border border-dashed border-slate-300 px-2 py-1 text-xs dark:border-slate-700"
                title={a.descriptor.digest}
              >
                <AttestationLink digest={a.descriptor.digest} platform={a.subjectPlatform}>
                  <span className="mr-1 rounded bg-violet-100 px-1.5 py-0.5 font-medium text-violet-800 dark:bg-violet-900/50 dark:text-violet-200">
                    attestation
                  </span>
                  for <span className="font-mono">{a.subjectPlatform ?? (a.subjectDigest ? shortDigest(a.subjectDigest) : 'unknown')}</span>
                </AttestationLink>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
