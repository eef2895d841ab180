/**
 * Two images side by side: `/?compare=<reference>&with=<reference>[&platform=os/arch]`. Both are
 * resolved (the same platform on both sides), every layer read, both filesystems stacked, then:
 * totals and their deltas, the layers they share by digest, and the paths that differ.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { compareLayers, type CompareSummary, type LayerComparison } from '../../core/compare';
import { shortDigest } from '../../core/digest';
import { dockerfileLine } from '../../core/image';
import { familiarReference, InvalidReferenceError, tryParseReference } from '../../core/reference';
import { useFsComparison } from '../../queries/compareQueries';
import { ErrorPanel } from '../ErrorPanel';
import { formatBytes } from '../format';
import { ChangedPaths } from './ChangedPaths';
import { formatDelta } from './format';
import { useComparedImage, type ComparedSide } from './useComparedImage';

export interface CompareTarget {
  compare: string;
  with?: string;
  platform?: string;
}

const panel = 'rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900';
const panelTitle = 'text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';

export function CompareView({
  left,
  right,
  platform,
  onNavigate,
}: {
  left: string;
  right: string;
  platform?: string;
  onNavigate: (next: CompareTarget) => void;
}) {
  return (
    <div className="mx-auto flex w-full max-w-7xl flex-col gap-6 px-4 py-6">
      <CompareForm left={left} right={right} onSubmit={(l, r) => onNavigate({ compare: l, with: r })} />
      {left && right ? (
        <Comparison
          key={`${left}\n${right}`}
          left={left}
          right={right}
          platform={platform}
          onPlatform={(p) => onNavigate({ compare: left, with: right, platform: p })}
        />
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Name two images, or two tags of one repository: Lading reads both, then lists the layers they share, the size difference and every file added, removed
          or changed.
        </p>
      )}
    </div>
  );
}

function CompareForm({ left, right, onSubmit }: { left: string; right: string; onSubmit: (left: string, right: string) => void }) {
  const [a, setA] = useState(left);
  const [b, setB] = useState(right);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  useEffect(() => {
    setA(left);
    setB(right);
  }, [left, right]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    for (const [label, value] of [
      ['Image', a],
      ['Compare with', b],
    ] as const) {
      const parsed = tryParseReference(value);
      if (parsed instanceof InvalidReferenceError) {
        setError(`${label}: ${parsed.reason}`);
        return;
      }
    }
    setError(null);
    onSubmit(a.trim(), b.trim());
  };
  const input =
    'min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-slate-700 dark:bg-slate-900';
  return (
    <form onSubmit={submit} aria-labelledby="compare-title" className={`${panel} flex flex-col gap-3 p-4`}>
      <h1 id="compare-title" className="text-lg font-semibold">
        Compare two images
      </h1>
      <div className="flex flex-col gap-2 md:flex-row md:items-end">
        <label className="flex min-w-0 flex-1 flex-col gap-1 text-xs text-slate-600 dark:text-slate-400">
          Image
          <input
            value={a}
            onChange={(e) => setA(e.target.value)}
            placeholder="nginx:1.26"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={error ? errorId : undefined}
            className={input}
          />
        </label>
        <button
          type="button"
          onClick={() => {
            setA(b);
            setB(a);
          }}
          className="self-start rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 md:self-auto dark:border-slate-700 dark:hover:bg-slate-800"
          aria-label="Swap the two images"
          title="Swap"
        >
          ⇄
        </button>
        <label className="flex min-w-0 flex-1 flex-col gap-1 text-xs text-slate-600 dark:text-slate-400">
          Compare with
          <input
            value={b}
            onChange={(e) => setB(e.target.value)}
            placeholder="nginx:1.27"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={error ? errorId : undefined}
            className={input}
          />
        </label>
        <button type="submit" className="rounded-md bg-teal-700 px-4 py-2 text-sm font-medium text-white hover:bg-teal-800">
          Compare
        </button>
      </div>
      {error && (
        <p id={errorId} role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </form>
  );
}

function Comparison({
  left,
  right,
  platform,
  onPlatform,
}: {
  left: string;
  right: string;
  platform: string | undefined;
  onPlatform: (platform: string) => void;
}) {
  const a = useComparedImage(left, platform);
  // The same platform on both sides: the one asked for, else the one the first image shows.
  const b = useComparedImage(right, platform ?? a.platform);
  const [summarise, setSummarise] = useState(true);
  const comparison = useFsComparison({ layerDigests: digests(a), fs: a.fs }, { layerDigests: digests(b), fs: b.fs }, { summariseDirectories: summarise });
  const layers = useMemo(() => (a.manifest && b.manifest ? compareLayers(a.manifest.layers, b.manifest.layers) : undefined), [a.manifest, b.manifest]);
  const platforms = useMemo(() => [...new Set([...(a.platforms ?? []), ...(b.platforms ?? [])].map((p) => p.platform))], [a.platforms, b.platforms]);

  return (
    <div className="flex flex-col gap-6" data-testid="comparison">
      {platforms.length > 1 && (
        <label className="flex items-center gap-2 text-sm">
          Platform
          <select
            value={a.platform ?? ''}
            onChange={(e) => onPlatform(e.target.value)}
            className="rounded border border-slate-300 bg-white px-2 py-1 font-mono text-sm dark:border-slate-700 dark:bg-slate-950"
          >
            {platforms.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      )}
      {a.platform && b.platform && a.platform !== b.platform && (
        <p
          role="note"
          className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          The images are for different platforms ({a.platform} and {b.platform}):{' '}
          {b.platforms ? `${right} has no ${a.platform}.` : 'they have one platform each.'}
        </p>
      )}
      <div className="grid gap-4 md:grid-cols-2">
        <SideCard side={a} label="Image" testId="side-a" />
        <SideCard side={b} label="Compared with" testId="side-b" />
      </div>
      {layers && <Totals a={a} b={b} layers={layers} summary={comparison.data?.summary} />}
      {layers && <SharedLayers a={a} b={b} layers={layers} />}
      {comparison.data ? (
        <ChangedPaths
          comparison={comparison.data}
          summarise={summarise}
          onSummarise={setSummarise}
          hrefOf={(path, kind) => explorerHref(kind === 'removed' ? a : b, path)}
        />
      ) : comparison.isError ? (
        <ErrorPanel error={comparison.error} />
      ) : (
        a.status !== 'error' &&
        b.status !== 'error' && (
          <section className={`${panel} p-4`} aria-label="Changed paths">
            <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
              {a.status === 'ready' && b.status === 'ready' ? 'Comparing the two filesystems…' : 'The changed paths appear once both images are read.'}
            </p>
            <div className="mt-3 h-40 animate-pulse rounded bg-slate-100 dark:bg-slate-800" />
          </section>
        )
      )}
    </div>
  );
}

/** The image view of one side, with the path selected. */
function explorerHref(side: ComparedSide, path: string): string {
  const params = new URLSearchParams({ image: side.input, ...(side.platforms && side.platform ? { platform: side.platform } : {}), path });
  return `/?${params.toString().replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%40/g, '@')}`;
}

function digests(side: ComparedSide): string[] {
  return side.layers.map((l) => l.descriptor.digest);
}

function SideCard({ side, label, testId }: { side: ComparedSide; label: string; testId: string }) {
  const title = side.reference ? familiarReference(side.reference) : side.input;
  return (
    <section aria-label={`${label}: ${title}`} data-testid={testId} data-status={side.status} className={`${panel} flex min-w-0 flex-col gap-2 p-4`}>
      <p className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{label}</p>
      <h2 className="font-mono text-base font-semibold break-all">{title}</h2>
      {side.status === 'error' ? (
        <ErrorPanel
          error={side.error}
          {...(side.reference ? { context: { repository: `${side.reference.domain}/${side.reference.path}`, reference: side.input } } : {})}
        />
      ) : (
        <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
          <dt className="text-slate-600 dark:text-slate-400">Digest</dt>
          <dd className="truncate font-mono" title={side.topDigest}>
            {side.topDigest ? shortDigest(side.topDigest) : '…'}
          </dd>
          {side.platform && (
            <>
              <dt className="text-slate-600 dark:text-slate-400">Platform</dt>
              <dd className="font-mono">
                {side.platform}
                {side.imageDigest && side.imageDigest !== side.topDigest && (
                  <span className="text-slate-600 dark:text-slate-400" title={side.imageDigest}>
                    {' '}
                    · {shortDigest(side.imageDigest)}
                  </span>
                )}
              </dd>
            </>
          )}
          <dt className="text-slate-600 dark:text-slate-400">Layers</dt>
          <dd>
            {side.manifest ? side.manifest.layers.length : '…'}
            {side.status === 'analysing' && (
              <span role="status" className="ml-2 text-slate-600 dark:text-slate-400">
                {side.message}
              </span>
            )}
          </dd>
          {side.config?.created && (
            <>
              <dt className="text-slate-600 dark:text-slate-400">Created</dt>
              <dd>{side.config.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</dd>
            </>
          )}
        </dl>
      )}
      {(side.status === 'loading' || side.status === 'unsupported') && (
        <p role="status" className={`text-sm ${side.status === 'unsupported' ? 'text-amber-800 dark:text-amber-300' : 'text-slate-600 dark:text-slate-400'}`}>
          {side.message}
        </p>
      )}
    </section>
  );
}

function uncompressed(side: ComparedSide): number | undefined {
  if (side.layers.length === 0 || side.results.some((r) => r?.analysis === undefined)) return undefined;
  return side.results.reduce((sum, r) => sum + (r?.analysis?.uncompressedBytes ?? 0), 0);
}

function Totals({ a, b, layers, summary }: { a: ComparedSide; b: ComparedSide; layers: LayerComparison; summary: CompareSummary | undefined }) {
  const rows: { label: string; help: string; a: number | undefined; b: number | undefined; bytes: boolean; id: string }[] = [
    {
      id: 'compressed',
      label: 'Compressed layers',
      help: 'What a pull downloads: the stored layer blobs',
      a: layers.compressed.a,
      b: layers.compressed.b,
      bytes: true,
    },
    { id: 'uncompressed', label: 'Uncompressed layers', help: 'The layer tars, as unpacked', a: uncompressed(a), b: uncompressed(b), bytes: true },
    {
      id: 'files-bytes',
      label: 'Files in the final image',
      help: 'Bytes of the files a container sees (deleted and overwritten ones left out)',
      a: summary?.a.bytes,
      b: summary?.b.bytes,
      bytes: true,
    },
    { id: 'files', label: 'File count', help: 'Paths that are not directories', a: summary?.a.files, b: summary?.b.files, bytes: false },
    { id: 'directories', label: 'Directories', help: 'Directories in the final image', a: summary?.a.directories, b: summary?.b.directories, bytes: false },
  ];
  const show = (v: number | undefined, bytes: boolean) => (v === undefined ? '…' : bytes ? formatBytes(v) : v.toLocaleString('en'));
  return (
    <section aria-labelledby="totals-title" className={`${panel} p-4`}>
      <h2 id="totals-title" className={panelTitle}>
        Totals
      </h2>
      <table className="mt-2 w-full text-sm" aria-labelledby="totals-title">
        <thead>
          <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
            <th className="py-1 font-medium"> </th>
            <th className="py-1 text-right font-medium">Image</th>
            <th className="py-1 text-right font-medium">Compared with</th>
            <th className="py-1 text-right font-medium">Difference</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const delta = r.a !== undefined && r.b !== undefined ? r.b - r.a : undefined;
            return (
              <tr
                key={r.id}
                data-testid={`total-${r.id}`}
                data-a={r.a ?? ''}
                data-b={r.b ?? ''}
                data-delta={delta ?? ''}
                className="border-t border-slate-100 dark:border-slate-800"
              >
                <th scope="row" className="py-1.5 text-left font-normal" title={r.help}>
                  {r.label}
                </th>
                <td className="py-1.5 text-right tabular-nums">{show(r.a, r.bytes)}</td>
                <td className="py-1.5 text-right tabular-nums">{show(r.b, r.bytes)}</td>
                <td
                  className={`py-1.5 text-right font-medium tabular-nums ${delta === undefined || delta === 0 ? '' : delta > 0 ? 'text-red-700 dark:text-red-400' : 'text-emerald-700 dark:text-emerald-400'}`}
                >
                  {delta === undefined
                    ? '…'
                    : r.bytes
                      ? formatDelta(delta)
                      : `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${Math.abs(delta).toLocaleString('en')}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {summary && (
        <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="change-summary">
          <span className="text-emerald-700 dark:text-emerald-400">
            {summary.added.files.toLocaleString('en')} files added ({formatBytes(summary.added.bytes)})
          </span>
          ,{' '}
          <span className="text-red-700 dark:text-red-400">
            {summary.removed.files.toLocaleString('en')} removed ({formatBytes(summary.removed.bytes)})
          </span>
          ,{' '}
          <span className="text-amber-700 dark:text-amber-300">
            {summary.changed.files.toLocaleString('en')} changed ({formatDelta(summary.changed.delta)})
          </span>
          , {summary.unchanged.toLocaleString('en')} the same.
        </p>
      )}
    </section>
  );
}

function SharedLayers({ a, b, layers }: { a: ComparedSide; b: ComparedSide; layers: LayerComparison }) {
  const command = (side: ComparedSide, i: number) => dockerfileLine(side.layers[i]?.history?.created_by);
  const positions = (list: readonly number[]) => list.map((i) => `layer ${i}`).join(', ');
  return (
    <section aria-labelledby="shared-title" className={`${panel} p-4`}>
      <h2 id="shared-title" className={panelTitle}>
        Layers shared by digest <span className="font-normal normal-case">({layers.shared.length})</span>
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        {layers.shared.length === 0
          ? 'None: every layer differs, so pulling one image after the other downloads everything again.'
          : `${formatBytes(layers.sharedBytes)} in common${layers.commonBase > 0 ? `, the first ${layers.commonBase === 1 ? 'layer' : `${layers.commonBase} layers`} as a common base` : ''}. ` +
            `${layers.onlyA.length} layer${layers.onlyA.length === 1 ? '' : 's'} only in the image, ${layers.onlyB.length} only in the one compared with.`}
      </p>
      {layers.shared.length > 0 && (
        <table className="mt-2 w-full text-sm" data-testid="shared-layers">
          <thead>
            <tr className="text-left text-xs text-slate-600 dark:text-slate-400">
              <th className="py-1 font-medium">Digest</th>
              <th className="py-1 text-right font-medium">Size</th>
              <th className="py-1 pl-4 font-medium">In the image</th>
              <th className="py-1 pl-4 font-medium">In the one compared with</th>
            </tr>
          </thead>
          <tbody>
            {layers.shared.map((l) => (
              <tr
                key={l.digest}
                data-digest={l.digest}
                data-a={l.a.join(',')}
                data-b={l.b.join(',')}
                className="border-t border-slate-100 align-top dark:border-slate-800"
              >
                <td className="py-1.5 font-mono" title={l.digest}>
                  {shortDigest(l.digest)}
                </td>
                <td className="py-1.5 text-right tabular-nums">{formatBytes(l.size)}</td>
                <td className="py-1.5 pl-4">
                  {positions(l.a)}
                  <code className="block max-w-md truncate font-mono text-xs text-slate-600 dark:text-slate-400">{command(a, l.a[0]!)}</code>
                </td>
                <td className="py-1.5 pl-4">
                  {positions(l.b)}
                  <code className="block max-w-md truncate font-mono text-xs text-slate-600 dark:text-slate-400">{command(b, l.b[0]!)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
