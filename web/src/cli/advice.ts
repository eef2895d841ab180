/**
 * The shrink advice in the CLI's output (core/advice): the `advice[]` and `duplicates[]` of the
 * JSON's `lading` section, and the top findings in the text summary. Kept apart from analysis.ts
 * and report.ts so that other sections (packages) merge beside it.
 *
 * JSON, with the names issue 13 fixes for scripts:
 *   advice[]:     { rule, bytes, layer, command, paths[], fix }, largest saving first, findings at
 *                 or over the floor only; also `small` (false), `pathCount` (paths are capped at
 *                 JSON_ADVICE_PATHS, largest first) and `related` (the layers that removed the
 *                 bytes, the packages of a toolchain)
 *   adviceSmall[]: the same for findings under the floor
 *   adviceSummary: { totalBytes, percent, imageBytes, minBytes, smallBytes, smallCount, hashed }
 *   duplicates[]: { sizeBytes (of each copy), paths[] } for every group of the final image, largest saving first
 */
import type { PackageReport } from '../core/packages';
import { computeAdvice, RULE_TITLE, type AdviceFinding, type AdviceReport } from '../core/advice';
import type { ImageFilesystem } from '../core/fs';
import type { Style } from './ci';
import { goFixed, humanizeBytes } from './goFormat';

/** Paths per finding in the JSON (the largest; `pathCount` says how many there are). */
export const JSON_ADVICE_PATHS = 1000;
/** Findings, and paths of each, in the text summary. */
export const SUMMARY_ADVICE = 10;
const SUMMARY_ADVICE_PATHS = 3;

/** `packages`: the image's package report, when built (build-toolchain then goes by owning package). */
export function adviceFor(fs: ImageFilesystem, minBytes?: number, packages?: PackageReport): AdviceReport {
  return computeAdvice(fs, { ...(minBytes !== undefined ? { minBytes } : {}), ...(packages ? { packages } : {}) });
}

function findingJson(f: AdviceFinding): Record<string, unknown> {
  return {
    rule: f.rule,
    bytes: f.bytes,
    layer: f.layer,
    command: f.command,
    paths: f.paths.slice(0, JSON_ADVICE_PATHS).map((p) => p.path),
    fix: f.fix,
    small: f.small,
    pathCount: f.paths.length,
    related: f.related,
  };
}

/** The keys added to the JSON's `lading` section. */
export function adviceSection(r: AdviceReport): Record<string, unknown> {
  return {
    advice: r.findings.map(findingJson),
    adviceSmall: r.small.map(findingJson),
    adviceSummary: {
      totalBytes: r.totalBytes,
      percent: r.percent,
      imageBytes: r.imageBytes,
      minBytes: r.minBytes,
      smallBytes: r.smallBytes,
      smallCount: r.small.length,
      hashed: r.hashed,
    },
    duplicates: r.duplicates.map((d) => ({ sizeBytes: d.sizeBytes, paths: d.paths })),
  };
}

function padStart(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** The text summary's "Shrink advice" section. */
export function adviceText(r: AdviceReport, style: Style): string[] {
  const lines: string[] = [];
  lines.push(
    `${style.title('Shrink advice:')} could be ${humanizeBytes(r.totalBytes)} smaller (${goFixed(r.percent, 1)} %), ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}, each byte counted once`,
  );
  if (!r.hashed) lines.push('  (no content hashes: metadata-only copies and duplicates are not looked for)');
  for (const f of r.findings.slice(0, SUMMARY_ADVICE)) {
    lines.push(`  ${padStart(humanizeBytes(f.bytes), 9)}  ${f.rule}  layer ${f.layer}${f.command ? `: ${f.command.replace(/\s*\n\s*/g, ' ')}` : ''}`);
    lines.push(`             ${RULE_TITLE[f.rule]}. ${f.fix}`);
    for (const p of f.paths.slice(0, SUMMARY_ADVICE_PATHS)) lines.push(`             ${padStart(humanizeBytes(p.bytes), 9)}  ${p.path}`);
    if (f.paths.length > SUMMARY_ADVICE_PATHS) lines.push(`             … ${f.paths.length - SUMMARY_ADVICE_PATHS} more paths`);
  }
  if (r.findings.length > SUMMARY_ADVICE) lines.push(`  … ${r.findings.length - SUMMARY_ADVICE} more findings (all of them in --json)`);
  if (r.small.length > 0) {
    lines.push(
      `  ${r.small.length} smaller finding${r.small.length === 1 ? '' : 's'} under ${humanizeBytes(r.minBytes)} (${humanizeBytes(r.smallBytes)} in all; --min-bytes lowers the floor)`,
    );
  }
  return lines;
}
