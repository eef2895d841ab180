import { HELM_CONFIG_TYPE, describeArtifactKind, type ArtifactKind } from '../../core/attestations/artifact';
import { shortDigest } from '../../core/digest';
import { describeMediaType } from '../../core/mediaTypes';
import type { Descriptor, ImageManifest } from '../../core/oci';
import { familiarName, repositoryName, type ImageReference } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import { CosignMediaTypes } from '../../core/attestations/cosign';
import { useJsonBlob, useSigningPayload, useStatement } from '../../queries/attestationQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes, formatDate } from '../format';
import { useUrlState } from '../useUrlState';
import { Statements } from './AttestationView';
import { SbomTable } from './SbomTable';
import { SignatureDetails } from './SignatureDetails';
import { hrefFor, inPlace, noteClass, panelClass, panelTitleClass } from './nav';

const dt = 'text-slate-600 dark:text-slate-400';
const TITLE = 'org.opencontainers.image.title';
const ARTICLE: Record<ArtifactKind, string> = { signature: 'a', attestation: 'an', sbom: 'an', helm: 'a', artifact: 'an' };

/** cosign's tag `sha256-<hex>.sig` names the digest it signs. */
function subjectFromTag(tag: string | undefined): string | undefined {
  const m = tag ? /^(sha256)-([0-9a-f]{64})\.(?:sig|att|sbom)$/.exec(tag) : null;
  return m ? `${m[1]}:${m[2]}` : undefined;
}

interface ArtifactPanelProps {
  repo: Repository;
  reference: ImageReference;
  manifest: ImageManifest;
  kind: ArtifactKind;
  /** The manifest's artifact type (its own, else its config's media type). */
  artifactType: string;
}

/** A manifest that is not a container image: what it is, what it refers to, its parts, and its content when Lading can read it. */
export function ArtifactPanel({ repo, reference, manifest, kind, artifactType }: ArtifactPanelProps) {
  const [, navigate] = useUrlState();
  // What it refers to: its `subject`, else the digest cosign's tag names, else (a signature
  // opened by digest) the digest its payload signs.
  const declaredSubject = manifest.subject?.digest ?? subjectFromTag(reference.tag);
  const signingLayer = kind === 'signature' ? manifest.layers.find((l) => l.mediaType === CosignMediaTypes.simpleSigning) : undefined;
  const signed = useSigningPayload(repo, declaredSubject ? undefined : signingLayer).data?.manifestDigest;
  const subject = declaredSubject ?? signed;
  const openDigest = (digest: string) => ({ image: `${familiarName(repo)}@${digest}` });
  const created = manifest.annotations?.['org.opencontainers.image.created'];
  return (
    <div className="flex flex-col gap-6">
      <section aria-labelledby="artifact-panel-title" className={panelClass} data-artifact-kind={kind}>
        <h2 id="artifact-panel-title" className="font-semibold">
          Not a container image: {ARTICLE[kind]} {describeArtifactKind(kind)}
        </h2>
        <p className={`mt-1 ${noteClass}`}>It has no filesystem to explore. What it is made of:</p>
        <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className={dt}>Artifact type</dt>
          <dd className="font-mono break-all" data-testid="artifact-type">
            {artifactType || <span className="font-sans text-slate-600 dark:text-slate-400">none (stored as an image manifest)</span>}
          </dd>
          <dt className={dt}>Config</dt>
          <dd className="font-mono break-all">
            {manifest.config.mediaType}{' '}
            <span className="text-slate-600 dark:text-slate-400">
              · {formatBytes(manifest.config.size)} · {shortDigest(manifest.config.digest)}
            </span>
          </dd>
          {subject && (
            <>
              <dt className={dt}>Refers to</dt>
              <dd className="font-mono break-all">
                <a
                  href={hrefFor(openDigest(subject))}
                  onClick={inPlace(() => navigate(openDigest(subject)))}
                  className="text-teal-800 hover:underline dark:text-teal-300"
                  data-testid="artifact-subject"
                >
                  {subject}
                </a>
                {manifest.subject && <span className="text-slate-600 dark:text-slate-400"> ({describeMediaType(manifest.subject.mediaType)})</span>}
              </dd>
            </>
          )}
          {created && (
            <>
              <dt className={dt}>Created</dt>
              <dd>{formatDate(created)}</dd>
            </>
          )}
        </dl>
        <h3 className={`mt-4 ${panelTitleClass}`}>Layers ({manifest.layers.length})</h3>
        <table className="mt-1 w-full text-left text-xs" aria-label="Artifact layers">
          <thead className="text-slate-600 dark:text-slate-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Media type</th>
              <th className="py-1 pr-3 font-medium">Size</th>
              <th className="py-1 pr-3 font-medium">Digest</th>
              <th className="py-1 font-medium">Title</th>
            </tr>
          </thead>
          <tbody>
            {manifest.layers.map((layer: Descriptor, i) => (
              <tr key={`${layer.digest}-${i}`} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1 pr-3 font-mono break-all">{layer.mediaType}</td>
                <td className="py-1 pr-3 whitespace-nowrap">{formatBytes(layer.size)}</td>
                <td className="py-1 pr-3 font-mono" title={layer.digest}>
                  {shortDigest(layer.digest)}
                </td>
                <td className="py-1 font-mono break-all">{layer.annotations?.[TITLE] ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {manifest.annotations && Object.keys(manifest.annotations).length > 0 && (
          <>
            <h3 className={`mt-4 ${panelTitleClass}`}>Annotations</h3>
            <ul aria-label="Annotations" className="mt-1 text-xs">
              {Object.entries(manifest.annotations).map(([k, v]) => (
                <li key={k} className="font-mono break-all">
                  <span className="text-slate-600 dark:text-slate-400">{k}</span>={v}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      {kind === 'helm' && <HelmChart repo={repo} manifest={manifest} />}
      {kind === 'signature' && (
        <section aria-label="Signatures" className={panelClass}>
          <h2 className={panelTitleClass}>Signatures</h2>
          <div className="mt-2">
            <SignatureDetails repo={repo} manifest={manifest} subject={declaredSubject} />
          </div>
        </section>
      )}
      {kind === 'attestation' && (
        <section aria-label="Statements" className={panelClass}>
          <h2 className={panelTitleClass}>Statements</h2>
          <div className="mt-2">
            <Statements repo={repo} manifest={manifest} />
          </div>
        </section>
      )}
      {kind === 'sbom' && <SbomArtifact repo={repo} manifest={manifest} />}
    </div>
  );
}

function HelmChart({ repo, manifest }: { repo: Repository; manifest: ImageManifest }) {
  const config = useJsonBlob(repo, manifest.config.mediaType === HELM_CONFIG_TYPE ? manifest.config : undefined);
  const chart = (config.data ?? {}) as Record<string, unknown>;
  const field = (name: string) => (typeof chart[name] === 'string' ? (chart[name] as string) : undefined);
  return (
    <section aria-label="Helm chart" className={panelClass} data-testid="helm-chart">
      <h2 className={panelTitleClass}>Helm chart</h2>
      {config.isPending ? (
        <p role="status" className={`mt-2 ${noteClass}`}>
          Reading Chart.yaml…
        </p>
      ) : config.isError ? (
        <div className="mt-2">
          <ErrorPanel error={config.error} context={{ repository: repositoryName(repo), reference: manifest.config.digest }} />
        </div>
      ) : (
        <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          {(['name', 'version', 'appVersion', 'description', 'type', 'apiVersion', 'home'] as const).map((name) =>
            field(name) ? (
              <div key={name} className="contents">
                <dt className={dt}>{name}</dt>
                <dd className={name === 'description' ? '' : 'font-mono'}>{field(name)}</dd>
              </div>
            ) : null,
          )}
        </dl>
      )}
      <p className={`mt-2 ${noteClass}`}>
        Install with{' '}
        <code className="font-mono">helm install &lt;release&gt; oci://{repositoryName(repo).replace(/^docker\.io\//, 'registry-1.docker.io/')}</code>
        {field('version') ? <code className="font-mono"> --version {field('version')}</code> : null}
      </p>
    </section>
  );
}

function SbomArtifact({ repo, manifest }: { repo: Repository; manifest: ImageManifest }) {
  const layer = manifest.layers.find((l) => /spdx|cyclonedx|sbom/i.test(l.mediaType)) ?? manifest.layers[0];
  const statement = useStatement(repo, layer);
  return (
    <section aria-label="SBOM" className={panelClass}>
      <h2 className={panelTitleClass}>SBOM</h2>
      <div className="mt-2">
        {statement.isPending ? (
          <p role="status" className={noteClass}>
            Reading the SBOM…
          </p>
        ) : statement.isError ? (
          <ErrorPanel error={statement.error} context={{ repository: repositoryName(repo), reference: layer?.digest ?? '' }} />
        ) : statement.data.kind === 'sbom' ? (
          <SbomTable sbom={statement.data.sbom} />
        ) : (
          <p className={noteClass}>The layer is not an SPDX or CycloneDX document Lading can read.</p>
        )}
      </div>
    </section>
  );
}
