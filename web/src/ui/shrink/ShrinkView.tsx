/**
 * The Shrink view: what could be left out of the image, largest saving first (core/advice, computed
 * in a worker through queries/adviceQueries.ts). Each finding names its rule id (fixed, as in
 * `lading analyze --json`), the bytes, the layer and its Dockerfile line, the fix, and its paths:
 * a click on one opens the explorer on that layer with the path revealed. Findings under the floor
 * are listed apart, never left out without a word.
 */
import { useState } from 'react';
import { RULE_TITLE } from '../../core/advice/rules';
import type { ImageFilesystem } from '../../core/fs';
import type { PackageReport } from '../../queries/packageQueries';
import { useShrinkAdvice, type AdviceFinding, type AdviceReport } from '../../queries/adviceQueries';
import type { Jump } from '../explorer/WasteSummary';
import { formatBytes } from '../format';

/** Paths shown per finding before "show all". */
const FIRST_PATHS = 5;
/** At most this many when expanded (the CLI's JSON has them all). */
const MAX_PATHS = 200;

const FLOORS: readonly { bytes: number; label: string }[] = [
  { bytes: 1024 * 1024, label: '1 MiB' },
  { bytes: 100 * 1024, label: '100 KiB' },
  { bytes: 0, label: 'none' },
];

export function ShrinkView({
  fs,
  layerDigests,
  provisional,
  packages,
  onJump,
}: {
  fs: ImageFilesystem;
  layerDigests: readonly string[];
  /** The image's packages, once built: build-toolchain then goes by owning package (-dev, compilers). */
  packages: PackageReport | undefined;
  /** Some layers are shown from their TOC: the advice is of that model until every tar is read. */
  provisional: boolean;
  onJump: (jump: Jump) => void;
}) {
  const [floor, setFloor] = useState(FLOORS[0]!.bytes);
  const advice = useShrinkAdvice(layerDigests, fs, provisional, floor, packages);
  return (
    <section aria-labelledby="shrink-title" className="flex flex-col gap-4" data-testid="shrink-view">
      <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-2">
          <h2 id="shrink-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            Shrink
          </h2>
          <label className="flex items-center gap-2 text-xs text-slate-700 dark:text-slate-300">
            Floor
            <select
              value={floor}
              onChange={(e) => setFloor(Number(e.target.value))}
              className="rounded border border-slate-300 bg-white px-1.5 py-0.5 text-xs dark:border-slate-700 dark:bg-slate-950"
            >
              {FLOORS.map((f) => (
                <option key={f.bytes} value={f.bytes}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        {advice.data ? (
          <Total report={advice.data} provisional={provisional} />
        ) : advice.error ? (
          <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
            The advice could not be computed: {advice.error instanceof Error ? advice.error.message : String(advice.error)}
          </p>
        ) : (
          <p className="mt-2 text-sm text-slate-600 dark:text-slate-400" role="status">
            Looking for what could go…
          </p>
        )}
      </div>
      {advice.data && <Findings report={advice.data} onJump={onJump} />}
    </section>
  );
}

function Total({ report, provisional }: { report: AdviceReport; provisional: boolean }) {
  return (
    <>
      <p className="mt-2 text-lg" data-testid="shrink-total">
        Could be <strong className="tabular-nums">{formatBytes(report.totalBytes)}</strong> smaller{' '}
        <span className="tabular-nums text-slate-600 dark:text-slate-400">({report.percent.toFixed(1)} %)</span>
      </p>
      <p className="mt-1 max-w-4xl text-xs text-slate-600 dark:text-slate-400">
        Of {formatBytes(report.imageBytes)} that the layers ship uncompressed. Each byte is counted once, by the first rule that claims it (a chmod’ed copy is a
        metadata-only copy, not also deleted-later). Content is compared by a hash of each file’s bytes (XXH64, the hash dive uses), read in the same pass as
        the tar headers.
        {!report.hashed && ' This image was read without content hashes, so metadata-only copies and duplicate contents are not looked for.'}
        {provisional && ' Some layers are still shown from their table of contents; the advice is of what is known so far.'}
        {report.byPackages ? ' Compilers and development files are found by their packages.' : ' Compilers and development files are found by their paths.'}
      </p>
    </>
  );
}

function Findings({ report, onJump }: { report: AdviceReport; onJump: (jump: Jump) => void }) {
  if (report.findings.length === 0 && report.small.length === 0) {
    return <p className="text-sm text-slate-700 dark:text-slate-300">Nothing to advise: no dead bytes, caches, toolchains, docs or duplicates were found.</p>;
  }
  return (
    <>
      <ol aria-label="Shrink findings" className="flex flex-col gap-3">
        {report.findings.map((f) => (
          <li key={`${f.rule}:${f.layer}`}>
            <FindingCard finding={f} onJump={onJump} />
          </li>
        ))}
      </ol>
      {report.small.length > 0 && (
        <details className="rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="shrink-small">
          <summary className="cursor-pointer text-slate-700 dark:text-slate-300">
            {report.small.length} smaller finding{report.small.length === 1 ? '' : 's'} under {formatBytes(report.minBytes)} ({formatBytes(report.smallBytes)}{' '}
            in all, not in the total)
          </summary>
          <ol aria-label="Small findings" className="mt-3 flex flex-col gap-3">
            {report.small.map((f) => (
              <li key={`${f.rule}:${f.layer}`}>
                <FindingCard finding={f} onJump={onJump} />
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}

function FindingCard({ finding: f, onJump }: { finding: AdviceFinding; onJump: (jump: Jump) => void }) {
  const [all, setAll] = useState(false);
  const shown = f.paths.slice(0, all ? MAX_PATHS : FIRST_PATHS);
  const titleId = `finding-${f.rule}-${f.layer}`;
  return (
    <article
      aria-labelledby={titleId}
      data-rule={f.rule}
      data-layer={f.layer}
      className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <header className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <span className="text-lg font-semibold tabular-nums" data-testid="finding-bytes">
          {formatBytes(f.bytes)}
        </span>
        <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800 dark:bg-slate-800 dark:text-slate-200">{f.rule}</code>
        <h3 id={titleId} className="text-sm font-medium text-slate-800 dark:text-slate-200">
          {RULE_TITLE[f.rule]}
        </h3>
      </header>
      <p className="mt-1 min-w-0 text-xs text-slate-600 dark:text-slate-400">
        Layer {f.layer}
        {f.command && (
          <>
            {': '}
            <code className="break-all font-mono text-slate-700 dark:text-slate-300" title={f.command}>
              {f.command.length > 140 ? `${f.command.slice(0, 140)}…` : f.command}
            </code>
          </>
        )}
        {f.related.length > 0 && <span> · {relatedText(f)}</span>}
      </p>
      <p className="mt-2 text-sm text-slate-800 dark:text-slate-200">{f.fix}</p>
      <ul aria-label={`Paths of ${f.rule} in layer ${f.layer}`} className="mt-2 flex flex-col">
        {shown.map((p) => (
          <li key={p.path} className="flex min-w-0 items-baseline gap-3 text-xs">
            <span className="w-16 shrink-0 text-right tabular-nums text-slate-600 dark:text-slate-400">{formatBytes(p.bytes)}</span>
            <button
              type="button"
              onClick={() => onJump({ layer: f.layer, mode: 'layer', node: p.node })}
              className="min-w-0 break-all text-left font-mono text-teal-800 hover:underline focus-visible:underline dark:text-teal-300"
              title={`Open ${p.path} in layer ${f.layer}`}
            >
              {p.path}
            </button>
            {p.sameAs !== undefined && <span className="shrink-0 text-slate-600 dark:text-slate-400">same bytes as {p.sameAs}</span>}
          </li>
        ))}
      </ul>
      {f.paths.length > FIRST_PATHS && (
        <button type="button" onClick={() => setAll(!all)} className="mt-1 text-xs text-teal-800 underline dark:text-teal-300">
          {all ? 'Show fewer' : `Show ${Math.min(f.paths.length, MAX_PATHS) - FIRST_PATHS} more of ${f.paths.length.toLocaleString('en')} paths`}
        </button>
      )}
    </article>
  );
}

function relatedText(f: AdviceFinding): string {
  switch (f.rule) {
    case 'deleted-later':
      return `removed by ${f.related.join(', ')}`;
    case 'metadata-only-copy':
      return `first written by ${f.related.join(', ')}`;
    case 'build-toolchain':
      return `packages: ${f.related.join(', ')}`;
    default:
      return f.related.join(', ');
  }
}
