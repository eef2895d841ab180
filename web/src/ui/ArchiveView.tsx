import { useState } from 'react';
import { describeMediaType } from '../core/mediaTypes';
import { useArchive, type ArchiveSummary } from '../queries/archiveQueries';
import { CopyButton } from './CopyButton';
import { AnalysedImage } from './ImageDetails';
import { formatBytes } from './format';
import { Skeleton } from './Skeleton';
import { panelClass, panelTitleClass } from './browse/nav';
import { useUrlState } from './useUrlState';
import { WorkspaceMessage } from './workspace/Workspace';

const KIND_LABELS: Record<string, string> = {
  'docker-archive': 'docker save archive (legacy layout)',
  'docker-oci-archive': 'docker save archive (OCI layout, Docker 25+)',
  'oci-archive': 'OCI image layout archive',
};

/**
 * An image from a file the user opened: the worker reads the archive in slices (the page
 * never holds the file), and the layers go through the same analysis and the same workspace as a
 * registry's. The URL keeps the view and the explorer's place (`file=` names the archive); the
 * platform stays here, with the file.
 */
export function ArchiveView({ file }: { file: File }) {
  const [platform, setPlatform] = useState<string | undefined>();
  const [url, navigate] = useUrlState();
  const query = useArchive(file, platform);
  const title = (
    <h1 id="archive-title" className="min-w-0 font-mono text-base font-semibold break-all">
      {file.name}
    </h1>
  );
  if (query.isPending) {
    return (
      <WorkspaceMessage identity={title}>
        <Skeleton label={`Reading ${file.name}…`} />
      </WorkspaceMessage>
    );
  }
  const result = query.data;
  const failure = query.error ? { title: 'Could not open the archive', detail: String(query.error) } : result && 'error' in result ? result.error : undefined;
  if (failure || !result || !('summary' in result)) {
    return (
      <WorkspaceMessage identity={title}>
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
      </WorkspaceMessage>
    );
  }
  const summary = result.summary;
  const image = summary.image;
  const identity = (
    <>
      {title}
      <span data-testid="archive-kind" className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
        {KIND_LABELS[summary.kind] ?? summary.kind} · {formatBytes(file.size)} · read in place, nothing uploaded
      </span>
      <span className="flex min-w-0 items-center gap-1.5 text-xs">
        <code data-testid="resolved-digest" className="max-w-[12rem] truncate font-mono text-slate-600 dark:text-slate-400" title={image.digest}>
          {image.digest}
        </code>
        <CopyButton text={image.digest} label="Copy digest" />
      </span>
      {summary.platforms.length > 1 && (
        <div role="radiogroup" aria-label="Platforms" className="flex flex-wrap gap-1">
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
                // Layer numbers and paths belong to the other platform's image.
                navigate({ ...(url.file ? { file: url.file } : {}), ...(url.view ? { view: url.view } : {}) }, { replace: true });
              }}
              className={`rounded border px-2 py-0.5 font-mono text-xs disabled:opacity-40 ${p.platform === summary.platform ? 'border-teal-700 bg-teal-700 text-white' : 'border-slate-300 dark:border-slate-700'}`}
            >
              {p.platform}
            </button>
          ))}
        </div>
      )}
    </>
  );
  return (
    <AnalysedImage
      key={image.digest}
      image={image}
      {...(summary.platforms.length > 1 ? { platform: summary.platform } : {})}
      identity={identity}
      about={<ArchiveAbout file={file} summary={summary} />}
    />
  );
}

const dt = 'text-slate-600 dark:text-slate-400';

/** The archive's facts, at the top of the config view. */
function ArchiveAbout({ file, summary }: { file: File; summary: ArchiveSummary }) {
  const image = summary.image;
  return (
    <section aria-labelledby="archive-about-title" className={panelClass}>
      <h2 id="archive-about-title" className={panelTitleClass}>
        Archive
      </h2>
      <dl className="mt-2 grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm">
        <dt className={dt}>File</dt>
        <dd className="font-mono break-all">
          {file.name} · {formatBytes(file.size)}
        </dd>
        <dt className={dt}>Layout</dt>
        <dd>{KIND_LABELS[summary.kind] ?? summary.kind}</dd>
        <dt className={dt}>Tags</dt>
        <dd className="font-mono">{summary.tags.length > 0 ? summary.tags.join(', ') : <span className="text-slate-500 dark:text-slate-400">none</span>}</dd>
        <dt className={dt}>Media type</dt>
        <dd>
          {describeMediaType(image.mediaType)} <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{image.mediaType}</span>
          {summary.kind === 'docker-archive' && (
            <span className="text-xs text-slate-600 dark:text-slate-400"> (written by Lading from manifest.json; no registry has this digest)</span>
          )}
        </dd>
        <dt className={dt}>Digest</dt>
        <dd className="font-mono text-xs break-all">{image.digest}</dd>
      </dl>
    </section>
  );
}
