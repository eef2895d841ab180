import { shortDigest } from '../../core/digest';
import { familiarName, repositoryName } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import type { Referrer, ReferrerKind, ReferrersResult } from '../../core/registry/referrers';
import { useReferrers } from '../../queries/repositoryQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes, formatDate } from '../format';
import { useUrlState } from '../useUrlState';
import { hrefFor, inPlace, noteClass, panelClass, panelTitleClass } from './nav';

export interface ReferrerSubject {
  digest: string;
  /** `this image`, `linux/amd64`. */
  label: string;
}

const BADGE: Record<ReferrerKind, string> = {
  signature: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100',
  sbom: 'bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100',
  attestation: 'bg-violet-100 text-violet-900 dark:bg-violet-900/50 dark:text-violet-100',
  other: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
};

/** Signatures, SBOMs and other artifacts that refer to the image (OCI referrers and cosign tags). */
export function ReferrersPanel({ repo, subjects }: { repo: Repository; subjects: ReferrerSubject[] }) {
  const unique = subjects.filter((s, i) => subjects.findIndex((t) => t.digest === s.digest) === i);
  return (
    <section aria-labelledby="referrers-title" className={panelClass}>
      <h2 id="referrers-title" className={panelTitleClass}>
        Signatures, SBOMs and other referrers
      </h2>
      <div className="mt-2 flex flex-col gap-3">
        {unique.map((s) => (
          <SubjectReferrers key={s.digest} repo={repo} subject={s} labelled={unique.length > 1} />
        ))}
      </div>
    </section>
  );
}

function methodNote(result: ReferrersResult): string {
  if (result.method === 'api') return 'from the registry’s referrers API';
  if (result.fallbackTag?.present) return `from the tag ${result.fallbackTag.tag} (this registry has no referrers API)`;
  return 'this registry has no referrers API and no referrers tag exists';
}

function SubjectReferrers({ repo, subject, labelled }: { repo: Repository; subject: ReferrerSubject; labelled: boolean }) {
  const query = useReferrers(repo, subject.digest);
  const heading = labelled ? (
    <h3 className="text-sm font-medium">
      Of <span className="font-mono">{subject.label}</span>{' '}
      <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{shortDigest(subject.digest)}</span>
    </h3>
  ) : null;
  if (query.isPending) {
    return (
      <div>
        {heading}
        <p role="status" className={noteClass}>
          Looking for referrers…
        </p>
      </div>
    );
  }
  if (query.isError) {
    return (
      <div>
        {heading}
        <ErrorPanel error={query.error} context={{ repository: repositoryName(repo), reference: subject.digest }} onRetry={() => void query.refetch()} />
      </div>
    );
  }
  const result = query.data;
  return (
    <div data-testid="referrers" data-subject={subject.digest}>
      {heading}
      {result.referrers.length === 0 ? (
        <p className={noteClass}>None found ({methodNote(result)}; no cosign .sig, .att or .sbom tags).</p>
      ) : (
        <>
          <ul aria-label={`Referrers of ${subject.label}`} className="divide-y divide-slate-100 dark:divide-slate-800">
            {result.referrers.map((r) => (
              <ReferrerRow key={`${r.foundBy}-${r.descriptor.digest}`} repo={repo} referrer={r} />
            ))}
          </ul>
          <p className={`mt-1 ${noteClass}`}>OCI referrers {methodNote(result)}.</p>
        </>
      )}
    </div>
  );
}

function ReferrerRow({ repo, referrer }: { repo: Repository; referrer: Referrer }) {
  const [, navigate] = useUrlState();
  const target = { image: `${familiarName(repo)}@${referrer.descriptor.digest}` };
  const created = referrer.descriptor.annotations?.['org.opencontainers.image.created'];
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5 text-sm">
      <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${BADGE[referrer.kind]}`}>{referrer.kind}</span>
      <a href={hrefFor(target)} onClick={inPlace(() => navigate(target))} className="font-medium text-teal-800 hover:underline dark:text-teal-300">
        {referrer.label}
      </a>
      {referrer.artifactType && referrer.artifactType !== referrer.label && (
        <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{referrer.artifactType}</span>
      )}
      <span className="font-mono text-xs text-slate-600 dark:text-slate-400" title={referrer.descriptor.digest}>
        {shortDigest(referrer.descriptor.digest)} · {formatBytes(referrer.descriptor.size)}
      </span>
      <span className="text-xs text-slate-600 dark:text-slate-400">
        {referrer.foundBy === 'cosign-tag'
          ? `cosign ${referrer.tag?.slice(referrer.tag.lastIndexOf('.')) ?? ''} tag`
          : referrer.foundBy === 'referrers-tag'
            ? 'referrers tag'
            : 'referrers API'}
        {created ? ` · ${formatDate(created)}` : ''}
      </span>
    </li>
  );
}
