/**
 * An image reference, resolved: an image (or one platform of an index) opens the workspace; an
 * artifact, an attestation or a manifest Lading cannot read is shown for what it is under the same
 * header line (the reference, what kind of manifest it is, its digest).
 */
import { useEffect, useMemo, type ReactNode } from 'react';
import { artifactKind } from '../core/attestations/artifact';
import { shortDigest } from '../core/digest';
import type { RateLimit } from '../core/errors';
import { describeMediaType } from '../core/mediaTypes';
import { choosePlatform, indexEntries } from '../core/platform';
import {
  InvalidReferenceError,
  familiarReference,
  manifestReference,
  pullCommand,
  repositoryName,
  tryParseReference,
  type ImageReference,
} from '../core/reference';
import type { FetchedManifest, Repository } from '../core/registry/client';
import type { RegistryImage } from '../core/registry/image';
import { useManifest } from '../queries/imageQueries';
import { warmLayerWorkers } from '../queries/layerQueries';
import { addRecent } from './recent';
import { CopyButton } from './CopyButton';
import { ErrorPanel } from './ErrorPanel';
import { ArtifactView, RegistryImageDetails } from './ImageDetails';
import { PlatformPicker } from './PlatformPicker';
import { Skeleton } from './Skeleton';
import { ArtifactPanel } from './browse/ArtifactPanel';
import { IndexAttestation } from './browse/AttestationView';
import { panelClass, panelTitleClass } from './browse/nav';
import { useUrlState } from './useUrlState';
import { WorkspaceMessage } from './workspace/Workspace';

interface ImageViewProps {
  input: string;
  platform: string | undefined;
  onPlatform: (platform: string) => void;
}

export function ImageView({ input, platform, onPlatform }: ImageViewProps) {
  const reference = useMemo(() => tryParseReference(input), [input]);
  if (reference instanceof InvalidReferenceError) {
    return (
      <WorkspaceMessage identity={null}>
        <ErrorPanel error={reference} />
      </WorkspaceMessage>
    );
  }
  return <ResolvedImage input={input} reference={reference} platform={platform} onPlatform={onPlatform} />;
}

function ResolvedImage({ input, reference, platform, onPlatform }: { reference: ImageReference } & ImageViewProps) {
  const repo: Repository = { domain: reference.domain, path: reference.path };
  const asked = manifestReference(reference);
  const top = useManifest(repo, asked);
  const resolved = top.isSuccess;
  // Workers start loading now; by the time the config names the layers they are ready.
  useEffect(() => warmLayerWorkers(), []);
  useEffect(() => {
    if (resolved) addRecent(familiarReference(reference));
  }, [resolved, reference]);

  if (top.isPending) {
    return (
      <WorkspaceMessage identity={<ImageTitle reference={reference} />}>
        <Skeleton label={`Resolving ${familiarReference(reference)}…`} />
      </WorkspaceMessage>
    );
  }
  if (top.isError) {
    return (
      <WorkspaceMessage identity={<ImageTitle reference={reference} />}>
        <ErrorPanel error={top.error} context={{ repository: repositoryName(repo), reference: asked }} onRetry={() => void top.refetch()} />
      </WorkspaceMessage>
    );
  }
  const fetched = top.data;
  const document = fetched.document;
  const identity = (extra?: ReactNode) => (
    <ImageIdentity reference={reference} fetched={fetched}>
      {extra}
    </ImageIdentity>
  );
  if (document.kind === 'index')
    return <IndexView input={input} repo={repo} reference={reference} fetched={fetched} platform={platform} onPlatform={onPlatform} identity={identity} />;
  if (document.kind === 'image' || document.kind === 'artifact') {
    const declaredType = document.kind === 'artifact' ? document.artifactType : undefined;
    const kind = artifactKind(document.manifest, declaredType);
    if (kind) {
      return (
        <WorkspaceMessage identity={identity()}>
          <ArtifactPanel
            repo={repo}
            reference={reference}
            manifest={document.manifest}
            kind={kind}
            artifactType={declaredType ?? document.manifest.artifactType ?? ''}
          />
        </WorkspaceMessage>
      );
    }
    if (document.kind === 'artifact') {
      return (
        <WorkspaceMessage identity={identity()}>
          <ArtifactView manifest={document.manifest} artifactType={document.artifactType} />
        </WorkspaceMessage>
      );
    }
    return (
      <RegistryImageDetails
        input={input}
        context={{ repository: repositoryName(repo), reference: asked }}
        identity={() => identity()}
        registry={() => ({ repo, reference, subjects: [{ digest: fetched.digest, label: 'this image' }], attestations: [] })}
        about={(image) => <ManifestAbout reference={reference} fetched={fetched} image={image} />}
      />
    );
  }
  return (
    <WorkspaceMessage identity={identity()}>
      <div
        role="alert"
        data-error-kind="unsupported"
        className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
      >
        {document.kind === 'schema1' ? (
          <>
            <h2 className="font-semibold">Docker schema 1 manifest</h2>
            <p className="mt-1 text-sm">
              This is a legacy Docker image manifest, schema version 1 ({document.mediaType}), deprecated since 2017 and without a content-addressed config.
              Lading reads schema 2 and OCI images; push the image again with a current Docker or skopeo to inspect it.
            </p>
          </>
        ) : (
          <>
            <h2 className="font-semibold">Unknown manifest type</h2>
            <p className="mt-1 text-sm">{document.reason}.</p>
          </>
        )}
      </div>
    </WorkspaceMessage>
  );
}

/** `76 of 100 pulls left per 6 h, counted for 203.0.113.7`: Docker Hub's quota as of this request. */
export function describeRateLimit(limit: RateLimit): string {
  const window = limit.windowSeconds ? ` per ${limit.windowSeconds % 3600 === 0 ? `${limit.windowSeconds / 3600} h` : `${limit.windowSeconds} s`}` : '';
  const left =
    limit.remaining !== undefined && limit.limit !== undefined
      ? `${limit.remaining} of ${limit.limit} pulls left${window}`
      : limit.limit !== undefined
        ? `${limit.limit} pulls${window}`
        : 'limited';
  return `${left}${limit.source ? `, counted for ${limit.source}` : ''}`;
}

function ImageTitle({ reference }: { reference: ImageReference }) {
  return (
    <h1 id="image-title" className="min-w-0 font-mono text-base font-semibold break-all">
      {familiarReference(reference)}
    </h1>
  );
}

/**
 * The header's first line: the reference, what the manifest is, its digest (copyable), `children`
 * (the platforms) and the pull quota. The pull command is in the config view, with the manifest.
 */
function ImageIdentity({ reference, fetched, children }: { reference: ImageReference; fetched: FetchedManifest; children?: ReactNode }) {
  return (
    <>
      <ImageTitle reference={reference} />
      <span
        data-testid="media-type"
        title={fetched.document.mediaType}
        className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300"
      >
        {describeMediaType(fetched.document.mediaType)}
      </span>
      <span className="flex min-w-0 items-center gap-1.5 text-xs">
        <code data-testid="resolved-digest" className="max-w-[12rem] truncate font-mono text-slate-600 dark:text-slate-400" title={fetched.digest}>
          {fetched.digest}
        </code>
        <CopyButton text={fetched.digest} label="Copy digest" />
      </span>
      {children}
      {fetched.rateLimit && (
        <span className="text-xs text-slate-600 dark:text-slate-400">
          Pull quota: <span data-testid="rate-limit">{describeRateLimit(fetched.rateLimit)}</span>
        </span>
      )}
    </>
  );
}

const dt = 'text-slate-600 dark:text-slate-400';

/** The manifest's facts, at the top of the config view: how to pull it, what it is, where it lives. */
function ManifestAbout({ reference, fetched, image }: { reference: ImageReference; fetched: FetchedManifest; image: RegistryImage }) {
  const pull = pullCommand(reference, fetched.digest);
  return (
    <section aria-labelledby="manifest-title" className={panelClass}>
      <h2 id="manifest-title" className={panelTitleClass}>
        Manifest
      </h2>
      <dl className="mt-2 grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm">
        <dt className={dt}>Pull</dt>
        <dd className="flex min-w-0 items-center gap-2">
          <code data-testid="pull-command" className="truncate font-mono text-xs" title={pull}>
            {pull}
          </code>
          <CopyButton text={pull} label="Copy the pull command" />
        </dd>
        <dt className={dt}>Media type</dt>
        <dd>
          {describeMediaType(fetched.document.mediaType)}{' '}
          <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{fetched.document.mediaType}</span>
        </dd>
        <dt className={dt}>Registry</dt>
        <dd className="font-mono">{reference.domain}</dd>
        <dt className={dt}>Digest</dt>
        <dd className="font-mono text-xs break-all">{fetched.digest}</dd>
        {image.index && (
          <>
            <dt className={dt}>{image.platform}</dt>
            <dd className="font-mono text-xs break-all">{image.image.digest}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function IndexView({
  input,
  repo,
  reference,
  fetched,
  platform,
  onPlatform,
  identity,
}: { repo: Repository; reference: ImageReference; fetched: FetchedManifest; identity: (extra?: ReactNode) => ReactNode } & ImageViewProps) {
  const [{ attestation }] = useUrlState();
  if (fetched.document.kind !== 'index') return null;
  const { platforms, attestations } = indexEntries(fetched.document.index);
  // For the picker only: the image itself is resolved (and the platform matched) by the core.
  const selected = choosePlatform(platforms, platform);
  const openAttestation = attestations.find((a) => a.descriptor.digest === attestation);
  const picker = <PlatformPicker platforms={platforms} selected={selected?.platform} onSelect={onPlatform} />;
  if (openAttestation) {
    return (
      <WorkspaceMessage identity={identity(picker)}>
        <IndexAttestation repo={repo} entry={openAttestation} />
      </WorkspaceMessage>
    );
  }
  if (platforms.length === 0) {
    return (
      <WorkspaceMessage identity={identity()}>
        <p className="text-sm text-slate-600 dark:text-slate-400">This index lists no platform images.</p>
      </WorkspaceMessage>
    );
  }
  return (
    <RegistryImageDetails
      input={input}
      {...(platform ? { platform } : {})}
      context={{ repository: repositoryName(repo), reference: platform ?? fetched.digest }}
      identity={(image) =>
        identity(
          <>
            {picker}
            {image && (
              <span className="text-xs text-slate-600 dark:text-slate-400">
                {image.platform} manifest{' '}
                <code className="font-mono" data-testid="platform-digest" title={image.image.digest}>
                  {shortDigest(image.image.digest)}
                </code>
              </span>
            )}
          </>,
        )
      }
      registry={(image) => ({
        repo,
        reference,
        subjects: [
          { digest: fetched.digest, label: 'this index' },
          { digest: image.image.digest, label: image.platform },
        ],
        attestations,
      })}
      about={(image) => <ManifestAbout reference={reference} fetched={fetched} image={image} />}
    />
  );
}
