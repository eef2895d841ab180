import { useEffect, useMemo, type ReactNode } from 'react';
import { shortDigest } from '../core/digest';
import type { ExplainContext } from '../core/explain';
import { describeImage, dockerfileLine, layersOf, type ImageDescription } from '../core/image';
import type { ImageConfig, ImageManifest } from '../core/oci';
import type { RegistryImage } from '../core/registry/image';
import { useRegistryImage } from '../queries/imageQueries';
import { prioritizeLayer, useLayerAnalyses } from '../queries/layerQueries';
import { useLayerTocs } from '../queries/tocQueries';
import { ConfigPanel } from './ConfigPanel';
import { ErrorPanel } from './ErrorPanel';
import { LayersTable, type LayerState } from './LayersTable';
import { Explorer, type ExplorerState } from './explorer/Explorer';
import { formatBytes, formatDate } from './format';
import { Skeleton } from './Skeleton';

/**
 * One image, resolved by the core's `openRegistryImage` (a platform of an index, or a
 * single-platform image): its config, history and layers, read in the worker pool.
 */
interface RegistryImageDetailsProps {
  /** The reference as typed. */
  input: string;
  /** The platform asked for (an index only); undefined: the default one. */
  platform?: string;
  /** Shown above the image once it is resolved (the index's referrers). */
  header?: (image: RegistryImage) => ReactNode;
  /** What the error panel names. */
  context?: ExplainContext;
  explorer: ExplorerState;
  onExplorer: (next: ExplorerState) => void;
}

export function RegistryImageDetails({ input, platform, header, context, explorer, onExplorer }: RegistryImageDetailsProps) {
  const query = useRegistryImage(input, platform);
  const image = useMemo(() => (query.data ? describeImage(query.data.image) : undefined), [query.data]);
  if (query.isPending) return <Skeleton label={platform ? `Loading the ${platform} image…` : 'Loading the image…'} />;
  if (query.isError) return <ErrorPanel error={query.error} {...(context ? { context } : {})} onRetry={() => void query.refetch()} />;
  const resolved = query.data;
  return (
    <>
      {header?.(resolved)}
      <AnalysedImage
        key={resolved.image.digest}
        image={image!}
        {...(resolved.index ? { platform: resolved.platform } : {})}
        explorer={explorer}
        onExplorer={onExplorer}
      />
    </>
  );
}

interface AnalysedImageProps {
  /** The image as data: each layer says where its bytes are (the registry, or a file the user opened). */
  image: ImageDescription;
  platform?: string;
  explorer: ExplorerState;
  onExplorer: (next: ExplorerState) => void;
}

/** Manifest and config known, from any source: read every layer, then explore. */
export function AnalysedImage({ image, platform, explorer, onExplorer }: AnalysedImageProps) {
  const { manifest, config, digest } = image;
  const layers = useMemo(() => layersOf(image), [image]);
  const selectedDigest = explorer.layer !== undefined ? layers[explorer.layer]?.descriptor.digest : undefined;
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
  const compressed = manifest.layers.reduce((sum, l) => sum + l.size, 0);
  return (
    <div className="flex flex-col gap-6" data-platform={platform}>
      {platform && (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Showing <span className="font-mono font-medium text-slate-900 dark:text-slate-100">{platform}</span>, manifest{' '}
          <code className="font-mono" data-testid="platform-digest" title={digest}>
            {shortDigest(digest)}
          </code>
        </p>
      )}
      <Explorer layers={layers} results={results} provisional={provisional} compressedBytes={compressed} state={explorer} onChange={onExplorer} />
      <LayersTable layers={layers} states={states} tocs={tocs} selected={explorer.layer} onSelect={(layer) => onExplorer({ ...explorer, layer })} />
      <div className="grid gap-6 lg:grid-cols-2">
        <ConfigPanel config={config} configDigest={manifest.config.digest} />
        <HistoryPanel config={config} />
      </div>
    </div>
  );
}

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';
const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

function HistoryPanel({ config }: { config: ImageConfig }) {
  const history = config.history ?? [];
  let layerIndex = 0;
  return (
    <section aria-labelledby="history-title" className={`${panel} p-4`}>
      <h2 id="history-title" className={panelTitle}>
        History <span className="font-normal normal-case">({history.length} steps)</span>
      </h2>
      {history.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">The config records no history.</p>
      ) : (
        <ol className="mt-2 flex flex-col gap-1.5" aria-label="Dockerfile history">
          {history.map((entry, i) => {
            const layer = entry.empty_layer ? undefined : layerIndex++;
            return (
              <li key={i} className="flex items-start gap-2 text-xs" data-empty-layer={entry.empty_layer ? 'true' : 'false'}>
                <span
                  className={`mt-0.5 shrink-0 rounded px-1.5 py-0.5 font-medium ${
                    layer === undefined
                      ? 'bg-slate-100 text-slate-600 dark:text-slate-400 dark:bg-slate-800 dark:text-slate-400'
                      : 'bg-teal-100 text-teal-800 dark:bg-teal-900/50 dark:text-teal-200'
                  }`}
                >
                  {layer === undefined ? 'empty' : `layer ${layer}`}
                </span>
                <div className="min-w-0">
                  <code className="font-mono break-all whitespace-pre-wrap">{dockerfileLine(entry.created_by) || '(no command)'}</code>
                  <div className="text-slate-600 dark:text-slate-400">
                    {formatDate(entry.created)}
                    {entry.comment ? ` · ${entry.comment}` : ''}
                  </div>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

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
