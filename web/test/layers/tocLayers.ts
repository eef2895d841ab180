/**
 * eStargz and zstd:chunked layers for the TOC tests, written from the formats' documentation
 * (containerd/stargz-snapshotter docs/estargz.md; containers/storage pkg/chunked compressor.go and
 * internal/minimal) around a tar made by GNU tar or dpkg-deb. No Lading code is involved: where
 * each entry and its content sit in the tar comes from GNU tar's own listing (`tar -tvR`: the
 * block of each member, and the end-of-archive block), the members and frames are made by the
 * gzip and zstd programs, the TOC JSON is written here field by field from that listing.
 *
 * The same construction the fixture script does in bash (e2e/fixtures/toc.sh); Debian has no
 * eStargz or zstd:chunked writer.
 */
import { createHash } from 'node:crypto';
import { gzip, run, zstd } from './helpers';

export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const sha = (b: Uint8Array): string => `sha256:${sha256hex(b)}`;

export interface ListedEntry {
  /** The member's first block (of its extended headers, if any). */
  block: number;
  typeChar: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  name: string;
  linkName: string;
}

/** Permission string (`-rwsr-xr-t`) → mode bits, as ls and tar print them. */
function modeOf(perms: string): number {
  let mode = 0;
  const triple = (s: string, shift: number, special: number, letter: string): void => {
    if (s[0] === 'r') mode |= 4 << shift;
    if (s[1] === 'w') mode |= 2 << shift;
    const x = s[2] as string;
    if (x === 'x' || x === letter) mode |= 1 << shift;
    if (x === letter || x === letter.toUpperCase()) mode |= special;
  };
  triple(perms.slice(1, 4), 6, 0o4000, 's');
  triple(perms.slice(4, 7), 3, 0o2000, 's');
  triple(perms.slice(7, 10), 0, 0o1000, 't');
  return mode;
}

/** GNU tar's listing of `tar`: every member with its block, and the end-of-archive block. */
export function listTar(tar: Uint8Array): { entries: ListedEntry[]; endBlock: number } {
  const text = new TextDecoder().decode(run('tar', ['-tvR', '--numeric-owner', '--full-time', '-f', '-'], { input: tar, env: { TZ: 'UTC' } }));
  const entries: ListedEntry[] = [];
  let endBlock = -1;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const nul = /^block (\d+): \*\* Block of NULs \*\*$/.exec(line);
    if (nul) {
      endBlock = Number(nul[1]);
      continue;
    }
    const m = /^block (\d+): (\S{10}) (\d+)\/(\d+) +(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$/.exec(line);
    if (!m) throw new Error(`unparsed tar listing line: ${line}`);
    const [, block, perms, uid, gid, size, when, rest] = m as unknown as string[];
    let name = rest!;
    let linkName = '';
    const typeChar = perms![0]!;
    if (typeChar === 'l') [name, linkName] = rest!.split(' -> ') as [string, string];
    if (typeChar === 'h') [name, linkName] = rest!.split(' link to ') as [string, string];
    entries.push({
      block: Number(block),
      typeChar,
      mode: modeOf(perms!),
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
      mtime: Date.parse(`${when!.replace(' ', 'T')}Z`) / 1000,
      name,
      linkName,
    });
  }
  if (endBlock < 0) throw new Error('the tar listing shows no end-of-archive block');
  return { entries, endBlock };
}

const TYPE: Record<string, string> = { '-': 'reg', d: 'dir', l: 'symlink', h: 'hardlink', c: 'char', b: 'block', p: 'fifo' };

/** Where each member's content starts: right before the next member (content is last in a member). */
function contentStarts(entries: ListedEntry[], endBlock: number): number[] {
  return entries.map((e, i) => {
    const next = (entries[i + 1]?.block ?? endBlock) * 512;
    return next - Math.ceil(e.size / 512) * 512;
  });
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export interface TocJsonEntry {
  name: string;
  type: string;
  [key: string]: unknown;
}

export interface BuiltTocLayer {
  blob: Uint8Array;
  /** The uncompressed stream (the diff). */
  diff: Uint8Array;
  annotations: Record<string, string>;
  toc: { version: 1; entries: TocJsonEntry[]; [key: string]: unknown };
  tocJson: Uint8Array;
}

export interface BuildOptions {
  /** Largest piece of a file in one member/frame (eStargz default 4 MiB). */
  chunkSize?: number;
  /** Rewrites the TOC before it is written (a lying TOC); the annotations then match the lie. */
  edit?: (toc: BuiltTocLayer['toc']) => void;
  /** Replaces the TOC JSON bytes themselves (a TOC that is not JSON); annotations follow. */
  rewrite?: (json: Uint8Array) => Uint8Array;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** The 51-byte eStargz footer (docs/estargz.md, "Footer"), byte by byte. */
export function estargzFooter(tocOffset: number): Uint8Array {
  const subfield = new TextEncoder().encode(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`);
  return concat([
    new Uint8Array([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff]), // magic, deflate, FEXTRA, mtime 0, xfl, OS unknown
    new Uint8Array([26, 0, 0x53, 0x47, 22, 0]), // XLEN 26, SI1 'S', SI2 'G', LEN 22
    subfield,
    new Uint8Array([1, 0, 0, 0xff, 0xff]), // final stored block of length 0
    new Uint8Array(8), // CRC-32 and ISIZE of nothing
  ]);
}

/** A one-entry tar holding the TOC JSON, as the estargz writer appends it (GNU tar, 512-byte records). */
function tocTar(json: Uint8Array, dir: string): Uint8Array {
  run('sh', ['-c', 'cat > stargz.index.json && chmod 0644 stargz.index.json'], { cwd: dir, input: json });
  return run('tar', ['--format=ustar', '-b1', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', '-', 'stargz.index.json'], { cwd: dir });
}

/**
 * eStargz around `tar`: the tar cut before each piece of each regular file's content, every
 * piece gzipped on its own; then the TOC tar in its own member, then the footer.
 */
export function buildEstargz(tar: Uint8Array, scratchDir: string, options: BuildOptions = {}): BuiltTocLayer {
  const chunkSize = options.chunkSize ?? 4 * 1024 * 1024;
  const { entries, endBlock } = listTar(tar);
  const starts = contentStarts(entries, endBlock);
  // Cut points in the tar, each starting a member; a piece remembers its cut.
  const cuts: number[] = [0];
  const pieces: { entry: number; at: number; size: number; cut: number }[] = [];
  entries.forEach((e, i) => {
    if (e.typeChar !== '-' || e.size === 0) return;
    for (let at = 0; at < e.size; at += chunkSize) {
      const start = starts[i]! + at;
      if (cuts[cuts.length - 1] !== start) cuts.push(start);
      pieces.push({ entry: i, at, size: Math.min(chunkSize, e.size - at), cut: cuts.length - 1 });
    }
  });
  const dataEnd = endBlock * 512; // the TOC tar brings its own end-of-archive
  const segments = cuts.map((c, k) => tar.subarray(c, cuts[k + 1] ?? dataEnd));
  const members = segments.map((s) => gzip(s, 9));
  const memberOffsets: number[] = [];
  let offset = 0;
  for (const m of members) {
    memberOffsets.push(offset);
    offset += m.length;
  }
  const toc: BuiltTocLayer['toc'] = { version: 1, entries: [] };
  entries.forEach((e, i) => {
    const type = TYPE[e.typeChar];
    if (!type) throw new Error(`no TOC type for '${e.typeChar}'`);
    const own = pieces.filter((p) => p.entry === i);
    const base: TocJsonEntry = {
      name: e.name,
      type,
      ...(type === 'reg' && e.size > 0 ? { size: e.size } : {}),
      ...(e.mtime !== 0 ? { modtime: rfc3339(e.mtime) } : {}),
      ...(e.linkName ? { linkName: e.linkName } : {}),
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
    };
    if (own.length === 0) {
      toc.entries.push(base);
      return;
    }
    const content = tar.subarray(starts[i]!, starts[i]! + e.size);
    own.forEach((p, k) => {
      const fields = {
        offset: memberOffsets[p.cut]!,
        ...(k > 0 ? { chunkOffset: p.at } : {}),
        ...(own.length > 1 && k < own.length - 1 ? { chunkSize: p.size } : {}),
        chunkDigest: sha(content.subarray(p.at, p.at + p.size)),
      };
      toc.entries.push(k === 0 ? { ...base, digest: sha(content), ...fields } : { name: e.name, type: 'chunk', ...fields });
    });
  });
  options.edit?.(toc);
  const written = new TextEncoder().encode(JSON.stringify(toc, null, '\t'));
  const tocJson = options.rewrite ? options.rewrite(written) : written;
  const tocEntryTar = tocTar(tocJson, scratchDir);
  const tocMember = gzip(tocEntryTar, 9);
  const blob = concat([...members, tocMember, estargzFooter(offset)]);
  const diff = concat([...segments, tocEntryTar]);
  return {
    blob,
    diff,
    toc,
    tocJson,
    annotations: { 'containerd.io/snapshot/stargz/toc.digest': sha(tocJson), 'io.containers.estargz.uncompressed-size': String(diff.length) },
  };
}

const u64le = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};

/** A zstd skippable frame (magic 0x184D2A50, little-endian size) around `data`. */
export function skippableFrame(data: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, 0x184d2a50, true);
  view.setUint32(4, data.length, true);
  return concat([head, data]);
}

/**
 * zstd:chunked around `tar`, as containers/storage's compressor lays it out: a new frame at the
 * start of every piece of file content and after each file's content; then the manifest (zstd in a
 * skippable frame) and the 64-byte footer frame. No tar-split (the TOC then carries no
 * tarSplitDigest, as older writers did).
 */
export function buildZstdChunked(tar: Uint8Array, options: BuildOptions = {}): BuiltTocLayer {
  const chunkSize = options.chunkSize ?? Number.MAX_SAFE_INTEGER;
  const { entries, endBlock } = listTar(tar);
  const starts = contentStarts(entries, endBlock);
  const cuts: number[] = [0];
  const pieces: { entry: number; at: number; size: number; cut: number; endCut: number }[] = [];
  entries.forEach((e, i) => {
    if (e.typeChar !== '-' || e.size === 0) return;
    for (let at = 0; at < e.size; at += chunkSize) {
      const start = starts[i]! + at;
      if (cuts[cuts.length - 1] !== start) cuts.push(start);
      pieces.push({ entry: i, at, size: Math.min(chunkSize, e.size - at), cut: cuts.length - 1, endCut: -1 });
    }
    cuts.push(starts[i]! + e.size);
    for (const p of pieces) if (p.entry === i) p.endCut = cuts.length - 1;
  });
  const segments = cuts.map((c, k) => tar.subarray(c, cuts[k + 1] ?? tar.length));
  const frames = segments.map((s) => zstd(s, ['-3']));
  const frameOffsets: number[] = [];
  let offset = 0;
  for (const f of frames) {
    frameOffsets.push(offset);
    offset += f.length;
  }
  const toc: BuiltTocLayer['toc'] = { version: 1, entries: [] };
  entries.forEach((e, i) => {
    const type = TYPE[e.typeChar]!;
    const own = pieces.filter((p) => p.entry === i);
    const base: TocJsonEntry = {
      type,
      name: e.name,
      ...(e.linkName ? { linkName: e.linkName } : {}),
      mode: e.mode,
      ...(e.size > 0 && type === 'reg' ? { size: e.size } : {}),
      uid: e.uid,
      gid: e.gid,
      modtime: rfc3339(e.mtime),
    };
    if (own.length === 0) {
      toc.entries.push(base);
      return;
    }
    const content = tar.subarray(starts[i]!, starts[i]! + e.size);
    const endOffset = frameOffsets[own[0]!.endCut]!;
    own.forEach((p, k) => {
      const multi = own.length > 1 ? { chunkSize: p.size, chunkDigest: sha(content.subarray(p.at, p.at + p.size)) } : {};
      if (k === 0) toc.entries.push({ ...base, digest: sha(content), offset: frameOffsets[p.cut]!, endOffset, ...multi });
      else toc.entries.push({ type: 'chunk', name: e.name, offset: frameOffsets[p.cut]!, chunkOffset: p.at, ...multi });
    });
  });
  options.edit?.(toc);
  const written = new TextEncoder().encode(JSON.stringify(toc));
  const tocJson = options.rewrite ? options.rewrite(written) : written;
  const manifest = zstd(tocJson, ['-3']);
  const manifestOffset = offset + 8;
  const footer = concat([
    u64le(manifestOffset),
    u64le(manifest.length),
    u64le(tocJson.length),
    u64le(1),
    u64le(0),
    u64le(0),
    u64le(0),
    new TextEncoder().encode('GNUlInUx'),
  ]);
  const blob = concat([...frames, skippableFrame(manifest), skippableFrame(footer)]);
  return {
    blob,
    diff: tar,
    toc,
    tocJson,
    annotations: {
      'io.github.containers.zstd-chunked.manifest-position': `${manifestOffset}:${manifest.length}:${tocJson.length}:1`,
      'io.github.containers.zstd-chunked.manifest-checksum': sha(manifest),
    },
  };
}

/** BlobRanges over bytes in memory, counting what is read. */
export function memoryRanges(blob: Uint8Array): {
  size: number;
  reads: Array<[number, number]>;
  read: (offset: number, length: number) => Promise<Uint8Array>;
} {
  const reads: Array<[number, number]> = [];
  return {
    size: blob.length,
    reads,
    read: async (offset, length) => {
      reads.push([offset, length]);
      if (offset < 0 || offset + length > blob.length) throw new RangeError(`bytes ${offset}+${length} outside ${blob.length}`);
      return blob.slice(offset, offset + length);
    },
  };
}
