/**
 * Per layer: the packages it added, removed and changed the version of, and what its package
 * databases said when they could not be read (oversized, truncated, corrupt, or a format Lading
 * does not read, such as rpm's BerkeleyDB `Packages`).
 */
import type { LayerInfo } from '../../core/image';
import { dockerfileLine } from '../../core/image';
import type { PackageNote, PackageReport } from '../../queries/packageQueries';
import { layerChange } from './packageRows';

const NOTE_WORDS: Record<PackageNote['kind'], string> = {
  oversized: 'too large, not read',
  truncated: 'truncated, not read',
  corrupt: 'corrupt, not read',
  unsupported: 'not read',
  partial: 'partly read',
};

export function NoteLine({ layer, note }: { layer: number; note: PackageNote }) {
  return (
    <li className="break-words" data-note-kind={note.kind}>
      <span className="font-semibold">Layer {layer}</span> · <code className="font-mono break-all">{note.path}</code> ·{' '}
      <span className="font-semibold">{NOTE_WORDS[note.kind]}</span>: {note.message}
    </li>
  );
}

export function LayerChanges({ report, layers, onOpen }: { report: PackageReport; layers: readonly LayerInfo[]; onOpen: (key: string) => void }) {
  return (
    <ol className="flex flex-col gap-2 text-xs" aria-label="Package changes per layer">
      {report.layers.map((l, k) => {
        const c = layerChange(report, k);
        const total = c.added.length + c.removed.length + c.changed.length;
        const command = dockerfileLine(layers[k]?.history?.created_by);
        return (
          <li key={k} data-testid={`package-layer-${k}`} className="rounded border border-slate-200 px-2 py-1.5 dark:border-slate-800">
            <details open={(total > 0 && total <= 12) || l.notes.length > 0}>
              <summary className="cursor-pointer">
                <span className="font-semibold">Layer {k}</span> <span className="text-emerald-700 dark:text-emerald-400">+{c.added.length} added</span>,{' '}
                <span className="text-red-700 dark:text-red-400">−{c.removed.length} removed</span>,{' '}
                <span className="text-amber-700 dark:text-amber-300">~{c.changed.length} changed</span>
                {l.notes.length > 0 && (
                  <span className="text-amber-800 dark:text-amber-200">
                    {' '}
                    · {l.notes.length} note{l.notes.length === 1 ? '' : 's'}
                  </span>
                )}
                {command && (
                  <code className="mt-0.5 block truncate font-mono text-slate-600 dark:text-slate-400" title={command}>
                    {command}
                  </code>
                )}
              </summary>
              <div className="mt-1 flex flex-col gap-1">
                {c.added.length > 0 && (
                  <p>
                    <span className="text-emerald-700 dark:text-emerald-400">Added:</span>{' '}
                    {c.added.map((p, i) => (
                      <span key={p.id}>
                        {i > 0 && ', '}
                        <button type="button" className="font-mono hover:underline" onClick={() => onOpen(p.key)}>
                          {p.name}
                        </button>{' '}
                        <span className="text-slate-600 dark:text-slate-400">{p.version}</span>
                      </span>
                    ))}
                  </p>
                )}
                {c.removed.length > 0 && (
                  <p>
                    <span className="text-red-700 dark:text-red-400">Removed:</span>{' '}
                    <span className="font-mono">{c.removed.map((p) => p.name).join(', ')}</span>
                  </p>
                )}
                {c.changed.length > 0 && (
                  <p>
                    <span className="text-amber-700 dark:text-amber-300">Changed:</span>{' '}
                    {c.changed.map((x, i) => (
                      <span key={x.pkg.id}>
                        {i > 0 && ', '}
                        <button type="button" className="font-mono hover:underline" onClick={() => onOpen(x.pkg.key)}>
                          {x.pkg.name}
                        </button>{' '}
                        <span className="text-slate-600 dark:text-slate-400">
                          {x.from} → {x.to}
                        </span>
                      </span>
                    ))}
                  </p>
                )}
                {l.notes.length > 0 && (
                  <ul className="text-amber-900 dark:text-amber-100">
                    {l.notes.map((n, i) => (
                      <NoteLine key={i} layer={k} note={n} />
                    ))}
                  </ul>
                )}
                {total === 0 && l.notes.length === 0 && <p className="text-slate-600 dark:text-slate-400">No package changes.</p>}
              </div>
            </details>
          </li>
        );
      })}
    </ol>
  );
}
