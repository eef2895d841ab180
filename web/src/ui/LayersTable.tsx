import type { ReactNode } from 'react';
import { shortDigest } from '../core/digest';
import { dockerfileLine, type LayerInfo } from '../core/image';
import { describeMediaType } from '../core/mediaTypes';
import { formatBytes } from './format';
import { LayerStatus, type LayerState } from './LayerStatus';
import { TocStatus } from './TocStatus';
import type { TocReading } from '../queries/tocQueries';

export type { LayerState } from './LayerStatus';

const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

interface LayersTableProps {
  layers: readonly LayerInfo[];
  states: readonly LayerState[];
  /** Each layer's TOC reading (eStargz, zstd:chunked), when it was asked for one. */
  tocs?: readonly (TocReading | undefined)[] | undefined;
  selected?: number | undefined;
  /** Picking a layer here selects it in the explorer, and reads it first if it is still queued. */
  onSelect?: (layer: number) => void;
  /** Shown at the right of the table's title (the layer cache's control). */
  aside?: ReactNode;
}

export function LayersTable({ layers, states, tocs, selected, onSelect, aside }: LayersTableProps) {
  const total = layers.reduce((sum, l) => sum + l.descriptor.size, 0);
  const uncompressed = states.reduce((sum, s) => sum + (s.result?.analysis?.uncompressedBytes ?? 0), 0);
  const allDone = states.every((s) => s.status === 'success' && s.result?.analysis);
  return (
    <section aria-labelledby="layers-title" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-2 px-4 pt-4">
        <h2 id="layers-title" className={panelTitle}>
          Layers <span className="font-normal normal-case">({layers.length})</span>
        </h2>
        <p className="mr-auto text-sm text-slate-600 dark:text-slate-400">
          Compressed total <strong data-testid="layers-total">{formatBytes(total)}</strong>
          {allDone && (
            <>
              {' '}
              · uncompressed <strong data-testid="layers-uncompressed-total">{formatBytes(uncompressed)}</strong>
            </>
          )}
        </p>
        {aside}
      </div>
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
            {layers.map((layer, i) => (
              <LayerRow
                key={`${layer.index}-${layer.descriptor.digest}`}
                layer={layer}
                state={states[i] ?? { status: 'pending' }}
                toc={tocs?.[i]}
                selected={selected === layer.index}
                onSelect={onSelect}
              />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

interface LayerRowProps {
  layer: LayerInfo;
  state: LayerState;
  toc: TocReading | undefined;
  selected: boolean;
  onSelect?: ((layer: number) => void) | undefined;
}

/** One layer: a row of cells, each about one thing, so a note can join a cell without touching the others. */
function LayerRow({ layer, state, toc, selected, onSelect }: LayerRowProps) {
  const analysis = state.result?.analysis;
  return (
    <tr
      data-layer-index={layer.index}
      className={`border-b border-slate-100 align-top last:border-0 dark:border-slate-800/60 ${selected ? 'bg-teal-50/60 dark:bg-teal-950/30' : ''}`}
    >
      <td className="px-4 py-2 tabular-nums text-slate-600 dark:text-slate-400">
        {onSelect ? (
          <button
            type="button"
            onClick={() => onSelect(layer.index)}
            className="underline decoration-dotted hover:text-teal-700"
            aria-label={`Select layer ${layer.index}`}
            aria-pressed={selected}
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
        <TocStatus digest={layer.descriptor.digest} reading={toc} tar={state.status === 'pending' ? undefined : analysis?.index} />
      </td>
    </tr>
  );
}

function expectedCompression(mediaType: string): string {
  if (mediaType.endsWith('zstd')) return 'zstd';
  if (mediaType.endsWith('gzip')) return 'gzip';
  return 'none';
}
