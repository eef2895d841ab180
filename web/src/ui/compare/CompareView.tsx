/**
 * Two images side by side: `/?compare=<reference>&with=<reference>[&platform=os/arch][&view=totals]`.
 * Both are resolved (the same platform on both sides), every layer read, both filesystems stacked,
 * then, in the workspace's frame: a header line per image and one for the difference, and as views
 * the paths that differ (filling the window), the totals with their deltas, and the shared layers.
 * A click on a path opens it in the explorer of the image that has it.
 */
import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { compareLayers, type CompareSummary, type LayerComparison } from '../../core/compare';
import { shortDigest } from '../../core/digest';
import { familiarReference, InvalidReferenceError, tryParseReference } from '../../core/reference';
import { useFsComparison } from '../../queries/compareQueries';
import { hrefFor } from '../browse/nav';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes } from '../format';
import { readUrlState, useUrlState, type UrlState } from '../useUrlState';
import { panelId, TabBar, tabId, type TabInfo } from '../workspace/TabBar';
import { useViewKeys } from '../workspace/useViewKeys';
import { currentView, viewParam } from '../workspace/viewTypes';
import { usePackageReport } from '../../queries/packageQueries';
import { ChangedPaths } from './ChangedPaths';
import { PackageChanges } from './PackageChanges';
import { SharedLayers, Totals } from './CompareTables';
import { formatDelta } from './format';
import { useComparedImage, type ComparedSide } from './useComparedImage';

export interface CompareTarget {
  compare: string;
  with?: string;
  platform?: string;
}

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';

export function CompareView({
  left,
  right,
  platform,
  onNavigate,
}: {
  left: string;
  right: string;
  platform?: string;
  onNavigate: (next: CompareTarget) => void;
}) {
  return (
    <div data-workspace className="flex flex-col gap-2 px-3 pt-2 pb-3 tall:min-h-0 tall:flex-1">
      <CompareForm left={left} right={right} onSubmit={(l, r) => onNavigate({ compare: l, with: r })} />
      {left && right ? (
        <Comparison
          key={`${left}\n${right}`}
          left={left}
          right={right}
          platform={platform}
          onPlatform={(p) => onNavigate({ compare: left, with: right, platform: p })}
        />
      ) : (
        <p className="mx-auto mt-8 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
          Name two images, or two tags of one repository: Lading reads both, then lists the layers they share, the size difference and every file added, removed
          or changed.
        </p>
      )}
    </div>
  );
}

function CompareForm({ left, right, onSubmit }: { left: string; right: string; onSubmit: (left: string, right: string) => void }) {
  const [a, setA] = useState(left);
  const [b, setB] = useState(right);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  useEffect(() => {
    setA(left);
    setB(right);
  }, [left, right]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    for (const [label, value] of [
      ['Image', a],
      ['Compare with', b],
    ] as const) {
      const parsed = tryParseReference(value);
      if (parsed instanceof InvalidReferenceError) {
        setError(`${label}: ${parsed.reason}`);
        return;
      }
    }
    setError(null);
    onSubmit(a.trim(), b.trim());
  };
  const input =
    'min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2.5 py-1 font-mono text-sm shadow-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-slate-700 dark:bg-slate-900';
  const label = 'flex min-w-0 flex-1 items-center gap-2 text-xs text-slate-600 dark:text-slate-400';
  return (
    <form onSubmit={submit} aria-labelledby="compare-title" className="flex flex-col gap-1">
      <div className="flex flex-col gap-2 md:flex-row md:items-center">
        <h1 id="compare-title" className="shrink-0 text-base font-semibold">
          Compare two images
        </h1>
        <label className={label}>
          Image
          <input
            value={a}
            onChange={(e) => setA(e.target.value)}
            placeholder="nginx:1.26"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={error ? errorId : undefined}
            className={input}
          />
        </label>
        <button
          type="button"
          onClick={() => {
            setA(b);
            setB(a);
          }}
          className="self-start rounded-md border border-slate-300 px-2.5 py-1 text-sm hover:bg-slate-100 md:self-auto dark:border-slate-700 dark:hover:bg-slate-800"
          aria-label="Swap the two images"
          title="Swap"
        >
          ⇄
        </button>
        <label className={label}>
          Compare with
          <input
            value={b}
            onChange={(e) => setB(e.target.value)}
            placeholder="nginx:1.27"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={error ? errorId : undefined}
            className={input}
          />
        </label>
        <button type="submit" className="shrink-0 self-start rounded-md bg-teal-700 px-4 py-1 text-sm font-medium text-white hover:bg-teal-800 md:self-auto">
          Compare
        </button>
      </div>
      {error && (
        <p id={errorId} role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </form>
  );
}

/** The comparison's views, as tabs (`view=totals`, `view=layers`; the changed paths are the default). */
const COMPARE_VIEWS: readonly TabInfo[] = [
  { id: 'paths', label: 'Changed paths', key: '1', description: 'Every path added, removed or changed' },
  { id: 'totals', label: 'Totals', key: '2', description: 'Sizes and counts of both images, and the differences' },
  { id: 'layers', label: 'Shared layers', key: '3', description: 'The layers both images have, by digest' },
  { id: 'packages', label: 'Packages', key: '4', description: 'Packages added, removed and changed, with what each changes in bytes' },
];

function Comparison({
  left,
  right,
  platform,
  onPlatform,
}: {
  left: string;
  right: string;
  platform: string | undefined;
  onPlatform: (platform: string) => void;
}) {
  const a = useComparedImage(left, platform);
  // The same platform on both sides: the one asked for, else the one the first image shows.
  const b = useComparedImage(right, platform ?? a.platform);
  const [summarise, setSummarise] = useState(true);
  const comparison = useFsComparison({ layerDigests: digests(a), fs: a.fs }, { layerDigests: digests(b), fs: b.fs }, { summariseDirectories: summarise });
  const packagesA = usePackageReport(a.layers, a.results, a.fs).data;
  const packagesB = usePackageReport(b.layers, b.results, b.fs).data;
  const layers = useMemo(() => (a.manifest && b.manifest ? compareLayers(a.manifest.layers, b.manifest.layers) : undefined), [a.manifest, b.manifest]);
  const platforms = useMemo(() => [...new Set([...(a.platforms ?? []), ...(b.platforms ?? [])].map((p) => p.platform))], [a.platforms, b.platforms]);

  const [url, navigate] = useUrlState();
  const view = currentView(COMPARE_VIEWS, url.view);
  const stateFor = useCallback(
    (id: string): UrlState => {
      const { view: _view, ...rest } = url;
      const param = viewParam(COMPARE_VIEWS, id);
      return { ...rest, ...(param ? { view: param } : {}) };
    },
    [url],
  );
  const select = useCallback((id: string) => navigate(stateFor(id)), [navigate, stateFor]);
  useViewKeys(COMPARE_VIEWS, view.id, select);
  const openPath = useCallback((href: string) => navigate(readUrlState(href.slice(href.indexOf('?')))), [navigate]);

  const waiting =
    a.status !== 'error' && b.status !== 'error' ? (
      <div className={`${panel} p-4`}>
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          {a.status === 'ready' && b.status === 'ready' ? 'Comparing the two filesystems…' : 'The comparison appears once both images are read.'}
        </p>
      </div>
    ) : null;

  return (
    <>
      <header className="flex flex-col gap-1" data-testid="comparison">
        <div className="grid gap-x-6 gap-y-1 md:grid-cols-2">
          <SideLine side={a} label="Image" testId="side-a" />
          <SideLine side={b} label="Compared with" testId="side-b" />
        </div>
        <div className="flex flex-wrap items-center gap-x-5 gap-y-1">
          {platforms.length > 1 && (
            <label className="flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
              Platform
              <select
                value={a.platform ?? ''}
                onChange={(e) => onPlatform(e.target.value)}
                className="rounded border border-slate-300 bg-white px-1.5 py-0.5 font-mono text-xs text-slate-900 dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100"
              >
                {platforms.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
          )}
          {layers && <ComparisonLine a={a} b={b} layers={layers} summary={comparison.data?.summary} />}
        </div>
        {a.platform && b.platform && a.platform !== b.platform && (
          <p
            role="note"
            className="rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
          >
            The images are for different platforms ({a.platform} and {b.platform}):{' '}
            {b.platforms ? `${right} has no ${a.platform}.` : 'they have one platform each.'}
          </p>
        )}
      </header>
      {[a, b].map((side) =>
        side.status === 'error' ? (
          <ErrorPanel
            key={side === a ? 'a' : 'b'}
            error={side.error}
            {...(side.reference ? { context: { repository: `${side.reference.domain}/${side.reference.path}`, reference: side.input } } : {})}
          />
        ) : null,
      )}
      <div className="border-b border-slate-200 dark:border-slate-800">
        <TabBar views={COMPARE_VIEWS} current={view.id} stateFor={stateFor} onSelect={select} label="Comparison views" />
      </div>
      <div className="tall:min-h-0 tall:flex-1">
        <div role="tabpanel" id={panelId(view.id)} aria-labelledby={tabId(view.id)} className="tall:h-full tall:overflow-auto">
          {view.id === 'paths' ? (
            comparison.data ? (
              <ChangedPaths
                comparison={comparison.data}
                summarise={summarise}
                onSummarise={setSummarise}
                hrefOf={(path, kind) => explorerHref(kind === 'removed' ? a : b, path)}
                onOpen={openPath}
              />
            ) : comparison.isError ? (
              <ErrorPanel error={comparison.error} />
            ) : (
              waiting
            )
          ) : view.id === 'packages' ? (
            <PackageChanges a={packagesA} b={packagesB} />
          ) : !layers ? (
            waiting
          ) : view.id === 'totals' ? (
            <Totals a={a} b={b} layers={layers} summary={comparison.data?.summary} />
          ) : (
            <SharedLayers a={a} b={b} layers={layers} />
          )}
        </div>
      </div>
    </>
  );
}

/** The image view of one side, with the path selected. */
function explorerHref(side: ComparedSide, path: string): string {
  return hrefFor({ image: side.input, ...(side.platforms && side.platform ? { platform: side.platform } : {}), path });
}

function digests(side: ComparedSide): string[] {
  return side.layers.map((l) => l.descriptor.digest);
}

/** One side in a line: what it is, and how far it is read. */
function SideLine({ side, label, testId }: { side: ComparedSide; label: string; testId: string }) {
  const title = side.reference ? familiarReference(side.reference) : side.input;
  const muted = 'text-slate-600 dark:text-slate-400';
  return (
    <section
      aria-label={`${label}: ${title}`}
      data-testid={testId}
      data-status={side.status}
      className="flex min-w-0 flex-wrap items-baseline gap-x-2 gap-y-0.5 text-xs"
    >
      <span className={`font-semibold tracking-wide uppercase ${muted}`}>{label}</span>
      <h2 className="min-w-0 font-mono text-sm font-semibold break-all">{title}</h2>
      {side.topDigest && (
        <code className={`font-mono ${muted}`} title={side.topDigest}>
          {shortDigest(side.topDigest)}
        </code>
      )}
      {side.platform && (
        <span className="font-mono" title={side.imageDigest}>
          {side.platform}
        </span>
      )}
      {side.manifest && (
        <span className={muted}>
          {side.manifest.layers.length} layer{side.manifest.layers.length === 1 ? '' : 's'}
        </span>
      )}
      {side.config?.created && <span className={muted}>{side.config.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</span>}
      {(side.status === 'loading' || side.status === 'analysing' || side.status === 'unsupported') && (
        <span role="status" className={side.status === 'unsupported' ? 'text-amber-800 dark:text-amber-300' : muted}>
          {side.message}
        </span>
      )}
    </section>
  );
}

/** The difference in one line: what a pull downloads, what a container sees, and how many paths changed. */
function ComparisonLine({ a, b, layers, summary }: { a: ComparedSide; b: ComparedSide; layers: LayerComparison; summary: CompareSummary | undefined }) {
  const delta = (d: number) => (
    <strong className={`font-semibold tabular-nums ${d > 0 ? 'text-red-700 dark:text-red-400' : d < 0 ? 'text-emerald-700 dark:text-emerald-400' : ''}`}>
      {formatDelta(d)}
    </strong>
  );
  return (
    <p className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 text-xs text-slate-600 dark:text-slate-400">
      <span>
        Compressed {formatBytes(layers.compressed.a)} → {formatBytes(layers.compressed.b)} {delta(layers.compressed.b - layers.compressed.a)}
      </span>
      {summary && (
        <span>
          Files {formatBytes(summary.a.bytes)} → {formatBytes(summary.b.bytes)} {delta(summary.b.bytes - summary.a.bytes)}
        </span>
      )}
      {summary && (
        <span>
          {summary.added.files.toLocaleString('en')} added, {summary.removed.files.toLocaleString('en')} removed, {summary.changed.files.toLocaleString('en')}{' '}
          changed
        </span>
      )}
      <span>
        {layers.shared.length} shared layer{layers.shared.length === 1 ? '' : 's'} ({a.manifest && b.manifest ? formatBytes(layers.sharedBytes) : '…'})
      </span>
    </p>
  );
}
