/**
 * The "Contents" section of the details pane: the selected file's bytes, read in a worker from
 * its layer (by Range for a plain tar, else streamed and cancelled once the file is complete),
 * shown as text, a hex dump or an image, with a download button.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { EntryType, pathOf } from '../../core/layers/layerIndex';
import type { ImageFilesystem, NodeInfo } from '../../core/fs';
import type { LayerInfo } from '../../core/image';
import { ContentError, MAX_EXTRACT_BYTES, useEntryContent, type ContentTarget, type EntryContent } from '../../queries/contentQueries';
import { formatBytes } from '../format';
import { classifyContent, type ContentKind } from './content';
import { HexDump } from './HexDump';

/** Files up to this size are read and shown as soon as they are selected. */
export const PREVIEW_LIMIT = 1024 * 1024;

const NO_CONTENT: Record<number, string> = {
  [EntryType.CharDevice]: 'A character device',
  [EntryType.BlockDevice]: 'A block device',
  [EntryType.Fifo]: 'A named pipe',
  [EntryType.Other]: 'An entry of a kind Lading does not know',
};

type Plan =
  | { kind: 'message'; message: ReactNode; note?: ReactNode }
  | { kind: 'file'; target: ContentTarget; layer: number; layerSize: number; name: string; size: number; note?: ReactNode };

/** What to show for the selected node: a message, or where its bytes are. */
function plan(fs: ImageFilesystem, layers: readonly LayerInfo[], layer: number, info: NodeInfo): Plan {
  if (info.mark === undefined) return { kind: 'message', message: 'This path is not part of the selected view.' };
  if (info.implicit) return { kind: 'message', message: 'A directory implied by the files below it (no layer has an entry for it).' };
  const g = info.entry;
  const deleted = info.mark === 'removed';
  const note = deleted ? (
    <>
      Deleted in layer {layer}. It last existed in layer {info.layer}
      {info.type === EntryType.File || info.type === EntryType.Hardlink ? '; this is its content there.' : '.'}
    </>
  ) : undefined;
  const withNote = (message: ReactNode): Plan => ({ kind: 'message', message, ...(note ? { note } : {}) });
  if (fs.isMarker(g)) return withNote('A whiteout marker: it records a deletion and has no content.');
  if (info.type === EntryType.Directory) return withNote('A directory: its entries are in the tree.');
  if (info.type === EntryType.Symlink) {
    return withNote(
      <>
        A symbolic link to <code className="font-mono break-all">{info.linkTarget}</code>: it has no content of its own.
      </>,
    );
  }
  let source = g;
  let linkNote: ReactNode;
  if (info.type === EntryType.Hardlink) {
    source = fs.data.linkTarget[g] ?? -1;
    if (source < 0) {
      return withNote(
        <>
          A hard link to <code className="font-mono break-all">/{info.linkTarget}</code>, which is not an earlier entry of layer {info.layer}, so its content
          cannot be found.
        </>,
      );
    }
    linkNote = (
      <>
        A hard link to <code className="font-mono break-all">/{info.linkTarget}</code>: showing that entry’s content.
      </>
    );
  } else if (info.type !== EntryType.File) {
    return withNote(`${NO_CONTENT[info.type] ?? 'An entry'}: it has no content in the image.`);
  }
  const ref = fs.entryRef(source);
  const entryLayer = layers[ref.layer];
  if (!entryLayer) return withNote('The layer of this entry is unknown.');
  const descriptor = entryLayer.descriptor;
  const size = ref.index.size[ref.entry] ?? 0;
  const notes =
    note && linkNote ? (
      <>
        {note} {linkNote}
      </>
    ) : (
      (note ?? linkNote)
    );
  return {
    kind: 'file',
    target: { layer: entryLayer, offset: ref.index.offset[ref.entry] ?? 0, size, path: pathOf(ref.index, ref.entry) },
    layer: ref.layer,
    layerSize: descriptor.size,
    name: info.name,
    size,
    ...(notes ? { note: notes } : {}),
  };
}

export function FileContents({ fs, layers, layer, info }: { fs: ImageFilesystem; layers: readonly LayerInfo[]; layer: number; info: NodeInfo }) {
  const p = plan(fs, layers, layer, info);
  return (
    <section aria-labelledby="contents-title" data-testid="file-contents">
      <h3 id="contents-title" className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
        Contents
      </h3>
      {p.note && (
        <p className="mt-1 text-xs text-red-700 dark:text-red-400" data-testid="contents-note">
          {p.note}
        </p>
      )}
      {p.kind === 'message' ? (
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="contents-message">
          {p.message}
        </p>
      ) : (
        <FileBytes key={`${p.target.layer.descriptor.digest}:${p.target.offset}:${p.target.path}`} plan={p} />
      )}
    </section>
  );
}

function FileBytes({ plan: p }: { plan: Extract<Plan, { kind: 'file' }> }) {
  const small = p.size <= PREVIEW_LIMIT;
  const [wanted, setWanted] = useState(false);
  const query = useEntryContent(p.target, small || wanted);
  const downloaded = useRef(false);
  // A large file is read only on request, and then saved rather than shown.
  useEffect(() => {
    if (!small && wanted && query.data && !downloaded.current) {
      downloaded.current = true;
      saveBytes(query.data.bytes, p.name);
    }
  }, [small, wanted, query.data, p.name]);

  if (!small) {
    const canDownload = p.size <= MAX_EXTRACT_BYTES;
    return (
      <div className="mt-1 flex flex-col gap-2 text-xs" data-testid="contents-too-big">
        <p className="text-slate-600 dark:text-slate-400">
          {formatBytes(p.size)} ({p.size.toLocaleString('en')} bytes): more than the {formatBytes(PREVIEW_LIMIT)} shown here.{' '}
          {canDownload
            ? 'Downloading reads it from its layer first.'
            : `Files above ${formatBytes(MAX_EXTRACT_BYTES)} cannot be read in the browser; use docker cp or crane export.`}
        </p>
        {canDownload && (
          <div className="flex items-center gap-2">
            <button
              type="button"
              disabled={wanted && query.isFetching}
              onClick={() => {
                downloaded.current = false;
                setWanted(true);
                if (query.data) {
                  downloaded.current = true;
                  saveBytes(query.data.bytes, p.name);
                }
              }}
              className={buttonClass}
            >
              {wanted && query.isFetching ? 'Reading…' : 'Download'}
            </button>
            {wanted && query.data && <ReadNote content={query.data} layer={p.layer} layerSize={p.layerSize} />}
          </div>
        )}
        {query.error && <ContentFailure error={query.error} />}
      </div>
    );
  }
  if (query.isPending) {
    return (
      <p role="status" className="mt-1 text-xs text-slate-600 dark:text-slate-400">
        Reading {formatBytes(p.size)} from layer {p.layer}…
      </p>
    );
  }
  if (query.isError) return <ContentFailure error={query.error} />;
  return <LoadedContent content={query.data} name={p.name} layer={p.layer} layerSize={p.layerSize} />;
}

const buttonClass = 'rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800';

function ContentFailure({ error }: { error: unknown }) {
  const title = error instanceof ContentError ? error.title : 'Could not read the file';
  const detail = error instanceof ContentError ? error.detail : error instanceof Error ? error.message : String(error);
  return (
    <div
      role="alert"
      className="mt-1 rounded border border-red-300 bg-red-50 p-2 text-xs text-red-900 dark:border-red-800 dark:bg-red-950/50 dark:text-red-100"
    >
      <p className="font-semibold">{title}</p>
      <p className="mt-0.5 break-words">{detail}</p>
    </div>
  );
}

/** How the bytes were read: honest about what was downloaded. */
function ReadNote({ content, layer, layerSize }: { content: EntryContent; layer: number; layerSize: number }) {
  const of = `${formatBytes(content.fetchedBytes)} of its ${formatBytes(layerSize)}`;
  const how =
    content.read === 'range'
      ? `Read by range request${content.status ? ` (HTTP ${content.status})` : ''} from layer ${layer}: ${of}`
      : content.read === 'slice'
        ? `Read from the opened file (layer ${layer}): ${of}`
        : content.read === 'chunk'
          ? `Read from its chunks in the TOC of layer ${layer} (one range request, checked against the TOC's digests): ${of}`
          : `Read from the start of layer ${layer}, stopped after the file: ${of} downloaded`;
  const tocNote = content.tocProblem ? ` The TOC's chunks were not used: ${content.tocProblem}.` : '';
  return (
    <span
      className="text-[11px] text-slate-600 dark:text-slate-400"
      data-testid="contents-read"
      data-read={content.read}
      data-status={content.status ?? ''}
      data-fetched={content.fetchedBytes}
      data-toc-problem={content.tocProblem ?? ''}
    >
      {how}
      {tocNote}
    </span>
  );
}

type View = 'text' | 'image' | 'hex';

function viewsOf(kind: ContentKind): View[] {
  if (kind.kind === 'image') return ['image', 'hex'];
  if (kind.kind === 'text') return kind.svg ? ['image', 'text', 'hex'] : ['text', 'hex'];
  return ['hex'];
}

const VIEW_LABEL: Record<View, string> = { text: 'Text', image: 'Image', hex: 'Hex' };

function LoadedContent({ content, name, layer, layerSize }: { content: EntryContent; name: string; layer: number; layerSize: number }) {
  const { bytes } = content;
  const kind = useMemo(() => classifyContent(bytes), [bytes]);
  const views = viewsOf(kind);
  const [view, setView] = useState<View>(views[0]!);
  const [expanded, setExpanded] = useState(false);
  const mime = kind.kind === 'image' ? kind.mime : kind.kind === 'text' && kind.svg ? 'image/svg+xml' : undefined;
  const describe =
    kind.kind === 'image'
      ? `${kind.mime.replace('image/', '').toUpperCase()} image`
      : kind.kind === 'text'
        ? `${kind.svg ? 'SVG, ' : ''}UTF-8 text${kind.invalid > 0 ? ` (${kind.invalid} invalid byte sequence${kind.invalid === 1 ? '' : 's'} shown as �)` : ''}`
        : `binary: ${kind.reason}`;
  const body = (large: boolean) => <ContentView view={view} kind={kind} bytes={bytes} mime={mime} name={name} large={large} />;
  const toolbar = (
    <div className="flex flex-wrap items-center gap-2">
      {views.length > 1 && (
        <div role="radiogroup" aria-label="Show as" className="flex rounded-md border border-slate-300 text-xs dark:border-slate-700">
          {views.map((v) => (
            <button
              key={v}
              type="button"
              role="radio"
              aria-checked={view === v}
              onClick={() => setView(v)}
              className={`px-2 py-0.5 ${view === v ? 'bg-teal-700 text-white' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
            >
              {VIEW_LABEL[v]}
            </button>
          ))}
        </div>
      )}
      <button type="button" onClick={() => saveBytes(bytes, name)} className={buttonClass}>
        Download
      </button>
    </div>
  );
  return (
    <div className="mt-1 flex flex-col gap-2 text-xs" data-testid="contents-loaded" data-kind={kind.kind} data-view={view}>
      <p className="text-slate-600 dark:text-slate-400">
        {formatBytes(bytes.length)}, {describe}. <ReadNote content={content} layer={layer} layerSize={layerSize} />
      </p>
      {toolbar}
      {body(false)}
      {bytes.length > 0 && (
        <button type="button" onClick={() => setExpanded(true)} className={`${buttonClass} self-start`}>
          View larger
        </button>
      )}
      {expanded && (
        <ContentDialog name={name} onClose={() => setExpanded(false)} toolbar={toolbar}>
          {body(true)}
        </ContentDialog>
      )}
    </div>
  );
}

function ContentView({
  view,
  kind,
  bytes,
  mime,
  name,
  large,
}: {
  view: View;
  kind: ContentKind;
  bytes: Uint8Array<ArrayBuffer>;
  mime: string | undefined;
  name: string;
  large: boolean;
}) {
  const height = large ? 'max-h-[70vh]' : 'max-h-72';
  if (view === 'hex') return <HexDump bytes={bytes} className={height} />;
  if (view === 'image' && mime) return <ImagePreview bytes={bytes} mime={mime} name={name} className={height} />;
  const text = kind.kind === 'text' ? kind.text : '';
  return (
    <pre
      data-testid="contents-text"
      tabIndex={0}
      className={`${height} overflow-auto rounded border border-slate-200 bg-slate-50 p-2 font-mono text-[11px] leading-[18px] whitespace-pre dark:border-slate-800 dark:bg-slate-950`}
    >
      {text === '' ? <span className="text-slate-600 dark:text-slate-400">(empty)</span> : text}
    </pre>
  );
}

/** An image (SVG too) through a Blob URL in an <img>: never inline markup, so an SVG's scripts cannot run. */
function ImagePreview({ bytes, mime, name, className }: { bytes: Uint8Array<ArrayBuffer>; mime: string; name: string; className: string }) {
  const url = useBlobUrl(bytes, mime);
  const [broken, setBroken] = useState(false);
  if (broken) return <p className="text-red-700 dark:text-red-400">The browser could not decode this {mime} image.</p>;
  return (
    <div
      className={`${className} overflow-auto rounded border border-slate-200 bg-[repeating-conic-gradient(#e2e8f0_0_25%,transparent_0_50%)] bg-[length:16px_16px] p-2 dark:border-slate-800`}
    >
      {url && <img src={url} alt={`Contents of ${name}`} data-testid="contents-image" onError={() => setBroken(true)} className="max-w-full" />}
    </div>
  );
}

function useBlobUrl(bytes: Uint8Array<ArrayBuffer>, type: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const next = URL.createObjectURL(new Blob([bytes], { type }));
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [bytes, type]);
  return url;
}

/** Saves the bytes as a file with the entry's name (octet-stream: the browser never renders it). */
function saveBytes(bytes: Uint8Array<ArrayBuffer>, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name || 'file';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function ContentDialog({ name, onClose, toolbar, children }: { name: string; onClose: () => void; toolbar: ReactNode; children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="contents-dialog-title"
      onClose={onClose}
      // The explorer's shortcuts (m, ?, /) must not fire from inside the dialog.
      onKeyDown={(e) => e.stopPropagation()}
      onClick={(e) => {
        if (e.target === dialog.current) dialog.current?.close();
      }}
      className="m-auto w-[min(64rem,calc(100vw-2rem))] rounded-lg bg-white p-4 text-sm text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:bg-slate-900 dark:text-slate-100"
    >
      <div className="mb-3 flex items-center justify-between gap-4">
        <h2 id="contents-dialog-title" className="font-mono font-semibold break-all">
          {name}
        </h2>
        <button type="button" onClick={() => dialog.current?.close()} className={buttonClass}>
          Close
        </button>
      </div>
      <div className="flex flex-col gap-2 text-xs">
        {toolbar}
        {children}
      </div>
    </dialog>
  );
}
