/**
 * What a layer's whiteout entries mean, from the OCI image-spec (layer.md, "Whiteouts" and
 * "Opaque Whiteout"): the one place the filesystem model reads them. The tar reader knows nothing
 * of them; the layer indexer (layers/tar.ts) asks this module about every entry's path and
 * records the answer as a fact (an EntryFlag) on the entry, and the stacking code (filesystem.ts,
 * dive.ts) applies the facts layer over layer.
 *
 * - `dir/.wh.<name>`   a whiteout: `dir/<name>` of the lower layers is deleted. Recorded with the
 *                      path `dir/<name>` and EntryFlag.Whiteout.
 * - `dir/.wh..wh..opq` an opaque whiteout: everything the lower layers had under `dir` is hidden.
 *                      Recorded with the path `dir` and EntryFlag.Opaque.
 * - Any other `.wh..wh.*` name is AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`), and `.wh.`
 *   alone names nothing: both stay ordinary entries, as in Docker's archive package, which skips
 *   the AUFS metadata rather than deleting anything.
 *
 * Paths are the layer index's normalised bytes (no leading `/` or `./`, no trailing `/`); the root
 * is "". Only the last segment can be a marker.
 */
import { EntryFlag } from '../layers/layerIndex';

const WH_PREFIX = [0x2e, 0x77, 0x68, 0x2e]; // ".wh."
const WH_OPAQUE = [0x2e, 0x77, 0x68, 0x2e, 0x2e, 0x77, 0x68, 0x2e, 0x2e, 0x6f, 0x70, 0x71]; // ".wh..wh..opq"

function startsWith(bytes: Uint8Array, at: number, prefix: readonly number[]): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

/** The whiteout meaning of a normalised path: 0 (none), EntryFlag.Whiteout or EntryFlag.Opaque. */
export function whiteoutFlag(path: Uint8Array): number {
  const base = path.lastIndexOf(0x2f) + 1;
  if (path[base] !== 0x2e || !startsWith(path, base, WH_PREFIX)) return 0;
  if (path.length - base === WH_OPAQUE.length && startsWith(path, base, WH_OPAQUE)) return EntryFlag.Opaque;
  if (startsWith(path, base + 4, WH_PREFIX)) return 0;
  if (path.length - base === WH_PREFIX.length) return 0;
  return EntryFlag.Whiteout;
}

/**
 * Reads whiteout markers into the path they are about: `dir/.wh.x` → `dir/x`, `dir/.wh..wh..opq`
 * → `dir`. Owns a scratch buffer, so the returned views are valid until the next call.
 */
export class WhiteoutReader {
  private scratch = new Uint8Array(256);
  /** The flag of the last path read (0, EntryFlag.Whiteout, EntryFlag.Opaque). */
  flag = 0;

  /** The path the entry at `path` is recorded under; sets `flag`. `path` itself when it is no marker. */
  read(path: Uint8Array): Uint8Array {
    const flag = whiteoutFlag(path);
    this.flag = flag;
    if (flag === 0) return path;
    const base = path.lastIndexOf(0x2f) + 1;
    if (flag === EntryFlag.Opaque) return path.subarray(0, Math.max(0, base - 1));
    const len = path.length - WH_PREFIX.length;
    if (this.scratch.length < len) this.scratch = new Uint8Array(len * 2);
    this.scratch.set(path.subarray(0, base), 0);
    this.scratch.set(path.subarray(base + WH_PREFIX.length), base);
    return this.scratch.subarray(0, len);
  }
}
