/**
 * A layer's table of contents, on its row of the layers table: what the TOC listed while the blob
 * was read, then whether it agrees with the tar (the tar is what runtimes without TOC support
 * extract). A TOC that disagrees is a note, not a failure: the layer's digests are verified by the
 * tar pass either way.
 */
import type { LayerIndex } from '../core/layers';
import { useTocCheck, type TocReading } from '../queries/tocQueries';

const FORMAT = { estargz: 'eStargz', 'zstd:chunked': 'zstd:chunked' } as const;

export function TocStatus({ digest, reading, tar }: { digest: string; reading: TocReading | undefined; tar: LayerIndex | undefined }) {
  const toc = reading?.status === 'found' ? reading.toc : undefined;
  const check = useTocCheck(digest, toc?.index, tar);
  if (!reading || reading.status === 'absent') return null;
  if (reading.status === 'failed') {
    return (
      <p data-testid="layer-toc" data-toc="failed" className="mt-1 max-w-sm text-[11px] text-amber-700 dark:text-amber-300">
        {FORMAT[reading.format]} TOC not used: {reading.reason}
      </p>
    );
  }
  const what = `${FORMAT[reading.toc.format]} TOC: ${reading.toc.index.count.toLocaleString('en')} entries from ${reading.requests} range request${reading.requests === 1 ? '' : 's'}`;
  if (!tar || !check.data) {
    return (
      <p data-testid="layer-toc" data-toc="listed" className="mt-1 text-[11px] text-slate-600 dark:text-slate-400">
        {what}
      </p>
    );
  }
  const c = check.data;
  if (c.agrees) {
    return (
      <p data-testid="layer-toc" data-toc="agrees" className="mt-1 text-[11px] text-teal-700 dark:text-teal-300" title={what}>
        TOC agrees with the tar
      </p>
    );
  }
  return (
    <div data-testid="layer-toc" data-toc="disagrees" className="mt-1 max-w-sm text-[11px] text-amber-800 dark:text-amber-300">
      <p className="font-medium">
        The TOC disagrees with the tar ({c.differences} difference{c.differences === 1 ? '' : 's'}); the explorer shows the tar.
      </p>
      <ul className="font-mono break-all">
        {c.examples.map((e) => (
          <li key={e}>{e}</li>
        ))}
      </ul>
    </div>
  );
}
