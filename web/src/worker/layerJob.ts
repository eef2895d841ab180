/** What the page asks a layer worker to do, and what comes back. Shared by worker and bridge. */
import type { LayerAnalysis } from '../core/layers';
import type { CapturedFile } from '../core/packages';
import { layerIndexBytes } from '../core/layers/layerIndex';
import type { ImageDescription, LayerDescription } from '../core/image';

/**
 * What the page asks a layer worker to read: the layer as data (core `describeLayer`), which the
 * worker turns back into a core Layer with the shared factory and opens itself. Its location says
 * where the bytes are (the registry through the proxy, or a slice of an opened file).
 */
export type LayerJob = LayerDescription;

/** How the page wants a layer read. */
export interface LayerJobOptions {
  /**
   * The per-file content hash (core/layers/contentHash.ts); on unless false. The page's
   * `contentHash=off` query parameter turns it off (the bench's switch, e2e/bench/README.md).
   */
  contentHash?: boolean;
  /**
   * Which gzip inflater: 'wasm' (default: miniz_oxide in WebAssembly, core/layers/wasmGzip.ts),
   * 'native' (the browser's DecompressionStream), each with pako after a failure, or 'pako' alone.
   * The page's `inflater=wasm|native|pako` query parameter picks one (the bench's switch).
   */
  gzipInflater?: 'wasm' | 'native' | 'pako';
}

export interface LayerProgress {
  bytesRead: number;
  totalBytes?: number;
  entries: number;
}

export interface LayerJobResult {
  /** What was read; present even when reading stopped at an error part-way. */
  analysis?: LayerAnalysis;
  /**
   * The layer's package-database files, captured in the same pass (core/packages PackageObserver):
   * their bytes travel transferred and are parsed where the image is stacked.
   */
  packages?: readonly CapturedFile[];
  /** The blob could not be fetched at all (HTTP error, network). */
  fetchError?: { title: string; detail: string };
  fromCache: boolean;
}

/** What the page needs of an image archive: plain data, cloneable to the page (the File travels by reference). */
export interface ArchiveSummary {
  kind: string;
  tags: readonly string[];
  platforms: readonly { platform: string; available: boolean }[];
  platform: string;
  attestations: number;
  /** The chosen image; each layer's location is a slice of the file. */
  image: ImageDescription;
}

export type ArchiveResult = { summary: ArchiveSummary } | { error: { title: string; detail: string } };

/** Read to the end without error, and every digest that was given matched. */
export function isLayerVerified(analysis: LayerAnalysis): boolean {
  return !analysis.error && analysis.digest.ok && (analysis.diffId.expected === undefined || analysis.diffId.ok);
}

/** Memory an analysis takes, for the cache budget. */
export function layerAnalysisBytes(analysis: LayerAnalysis, packages: readonly CapturedFile[] = []): number {
  return layerIndexBytes(analysis.index) + 512 + packages.reduce((sum, f) => sum + (f.bytes?.byteLength ?? 0) + 64, 0);
}
