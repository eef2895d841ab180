/**
 * Modified or Unmodified: how a layer's entry compares with the one it replaces at the same path.
 * Split from filesystem.ts (the stacking pass) because content identity made it a concern of its own.
 *
 * dive decides it in `FileInfo.Compare` (dive/filetree/file_info.go): same tar typeflag, same
 * XXH64 of the contents, same mode, uid and gid; size and mtime are not compared. With the
 * content hash column (core/layers/contentHash.ts, the same XXH64) Lading does the same for
 * regular files: a file touched with identical bytes is Unmodified, one rewritten with other
 * bytes of the same size and time is Modified. Where either side has no hash (read with the hash
 * off, a TOC-only index, a file cut short), the headers stand in: size and mtime as well.
 *
 * Two differences from dive, on purpose: a symlink or hardlink whose target changed is Modified
 * (dive hashes their empty content, so it sees no change), and a directory compares type, mode
 * and owner only (dive hashes nothing for directories either; their mtime changes with every
 * entry inside, which the children's marks already show).
 */
import { sameContent } from '../layers/contentHash';
import { EntryType, stringBytesAt, type LayerIndex } from '../layers/layerIndex';
import { Mark } from './marks';

/** Global entries a and b (`layerBase[k] + e`), the lower one first. */
export function compareEntries(
  layers: readonly { readonly index: LayerIndex }[],
  layerBase: Int32Array,
  entryLayer: Int32Array,
  entryType: Uint8Array,
  a: number,
  b: number,
): Mark {
  if (entryType[a] !== entryType[b]) return Mark.Modified;
  const la = entryLayer[a]!;
  const lb = entryLayer[b]!;
  const ia = layers[la]!.index;
  const ib = layers[lb]!.index;
  const ea = a - layerBase[la]!;
  const eb = b - layerBase[lb]!;
  if (ia.mode[ea] !== ib.mode[eb] || ia.uid[ea] !== ib.uid[eb] || ia.gid[ea] !== ib.gid[eb]) return Mark.Modified;
  const type = entryType[a];
  if (type === EntryType.Directory) return Mark.Unmodified;
  if (type === EntryType.File) {
    const same = sameContent(ia, ea, ib, eb);
    if (same !== undefined) return same ? Mark.Unmodified : Mark.Modified;
  }
  if (ia.size[ea] !== ib.size[eb] || ia.mtime[ea] !== ib.mtime[eb]) return Mark.Modified;
  const sa = ia.link[ea] ?? -1;
  const sb = ib.link[eb] ?? -1;
  if (sa < 0 !== sb < 0) return Mark.Modified;
  if (sa >= 0) {
    const x = stringBytesAt(ia.strings, sa);
    const y = stringBytesAt(ib.strings, sb);
    if (x.length !== y.length) return Mark.Modified;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Mark.Modified;
  }
  return Mark.Unmodified;
}
