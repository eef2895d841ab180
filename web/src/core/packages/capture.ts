/**
 * Keeps the bytes of a layer's package-database files while the layer streams past, within
 * the caps of `kinds.ts`. This is what the tar pass drives (one instance per layer):
 *
 *   const capture = new PackageCapture();
 *   // for each entry header, in archive order:
 *   if (capture.begin(path, entryIndex, type === EntryType.File, size)) {
 *     // the entry's content, in as many pieces as it arrives:
 *     capture.data(piece);
 *     capture.end();
 *   }
 *   const files = capture.finish();   // CapturedFile[]; post with capturedTransferables(files)
 *
 * The decision is made from the header alone: a file over its kind's cap, or one that would
 * take the layer over its cap, is recorded without bytes (its note says so), so the content
 * of an oversized database is never buffered. `data` copies each piece (the tar pass reuses
 * its buffers).
 */
import { FILE_CAPS, LAYER_LIMITS, databaseKind, type DatabaseKind, type LayerLimits } from './kinds';
import type { CapturedFile } from './types';

interface Pending {
  readonly path: string;
  readonly entry: number;
  readonly size: number;
  readonly buf: Uint8Array;
  fill: number;
}

export class PackageCapture {
  private readonly files: CapturedFile[] = [];
  private bytes = 0;
  private kept = 0;
  private cur: Pending | undefined;

  constructor(
    private readonly limits: LayerLimits = LAYER_LIMITS,
    private readonly caps: Readonly<Record<DatabaseKind, number>> = FILE_CAPS,
  ) {}

  /**
   * A tar entry's header: true when its content should follow through `data` and `end`.
   * `entry` is its index in the layer's LayerIndex; `path` as LayerIndex stores it.
   * `isRegularFile` is false for directories, links, devices and for whiteout and opaque
   * markers (recorded at the path they delete: `var/lib/dpkg/.wh.status` must not be taken
   * for an empty status file).
   */
  begin(path: string, entry: number, isRegularFile: boolean, size: number): boolean {
    if (this.cur) this.end();
    const kind = databaseKind(path, isRegularFile);
    if (!kind) return false;
    const cap = this.caps[kind];
    if (kind === 'rpm-bdb' || kind === 'rpm-ndb') {
      this.files.push({ path, entry, size, omitted: 'recognised-only' });
      return false;
    }
    if (size > cap) {
      this.files.push({ path, entry, size, omitted: 'file-cap' });
      return false;
    }
    if (this.bytes + size > this.limits.bytes || this.kept >= this.limits.files) {
      this.files.push({ path, entry, size, omitted: 'layer-cap' });
      return false;
    }
    this.bytes += size;
    this.kept++;
    this.cur = { path, entry, size, buf: new Uint8Array(size), fill: 0 };
    return true;
  }

  /** The next piece of the current entry's content (copied; never more than its size). */
  data(piece: Uint8Array): void {
    const c = this.cur;
    if (!c) return;
    const n = Math.min(piece.length, c.size - c.fill);
    c.buf.set(n === piece.length ? piece : piece.subarray(0, n), c.fill);
    c.fill += n;
  }

  /** The current entry is over (early, if the layer ended: then it is marked truncated). */
  end(): void {
    const c = this.cur;
    if (!c) return;
    this.cur = undefined;
    const truncated = c.fill < c.size;
    this.files.push({ path: c.path, entry: c.entry, size: c.size, bytes: truncated ? c.buf.slice(0, c.fill) : c.buf, ...(truncated ? { truncated } : {}) });
  }

  /** Everything captured, in archive order. */
  finish(): CapturedFile[] {
    this.end();
    return this.files;
  }
}

/** The ArrayBuffers of captured bytes, for postMessage's transfer list. */
export function capturedTransferables(files: readonly CapturedFile[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const f of files) {
    const b = f.bytes;
    if (b && b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) out.add(b.buffer);
  }
  return [...out];
}
