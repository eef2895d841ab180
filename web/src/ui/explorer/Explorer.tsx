/**
 * dive in the browser: layers | file tree | details, each pane scrolling on its own, filling the
 * workspace (the window below the image header) when the window is large enough, stacked otherwise.
 *
 * The layer list is there from the first render (commands and sizes come with the manifest and
 * config), each layer with its progress; the tree joins when every layer is read and stacked.
 *
 * A path can arrive from outside the tree: the URL (`path=`, back and forward) or a click in another
 * view (`focusRequest`). Either way its directories open and its row is scrolled into view; a click
 * elsewhere also clears the filter that could hide the row and puts the keyboard focus in the tree.
 * Paths the tree itself selects (clicks, keys) are not scrolled again: the tree already did.
 */
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { MARK_NAMES, type ImageFilesystem, type MarkName, type TreeFilter, type ViewMode } from '../../core/fs';
import type { LayerInfo } from '../../core/image';
import type { PackageReport } from '../../queries/packageQueries';
import { packageByKey, packageLabel, packageNodes } from '../packages/packageFilter';
import type { UrlState } from '../useUrlState';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes } from '../format';
import type { LayerState } from '../LayerStatus';
import { FileTree } from './FileTree';
import { LayerList } from './LayerList';
import { MARK_STYLE } from './marks';
import { ModeSwitch } from './ModeSwitch';
import { NodeDetails } from './NodeDetails';

export type ExplorerState = Pick<UrlState, 'layer' | 'mode' | 'path' | 'pkg'>;

interface ExplorerProps {
  layers: readonly LayerInfo[];
  states: readonly LayerState[];
  /** Uncompressed bytes per layer, where known. */
  sizes: readonly (number | undefined)[];
  /** The stacked filesystem; undefined while layers are still being read. */
  fs: ImageFilesystem | undefined;
  fsError?: unknown;
  state: ExplorerState;
  onChange: (next: ExplorerState) => void;
  /** Bumped when a click in another view opened `state.path` here: reveal it and focus the tree. */
  focusRequest: number;
  /** Whether the explorer is the view on screen (it stays mounted behind the others, keeping its filter and open directories). */
  active: boolean;
  /** Layers shown from their table of contents (eStargz, zstd:chunked) while their blobs are still read. */
  fromToc?: readonly number[];
  /** Who owns each file; `state.pkg` filters the tree to one package's files once it is here. */
  packages?: PackageReport | undefined;
}

/** The directories above a node (not the root), so revealing it can open them. */
function ancestors(fs: ImageFilesystem, node: number): number[] {
  const out: number[] = [];
  for (let p = fs.data.trie.parent[node] ?? -1; p > 0; p = fs.data.trie.parent[p] ?? -1) out.push(p);
  return out;
}

const toolButton = 'rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';

export function Explorer({ layers, states, sizes, fs, fsError, state, onChange, focusRequest, active, fromToc = [], packages }: ExplorerProps) {
  const last = layers.length - 1;
  const layer = Math.min(last, Math.max(0, state.layer ?? last));
  const mode: ViewMode = state.mode ?? 'aggregate';
  const found = fs && state.path ? fs.find(state.path) : -1;
  const selectedNode = found >= 0 ? found : undefined;

  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const [filterText, setFilterText] = useState('');
  const [useRegex, setUseRegex] = useState(false);
  const [hide, setHide] = useState<Partial<Record<MarkName, boolean>>>({});
  const [sort, setSort] = useState<'name' | 'size'>('name');
  const [revealToken, setRevealToken] = useState(0);
  const filterInput = useRef<HTMLInputElement>(null);
  const treeArea = useRef<HTMLDivElement>(null);
  /** The node the tree selected itself: already on screen, so not revealed again. */
  const selectedByTree = useRef<number | undefined>(undefined);

  // `pkg=` in the URL: only that package's files (and their directories).
  const pkg = packageByKey(packages, state.pkg);
  const pkgNodes = useMemo(
    () => (fs && packages && pkg && fs.nodeCount === packages.nodeOwner.length ? packageNodes(fs, packages, pkg.id) : undefined),
    [fs, packages, pkg],
  );

  // Typing stays responsive: the tree follows the filter at React's lower priority.
  const deferredFilter = useDeferredValue(filterText);
  const { filter, filterError } = useMemo((): { filter: TreeFilter; filterError?: string } => {
    const hidden = { ...(Object.values(hide).some(Boolean) ? { hide } : {}), ...(pkgNodes ? { nodes: pkgNodes } : {}) };
    if (!deferredFilter) return { filter: hidden };
    if (!useRegex) return { filter: { ...hidden, path: deferredFilter } };
    try {
      return { filter: { ...hidden, path: new RegExp(deferredFilter, 'i') } };
    } catch (error) {
      return { filter: hidden, filterError: error instanceof Error ? error.message : String(error) };
    }
  }, [deferredFilter, useRegex, hide, pkgNodes]);

  const rows = useMemo(
    () => (fs ? fs.flatten(layer, mode, { expanded, expandAll: filter.path !== undefined || filter.nodes !== undefined, sort, filter }) : undefined),
    [fs, layer, mode, expanded, sort, filter],
  );

  const withPath = useCallback(
    (next: Omit<ExplorerState, 'path'>) => onChange({ ...next, ...(state.path ? { path: state.path } : {}) }),
    [onChange, state.path],
  );
  const select = useCallback(
    (node: number) => {
      if (!fs) return;
      selectedByTree.current = node;
      onChange({ layer, mode, path: fs.path(node) });
    },
    [fs, layer, mode, onChange],
  );
  const toggle = useCallback((node: number, open: boolean) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) next.add(node);
      else next.delete(node);
      return next;
    });
  }, []);

  /** Opens the directories above a node and scrolls its row into view. */
  const reveal = useCallback(
    (node: number) => {
      if (!fs) return;
      const above = ancestors(fs, node);
      setExpanded((prev) => (above.every((n) => prev.has(n)) ? prev : new Set([...prev, ...above])));
      setRevealToken((t) => t + 1);
    },
    [fs],
  );

  // A path from the URL (a shared link, a compare row, back and forward), once the tree can show it.
  // The page's first path also takes the keyboard focus, unless the user has put it somewhere.
  const arrived = useRef(false);
  useEffect(() => {
    if (selectedNode !== undefined && selectedNode !== selectedByTree.current) {
      reveal(selectedNode);
      const idle = document.activeElement === null || document.activeElement === document.body;
      if (!arrived.current && active && idle) treeArea.current?.querySelector<HTMLElement>('[role="tree"]')?.focus({ preventScroll: true });
    }
    if (selectedNode !== undefined) arrived.current = true;
    selectedByTree.current = selectedNode;
  }, [selectedNode, reveal, active]);

  // A click on a path in another view: nothing may hide the row, and the keys go to the tree.
  const handledFocus = useRef(focusRequest);
  useEffect(() => {
    if (!active || !fs || focusRequest === handledFocus.current) return;
    handledFocus.current = focusRequest;
    setFilterText('');
    setHide({});
    if (selectedNode !== undefined) reveal(selectedNode);
    const tree = treeArea.current?.querySelector<HTMLElement>('[role="tree"]');
    tree?.focus({ preventScroll: true });
    // Stacked panes (a small window) scroll the page instead: bring the tree there.
    treeArea.current?.scrollIntoView({ block: 'nearest' });
  }, [focusRequest, active, fs, selectedNode, reveal]);

  // Keep the selection visible when the layer or mode changes under it.
  useEffect(() => setRevealToken((t) => t + 1), [layer, mode]);

  const onKeyDown = (event: KeyboardEvent) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if ((event.key === '/' && !typing) || (event.key === 'f' && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      filterInput.current?.focus();
      filterInput.current?.select();
    } else if (event.key === 'm' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      withPath({ layer, mode: mode === 'layer' ? 'aggregate' : 'layer' });
    } else if (event.key === 'Escape' && typing) {
      treeArea.current?.querySelector<HTMLElement>('[role="tree"]')?.focus();
    }
  };

  const done = states.filter((s) => s.status !== 'pending').length;
  return (
    <div
      className="flex flex-col rounded-lg border border-slate-200 bg-white tall:h-full tall:min-h-0 dark:border-slate-800 dark:bg-slate-900"
      onKeyDown={onKeyDown}
    >
      <h2 className="sr-only">Files</h2>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1.5 border-b border-slate-200 px-3 py-1.5 text-xs dark:border-slate-800">
        <ModeSwitch mode={mode} onChange={(next) => withPath({ layer, mode: next })} />
        <div className="flex items-center gap-1">
          <label htmlFor="tree-filter" className="sr-only">
            Filter paths
          </label>
          <input
            ref={filterInput}
            id="tree-filter"
            type="search"
            value={filterText}
            onChange={(e) => setFilterText(e.target.value)}
            placeholder={useRegex ? 'Filter (regular expression)' : 'Filter paths  ( / )'}
            aria-invalid={filterError !== undefined}
            disabled={!fs}
            spellCheck={false}
            className="w-56 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs disabled:opacity-60 dark:border-slate-700 dark:bg-slate-950"
          />
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={useRegex} disabled={!fs} onChange={(e) => setUseRegex(e.target.checked)} />
            Regex
          </label>
        </div>
        <fieldset className="flex items-center gap-2" disabled={!fs}>
          <legend className="sr-only">Show changes</legend>
          {MARK_NAMES.map((name) => (
            <label key={name} className={`flex items-center gap-1 ${MARK_STYLE[name].className}`}>
              <input type="checkbox" checked={!hide[name]} onChange={(e) => setHide((h) => ({ ...h, [name]: !e.target.checked }))} />
              {MARK_STYLE[name].symbol} {MARK_STYLE[name].label}
            </label>
          ))}
        </fieldset>
        <div className="flex items-center gap-2">
          <label htmlFor="tree-sort">Sort</label>
          <select
            id="tree-sort"
            value={sort}
            disabled={!fs}
            onChange={(e) => setSort(e.target.value as 'name' | 'size')}
            className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-700 dark:bg-slate-950"
          >
            <option value="name">by name</option>
            <option value="size">by size</option>
          </select>
          <button type="button" disabled={!fs} onClick={() => setExpanded(new Set())} className={toolButton}>
            Collapse all
          </button>
        </div>
        {state.pkg && (
          <span
            data-testid="package-filter"
            className="flex items-center gap-1 rounded-full border border-teal-600/50 bg-teal-50 py-0.5 pr-0.5 pl-2 text-teal-900 dark:bg-teal-950/60 dark:text-teal-100"
          >
            <span>
              Package: <span className="font-mono">{pkg ? packageLabel(pkg) : state.pkg}</span>
              {pkg && pkg.removedIn === undefined && ` · ${pkg.files.toLocaleString('en')} files, ${formatBytes(pkg.sizeBytes)}`}
              {pkg && pkg.removedIn !== undefined && ` · removed in layer ${pkg.removedIn}`}
              {!pkg && (packages ? ' (not in this image)' : ' (reading the package databases…)')}
            </span>
            <button
              type="button"
              onClick={() => onChange({ layer, mode, ...(state.path ? { path: state.path } : {}), pkg: undefined })}
              aria-label="Clear the package filter"
              title="Clear the package filter"
              className="rounded-full px-1.5 hover:bg-teal-100 dark:hover:bg-teal-900"
            >
              ✕
            </button>
          </span>
        )}
        {filterError && (
          <p role="alert" className="w-full text-red-700 dark:text-red-300">
            Invalid regular expression: {filterError}
          </p>
        )}
      </div>
      {fromToc.length > 0 && (
        <p
          role="status"
          data-testid="toc-provisional"
          className="border-b border-slate-200 px-3 py-1 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400"
        >
          {fromToc.length === 1 ? 'Layer' : 'Layers'} {fromToc.join(', ')} {fromToc.length === 1 ? 'is' : 'are'} shown from{' '}
          {fromToc.length === 1 ? 'its' : 'their'} table of contents (eStargz / zstd:chunked) while {fromToc.length === 1 ? 'its blob is' : 'their blobs are'}{' '}
          read and verified.
        </p>
      )}
      {/* Proportional columns: side panes sized in rem would, in large-text mode, squeeze the tree's path column to nothing. */}
      <div className="grid min-h-0 grid-cols-1 lg:grid-cols-[minmax(11rem,1fr)_minmax(0,2.4fr)_minmax(12rem,1.2fr)] squat:h-[34rem] tall:flex-1">
        <div className="min-h-0 border-b border-slate-200 lg:border-r lg:border-b-0 dark:border-slate-800">
          <LayerList layers={layers} states={states} fs={fs} sizes={sizes} selected={layer} onSelect={(k) => withPath({ layer: k, mode })} />
        </div>
        <div ref={treeArea} className="h-[70vh] min-h-72 min-w-0 lg:h-auto lg:min-h-0" data-rendered-filter={deferredFilter}>
          {fsError ? (
            <div className="p-3">
              <ErrorPanel error={fsError} />
            </div>
          ) : fs && rows ? (
            <FileTree fs={fs} layer={layer} mode={mode} rows={rows} selectedNode={selectedNode} onSelect={select} onToggle={toggle} revealToken={revealToken} />
          ) : (
            // Static on purpose: an animation here runs for the whole analysis, and its 60 frames
            // a second cost the browser more CPU than the progress bars (see e2e/bench).
            <div className="flex h-full items-center justify-center p-6">
              <p role="status" className="max-w-sm text-center text-sm text-slate-600 dark:text-slate-400">
                {done < layers.length
                  ? `The file tree appears when every layer is read (${done} of ${layers.length} so far).`
                  : 'Stacking the layers into one filesystem…'}
              </p>
            </div>
          )}
        </div>
        <div className="min-h-0 border-t border-slate-200 lg:border-t-0 lg:border-l dark:border-slate-800">
          <NodeDetails fs={fs} layers={layers} layer={layer} mode={mode} node={selectedNode} packages={packages} />
        </div>
      </div>
      <p className="border-t border-slate-200 px-3 py-1 text-[11px] text-slate-600 dark:border-slate-800 dark:text-slate-400" aria-live="polite">
        {fs && rows
          ? `${rows.count.toLocaleString('en')} rows · ${fs.nodeCount.toLocaleString('en')} paths in the image · press ? for keys`
          : `${layers.length} layers · press ? for keys`}
      </p>
    </div>
  );
}
