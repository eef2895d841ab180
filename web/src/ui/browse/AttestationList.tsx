import { shortDigest } from '../../core/digest';
import type { AttestationEntry } from '../../core/platform';
import { AttestationLink } from './AttestationLink';
import { noteClass, panelClass, panelTitleClass } from './nav';

/** BuildKit attestations of an index (SBOM, provenance): listed apart from the platforms, each opening its statements. */
export function AttestationList({ attestations }: { attestations: readonly AttestationEntry[] }) {
  return (
    <section aria-labelledby="attestations-title" className={panelClass}>
      <h2 id="attestations-title" className={panelTitleClass}>
        Attestations in the index <span className="font-normal normal-case">({attestations.length})</span>
      </h2>
      <p className={`mt-1 ${noteClass}`}>Written by BuildKit next to the platform images; they are not platforms. Open one to read its SBOM or provenance.</p>
      <ul aria-label="Attestations" className="mt-2 flex flex-wrap gap-2">
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
    </section>
  );
}
