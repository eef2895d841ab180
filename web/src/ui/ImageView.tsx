import { useEffect, useMemo } from 'react';
import { addRecent } from './recent';
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
import { useManifest } from '../queries/imageQueries';
import { warmLayerWorkers } from '../queries/layerQueries';
import { CopyButton } from './CopyButton';
import { ErrorPanel } from './ErrorPanel';
import { ArtifactView, RegistryImageDetails } from './ImageDetails';
import { PlatformPicker } from './PlatformPicker';
import { Skeleton } from './Skeleton';
import type { ExplorerState } from './explorer/Explorer';
import { IndexAttestation } from './browse/AttestationView';
import { ImageOrArtifact } from './browse/ImageOrArtifact';
import { ReferrersPanel } from './browse/ReferrersPanel';
import { TagsPanel } from './browse/TagsPanel';
import { useUrlState } from './useUrlState';

interface ImageViewProps {
  input: string;
  platform: string | undefined;
  onPlatform: (platform: string) => void;
  explorer: ExplorerState;
  onExplorer: (next: ExplorerState) => void;
}

export function ImageView({ input, platform, onPlatform, explorer, onExplorer }: ImageViewProps) {
  const reference = useMemo(() => tryParseReference(input), [input]);
  if (reference instanceof InvalidReferenceError) return <ErrorPanel error={reference} />;
  return <ResolvedImage input={input} reference={reference} platform={platform} onPlatform={onPlatform} explorer={explorer} onExplorer={onExplorer} />;
}

function ResolvedImage({ input, reference, platform, onPlatform, explorer, onExplorer }: { reference: ImageReference } & ImageViewProps) {
  const repo: Repository = { domain: reference.domain, path: reference.path };
  const asked = manifestReference(reference);
  const top = useManifest(repo, asked);
  const resolved = top.isSuccess;
  // Workers start loading now; by the time the config names the layers they are ready.
  useEffect(() => warmLayerWorkers(), []);
  useEffect(() => {
    if (resolved) addRecent(familiarReference(reference));
  }, [resolved, reference]);

  if (top.isPending) return <Skeleton label={`Resolving ${familiarReference(reference)}…`} />;
  if (top.isError) {
    return <ErrorPanel error={top.error} context={{ repository: repositoryName(repo), reference: asked }} onRetry={() => void top.refetch()} />;
  }
  const fetched = top.data;
  const document = fetched.document;
  return (
    <div className="flex flex-col gap-6">
      <ImageHeader reference={reference} fetched={fetched} />
      <TagsPanel repo={repo} reference={reference} />
      {document.kind === 'index' && (
        <IndexView input={input} repo={repo} fetched={fetched} platform={platform} onPlatform={onPlatform} explorer={explorer} onExplorer={onExplorer} />
      )}
      {(document.kind === 'image' || document.kind === 'artifact') && (
        <ImageOrArtifact repo={repo} reference={reference} fetched={fetched}>
          {document.kind === 'artifact' ? (
            <ArtifactView manifest={document.manifest} artifactType={document.artifactType} />
          ) : (
            <RegistryImageDetails input={input} context={{ repository: repositoryName(repo), reference: asked }} explorer={explorer} onExplorer={onExplorer} />
          )}
        </ImageOrArtifact>
      )}
      {document.kind === 'schema1' && (
        <div
          role="alert"
          data-error-kind="unsupported"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <h2 className="font-semibold">Docker schema 1 manifest</h2>
          <p className="mt-1 text-sm">
            This is a legacy Docker image manifest, schema version 1 ({document.mediaType}), deprecated since 2017 and without a content-addressed config.
            Lading reads schema 2 and OCI images; push the image again with a current Docker or skopeo to inspect it.
          </p>
        </div>
      )}
      {document.kind === 'unknown' && (
        <div
          role="alert"
          data-error-kind="unsupported"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <h2 className="font-semibold">Unknown manifest type</h2>
          <p className="mt-1 text-sm">{document.reason}.</p>
        </div>
      )}
    </div>
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

function ImageHeader({ reference, fetched }: { reference: ImageReference; fetched: FetchedManifest }) {
  const pull = pullCommand(reference, fetched.digest);
  return (
    <section aria-labelledby="image-title" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h1 id="image-title" className="font-mono text-lg font-semibold break-all">
        {familiarReference(reference)}
      </h1>
      <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-600 dark:text-slate-400">Digest</dt>
        <dd className="flex min-w-0 items-center gap-2">
          <code data-testid="resolved-digest" className="truncate font-mono" title={fetched.digest}>
            {fetched.digest}
          </code>
          <CopyButton text={fetched.digest} label="Copy digest" />
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Pull</dt>
        <dd className="flex min-w-0 items-center gap-2">
          <code data-testid="pull-command" className="truncate font-mono" title={pull}>
            {pull}
          </code>
          <CopyButton text={pull} label="Copy pull command" />
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Media type</dt>
        <dd data-testid="media-type">
          {describeMediaType(fetched.document.mediaType)}{' '}
          <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{fetched.document.mediaType}</span>
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Registry</dt>
        <dd className="font-mono">{reference.domain}</dd>
        {fetched.rateLimit && (
          <>
            <dt className="text-slate-600 dark:text-slate-400">Pull quota</dt>
            <dd data-testid="rate-limit">{describeRateLimit(fetched.rateLimit)}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function IndexView({ input, repo, fetched, platform, onPlatform, explorer, onExplorer }: { repo: Repository; fetched: FetchedManifest } & ImageViewProps) {
  const [{ attestation }] = useUrlState();
  if (fetched.document.kind !== 'index') return null;
  const { platforms, attestations } = indexEntries(fetched.document.index);
  // For the picker only: the image itself is resolved (and the platform matched) by the core.
  const selected = choosePlatform(platforms, platform);
  const openAttestation = attestations.find((a) => a.descriptor.digest === attestation);
  return (
    <>
      <PlatformPicker platforms={platforms} attestations={attestations} selected={selected?.platform} onSelect={onPlatform} />
      {openAttestation ? (
        <IndexAttestation repo={repo} entry={openAttestation} />
      ) : platforms.length > 0 ? (
        <RegistryImageDetails
          input={input}
          {...(platform ? { platform } : {})}
          context={{ repository: repositoryName(repo), reference: platform ?? fetched.digest }}
          header={(image) => (
            <ReferrersPanel
              repo={repo}
              subjects={[
                { digest: fetched.digest, label: 'this index' },
                { digest: image.manifest.digest, label: image.platform },
              ]}
            />
          )}
          explorer={explorer}
          onExplorer={onExplorer}
        />
      ) : (
        <p className="text-sm text-slate-600">This index lists no platform images.</p>
      )}
    </>
  );
}
