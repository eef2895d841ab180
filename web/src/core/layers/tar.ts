/**
 * From a layer tar to a LayerIndex, in one streaming pass: the tar is read by TarReader exactly as
 * Go's archive/tar reads it (see tarReader.ts, tarHeader.ts, tarSparse.ts for the rules), and each
 * entry it yields is recorded here as the filesystem model needs it:
 * - paths normalised (paths.ts); symlink targets verbatim, hardlink targets normalised (they name
 *   archive members);
 * - whiteout meaning read by the filesystem model's own module (fs/whiteout.ts) and recorded as
 *   facts (EntryFlag), never applied here;
 * - types from the typeflag: '0' and '7' (contiguous) and GNU sparse 'S' are files, sized by
 *   their real size; typeflags the runtime does not know are recorded as Other;
 * - mode keeps the permission bits (mode & 0o7777); uid and gid are stored as the kernel takes
 *   them (modulo 2^32) when a header holds something else.
 *
 * What containerd and Docker would refuse or ignore becomes a warning on the layer, not an error
 * (warnings.ts): entry types their unpackers reject, PAX global headers, a missing end marker.
 *
 * A content observer (`TarParserOptions.contentObserver`) is asked at each entry whether it wants
 * that entry's content; if it returns a sink, the content is handed to it as views of the
 * decompressor's output (no copies), holes of sparse files included. With no observer, content is
 * never looked at: it is skipped by arithmetic, so the cost is per entry, not per byte.
 */
import { WhiteoutReader } from '../fs/whiteout';
import { layerError, type LayerError } from './errors';
import { EntryType, type LayerIndexBuilder } from './layerIndex';
import { PathNormalizer } from './paths';
import { Type } from './tarHeader';
import type { ContentSink, TarEntry, TarHandler } from './tarEntry';
import { TarReader } from './tarReader';
import { WarningList, type LayerWarning, type LayerWarningKind } from './warnings';

export type { ContentSink, TarEntry } from './tarEntry';

/** What a content observer is told about an entry (valid only during the call). */
export interface TarEntryInfo {
  /** The entry's index in the LayerIndex being built (`entryAt(index, i)` once it is finished). */
  readonly index: number;
  readonly type: EntryType;
  /** EntryFlag bits (whiteout, opaque). */
  readonly flags: number;
  /** The normalised path bytes, as the index stores them. */
  readonly path: Uint8Array;
  /** Size as indexed: the real size (sparse files included). */
  readonly size: number;
  /** The tar header as archive/tar has it (raw names, typeflag, stored size, offsets). */
  readonly header: Readonly<TarEntry>;
}

/**
 * Asked at the start of every entry; returns a sink to receive that entry's content, or
 * undefined to let it be skipped. Runs on the hot path: decide from `type`, `size` and `path`.
 */
export type ContentObserver = (entry: TarEntryInfo) => ContentSink | undefined;

export interface TarParserOptions {
  contentObserver?: ContentObserver;
}

const UINT32 = 2 ** 32;

const TYPE_OF: Record<number, EntryType> = {
  [Type.Reg]: EntryType.File,
  [Type.Cont]: EntryType.File,
  [Type.GNUSparse]: EntryType.File,
  [Type.Link]: EntryType.Hardlink,
  [Type.Symlink]: EntryType.Symlink,
  [Type.Char]: EntryType.CharDevice,
  [Type.Block]: EntryType.BlockDevice,
  [Type.Dir]: EntryType.Directory,
  [Type.Fifo]: EntryType.Fifo,
};

/** Typeflags containerd's and Docker's unpackers handle (anything else: 'unhandled tar header type'). */
function runtimeHandles(typeflag: number): boolean {
  return typeflag >= Type.Reg && typeflag <= Type.Fifo;
}

const TYPE_NAME: Record<number, string> = {
  [Type.Cont]: 'contiguous file',
  [Type.GNUSparse]: 'GNU sparse file',
  0x56: 'GNU volume label',
  0x44: 'GNU dump directory',
  0x4d: 'GNU multi-volume continuation',
  0x58: 'Solaris extended header',
};

const decoder = new TextDecoder();

export class TarParser implements TarHandler {
  readonly warnings = new WarningList();
  private readonly reader: TarReader;
  private readonly normalizer = new PathNormalizer();
  /** Link targets get their own: the entry's path view must outlive them (the observer sees it). */
  private readonly linkNormalizer = new PathNormalizer();
  private readonly whiteouts = new WhiteoutReader();
  private readonly observer: ContentObserver | undefined;

  constructor(
    private readonly builder: LayerIndexBuilder,
    options: TarParserOptions = {},
  ) {
    this.reader = new TarReader(this);
    this.observer = options.contentObserver;
  }

  /** Uncompressed bytes consumed so far. */
  get offset(): number {
    return this.reader.offset;
  }

  /** True once the end-of-archive marker was read (or the stream ended where Go's reader allows). */
  get ended(): boolean {
    return this.reader.ended;
  }

  get error(): LayerError | undefined {
    const e = this.reader.error;
    return e ? layerError('tar', e.message, e.offset) : undefined;
  }

  /** The warnings so far, first of each kind. */
  warningList(): LayerWarning[] {
    return this.warnings.list();
  }

  /** Feeds the next bytes of the tar stream. Never throws; a failure sets `error`. */
  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Call at the end of the stream. */
  finish(): void {
    this.reader.finish();
  }

  warn(kind: LayerWarningKind, message: string, offset: number): void {
    this.warnings.add(kind, message, offset);
  }

  lastEntryName(): string {
    const n = this.builder.count;
    return n > 0 ? this.builder.stringAt(this.builder.pathIdOf(n - 1)) : '';
  }

  entry(e: TarEntry): ContentSink | undefined {
    const b = this.builder;
    const t = e.typeflag;
    const type = TYPE_OF[t] ?? EntryType.Other;
    if (!runtimeHandles(t)) this.unsupported(e);

    const target = this.whiteouts.read(this.normalizer.normalize(e.name));
    const flags = this.whiteouts.flag;
    const pathId = b.addString(target);
    let linkId = -1;
    if (type === EntryType.Symlink) linkId = b.addString(e.linkname);
    else if (type === EntryType.Hardlink) linkId = b.addString(this.linkNormalizer.normalize(e.linkname));

    let { uid, gid, size } = e;
    if (uid < 0 || uid >= UINT32 || gid < 0 || gid >= UINT32) {
      this.warn('id-out-of-range', `'${decoder.decode(e.name)}' has uid ${uid} and gid ${gid}; stored modulo 2^32, as the kernel takes them`, e.headerOffset);
      uid = mod32(uid);
      gid = mod32(gid);
    }
    if (size < 0) {
      this.warn('negative-size', `'${decoder.decode(e.name)}' has the negative size ${size} (it has no content); stored as 0`, e.headerOffset);
      size = 0;
    }
    const index = b.add(pathId, linkId, {
      type,
      flags,
      mode: e.mode >= 0 && e.mode < 0x80000000 ? e.mode & 0o7777 : mod(e.mode, 0o10000),
      uid,
      gid,
      size,
      mtime: e.mtime,
      offset: e.dataOffset,
    });
    if (!this.observer) return undefined;
    return this.observer({ index, type, flags, path: target, size, header: e });
  }

  private unsupported(e: TarEntry): void {
    const kind: LayerWarningKind = 'unsupported-type';
    if (this.warnings.has(kind)) return this.warnings.count(kind);
    const t = e.typeflag;
    const name = TYPE_NAME[t] ?? 'an unknown type';
    const flag = t >= 0x20 && t < 0x7f ? `'${String.fromCharCode(t)}'` : `0x${t.toString(16)}`;
    this.warn(
      kind,
      `'${decoder.decode(e.name)}' is a tar entry of type ${flag} (${name}): containerd and Docker refuse to unpack it ("unhandled tar header type")`,
      e.headerOffset,
    );
  }
}

function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

function mod32(x: number): number {
  return x >= 0 && x < UINT32 ? x : mod(x, UINT32);
}
