/**
 * What was odd about a layer but did not stop it from being read the way the runtime reads it.
 * Never an error: containerd and Docker unpack such a layer (or, for `unsupported-type`, refuse one
 * entry of it), so Lading reads it too and says what it noticed, on the layer and in the CLI.
 *
 * - `end-of-archive`   the tar ends without its two zero blocks (at a block boundary, inside the
 *                      padding of the last entry, or after one zero block): complete for Go's
 *                      archive/tar, so complete here
 * - `empty-archive`    the tar has no bytes at all (Go reads it as an empty archive)
 * - `global-header`    a PAX global header (`g`): containerd and Docker ignore it, so does the index
 * - `dangling-header`  an extended header (PAX `x`, GNU long name or link) with no entry after it
 * - `unsupported-type` an entry whose type containerd and Docker refuse to unpack ('unhandled tar
 *                      header type'): GNU sparse 'S', contiguous '7', volume labels 'V', vendor types
 * - `id-out-of-range`  a uid or gid outside 0..2^32-1; stored as the kernel would truncate it
 * - `negative-size`    a negative size on an entry that has no content (Go allows it); stored as 0
 *
 * One warning per kind is kept (the first), with `count` saying how often it happened.
 */

export type LayerWarningKind =
  'end-of-archive' | 'empty-archive' | 'global-header' | 'dangling-header' | 'unsupported-type' | 'id-out-of-range' | 'negative-size';

export interface LayerWarning {
  readonly kind: LayerWarningKind;
  /** The first occurrence, in words. */
  readonly message: string;
  /** Byte offset in the uncompressed tar of the first occurrence. */
  readonly offset: number;
  /** How many times it happened in the layer (1 or more). */
  readonly count: number;
}

/** Collects warnings, keeping the first of each kind and counting the rest. */
export class WarningList {
  private readonly byKind = new Map<LayerWarningKind, { kind: LayerWarningKind; message: string; offset: number; count: number }>();

  add(kind: LayerWarningKind, message: string, offset: number): void {
    const seen = this.byKind.get(kind);
    if (seen) seen.count++;
    else this.byKind.set(kind, { kind, message, offset, count: 1 });
  }

  /** True when a warning of `kind` was added (cheap: lets callers skip building a message). */
  has(kind: LayerWarningKind): boolean {
    return this.byKind.has(kind);
  }

  count(kind: LayerWarningKind): void {
    const seen = this.byKind.get(kind);
    if (seen) seen.count++;
  }

  /** The warnings in the order their kinds first occurred. */
  list(): LayerWarning[] {
    return [...this.byKind.values()].map((w) => ({ ...w }));
  }
}

/** One line for a person: the message, and how many more there were. */
export function describeWarning(w: LayerWarning): string {
  return w.count > 1 ? `${w.message} (and ${w.count - 1} more like it)` : w.message;
}
