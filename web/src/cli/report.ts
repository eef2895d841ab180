/**
 * The text printed on stdout: what was analyzed, the layers, dive's "Image Details" (its
 * figures, formatted as dive formats them), and Lading's reclaimable bytes.
 */
import { describeWarning } from '../core/layers/warnings';
import { formatReference } from '../core/reference';
import type { Style } from './ci';
import { inefficientFilesTable } from './ci';
import { goFixed, humanizeBytes } from './goFormat';
import { adviceText } from './advice';
import type { ImageAnalysis } from './analysis';
import { packagesText } from './packages';

/** Inefficient files and reclaimable items listed in the summary (the JSON has them all). */
export const SUMMARY_ROWS = 20;

const REASON_LABEL = { overwritten: 'overwritten', deleted: 'deleted', 'hidden-by-opaque': 'hidden by opaque dir' } as const;

function padStart(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

function padEnd(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${goFixed((100 * part) / whole, 1)} %` : '0 %';
}

export function summaryText(a: ImageAnalysis, style: Style): string {
  const { opened, dive, fs } = a;
  const image = opened.image;
  const lines: string[] = [];
  const field = (label: string, value: string): void => {
    lines.push(`${style.title(padEnd(`${label}:`, 10))} ${value}`);
  };

  if (opened.kind === 'registry') {
    field('Image', opened.reference ? formatReference(opened.reference) : '?');
    field('Source', 'registry, through an in-process Lading proxy');
  } else {
    field('Image', opened.tags && opened.tags.length > 0 ? opened.tags.join(', ') : '(untagged)');
    field('Source', `${opened.kind} ${opened.file ?? ''}`);
  }
  const others = opened.platforms.filter((p) => p !== opened.platform);
  field('Platform', `${opened.platform}${others.length > 0 ? `  (also: ${others.join(', ')})` : ''}`);
  field('Digest', `${image.digest}${opened.digestSynthesized ? '  (of the manifest Lading derives from manifest.json; no registry has it)' : ''}`);
  if (opened.resolvedDigest !== undefined && opened.resolvedDigest !== image.digest) {
    field('Index', `${opened.resolvedDigest}  (what the reference resolves to)`);
  }
  field('Config', image.manifest.config.digest);
  lines.push('');

  lines.push(style.title(`Layers (${a.reads.length})`));
  lines.push(`  ${padStart('Index', 5)}  ${padStart('Size', 9)}  ${padStart('Compressed', 10)}  Command`);
  for (const r of a.reads) {
    const k = r.index;
    const mark = r.problems.length > 0 ? '  [FAILED: see stderr]' : '';
    const command = a.commands[k] ? oneLine(a.commands[k]!) : '(no history)';
    lines.push(
      `  ${padStart(String(k), 5)}  ${padStart(humanizeBytes(dive.layerSizes[k] ?? 0), 9)}  ${padStart(humanizeBytes(r.layer.size), 10)}  ${command}${mark}`,
    );
    for (const w of r.analysis?.warnings ?? []) lines.push(`  ${' '.repeat(5)}  note: ${describeWarning(w)}`);
  }
  lines.push('');

  // dive's Image Details pane (cmd/dive/cli/internal/ui/v1/view/image_details.go) and the
  // efficiency line of `dive --ci` (runtime/run.go).
  lines.push(style.title('Image details'));
  lines.push(`  Total Image size: ${humanizeBytes(dive.sizeBytes)}`);
  lines.push(`  Potential wasted space: ${humanizeBytes(dive.wastedBytes)}`);
  lines.push(`  Image efficiency score: ${Math.trunc(100 * dive.efficiency)} %`);
  lines.push(
    `  Efficiency: ${goFixed(dive.efficiency * 100, 4)} %   User size: ${humanizeBytes(dive.userSizeBytes)}   Wasted of user size: ${goFixed(dive.wastedUserPercent * 100, 4)} %`,
  );
  lines.push('');
  const inefficient = dive.inefficiencies.map((f) => ({ count: f.count, sizeBytes: f.sizeBytes, path: f.path }));
  for (const row of inefficientFilesTable(inefficient, SUMMARY_ROWS)) lines.push(`  ${row}`);
  if (inefficient.length > SUMMARY_ROWS) lines.push(`  … ${inefficient.length - SUMMARY_ROWS} more (all of them in --json)`);
  lines.push('');

  const reclaim = fs.reclaimable();
  lines.push(
    `${style.title('Reclaimable (Lading):')} ${humanizeBytes(reclaim.totalBytes)} in ${reclaim.entries.length} file${reclaim.entries.length === 1 ? '' : 's'}, ${percent(reclaim.totalBytes, dive.sizeBytes)} of the image`,
  );
  lines.push("  Bytes the layers ship that the final image cannot see, each counted once; dive's wasted space also counts the copy you keep.");
  if (reclaim.entries.length > 0) {
    const items = fs.reclaimableItems({ limit: SUMMARY_ROWS });
    lines.push(`  ${padStart('Size', 9)}  ${padStart('Layer', 5)}  ${padEnd('Reason', 20)}  Path`);
    for (const it of items) {
      const by =
        it.byLayer !== it.layer || it.reason !== 'overwritten'
          ? `  (by layer ${it.byLayer}${it.byPath !== it.path ? `: ${it.byPath}` : ''})`
          : '  (same layer)';
      lines.push(`  ${padStart(humanizeBytes(it.bytes), 9)}  ${padStart(String(it.layer), 5)}  ${padEnd(REASON_LABEL[it.reason], 20)}  ${it.path}${by}`);
    }
    if (reclaim.entries.length > SUMMARY_ROWS) lines.push(`  … ${reclaim.entries.length - SUMMARY_ROWS} more (the first 1000 in --json)`);
  }
  lines.push('');
  lines.push(...adviceText(a.advice, style));
  lines.push('');

  if (a.packages) lines.push(...packagesText(a.packages, style));

  if (a.failedLayers.length === 0) {
    lines.push(
      `${style.title('Verification:')} ${style.pass('all')} ${a.reads.length} layers match their digests${a.reads.every((r) => r.layer.diffId !== undefined) ? ' and diff_ids' : ''}`,
    );
  } else {
    lines.push(
      `${style.title('Verification:')} ${style.fail(`${a.failedLayers.length} of ${a.reads.length} layers failed`)} (layers ${a.failedLayers.join(', ')}; details on stderr); the figures above are incomplete`,
    );
  }
  return lines.join('\n');
}
