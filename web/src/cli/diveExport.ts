/**
 * dive's JSON export (`dive <image> --json FILE`), field for field: wagoodman/dive
 * `cmd/dive/cli/internal/command/export/export.go` (formerly `runtime/export/`), whose layer
 * `fileList` holds `dive/filetree/file_info.go` FileInfos, written with Go's
 * `json.MarshalIndent(v, "", "  ")`:
 *
 *   { "layer": [ { index, id, digestId, sizeBytes, command,
 *                  fileList: [ { path, typeFlag, linkName, size, fileMode, uid, gid, isDir } ] } ],
 *     "image": { sizeBytes, inefficientBytes, efficiencyScore,
 *                fileReference: [ { count, sizeBytes, file } ] } }
 *
 * - `fileList` is dive's walk of the layer's OWN tree (`VisitDepthChildFirst`): children before
 *   their parent, siblings by `sort.Strings` (byte order), the root not visited. The tree is what
 *   dive's `AddPath` builds from the layer's tar entries: a whiteout is a node named `.wh.<name>`;
 *   a `.wh..wh..*` name is never added (an opaque marker only creates its parent directories);
 *   a directory the tar has no entry for is a node with Go's zero FileInfo (`path` "", all 0);
 *   two entries for one path are one node, the later entry's FileInfo.
 * - FileInfo comes from the tar header: `path` is the cleaned entry name without a leading "/"
 *   (as Lading's layer index stores it), `typeFlag` the typeflag byte ('0' = 48, '5' = 53),
 *   `size` the header size, `fileMode` Go's `header.FileInfo().Mode()` (permission bits, setuid
 *   1<<23, setgid 1<<22, sticky 1<<20, and the type: dir 1<<31, symlink 1<<27, device 1<<26 (+ char
 *   device 1<<21), named pipe 1<<25), `isDir` for a directory.
 * - `sizeBytes` of a layer is dive's layer size (Σ header sizes, see core/fs DIVE-COMPAT.md);
 *   `image` is dive's analysis (core/fs `dive()`), `fileReference` in dive's display order.
 * - `command` is dive's: the history entry's `created_by` without a leading "/bin/sh -c ", or
 *   "(missing)"; `digestId` is the diff_id dive pairs with that history entry (dive walks the
 *   history, skipping `empty_layer` entries; "" when the history has no entry left for a layer).
 * - `id` is chosen by the caller (see source.ts: dive's first path component of the layer's
 *   member name for `docker save` archives, the blob's hex digest for OCI sources).
 *
 * What the layer index does not keep, and so differs from dive on unusual tars only: a leading
 * "/" or "./" or a ".." in entry names (dive keeps `path.Clean(name)`), hardlink targets
 * (normalised like paths here), typeflags '7' and 'S' (reported as '0') and unknown vendor
 * typeflags (reported as 0), and file-type bits in a header's mode that contradict its typeflag.
 */
import { Buffer } from 'node:buffer';
import type { DiveAnalysis } from '../core/fs';
import { EntryFlag, EntryType, linkOf, stringBytesAt, type LayerIndex } from '../core/layers';
import type { HistoryEntry, ImageConfig } from '../core/oci';

export interface DiveFileInfo {
  path: string;
  typeFlag: number;
  linkName: string;
  size: number;
  fileMode: number;
  uid: number;
  gid: number;
  isDir: boolean;
}

export interface DiveExportLayer {
  index: number;
  id: string;
  digestId: string;
  sizeBytes: number;
  command: string;
  fileList: DiveFileInfo[];
}

export interface DiveFileReference {
  count: number;
  sizeBytes: number;
  file: string;
}

export interface DiveExport {
  layer: DiveExportLayer[];
  image: {
    sizeBytes: number;
    inefficientBytes: number;
    efficiencyScore: number;
    fileReference: DiveFileReference[];
  };
}

// Go's os.FileMode bits.
export const GoMode = {
  Dir: 2 ** 31,
  Symlink: 2 ** 27,
  Device: 2 ** 26,
  NamedPipe: 2 ** 25,
  Setuid: 2 ** 23,
  Setgid: 2 ** 22,
  CharDevice: 2 ** 21,
  Sticky: 2 ** 20,
} as const;

const TYPE_FLAGS: Record<EntryType, number> = {
  [EntryType.File]: 0x30,
  [EntryType.Hardlink]: 0x31,
  [EntryType.Symlink]: 0x32,
  [EntryType.CharDevice]: 0x33,
  [EntryType.BlockDevice]: 0x34,
  [EntryType.Directory]: 0x35,
  [EntryType.Fifo]: 0x36,
  [EntryType.Other]: 0,
};

/** The tar typeflag byte Go's reader reports for an entry of this type. */
export function tarTypeFlag(type: EntryType): number {
  return TYPE_FLAGS[type] ?? 0;
}

/** archive/tar `header.FileInfo().Mode()` from the typeflag and the header's mode & 0o7777. */
export function goFileMode(type: EntryType, mode: number): number {
  let m = mode & 0o777;
  if (mode & 0o4000) m += GoMode.Setuid;
  if (mode & 0o2000) m += GoMode.Setgid;
  if (mode & 0o1000) m += GoMode.Sticky;
  switch (type) {
    case EntryType.Directory:
      return m + GoMode.Dir;
    case EntryType.Symlink:
      return m + GoMode.Symlink;
    case EntryType.CharDevice:
      return m + GoMode.Device + GoMode.CharDevice;
    case EntryType.BlockDevice:
      return m + GoMode.Device;
    case EntryType.Fifo:
      return m + GoMode.NamedPipe;
    default:
      return m;
  }
}

const ZERO_INFO: DiveFileInfo = Object.freeze({ path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false });

interface DiveNode {
  children: Map<string, DiveNode> | undefined;
  info: DiveFileInfo | undefined;
}

const WHITEOUT = '.wh.';
const DOUBLE_WHITEOUT = '.wh..wh..';
const OPAQUE = '.wh..wh..opq';

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function utf8FromLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** dive's FileTree.AddPath over one layer's tree (names are byte strings: one char per byte). */
function addPath(root: DiveNode, names: readonly string[], info: DiveFileInfo): void {
  let node = root;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    let child = node.children?.get(name);
    if (!child) {
      if (name.startsWith(DOUBLE_WHITEOUT)) return; // never added, nor anything below it
      child = { children: undefined, info: undefined };
      (node.children ??= new Map()).set(name, child);
    }
    node = child;
    if (i === names.length - 1) node.info = info;
  }
}

/** The layer's file list as dive exports it: its own tree, children first, siblings by name. */
export function diveFileList(index: LayerIndex): DiveFileInfo[] {
  const root: DiveNode = { children: undefined, info: undefined };
  for (let e = 0; e < index.count; e++) {
    const path = latin1(stringBytesAt(index.strings, index.path[e]!));
    const flags = index.flags[e]!;
    const names = path === '' ? [] : path.split('/');
    if (flags & EntryFlag.Whiteout) {
      const last = names.length - 1;
      if (last < 0) continue;
      names[last] = WHITEOUT + names[last]!;
    } else if (flags & EntryFlag.Opaque) {
      names.push(OPAQUE);
    }
    if (names.length === 0) continue; // "." (the layer root): dive skips it
    const type = index.type[e]! as EntryType;
    const fileMode = goFileMode(type, index.mode[e]!);
    addPath(root, names, {
      path: utf8FromLatin1(names.join('/')),
      typeFlag: tarTypeFlag(type),
      linkName: linkOf(index, e) ?? '',
      size: index.size[e]!,
      fileMode,
      uid: index.uid[e]!,
      gid: index.gid[e]!,
      isDir: fileMode >= GoMode.Dir,
    });
  }
  const out: DiveFileInfo[] = [];
  const visit = (node: DiveNode): void => {
    if (!node.children) return;
    for (const name of [...node.children.keys()].sort()) {
      const child = node.children.get(name)!;
      visit(child);
      out.push(child.info ?? ZERO_INFO);
    }
  };
  visit(root);
  return out;
}

export interface DiveLayerHistory {
  /** `created_by` without "/bin/sh -c ", or "(missing)". */
  command: string;
  /** The diff_id dive pairs with the history entry, "" when there is none. */
  digestId: string;
  history?: HistoryEntry;
}

/** dive's pairing of layers with history entries (docker/image_archive.go ToImage, config.go). */
export function diveLayerHistory(config: Pick<ImageConfig, 'history' | 'rootfs'>, layerCount: number): DiveLayerHistory[] {
  const history = config.history ?? [];
  const diffIds = config.rootfs?.diff_ids ?? [];
  // newConfig: the n-th non-empty history entry gets diff_ids[n].
  const ids: string[] = [];
  let layerIdx = 0;
  for (const h of history) ids.push(h.empty_layer ? '<missing>' : (diffIds[layerIdx++] ?? ''));
  const out: DiveLayerHistory[] = [];
  let histIdx = 0;
  for (let k = 0; k < layerCount; k++) {
    let entry: DiveLayerHistory = { command: '(missing)', digestId: '' };
    for (let next = histIdx; next < history.length; next++) {
      if (!history[next]!.empty_layer) {
        histIdx = next;
        break;
      }
    }
    const h = history[histIdx];
    if (h && !h.empty_layer) {
      const createdBy = h.created_by ?? '';
      entry = { command: createdBy.startsWith('/bin/sh -c ') ? createdBy.slice('/bin/sh -c '.length) : createdBy, digestId: ids[histIdx] ?? '', history: h };
      histIdx++;
    }
    out.push(entry);
  }
  return out;
}

export interface DiveExportInput {
  layers: readonly { index: LayerIndex; id: string }[];
  config: Pick<ImageConfig, 'history' | 'rootfs'>;
  dive: DiveAnalysis;
}

export function diveExport({ layers, config, dive }: DiveExportInput): DiveExport {
  const history = diveLayerHistory(config, layers.length);
  return {
    layer: layers.map((l, k) => ({
      index: k,
      id: l.id,
      digestId: history[k]!.digestId,
      sizeBytes: dive.layerSizes[k] ?? 0,
      command: history[k]!.command,
      fileList: diveFileList(l.index),
    })),
    image: {
      sizeBytes: dive.sizeBytes,
      inefficientBytes: dive.wastedBytes,
      efficiencyScore: dive.efficiency,
      fileReference: dive.inefficiencies.map((f) => ({ count: f.count, sizeBytes: f.sizeBytes, file: f.path })),
    },
  };
}

const GO_HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * Go's `json.MarshalIndent(v, "", "  ")`: the same layout as JSON.stringify with two spaces, plus
 * Go's HTML-safe escapes. Those characters only ever occur inside strings, so replacing them
 * everywhere is safe. No trailing newline, as dive writes it.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => GO_HTML_ESCAPES[c]!);
}
