/**
 * One side of a comparison: a reference resolved to an image manifest (the requested platform
 * of an index), its config, every layer read in the worker pool and its filesystem stacked.
 * The same queries as the image view, so layers and filesystems are shared with it.
 */
import { useMemo } from 'react';
import { PlatformNotFoundError, UnsupportedContentError } from '../../core/errors';
import type { ImageFilesystem } from '../../core/fs';
import { describeImage, layersOf, type LayerInfo } from '../../core/image';
import type { ImageConfig, ImageManifest } from '../../core/oci';
import type { PlatformEntry } from '../../core/platform';
import { InvalidReferenceError, tryParseReference, type ImageReference } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import { useImageFilesystem } from '../../queries/fsQueries';
import { useRegistryImage } from '../../queries/imageQueries';
import { useLayerAnalyses, type LayerJobResult } from '../../queries/layerQueries';

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

/**
 * `requestedPlatform` is the platform both sides should show; a side that lacks it shows its
 * default one instead (the view then says the two differ), rather than nothing.
 */
export function useComparedImage(input: string, requestedPlatform: string | undefined): ComparedSide {
  const parsed = useMemo(() => tryParseReference(input), [input]);
  const reference = parsed instanceof InvalidReferenceError ? undefined : parsed;
  const asked = useRegistryImage(reference ? input : undefined, requestedPlatform);
  const lacksPlatform = requestedPlatform !== undefined && asked.error instanceof PlatformNotFoundError;
  const fallback = useRegistryImage(lacksPlatform ? input : undefined, undefined);
  const query = lacksPlatform ? fallback : asked;
  const resolved = query.data;
  const image = useMemo(() => (resolved ? describeImage(resolved.image) : undefined), [resolved]);
  const layers = useMemo(() => (image ? layersOf(image) : NO_LAYERS), [image]);
  const queries = useLayerAnalyses(layers);
  const results = queries.map((q) => (q.status === 'pending' ? undefined : (q.data ?? { fromCache: false })));
  const fsQuery = useImageFilesystem(layers, results);
  const analysed = results.filter((r) => r !== undefined).length;

  const base = {
    input,
    ...(reference ? { reference, repo: { domain: reference.domain, path: reference.path } } : {}),
    ...(resolved
      ? {
          topDigest: resolved.resolved.digest,
          ...(resolved.index ? { platforms: resolved.index.platforms } : {}),
          platform: resolved.platform,
          imageDigest: resolved.image.digest,
          manifest: resolved.image.manifest,
          config: resolved.image.config,
        }
      : {}),
    layers,
    results,
    analysed,
  };
  if (parsed instanceof InvalidReferenceError) return { ...base, status: 'error', error: parsed, message: parsed.message };
  const failed = query.error ?? fsQuery.error;
  if (failed instanceof UnsupportedContentError) return { ...base, status: 'unsupported', error: failed, message: failed.message };
  if (failed) return { ...base, status: 'error', error: failed, message: failed instanceof Error ? failed.message : String(failed) };
  if (!resolved) return { ...base, status: 'loading', message: `Resolving ${input}…` };
  if (!fsQuery.data || analysed < layers.length) {
    return {
      ...base,
      status: 'analysing',
      message: analysed < layers.length ? `Reading layers: ${analysed} of ${layers.length}` : 'Stacking the layers into one filesystem…',
    };
  }
  return { ...base, status: 'ready', message: '', fs: fsQuery.data };
}
