import { shortDigest } from '../core/digest';
import { dockerfileLine, matchLayersToHistory } from '../core/image';
import type { ImageConfig, ImageManifest } from '../core/oci';
import type { Repository } from '../core/registry/client';
import { repositoryName } from '../core/reference';
import { useImageConfig, useManifest } from '../queries/imageQueries';
import { ConfigPanel } from './ConfigPanel';
import { LayersTable, type LayerState } from './LayersTable';
import { Explorer, type ExplorerState } from './explorer/Explorer';
import { registryLayerSource, useLayerAnalyses, type LayerSourceOf } from '../queries/layerQueries';
import { useEffect, useMemo } from 'react';
import { layerPool } from '../worker/bridge';
import { ErrorPanel } from './ErrorPanel';
import { formatBytes, formatDate } from './format';
import { Skeleton } from './Skeleton';

/** One image manifest (a platform of an index, or a single-platform image): config, history, layers. */
interface ImageDetailsProps {
  repo: Repository;
  digest: string;
  platform?: string;
  explorer: ExplorerState;
  onExplorer: (next: ExplorerState) => void;
}

export function ImageDetails({ repo, digest, platform, explorer, onExplorer }: ImageDetailsProps) {
  const manifestQuery = useManifest(repo, digest);
  const document = manifestQuery.data?.document;
  const manifest = document?.kind === 'image' ? document.manifest : undefined;
  const configQuery = useImageConfig(repo, manifest?.config);

  if (manifestQuery.isPending) return <Skeleton label={`Loading manifest ${shortDigest(digest)}…`} />;
  if (manifestQuery.isError) return <ErrorPanel error={manifestQuery.error} context={{ repository: repositoryName(repo), reference: digest }} />;
  if (document?.kind === 'artifact') return <ArtifactView manifest={document.manifest} artifactType={document.artifactType} />;
  if (!manifest) {
    return (
      <div
        role="alert"
        data-error-kind="unsupported"
        className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:bg-amber-950/40 dark:text-amber-100"
      >
        The platform entry {shortDigest(digest)} is not an image manifest ({document?.mediaType || 'unknown media type'}).
      </div>
    );
  }
  if (configQuery.isPending) return <Skeleton label="Loading image config…" />;
  if (configQuery.isError) return <ErrorPanel error={configQuery.error} context={{ repository: repositoryName(repo), reference: manifest.config.digest }} />;
  return (
    <AnalysedImage
      sourceOf={registryLayerSource(repo)}
      manifest={manifest}
      config={configQuery.data}
      digest={digest}
      {...(platform ? { platform } : {})}
      explorer={explorer}
      onExplorer={onExplorer}
    />
  );
}

interface AnalysedImageProps {
  /** Where the layers are read from: the registry, or a file the user opened. */
  sourceOf: LayerSourceOf;
  manifest: ImageManifest;
  config: ImageConfig;
  digest: string;
  platform?: string;
  explorer: ExplorerState;
  onExplorer: (next: ExplorerState) => void;
}

/** Manifest and config known, from any source: read every layer, then explore. */
export function AnalysedImage({ sourceOf, manifest, config, digest, platform, explorer, onExplorer }: AnalysedImageProps) {
  const layers = useMemo(() => matchLayersToHistory(manifest, config), [manifest, config]);
  const selectedDigest = explorer.layer !== undefined ? layers[explorer.layer]?.descriptor.digest : undefined;
  const queries = useLayerAnalyses(sourceOf, layers, selectedDigest);
  // A layer picked while the others are still queued jumps the queue.
  useEffect(() => {
    if (selectedDigest) layerPool.prioritize(selectedDigest);
  }, [selectedDigest]);
  const states: LayerState[] = queries.map((q) => ({ status: q.status, ...(q.data ? { result: q.data } : {}), ...(q.error ? { error: q.error } : {}) }));
  const results = queries.map((q) => (q.status === 'pending' ? undefined : (q.data ?? { fromCache: false })));
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
      <Explorer layers={layers} results={results} compressedBytes={compressed} state={explorer} onChange={onExplorer} />
      <LayersTable layers={layers} states={states} selected={explorer.layer} onSelect={(layer) => onExplorer({ ...explorer, layer })} />
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

function ArtifactView({ manifest, artifactType }: { manifest: ImageManifest; artifactType: string }) {
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
