// Part e: the heavy image (build.sh heavy: 7 layers, ~1.7 GB of tar), gzip and zstd, in
// interleaved rounds: C pipelines (one after another, two at a time), Lading in Chromium and the
// CLI, so that a burst of other work on the machine hits all of them alike.
//
// The content-hash switch (issue 13 part 3): with `--content-hash both` every engine run is made
// once with the per-file content hash (XXH64, web/src/core/layers/contentHash.ts) off and once on;
// the engine is told by the page's `contentHash=on|off` query parameter (read by the worker
// bridge) and the CLI's LADING_CONTENT_HASH=on|off (read by cli/main.ts). The hash is on by default.

import type { Registry } from '../harness/registry';
import { runCli, type CliRun } from './cli';
import { blobUrl, totals, type BenchTag, type HeavyImage } from './image';
import type { LadingRun } from './lading';
import { runPipeline, runPipelinePool, type PipelineJob } from './native';
import type { Timing } from './timing';

export type ContentHashSwitch = 'default' | 'on' | 'off' | 'both';

/** The variants a switch asks for: undefined is the engine's default. */
export function contentHashVariants(s: ContentHashSwitch): ('on' | 'off' | undefined)[] {
  return s === 'both' ? ['off', 'on'] : s === 'default' ? [undefined] : [s];
}

export function variantLabel(v: 'on' | 'off' | undefined): string {
  return v === undefined ? '' : `, content hash ${v}`;
}

export interface EngineSeries {
  /** 'gzip' or 'zstd', and the content-hash variant if one was asked for. */
  label: string;
  compression: 'gzip' | 'zstd';
  contentHash?: 'on' | 'off';
  lading: LadingRun[];
  cli: CliRun[];
}

export interface HeavyResults {
  cacheKey: string;
  built: boolean;
  prepareSeconds: number;
  tags: Record<'gzip' | 'zstd', { size: number; uncompressedSize: number; entryCount: number; layers: HeavyImage['tags']['gzip']['layers'] }>;
  native: Record<'gzip' | 'zstd', { sequential: Timing; parallel2: Timing }>;
  series: EngineSeries[];
}

export interface HeavyRunOptions {
  image: HeavyImage;
  built: boolean;
  prepareSeconds: number;
  registry: Registry;
  rounds: number;
  timeoutMs: number;
  contentHash: ContentHashSwitch;
  skipC: boolean;
  /** Undefined: no browser runs. */
  lading?: (tag: BenchTag, query: Record<string, string>, what: string) => Promise<LadingRun>;
  skipCli: boolean;
  log: (message: string) => void;
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function runHeavy(o: HeavyRunOptions): Promise<HeavyResults> {
  const { image, registry } = o;
  const jobs = (name: 'gzip' | 'zstd'): PipelineJob[] =>
    image.tags[name].layers.map((layer) => ({ layer, url: blobUrl({ registry }, image.tags[name], layer.digest) }));
  const results: HeavyResults = {
    cacheKey: image.cacheKey,
    built: o.built,
    prepareSeconds: o.prepareSeconds,
    tags: {
      gzip: { ...totals(image.tags.gzip), layers: image.tags.gzip.layers },
      zstd: { ...totals(image.tags.zstd), layers: image.tags.zstd.layers },
    },
    native: {
      gzip: { sequential: { bestMs: NaN, allMs: [] }, parallel2: { bestMs: NaN, allMs: [] } },
      zstd: { sequential: { bestMs: NaN, allMs: [] }, parallel2: { bestMs: NaN, allMs: [] } },
    },
    series: [],
  };
  const variants = contentHashVariants(o.contentHash);
  for (const compression of ['gzip', 'zstd'] as const) {
    for (const v of variants)
      results.series.push({ label: `${compression}${variantLabel(v)}`, compression, ...(v ? { contentHash: v } : {}), lading: [], cli: [] });
  }
  for (let round = 1; round <= o.rounds; round++) {
    for (const compression of ['gzip', 'zstd'] as const) {
      const tag = image.tags[compression];
      if (!o.skipC) {
        const n = results.native[compression];
        n.sequential.allMs.push(await runPipeline(jobs(compression), o.timeoutMs));
        n.parallel2.allMs.push(await runPipelinePool(jobs(compression), 2, o.timeoutMs));
        o.log(
          `e) heavy, C ${compression}, round ${round}/${o.rounds}: sequential ${fmt(n.sequential.allMs.at(-1)!)}, 2 parallel ${fmt(n.parallel2.allMs.at(-1)!)}`,
        );
      }
      for (const series of results.series.filter((s) => s.compression === compression)) {
        const query: Record<string, string> = series.contentHash ? { contentHash: series.contentHash } : {};
        if (o.lading) series.lading.push(await o.lading(tag, query, `heavy ${series.label}, round ${round}/${o.rounds}`));
        if (!o.skipCli) {
          const r = await runCli({
            registryHost: registry.host,
            tag,
            timeoutMs: o.timeoutMs,
            ...(series.contentHash ? { env: { LADING_CONTENT_HASH: series.contentHash } } : {}),
          });
          series.cli.push(r);
          o.log(`e) heavy, CLI ${series.label}, round ${round}/${o.rounds}: ${r.ok ? fmt(r.ms) : `FAILED: ${r.error}`}`);
        }
      }
    }
  }
  for (const n of Object.values(results.native)) for (const t of [n.sequential, n.parallel2]) t.bestMs = t.allMs.length ? Math.min(...t.allMs) : NaN;
  return results;
}
