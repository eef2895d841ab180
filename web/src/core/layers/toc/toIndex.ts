/**
 * A TOC listing as the LayerIndex the tar pass would build from the same layer, so the explorer,
 * the filesystem model and dive's figures work on it unchanged while the blob streams.
 *
 * The same facts, recorded the same way (tar.ts is the reference):
 * - names go through the same byte-level normaliser (paths.ts) and whiteout reader (fs/whiteout.ts): whiteouts become facts the
 *   same way: `dir/.wh.x` → entry `dir/x` flagged Whiteout, `dir/.wh..wh..opq` → `dir` Opaque;
 * - types map one to one (reg → File, dir → Directory, …); mode keeps the permission bits
 *   (`mode & 0o7777`: CRFS TOCs carry Go's tar.Header.Mode, sometimes with file-type bits);
 * - symlink targets verbatim, hardlink targets normalised (they name archive members);
 * - entries in TOC order, which is the tar's order in both formats.
 * What a TOC cannot give is where an entry sits in the *uncompressed* tar: its offsets are
 * compressed ones. Every entry's `offset` is TOC_NO_OFFSET (-1); its content is read through the
 * content map instead (content.ts), and the tar pass's index, which replaces this one, has the real
 * offsets. eStargz's tar also holds the TOC itself as its last entry (`stargz.index.json`), which the
 * TOC does not list: the caller passes that entry, read from the TOC member's own tar header, as
 * `trailing`, so the two indexes have the same entries.
 */
import { EntryType, LayerIndexBuilder, type LayerEntry, type LayerIndex } from '../layerIndex';
import { WhiteoutReader } from '../../fs/whiteout';
import { PathNormalizer } from '../paths';
import type { TocEntry, TocEntryType } from './tocJson';

/** The `offset` of every entry of a TOC's index: the uncompressed offset is unknown. */
export const TOC_NO_OFFSET = -1;

const TYPE: Record<TocEntryType, EntryType> = {
  reg: EntryType.File,
  dir: EntryType.Directory,
  symlink: EntryType.Symlink,
  hardlink: EntryType.Hardlink,
  char: EntryType.CharDevice,
  block: EntryType.BlockDevice,
  fifo: EntryType.Fifo,
};

/**
 * Where each entry's content is in the blob, parallel to the index (entry i of the index is
 * `first[i]`…`first[i] + count[i]` in the chunk arrays). Typed arrays, so the map crosses to the
 * page without copying; digests are strings ('' when the TOC gives none).
 */
export interface TocContentMap {
  /** Per entry: its first piece in the chunk arrays; -1 when it has no content to read. */
  readonly first: Int32Array;
  readonly count: Uint32Array;
  /** Per entry: compressed offset where its content's last member/frame ends. */
  readonly end: Float64Array;
  /** Per entry: `sha256:…` of the whole file, or ''. */
  readonly fileDigest: string[];
  /** Per piece: compressed offset of its member/frame, offset inside that, offset in the file, size. */
  readonly chunkOffset: Float64Array;
  readonly chunkInner: Float64Array;
  readonly chunkStart: Float64Array;
  readonly chunkSize: Float64Array;
  /** Per piece: `sha256:…`, or ''. */
  readonly chunkDigest: string[];
}

export interface TocIndex {
  readonly index: LayerIndex;
  readonly content: TocContentMap;
}

const enc = new TextEncoder();

/**
 * Builds the index and content map. `dataEnd` bounds the last file's compressed bytes when the
 * TOC gives no end (eStargz: the TOC member's offset).
 */
export function tocToIndex(entries: readonly TocEntry[], dataEnd: number, trailing: readonly LayerEntry[] = []): TocIndex {
  const builder = new LayerIndexBuilder();
  const normalizer = new PathNormalizer();
  const n = entries.length + trailing.length;
  const first = new Int32Array(n).fill(-1);
  const count = new Uint32Array(n);
  const end = new Float64Array(n);
  const fileDigest: string[] = new Array<string>(n).fill('');
  const chunks: { offset: number; inner: number; start: number; size: number; digest: string }[] = [];

  // The end of each file's compressed bytes, where the TOC does not say: the next larger data
  // offset after its last piece (eStargz may pack several files into one member: equal offsets).
  const nextOffset = new Float64Array(entries.length);
  let next = dataEnd; // the smallest offset of the entries after this one
  let afterNext = dataEnd; // the smallest of those larger than `next`
  for (let i = entries.length - 1; i >= 0; i--) {
    const c = entries[i]!.chunks;
    if (c.length === 0) continue;
    const last = c[c.length - 1]!.offset;
    nextOffset[i] = next > last ? next : afterNext > last ? afterNext : dataEnd;
    const own = c[0]!.offset;
    if (own < next) {
      afterNext = next;
      next = own;
    }
  }

  const whiteouts = new WhiteoutReader();
  const addPath = (raw: Uint8Array): { pathId: number; flags: number } => {
    const path = whiteouts.read(normalizer.normalize(raw));
    return { pathId: builder.addString(path), flags: whiteouts.flag };
  };

  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const type = TYPE[e.type];
    const { pathId, flags } = addPath(enc.encode(e.name));
    let linkId = -1;
    if (type === EntryType.Symlink || type === EntryType.Hardlink) {
      const raw = enc.encode(e.linkName);
      linkId = builder.addString(type === EntryType.Hardlink ? normalizer.normalize(raw) : raw);
    }
    const at = builder.add(pathId, linkId, {
      type,
      flags,
      mode: e.mode & 0o7777,
      uid: e.uid,
      gid: e.gid,
      size: e.size,
      mtime: e.mtime,
      offset: TOC_NO_OFFSET,
    });
    if (e.chunks.length > 0) {
      first[at] = chunks.length;
      count[at] = e.chunks.length;
      end[at] = e.endOffset ?? nextOffset[i]!;
      fileDigest[at] = e.digest ?? '';
      for (const c of e.chunks) chunks.push({ offset: c.offset, inner: c.innerOffset, start: c.chunkOffset, size: c.chunkSize, digest: c.digest ?? '' });
    }
  }
  // Already as the tar pass recorded them (normalised path, flags).
  for (const t of trailing) {
    const pathId = builder.addString(enc.encode(t.path));
    const linkId = t.link !== undefined ? builder.addString(enc.encode(t.link)) : -1;
    builder.add(pathId, linkId, { type: t.type, flags: t.flags, mode: t.mode, uid: t.uid, gid: t.gid, size: t.size, mtime: t.mtime, offset: TOC_NO_OFFSET });
  }

  return {
    index: builder.finish(),
    content: {
      first,
      count,
      end,
      fileDigest,
      chunkOffset: Float64Array.from(chunks, (c) => c.offset),
      chunkInner: Float64Array.from(chunks, (c) => c.inner),
      chunkStart: Float64Array.from(chunks, (c) => c.start),
      chunkSize: Float64Array.from(chunks, (c) => c.size),
      chunkDigest: chunks.map((c) => c.digest),
    },
  };
}

/** The content map's typed arrays, for postMessage transfer lists. */
export function tocContentTransferables(content: TocContentMap): ArrayBuffer[] {
  return [content.first, content.count, content.end, content.chunkOffset, content.chunkInner, content.chunkStart, content.chunkSize]
    .map((a) => a.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
