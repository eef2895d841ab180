import { useId } from 'react';
import { attestationLayers, type AttestationLayer } from '../../core/attestations/statement';
import { shortDigest } from '../../core/digest';
import type { ImageManifest } from '../../core/oci';
import type { AttestationEntry } from '../../core/platform';
import { repositoryName } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import { useStatement } from '../../queries/attestationQueries';
import { useManifest } from '../../queries/imageQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes } from '../format';
import { Skeleton } from '../Skeleton';
import { useUrlState } from '../useUrlState';
import { ProvenanceView } from './ProvenanceView';
import { SbomTable } from './SbomTable';
import { hrefFor, inPlace, noteClass, panelClass } from './nav';

/** Which statement `statement=` names: `sbom`, `provenance`, or a position. */
function selectStatement(layers: AttestationLayer[], statement: string | undefined): number {
  if (statement === undefined) return 0;
  if (/^\d+$/.test(statement)) return Math.min(Number(statement), layers.length - 1);
  const byKind = layers.findIndex((l) => l.kind === statement);
  return byKind >= 0 ? byKind : 0;
}

function statementParam(layers: AttestationLayer[], index: number): string {
  const layer = layers[index];
  if (layer && layer.kind !== 'other' && layers.filter((l) => l.kind === layer.kind).length === 1) return layer.kind;
  return String(index);
}

/** A BuildKit attestation manifest of an index, opened from the platform list (`attestation=<digest>`). */
export function IndexAttestation({ repo, entry }: { repo: Repository; entry: AttestationEntry }) {
  const [state, navigate] = useUrlState();
  const back = {
    ...(state.image ? { image: state.image } : {}),
    ...(entry.subjectPlatform ? { platform: entry.subjectPlatform } : state.platform ? { platform: state.platform } : {}),
  };
  const manifest = useManifest(repo, entry.descriptor.digest);
  const document = manifest.data?.document;
  return (
    <section aria-labelledby="attestation-title" className={panelClass} data-testid="attestation-view">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="attestation-title" className="font-semibold">
          Attestation for{' '}
          <span className="font-mono">{entry.subjectPlatform ?? (entry.subjectDigest ? shortDigest(entry.subjectDigest) : 'an unknown manifest')}</span>
        </h2>
        <a href={hrefFor(back)} onClick={inPlace(() => navigate(back))} className="text-sm text-teal-800 hover:underline dark:text-teal-300">
          ← Back to the {entry.subjectPlatform ?? 'image'} image
        </a>
      </div>
      <p className={`mt-1 ${noteClass}`}>
        Manifest{' '}
        <code className="font-mono" title={entry.descriptor.digest}>
          {shortDigest(entry.descriptor.digest)}
        </code>
        {entry.subjectDigest && (
          <>
            {' '}
            describes{' '}
            <code className="font-mono" title={entry.subjectDigest}>
              {shortDigest(entry.subjectDigest)}
            </code>
          </>
        )}
        . Lading shows what the attestation states; it does not verify who made it.
      </p>
      <div className="mt-3">
        {manifest.isPending ? (
          <Skeleton label="Loading the attestation manifest…" />
        ) : manifest.isError ? (
          <ErrorPanel
            error={manifest.error}
            context={{ repository: repositoryName(repo), reference: entry.descriptor.digest }}
            onRetry={() => void manifest.refetch()}
          />
        ) : document?.kind === 'image' || document?.kind === 'artifact' ? (
          <Statements repo={repo} manifest={document.manifest} />
        ) : (
          <p className={noteClass}>This attestation entry is not an image manifest ({document?.mediaType || 'unknown type'}).</p>
        )}
      </div>
    </section>
  );
}

/** The in-toto statements of an attestation manifest as tabs (`statement=` in the URL). */
export function Statements({ repo, manifest }: { repo: Repository; manifest: ImageManifest }) {
  const [state, navigate] = useUrlState();
  const layers = attestationLayers(manifest);
  const id = useId();
  if (layers.length === 0) return <p className={noteClass}>This manifest holds no in-toto statements.</p>;
  const selected = selectStatement(layers, state.statement);
  const layer = layers[selected] as AttestationLayer;
  const select = (index: number) => navigate({ ...state, statement: statementParam(layers, index) }, { replace: true });
  return (
    <div className="flex flex-col gap-3">
      <div role="tablist" aria-label="Statements" className="flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-800">
        {layers.map((l, i) => (
          <button
            key={l.descriptor.digest}
            id={`${id}-tab-${i}`}
            type="button"
            role="tab"
            aria-selected={i === selected}
            aria-controls={`${id}-panel`}
            onClick={() => select(i)}
            className={`-mb-px rounded-t-md border px-3 py-1.5 text-sm ${i === selected ? 'border-slate-200 border-b-white bg-white font-medium dark:border-slate-800 dark:border-b-slate-900 dark:bg-slate-900' : 'border-transparent text-slate-600 hover:text-teal-800 dark:text-slate-400'}`}
          >
            {l.label} <span className="text-xs text-slate-600 dark:text-slate-400">{formatBytes(l.descriptor.size)}</span>
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`}>
        <StatementBody key={layer.descriptor.digest} repo={repo} layer={layer} />
      </div>
    </div>
  );
}

function StatementBody({ repo, layer }: { repo: Repository; layer: AttestationLayer }) {
  const statement = useStatement(repo, layer.descriptor);
  if (statement.isPending) return <Skeleton label={`Reading ${layer.label} (${formatBytes(layer.descriptor.size)})…`} />;
  if (statement.isError)
    return (
      <ErrorPanel
        error={statement.error}
        context={{ repository: repositoryName(repo), reference: layer.descriptor.digest }}
        onRetry={() => void statement.refetch()}
      />
    );
  const s = statement.data;
  return (
    <div className="flex flex-col gap-3">
      {s.subjects.length > 0 && (
        <p className={noteClass}>
          About{' '}
          {s.subjects.map((sub, i) => (
            <span
              key={i}
              className="font-mono"
              title={Object.entries(sub.digest)
                .map(([a, v]) => `${a}:${v}`)
                .join(' ')}
            >
              {i > 0 ? ', ' : ''}
              {sub.name || '(unnamed)'}
            </span>
          ))}
          {s.predicateType ? (
            <>
              {' '}
              · predicate <span className="font-mono">{s.predicateType}</span>
            </>
          ) : null}
        </p>
      )}
      {s.kind === 'sbom' && <SbomTable sbom={s.sbom} />}
      {s.kind === 'provenance' && <ProvenanceView provenance={s.provenance} />}
      {s.kind === 'other' && (
        <>
          <pre className="max-h-[32rem] overflow-auto rounded bg-slate-50 p-3 font-mono text-xs dark:bg-slate-950">{s.predicateJson}</pre>
          {s.truncated && <p className={noteClass}>Shortened: the predicate is longer than Lading shows.</p>}
        </>
      )}
    </div>
  );
}
