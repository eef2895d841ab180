import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { hexRow, hexRowCount } from './content';

const ROW_HEIGHT = 18;

/** `hexdump -C` style rows (offset, 16 bytes, ASCII), virtualized: only the visible rows exist. */
export function HexDump({ bytes, className = 'max-h-72' }: { bytes: Uint8Array; className?: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = hexRowCount(bytes.length);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  return (
    <div
      ref={scroller}
      data-testid="hex-dump"
      role="region"
      tabIndex={0}
      aria-label={`Hex dump, ${count.toLocaleString('en')} rows of 16 bytes`}
      className={`${className} overflow-auto rounded border border-slate-200 bg-slate-50 font-mono text-[11px] leading-[18px] dark:border-slate-800 dark:bg-slate-950`}
    >
      {count === 0 ? (
        <p className="p-2 text-slate-600 dark:text-slate-400">(empty)</p>
      ) : (
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth: 'max-content' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = hexRow(bytes, item.index);
            return (
              <div key={item.key} data-row={item.index} className="absolute left-0 px-2 whitespace-pre" style={{ top: item.start, height: ROW_HEIGHT }}>
                <span className="text-slate-500 dark:text-slate-400">{row.offset}</span>
                {'  '}
                <span data-testid="hex-bytes">{row.hex}</span>
                {'  '}
                <span className="text-slate-600 dark:text-slate-400">|{row.ascii}|</span>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
