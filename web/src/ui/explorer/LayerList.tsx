import { useRef, type KeyboardEvent } from 'react';
import type { ImageFilesystem } from '../../core/fs';
import type { LayerInfo } from '../../core/image';
import { dockerfileLine } from '../../core/image';
import { formatBytes } from '../format';
import { LayerBadge, type LayerState } from '../LayerStatus';

interface LayerListProps {
  layers: readonly LayerInfo[];
  /** Each layer's analysis: progress while it is read, then verified or not. */
  states: readonly LayerState[];
  fs: ImageFilesystem | undefined;
  /** Uncompressed bytes per layer, where known. */
  sizes: readonly (number | undefined)[];
  selected: number;
  onSelect: (layer: number) => void;
}

/** The layers as a listbox: size bar, analysis status, command and what each changed. ↑/↓ or j/k move. */
export function LayerList({ layers, states, fs, sizes, selected, onSelect }: LayerListProps) {
  const list = useRef<HTMLUListElement>(null);
  const largest = Math.max(1, ...sizes.map((s) => s ?? 0));
  const move = (delta: number) => {
    const next = Math.min(layers.length - 1, Math.max(0, selected + delta));
    if (next !== selected) onSelect(next);
    list.current?.querySelector(`[data-layer="${next}"]`)?.scrollIntoView({ block: 'nearest' });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'j') move(1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(-1);
    else if (event.key === 'Home') move(-layers.length);
    else if (event.key === 'End') move(layers.length);
    else return;
    event.preventDefault();
  };
  return (
    <ul
      ref={list}
      role="listbox"
      aria-label="Layers"
      aria-activedescendant={`layer-option-${selected}`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      className="h-full max-h-56 overflow-y-auto outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-teal-600/50 lg:max-h-none"
    >
      {layers.map((layer, i) => {
        const stats = fs?.layerStats(i);
        const size = sizes[i];
        const isSelected = i === selected;
        return (
          <li
            key={`${i}-${layer.descriptor.digest}`}
            id={`layer-option-${i}`}
            data-layer={i}
            role="option"
            aria-selected={isSelected}
            onClick={() => onSelect(i)}
            className={`cursor-pointer border-b border-slate-100 px-3 py-2 dark:border-slate-800 ${
              isSelected ? 'bg-teal-50 dark:bg-teal-950/50' : 'hover:bg-slate-50 dark:hover:bg-slate-800/50'
            }`}
          >
            <div className="flex items-baseline gap-2 text-xs">
              <span className="w-5 shrink-0 text-right tabular-nums text-slate-600 dark:text-slate-400">{i}</span>
              <span
                className="w-16 shrink-0 text-right tabular-nums"
                title={size === undefined ? 'uncompressed size, once the layer is read' : `${size} bytes`}
              >
                {size === undefined ? '…' : formatBytes(size)}
              </span>
              <div className="h-1.5 flex-1 rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
                <div className="h-full rounded bg-teal-600/70" style={{ width: `${((size ?? 0) / largest) * 100}%` }} />
              </div>
              <LayerBadge layer={layer} state={states[i] ?? { status: 'pending' }} />
            </div>
            {/* One line each, so more layers fit; the selected one's command shows more (and all of it in the details pane). */}
            <code className={`mt-1 pl-7 font-mono text-xs break-all ${isSelected ? 'line-clamp-3' : 'line-clamp-1'}`} title={layer.history?.created_by}>
              {dockerfileLine(layer.history?.created_by) || <span className="text-slate-500 dark:text-slate-400">no history</span>}
            </code>
            {stats && (
              <div
                className="mt-0.5 flex gap-2 pl-7 text-[11px] tabular-nums"
                aria-label={`${stats.added} added, ${stats.modified} modified, ${stats.removed} removed`}
              >
                <span className="text-emerald-700 dark:text-emerald-400">+{stats.added}</span>
                <span className="text-amber-700 dark:text-amber-300">~{stats.modified}</span>
                <span className="text-red-700 dark:text-red-400">−{stats.removed}</span>
                {stats.deadBytes > 0 && <span className="text-slate-600 dark:text-slate-400">{formatBytes(stats.deadBytes)} reclaimable</span>}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
