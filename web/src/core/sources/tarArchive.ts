/**
 * Indexes the members of an outer tar (an image archive) by reading its headers only: each
 * 512-byte header is read with `BlobReader.read`, and member data is stepped over by
 * arithmetic. What comes back is where each member's bytes are, so a layer can later be
 * streamed straight out of the file.
 *
 * The seeking counterpart of the streaming layer reader (layers/tarReader.ts): both decode
 * headers with the one decoder, layers/tarHeader.ts (checksums, formats, numbers, PAX records,
 * GNU long names, merged as Go's archive/tar merges them; `docker load` reads archives with it).
 * Decisions of this reader:
 * - The archive ends at a zero block; the block after it must be zero too or absent (Go: a
 *   zero block then a non-zero block is ErrHeader). A file that ends at a header boundary, or
 *   inside the padding after a member, without a zero block is complete for Go's reader too: it
 *   is accepted and reported as `complete: false`. A file that ends inside a header, an extended
 *   header or a member's data is truncated.
 * - Extended headers that describe no member (at the end, or before the end marker) are ignored,
 *   as Go ignores them; PAX global headers are read (a malformed one is an error) and ignored.
 * - GNU sparse members are 'other' (never read as a blob; their data is not the file's content):
 *   old-GNU sparse blocks are stepped over to find the next header, a PAX sparse member takes its
 *   GNU.sparse.name, and sparse maps are not validated.
 * - Member paths are normalised: `./` and leading `/` dropped, `.` and empty components
 *   removed, `..` resolved within the archive, trailing `/` dropped.
 * - When a path occurs twice the later member wins, as it does when the tar is extracted.
 */
import {
  BLOCK,
  HeaderDecoder,
  MAX_SPECIAL_FILE_SIZE,
  PendingExtensions,
  TarFormatError,
  Type,
  Format,
  cstring,
  isHeaderOnlyType,
  isZeroBlock,
  newRawHeader,
  parsePaxRecords,
  type MergedFields,
} from '../layers/tarHeader';
import { paxSparseVersion } from '../layers/tarSparse';
import type { BlobReader } from './blobReader';
import { ArchiveTarError } from './errors';

/** How far links are followed before giving up (a loop). */
const MAX_LINK_DEPTH = 16;

export type TarMemberType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarMember {
  /** Normalised path: `blobs/sha256/ab…`, never `./blobs/…`. */
  readonly path: string;
  readonly type: TarMemberType;
  /** Offset of the member's (first) header block, extended headers included. */
  readonly headerOffset: number;
  /** Offset of the member's data. */
  readonly offset: number;
  /** Bytes of data (0 for directories and links). */
  readonly size: number;
  /** Symlinks: the target as written (relative to the link's directory). Hardlinks: the normalised member path. */
  readonly linkTarget?: string;
}

export interface TarArchiveIndex {
  /** Every member by normalised path, in archive order (a later duplicate replaces the earlier one). */
  readonly members: ReadonlyMap<string, TarMember>;
  /** Bytes in the archive file. */
  readonly size: number;
  /** Where the end-of-archive marker (or the end of the file) is. */
  readonly end: number;
  /** False when the file ended at a header boundary without an end-of-archive marker. */
  readonly complete: boolean;
}

export interface IndexTarOptions {
  signal?: AbortSignal;
}

/** Normalises a member path or link target; `..` cannot climb above the archive root. */
export function normalizeMemberPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * The regular-file member at `path`, following symlinks (relative to the link's directory)
 * and hardlinks; undefined when there is none, or the links loop. skopeo's and podman's
 * `docker-archive` write `<id>/layer.tar` as a symlink to `../<diffid>.tar`.
 */
export function resolveMember(index: TarArchiveIndex, path: string): TarMember | undefined {
  let current = normalizeMemberPath(path);
  for (let depth = 0; depth <= MAX_LINK_DEPTH; depth++) {
    const member = index.members.get(current);
    if (!member) return undefined;
    if (member.type === 'file') return member;
    if (member.type === 'hardlink' && member.linkTarget !== undefined) {
      current = member.linkTarget;
    } else if (member.type === 'symlink' && member.linkTarget !== undefined) {
      const dir = current.includes('/') ? current.slice(0, current.lastIndexOf('/')) : '';
      current = member.linkTarget.startsWith('/') ? normalizeMemberPath(member.linkTarget) : normalizeMemberPath(`${dir}/${member.linkTarget}`);
    } else {
      return undefined;
    }
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Scans the archive's headers. Reads 512 bytes per header (plus the data of PAX / GNU
 * long-name records); member data is never read.
 */
export async function indexTarArchive(reader: BlobReader, options: IndexTarOptions = {}): Promise<TarArchiveIndex> {
  const { signal } = options;
  const members = new Map<string, TarMember>();
  const decoder = new HeaderDecoder();
  const raw = newRawHeader();
  const ext = new PendingExtensions();
  const merged: MergedFields = { name: raw.name, linkname: raw.linkname, typeflag: 0, size: 0, uid: 0, gid: 0, mtime: 0 };
  let pos = 0;
  let complete = false;

  const readAt = async (at: number, length: number, what: string, member?: string): Promise<Uint8Array> => {
    if (at + length > reader.size) {
      throw new ArchiveTarError(`the archive is truncated: it ends at byte ${reader.size}, inside ${what} that needs bytes up to ${at + length}`, at, member);
    }
    return reader.read(at, length, signal);
  };
  const decode = (header: Uint8Array, at: number): boolean => {
    try {
      return decoder.decode(header, 0, at, raw);
    } catch (e) {
      if (!(e instanceof TarFormatError)) throw e;
      throw new ArchiveTarError(
        at === 0 ? `not a tar archive${formatHint(header)}: the first 512 bytes are not a tar header` : `corrupt tar header at byte ${at}: ${e.message}`,
        at,
      );
    }
  };
  const tarError = (e: unknown): never => {
    if (e instanceof TarFormatError) throw new ArchiveTarError(`corrupt tar archive at byte ${e.offset}: ${e.message}`, e.offset);
    throw e;
  };

  for (;;) {
    signal?.throwIfAborted();
    if (pos >= reader.size) {
      if (pos === 0) throw new ArchiveTarError('the file is empty', 0);
      break; // no end-of-archive marker (possibly in the last member's padding): accepted, reported as incomplete
    }
    if (pos === 0 && reader.size < BLOCK) {
      const head = await reader.read(0, reader.size, signal);
      throw new ArchiveTarError(`not a tar archive${formatHint(head)}: the file has only ${reader.size} bytes`, 0);
    }
    const header = await readAt(pos, BLOCK, 'a header');
    if (!decode(header, pos)) {
      // Go reads one more block: absent or zero ends the archive, anything else is corrupt.
      if (pos + BLOCK < reader.size) {
        const next = await readAt(pos + BLOCK, BLOCK, 'the end-of-archive marker');
        if (!isZeroBlock(next, 0)) throw new ArchiveTarError(`corrupt end-of-archive marker at byte ${pos}: a zero block is followed by a non-zero block`, pos);
      }
      complete = true;
      break;
    }
    const t = raw.typeflag;
    if (raw.size < 0 && !isHeaderOnlyType(t)) throw new ArchiveTarError(`invalid size field in the tar header at byte ${pos}`, pos);

    // Extended headers: their data describes the next member.
    if (t === Type.XHeader || t === Type.XGlobalHeader || t === Type.GNULongName || t === Type.GNULongLink) {
      if (raw.size > MAX_SPECIAL_FILE_SIZE) {
        throw new ArchiveTarError(`an extended header at byte ${pos} claims ${raw.size} bytes; that is not a name`, pos);
      }
      const data = await readAt(pos + BLOCK, raw.size, 'an extended header');
      ext.note(pos);
      try {
        if (t === Type.XHeader) ext.pax = parsePaxRecords(data, pos);
        else if (t === Type.XGlobalHeader) {
          parsePaxRecords(data, pos);
          ext.clear(); // nothing in it changes where members are; it ends what was pending
        } else if (t === Type.GNULongName) ext.longName = cstring(data, 0, data.length).slice();
        else ext.longLink = cstring(data, 0, data.length).slice();
      } catch (e) {
        tarError(e);
      }
      pos += BLOCK + roundUp(raw.size);
      continue;
    }

    const headerOffset = ext.pending ? ext.firstOffset : pos;
    try {
      ext.merge(raw, pos, merged);
    } catch (e) {
      tarError(e);
    }
    // A PAX sparse member is named by GNU.sparse.name, and its data is not the file's content.
    const paxSparse = paxSparseVersion(ext.pax) !== undefined;
    if (paxSparse && ext.pax?.sparseName !== undefined && ext.pax.sparseName.length > 0) merged.name = ext.pax.sparseName;
    ext.clear();
    const rawPath = utf8.decode(merged.name);
    const rawLink = utf8.decode(merged.linkname);

    let type: TarMemberType;
    switch (paxSparse ? -1 : merged.typeflag) {
      case Type.Reg:
      case Type.Cont:
        type = 'file';
        break;
      case Type.Link:
        type = 'hardlink';
        break;
      case Type.Symlink:
        type = 'symlink';
        break;
      case Type.Dir:
        type = 'directory';
        break;
      default:
        // Devices, fifos, GNU sparse ('S'), volume labels ('V'), unknown flags: present, but not a file to read.
        type = 'other';
    }
    const stored = isHeaderOnlyType(merged.typeflag) ? 0 : merged.size;
    if (stored < 0) throw new ArchiveTarError(`invalid size in the tar header at byte ${pos}`, pos);

    let dataOffset = pos + BLOCK;
    if (merged.typeflag === Type.GNUSparse) {
      if (raw.format !== Format.GNU) throw new ArchiveTarError(`corrupt tar header at byte ${pos}: a GNU sparse entry without the GNU magic`, pos);
      // Old GNU sparse: extension blocks of the sparse map come before the data.
      for (let extended = header[482] !== 0; extended;) {
        const block = await readAt(dataOffset, BLOCK, 'a GNU sparse map block');
        dataOffset += BLOCK;
        extended = block[504] !== 0;
      }
    }
    const path = normalizeMemberPath(rawPath);
    if (dataOffset + stored > reader.size) {
      throw new ArchiveTarError(
        `the archive is truncated: member '${path}' needs ${stored} bytes from byte ${dataOffset}, but the file ends at byte ${reader.size}`,
        pos,
        path,
      );
    }
    if (path !== '') {
      const linkTarget = type === 'hardlink' ? normalizeMemberPath(rawLink) : type === 'symlink' ? rawLink : undefined;
      members.delete(path); // keep archive order for the replacement
      members.set(path, { path, type, headerOffset, offset: dataOffset, size: stored, ...(linkTarget !== undefined ? { linkTarget } : {}) });
    }
    pos = dataOffset + roundUp(stored);
  }

  return { members, size: reader.size, end: pos, complete };
}

/** Names a compressed or foreign format, for the not-a-tar message. */
function formatHint(b: Uint8Array): string {
  const [b0, b1, b2, b3, b4, b5] = b;
  if (b0 === 0x1f && b1 === 0x8b) return ' (it is gzip-compressed: decompress it first, e.g. `gunzip image.tar.gz`)';
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return ' (it is zstd-compressed: decompress it first, e.g. `zstd -d image.tar.zst`)';
  if (b0 === 0xfd && b1 === 0x37 && b2 === 0x7a && b3 === 0x58 && b4 === 0x5a && b5 === 0x00) return ' (it is xz-compressed: decompress it first)';
  if (b0 === 0x42 && b1 === 0x5a && b2 === 0x68) return ' (it is bzip2-compressed: decompress it first)';
  if (b0 === 0x50 && b1 === 0x4b && b2 === 0x03 && b3 === 0x04) return ' (it is a zip file)';
  return '';
}

function roundUp(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? size : size + BLOCK - r;
}
