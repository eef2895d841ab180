/**
 * `lading analyze <reference | archive> [--platform …] [--json FILE] [--ci] [--ci-config FILE]`:
 * dive's analysis from the command line, on Lading's core (see README's CLI section for usage).
 *
 * stdout: the summary (and the CI report); stderr: progress (on a terminal), per-layer problems,
 * errors. Exit codes: 0 ok, 1 could not analyze (or CI misconfigured), 2 integrity failure,
 * 3 CI rule failed — see args.ts USAGE.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../../../proxy/src/index';
import { explainError } from '../core/explain';
import { InvalidReferenceError, manifestReference, parseReference, repositoryName } from '../core/reference';
import { ArchiveError, ArchiveSelectionError } from '../core/sources';
import { adviceFor } from './advice';
import { analyzeImage, exportJson, type ImageAnalysis } from './analysis';
import { parseArgs, USAGE, UsageError, type AnalyzeArgs } from './args';
import {
  CiConfigError,
  ciReport,
  evaluateCi,
  parseCiConfig,
  PLAIN,
  resolveCiRules,
  resultsSection,
  validateCiRules,
  type CiAnalysis,
  type CiRules,
  type Style,
} from './ci';
import { humanizeBytes } from './goFormat';
import { imagePackages } from './packages';
import { readLayers, type ReadProgress } from './read';
import { summaryText } from './report';
import { PlatformNotFoundError } from '../core/errors';
import { openImage, SourceFileError, type OpenedImage } from './source';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_INTEGRITY = 2;
export const EXIT_CI_FAILED = 3;
/** Ctrl-C, as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
}

function colorStyle(enabled: boolean): Style {
  if (!enabled) return PLAIN;
  const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
  return { title: sgr('1'), pass: sgr('32'), fail: sgr('1;31'), warn: sgr('33') };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const out = (s: string): void => void io.stdout.write(`${s}\n`);
  const err = (s: string): void => void io.stderr.write(`${s}\n`);
  let args: AnalyzeArgs;
  try {
    const parsed = parseArgs(argv);
    if (parsed.command === 'help') {
      out(USAGE);
      return EXIT_OK;
    }
    args = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`lading: ${error.message}\n\n${USAGE}`);
      return EXIT_ERROR;
    }
    throw error;
  }
  const useColor = args.color ?? (io.stdout.isTTY === true && !io.env.NO_COLOR);
  const style = colorStyle(useColor);

  // CI rules are checked before anything is downloaded.
  let ciRules: CiRules | undefined;
  let ciSource = '';
  if (args.ci) {
    try {
      ({ rules: ciRules, source: ciSource } = await loadCiRules(args, io, err));
    } catch (error) {
      if (error instanceof CiConfigError) {
        err(`lading: ${error.message}`);
        return EXIT_ERROR;
      }
      throw error;
    }
    const validation = validateCiRules(ciRules);
    if (!validation.ok) {
      err(
        resultsSection({ results: validation.results, pass: false, misconfigured: true, tally: { total: 0, pass: 0, fail: 0, warn: 0, skip: 0 } }).join('\n'),
      );
      err(`lading: the CI rules (${ciSource}) are misconfigured; nothing was analyzed`);
      return EXIT_ERROR;
    }
  }

  let opened: OpenedImage;
  try {
    opened = await openImage(args.target, {
      ...(args.platform !== undefined ? { platform: args.platform } : {}),
      env: io.env,
      cwd: io.cwd,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(args.verbose ? { log: (line: string) => err(`proxy: ${line}`) } : {}),
    });
  } catch (error) {
    if (io.signal?.aborted) {
      err('lading: interrupted');
      return EXIT_INTERRUPTED;
    }
    err(describeOpenError(error, args.target));
    return EXIT_ERROR;
  }

  let analysis: ImageAnalysis;
  try {
    const progress = io.stderr.isTTY ? progressLine(io.stderr, opened.image.layers.length) : undefined;
    const reads = await readLayers(opened.image.layers, {
      concurrency: args.concurrency,
      // The bench's switch (e2e/bench/README.md): the per-file content hash is on unless this says off.
      contentHash: io.env.LADING_CONTENT_HASH !== 'off',
      ...(progress ? { onProgress: progress.update } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    progress?.done();
    if (io.signal?.aborted) {
      err('lading: interrupted');
      return EXIT_INTERRUPTED;
    }
    for (const r of reads) {
      for (const problem of r.problems) err(`lading: layer ${r.index} (${r.layer.digest}): ${problem}`);
      for (const warning of r.warnings) err(`lading: warning: layer ${r.index} (${r.layer.digest}): ${warning}`);
    }
    analysis = analyzeImage(opened, reads, args.minBytes !== undefined ? { minBytes: args.minBytes } : {});
    analysis.packages = await imagePackages(
      analysis.fs,
      reads.map((r) => r.packages),
    );
    analysis.advice = adviceFor(analysis.fs, args.minBytes, analysis.packages);
  } finally {
    await opened.close();
  }

  if (args.json !== undefined) {
    const json = exportJson(analysis);
    if (args.json === '-') {
      io.stdout.write(json);
      io.stdout.write('\n');
    } else {
      try {
        await writeFile(resolvePath(io.cwd, args.json), json);
      } catch (error) {
        err(`lading: cannot write ${args.json}: ${error instanceof Error ? error.message : String(error)}`);
        return EXIT_ERROR;
      }
    }
  }
  // With --json -, stdout is the JSON document; the summary would break it.
  const textOut = args.json === '-' ? err : out;
  if (args.json !== '-') textOut(summaryText(analysis, style));

  let ciPassed = true;
  if (ciRules) {
    const ciAnalysis: CiAnalysis = {
      efficiency: analysis.dive.efficiency,
      wastedBytes: analysis.dive.wastedBytes,
      wastedUserPercent: analysis.dive.wastedUserPercent,
      inefficiencies: analysis.dive.inefficiencies.map((f) => ({ count: f.count, sizeBytes: f.sizeBytes, path: f.path })),
    };
    const evaluation = evaluateCi(ciRules, ciAnalysis);
    textOut('');
    textOut(style.title(`CI (dive's rules, ${ciSource}):`));
    textOut(ciReport(evaluation, ciAnalysis, style));
    ciPassed = evaluation.pass;
  }

  if (analysis.failedLayers.length > 0) {
    err(
      `lading: ${analysis.failedLayers.length} layer${analysis.failedLayers.length === 1 ? '' : 's'} failed verification or could not be read in full; the analysis is incomplete (exit ${EXIT_INTEGRITY})`,
    );
    return EXIT_INTEGRITY;
  }
  return ciPassed ? EXIT_OK : EXIT_CI_FAILED;
}

async function loadCiRules(args: AnalyzeArgs, io: CliIo, err: (s: string) => void): Promise<{ rules: CiRules; source: string }> {
  let path: string | undefined;
  if (args.ciConfig !== undefined) {
    path = resolvePath(io.cwd, args.ciConfig);
    if (!existsSync(path)) throw new CiConfigError(`CI config ${args.ciConfig}: no such file`);
  } else if (existsSync(resolvePath(io.cwd, '.dive-ci'))) {
    path = resolvePath(io.cwd, '.dive-ci');
  }
  let fileRules = {};
  let source = 'default rules';
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new CiConfigError(`CI config ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = parseCiConfig(text, args.ciConfig ?? '.dive-ci');
    for (const key of parsed.ignored) err(`lading: warning: ${args.ciConfig ?? '.dive-ci'}: unknown key "${key}" ignored`);
    fileRules = parsed.rules;
    source = args.ciConfig ?? '.dive-ci';
  }
  if (Object.keys(args.ciRules).length > 0) source += ' + command-line rules';
  return { rules: resolveCiRules(fileRules, args.ciRules), source };
}

/** One clear message for anything that stops the image from being opened. */
export function describeOpenError(error: unknown, target: string): string {
  if (error instanceof SourceFileError || error instanceof PlatformNotFoundError || error instanceof ConfigError || error instanceof ArchiveSelectionError) {
    return `lading: ${error.message}`;
  }
  if (error instanceof ArchiveError) return `lading: cannot read the archive ${target}: ${error.message}`;
  let context = {};
  if (!(error instanceof InvalidReferenceError)) {
    try {
      const ref = parseReference(target);
      context = { repository: repositoryName(ref), reference: manifestReference(ref) };
    } catch {
      // not a reference: no context
    }
  }
  const e = explainError(error, context);
  return `lading: ${e.title}: ${e.detail}${e.hint ? `\n  ${e.hint}` : ''}`;
}

/** A self-overwriting progress line for a terminal. */
function progressLine(stream: NodeJS.WritableStream, layerCount: number): { update: (p: ReadProgress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.layersDone < p.layerCount) return;
      last = now;
      shown = true;
      const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
      stream.write(`\r\x1b[KReading layers: ${p.layersDone}/${layerCount} done, ${humanizeBytes(p.bytesRead)} of ${humanizeBytes(p.totalBytes)} (${pct} %)`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
