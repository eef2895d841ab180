import { explainError, type ExplainContext } from '../core/explain';

/** Kinds where trying again can change the answer; a 404 or a bad reference never does. */
const RETRYABLE = new Set(['network', 'server', 'rate-limit', 'proxy', 'unknown']);

/** Every failure as a clear, specific message in the page. */
export function ErrorPanel({ error, context, onRetry }: { error: unknown; context?: ExplainContext; onRetry?: () => void }) {
  const explanation = explainError(error, context);
  return (
    <div
      role="alert"
      data-error-kind={explanation.kind}
      className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-800 dark:bg-red-950/50 dark:text-red-100"
    >
      <h2 className="font-semibold">{explanation.title}</h2>
      <p className="mt-1 text-sm break-words">{explanation.detail}</p>
      {explanation.hint && <p className="mt-1 text-sm opacity-80">{explanation.hint}</p>}
      {onRetry && RETRYABLE.has(explanation.kind) && (
        <button type="button" onClick={onRetry} className="mt-3 rounded bg-red-700 px-3 py-1 text-sm text-white hover:bg-red-800">
          Retry
        </button>
      )}
    </div>
  );
}
