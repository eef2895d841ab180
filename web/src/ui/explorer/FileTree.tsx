import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import { RowFlag, type FlatRows, type ImageFilesystem, type ViewMode } from '../../core/fs';
import { formatBytes } from '../format';
import { MARK_STYLE, modeString } from './marks';

const ROW_HEIGHT = 24;

/**
 * The columns, by the tree pane's own width (a container query): the owner column goes first when
 * the pane is narrow (large text, small windows), so the path keeps at least 8 rem.
 */
const COLUMNS = 'grid-cols-[1.5rem_6.5rem_5rem_minmax(8rem,1fr)] @xl:grid-cols-[1.5rem_6.5rem_5.5rem_5rem_minmax(8rem,1fr)]';
const OWNER = 'hidden text-right @xl:block';

interface FileTreeProps {
  fs: ImageFilesystem;
  layer: number;
  mode: ViewMode;
  rows: FlatRows;
  selectedNode: number | undefined;
  onSelect: (node: number) => void;
  onToggle: (node: number, open: boolean) => void;
  /** Bumped when the selection should be scrolled into view (a jump from a table). */
  revealToken: number;
}

/**
 * The file tree as a virtualized ARIA tree: only visible rows are rendered, so 100,000 entries
 * scroll smoothly. ↑/↓ or j/k move, ←/→ or h/l collapse and expand, space toggles.
 */
export function FileTree({ fs, layer, mode, rows, selectedNode, onSelect, onToggle, revealToken }: FileTreeProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const selectedRow = selectedNode === undefined ? -1 : rows.node.indexOf(selectedNode);

  // Only on an explicit reveal: keyboard moves scroll by themselves (below). Rows have one fixed
  // height, so the offset is computed here rather than asked of the virtualizer, whose idea of the
  // viewport may still be from before the tree was shown; the virtualizer follows the scroll event.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || selectedRow < 0) return;
    const top = selectedRow * ROW_HEIGHT;
    if (top >= el.scrollTop && top + ROW_HEIGHT <= el.scrollTop + el.clientHeight) return;
    el.scrollTop = Math.max(0, top - (el.clientHeight - ROW_HEIGHT) / 2);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revealToken]);

  const selectRow = (row: number) => {
    const clamped = Math.min(rows.count - 1, Math.max(0, row));
    const node = rows.node[clamped];
    if (node === undefined) return;
    onSelect(node);
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (rows.count === 0) return;
    const row = selectedRow < 0 ? 0 : selectedRow;
    const node = rows.node[row]!;
    const flags = rows.flags[row]!;
    const isOpen = (flags & RowFlag.Expanded) !== 0;
    const hasChildren = (flags & RowFlag.HasChildren) !== 0;
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 240) / ROW_HEIGHT) - 1);
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        selectRow(selectedRow < 0 ? 0 : row + 1);
        break;
      case 'ArrowUp':
      case 'k':
        selectRow(row - 1);
        break;
      case 'PageDown':
        selectRow(row + pageRows);
        break;
      case 'PageUp':
        selectRow(row - pageRows);
        break;
      case 'Home':
        selectRow(0);
        break;
      case 'End':
        selectRow(rows.count - 1);
        break;
      case 'ArrowRight':
      case 'l':
        if (hasChildren && !isOpen) onToggle(node, true);
        else if (hasChildren) selectRow(row + 1);
        break;
      case 'ArrowLeft':
      case 'h': {
        if (hasChildren && isOpen) {
          onToggle(node, false);
          break;
        }
        const depth = rows.depth[row]!;
        for (let r = row - 1; r >= 0; r--) {
          if (rows.depth[r]! < depth) {
            selectRow(r);
            break;
          }
        }
        break;
      }
      case ' ':
        if (hasChildren) onToggle(node, !isOpen);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div className="@container flex h-full min-h-0 flex-col">
      <div
        className={`grid ${COLUMNS} gap-2 overflow-hidden border-b border-slate-200 px-2 py-1 text-[11px] font-medium text-slate-600 dark:text-slate-400 dark:border-slate-800`}
        aria-hidden="true"
      >
        <span />
        <span>Permission</span>
        <span className={OWNER}>UID:GID</span>
        <span className="text-right">Size</span>
        <span>Path</span>
      </div>
      <div
        ref={scroller}
        role="tree"
        aria-label="Files"
        aria-multiselectable="false"
        tabIndex={0}
        aria-activedescendant={selectedRow >= 0 ? `tree-node-${selectedNode}` : undefined}
        onKeyDown={onKeyDown}
        className="min-h-0 flex-1 overflow-auto font-mono text-xs outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-teal-600/50"
      >
        {rows.count === 0 ? (
          <p className="p-4 font-sans text-sm text-slate-600 dark:text-slate-400">No files match. Clear the filter or show hidden kinds of change.</p>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const node = rows.node[item.index]!;
              const depth = rows.depth[item.index]!;
              const flags = rows.flags[item.index]!;
              const info = fs.info(layer, mode, node);
              const hasChildren = (flags & RowFlag.HasChildren) !== 0;
              const isOpen = (flags & RowFlag.Expanded) !== 0;
              const mark = info.mark ? MARK_STYLE[info.mark] : undefined;
              const selected = node === selectedNode;
              return (
                <div
                  key={node}
                  id={`tree-node-${node}`}
                  role="treeitem"
                  aria-level={depth + 1}
                  aria-expanded={hasChildren ? isOpen : undefined}
                  aria-selected={selected}
                  data-path={info.path}
                  data-mark={info.mark}
                  onClick={() => onSelect(node)}
                  onDoubleClick={() => hasChildren && onToggle(node, !isOpen)}
                  className={`absolute left-0 grid w-full cursor-default ${COLUMNS} items-center gap-2 px-2 whitespace-nowrap ${
                    selected ? 'bg-teal-50 ring-1 ring-inset ring-teal-600/40 dark:bg-teal-900/60' : 'hover:bg-slate-100 dark:hover:bg-slate-800/60'
                  }`}
                  style={{ top: item.start, height: ROW_HEIGHT }}
                >
                  <span className={`text-center font-bold ${mark?.className ?? ''}`} title={mark?.label}>
                    {mark?.symbol ?? ''}
                  </span>
                  <span className="text-slate-600 dark:text-slate-400">{modeString(info.type, info.mode)}</span>
                  <span className={`${OWNER} text-slate-600 dark:text-slate-400`}>{info.uid !== undefined ? `${info.uid}:${info.gid}` : ''}</span>
                  <span className="text-right tabular-nums">{formatBytes(info.size)}</span>
                  <span className={`min-w-0 truncate ${mark?.className ?? ''}`} style={{ paddingLeft: depth * 14 }}>
                    {hasChildren ? (
                      <button
                        type="button"
                        tabIndex={-1}
                        aria-hidden="true"
                        onClick={(e) => {
                          e.stopPropagation();
                          onToggle(node, !isOpen);
                        }}
                        className="mr-1 inline-block w-3 text-slate-600 dark:text-slate-400"
                      >
                        {isOpen ? '▾' : '▸'}
                      </button>
                    ) : (
                      <span className="mr-1 inline-block w-3" />
                    )}
                    {info.name}
                    {info.type === 5 || info.implicit ? '/' : ''}
                    {info.linkTarget !== undefined && <span className="text-slate-600 dark:text-slate-400"> → {info.linkTarget}</span>}
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
