import { useState } from 'react';
import { describeMediaType } from '../core/mediaTypes';
import { useArchive } from '../queries/archiveQueries';
import { CopyButton } from './CopyButton';
import { AnalysedImage } from './ImageDetails';
import type { ExplorerState } from './explorer/Explorer';
import { formatBytes } from './format';
import { Skeleton } from './Skeleton';

const KIND_LABELS: Record<string, string> = {
  'docker-archive': 'docker save archive (legacy layout)',
  'docker-oci-archive': 'docker save archive (OCI layout, Docker 25+)',
  'oci-archive': 'OCI image layout archive',
};

/**
 * An image from a file the user opened: the worker reads the archive in slices (the page
 * never holds the file), and the layers go through the same analysis as a registry's.
 */
export function ArchiveView({ file }: { file: File }) {
  const [platform, setPlatform] = useState<string | undefined>();
  const [explorer, setExplorer] = useState<ExplorerState>({});
  const query = useArchive(file, platform);
  if (query.isPending) return <Skeleton label={`Reading ${file.name}…`} />;
  const result = query.data;
  const failure = query.error ? { title: 'Could not open the archive', detail: String(query.error) } : result && 'error' in result ? result.error : undefined;
  if (failure || !result || !('summary' in result)) {
    return (
      <div
        role="alert"
        data-error-kind="archive"
        className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-800 dark:bg-red-950/50 dark:text-red-100"
      >
        <h2 className="font-semibold">{failure?.title ?? 'Could not open the archive'}</h2>
        <p className="mt-1 text-sm break-words">
          {file.name}: {failure?.detail}
        </p>
        <p className="mt-1 text-sm opacity-80">
          Lading reads tar archives from docker save, podman save and skopeo (docker-archive: or oci-archive:). Compressed archives (.tar.gz) must be
          decompressed first.
        </p>
      </div>
    );
  }
  const summary = result.summary;
  const image = summary.image;
  return (
    <div className="flex flex-col gap-6">
      <section aria-labelledby="archive-title" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h1 id="archive-title" className="font-mono text-lg font-semibold break-all">
          {file.name}
        </h1>
        <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="text-slate-600 dark:text-slate-400">Archive</dt>
          <dd data-testid="archive-kind">
            {KIND_LABELS[summary.kind] ?? summary.kind} · {formatBytes(file.size)} · read in place, nothing uploaded
          </dd>
          <dt className="text-slate-600 dark:text-slate-400">Tags</dt>
          <dd className="font-mono">{summary.tags.length > 0 ? summary.tags.join(', ') : <span className="text-slate-500 dark:text-slate-400">none</span>}</dd>
          <dt className="text-slate-600 dark:text-slate-400">Digest</dt>
          <dd className="flex min-w-0 items-center gap-2">
            <code data-testid="resolved-digest" className="truncate font-mono" title={image.digest}>
              {image.digest}
            </code>
            <CopyButton text={image.digest} label="Copy digest" />
          </dd>
          <dt className="text-slate-600 dark:text-slate-400">Media type</dt>
          <dd data-testid="media-type">
            {describeMediaType(image.mediaType)} <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{image.mediaType}</span>
            {summary.kind === 'docker-archive' && (
              <span className="text-xs text-slate-600 dark:text-slate-400"> (written by Lading from manifest.json; no registry has this digest)</span>
            )}
          </dd>
        </dl>
        {summary.platforms.length > 1 && (
          <div role="radiogroup" aria-label="Platforms" className="mt-3 flex flex-wrap gap-2">
            {summary.platforms.map((p) => (
              <button
                key={p.platform}
                type="button"
                role="radio"
                aria-checked={p.platform === summary.platform}
                disabled={!p.available}
                title={p.available ? undefined : 'Not in this archive (docker save with the containerd store keeps only the local platform)'}
                onClick={() => {
                  setPlatform(p.platform);
                  setExplorer({});
                }}
                className={`rounded-md border px-3 py-1.5 font-mono text-sm disabled:opacity-40 ${p.platform === summary.platform ? 'border-teal-700 bg-teal-700 text-white' : 'border-slate-300 dark:border-slate-700'}`}
              >
                {p.platform}
              </button>
            ))}
          </div>
        )}
      </section>
      <AnalysedImage
        key={image.digest}
        image={image}
        {...(summary.platforms.length > 1 ? { platform: summary.platform } : {})}
        explorer={explorer}
        onExplorer={setExplorer}
      />
    </div>
  );
}
