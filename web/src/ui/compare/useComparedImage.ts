/**
 * One side of a comparison: a reference resolved to an image manifest (the requested platform
 * of an index), its config, every layer read in the worker pool and its filesystem stacked.
 * The same queries as the image view, so layers and filesystems are shared with it.
 */
import { useMemo } from 'react';
import type { ImageFilesystem } from '../../core/fs';
import { matchLayersToHistory, type LayerInfo } from '../../core/image';
import type { ImageConfig, ImageManifest } from '../../core/oci';
import { choosePlatform, formatPlatform, indexEntries, type PlatformEntry } from '../../core/platform';
import { InvalidReferenceError, manifestReference, repositoryName, tryParseReference, type ImageReference } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import { useImageFilesystem } from '../../queries/fsQueries';
import { useImageConfig, useManifest } from '../../queries/imageQueries';
import { registryLayerSource, useLayerAnalyses } from '../../queries/layerQueries';
import type { LayerJobResult } from '../../worker/layerJob';

export interface ComparedSide {
  readonly input: string;
  readonly reference?: ImageReference;
  readonly repo?: Repository;
  /** What is happening or what went wrong, in words, until the filesystem is there. */
  readonly status: 'loading' | 'error' | 'unsupported' | 'analysing' | 'ready';
  readonly message: string;
  readonly error?: unknown;
  /** Digest of what the reference names (an index or an image manifest). */
  readonly topDigest?: string;
  /** The index's platforms, when the reference names an index. */
  readonly platforms?: readonly PlatformEntry[];
  /** The platform shown: chosen from the index, or the config's. */
  readonly platform?: string;
  readonly imageDigest?: string;
  readonly manifest?: ImageManifest;
  readonly config?: ImageConfig;
  readonly layers: readonly LayerInfo[];
  /** Per layer, its analysis once read. */
  readonly results: readonly (LayerJobResult | undefined)[];
  readonly analysed: number;
  readonly fs?: ImageFilesystem;
}

const NO_LAYERS: LayerInfo[] = [];
const NOWHERE: Repository = { domain: '', path: '' };

export function useComparedImage(input: string, requestedPlatform: string | undefined): ComparedSide {
  const parsed = useMemo(() => tryParseReference(input), [input]);
  const reference = parsed instanceof InvalidReferenceError ? undefined : parsed;
  const repo = useMemo(() => (reference ? { domain: reference.domain, path: reference.path } : undefined), [reference]);
  const top = useManifest(repo, reference ? manifestReference(reference) : undefined);
  const topDoc = top.data?.document;
  const platforms = useMemo(() => (topDoc?.kind === 'index' ? indexEntries(topDoc.index).platforms : undefined), [topDoc]);
  const chosen = platforms ? choosePlatform(platforms, requestedPlatform) : undefined;
  const imageDigest = topDoc?.kind === 'index' ? chosen?.descriptor.digest : top.data?.digest;
  const child = useManifest(repo, topDoc?.kind === 'index' ? imageDigest : undefined);
  const imageDoc = topDoc?.kind === 'index' ? child.data?.document : topDoc;
  const manifest = imageDoc?.kind === 'image' ? imageDoc.manifest : undefined;
  const configQuery = useImageConfig(repo, manifest?.config);
  const config = configQuery.data;
  const layers = useMemo(() => (manifest && config ? matchLayersToHistory(manifest, config) : NO_LAYERS), [manifest, config]);
  const sourceOf = useMemo(() => registryLayerSource(repo ?? NOWHERE), [repo]);
  const queries = useLayerAnalyses(sourceOf, layers);
  const results = queries.map((q) => (q.status === 'pending' ? undefined : (q.data ?? { fromCache: false })));
  const fsQuery = useImageFilesystem(layers, results);
  const analysed = results.filter((r) => r !== undefined).length;

  const platform =
    chosen?.platform ??
    (config?.os && config.architecture
      ? formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) })
      : undefined);
  const base = {
    input,
    ...(reference ? { reference } : {}),
    ...(repo ? { repo } : {}),
    ...(top.data ? { topDigest: top.data.digest } : {}),
    ...(platforms ? { platforms } : {}),
    ...(platform ? { platform } : {}),
    ...(imageDigest ? { imageDigest } : {}),
    ...(manifest ? { manifest } : {}),
    ...(config ? { config } : {}),
    layers,
    results,
    analysed,
  };
  const name = reference ? repositoryName(reference) : input;
  if (parsed instanceof InvalidReferenceError) return { ...base, status: 'error', error: parsed, message: parsed.message };
  const failed = top.error ?? child.error ?? configQuery.error ?? fsQuery.error;
  if (failed) return { ...base, status: 'error', error: failed, message: failed instanceof Error ? failed.message : String(failed) };
  if (!top.data) return { ...base, status: 'loading', message: `Resolving ${input}…` };
  if (topDoc?.kind === 'index' && !chosen) return { ...base, status: 'unsupported', message: `${name}: the index lists no platform images.` };
  if (!imageDoc) return { ...base, status: 'loading', message: `Loading the ${chosen?.platform ?? ''} manifest…` };
  if (!manifest) return { ...base, status: 'unsupported', message: `${input} is not a container image (${imageDoc.mediaType || imageDoc.kind}).` };
  if (!config) return { ...base, status: 'loading', message: 'Loading the image config…' };
  if (!fsQuery.data || analysed < layers.length) {
    return {
      ...base,
      status: 'analysing',
      message: analysed < layers.length ? `Reading layers: ${analysed} of ${layers.length}` : 'Stacking the layers into one filesystem…',
    };
  }
  return { ...base, status: 'ready', message: '', fs: fsQuery.data };
}
