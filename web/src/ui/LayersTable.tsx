import { shortDigest } from '../core/digest';
import { dockerfileLine, type LayerInfo } from '../core/image';
import { describeMediaType } from '../core/mediaTypes';
import { layerProgress, useLayerProgress } from '../queries/layerQueries';
import { isLayerVerified, type LayerJobResult } from '../queries/layerQueries';
import { useSyncExternalStore } from 'react';
import type { LayerWarning } from '../core/layers';
import { formatBytes } from './format';
import { TocStatus } from './TocStatus';
import type { TocReading } from '../queries/tocQueries';

const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-1.5 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
    >
      {/* scaleX, not width: no layout per tick. No transition either: at ten updates a second it
          would keep the compositor drawing 60 frames a second for the whole analysis. */}
      <div className="h-full origin-left bg-teal-600" style={{ transform: `scaleX(${pct / 100})` }} />
    </div>
  );
}

export type LayerState = { status: 'pending' | 'error' | 'success'; result?: LayerJobResult; error?: unknown };

/** How a gzip layer was inflated, for the verified badge's tooltip. */
const INFLATER_NOTE = {
  native: "inflated by the browser's DecompressionStream",
  pako: 'inflated by pako',
  'pako-after-native': "multi-member: the browser's inflater stopped at the first member, so it was read again with pako",
} as const;

function LayerStatus({ layer, state }: { layer: LayerInfo; state: LayerState }) {
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
        ✗ {state.error instanceof Error ? state.error.message : 'analysis failed'}
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
      <span
        data-layer-status="verified"
        data-inflater={analysis.inflater}
        className="text-xs text-teal-700 dark:text-teal-300"
        title={`digest and diff_id verified${result.fromCache ? ' (from cache)' : ''}${analysis.inflater ? ` · gzip ${INFLATER_NOTE[analysis.inflater]}` : ''}`}
      >
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

function OverallProgress({ layers, states }: { layers: readonly LayerInfo[]; states: readonly LayerState[] }) {
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
    <div className="flex items-center gap-3 px-4 pt-2">
      <div className="w-48">
        <ProgressBar value={complete ? total : read} max={total} label="Overall analysis progress" />
      </div>
      <p role="status" aria-live="polite" className="text-sm text-slate-600 dark:text-slate-400">
        {complete ? 'Analysis complete' : `Analysing layers: ${done} of ${layers.length} done`}
      </p>
      {failed > 0 && (
        <p className="text-sm text-red-700 dark:text-red-300">
          {failed} layer{failed === 1 ? '' : 's'} with problems
        </p>
      )}
    </div>
  );
}

interface LayersTableProps {
  layers: readonly LayerInfo[];
  states: readonly LayerState[];
  /** Each layer's TOC reading (eStargz, zstd:chunked), when it was asked for one. */
  tocs?: readonly (TocReading | undefined)[];
  selected?: number | undefined;
  /** Picking a layer here selects it in the explorer, and reads it first if it is still queued. */
  onSelect?: (layer: number) => void;
}

export function LayersTable({ layers, states, tocs, selected, onSelect }: LayersTableProps) {
  const total = layers.reduce((sum, l) => sum + l.descriptor.size, 0);
  const uncompressed = states.reduce((sum, s) => sum + (s.result?.analysis?.uncompressedBytes ?? 0), 0);
  const allDone = states.every((s) => s.status === 'success' && s.result?.analysis);
  return (
    <section aria-labelledby="layers-title" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline justify-between gap-2 px-4 pt-4">
        <h2 id="layers-title" className={panelTitle}>
          Layers <span className="font-normal normal-case">({layers.length})</span>
        </h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Compressed total <strong data-testid="layers-total">{formatBytes(total)}</strong>
          {allDone && (
            <>
              {' '}
              · uncompressed <strong data-testid="layers-uncompressed-total">{formatBytes(uncompressed)}</strong>
            </>
          )}
        </p>
      </div>
      <OverallProgress layers={layers} states={states} />
      <div className="mt-2 overflow-x-auto">
        <table aria-labelledby="layers-title" className="w-full text-left text-sm">
          <thead className="border-b border-slate-200 text-xs text-slate-600 dark:text-slate-400 dark:border-slate-800">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                #
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Command
              </th>
              <th scope="col" className="px-2 py-2 text-right font-medium">
                Size
              </th>
              <th scope="col" className="px-2 py-2 text-right font-medium">
                Uncompressed
              </th>
              <th scope="col" className="px-2 py-2 text-right font-medium">
                Entries
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Type
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Digest
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                diff_id
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Analysis
              </th>
            </tr>
          </thead>
          <tbody>
            {layers.map((layer, i) => {
              const state = states[i] ?? { status: 'pending' };
              const analysis = state.result?.analysis;
              return (
                <tr
                  key={`${layer.index}-${layer.descriptor.digest}`}
                  data-layer-index={layer.index}
                  className={`border-b border-slate-100 align-top last:border-0 dark:border-slate-800/60 ${selected === layer.index ? 'bg-teal-50/60 dark:bg-teal-950/30' : ''}`}
                >
                  <td className="px-4 py-2 tabular-nums text-slate-600 dark:text-slate-400">
                    {onSelect ? (
                      <button
                        type="button"
                        onClick={() => onSelect(layer.index)}
                        className="underline decoration-dotted hover:text-teal-700"
                        aria-label={`Select layer ${layer.index}`}
                        aria-pressed={selected === layer.index}
                      >
                        {layer.index}
                      </button>
                    ) : (
                      layer.index
                    )}
                  </td>
                  <td className="max-w-sm px-2 py-2">
                    <code className="line-clamp-2 font-mono text-xs break-all" title={layer.history?.created_by}>
                      {dockerfileLine(layer.history?.created_by) || <span className="text-slate-500 dark:text-slate-400">no history</span>}
                    </code>
                  </td>
                  <td className="px-2 py-2 text-right tabular-nums whitespace-nowrap" title={`${layer.descriptor.size} bytes`}>
                    {formatBytes(layer.descriptor.size)}
                  </td>
                  <td className="px-2 py-2 text-right tabular-nums whitespace-nowrap" title={analysis ? `${analysis.uncompressedBytes} bytes` : undefined}>
                    {analysis ? formatBytes(analysis.uncompressedBytes) : '…'}
                  </td>
                  <td className="px-2 py-2 text-right tabular-nums">{analysis ? analysis.index.count.toLocaleString('en') : '…'}</td>
                  <td className="px-2 py-2 text-xs whitespace-nowrap" title={layer.descriptor.mediaType}>
                    {describeMediaType(layer.descriptor.mediaType)}
                    {analysis && analysis.compression !== expectedCompression(layer.descriptor.mediaType) && (
                      <span className="block text-amber-700 dark:text-amber-300">actually {analysis.compression}</span>
                    )}
                  </td>
                  <td className="px-2 py-2">
                    <code className="font-mono text-xs" title={layer.descriptor.digest} data-digest={layer.descriptor.digest}>
                      {shortDigest(layer.descriptor.digest)}
                    </code>
                  </td>
                  <td className="px-2 py-2">
                    <code className="font-mono text-xs" title={layer.diffId}>
                      {layer.diffId ? shortDigest(layer.diffId) : '—'}
                    </code>
                  </td>
                  <td className="px-4 py-2">
                    <LayerStatus layer={layer} state={state} />
                    <TocStatus digest={layer.descriptor.digest} reading={tocs?.[i]} tar={state.status === 'pending' ? undefined : analysis?.index} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function expectedCompression(mediaType: string): string {
  if (mediaType.endsWith('zstd')) return 'zstd';
  if (mediaType.endsWith('gzip')) return 'gzip';
  return 'none';
}
