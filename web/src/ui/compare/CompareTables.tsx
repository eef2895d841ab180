/** The comparison's tables: totals with their differences, and the layers the two images share by digest. */
import type { CompareSummary, LayerComparison } from '../../core/compare';
import { shortDigest } from '../../core/digest';
import { dockerfileLine } from '../../core/image';
import { formatBytes } from '../format';
import { formatDelta } from './format';
import type { ComparedSide } from './useComparedImage';

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';
const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

export function uncompressed(side: ComparedSide): number | undefined {
  if (side.layers.length === 0 || side.results.some((r) => r?.analysis === undefined)) return undefined;
  return side.results.reduce((sum, r) => sum + (r?.analysis?.uncompressedBytes ?? 0), 0);
}

export function Totals({ a, b, layers, summary }: { a: ComparedSide; b: ComparedSide; layers: LayerComparison; summary: CompareSummary | undefined }) {
  const rows: { label: string; help: string; a: number | undefined; b: number | undefined; bytes: boolean; id: string }[] = [
    {
      id: 'compressed',
      label: 'Compressed layers',
      help: 'What a pull downloads: the stored layer blobs',
      a: layers.compressed.a,
      b: layers.compressed.b,
      bytes: true,
    },
    { id: 'uncompressed', label: 'Uncompressed layers', help: 'The layer tars, as unpacked', a: uncompressed(a), b: uncompressed(b), bytes: true },
    {
      id: 'files-bytes',
      label: 'Files in the final image',
      help: 'Bytes of the files a container sees (deleted and overwritten ones left out)',
      a: summary?.a.bytes,
      b: summary?.b.bytes,
      bytes: true,
    },
    { id: 'files', label: 'File count', help: 'Paths that are not directories', a: summary?.a.files, b: summary?.b.files, bytes: false },
    { id: 'directories', label: 'Directories', help: 'Directories in the final image', a: summary?.a.directories, b: summary?.b.directories, bytes: false },
  ];
  const show = (v: number | undefined, bytes: boolean) => (v === undefined ? '…' : bytes ? formatBytes(v) : v.toLocaleString('en'));
  return (
    <section aria-labelledby="totals-title" className={`${panel} p-4`}>
      <h2 id="totals-title" className={panelTitle}>
        Totals
      </h2>
      <table className="mt-2 w-full text-sm" aria-labelledby="totals-title">
        <thead>
          <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
            <th className="py-1 font-medium"> </th>
            <th className="py-1 text-right font-medium">Image</th>
            <th className="py-1 text-right font-medium">Compared with</th>
            <th className="py-1 text-right font-medium">Difference</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const delta = r.a !== undefined && r.b !== undefined ? r.b - r.a : undefined;
            return (
              <tr
                key={r.id}
                data-testid={`total-${r.id}`}
                data-a={r.a ?? ''}
                data-b={r.b ?? ''}
                data-delta={delta ?? ''}
                className="border-t border-slate-100 dark:border-slate-800"
              >
                <th scope="row" className="py-1.5 text-left font-normal" title={r.help}>
                  {r.label}
                </th>
                <td className="py-1.5 text-right tabular-nums">{show(r.a, r.bytes)}</td>
                <td className="py-1.5 text-right tabular-nums">{show(r.b, r.bytes)}</td>
                <td
                  className={`py-1.5 text-right font-medium tabular-nums ${delta === undefined || delta === 0 ? '' : delta > 0 ? 'text-red-700 dark:text-red-400' : 'text-emerald-700 dark:text-emerald-400'}`}
                >
                  {delta === undefined
                    ? '…'
                    : r.bytes
                      ? formatDelta(delta)
                      : `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${Math.abs(delta).toLocaleString('en')}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {summary && (
        <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="change-summary">
          <span className="text-emerald-700 dark:text-emerald-400">
            {summary.added.files.toLocaleString('en')} files added ({formatBytes(summary.added.bytes)})
          </span>
          ,{' '}
          <span className="text-red-700 dark:text-red-400">
            {summary.removed.files.toLocaleString('en')} removed ({formatBytes(summary.removed.bytes)})
          </span>
          ,{' '}
          <span className="text-amber-700 dark:text-amber-300">
            {summary.changed.files.toLocaleString('en')} changed ({formatDelta(summary.changed.delta)}
            {summary.changed.metadataOnly > 0 ? `; ${summary.changed.metadataOnly.toLocaleString('en')} with the same bytes, metadata only` : ''})
          </span>
          , {summary.unchanged.toLocaleString('en')} the same.
        </p>
      )}
    </section>
  );
}

export function SharedLayers({ a, b, layers }: { a: ComparedSide; b: ComparedSide; layers: LayerComparison }) {
  const command = (side: ComparedSide, i: number) => dockerfileLine(side.layers[i]?.history?.created_by);
  const positions = (list: readonly number[]) => list.map((i) => `layer ${i}`).join(', ');
  return (
    <section aria-labelledby="shared-title" className={`${panel} p-4`}>
      <h2 id="shared-title" className={panelTitle}>
        Layers shared by digest <span className="font-normal normal-case">({layers.shared.length})</span>
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        {layers.shared.length === 0
          ? 'None: every layer differs, so pulling one image after the other downloads everything again.'
          : `${formatBytes(layers.sharedBytes)} in common${layers.commonBase > 0 ? `, the first ${layers.commonBase === 1 ? 'layer' : `${layers.commonBase} layers`} as a common base` : ''}. ` +
            `${layers.onlyA.length} layer${layers.onlyA.length === 1 ? '' : 's'} only in the image, ${layers.onlyB.length} only in the one compared with.`}
      </p>
      {layers.shared.length > 0 && (
        <table className="mt-2 w-full text-sm" data-testid="shared-layers">
          <thead>
            <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
              <th className="py-1 font-medium">Digest</th>
              <th className="py-1 text-right font-medium">Size</th>
              <th className="py-1 pl-4 font-medium">In the image</th>
              <th className="py-1 pl-4 font-medium">In the one compared with</th>
            </tr>
          </thead>
          <tbody>
            {layers.shared.map((l) => (
              <tr
                key={l.digest}
                data-digest={l.digest}
                data-a={l.a.join(',')}
                data-b={l.b.join(',')}
                className="border-t border-slate-100 align-top dark:border-slate-800"
              >
                <td className="py-1.5 font-mono" title={l.digest}>
                  {shortDigest(l.digest)}
                </td>
                <td className="py-1.5 text-right tabular-nums">{formatBytes(l.size)}</td>
                <td className="py-1.5 pl-4">
                  {positions(l.a)}
                  <code className="block max-w-md truncate font-mono text-xs text-slate-600 dark:text-slate-400">{command(a, l.a[0]!)}</code>
                </td>
                <td className="py-1.5 pl-4">
                  {positions(l.b)}
                  <code className="block max-w-md truncate font-mono text-xs text-slate-600 dark:text-slate-400">{command(b, l.b[0]!)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
