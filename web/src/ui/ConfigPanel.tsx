import type { ReactNode } from 'react';
import { shortDigest } from '../core/digest';
import { formatPlatform } from '../core/platform';
import type { ImageConfig } from '../core/oci';
import { formatDate } from './format';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

const none = <span className="text-slate-500 dark:text-slate-400">—</span>;

function commandLine(value: string[] | null | undefined): ReactNode {
  if (!value || value.length === 0) return none;
  return <code className="font-mono text-xs">{JSON.stringify(value)}</code>;
}

function keyList(value: Record<string, object> | undefined): ReactNode {
  const keys = Object.keys(value ?? {});
  return keys.length === 0 ? none : <span className="font-mono text-xs">{keys.join(', ')}</span>;
}

/** The runtime configuration as Docker would apply it. */
export function ConfigPanel({ config, configDigest }: { config: ImageConfig; configDigest: string }) {
  const c = config.config ?? {};
  const labels = Object.entries(c.Labels ?? {});
  return (
    <section aria-labelledby="config-title" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 id="config-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
        Config
      </h2>
      <dl className="mt-2 grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm" aria-labelledby="config-title">
        <Row label="Platform">
          <span className="font-mono">{formatPlatform(config)}</span>
        </Row>
        <Row label="Created">{formatDate(config.created)}</Row>
        <Row label="Author">{config.author || none}</Row>
        <Row label="Entrypoint">{commandLine(c.Entrypoint)}</Row>
        <Row label="Cmd">{commandLine(c.Cmd)}</Row>
        <Row label="WorkingDir">{c.WorkingDir ? <code className="font-mono text-xs">{c.WorkingDir}</code> : none}</Row>
        <Row label="User">{c.User ? <code className="font-mono text-xs">{c.User}</code> : none}</Row>
        <Row label="Exposed ports">{keyList(c.ExposedPorts)}</Row>
        <Row label="Volumes">{keyList(c.Volumes)}</Row>
        {c.StopSignal && <Row label="StopSignal">{c.StopSignal}</Row>}
        <Row label="Env">
          {(c.Env ?? []).length === 0 ? (
            none
          ) : (
            <ul aria-label="Environment">
              {(c.Env ?? []).map((e) => (
                <li key={e} className="font-mono text-xs break-all">
                  {e}
                </li>
              ))}
            </ul>
          )}
        </Row>
        <Row label="Labels">
          {labels.length === 0 ? (
            none
          ) : (
            <ul aria-label="Labels">
              {labels.map(([k, v]) => (
                <li key={k} className="font-mono text-xs break-all">
                  <span className="text-slate-600 dark:text-slate-400">{k}=</span>
                  {v}
                </li>
              ))}
            </ul>
          )}
        </Row>
        <Row label="Config digest">
          <code className="font-mono text-xs" title={configDigest}>
            {shortDigest(configDigest)}
          </code>
        </Row>
      </dl>
    </section>
  );
}
