/** What the page asks a layer worker to do, and what comes back. Shared by worker and bridge. */
import type { LayerAnalysis, LayerIndex } from '../core/layers';
import type { ImageConfig, ImageManifest } from '../core/oci';

/** Where the worker reads a layer's stored bytes from. */
export interface RegistryLayerSource {
  kind: 'registry';
  /** Absolute URL of the proxy's registry routes, e.g. `http://127.0.0.1:8080/registry`. */
  baseUrl: string;
  domain: string;
  path: string;
}

/** A slice of a File the user opened (an image archive): the worker reads the slice itself. */
export interface BlobLayerSource {
  kind: 'blob';
  blob: Blob;
  offset: number;
  length: number;
}

export type LayerSource = RegistryLayerSource | BlobLayerSource;

export interface LayerJob {
  source: LayerSource;
  digest: string;
  size: number;
  mediaType: string;
  diffId?: string;
  /** Foreign-layer URLs from the descriptor: where the bytes are when the registry does not hold them. */
  urls?: readonly string[];
  /** The descriptor announces a multi-member gzip stream (eStargz): pako reads it, not the native inflater. */
  multiMemberGzip?: boolean;
}

/**
 * The proxy route for a foreign-layer URL (Windows base layers on mcr.microsoft.com). The proxy
 * checks the address it dials; the digest is verified here while the bytes stream.
 */
export function foreignLayerUrl(registryBaseUrl: string, url: string, digest: string): string {
  const origin = new URL(registryBaseUrl).origin;
  return `${origin}/foreign?${new URLSearchParams({ url, digest }).toString()}`;
}

export interface LayerProgress {
  bytesRead: number;
  totalBytes?: number;
  entries: number;
}

export interface LayerJobResult {
  /** What was read; present even when reading stopped at an error part-way. */
  analysis?: LayerAnalysis;
  /** The blob could not be fetched at all (HTTP error, network). */
  fetchError?: { title: string; detail: string };
  fromCache: boolean;
}

function indexBytes(index: LayerIndex): number {
  return [
    index.type,
    index.flags,
    index.mode,
    index.uid,
    index.gid,
    index.size,
    index.mtime,
    index.path,
    index.link,
    index.offset,
    index.strings.bytes,
    index.strings.offsets,
  ].reduce((sum, array) => sum + array.byteLength, 0);
}

/** What the page needs of an image archive: plain data, cloneable to the page. */
export interface ArchiveSummary {
  kind: string;
  tags: readonly string[];
  platforms: readonly { platform: string; available: boolean }[];
  platform: string;
  attestations: number;
  digest: string;
  mediaType: string;
  manifest: ImageManifest;
  config: ImageConfig;
  /** Per layer, where its bytes sit in the file. */
  byteRanges: readonly ({ offset: number; length: number } | undefined)[];
}

export type ArchiveResult = { summary: ArchiveSummary } | { error: { title: string; detail: string } };

/** Read to the end without error, and every digest that was given matched. */
export function isLayerVerified(analysis: LayerAnalysis): boolean {
  return !analysis.error && analysis.digest.ok && (analysis.diffId.expected === undefined || analysis.diffId.ok);
}

/** Memory an analysis takes, for the cache budget. */
export function layerAnalysisBytes(analysis: LayerAnalysis): number {
  return indexBytes(analysis.index) + 512;
}
