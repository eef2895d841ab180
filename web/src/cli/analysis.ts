/**
 * From the opened image and its read layers to every figure the CLI prints: the stacked
 * filesystem (core/fs), dive's analysis, Lading's reclaimable bytes, and the JSON document
 * (dive's export schema plus a `lading` section).
 */
import { dockerfileLine, matchLayersToHistory } from '../core/image';
import { REASONS, stackLayers, type DiveAnalysis, type ImageFilesystem, type ReclaimReason } from '../core/fs';
import { formatReference, repositoryName } from '../core/reference';
import type { AdviceReport } from '../core/advice';
import type { PackageReport } from '../core/packages';
import { adviceFor, adviceSection } from './advice';
import { diveExport, goJson, type DiveExport } from './diveExport';
import { packagesSection } from './packages';
import { layerFailed, type LayerRead } from './read';
import type { OpenedImage } from './source';

export interface ImageAnalysis {
  opened: OpenedImage;
  reads: LayerRead[];
  fs: ImageFilesystem;
  dive: DiveAnalysis;
  /** `created_by` per layer, when the history matches the layers. */
  createdBy: (string | undefined)[];
  /** The Dockerfile line per layer ("" when unknown). */
  commands: string[];
  failedLayers: number[];
  /** The packages of every layer (packages.ts `imagePackages`), once built. */
  packages?: PackageReport;
  /** Shrink advice (advice.ts); made again with the packages once they are known (build-toolchain goes by package then). */
  advice: AdviceReport;
}

export function analyzeImage(opened: OpenedImage, reads: LayerRead[], options: { minBytes?: number } = {}): ImageAnalysis {
  const matched = matchLayersToHistory(opened.image.manifest, opened.image.config);
  const createdBy = opened.image.layers.map((_, k) => matched[k]?.history?.created_by);
  const commands = createdBy.map((c) => dockerfileLine(c));
  const fs = stackLayers(reads.map((r, k) => ({ index: r.layerIndex, command: commands[k] ?? '' })));
  return {
    opened,
    reads,
    fs,
    dive: fs.dive(),
    createdBy,
    commands,
    failedLayers: reads.filter(layerFailed).map((r) => r.index),
    advice: adviceFor(fs, options.minBytes),
  };
}

/** How many reclaimable items the JSON lists (the totals always cover all of them). */
export const JSON_RECLAIMABLE_ITEMS = 1000;

function byReason(values: Float64Array, k: number): Record<ReclaimReason, number> {
  const out = {} as Record<ReclaimReason, number>;
  REASONS.forEach((reason, r) => {
    out[reason] = values[k * REASONS.length + r] ?? 0;
  });
  return out;
}

/** Lading's figures, beside dive's: sources, verification, reclaimable bytes per layer and reason. */
export function ladingSection(a: ImageAnalysis): Record<string, unknown> {
  const { opened, reads, fs, dive } = a;
  const image = opened.image;
  const reclaim = fs.reclaimable();
  const L = reads.length;
  const totalByReason = {} as Record<ReclaimReason, number>;
  REASONS.forEach((reason, r) => {
    let sum = 0;
    for (let k = 0; k < L; k++) sum += reclaim.byLayerAndReason[k * REASONS.length + r] ?? 0;
    totalByReason[reason] = sum;
  });
  const source =
    opened.kind === 'registry'
      ? {
          type: 'registry',
          reference: opened.reference ? formatReference(opened.reference) : undefined,
          repository: opened.reference ? repositoryName(opened.reference) : undefined,
          resolvedDigest: opened.resolvedDigest,
          resolvedMediaType: opened.resolvedMediaType,
        }
      : { type: 'archive', archiveKind: opened.kind, file: opened.file, tags: opened.tags ?? [] };
  const items = fs.reclaimableItems({ limit: JSON_RECLAIMABLE_ITEMS });
  return {
    schemaVersion: 1,
    source,
    image: {
      digest: image.digest,
      digestSynthesized: opened.digestSynthesized,
      mediaType: image.mediaType,
      platform: opened.platform,
      platforms: opened.platforms,
      configDigest: image.manifest.config.digest,
      created: image.config.created ?? null,
      layerCount: L,
      compressedSizeBytes: image.layers.reduce((s, l) => s + l.size, 0),
      uncompressedSizeBytes: reads.reduce((s, r) => s + (r.analysis?.uncompressedBytes ?? 0), 0),
    },
    // dive's figures that its export leaves out (wastedUserPercent is 0, not NaN, without user bytes).
    userSizeBytes: dive.userSizeBytes,
    wastedUserPercent: dive.wastedUserPercent,
    // Layers whose walk dive ends early (a whiteout of a path no lower layer has; DIVE-COMPAT.md quirk 6).
    diveTruncatedLayers: dive.truncatedLayers,
    reclaimableBytes: reclaim.totalBytes,
    reclaimableByReason: totalByReason,
    reclaimableItemCount: reclaim.entries.length,
    reclaimableItems: items.map((it) => ({
      path: it.path,
      bytes: it.bytes,
      layer: it.layer,
      reason: it.reason,
      byLayer: it.byLayer,
      byPath: it.byPath,
    })),
    ...(a.packages ? packagesSection(a.packages) : {}),
    ...adviceSection(a.advice),
    verification: {
      ok: a.failedLayers.length === 0,
      failedLayers: a.failedLayers,
    },
    layers: reads.map((r, k) => {
      const an = r.analysis;
      const stats = fs.layerStats(k);
      return {
        index: k,
        digest: r.layer.digest,
        diffId: r.layer.diffId ?? null,
        mediaType: r.layer.mediaType,
        compression: an?.compression ?? null,
        compressedSizeBytes: r.layer.size,
        uncompressedSizeBytes: an?.uncompressedBytes ?? null,
        entries: r.layerIndex.count,
        diveSizeBytes: dive.layerSizes[k] ?? 0,
        createdBy: a.createdBy[k] ?? null,
        command: a.commands[k] ?? '',
        added: stats.added,
        modified: stats.modified,
        removed: stats.removed,
        reclaimableBytes: reclaim.byLayer[k] ?? 0,
        reclaimableByReason: byReason(reclaim.byLayerAndReason, k),
        verification: {
          ok: !layerFailed(r),
          digest: { expected: an?.digest.expected ?? r.layer.digest, actual: an?.digest.actual ?? null, ok: an?.digest.ok ?? false },
          diffId: { expected: an?.diffId.expected ?? r.layer.diffId ?? null, actual: an?.diffId.actual ?? null, ok: an?.diffId.ok ?? false },
          error: an?.error ? { kind: an.error.kind, message: an.error.message, offset: an.error.offset, stream: an.error.stream } : null,
          problems: r.problems,
          warnings: r.warnings,
        },
      };
    }),
  };
}

export type ExportDocument = DiveExport & { lading: Record<string, unknown> };

export function exportDocument(a: ImageAnalysis): ExportDocument {
  const dive = diveExport({
    layers: a.reads.map((r, k) => ({ index: r.layerIndex, id: a.opened.layerIds[k] ?? '' })),
    config: a.opened.image.config,
    dive: a.dive,
  });
  return { ...dive, lading: ladingSection(a) };
}

/** The `--json` file: dive's layout (Go's MarshalIndent), dive's keys first, then `lading`. */
export function exportJson(a: ImageAnalysis): string {
  return goJson(exportDocument(a));
}
