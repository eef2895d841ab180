import type { ImageConfig } from '../core/oci';
import { dockerfileLine } from '../core/image';
import { formatDate } from './format';

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';
const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

/** The config's history: every Dockerfile step, the ones that made a layer numbered as the layers are. */
export function HistoryPanel({ config }: { config: ImageConfig }) {
  const history = config.history ?? [];
  let layerIndex = 0;
  return (
    <section aria-labelledby="history-title" className={`${panel} p-4`}>
      <h2 id="history-title" className={panelTitle}>
        History <span className="font-normal normal-case">({history.length} steps)</span>
      </h2>
      {history.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">The config records no history.</p>
      ) : (
        <ol className="mt-2 flex flex-col gap-1.5" aria-label="Dockerfile history">
          {history.map((entry, i) => {
            const layer = entry.empty_layer ? undefined : layerIndex++;
            return (
              <li key={i} className="flex items-start gap-2 text-xs" data-empty-layer={entry.empty_layer ? 'true' : 'false'}>
                <span
                  className={`mt-0.5 shrink-0 rounded px-1.5 py-0.5 font-medium ${
                    layer === undefined
                      ? 'bg-slate-100 text-slate-600 dark:text-slate-400 dark:bg-slate-800 dark:text-slate-400'
                      : 'bg-teal-100 text-teal-800 dark:bg-teal-900/50 dark:text-teal-200'
                  }`}
                >
                  {layer === undefined ? 'empty' : `layer ${layer}`}
                </span>
                <div className="min-w-0">
                  <code className="font-mono break-all whitespace-pre-wrap">{dockerfileLine(entry.created_by) || '(no command)'}</code>
                  <div className="text-slate-600 dark:text-slate-400">
                    {formatDate(entry.created)}
                    {entry.comment ? ` · ${entry.comment}` : ''}
                  </div>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
