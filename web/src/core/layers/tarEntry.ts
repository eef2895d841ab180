/**
 * What the streaming tar reader (tarReader.ts) hands to whoever consumes it: one TarEntry per
 * entry, as Go's archive/tar Header has it, and, when asked for, the entry's content through a
 * ContentSink. The layer indexer (tar.ts) is the consumer in Lading; the content observer of
 * analyzeLayerStream gets the sinks it returns plugged in here.
 */
import type { MergedFields } from './tarHeader';
import type { SparseMap } from './tarSparse';
import type { LayerWarningKind } from './warnings';

/** One entry, as archive/tar's Header has it. Reused: valid only during `TarHandler.entry`. */
export interface TarEntry extends MergedFields {
  /** The typeflag byte ('0' regular, '5' directory, ...); NUL already resolved to '0' or '5'. */
  typeflag: number;
  mode: number;
  /** Offset of the entry's first header block (its extended headers included). */
  headerOffset: number;
  /** Offset of the entry's stored content (after old-GNU sparse blocks and a PAX 1.0 sparse map). */
  dataOffset: number;
  /** Content bytes the archive stores for it (0 for links, directories, devices, fifos). */
  storedSize: number;
  /** The data fragments of a GNU sparse file; undefined for any other entry. */
  sparse: SparseMap | undefined;
}

/**
 * Receives one entry's content, in order, then `end`. `data` gets views of the reader's input:
 * valid only during the call (copy what you keep). Holes of sparse files come to `hole` as
 * lengths; without `hole`, they come to `data` as views of a shared zero-filled buffer.
 */
export interface ContentSink {
  data(bytes: Uint8Array): void;
  hole?(length: number): void;
  /** True when all of the content was delivered; false when the stream failed or ended first. */
  end(complete: boolean): void;
}

export interface TarHandler {
  /** Called once per entry, in archive order; may return a sink for the entry's content. */
  entry(e: TarEntry): ContentSink | undefined;
  warn(kind: LayerWarningKind, message: string, offset: number): void;
  /** The last entry's name, for messages (the reader keeps no copy of names). */
  lastEntryName(): string;
}
