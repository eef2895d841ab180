/**
 * Indexes the members of an outer tar (an image archive) by reading its headers only: each
 * 512-byte header is read with `BlobReader.read`, and member data is stepped over by
 * arithmetic. What comes back is where each member's bytes are, so a layer can later be
 * streamed straight out of the file.
 *
 * `layers/tar.ts` is a push parser over a byte stream that feeds every byte through it into a
 * LayerIndex; it cannot seek. This is the seeking counterpart, for the outer archive only.
 *
 * Formats: v7, ustar (prefix + name), GNU (`L` long names, `K` long link targets, base-256
 * sizes, old sparse headers stepped over), PAX (`x` path / linkpath / size; `g` read and
 * ignored). Decisions:
 * - The header checksum must match the unsigned or the signed byte sum.
 * - The archive ends at the first zero block. A file that ends exactly at a header boundary
 *   without one is accepted (as Go's archive/tar does) and reported as `complete: false`;
 *   a file that ends inside a header, an extended header or a member's data is truncated.
 * - Member paths are normalised: `./` and leading `/` dropped, `.` and empty components
 *   removed, `..` resolved within the archive, trailing `/` dropped.
 * - When a path occurs twice the later member wins, as it does when the tar is extracted.
 */
import { parseNumeric, parseOctal } from '../layers/tar';
import type { BlobReader } from './blobReader';
import { ArchiveTarError } from './errors';

const BLOCK = 512;
/** PAX and GNU long-name data larger than this is corrupt, not a long name. */
const MAX_META_SIZE = 1024 * 1024;
/** Larger than any real file (1 PiB); bigger values come from corrupt headers. */
const MAX_MEMBER_SIZE = 2 ** 50;
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

interface Pending {
  headerOffset?: number;
  path?: string;
  linkpath?: string;
  size?: number;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Scans the archive's headers. Reads 512 bytes per header (plus the data of PAX / GNU
 * long-name records); member data is never read.
 */
export async function indexTarArchive(reader: BlobReader, options: IndexTarOptions = {}): Promise<TarArchiveIndex> {
  const { signal } = options;
  const members = new Map<string, TarMember>();
  let pending: Pending = {};
  let pos = 0;
  let complete = false;

  const readAt = async (at: number, length: number, what: string, member?: string): Promise<Uint8Array> => {
    if (at + length > reader.size) {
      throw new ArchiveTarError(`the archive is truncated: it ends at byte ${reader.size}, inside ${what} that needs bytes up to ${at + length}`, at, member);
    }
    return reader.read(at, length, signal);
  };

  for (;;) {
    signal?.throwIfAborted();
    if (pos === reader.size) {
      if (pos === 0) throw new ArchiveTarError('the file is empty', 0);
      if (pending.headerOffset !== undefined) {
        throw new ArchiveTarError('the archive is truncated: it ends after an extended header, before the member it describes', pos);
      }
      break; // no end-of-archive marker: accepted, reported as incomplete
    }
    if (pos === 0 && reader.size < BLOCK) {
      const head = await reader.read(0, reader.size, signal);
      throw new ArchiveTarError(`not a tar archive${formatHint(head)}: the file has only ${reader.size} bytes`, 0);
    }
    const header = await readAt(pos, BLOCK, 'a header');
    if (isZeroBlock(header)) {
      if (pending.headerOffset !== undefined) {
        throw new ArchiveTarError('an extended header is followed by the end-of-archive marker, not by a member', pos);
      }
      complete = true;
      break;
    }
    checkHeader(header, pos);

    const typeflag = header[156] as number;
    const headerSize = parseNumeric(header, 124, 12);
    if (Number.isNaN(headerSize) || headerSize < 0 || headerSize > MAX_MEMBER_SIZE) {
      throw new ArchiveTarError(`invalid size field in the tar header at byte ${pos}`, pos);
    }
    const headerOffset = pending.headerOffset ?? pos;

    // Extended headers: their data describes the next member.
    if (typeflag === 0x78 /* x */ || typeflag === 0x67 /* g */ || typeflag === 0x4c /* L */ || typeflag === 0x4b /* K */) {
      if (headerSize > MAX_META_SIZE) {
        throw new ArchiveTarError(`an extended header at byte ${pos} claims ${headerSize} bytes; that is not a name`, pos);
      }
      const data = await readAt(pos + BLOCK, headerSize, 'an extended header');
      pending.headerOffset = headerOffset;
      if (typeflag === 0x78) parsePax(data, pending, pos);
      else if (typeflag === 0x4c) pending.path = utf8.decode(cstring(data));
      else if (typeflag === 0x4b) pending.linkpath = utf8.decode(cstring(data));
      // 'g' global records: nothing in them changes where members are.
      pos += BLOCK + roundUp(headerSize);
      continue;
    }

    const magic = readMagic(header);
    const rawPath = pending.path ?? headerName(header, magic);
    const rawLink = pending.linkpath ?? utf8.decode(cstring(header.subarray(157, 257)));
    const dataSize = pending.size ?? headerSize;
    pending = {};

    let type: TarMemberType;
    let hasData = true;
    switch (typeflag) {
      case 0x30: // '0'
      case 0x37: // '7' contiguous
        type = 'file';
        break;
      case 0x00: // v7: a name ending in '/' is a directory
        type = rawPath.endsWith('/') ? 'directory' : 'file';
        hasData = type === 'file';
        break;
      case 0x31:
        type = 'hardlink';
        hasData = false;
        break;
      case 0x32:
        type = 'symlink';
        hasData = false;
        break;
      case 0x35:
        type = 'directory';
        hasData = false;
        break;
      case 0x33: // char device
      case 0x34: // block device
      case 0x36: // fifo
        type = 'other';
        hasData = false;
        break;
      default:
        // GNU sparse ('S'), volume labels ('V'), unknown flags: present, but not a file to read.
        type = 'other';
    }

    let dataOffset = pos + BLOCK;
    if (typeflag === 0x53 /* S */ && magic === 'gnu' && header[482] !== 0) {
      // Old GNU sparse: extension blocks of the sparse map come before the data.
      for (;;) {
        const ext = await readAt(dataOffset, BLOCK, 'a GNU sparse map block');
        dataOffset += BLOCK;
        if (ext[504] === 0) break;
      }
    }
    const stored = hasData ? dataSize : 0;
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

function isZeroBlock(b: Uint8Array): boolean {
  for (let k = 0; k < BLOCK; k++) if (b[k] !== 0) return false;
  return true;
}

function checkHeader(b: Uint8Array, at: number): void {
  let usum = 0;
  let ssum = 0;
  for (let k = 0; k < BLOCK; k++) {
    const v = k >= 148 && k < 156 ? 0x20 : (b[k] as number);
    usum += v;
    ssum += (v << 24) >> 24;
  }
  const stored = parseOctal(b, 148, 8);
  if (Number.isNaN(stored) || (stored !== usum && stored !== ssum)) {
    throw new ArchiveTarError(
      at === 0
        ? `not a tar archive${formatHint(b)}: the first 512 bytes are not a tar header`
        : `corrupt tar header at byte ${at}: the checksum does not match`,
      at,
    );
  }
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

type Magic = 'v7' | 'ustar' | 'gnu';

function readMagic(b: Uint8Array): Magic {
  if (b[257] !== 0x75 || b[258] !== 0x73 || b[259] !== 0x74 || b[260] !== 0x61 || b[261] !== 0x72) return 'v7';
  if (b[262] === 0) return 'ustar';
  if (b[262] === 0x20) return 'gnu';
  return 'v7';
}

/** `name`, joined to ustar's `prefix` (GNU uses those bytes for other things; star marks them). */
function headerName(b: Uint8Array, magic: Magic): string {
  const name = cstring(b.subarray(0, 100));
  if (magic !== 'ustar') return utf8.decode(name);
  const star = b[508] === 0x74 && b[509] === 0x61 && b[510] === 0x72 && b[511] === 0;
  const prefix = cstring(b.subarray(345, star ? 476 : 500));
  return prefix.length === 0 ? utf8.decode(name) : `${utf8.decode(prefix)}/${utf8.decode(name)}`;
}

/** PAX `"%d %s=%s\n"` records; only path, linkpath and size matter for finding members. */
function parsePax(d: Uint8Array, pending: Pending, at: number): void {
  let p = 0;
  while (p < d.length) {
    if (d[p] === 0) break;
    let q = p;
    let len = 0;
    while (q < d.length && (d[q] as number) >= 0x30 && (d[q] as number) <= 0x39) {
      len = len * 10 + ((d[q] as number) - 0x30);
      q++;
    }
    const end = p + len;
    if (q === p || d[q] !== 0x20 || end > d.length || end <= q + 1 || d[end - 1] !== 0x0a) {
      throw new ArchiveTarError(`malformed PAX record in the extended header at byte ${at}`, at);
    }
    const record = utf8.decode(d.subarray(q + 1, end - 1));
    const eq = record.indexOf('=');
    if (eq < 0) throw new ArchiveTarError(`PAX record without '=' in the extended header at byte ${at}`, at);
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') pending.path = value === '' ? undefined : value;
    else if (key === 'linkpath') pending.linkpath = value === '' ? undefined : value;
    else if (key === 'size') {
      if (value === '') pending.size = undefined;
      else if (!/^\d{1,16}$/.test(value) || Number(value) > MAX_MEMBER_SIZE) {
        throw new ArchiveTarError(`PAX size '${value.slice(0, 40)}' in the extended header at byte ${at} is not a size`, at);
      } else pending.size = Number(value);
    }
    p = end;
  }
}

function cstring(b: Uint8Array): Uint8Array {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

function roundUp(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? size : size + BLOCK - r;
}
