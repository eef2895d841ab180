/**
 * The small interfaces every image source implements (after go-containerregistry's v1.Image
 * and v1.Layer). A registry, a `docker save` tarball and an OCI layout each yield these; all
 * the analysis above them is source-agnostic. Content is addressed by digest and opened lazily.
 */
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from './oci';

export interface Layer {
  /** Digest of the bytes as stored (compressed). */
  readonly digest: string;
  /** Size of the bytes as stored. */
  readonly size: number;
  readonly mediaType: string;
  /** The manifest's descriptor of this layer, whole (annotations, foreign `urls`). */
  readonly descriptor: Descriptor;
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  readonly diffId?: string;
  /** Foreign-layer URLs, when the content lives outside the registry. */
  readonly urls?: readonly string[];
  /**
   * Where the stored bytes are, as data another thread can open itself (a worker is handed
   * `describeLayer(layer)`, not the bytes). Undefined when the source does not hold them (a
   * foreign layer left out of an archive).
   */
  readonly location?: LayerLocation;
  /** Opens the stored (compressed) bytes. Callers verify them against `digest` while reading. */
  open(signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /**
   * Opens the stored bytes and asks the source to check their digest as they pass, where it can
   * (the Lading proxy does, with hardware SHA-256: proxy/src/digestCheck.ts). `checkedDigest` is set
   * only when the source took that on: then the stream ends cleanly only if the bytes have that
   * digest, and is cut (a read error) otherwise. Sources that cannot check leave it unset.
   */
  openChecked?(signal?: AbortSignal): Promise<CheckedBody>;
  /**
   * Opens the stored bytes from `offset` on (`length` of them, or to the end). A source that
   * ignores ranges (a registry answering 200) gives the whole blob: `whole` says so, and the
   * caller reads from the start instead.
   */
  openRange(offset: number, length: number | undefined, signal?: AbortSignal): Promise<RangeRead>;
}

export interface CheckedBody {
  readonly body: ReadableStream<Uint8Array>;
  /** The digest the source checks the bytes against; undefined when the reader must hash them. */
  readonly checkedDigest?: string;
}

export interface RangeRead {
  readonly body: ReadableStream<Uint8Array>;
  /** True when the source sent the whole blob from byte 0 instead of the range asked for. */
  readonly whole: boolean;
  /** The HTTP status, for sources that answer over HTTP (206 for a range, 200 for the whole blob). */
  readonly status?: number;
}

/** Stored bytes reached through a Lading proxy's registry routes (`<baseUrl>/<domain>/v2/<path>/blobs/<digest>`). */
export interface RegistryLocation {
  readonly kind: 'registry';
  /** Absolute URL of the proxy's registry routes, e.g. `http://127.0.0.1:8080/registry`. */
  readonly baseUrl: string;
  readonly domain: string;
  readonly path: string;
}

/** Stored bytes that are a slice of a file the user opened (an image archive): read in place. */
export interface FileSliceLocation {
  readonly kind: 'blob';
  readonly blob: Blob;
  readonly offset: number;
  readonly length: number;
}

export type LayerLocation = RegistryLocation | FileSliceLocation;

/**
 * A layer as data, made from a core `Layer` by `describeLayer` and turned back into one by
 * `layerFromDescription` (core/layer.ts): what crosses postMessage to a worker and what the page
 * keeps. Structured-cloneable (a Blob clones by reference).
 */
export interface LayerDescription {
  readonly descriptor: Descriptor;
  readonly diffId?: string;
  readonly location?: LayerLocation;
}

/** An image as data: what the page holds, and hands to workers layer by layer. */
export interface ImageDescription {
  /** Digest of the manifest (for docker-archive images, of the manifest Lading wrote). */
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  readonly layers: readonly LayerDescription[];
}

export function describeLayer(layer: Layer): LayerDescription {
  return {
    descriptor: layer.descriptor,
    ...(layer.diffId !== undefined ? { diffId: layer.diffId } : {}),
    ...(layer.location !== undefined ? { location: layer.location } : {}),
  };
}

export function describeImage(image: Image): ImageDescription {
  return { digest: image.digest, mediaType: image.mediaType, manifest: image.manifest, config: image.config, layers: image.layers.map(describeLayer) };
}

export interface Image {
  /** Digest of the manifest. */
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  readonly layers: readonly Layer[];
}

/**
 * A layer joined with what the config says about it: its description (descriptor, diff_id and,
 * when known, where its bytes are), its position, and the Dockerfile step that made it.
 */
export interface LayerInfo extends LayerDescription {
  readonly index: number;
  /** The history entry (Dockerfile step) that made this layer, when history is complete. */
  readonly history?: HistoryEntry;
}

/**
 * Matches layers to history entries. History lists every Dockerfile step; steps that made
 * no layer carry `empty_layer: true` and are skipped, so the n-th non-empty entry belongs
 * to the n-th layer. When the counts disagree (history rewritten or squashed) nothing is
 * matched rather than guessing wrong. `described` (the image's layer descriptions) adds each
 * layer's location.
 */
export function matchLayersToHistory(manifest: ImageManifest, config: ImageConfig, described?: readonly LayerDescription[]): LayerInfo[] {
  const nonEmpty = (config.history ?? []).filter((h) => !h.empty_layer);
  const matched = nonEmpty.length === manifest.layers.length;
  return manifest.layers.map((descriptor, index) => {
    const diffId = config.rootfs?.diff_ids?.[index];
    const history = matched ? nonEmpty[index] : undefined;
    const location = described?.[index]?.location;
    return {
      index,
      descriptor,
      ...(diffId !== undefined ? { diffId } : {}),
      ...(location !== undefined ? { location } : {}),
      ...(history !== undefined ? { history } : {}),
    };
  });
}

/** An image description's layers with their history. */
export function layersOf(image: ImageDescription): LayerInfo[] {
  return matchLayersToHistory(image.manifest, image.config, image.layers);
}

/**
 * Turns a `created_by` into the Dockerfile line people wrote: BuildKit records
 * `RUN /bin/sh -c apt-get …  # buildkit`, the classic builder `/bin/sh -c #(nop)  CMD ["x"]`.
 */
export function dockerfileLine(createdBy: string | undefined): string {
  if (createdBy === undefined || createdBy.trim() === '') return '';
  let line = createdBy.trim();
  line = line.replace(/\s*# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(line);
  if (nop?.[1] !== undefined) return nop[1].trim();
  // BuildKit keeps the instruction and the shell form: `RUN /bin/sh -c make`.
  const buildkitRun = /^RUN \/bin\/sh -c (.*)$/s.exec(line);
  if (buildkitRun?.[1] !== undefined) return `RUN ${buildkitRun[1].trim()}`;
  const shell = /^\/bin\/sh -c (.*)$/s.exec(line);
  if (shell?.[1] !== undefined) return `RUN ${shell[1].trim()}`;
  return line;
}
