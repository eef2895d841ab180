import type { BuildArg, Provenance } from '../../core/attestations/slsa';
import { formatDate } from '../format';
import { noteClass } from './nav';

function digestText(digest: Record<string, string> | undefined): string {
  if (!digest) return '';
  return Object.entries(digest)
    .map(([algorithm, value]) => `${algorithm}:${value}`)
    .join(' ');
}

function ArgsTable({ args, label }: { args: BuildArg[]; label: string }) {
  return (
    <table className="w-full text-left text-xs" aria-label={label}>
      <tbody>
        {args.map((a) => (
          <tr key={a.name} className="border-t border-slate-100 align-top first:border-t-0 dark:border-slate-800">
            <th scope="row" className="py-1 pr-3 font-mono font-medium break-all">
              {a.name}
            </th>
            <td className="py-1 font-mono break-all whitespace-pre-wrap">{a.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** SLSA provenance: who built it, how, with which arguments, from what. */
export function ProvenanceView({ provenance: p }: { provenance: Provenance }) {
  return (
    <div className="flex flex-col gap-4" data-testid="provenance">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-600 dark:text-slate-400">SLSA</dt>
        <dd>provenance {p.slsaVersion}</dd>
        <dt className="text-slate-600 dark:text-slate-400">Builder</dt>
        <dd className="font-mono break-all">
          <span data-testid="provenance-builder">{p.builderId ?? '—'}</span>
          {p.builderVersion && <span className="text-slate-600 dark:text-slate-400"> ({digestText(p.builderVersion)})</span>}
        </dd>
        <dt className="text-slate-600 dark:text-slate-400">Build type</dt>
        <dd className="font-mono break-all">{p.buildType ?? '—'}</dd>
        {p.configSource && (
          <>
            <dt className="text-slate-600 dark:text-slate-400">Source</dt>
            <dd className="font-mono break-all">
              {p.configSource.uri}
              {p.configSource.entryPoint ? ` · ${p.configSource.entryPoint}` : ''}
              {p.configSource.digest ? <span className="text-slate-600 dark:text-slate-400"> · {digestText(p.configSource.digest)}</span> : null}
            </dd>
          </>
        )}
        {p.frontend && (
          <>
            <dt className="text-slate-600 dark:text-slate-400">Frontend</dt>
            <dd className="font-mono">{p.frontend}</dd>
          </>
        )}
        <dt className="text-slate-600 dark:text-slate-400">Built</dt>
        <dd>
          {formatDate(p.startedOn)}
          {p.finishedOn && p.finishedOn !== p.startedOn ? ` → ${formatDate(p.finishedOn)}` : ''}
          {p.reproducible !== undefined && (
            <span className="text-slate-600 dark:text-slate-400"> · {p.reproducible ? 'declared reproducible' : 'not declared reproducible'}</span>
          )}
        </dd>
        {p.invocationId && (
          <>
            <dt className="text-slate-600 dark:text-slate-400">Invocation</dt>
            <dd className="font-mono break-all">{p.invocationId}</dd>
          </>
        )}
      </dl>

      <section aria-label="Build arguments">
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">Build arguments ({p.buildArgs.length})</h4>
        {p.buildArgs.length ? (
          <ArgsTable args={p.buildArgs} label="Build arguments" />
        ) : (
          <p className={noteClass}>None recorded (BuildKit records them with mode=max).</p>
        )}
      </section>
      {p.frontendOptions.length > 0 && (
        <section aria-label="Frontend options">
          <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">Frontend options ({p.frontendOptions.length})</h4>
          <ArgsTable args={p.frontendOptions} label="Frontend options" />
        </section>
      )}

      <section aria-label="Materials">
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          {p.slsaVersion === 'v1' ? 'Resolved dependencies' : 'Materials'} ({p.materials.length})
        </h4>
        {p.materials.length === 0 ? (
          <p className={noteClass}>None recorded.</p>
        ) : (
          <table className="w-full text-left text-xs" aria-label={p.slsaVersion === 'v1' ? 'Resolved dependencies' : 'Materials'}>
            <tbody>
              {p.materials.map((m, i) => (
                <tr key={`${m.uri ?? m.name ?? ''}-${i}`} className="border-t border-slate-100 align-top first:border-t-0 dark:border-slate-800">
                  <td className="py-1 pr-3 font-mono break-all">{m.uri ?? m.name ?? '—'}</td>
                  <td className="py-1 font-mono break-all text-slate-600 dark:text-slate-400">{digestText(m.digest)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {(p.parameters !== undefined || p.environment !== undefined) && (
        <details className="text-xs">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Recorded parameters and environment (JSON)</summary>
          <pre className="mt-2 max-h-80 overflow-auto rounded bg-slate-50 p-2 font-mono dark:bg-slate-950">
            {JSON.stringify({ parameters: p.parameters, environment: p.environment }, null, 2)}
          </pre>
        </details>
      )}
    </div>
  );
}
