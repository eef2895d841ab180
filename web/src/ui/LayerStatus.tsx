/**
 * How far each layer's analysis is and whether it verified: the full words for the layers table,
 * a compact badge for the explorer's layer list, and the whole image's progress for the header.
 * Every form carries `data-layer-status` (`verified` or `error`) once a layer is done, so tests and
 * the bench count the same thing whichever view is open.
 */
import { useSyncExternalStore } from 'react';
import type { LayerInfo } from '../core/image';
import type { LayerWarning } from '../core/layers';
import { isLayerVerified, layerProgress, useLayerProgress, type LayerJobResult } from '../queries/layerQueries';
import { formatBytes } from './format';

export type LayerState = { status: 'pending' | 'error' | 'success'; result?: LayerJobResult; error?: unknown };

export function ProgressBar({ value, max, label, className = 'h-1.5 w-full' }: { value: number; max: number; label: string; className?: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className={`${className} overflow-hidden rounded bg-slate-200 dark:bg-slate-800`}
    >
      {/* scaleX, not width: no layout per tick. No transition either: at ten updates a second it
          would keep the compositor drawing 60 frames a second for the whole analysis. */}
      <div className="h-full origin-left bg-teal-600" style={{ transform: `scaleX(${pct / 100})` }} />
    </div>
  );
}

/** How a gzip layer was inflated, for the verified badge's tooltip. */
const INFLATER_NOTE = {
  native: "inflated by the browser's DecompressionStream",
  wasm: 'inflated by miniz_oxide (WebAssembly)',
  pako: 'inflated by pako',
  'pako-after-native': "multi-member: the browser's inflater stopped at the first member, so it was read again with pako",
  'pako-after-wasm': 'multi-member or damaged: the WebAssembly inflater stopped, so the layer was read again with pako',
} as const;

/** What went wrong with a finished layer, one line per problem; empty when it verified. */
export function layerProblems(state: LayerState): string[] {
  if (state.status === 'error') return [state.error instanceof Error ? state.error.message : 'analysis failed'];
  const result = state.result;
  if (result?.fetchError) return [`${result.fetchError.title}: ${result.fetchError.detail}`];
  const analysis = result?.analysis;
  if (!analysis) return [];
  const problems: string[] = [];
  if (analysis.error) {
    problems.push(`${analysis.error.kind} error at ${analysis.error.stream} byte ${analysis.error.offset}: ${analysis.error.message}`);
  }
  for (const [label, check] of [
    ['digest', analysis.digest],
    ['diff_id', analysis.diffId],
  ] as const) {
    if (check.ok || check.expected === undefined) continue;
    problems.push(
      check.actual === undefined
        ? `${label} not checked: the stream ended early, so ${label === 'digest' ? 'the blob' : 'the tar'} could not be hashed whole`
        : `${label} mismatch: expected ${check.expected}, got ${check.actual}`,
    );
  }
  return problems;
}

function verifiedTitle(result: LayerJobResult): string {
  const inflater = result.analysis?.inflater;
  const byProxy = result.analysis?.digest.checkedBy === 'source' ? ' · digest checked by the Lading proxy as the blob streamed' : '';
  return `digest and diff_id verified${result.fromCache ? ' (from cache)' : ''}${byProxy}${inflater ? ` · gzip ${INFLATER_NOTE[inflater]}` : ''}`;
}

/** The layers table's status cell: progress while reading, then verified or every problem in words. */
export function LayerStatus({ layer, state }: { layer: LayerInfo; state: LayerState }) {
  const progress = useLayerProgress(layer.descriptor.digest);
  if (state.status === 'pending') {
    if (!progress) return <span className="text-xs text-slate-500 dark:text-slate-400">queued</span>;
    return (
      <div className="flex min-w-28 flex-col gap-0.5">
        <ProgressBar value={progress.bytesRead} max={progress.totalBytes ?? layer.descriptor.size} label={`Layer ${layer.index} progress`} />
        <span className="text-[11px] text-slate-600 dark:text-slate-400 tabular-nums">
          {formatBytes(progress.bytesRead)} · {progress.entries} entries
        </span>
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <span role="alert" data-layer-status="error" className="text-xs text-red-700 dark:text-red-300">
        ✗ {layerProblems(state)[0]}
      </span>
    );
  }
  const result = state.result;
  if (result?.fetchError) {
    return (
      <span data-layer-status="error" className="text-xs text-red-700 dark:text-red-300" title={result.fetchError.detail}>
        ✗ {result.fetchError.title}: {result.fetchError.detail}
      </span>
    );
  }
  const analysis = result?.analysis;
  if (!analysis) return null;
  const problems = layerProblems(state);
  if (problems.length > 0) {
    return (
      <div data-layer-status="error" className="max-w-sm text-xs text-red-700 dark:text-red-300">
        <span className="font-medium">✗ not verified</span>
        {problems.map((p) => (
          <div key={p} className="font-mono break-all">
            {p}
          </div>
        ))}
        <LayerWarnings warnings={analysis.warnings} />
      </div>
    );
  }
  return (
    <>
      <span data-layer-status="verified" data-inflater={analysis.inflater} className="text-xs text-teal-700 dark:text-teal-300" title={verifiedTitle(result)}>
        ✓ verified{result.fromCache ? ' · cached' : ''}
      </span>
      <LayerWarnings warnings={analysis.warnings} />
    </>
  );
}

/** What was odd about the tar but read as the runtime reads it: a small note under the status. */
function LayerWarnings({ warnings }: { warnings: readonly LayerWarning[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <ul data-layer-warnings={warnings.length} className="mt-0.5 max-w-sm text-[11px] text-amber-800 dark:text-amber-300">
      {warnings.map((w) => (
        <li key={w.kind} data-warning={w.kind} title={`at byte ${w.offset} of the tar`}>
          ⚠ {w.message}
          {w.count > 1 ? ` (and ${w.count - 1} more like it)` : ''}
        </li>
      ))}
    </ul>
  );
}

/**
 * The same, in the width of a few characters, for the explorer's layer list: a thin progress bar
 * while reading, then ✓ or ✗ with the words in the tooltip and for screen readers.
 */
export function LayerBadge({ layer, state }: { layer: LayerInfo; state: LayerState }) {
  const progress = useLayerProgress(layer.descriptor.digest);
  if (state.status === 'pending') {
    return progress ? (
      <ProgressBar
        value={progress.bytesRead}
        max={progress.totalBytes ?? layer.descriptor.size}
        label={`Layer ${layer.index} progress`}
        className="h-1.5 w-10 shrink-0"
      />
    ) : (
      <span className="shrink-0 text-[11px] text-slate-600 dark:text-slate-400">queued</span>
    );
  }
  if (state.status === 'success' && !state.result?.fetchError && !state.result?.analysis) return null;
  const problems = layerProblems(state);
  if (problems.length > 0) {
    return (
      <span data-layer-status="error" title={problems.join('\n')} className="shrink-0 text-xs font-semibold text-red-700 dark:text-red-300">
        ✗<span className="sr-only"> not verified: {problems.join('; ')}</span>
      </span>
    );
  }
  return (
    <span data-layer-status="verified" title={verifiedTitle(state.result!)} className="shrink-0 text-xs text-teal-700 dark:text-teal-300">
      ✓<span className="sr-only"> verified</span>
    </span>
  );
}

/** The whole image: one bar over every layer's compressed bytes, and how many layers are done. */
export function OverallProgress({ layers, states }: { layers: readonly LayerInfo[]; states: readonly LayerState[] }) {
  // Re-render on progress ticks: the overall bar sums the per-layer bytes.
  useSyncExternalStore(layerProgress.subscribe, () => layers.reduce((s, l) => s + (layerProgress.get(l.descriptor.digest)?.bytesRead ?? 0), 0));
  const total = layers.reduce((s, l) => s + l.descriptor.size, 0);
  const done = states.filter((s) => s.status !== 'pending').length;
  const read = layers.reduce(
    (sum, layer, i) =>
      sum +
      (states[i]?.status !== 'pending' ? layer.descriptor.size : Math.min(layer.descriptor.size, layerProgress.get(layer.descriptor.digest)?.bytesRead ?? 0)),
    0,
  );
  const failed = states.filter(
    (s) => s.status === 'error' || s.result?.fetchError || s.result?.analysis?.error || (s.result?.analysis && !isLayerVerified(s.result.analysis)),
  ).length;
  const complete = done === layers.length;
  return (
    <div className="flex min-w-0 items-center gap-2">
      <ProgressBar value={complete ? total : read} max={total} label="Overall analysis progress" className="h-1.5 w-24 shrink-0" />
      <p role="status" aria-live="polite" className="text-xs whitespace-nowrap text-slate-600 dark:text-slate-400">
        {complete ? 'Analysis complete' : `Analysing layers: ${done} of ${layers.length} done`}
      </p>
      {failed > 0 && (
        <p className="text-xs font-medium whitespace-nowrap text-red-700 dark:text-red-300">
          {failed} layer{failed === 1 ? '' : 's'} with problems
        </p>
      )}
    </div>
  );
}
