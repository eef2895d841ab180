import { useEffect, useMemo, type ReactNode } from 'react';
import { shortDigest } from '../core/digest';
import type { ExplainContext } from '../core/explain';
import { describeImage, layersOf, type ImageDescription } from '../core/image';
import type { ImageManifest } from '../core/oci';
import type { RegistryImage } from '../core/registry/image';
import { useImageFilesystem } from '../queries/fsQueries';
import { useRegistryImage } from '../queries/imageQueries';
import { prioritizeLayer, useLayerAnalyses } from '../queries/layerQueries';
import { useLayerTocs } from '../queries/tocQueries';
import { ErrorPanel } from './ErrorPanel';
import type { LayerState } from './LayerStatus';
import { formatBytes } from './format';
import { Skeleton } from './Skeleton';
import { useUrlState } from './useUrlState';
import type { RegistrySource } from './workspace/viewTypes';
import { Workspace, WorkspaceMessage } from './workspace/Workspace';

/**
 * One image, resolved by the core's `openRegistryImage` (a platform of an index, or a
 * single-platform image): its config, history and layers, read in the worker pool.
 */
interface RegistryImageDetailsProps {
  /** The reference as typed. */
  input: string;
  /** The platform asked for (an index only); undefined: the default one. */
  platform?: string;
  /** What the error panel names. */
  context?: ExplainContext;
  /** The header's first line; `image` is undefined while it is resolved. */
  identity: (image: RegistryImage | undefined) => ReactNode;
  /** The registry side of the workspace: repository, referrer subjects, attestations. */
  registry: (image: RegistryImage) => RegistrySource;
  /** The manifest's facts for the config view. */
  about: (image: RegistryImage) => ReactNode;
}

export function RegistryImageDetails({ input, platform, context, identity, registry, about }: RegistryImageDetailsProps) {
  const query = useRegistryImage(input, platform);
  const image = useMemo(() => (query.data ? describeImage(query.data.image) : undefined), [query.data]);
  if (query.isPending) {
    return (
      <WorkspaceMessage identity={identity(undefined)}>
        <Skeleton label={platform ? `Loading the ${platform} image…` : 'Loading the image…'} />
      </WorkspaceMessage>
    );
  }
  if (query.isError) {
    return (
      <WorkspaceMessage identity={identity(undefined)}>
        <ErrorPanel error={query.error} {...(context ? { context } : {})} onRetry={() => void query.refetch()} />
      </WorkspaceMessage>
    );
  }
  const resolved = query.data;
  return (
    <AnalysedImage
      key={resolved.image.digest}
      image={image!}
      {...(resolved.index ? { platform: resolved.platform } : {})}
      identity={identity(resolved)}
      registry={registry(resolved)}
      about={about(resolved)}
    />
  );
}

interface AnalysedImageProps {
  /** The image as data: each layer says where its bytes are (the registry, or a file the user opened). */
  image: ImageDescription;
  platform?: string;
  identity: ReactNode;
  registry?: RegistrySource;
  about?: ReactNode;
}

/** Manifest and config known, from any source: read every layer, stack them, and open the workspace. */
export function AnalysedImage({ image, platform, identity, registry, about }: AnalysedImageProps) {
  const [url] = useUrlState();
  const layers = useMemo(() => layersOf(image), [image]);
  const selectedDigest = url.layer !== undefined ? layers[url.layer]?.descriptor.digest : undefined;
  const queries = useLayerAnalyses(layers, selectedDigest);
  // TOC first: a layer that carries a table of contents shows its tree before its blob is read.
  const tocs = useLayerTocs(layers);
  // A layer picked while the others are still queued jumps the queue.
  useEffect(() => {
    if (selectedDigest) prioritizeLayer(selectedDigest);
  }, [selectedDigest]);
  const states: LayerState[] = queries.map((q) => ({ status: q.status, ...(q.data ? { result: q.data } : {}), ...(q.error ? { error: q.error } : {}) }));
  const results = queries.map((q) => (q.status === 'pending' ? undefined : (q.data ?? { fromCache: false })));
  const provisional = tocs.map((t) => (t?.status === 'found' ? t.toc.index : undefined));
  const fsQuery = useImageFilesystem(layers, results, provisional);
  return (
    <Workspace
      identity={identity}
      image={image}
      layers={layers}
      states={states}
      results={results}
      tocs={tocs}
      fs={fsQuery.data}
      {...(fsQuery.error ? { fsError: fsQuery.error } : {})}
      {...(registry ? { registry } : {})}
      {...(about ? { about } : {})}
      {...(platform ? { platform } : {})}
    />
  );
}

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';

export function ArtifactView({ manifest, artifactType }: { manifest: ImageManifest; artifactType: string }) {
  return (
    <section aria-labelledby="artifact-title" className={`${panel} p-4`}>
      <h2 id="artifact-title" className="font-semibold">
        Not a container image: an OCI artifact
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Artifact type{' '}
        <code className="font-mono" data-testid="artifact-type">
          {artifactType}
        </code>
        , config <code className="font-mono">{manifest.config.mediaType}</code>. It has no filesystem to explore; its parts are:
      </p>
      <ul className="mt-2 text-sm">
        {manifest.layers.map((layer) => (
          <li key={layer.digest} className="font-mono text-xs">
            {layer.mediaType} · {formatBytes(layer.size)} · {shortDigest(layer.digest)}
            {layer.annotations?.['org.opencontainers.image.title'] ? ` · ${layer.annotations['org.opencontainers.image.title']}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
