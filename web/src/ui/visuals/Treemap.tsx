import { useMemo, useState, type MouseEvent, type ReactNode } from 'react';
import type { ImageFilesystem, ViewMode } from '../../core/fs';
import { dockerfileLine, type LayerInfo } from '../../core/image';
import type { Jump } from '../explorer/WasteSummary';
import { formatBytes } from '../format';
import type { PackageReport } from '../../queries/packageQueries';
import { packageLabel } from '../packages/packageFilter';
import { useDisplaySettings } from '../theme';
import { PackageLegend, packageSlot, packageSlots } from './packageColours';
import { layerFill, layerSwatch, OTHER_TEXT, TILE_TEXT } from './palette';
import { breadcrumb, canZoom, treemapFor, type TreemapNode } from './treemapData';
import { fitLabel, HEADER, layoutTreemap, type Tile } from './treemapLayout';
import { useElementWidth } from './useElementWidth';

interface TreemapProps {
  fs: ImageFilesystem;
  layers: readonly LayerInfo[];
  /** The explorer's layer and mode: the treemap shows the same view as the file tree. */
  layer: number;
  mode: ViewMode;
  /** The path selected in the file tree, outlined when it has a tile. */
  selectedNode: number | undefined;
  /** Select a file in the explorer (its layer, mode and tree). */
  onJump: (jump: Jump) => void;
  /** Shown at the right of the title (the tree mode, in the workspace's treemap view). */
  controls?: ReactNode;
  /** Who owns each file: offers colouring the tiles by package. */
  packages?: PackageReport | undefined;
}

const LIST_LIMIT = 10;
const SWATCH = 'h-3 w-3 shrink-0 rounded-sm ring-1 ring-slate-900/20 dark:ring-white/25';
const TOOLTIP_WIDTH = 288;
/** About the tallest tooltip: it goes above the pointer when it would not fit below. */
const TOOLTIP_HEIGHT = 120;

function percent(part: number, whole: number): string {
  if (whole <= 0) return '';
  const p = (part / whole) * 100;
  return p < 0.1 ? '<0.1 %' : `${p.toFixed(p >= 10 ? 0 : 1)} %`;
}

function command(layers: readonly LayerInfo[], k: number): string {
  const line = dockerfileLine(layers[k]?.history?.created_by);
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

/** What the treemap shows, in words, from the explorer's layer and mode. */
export function viewTitle(fs: ImageFilesystem, layer: number, mode: ViewMode): string {
  if (mode === 'layer') return `What layer ${layer} adds and changes`;
  return layer === fs.layerCount - 1 ? 'The final filesystem' : `The filesystem as of layer ${layer} (layers 0–${layer})`;
}

/**
 * The filesystem by size as nested rectangles (squarified), coloured by the layer that wrote
 * each file. Follows the explorer's layer and mode; click a directory to zoom in, a file to
 * select it in the tree. The breadcrumb and the list of largest entries are the keyboard and
 * screen-reader way through the same data.
 */
export function Treemap({ fs, layers, layer, mode, selectedNode, onJump, controls, packages }: TreemapProps) {
  const [wantedZoom, setZoom] = useState(0);
  const [colourBy, setColourBy] = useState<'layer' | 'package'>('layer');
  // A report of this model (its entry ids), once it is built.
  const report = packages && packages.entryOwner.length === fs.data.entryNode.length ? packages : undefined;
  const group = colourBy === 'package' && report ? report.entryOwner : undefined;
  // A zoom root that has no bytes in this view (another layer or mode) falls back to "/".
  const zoom = canZoom(fs, layer, mode, wantedZoom) ? wantedZoom : 0;
  const tree = useMemo(() => treemapFor(fs, layer, mode, zoom, group), [fs, layer, mode, zoom, group]);
  const slots = useMemo(() => (group ? packageSlots(tree.root) : undefined), [group, tree]);
  const colourOf = (t: TreemapNode): number => (slots ? packageSlot(slots, t.group) : t.layer);
  const [box, width] = useElementWidth<HTMLDivElement>();
  const height = Math.round(Math.min(440, Math.max(260, width * 0.42)));
  const textScale = useTextScale();
  const tiles = useMemo(() => layoutTreemap(tree, width, height, textScale), [tree, width, height, textScale]);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | undefined>();

  const total = tree.root.size;
  const crumbs = breadcrumb(fs, zoom);
  const largest = (tree.root.children ?? []).slice(0, LIST_LIMIT);
  const title = viewTitle(fs, layer, mode);
  const where = fs.path(zoom);

  const activate = (t: TreemapNode) => {
    if (t.kind === 'file') onJump({ layer, mode, node: t.node });
    else if (t.node !== zoom && canZoom(fs, layer, mode, t.node)) {
      setZoom(t.node);
      setHover(undefined);
    }
  };

  const tileAt = (event: MouseEvent): number | undefined => {
    const el = (event.target as Element).closest('[data-tile]');
    return el ? Number(el.getAttribute('data-tile')) : undefined;
  };
  const onMove = (event: MouseEvent<SVGSVGElement>) => {
    const index = tileAt(event);
    if (index === undefined) return setHover(undefined);
    const r = event.currentTarget.getBoundingClientRect();
    setHover({ index, x: event.clientX - r.left, y: event.clientY - r.top });
  };
  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const index = tileAt(event);
    const t = index === undefined ? undefined : tiles[index];
    if (t) activate(t.data);
  };

  // The rectangles change only with the layout, not with hover: React reuses this element.
  const drawn = useMemo(
    () =>
      tiles.map((t, i) => <TileShape key={i} index={i} tile={t} scale={textScale} fill={layerFill(slots ? packageSlot(slots, t.data.group) : t.data.layer)} />),
    [tiles, textScale, slots],
  );

  const summary =
    total > 0
      ? `Treemap of ${title.toLowerCase()}, under ${where}: ${formatBytes(total)}. Largest: ${largest
          .slice(0, 5)
          .map((c) => `${c.name} ${formatBytes(c.size)} (${percent(c.size, total)})`)
          .join(', ')}.`
      : `Treemap of ${title.toLowerCase()}: nothing to draw.`;

  const hovered = hover ? tiles[hover.index] : undefined;
  const selectedTile = selectedNode === undefined ? undefined : tiles.find((t) => t.data.kind !== 'other' && t.data.node === selectedNode);

  return (
    <section aria-labelledby="treemap-title" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
        <h2 id="treemap-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          Treemap
        </h2>
        <p className="text-sm" data-testid="treemap-view">
          {title}
          <span className="text-slate-600 dark:text-slate-400"> · area is size · pick a layer in the chart below</span>
        </p>
        <div className="ml-auto flex flex-wrap items-center gap-3">
          {report && (
            <label className="flex items-center gap-1 text-xs">
              Colour by
              <select
                value={colourBy}
                onChange={(e) => setColourBy(e.target.value as 'layer' | 'package')}
                className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-700 dark:bg-slate-950"
              >
                <option value="layer">layer</option>
                <option value="package">package</option>
              </select>
            </label>
          )}
          {controls}
        </div>
      </div>
      <div className="grid grid-cols-[minmax(0,1fr)_15rem] gap-3 p-3">
        <div className="min-w-0">
          <nav aria-label="Treemap location" className="mb-2 flex flex-wrap items-center gap-1 font-mono text-xs">
            {crumbs.map((n, i) => {
              const label = n === 0 ? '/' : fs.path(n).slice(fs.path(n).lastIndexOf('/') + 1);
              const current = i === crumbs.length - 1;
              return (
                <span key={n} className="flex items-center gap-1">
                  {i > 1 && (
                    <span aria-hidden="true" className="text-slate-500 dark:text-slate-400">
                      /
                    </span>
                  )}
                  {current ? (
                    <span aria-current="location" className="rounded bg-slate-100 px-1.5 py-0.5 font-semibold dark:bg-slate-800">
                      {label}
                    </span>
                  ) : (
                    <button
                      type="button"
                      onClick={() => setZoom(n)}
                      aria-label={n === 0 ? 'Zoom out to /' : `Zoom out to ${fs.path(n)}`}
                      className="rounded px-2 py-0.5 text-teal-800 underline decoration-dotted underline-offset-2 hover:bg-slate-100 dark:text-teal-300 dark:hover:bg-slate-800"
                    >
                      {label}
                    </button>
                  )}
                </span>
              );
            })}
            <span className="ml-2 font-sans text-slate-600 dark:text-slate-400">{total > 0 ? formatBytes(total) : ''}</span>
          </nav>
          <div ref={box} className="relative" style={{ height }} data-testid="treemap" data-zoom={where} onMouseLeave={() => setHover(undefined)}>
            {tiles.length > 0 ? (
              <svg
                role="img"
                aria-label={summary}
                width={width}
                height={height}
                viewBox={`0 0 ${width} ${height}`}
                className="block cursor-pointer select-none"
                onMouseMove={onMove}
                onClick={onClick}
              >
                {drawn}
                {selectedTile && (
                  <rect
                    x={selectedTile.x + 1}
                    y={selectedTile.y + 1}
                    width={Math.max(0, selectedTile.w - 2)}
                    height={Math.max(0, selectedTile.h - 2)}
                    className="pointer-events-none fill-none stroke-teal-700 dark:stroke-teal-300"
                    strokeWidth={2}
                    strokeDasharray="5 3"
                  />
                )}
                {hovered && (
                  <rect
                    x={hovered.x + 0.5}
                    y={hovered.y + 0.5}
                    width={Math.max(0, hovered.w - 1)}
                    height={Math.max(0, hovered.h - 1)}
                    className="pointer-events-none fill-none stroke-slate-900 dark:stroke-white"
                    strokeWidth={2}
                  />
                )}
              </svg>
            ) : (
              <EmptyState fs={fs} layer={layer} mode={mode} measuring={width === 0} />
            )}
            {hovered && hover && (
              <Tooltip
                left={hover.x + 14 + TOOLTIP_WIDTH > width ? Math.max(0, hover.x - 14 - TOOLTIP_WIDTH) : hover.x + 14}
                top={hover.y + 14 + TOOLTIP_HEIGHT > height ? hover.y - 14 - TOOLTIP_HEIGHT : hover.y + 14}
              >
                <TileDetails tile={hovered.data} total={total} layers={layers} owner={slots && report ? ownerWords(report, hovered.data) : undefined} />
              </Tooltip>
            )}
          </div>
        </div>
        <div className="flex min-w-0 flex-col gap-3 text-xs">
          <div>
            <h3 id="treemap-largest-title" className="font-semibold text-slate-700 dark:text-slate-300">
              Largest in {where}
            </h3>
            {largest.length === 0 ? (
              <p className="mt-1 text-slate-600 dark:text-slate-400">Nothing here.</p>
            ) : (
              <ul aria-labelledby="treemap-largest-title" className="mt-1 flex flex-col">
                {largest.map((c) => (
                  <li key={`${c.kind}-${c.node}`}>
                    <button
                      type="button"
                      onClick={() => activate(c)}
                      disabled={c.kind === 'other'}
                      title={
                        c.kind === 'dir'
                          ? `Zoom into ${c.path}`
                          : c.kind === 'file'
                            ? `Select ${c.path} in the file tree`
                            : `${c.count} entries too small to draw`
                      }
                      className="flex w-full items-center gap-2 rounded px-1 py-0.5 text-left hover:bg-slate-100 disabled:cursor-default disabled:hover:bg-transparent dark:hover:bg-slate-800 dark:disabled:hover:bg-transparent"
                    >
                      <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(colourOf(c))}`} />
                      <span className="min-w-0 flex-1 truncate font-mono">
                        {c.name}
                        {c.kind === 'dir' ? '/' : ''}
                      </span>
                      <span className="shrink-0 tabular-nums">{formatBytes(c.size)}</span>
                      <span className="w-12 shrink-0 text-right tabular-nums text-slate-600 dark:text-slate-400">{percent(c.size, total)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <p className="mt-1 text-slate-600 dark:text-slate-400">Directories zoom in; files are selected in the tree.</p>
          </div>
          {slots && report ? <PackageLegend report={report} slots={slots} /> : <LayerLegend layers={layers} shown={tree.layersShown} />}
        </div>
      </div>
    </section>
  );
}

/**
 * The page's text size relative to 16 px: SVG labels are drawn in user units, so they follow
 * large-text mode (and the browser's own default size) only when told.
 */
function useTextScale(): number {
  const { large } = useDisplaySettings();
  return useMemo(() => {
    const px = parseFloat(getComputedStyle(document.documentElement).fontSize);
    return Number.isFinite(px) && px > 0 ? px / 16 : large ? 1.25 : 1;
  }, [large]);
}

/** The tile's package in words, for the tooltip. */
function ownerWords(report: PackageReport, t: TreemapNode): string {
  if (t.kind === 'other') return '';
  const p = t.group >= 0 ? report.packages[t.group] : undefined;
  if (t.kind === 'file') return p ? `Package ${packageLabel(p)}` : 'No package';
  return p ? `Mostly package ${packageLabel(p)}` : 'Mostly files of no package';
}

function TileShape({ index, tile, scale, fill }: { index: number; tile: Tile; scale: number; fill: string }) {
  const { x, y, w, h, data, frame, header } = tile;
  const common = { 'data-tile': index, 'data-path': data.path, 'data-kind': data.kind, 'data-size': data.size };
  const font = { fontSize: `${11 * scale}px` };
  const line = 13 * scale;
  const charWidth = 6.6 * scale;
  if (frame) {
    const label = header ? fitLabel(`${data.name}/  ${formatBytes(data.size)}`, w, charWidth) : '';
    return (
      <g {...common}>
        <rect x={x} y={y} width={w} height={h} className="fill-slate-100 stroke-slate-300 dark:fill-slate-800 dark:stroke-slate-600" strokeWidth={1} />
        {label && (
          <text
            x={x + 4}
            y={y + Math.round(HEADER * scale) - 4 * scale}
            style={font}
            className="pointer-events-none fill-slate-800 font-semibold dark:fill-slate-100"
          >
            {label}
          </text>
        )}
      </g>
    );
  }
  const name = data.kind === 'dir' ? `${data.name}/` : data.name;
  const label = h >= 16 * scale ? fitLabel(name, w, charWidth) : '';
  const bytes = formatBytes(data.size);
  const size = h >= 30 * scale && label && fitLabel(bytes, w, charWidth) === bytes ? bytes : '';
  return (
    <g {...common}>
      <rect x={x} y={y} width={w} height={h} className={fill} />
      {label && (
        <text x={x + 4} y={y + line} style={font} className={`pointer-events-none ${data.kind === 'other' ? OTHER_TEXT : TILE_TEXT}`}>
          {label}
          {size && (
            <tspan x={x + 4} dy={line} className="opacity-80">
              {size}
            </tspan>
          )}
        </text>
      )}
    </g>
  );
}

function Tooltip({ left, top, children }: { left: number; top: number; children: ReactNode }) {
  return (
    <div
      data-testid="treemap-tooltip"
      aria-hidden="true"
      className="pointer-events-none absolute z-10 rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-xs shadow-lg dark:border-slate-600 dark:bg-slate-800"
      style={{ left, top: Math.max(0, top), width: TOOLTIP_WIDTH }}
    >
      {children}
    </div>
  );
}

function TileDetails({ tile, total, layers, owner }: { tile: TreemapNode; total: number; layers: readonly LayerInfo[]; owner?: string | undefined }) {
  return (
    <>
      {owner && (
        <div className="font-semibold" data-testid="treemap-tooltip-package">
          {owner}
        </div>
      )}
      <div className="font-mono break-all font-semibold" data-testid="treemap-tooltip-path">
        {tile.kind === 'other' ? `${tile.path === '/' ? '' : tile.path}/…` : tile.path}
      </div>
      <div className="tabular-nums" data-testid="treemap-tooltip-size">
        {formatBytes(tile.size)} <span className="text-slate-600 dark:text-slate-400">· {percent(tile.size, total)} of this view</span>
      </div>
      {tile.kind === 'other' && (
        <div className="text-slate-600 dark:text-slate-400">{tile.count.toLocaleString('en')} entries too small to draw here, together.</div>
      )}
      {tile.kind === 'dir' && (
        <div className="text-slate-600 dark:text-slate-400">
          {tile.count.toLocaleString('en')} files{tile.layer >= 0 ? ` · ${percent(tile.layerShare * tile.size, tile.size)} from layer ${tile.layer}` : ''}.
          Click to zoom in.
        </div>
      )}
      {tile.layer >= 0 && (
        <div className="mt-1 flex items-start gap-1.5">
          <span aria-hidden="true" className={`mt-0.5 ${SWATCH} ${layerSwatch(tile.layer)}`} />
          <span>
            {tile.kind === 'file' ? 'Written by layer' : 'Mostly layer'} {tile.layer}
            {command(layers, tile.layer) && (
              <code className="block font-mono text-[11px] break-all text-slate-600 dark:text-slate-400">{command(layers, tile.layer)}</code>
            )}
          </span>
        </div>
      )}
      {tile.kind === 'file' && <div className="mt-1 text-slate-600 dark:text-slate-400">Click to select it in the file tree.</div>}
    </>
  );
}

function LayerLegend({ layers, shown }: { layers: readonly LayerInfo[]; shown: readonly number[] }) {
  const present = new Set(shown);
  return (
    <div>
      <h3 id="treemap-legend-title" className="font-semibold text-slate-700 dark:text-slate-300">
        Colour: the layer that wrote it
      </h3>
      <ul aria-labelledby="treemap-legend-title" className="mt-1 flex flex-wrap gap-x-2 gap-y-1" data-testid="treemap-legend">
        {layers.map((l, k) => (
          <li
            key={k}
            data-layer={k}
            title={dockerfileLine(l.history?.created_by) || undefined}
            className={`flex items-center gap-1 tabular-nums ${present.has(k) ? '' : 'text-slate-500 line-through decoration-slate-400 dark:text-slate-400'}`}
          >
            <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(k)}`} />
            <span>
              {k}
              <span className="sr-only">{present.has(k) ? '' : ' (not in this view)'}</span>
            </span>
          </li>
        ))}
        <li className="flex items-center gap-1">
          <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(-1)}`} />
          small entries
        </li>
      </ul>
    </div>
  );
}

function EmptyState({ fs, layer, mode, measuring }: { fs: ImageFilesystem; layer: number; mode: ViewMode; measuring: boolean }) {
  if (measuring) return <div className="h-full rounded bg-slate-100 dark:bg-slate-800" />;
  let text: string;
  if (mode === 'layer') {
    const stats = fs.layerStats(layer);
    text =
      stats.removed > 0
        ? `Layer ${layer} writes no file bytes: it removes ${stats.removed.toLocaleString('en')} path${stats.removed === 1 ? '' : 's'} and changes only metadata. Pick another layer, or switch Files to “All layers up to this one” to see the whole filesystem.`
        : `Layer ${layer} writes no file bytes (only directories, links or empty files). Pick another layer, or switch Files to “All layers up to this one”.`;
  } else if (layer === fs.layerCount - 1) {
    text = 'This image has no file contents to draw: it holds only directories, links or empty files. The file tree below still lists every path.';
  } else {
    text = `Nothing with content yet as of layer ${layer}. Pick a later layer in the chart below.`;
  }
  return (
    <div
      role="status"
      className="flex h-full items-center justify-center rounded border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400"
    >
      <p className="max-w-lg">{text}</p>
    </div>
  );
}
