// results.json's shape, and the table printed on stdout.

import type { HeapPeaks } from './cdp';
import type { CliRun } from './cli';
import type { HeavyResults } from './heavy';
import { median, type DecodeResults } from './decoders';
import type { BenchImage, BenchLayer, BenchTagName } from './image';
import type { LadingRun, ProfileSummary, ProfiledFunction } from './lading';
import { OTHER_PROCESSES } from './cpu';
import { MB, mbps } from './paths';

import type { Timing } from './timing';

export type { Timing } from './timing';

export interface NativeSeries {
  perLayer: ({ digest: string } & Timing)[];
  /** All layers, one after another, in one bash. */
  sequential: Timing;
  /** Two pipelines at a time, largest blob first. */
  parallel2: Timing;
  /** The same, with curl reading through the Lading proxy instead of the registry. */
  parallel2ViaProxy: Timing;
}

export interface LadingSeries {
  runs: LadingRun[];
  bestMs?: number;
  best?: LadingRun;
  failed: number;
  /** One more run, not timed, with a full GC before each heap sample. */
  liveHeapRun?: LadingRun;
}

export interface ProfiledRun {
  ok: boolean;
  error?: string;
  ms: number;
  cpu: Record<string, number>;
  pageMetrics: Record<string, number>;
  summary?: ProfileSummary;
}

export interface BenchResults {
  startedAt: string;
  runs: number;
  machine: { cpu: string; cores: number; node: string; os: string; chromium?: string; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] };
  git: string;
  appBuild?: string;
  image: {
    cacheKey: string;
    built: boolean;
    prepareSeconds: number;
    pushSeconds: number;
    packages: BenchImage['packages'];
    tags: Record<BenchTagName, { size: number; uncompressedSize: number; entryCount: number; layers: BenchLayer[] }>;
  };
  native: Partial<Record<'gzip' | 'zstd', NativeSeries>>;
  lading: Partial<Record<BenchTagName, LadingSeries>>;
  profile?: Partial<Record<'gzip' | 'zstd', ProfiledRun>>;
  decoders?: DecodeResults;
  /** d) the CLI on the same image, one run per round (interleaved with a and b). */
  cli?: Partial<Record<'gzip' | 'zstd', CliRun[]>>;
  /** `lading --help`, best of N: Node and the CLI's modules, in every CLI time. */
  cliStartupMs?: number;
  /** Which CLI ran: its prebuilt bundle (dist/cli), or the sources under tsx (LADING_CLI_BUNDLE=off). */
  cliBuild?: 'bundle' | 'tsx';
  /** e) the heavy image. */
  heavy?: HeavyResults;
  totalSeconds?: number;
}

// ------------------------------------------------------------------------------------ formatting

const mb = (bytes: number, digits = 1): string => (bytes / MB).toFixed(digits);
const sec = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '—' : ms < 100 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const allRuns = (ms: readonly number[] | undefined): string => (ms?.length ? ms.map((x) => (x / 1000).toFixed(2)).join(' / ') : '');
const rate = (bytes: number, ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '—' : mbps(bytes, ms).toFixed(0));
const ratio = (c: number | undefined, lading: number | undefined): string =>
  c === undefined || lading === undefined || Number.isNaN(c) || Number.isNaN(lading) ? '—' : `${(c / lading).toFixed(2)}x`;

/** C time ÷ Lading time within each round (run back to back), median over the rounds. */
function paired(c: Timing | undefined, lading: LadingSeries | undefined): string {
  if (!c || !lading) return '—';
  const ratios = lading.runs.map((r, i) => (r.ok ? (c.allMs[i] ?? NaN) / r.ms : NaN)).filter((x) => !Number.isNaN(x));
  return ratios.length ? `${median(ratios).toFixed(2)}x` : '—';
}

/** The same for runs of any kind (ok + ms). */
function pairedRuns(c: Timing | undefined, runs: readonly { ok: boolean; ms: number }[] | undefined): string {
  if (!c || !runs?.length) return '—';
  const ratios = runs.map((r, i) => (r.ok ? (c.allMs[i] ?? NaN) / r.ms : NaN)).filter((x) => !Number.isNaN(x));
  return ratios.length ? `${median(ratios).toFixed(2)}x` : '—';
}

/** Per-round ratios, C time ÷ engine time, as "1.05 / 0.98 / 1.10". */
function roundRatios(c: Timing | undefined, runs: readonly { ok: boolean; ms: number }[] | undefined): string {
  if (!c || !runs?.length) return '';
  return runs.map((r, i) => (r.ok && c.allMs[i] !== undefined ? ((c.allMs[i] as number) / r.ms).toFixed(2) : '—')).join(' / ');
}

function bestRun(runs: readonly { ok: boolean; ms: number }[] | undefined): number | undefined {
  const ok = runs?.filter((r) => r.ok) ?? [];
  return ok.length ? Math.min(...ok.map((r) => r.ms)) : undefined;
}

function table(rows: string[][], align: ('l' | 'r')[]): string {
  const widths = align.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shortName(layer: BenchLayer): string {
  const name = layer.createdBy
    .replace(/ # lading bench$/, '')
    .replace(/^RUN \/bin\/sh -c apt-get install -y /, '')
    .replace(/^COPY (\S+)\/ \/$/, '$1');
  return name.length > 44 ? `${name.slice(0, 43)}…` : name;
}

function heapCells(h: HeapPeaks | undefined): string[] {
  if (!h) return ['—', '—', '—'];
  const pair = (p: { usedMax: number; usedPlusBackingMax: number }): string => `${mb(p.usedMax)} / ${mb(p.usedPlusBackingMax)}`;
  return [pair(h.page), pair(h.worker), pair(h.workersTotal)];
}

/** The largest peak over all successful runs of a series. */
function maxHeap(series: LadingSeries | undefined): HeapPeaks | undefined {
  const runs = series?.runs.filter((r) => r.ok) ?? [];
  if (!runs.length) return undefined;
  const max = (pick: (h: HeapPeaks) => { usedMax: number; usedPlusBackingMax: number }) => ({
    usedMax: Math.max(...runs.map((r) => pick(r.heap).usedMax)),
    usedPlusBackingMax: Math.max(...runs.map((r) => pick(r.heap).usedPlusBackingMax)),
  });
  const first = runs[0] as LadingRun;
  return {
    ...first.heap,
    samples: runs.reduce((s, r) => s + r.heap.samples, 0),
    page: max((h) => h.page),
    worker: max((h) => h.worker),
    workersTotal: max((h) => h.workersTotal),
  };
}

function fnName(f: ProfiledFunction): string {
  const where = f.source ?? (f.url ? `${f.url.replace(/^https?:\/\/[^/]+\//, '')}:${f.lineNumber + 1}` : '');
  return `${f.functionName || '(anonymous)'}${where ? `  ${where}` : ''}`;
}

export function printReport(r: BenchResults, image: BenchImage): void {
  const out: string[] = [];
  const gz = r.image.tags.gzip;
  const zs = r.image.tags.zstd;
  out.push('');
  out.push(
    `Lading layer-engine bench — ${r.startedAt} — ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.os}, Node ${r.machine.node}, Chromium ${r.machine.chromium ?? '—'}, git ${r.git}`,
  );
  out.push(
    `Image ${image.tags.gzip.repository}: ${gz.layers.length} layers, ${mb(gz.uncompressedSize)} MB uncompressed, ${gz.entryCount.toLocaleString('en')} tar entries; ` +
      `gzip ${mb(gz.size)} MB, zstd ${mb(zs.size)} MB. Best of ${r.runs}. MB/s = uncompressed (tar) MB per second, MB = 10^6 bytes.`,
  );
  if (r.appBuild) out.push(`Note: ${r.appBuild}.`);
  out.push(
    `Load average (1/5/15 min) at start ${r.machine.loadAverageAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${r.machine.loadAverageAtEnd?.map((x) => x.toFixed(1)).join(' ') ?? '—'}: ` +
      'other work on the machine slows some runs; the best run is reported.',
  );

  // ------------------------------------------------------------- whole image
  const ng = r.native.gzip;
  const nz = r.native.zstd;
  const lg = r.lading.gzip;
  const lz = r.lading.zstd;
  out.push('', 'Whole image (a: C pipeline, b: Lading)');
  const whole: string[][] = [['', 'gzip best', 'MB/s', 'zstd best', 'MB/s', 'all runs, s (gzip | zstd)']];
  const wrow = (label: string, g: Timing | undefined, z: Timing | undefined): void => {
    whole.push([
      label,
      sec(g?.bestMs),
      rate(gz.uncompressedSize, g?.bestMs),
      sec(z?.bestMs),
      rate(zs.uncompressedSize, z?.bestMs),
      `${allRuns(g?.allMs)} | ${allRuns(z?.allMs)}`,
    ]);
  };
  const ladingTiming = (s: LadingSeries | undefined): Timing | undefined =>
    s?.bestMs === undefined ? undefined : { bestMs: s.bestMs, allMs: s.runs.map((x) => (x.ok ? x.ms : NaN)) };
  wrow('a) C, layers one after another', ng?.sequential, nz?.sequential);
  wrow('a) C, 2 layers in parallel', ng?.parallel2, nz?.parallel2);
  wrow('a) C, 2 in parallel, curl via the proxy', ng?.parallel2ViaProxy, nz?.parallel2ViaProxy);
  wrow('b) Lading in Chromium, navigation → complete', ladingTiming(lg), ladingTiming(lz));
  const cliTiming = (runs: CliRun[] | undefined): Timing | undefined => {
    const best = bestRun(runs);
    return best === undefined ? undefined : { bestMs: best, allMs: (runs ?? []).map((x) => (x.ok ? x.ms : NaN)) };
  };
  const cg = r.cli?.gzip;
  const cz = r.cli?.zstd;
  if (cg || cz) wrow('d) CLI (lading analyze), start → exit', cliTiming(cg), cliTiming(cz));
  whole.push(['a/b: Lading ÷ C (2 parallel), best of each', ratio(ng?.parallel2.bestMs, lg?.bestMs), '', ratio(nz?.parallel2.bestMs, lz?.bestMs), '', '']);
  whole.push(['a/b: Lading ÷ C (2 parallel), median of rounds', paired(ng?.parallel2, lg), '', paired(nz?.parallel2, lz), '', '']);
  whole.push(['a/b: Lading ÷ C (sequential), best of each', ratio(ng?.sequential.bestMs, lg?.bestMs), '', ratio(nz?.sequential.bestMs, lz?.bestMs), '', '']);
  if (cg || cz) {
    whole.push(['a/d: CLI ÷ C (2 parallel), best of each', ratio(ng?.parallel2.bestMs, bestRun(cg)), '', ratio(nz?.parallel2.bestMs, bestRun(cz)), '', '']);
    whole.push([
      'a/d: CLI ÷ C (2 parallel), median of rounds',
      pairedRuns(ng?.parallel2, cg),
      '',
      pairedRuns(nz?.parallel2, cz),
      '',
      `rounds: ${roundRatios(ng?.parallel2, cg)} | ${roundRatios(nz?.parallel2, cz)}`,
    ]);
    whole.push(['a/d: CLI ÷ C (sequential), best of each', ratio(ng?.sequential.bestMs, bestRun(cg)), '', ratio(nz?.sequential.bestMs, bestRun(cz)), '', '']);
  }
  out.push(table(whole, ['l', 'r', 'r', 'r', 'r', 'l']));
  const settled = [lg, lz]
    .flatMap((s) => s?.runs ?? [])
    .map((x) => x.settleMs)
    .filter((ms): ms is number => ms !== undefined);
  if (settled.length) {
    out.push(
      `  Each Lading run opens a new browser window; its clock starts once that window is quiet (waited ${sec(Math.min(...settled))}–${sec(Math.max(...settled))}): ` +
        'Chromium loads its own omnibox popup (a WebUI page in a renderer of its own) for about a second after a window opens, which an open browser did long ago.',
    );
  }
  for (const [name, s] of [
    ['gzip', lg],
    ['zstd', lz],
  ] as const) {
    if (s?.failed) out.push(`  Lading ${name}: ${s.failed} of ${s.runs.length} runs FAILED: ${s.runs.find((x) => !x.ok)?.error ?? ''}`);
    if (s?.runs.length) {
      const other = s.runs.map((x) => (x.cpu[OTHER_PROCESSES] ?? 0).toFixed(1)).join(' / ');
      out.push(`  Other processes on the machine used ${other} core-s during the Lading ${name} runs.`);
    }
  }

  for (const [name, runs] of [
    ['gzip', cg],
    ['zstd', cz],
  ] as const) {
    const failed = runs?.filter((x) => !x.ok) ?? [];
    if (failed.length) out.push(`  CLI ${name}: ${failed.length} of ${runs?.length} runs FAILED: ${failed[0]?.error ?? ''}`);
  }

  if (r.cliStartupMs !== undefined) {
    out.push(
      `  The CLI's fixed cost, in each of its times: ${sec(r.cliStartupMs)} for \`lading --help\` (${r.cliBuild === 'tsx' ? "Node, tsx compiling and loading the CLI's modules" : "Node loading the CLI's bundle, dist/cli"}; nothing read).`,
    );
  }

  // ------------------------------------------------------------- heavy image
  if (r.heavy) out.push(...heavyReport(r.heavy));

  // ------------------------------------------------------------- per layer
  for (const name of ['gzip', 'zstd'] as const) {
    const tag = image.tags[name];
    const native = r.native[name];
    const best = r.lading[name]?.best;
    out.push('', `Per layer, ${name} (C: one pipeline alone; Lading: the blob request's start to end in the best run, 2 workers sharing 2 cores)`);
    const rows: string[][] = [['layer', 'stored MB', 'tar MB', 'entries', 'C time', 'C MB/s', 'Lading time', 'Lading MB/s']];
    for (const [i, l] of tag.layers.entries()) {
      const c = native?.perLayer[i]?.bestMs;
      const b = best?.blobs.find((x) => x.digest === l.digest);
      const lt = b ? b.endMs - b.startMs : undefined;
      rows.push([
        `${i + 1} ${shortName(l)}`,
        mb(l.size),
        mb(l.uncompressedSize),
        l.entryCount.toLocaleString('en'),
        sec(c),
        rate(l.uncompressedSize, c),
        sec(lt),
        rate(l.uncompressedSize, lt),
      ]);
    }
    out.push(table(rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  }

  // ------------------------------------------------------------- heap
  out.push(
    '',
    `Peak memory in Lading, MB: V8 JS heap / JS heap + ArrayBuffers, sampled every ~${r.lading.gzip?.runs[0]?.heap.intervalMs ?? 100} ms over CDP.`,
    '"as sampled": max over the timed runs (includes garbage not yet collected); "live": one more run with a full GC before each sample.',
  );
  const hrows: string[][] = [['image', 'stored MB', 'tar MB', 'page', 'one worker', 'all workers', 'live: page', 'live: one worker', 'live: all workers']];
  for (const name of ['gzip', 'zstd', 'single-small', 'single-medium', 'single-large'] as const) {
    const t = r.image.tags[name];
    const h = maxHeap(r.lading[name]);
    const live = r.lading[name]?.liveHeapRun;
    const label = name.startsWith('single') ? `${name} (${shortName(t.layers[0] as BenchLayer)})` : `${name} image`;
    hrows.push([label, mb(t.size, 2), mb(t.uncompressedSize, 1), ...heapCells(h), ...(live?.ok ? heapCells(live.heap) : ['—', '—', '—'])]);
  }
  out.push(table(hrows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  // Does the live worker peak follow the blob's size? Compare the second smallest and the largest layer
  // (the smallest one is too small to fill the stream's buffers at all).
  const medium = r.lading['single-medium']?.liveHeapRun;
  const large = r.lading['single-large']?.liveHeapRun;
  if (medium?.ok && large?.ok) {
    const grow = large.heap.worker.usedPlusBackingMax - medium.heap.worker.usedPlusBackingMax;
    const bytes = r.image.tags['single-large'].size - r.image.tags['single-medium'].size;
    out.push(
      `Live worker peak (heap + ArrayBuffers): ${mb(medium.heap.worker.usedPlusBackingMax)} MB for a ${mb(r.image.tags['single-medium'].size)} MB blob, ` +
        `${mb(large.heap.worker.usedPlusBackingMax)} MB for a ${mb(r.image.tags['single-large'].size)} MB blob: ${grow >= 0 ? '+' : ''}${mb(grow, 2)} MB for ` +
        `${mb(bytes)} MB more blob (${((100 * grow) / bytes).toFixed(1)}%) → ` +
        (grow < 0.25 * bytes
          ? 'bounded: streamed, not buffered (holding the blob would add about 100% of it; what varies is the few MB queued between network and worker).'
          : 'GROWS WITH THE BLOB: something holds on to it.'),
    );
  }
  const sampledLarge = maxHeap(r.lading['single-large']);
  const sampledImage = maxHeap(r.lading.gzip);
  if (sampledLarge && sampledImage) {
    out.push(
      `As sampled (garbage included), one worker reaches ${mb(sampledLarge.worker.usedPlusBackingMax)} MB on the largest layer alone and ` +
        `${mb(sampledImage.worker.usedPlusBackingMax)} MB over the whole gzip image: chunks already consumed that V8 has not collected yet ` +
        '(V8 starts a GC when external memory has grown by about 64 MB since the last one).',
    );
  }

  // ------------------------------------------------------------- CPU by component
  const cpuRuns = (['gzip', 'zstd'] as const).map((n) => [n, r.lading[n]?.best] as const).filter((x): x is readonly ['gzip' | 'zstd', LadingRun] => !!x[1]);
  if (cpuRuns.length) {
    out.push('', `CPU seconds by component during the best Lading runs (${r.machine.cores} cores)`);
    const labels = [...new Set(cpuRuns.flatMap(([, run]) => Object.keys(run.cpu)))];
    const crows: string[][] = [['', ...cpuRuns.map(([n]) => n)]];
    crows.push(['wall time × cores', ...cpuRuns.map(([, run]) => ((run.ms / 1000) * r.machine.cores).toFixed(2))]);
    crows.push([
      'CPU used by the bench',
      ...cpuRuns.map(([, run]) =>
        Object.entries(run.cpu)
          .filter(([k]) => k !== OTHER_PROCESSES)
          .reduce((x, [, y]) => x + y, 0)
          .toFixed(2),
      ),
    ]);
    for (const label of labels.filter((l) => l !== OTHER_PROCESSES)) {
      const values = cpuRuns.map(([, run]) => run.cpu[label] ?? 0);
      if (values.some((v) => v >= 0.05)) crows.push([`  ${label}`, ...values.map((v) => v.toFixed(2))]);
    }
    crows.push([OTHER_PROCESSES, ...cpuRuns.map(([, run]) => (run.cpu[OTHER_PROCESSES] ?? 0).toFixed(2))]);
    const m = (k: string) => cpuRuns.map(([, run]) => (run.pageMetrics[k] ?? 0).toFixed(k.endsWith('Count') ? 0 : 2));
    crows.push(['page main thread, from Performance.getMetrics:', ...cpuRuns.map(() => '')]);
    crows.push(
      ['  tasks (s)', ...m('TaskDuration')],
      ['  script (s)', ...m('ScriptDuration')],
      ['  style + layout (s)', ...cpuRuns.map(([, run]) => ((run.pageMetrics.RecalcStyleDuration ?? 0) + (run.pageMetrics.LayoutDuration ?? 0)).toFixed(2))],
    );
    crows.push(['  layouts', ...m('LayoutCount')], ['  style recalcs', ...m('RecalcStyleCount')]);
    const overhead = r.lading['single-small']?.bestMs;
    if (overhead !== undefined) crows.push(['fixed cost (single-small run: page, manifest, workers)', ...cpuRuns.map(() => sec(overhead))]);
    out.push(table(crows, ['l', ...cpuRuns.map(() => 'r' as const)]));
  }

  // ------------------------------------------------------------- decoders
  const d = r.decoders;
  if (d) {
    out.push(
      '',
      `c) Decoders in a Chromium worker, largest gzip layer (${shortName({ createdBy: d.layer.createdBy } as BenchLayer)}: gzip ${mb(d.layer.size)} MB, zstd ${mb(d.layer.zstdSize)} MB, tar ${mb(d.layer.uncompressedSize)} MB), from a Blob in memory`,
    );
    const drows: string[][] = [['', 'best', 'MB/s (tar)', 'MB/s (stored)']];
    for (const row of d.rows) {
      if (row.unsupported) drows.push([row.label, 'not supported', row.unsupported.slice(0, 60), '']);
      else if (row.error) drows.push([row.label, 'ERROR', row.error.slice(0, 80), '']);
      else
        drows.push([
          row.label + (row.members !== undefined ? ` [${row.members} member${row.members === 1 ? '' : 's'}]` : ''),
          sec(row.bestMs),
          row.mbps.toFixed(0),
          row.kind.startsWith('sha') || row.kind === 'tar' ? '' : mbps(row.inBytes, row.bestMs).toFixed(0),
        ]);
    }
    out.push(table(drows, ['l', 'r', 'r', 'r']));
    out.push(`Decision: ${d.decision}.`);
    if (d.zstdDecision) out.push(`Decision (zstd): ${d.zstdDecision}.`);
  }

  // ------------------------------------------------------------- profile
  for (const name of ['gzip', 'zstd'] as const) {
    const run = r.profile?.[name];
    const p = run?.summary;
    if (!run || !p) continue;
    out.push('', `Profile of one more ${name} run (${sec(run.ms)} with the profiler on, not timed; .cpuprofile files open in Chrome DevTools):`);
    out.push(
      table(
        [['target', 'sampled', 'idle'], ...p.targets.map((t) => [t.name, sec(t.totalMs), `${((100 * t.idleMs) / Math.max(1, t.totalMs)).toFixed(0)}%`])],
        ['l', 'r', 'r'],
      ),
    );
    out.push(`Top self time in the layer workers (share of their busy time), ${name}:`);
    out.push(
      table(
        p.workerTop.map((f) => [`${f.selfPercent.toFixed(1)}%`, sec(f.selfMs), fnName(f)]),
        ['r', 'r', 'l'],
      ),
    );
    if (p.pageTop.length) {
      out.push(`Top self time on the page main thread, ${name}:`);
      out.push(
        table(
          p.pageTop.slice(0, 6).map((f) => [`${f.selfPercent.toFixed(1)}%`, sec(f.selfMs), fnName(f)]),
          ['r', 'r', 'l'],
        ),
      );
    }
  }
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
}

function heavyReport(h: HeavyResults): string[] {
  const out: string[] = [];
  const gz = h.tags.gzip;
  const zs = h.tags.zstd;
  out.push(
    '',
    `Heavy image lading/bench-heavy: ${gz.layers.length} layers, ${mb(gz.uncompressedSize)} MB uncompressed, ${gz.entryCount.toLocaleString('en')} tar entries; ` +
      `gzip ${mb(gz.size)} MB, zstd ${mb(zs.size)} MB. Rounds interleave C, Chromium and the CLI; a/x = C time ÷ x's time.`,
  );
  const rows: string[][] = [['', 'best', 'MB/s', 'all runs, s', 'a/x best of each (2 parallel | sequential)', 'a/x per round (2 parallel)']];
  const runsCell = (ms: readonly number[]): string => ms.map((x) => (Number.isNaN(x) ? 'failed' : (x / 1000).toFixed(2))).join(' / ');
  for (const compression of ['gzip', 'zstd'] as const) {
    const t = h.tags[compression];
    const n = h.native[compression];
    rows.push([
      `a) C ${compression}, layers one after another`,
      sec(n.sequential.bestMs),
      rate(t.uncompressedSize, n.sequential.bestMs),
      runsCell(n.sequential.allMs),
      '',
      '',
    ]);
    rows.push([
      `a) C ${compression}, 2 layers in parallel`,
      sec(n.parallel2.bestMs),
      rate(t.uncompressedSize, n.parallel2.bestMs),
      runsCell(n.parallel2.allMs),
      '',
      '',
    ]);
    for (const s of h.series.filter((x) => x.compression === compression)) {
      for (const [what, runs] of [
        ['b) Lading in Chromium', s.lading],
        ['d) CLI', s.cli],
      ] as const) {
        if (!runs.length) continue;
        const best = bestRun(runs);
        rows.push([
          `${what}, ${s.label}`,
          sec(best),
          rate(t.uncompressedSize, best),
          runsCell(runs.map((x) => (x.ok ? x.ms : NaN))),
          `${ratio(n.parallel2.bestMs, best)} | ${ratio(n.sequential.bestMs, best)}`,
          roundRatios(n.parallel2, runs),
        ]);
      }
    }
  }
  out.push(table(rows, ['l', 'r', 'r', 'l', 'l', 'l']));
  for (const s of h.series) {
    const failed = [...s.lading, ...s.cli].filter((x) => !x.ok) as { error?: string }[];
    if (failed.length) out.push(`  ${s.label}: ${failed.length} runs FAILED: ${failed[0]?.error ?? ''}`);
  }
  const cpu = h.series.flatMap((s) =>
    s.cli.filter((x) => x.ok && x.cpuSeconds !== undefined).map((x) => `${s.label} ${x.cpuSeconds?.toFixed(1)} core-s in ${sec(x.ms)}`),
  );
  if (cpu.length) out.push(`  CLI CPU (user + system, all its threads): ${cpu.join('; ')}.`);
  const other = h.series.flatMap((s) => s.lading.map((x) => (x.cpu[OTHER_PROCESSES] ?? 0).toFixed(1)));
  if (other.length) out.push(`  Other processes on the machine used ${other.join(' / ')} core-s during the Chromium runs.`);
  return out;
}
