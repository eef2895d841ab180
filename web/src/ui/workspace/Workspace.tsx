/**
 * One image as a workspace: a compact header (what the image is, one summary line, the analysis's
 * progress), the views as tabs, and the current view filling the rest of the window — the explorer
 * first, as dive opens on its layers and tree. Registry images and opened archives both land here.
 *
 * The URL is the state (`view=`, `layer=`, `mode=`, `path=`): a tab is a link, Back returns to the
 * previous view, and a click on a path anywhere pushes the explorer on that path. The explorer
 * stays mounted behind the other views, so its filter and open directories survive a visit to them.
 *
 * The full-window layout is CSS only (the `tall` variant in styles.css: a window of at least
 * 64 × 36 rem); smaller windows stack the panes and scroll the page.
 */
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import type { ImageFilesystem, ViewMode } from '../../core/fs';
import type { ImageDescription, LayerInfo } from '../../core/image';
import type { LayerJobResult } from '../../queries/layerQueries';
import { usePackageReport } from '../../queries/packageQueries';
import { ErrorPanel } from '../ErrorPanel';
import type { ExplorerState } from '../explorer/Explorer';
import { EXPLORER_KEYS, KeyboardHelp, type KeySection } from '../explorer/KeyboardHelp';
import type { Jump } from '../explorer/WasteSummary';
import { OverallProgress, type LayerState } from '../LayerStatus';
import { useUrlState, type UrlState } from '../useUrlState';
import { ImageSummary } from './ImageSummary';
import { panelId, TabBar, tabId } from './TabBar';
import { useViewKeys } from './useViewKeys';
import type { TocReading } from '../../queries/tocQueries';
import { availableViews, currentView, viewParam, type RegistrySource, type ViewContext, type WorkspaceView } from './viewTypes';
import { WORKSPACE_VIEWS } from './views';

export interface WorkspaceProps {
  /** What the image is (name, digest, platforms): the header's first line, from the source. */
  identity: ReactNode;
  image: ImageDescription;
  layers: readonly LayerInfo[];
  states: readonly LayerState[];
  results: readonly (LayerJobResult | undefined)[];
  /** Per layer: its TOC reading, when it was asked for one (the tree is shown from it until the blob is read). */
  tocs?: readonly (TocReading | undefined)[];
  fs: ImageFilesystem | undefined;
  fsError?: unknown;
  /** The registry it came from; absent for an opened archive (its tags and referrers views are then not offered). */
  registry?: RegistrySource;
  /** The source's own facts about the manifest, shown in the config view. */
  about?: ReactNode;
  /** The platform shown, when the source has several. */
  platform?: string;
}

/** The URL without the workspace's own parts: what names the image. */
function imagePart({ view: _view, layer: _layer, mode: _mode, path: _path, pkg: _pkg, ...rest }: UrlState): UrlState {
  return rest;
}

function explorerPart(state: UrlState): ExplorerState {
  return {
    ...(state.layer !== undefined ? { layer: state.layer } : {}),
    ...(state.mode ? { mode: state.mode } : {}),
    ...(state.path ? { path: state.path } : {}),
    ...(state.pkg ? { pkg: state.pkg } : {}),
  };
}

const NO_TOCS: readonly (TocReading | undefined)[] = [];

export function Workspace({ identity, image, layers, states, results, tocs = NO_TOCS, fs, fsError, registry, about, platform }: WorkspaceProps) {
  const [url, navigate] = useUrlState();
  const hasRegistry = registry !== undefined;
  const views = useMemo(() => availableViews(WORKSPACE_VIEWS, hasRegistry), [hasRegistry]);
  const view = currentView(views, url.view);
  const explorer = explorerPart(url);
  const last = layers.length - 1;
  const layer = Math.min(last, Math.max(0, explorer.layer ?? last));
  const mode: ViewMode = explorer.mode ?? 'aggregate';
  const found = fs && explorer.path ? fs.find(explorer.path) : -1;
  const [focusRequest, setFocusRequest] = useState(0);
  const [help, setHelp] = useState(false);
  const packagesQuery = usePackageReport(layers, results, fs);

  const stateFor = useCallback(
    (id: string): UrlState => {
      const param = viewParam(views, id);
      return { ...imagePart(url), ...(param ? { view: param } : {}), ...explorerPart(url) };
    },
    [views, url],
  );
  const selectView = useCallback((id: string) => navigate(stateFor(id)), [navigate, stateFor]);
  // The package filter stays while the layer, mode or path change, unless `next` says otherwise.
  const onExplorer = useCallback(
    (next: ExplorerState) =>
      navigate({ ...imagePart(url), ...(url.view ? { view: url.view } : {}), ...(url.pkg ? { pkg: url.pkg } : {}), ...next }, { replace: true }),
    [navigate, url],
  );
  const openPackage = useCallback(
    (key: string) => {
      navigate({ ...imagePart(url), layer: last, mode: 'aggregate', pkg: key });
      setFocusRequest((n) => n + 1);
    },
    [navigate, url, last],
  );
  const openPath = useCallback(
    (jump: Jump) => {
      if (!fs) return;
      navigate({ ...imagePart(url), layer: jump.layer, mode: jump.mode, path: fs.path(jump.node) });
      setFocusRequest((n) => n + 1);
    },
    [fs, navigate, url],
  );

  const onHelp = useCallback(() => setHelp(true), []);
  // The explorer's keys belong to its tree; every other view starts at its tab.
  const focusTarget = useCallback((id: string) => (id === views[0]?.id ? document.querySelector<HTMLElement>(`#${panelId(id)} [role="tree"]`) : null), [views]);
  useViewKeys(views, view.id, selectView, { onHelp, focusTarget });

  const ctx: ViewContext = {
    image,
    layers,
    states,
    results,
    tocs,
    fromToc: layers.flatMap((l, i) => (results[i] === undefined && tocs[i]?.status === 'found' ? [l.index] : [])),
    sizes: useMemo(() => results.map((r) => r?.analysis?.uncompressedBytes), [results]),
    compressedBytes: image.manifest.layers.reduce((sum, l) => sum + l.size, 0),
    fs,
    fsError,
    explorer,
    layer,
    mode,
    selectedNode: found >= 0 ? found : undefined,
    onExplorer,
    openPath,
    openPackage,
    focusRequest,
    packages: packagesQuery.data,
    packagesError: packagesQuery.error,
    registry,
    about,
  };
  const mounted = useMemo(() => new Set(views.filter((v) => v.keepMounted).map((v) => v.id)), [views]);
  const keySections: KeySection[] = [
    { title: 'Views', keys: [...views.map((v) => [v.key, `${v.label}: ${v.description}`] as const), ['← →', 'On the tabs: the previous or next view']] },
    { title: 'Explorer', keys: [...EXPLORER_KEYS, ['?', 'Show this help']] },
  ];

  return (
    <div data-workspace data-platform={platform} className="flex flex-col gap-2 px-3 pt-2 pb-3 tall:min-h-0 tall:flex-1">
      <header className="flex flex-col gap-1">
        <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">{identity}</div>
        <div className="flex flex-wrap items-center gap-x-5 gap-y-1">
          <ImageSummary fs={fs} compressedBytes={ctx.compressedBytes} />
          <OverallProgress layers={layers} states={states} />
        </div>
      </header>
      <div className="flex items-end justify-between gap-2 border-b border-slate-200 dark:border-slate-800">
        <TabBar views={views} current={view.id} stateFor={stateFor} onSelect={selectView} mounted={mounted} />
        <button
          type="button"
          onClick={() => setHelp(true)}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
          className="mb-1 shrink-0 rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
        >
          ?
        </button>
      </div>
      <div className="relative tall:min-h-0 tall:flex-1">
        {views.map((v) => {
          const active = v.id === view.id;
          if (!active && !v.keepMounted) return null;
          return (
            <div
              key={v.id}
              role="tabpanel"
              id={panelId(v.id)}
              aria-labelledby={tabId(v.id)}
              inert={!active}
              className={active ? 'tall:h-full tall:overflow-auto' : 'invisible absolute inset-0 overflow-hidden'}
            >
              {renderView(v, ctx, active)}
            </div>
          );
        })}
      </div>
      {help && <KeyboardHelp sections={keySections} onClose={() => setHelp(false)} />}
    </div>
  );
}

function renderView(view: WorkspaceView, ctx: ViewContext, active: boolean): ReactNode {
  if (view.needs === 'image') return view.render(ctx, active);
  if (view.needs === 'registry') return ctx.registry ? view.render({ ...ctx, registry: ctx.registry }) : null;
  if (ctx.fsError) return <ErrorPanel error={ctx.fsError} />;
  if (!ctx.fs) return <WaitingForLayers what={view.waiting} states={ctx.states} />;
  return view.render({ ...ctx, fs: ctx.fs });
}

/** A view made from the stacked filesystem, before it exists: how far the layers are, not an empty panel. */
function WaitingForLayers({ what, states }: { what: string; states: readonly LayerState[] }) {
  const done = states.filter((s) => s.status !== 'pending').length;
  return (
    <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-slate-300 bg-white p-6 dark:border-slate-700 dark:bg-slate-900">
      <p role="status" className="max-w-md text-center text-sm text-slate-600 dark:text-slate-400">
        {done < states.length
          ? `${what} appear when every layer is read (${done} of ${states.length} so far).`
          : `Stacking the layers into one filesystem… ${what.toLowerCase()} follow.`}
      </p>
    </div>
  );
}

/**
 * The same frame before the workspace can open (resolving, an error) or for a manifest that has no
 * filesystem (an artifact, an attestation): the header line, then the page's content, scrolling.
 */
export function WorkspaceMessage({ identity, children }: { identity: ReactNode; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-3 px-3 pt-2 pb-6">
      <header className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">{identity}</header>
      <div className="flex flex-col gap-6">{children}</div>
    </div>
  );
}
