import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { MARK_NAMES, type ImageFilesystem, type MarkName, type TreeFilter, type ViewMode } from '../../core/fs';
import type { LayerInfo } from '../../core/image';
import type { LayerIndex } from '../../core/layers';
import { useImageFilesystem } from '../../queries/fsQueries';
import type { LayerJobResult } from '../../queries/layerQueries';
import type { UrlState } from '../useUrlState';
import { ErrorPanel } from '../ErrorPanel';
import { FileTree } from './FileTree';
import { KeyboardHelp } from './KeyboardHelp';
import { LayerList } from './LayerList';
import { MARK_STYLE } from './marks';
import { NodeDetails } from './NodeDetails';
import { WasteSummary, type Jump } from './WasteSummary';
import { Visuals } from '../visuals/Visuals';

export type ExplorerState = Pick<UrlState, 'layer' | 'mode' | 'path'>;

interface ExplorerProps {
  layers: readonly LayerInfo[];
  results: readonly (LayerJobResult | undefined)[];
  /** Per layer still being read: the index of its TOC, shown until the tar pass replaces it. */
  provisional?: readonly (LayerIndex | undefined)[];
  compressedBytes: number;
  state: ExplorerState;
  onChange: (next: ExplorerState) => void;
}

/** dive in the browser: layers, the file tree of a layer (its changes or everything up to it), details, and the waste. */
export function Explorer({ layers, results, provisional = [], compressedBytes, state, onChange }: ExplorerProps) {
  const fsQuery = useImageFilesystem(layers, results, provisional);
  const done = results.filter((r) => r !== undefined).length;
  const fromToc = layers.flatMap((l, i) => (results[i] === undefined && provisional[i] ? [l.index] : []));
  if (fsQuery.isError) return <ErrorPanel error={fsQuery.error} />;
  if (!fsQuery.data) {
    return (
      <section aria-label="Files" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">Files</h2>
        {/* Keeps the explorer's place, so the page does not jump when it arrives. Static on
            purpose: an animation here runs for the whole analysis, and its 60 frames a second
            cost the browser more CPU than the progress bars (see e2e/bench). */}
        <div className="mt-3 flex h-72 items-center justify-center rounded border border-dashed border-slate-300 dark:border-slate-700">
          <p role="status" className="max-w-md text-center text-sm text-slate-600 dark:text-slate-400">
            {done < layers.length
              ? `The file tree appears when every layer is read (${done} of ${layers.length} so far).`
              : 'Stacking the layers into one filesystem…'}
          </p>
        </div>
      </section>
    );
  }
  return (
    <>
      {fromToc.length > 0 && (
        <p role="status" data-testid="toc-provisional" className="-mb-4 text-sm text-slate-600 dark:text-slate-400">
          {fromToc.length === 1 ? 'Layer' : 'Layers'} {fromToc.join(', ')} {fromToc.length === 1 ? 'is' : 'are'} shown from{' '}
          {fromToc.length === 1 ? 'its' : 'their'} table of contents (eStargz / zstd:chunked) while {fromToc.length === 1 ? 'its blob is' : 'their blobs are'}{' '}
          read and verified.
        </p>
      )}
      <LoadedExplorer fs={fsQuery.data} layers={layers} results={results} compressedBytes={compressedBytes} state={state} onChange={onChange} />
    </>
  );
}

/** The directories above a node (not the root), so revealing it can open them. */
function ancestors(fs: ImageFilesystem, node: number): number[] {
  const out: number[] = [];
  for (let p = fs.data.trie.parent[node] ?? -1; p > 0; p = fs.data.trie.parent[p] ?? -1) out.push(p);
  return out;
}

function LoadedExplorer({
  fs,
  layers,
  results,
  compressedBytes,
  state,
  onChange,
}: Omit<ExplorerProps, 'results'> & { fs: ImageFilesystem; results: ExplorerProps['results'] }) {
  const last = fs.layerCount - 1;
  const layer = Math.min(last, Math.max(0, state.layer ?? last));
  const mode: ViewMode = state.mode ?? 'aggregate';
  const found = state.path ? fs.find(state.path) : -1;
  const selectedNode = found >= 0 ? found : undefined;

  const [expanded, setExpanded] = useState<Set<number>>(() => new Set(selectedNode !== undefined ? ancestors(fs, selectedNode) : []));
  const [filterText, setFilterText] = useState('');
  const [useRegex, setUseRegex] = useState(false);
  const [hide, setHide] = useState<Partial<Record<MarkName, boolean>>>({});
  const [sort, setSort] = useState<'name' | 'size'>('name');
  const [revealToken, setRevealToken] = useState(0);
  const [showHelp, setShowHelp] = useState(false);
  const filterInput = useRef<HTMLInputElement>(null);
  const treeArea = useRef<HTMLDivElement>(null);

  // Typing stays responsive: the tree follows the filter at React's lower priority.
  const deferredFilter = useDeferredValue(filterText);
  const { filter, filterError } = useMemo((): { filter: TreeFilter; filterError?: string } => {
    const hidden = Object.values(hide).some(Boolean) ? { hide } : {};
    if (!deferredFilter) return { filter: hidden };
    if (!useRegex) return { filter: { ...hidden, path: deferredFilter } };
    try {
      return { filter: { ...hidden, path: new RegExp(deferredFilter, 'i') } };
    } catch (error) {
      return { filter: hidden, filterError: error instanceof Error ? error.message : String(error) };
    }
  }, [deferredFilter, useRegex, hide]);

  const rows = useMemo(
    () => fs.flatten(layer, mode, { expanded, expandAll: filter.path !== undefined, sort, filter }),
    [fs, layer, mode, expanded, sort, filter],
  );

  const sizes = useMemo(() => results.map((r) => r?.analysis?.uncompressedBytes), [results]);

  const select = useCallback((node: number) => onChange({ layer, mode, path: fs.path(node) }), [fs, layer, mode, onChange]);
  const toggle = useCallback((node: number, open: boolean) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) next.add(node);
      else next.delete(node);
      return next;
    });
  }, []);

  const jump = useCallback(
    (target: Jump) => {
      setExpanded((prev) => new Set([...prev, ...ancestors(fs, target.node)]));
      setFilterText('');
      setHide({});
      onChange({ layer: target.layer, mode: target.mode, path: fs.path(target.node) });
      setRevealToken((t) => t + 1);
      treeArea.current?.querySelector<HTMLElement>('[role="tree"]')?.focus({ preventScroll: true });
      treeArea.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    },
    [fs, onChange],
  );

  // Keep the selection visible when the layer or mode changes under it.
  useEffect(() => setRevealToken((t) => t + 1), [layer, mode]);

  const onKeyDown = (event: KeyboardEvent) => {
    const typing = event.target instanceof HTMLInputElement;
    if ((event.key === '/' && !typing) || (event.key === 'f' && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      filterInput.current?.focus();
      filterInput.current?.select();
    } else if (event.key === '?' && !typing) {
      event.preventDefault();
      setShowHelp(true);
    } else if (event.key === 'm' && !typing) {
      onChange({ layer, mode: mode === 'layer' ? 'aggregate' : 'layer', ...(state.path ? { path: state.path } : {}) });
    } else if (event.key === 'Escape' && typing) {
      treeArea.current?.querySelector<HTMLElement>('[role="tree"]')?.focus();
    }
  };

  return (
    <div className="flex flex-col gap-6" onKeyDown={onKeyDown}>
      <WasteSummary fs={fs} compressedBytes={compressedBytes} selectedLayer={layer} onJump={jump} />
      <Visuals
        fs={fs}
        layers={layers}
        sizes={sizes}
        layer={layer}
        mode={mode}
        selectedNode={selectedNode}
        onSelectLayer={(k) => onChange({ layer: k, mode, ...(state.path ? { path: state.path } : {}) })}
        onJump={jump}
      />
      <section aria-labelledby="explorer-title" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
          <h2 id="explorer-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            Files
          </h2>
          <div role="radiogroup" aria-label="Tree mode" className="flex rounded-md border border-slate-300 text-xs dark:border-slate-700">
            {(
              [
                ['layer', 'This layer’s changes'],
                ['aggregate', 'All layers up to this one'],
              ] as const
            ).map(([value, label]) => (
              <button
                key={value}
                type="button"
                role="radio"
                aria-checked={mode === value}
                onClick={() => onChange({ layer, mode: value, ...(state.path ? { path: state.path } : {}) })}
                className={`px-2 py-1 ${mode === value ? 'bg-teal-700 text-white' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
              >
                {label}
              </button>
            ))}
          </div>
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
              spellCheck={false}
              className="w-56 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
            />
            <label className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={useRegex} onChange={(e) => setUseRegex(e.target.checked)} />
              Regex
            </label>
          </div>
          <fieldset className="flex items-center gap-2 text-xs">
            <legend className="sr-only">Show changes</legend>
            {MARK_NAMES.map((name) => (
              <label key={name} className={`flex items-center gap-1 ${MARK_STYLE[name].className}`}>
                <input type="checkbox" checked={!hide[name]} onChange={(e) => setHide((h) => ({ ...h, [name]: !e.target.checked }))} />
                {MARK_STYLE[name].symbol} {MARK_STYLE[name].label}
              </label>
            ))}
          </fieldset>
          <div className="flex items-center gap-2 text-xs">
            <label htmlFor="tree-sort">Sort</label>
            <select
              id="tree-sort"
              value={sort}
              onChange={(e) => setSort(e.target.value as 'name' | 'size')}
              className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-700 dark:bg-slate-950"
            >
              <option value="name">by name</option>
              <option value="size">by size</option>
            </select>
            <button
              type="button"
              onClick={() => setExpanded(new Set())}
              className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Collapse all
            </button>
            <button
              type="button"
              onClick={() => setShowHelp(true)}
              aria-label="Keyboard shortcuts"
              className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              ?
            </button>
          </div>
          {filterError && (
            <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300">
              Invalid regular expression: {filterError}
            </p>
          )}
        </div>
        <div className="grid h-[32rem] grid-cols-[minmax(14rem,18rem)_minmax(0,1fr)_minmax(14rem,20rem)]">
          <div className="min-h-0 border-r border-slate-200 dark:border-slate-800">
            <LayerList
              layers={layers}
              fs={fs}
              sizes={sizes}
              selected={layer}
              onSelect={(k) => onChange({ layer: k, mode, ...(state.path ? { path: state.path } : {}) })}
            />
          </div>
          <div ref={treeArea} className="min-h-0 min-w-0" data-rendered-filter={deferredFilter}>
            <FileTree fs={fs} layer={layer} mode={mode} rows={rows} selectedNode={selectedNode} onSelect={select} onToggle={toggle} revealToken={revealToken} />
          </div>
          <div className="min-h-0 border-l border-slate-200 dark:border-slate-800">
            <NodeDetails fs={fs} layers={layers} layer={layer} mode={mode} node={selectedNode} />
          </div>
        </div>
        <p className="border-t border-slate-200 px-3 py-1.5 text-[11px] text-slate-600 dark:text-slate-400 dark:border-slate-800" aria-live="polite">
          {rows.count.toLocaleString('en')} rows · {fs.nodeCount.toLocaleString('en')} paths in the image · press ? for keys
        </p>
      </section>
      {showHelp && <KeyboardHelp onClose={() => setShowHelp(false)} />}
    </div>
  );
}
