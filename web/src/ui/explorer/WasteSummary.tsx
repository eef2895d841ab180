import { useMemo, useState } from 'react';
import type { DiveInefficiency, ImageFilesystem, LargestFile, ReclaimableItem } from '../../core/fs';
import { formatBytes, formatEfficiency } from '../format';
import { SortableTable, type Column } from './SortableTable';

/** Where to go when a row is clicked: a layer, a tree mode and a path to reveal. */
export interface Jump {
  layer: number;
  mode: 'layer' | 'aggregate';
  node: number;
}

/** The tables take the rest of the view when the workspace fills the window; otherwise the page scrolls past them. */
const TABLE_HEIGHT = 'max-h-[60vh] tall:max-h-none tall:min-h-0 tall:flex-1';

const REASON_WORDS = { overwritten: 'overwritten', deleted: 'deleted', 'hidden-by-opaque': 'hidden by an opaque directory' } as const;

function Figure({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId: string }) {
  return (
    <div className="min-w-36">
      <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId} title={hint}>
        {value}
      </dd>
    </div>
  );
}

/**
 * The image's size and waste: dive's numbers (so they can be compared with dive's output) and
 * Lading's reclaimable bytes, with the tables that explain them.
 */
export function WasteSummary({
  fs,
  compressedBytes,
  selectedLayer,
  onJump,
}: {
  fs: ImageFilesystem;
  compressedBytes: number;
  selectedLayer: number;
  onJump: (jump: Jump) => void;
}) {
  const dive = fs.dive();
  const reclaimable = fs.reclaimable();
  const last = fs.layerCount - 1;
  const [tab, setTab] = useState<'inefficient' | 'largest' | 'reclaimable'>('inefficient');
  const [largestScope, setLargestScope] = useState<'image' | 'layer'>('image');
  const largest = useMemo(() => (largestScope === 'image' ? fs.largest(100) : fs.largest(100, selectedLayer)), [fs, largestScope, selectedLayer]);
  const reclaimItems = useMemo(() => fs.reclaimableItems({ limit: 200 }), [fs]);

  const inefficientColumns: Column<DiveInefficiency>[] = [
    { key: 'count', header: 'Count', align: 'right', sortValue: (r) => r.count, render: (r) => r.count },
    { key: 'size', header: 'Total size', align: 'right', sortValue: (r) => r.sizeBytes, render: (r) => formatBytes(r.sizeBytes) },
    { key: 'path', header: 'Path', sortValue: (r) => r.path, render: (r) => <span className="font-mono break-all">{r.path}</span> },
    { key: 'layers', header: 'Layers', render: (r) => r.layers.join(', ') },
  ];
  const largestColumns: Column<LargestFile>[] = [
    { key: 'size', header: 'Size', align: 'right', sortValue: (r) => r.size, render: (r) => formatBytes(r.size) },
    { key: 'path', header: 'Path', sortValue: (r) => r.path, render: (r) => <span className="font-mono break-all">{r.path}</span> },
    { key: 'layer', header: 'Layer', align: 'right', sortValue: (r) => r.layer, render: (r) => r.layer },
    { key: 'visible', header: 'In final image', sortValue: (r) => (r.visible ? 1 : 0), render: (r) => (r.visible ? 'yes' : 'no (dead weight)') },
  ];
  const reclaimColumns: Column<ReclaimableItem>[] = [
    { key: 'bytes', header: 'Size', align: 'right', sortValue: (r) => r.bytes, render: (r) => formatBytes(r.bytes) },
    { key: 'path', header: 'Path', sortValue: (r) => r.path, render: (r) => <span className="font-mono break-all">{r.path}</span> },
    { key: 'layer', header: 'In layer', align: 'right', sortValue: (r) => r.layer, render: (r) => r.layer },
    {
      key: 'why',
      header: 'Why it is dead weight',
      sortValue: (r) => r.reason,
      render: (r) => (
        <span>
          {REASON_WORDS[r.reason]} in layer {r.byLayer}
          {r.byCommand ? (
            <>
              {' '}
              (<code className="font-mono">{r.byCommand.length > 80 ? `${r.byCommand.slice(0, 80)}…` : r.byCommand}</code>)
            </>
          ) : null}
        </span>
      ),
    },
  ];

  const tabs = [
    ['inefficient', `Inefficient files (${dive.inefficiencies.length})`],
    ['largest', 'Largest files'],
    ['reclaimable', `Reclaimable (${reclaimable.entries.length})`],
  ] as const;

  return (
    <section
      aria-labelledby="summary-title"
      className="flex flex-col rounded-lg border border-slate-200 bg-white tall:h-full tall:min-h-0 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="px-4 pt-4">
        <h2 id="summary-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          Image size and waste
        </h2>
        <dl className="mt-2 flex flex-wrap gap-x-8 gap-y-2">
          <Figure label="Compressed" value={formatBytes(compressedBytes)} testId="summary-compressed" />
          <Figure label="Uncompressed" value={formatBytes(dive.sizeBytes)} testId="summary-uncompressed" hint={`${dive.sizeBytes} bytes`} />
          <Figure label="Efficiency (dive)" value={formatEfficiency(dive.efficiency)} testId="summary-efficiency" hint={String(dive.efficiency)} />
          <Figure label="Wasted bytes (dive)" value={formatBytes(dive.wastedBytes)} testId="summary-wasted" hint={`${dive.wastedBytes} bytes`} />
          <Figure label="User wasted (dive)" value={`${(dive.wastedUserPercent * 100).toFixed(2)} %`} testId="summary-user-wasted" />
          <Figure
            label="Reclaimable (Lading)"
            value={formatBytes(reclaimable.totalBytes)}
            testId="summary-reclaimable"
            hint={`${reclaimable.totalBytes} bytes`}
          />
        </dl>
        <p className="mt-2 max-w-4xl text-xs text-slate-600 dark:text-slate-400">
          <strong>Wasted bytes</strong> is dive&apos;s figure: every copy of a path that appears in two or more layers, including the copy the final image
          keeps. <strong>Reclaimable</strong> counts only bytes in lower layers that the final image can no longer see (overwritten, deleted or hidden by an
          opaque directory): what squashing or reordering the Dockerfile could actually save.
        </p>
      </div>
      <div className="mt-3 flex flex-wrap items-end gap-x-4 border-b border-slate-200 px-3 dark:border-slate-800">
        <div role="tablist" aria-label="Waste tables" className="flex gap-1">
          {tabs.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`waste-tab-${id}`}
              aria-selected={tab === id}
              aria-controls={`waste-panel-${id}`}
              onClick={() => setTab(id)}
              className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${tab === id ? 'border-teal-700 font-medium text-teal-800 dark:text-teal-300' : 'border-transparent text-slate-600 dark:text-slate-400 hover:text-slate-800 dark:hover:text-slate-200'}`}
            >
              {label}
            </button>
          ))}
        </div>
        <p className="ml-auto pb-1.5 text-xs text-slate-600 dark:text-slate-400">Click a row (or press Enter on it) to open its path in the explorer.</p>
      </div>
      <div role="tabpanel" id={`waste-panel-${tab}`} aria-labelledby={`waste-tab-${tab}`} className="flex flex-col tall:min-h-0 tall:flex-1">
        {tab === 'inefficient' && (
          <SortableTable
            label="Inefficient files"
            rows={dive.inefficiencies}
            columns={inefficientColumns}
            initialSort={{ key: 'size', descending: true }}
            rowKey={(r) => r.path}
            onActivate={(r) => onJump({ layer: r.layers[r.layers.length - 1] ?? last, mode: 'layer', node: r.node })}
            empty="No path appears in more than one layer: dive finds nothing to waste."
            className={TABLE_HEIGHT}
          />
        )}
        {tab === 'largest' && (
          <div role="radiogroup" aria-label="Largest files of" className="flex gap-3 px-3 pt-2 text-xs">
            <label className="flex items-center gap-1">
              <input type="radio" name="largest-scope" checked={largestScope === 'image'} onChange={() => setLargestScope('image')} />
              the final image
            </label>
            <label className="flex items-center gap-1">
              <input type="radio" name="largest-scope" checked={largestScope === 'layer'} onChange={() => setLargestScope('layer')} />
              layer {selectedLayer} alone
            </label>
          </div>
        )}
        {tab === 'largest' && (
          <SortableTable
            label="Largest files"
            rows={largest}
            columns={largestColumns}
            initialSort={{ key: 'size', descending: true }}
            rowKey={(r) => String(r.entry)}
            onActivate={(r) =>
              onJump(largestScope === 'image' ? { layer: last, mode: 'aggregate', node: r.node } : { layer: r.layer, mode: 'layer', node: r.node })
            }
            empty={largestScope === 'image' ? 'The image has no files.' : `Layer ${selectedLayer} adds no files.`}
            className={TABLE_HEIGHT}
          />
        )}
        {tab === 'reclaimable' && (
          <SortableTable
            label="Reclaimable files"
            rows={reclaimItems}
            columns={reclaimColumns}
            initialSort={{ key: 'bytes', descending: true }}
            rowKey={(r) => String(r.entry)}
            onActivate={(r) => onJump({ layer: r.byLayer, mode: 'layer', node: r.byNode })}
            empty="Nothing is reclaimable: every byte in every layer is visible in the final image."
            className={TABLE_HEIGHT}
          />
        )}
      </div>
    </section>
  );
}
