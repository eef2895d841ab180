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
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  readonly diffId?: string;
  /** Foreign-layer URLs, when the content lives outside the registry. */
  readonly urls?: readonly string[];
  /**
   * Where the stored bytes sit inside the file an archive source reads, so another thread
   * holding the same File can read that slice itself instead of receiving the bytes.
   */
  readonly byteRange?: { readonly offset: number; readonly length: number };
  /** Opens the stored (compressed) bytes. Callers verify them against `digest` while reading. */
  open(signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

export interface Image {
  /** Digest of the manifest. */
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  readonly layers: readonly Layer[];
}

/** A layer descriptor joined with what the config says about it. */
export interface LayerInfo {
  readonly index: number;
  readonly descriptor: Descriptor;
  readonly diffId?: string;
  /** The history entry (Dockerfile step) that made this layer, when history is complete. */
  readonly history?: HistoryEntry;
}

/**
 * Matches layers to history entries. History lists every Dockerfile step; steps that made
 * no layer carry `empty_layer: true` and are skipped, so the n-th non-empty entry belongs
 * to the n-th layer. When the counts disagree (history rewritten or squashed) nothing is
 * matched rather than guessing wrong.
 */
export function matchLayersToHistory(manifest: ImageManifest, config: ImageConfig): LayerInfo[] {
  const nonEmpty = (config.history ?? []).filter((h) => !h.empty_layer);
  const matched = nonEmpty.length === manifest.layers.length;
  return manifest.layers.map((descriptor, index) => {
    const diffId = config.rootfs?.diff_ids?.[index];
    const history = matched ? nonEmpty[index] : undefined;
    return { index, descriptor, ...(diffId !== undefined ? { diffId } : {}), ...(history !== undefined ? { history } : {}) };
  });
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
