import { useMemo, useState, type KeyboardEvent } from 'react';
import { REASONS, type ImageFilesystem, type ReclaimReason } from '../../core/fs';
import { dockerfileLine, type LayerInfo } from '../../core/image';
import { formatBytes } from '../format';
import { CHART } from './palette';
import { useElementWidth } from './useElementWidth';

interface LayerSizeChartProps {
  fs: ImageFilesystem;
  layers: readonly LayerInfo[];
  /** Uncompressed tar bytes per layer, where the analysis knows them (shown on hover). */
  tarSizes: readonly (number | undefined)[];
  selected: number;
  onSelect: (layer: number) => void;
}

export interface LayerBar {
  readonly layer: number;
  readonly compressed: number;
  /** dive's layer size: the bytes of the files in the layer. */
  readonly uncompressed: number;
  readonly tar: number | undefined;
  readonly reclaimable: number;
  readonly byReason: Readonly<Record<ReclaimReason, number>>;
}

const HEIGHT = 190;
const MARGIN = { top: 10, right: 8, bottom: 22, left: 60 };
const REASON_WORDS: Record<ReclaimReason, string> = { overwritten: 'overwritten', deleted: 'deleted', 'hidden-by-opaque': 'hidden by an opaque directory' };

/** Per layer: compressed, uncompressed and reclaimable bytes (the latter by reason). */
export function layerBars(fs: ImageFilesystem, layers: readonly LayerInfo[], tarSizes: readonly (number | undefined)[]): LayerBar[] {
  const dive = fs.dive();
  const { byLayer, byLayerAndReason } = fs.reclaimable();
  return layers.map((l, k) => ({
    layer: k,
    compressed: l.descriptor.size,
    uncompressed: dive.layerSizes[k] ?? 0,
    tar: tarSizes[k],
    reclaimable: byLayer[k] ?? 0,
    byReason: Object.fromEntries(REASONS.map((r, i) => [r, byLayerAndReason[k * REASONS.length + i] ?? 0])) as Record<ReclaimReason, number>,
  }));
}

/** Round tick steps (1, 2, 5 × 10ⁿ) up to `max`. */
export function ticks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) out.push(v);
  return out;
}

function describe(bar: LayerBar, layers: readonly LayerInfo[]): string {
  const parts = [`Layer ${bar.layer}`, `${formatBytes(bar.compressed)} compressed`, `${formatBytes(bar.uncompressed)} uncompressed`];
  if (bar.reclaimable > 0) {
    const why = REASONS.filter((r) => bar.byReason[r] > 0).map((r) => `${formatBytes(bar.byReason[r])} ${REASON_WORDS[r]}`);
    parts.push(`${formatBytes(bar.reclaimable)} reclaimable (${why.join(', ')})`);
  } else parts.push('nothing reclaimable');
  const cmd = dockerfileLine(layers[bar.layer]?.history?.created_by);
  return `${parts.join(', ')}${cmd ? `. ${cmd.length > 120 ? `${cmd.slice(0, 119)}…` : cmd}` : ''}`;
}

/**
 * Compressed and uncompressed bytes per layer, side by side, with the part of each layer that
 * the final image cannot see (reclaimable) marked by reason. A bar group is a radio: click it,
 * or focus the chart and use the arrow keys, to select the layer in the explorer.
 */
export function LayerSizeChart({ fs, layers, tarSizes, selected, onSelect }: LayerSizeChartProps) {
  const bars = useMemo(() => layerBars(fs, layers, tarSizes), [fs, layers, tarSizes]);
  const [box, width] = useElementWidth<HTMLDivElement>();
  const [active, setActive] = useState<number | undefined>();
  const max = Math.max(1, ...bars.map((b) => Math.max(b.compressed, b.uncompressed)));
  const axis = ticks(max);
  const top = Math.max(max, axis[axis.length - 1] ?? max);
  const innerW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const band = bars.length > 0 ? innerW / bars.length : 0;
  const barW = Math.max(2, Math.min(30, band * 0.34));
  const y = (v: number) => MARGIN.top + innerH - (v / top) * innerH;
  /** Bar height, at least 2 px for any nonzero value so small layers stay visible. */
  const h = (v: number) => (v > 0 ? Math.max(2, (v / top) * innerH) : 0);
  const labelEvery = Math.max(1, Math.ceil(22 / Math.max(1, band)));

  const move = (event: KeyboardEvent, k: number) => {
    let next = k;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = Math.min(bars.length - 1, k + 1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = Math.max(0, k - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = bars.length - 1;
    else if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    onSelect(next);
    setActive(next);
    (event.currentTarget.parentElement?.querySelector(`[data-layer="${next}"]`) as SVGGElement | null)?.focus();
  };

  const shown = active !== undefined ? bars[active] : undefined;
  const totalReclaimable = bars.reduce((s, b) => s + b.reclaimable, 0);

  return (
    <section aria-labelledby="layer-chart-title" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
        <h2 id="layer-chart-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          Layer sizes
        </h2>
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Download size and file bytes of each layer
          {totalReclaimable > 0 ? `; ${formatBytes(totalReclaimable)} in all is reclaimable (no longer visible in the final image)` : ''}. Click a layer to
          explore it.
        </p>
      </div>
      <div className="px-3 pt-2 pb-3">
        <div ref={box} className="relative" style={{ height: HEIGHT }} data-testid="layer-chart">
          {width > 0 && (
            <svg
              width={width}
              height={HEIGHT}
              viewBox={`0 0 ${width} ${HEIGHT}`}
              className="block"
              role="radiogroup"
              aria-label="Layer sizes"
              onMouseLeave={() => setActive(undefined)}
            >
              <g aria-hidden="true">
                {axis.map((v) => (
                  <g key={v}>
                    <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(v)} y2={y(v)} className="stroke-slate-200 dark:stroke-slate-700" strokeWidth={1} />
                    <text x={MARGIN.left - 6} y={y(v) + 4} textAnchor="end" className="fill-slate-600 text-[11px] tabular-nums dark:fill-slate-400">
                      {formatBytes(v)}
                    </text>
                  </g>
                ))}
              </g>
              {bars.map((b) => {
                const x0 = MARGIN.left + b.layer * band;
                const cx = x0 + band / 2;
                const isSelected = b.layer === selected;
                const uh = h(b.uncompressed);
                const segments = REASONS.filter((r) => b.byReason[r] > 0).map((r) => ({ reason: r, height: h(b.byReason[r]) }));
                const segTotal = segments.reduce((s, seg) => s + seg.height, 0);
                const ux = cx + 1;
                const base = MARGIN.top + innerH;
                let stack = base;
                return (
                  <g
                    key={b.layer}
                    data-layer={b.layer}
                    role="radio"
                    aria-checked={isSelected}
                    aria-label={describe(b, layers)}
                    tabIndex={isSelected ? 0 : -1}
                    onClick={() => onSelect(b.layer)}
                    onMouseEnter={() => setActive(b.layer)}
                    onFocus={() => setActive(b.layer)}
                    onBlur={() => setActive(undefined)}
                    onKeyDown={(e) => move(e, b.layer)}
                    className="cursor-pointer outline-none [&:focus-visible>rect:first-child]:stroke-teal-600 [&:focus-visible>rect:first-child]:stroke-2"
                  >
                    <rect
                      x={x0 + 1}
                      y={MARGIN.top}
                      width={Math.max(0, band - 2)}
                      height={innerH + MARGIN.bottom - 2}
                      rx={3}
                      className={
                        isSelected ? 'fill-teal-50 dark:fill-teal-950/70' : active === b.layer ? 'fill-slate-100 dark:fill-slate-800' : 'fill-transparent'
                      }
                    />
                    <rect
                      x={cx - 1 - barW}
                      y={base - h(b.compressed)}
                      width={barW}
                      height={h(b.compressed)}
                      className={CHART.compressed.fill}
                      data-series="compressed"
                    />
                    <rect
                      x={ux}
                      y={base - Math.max(uh, segTotal)}
                      width={barW}
                      height={Math.max(uh, segTotal)}
                      className={CHART.uncompressed.fill}
                      data-series="uncompressed"
                    />
                    {segments.map((seg) => {
                      stack -= seg.height;
                      return (
                        <rect
                          key={seg.reason}
                          x={ux}
                          y={stack}
                          width={barW}
                          height={seg.height}
                          className={CHART[seg.reason].fill}
                          data-series="reclaimable"
                          data-reason={seg.reason}
                        />
                      );
                    })}
                    {(b.layer % labelEvery === 0 || isSelected) && (
                      <text
                        x={cx}
                        y={HEIGHT - 6}
                        textAnchor="middle"
                        className={`text-[11px] tabular-nums ${isSelected ? 'fill-teal-800 font-semibold dark:fill-teal-300' : 'fill-slate-600 dark:fill-slate-400'}`}
                      >
                        {b.layer}
                      </text>
                    )}
                  </g>
                );
              })}
            </svg>
          )}
          {shown && width > 0 && (
            <ChartTooltip
              bar={shown}
              layers={layers}
              left={MARGIN.left + (shown.layer + 1) * band + 288 <= width ? MARGIN.left + (shown.layer + 1) * band + 4 : MARGIN.left + shown.layer * band - 284}
              top={MARGIN.top}
            />
          )}
        </div>
        <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Legend">
          {(['compressed', 'uncompressed', ...REASONS] as const).map((key) => (
            <li key={key} className="flex items-center gap-1.5">
              <span aria-hidden="true" className={`h-3 w-3 rounded-sm ${CHART[key].swatch}`} />
              {CHART[key].label}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

function ChartTooltip({ bar, layers, left, top }: { bar: LayerBar; layers: readonly LayerInfo[]; left: number; top: number }) {
  const cmd = dockerfileLine(layers[bar.layer]?.history?.created_by);
  return (
    <div
      aria-hidden="true"
      data-testid="layer-chart-tooltip"
      className="pointer-events-none absolute z-10 w-[280px] rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-xs shadow-lg dark:border-slate-600 dark:bg-slate-800"
      style={{ left: Math.max(0, left), top }}
    >
      <div className="font-semibold">Layer {bar.layer}</div>
      {cmd && <code className="block truncate font-mono text-[11px] text-slate-600 dark:text-slate-400">{cmd}</code>}
      <dl className="mt-1 grid grid-cols-[1fr_max-content] gap-x-3 tabular-nums">
        <dt>Compressed</dt>
        <dd className="text-right">{formatBytes(bar.compressed)}</dd>
        <dt>File bytes</dt>
        <dd className="text-right">{formatBytes(bar.uncompressed)}</dd>
        {bar.tar !== undefined && (
          <>
            <dt className="text-slate-600 dark:text-slate-400">Tar stream</dt>
            <dd className="text-right text-slate-600 dark:text-slate-400">{formatBytes(bar.tar)}</dd>
          </>
        )}
        <dt>Reclaimable</dt>
        <dd className="text-right">{bar.reclaimable > 0 ? formatBytes(bar.reclaimable) : 'none'}</dd>
        {REASONS.filter((r) => bar.byReason[r] > 0).map((r) => (
          <div key={r} className="contents">
            <dt className="flex items-center gap-1 pl-2 text-slate-600 dark:text-slate-400">
              <span className={`h-2 w-2 rounded-sm ${CHART[r].swatch}`} />
              {REASON_WORDS[r]}
            </dt>
            <dd className="text-right text-slate-600 dark:text-slate-400">{formatBytes(bar.byReason[r])}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
