import type { ImageFilesystem } from '../../core/fs';
import { formatBytes, formatEfficiency } from '../format';

/**
 * The image in one line: what a pull downloads, what it unpacks to, dive's efficiency and the bytes
 * a rebuild could save. The last three need every layer; until then they say so.
 */
export function ImageSummary({ fs, compressedBytes }: { fs: ImageFilesystem | undefined; compressedBytes: number }) {
  const dive = fs?.dive();
  const reclaimable = fs?.reclaimable();
  const pending = <span className="text-slate-500 dark:text-slate-400">…</span>;
  return (
    <p className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 text-xs text-slate-600 dark:text-slate-400" data-testid="image-summary">
      <span title={`${compressedBytes} bytes: the layers as stored, what a pull downloads`}>
        <strong className="font-semibold text-slate-900 tabular-nums dark:text-slate-100" data-testid="header-compressed">
          {formatBytes(compressedBytes)}
        </strong>{' '}
        compressed
      </span>
      <span title={dive ? `${dive.sizeBytes} bytes: every file of every layer, as dive counts them` : undefined}>
        <strong className="font-semibold text-slate-900 tabular-nums dark:text-slate-100" data-testid="header-uncompressed">
          {dive ? formatBytes(dive.sizeBytes) : pending}
        </strong>{' '}
        uncompressed
      </span>
      <span title={dive ? `dive's efficiency score: ${dive.efficiency}` : undefined}>
        <strong className="font-semibold text-slate-900 tabular-nums dark:text-slate-100" data-testid="header-efficiency">
          {dive ? formatEfficiency(dive.efficiency) : pending}
        </strong>{' '}
        efficient (dive)
      </span>
      <span title={reclaimable ? `${reclaimable.totalBytes} bytes in lower layers that the final image cannot see` : undefined}>
        <strong className="font-semibold text-slate-900 tabular-nums dark:text-slate-100" data-testid="header-reclaimable">
          {reclaimable ? formatBytes(reclaimable.totalBytes) : pending}
        </strong>{' '}
        reclaimable
      </span>
    </p>
  );
}
