import { useClearLayerCache, useLayerCacheStats } from '../queries/layerQueries';
import { formatBytes } from './format';

/** What the layer cache holds, and a way to empty it. The worker does the IndexedDB work. */
export function CacheControl() {
  const stats = useLayerCacheStats();
  const clear = useClearLayerCache();
  return (
    <div className="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
      <span data-testid="cache-stats">
        Layer cache:{' '}
        {stats.data
          ? `${stats.data.entries} layer${stats.data.entries === 1 ? '' : 's'}, ${formatBytes(stats.data.bytes)} of ${formatBytes(stats.data.budget)}`
          : '…'}
      </span>
      <button
        type="button"
        onClick={() => clear.mutate()}
        disabled={clear.isPending}
        className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
      >
        {clear.isPending ? 'Clearing…' : 'Clear cache'}
      </button>
      {clear.isSuccess && <span role="status">Cache cleared</span>}
    </div>
  );
}
