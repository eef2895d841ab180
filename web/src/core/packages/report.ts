/**
 * Packages stacked like files, and every file attributed to its package.
 *
 * Input: per layer, the database files its pass captured (`CapturedFile[]`), and the stacked
 * filesystem (`PackageFs`). A captured file counts from its layer until a later layer deletes
 * it (whiteout), hides it (opaque directory) or overwrites it: the filesystem model already
 * knows which layer killed each entry, so deletions of database files are honoured exactly as
 * for any other file. The packages as of layer k are assembled from the files alive after k;
 * each layer's changes are the difference from the layer below (added, removed, version changed).
 *
 * Attribution (per state): each package claims nodes (`resolve.ts`); the first claim in key
 * order wins within OS packages (deb, rpm, apk) and within language packages (python, npm).
 * A node's owner is its OS package if any, else its language package; `nodeOwner2` keeps the
 * language package where both claim it (a Debian python3-* package and the dist-info it ships).
 * Package figures count the package's own claims, so deb python3-six and python six both show
 * six.py: within one ecosystem no byte is counted twice.
 *
 *   - files, sizeBytes: non-directory nodes the final image shows that it owns; bytes of the
 *     regular files among them (hardlinks count at their first path, as tar stores them);
 *   - costBytes: bytes of regular files written in any layer at paths it owned as of that
 *     layer (each copy counts: a file rewritten by a later layer costs twice);
 *   - layer: the last layer that added it or changed its version; removedIn: the layer that
 *     removed it, if the final image does not have it.
 *
 * Output is plain data and typed arrays (`packageReportTransferables`), for postMessage.
 */
import { EntryType } from '../layers/layerIndex';
import { assemble, type Assembled } from './assemble';
import { isContentEntry, MARKER, type PackageFs } from './fsInput';
import { ecosystemOf, type DatabaseKind } from './kinds';
import { parseCaptured, type ParsedFile, type ParseDeps } from './parse';
import { ClaimResolver } from './resolve';
import { isOsEcosystem, type CapturedFile, type Ecosystem, type PackageNote, type PackageRecord } from './types';

export interface PackageSummary {
  readonly id: number;
  readonly ecosystem: Ecosystem;
  readonly name: string;
  /** The last version seen (the final image's, if it has the package). */
  readonly version: string;
  readonly arch?: string;
  readonly key: string;
  /** The database it was last read from. */
  readonly source: string;
  readonly layer: number;
  readonly removedIn?: number;
  readonly files: number;
  readonly sizeBytes: number;
  readonly costBytes: number;
}

export interface DatabaseFileInfo {
  /** Absolute path. */
  readonly path: string;
  readonly kind: DatabaseKind;
  readonly ecosystem: Ecosystem;
  /** Read without a note. */
  readonly ok: boolean;
}

export interface LayerPackages {
  /** Package ids, ascending. */
  readonly added: Int32Array;
  readonly removed: Int32Array;
  readonly changed: Int32Array;
  /** Versions before the layer, parallel to `changed`. */
  readonly changedFrom: readonly string[];
  /** After this layer: the ids present (ascending) and their versions. */
  readonly present: Int32Array;
  readonly versions: readonly string[];
  /** Database files of this layer's own entries. */
  readonly databases: readonly DatabaseFileInfo[];
  readonly notes: readonly PackageNote[];
}

export interface PackageReport {
  readonly packages: readonly PackageSummary[];
  readonly layers: readonly LayerPackages[];
  /** Per global entry: its owner as of its layer, -1 for none (directories and markers: -1). */
  readonly entryOwner: Int32Array;
  /** Per node, in the final image: the owner (OS package first), -1 for none or a directory. */
  readonly nodeOwner: Int32Array;
  /** Per node: the language package when an OS package owns it too, else -1. */
  readonly nodeOwner2: Int32Array;
}

interface LiveFile {
  readonly layer: number;
  readonly parsed: ParsedFile;
  /** The layer that deleted, hid or overwrote it; Infinity while the final image has it. */
  readonly diesAt: number;
}

/** Parses every captured file and builds the report. Never throws for bad databases (they become notes). */
export function buildPackageReport(fs: PackageFs, captured: readonly (readonly CapturedFile[])[], deps: ParseDeps = {}): PackageReport {
  const L = fs.layerCount;
  const resolver = new ClaimResolver(fs);
  const live: LiveFile[] = [];
  const layerNotes: PackageNote[][] = Array.from({ length: L }, () => []);
  const layerDbs: DatabaseFileInfo[][] = Array.from({ length: L }, () => []);
  for (let k = 0; k < L; k++) {
    for (const file of captured[k] ?? []) {
      const parsed = parseCaptured(file, deps);
      if (!parsed) continue;
      layerNotes[k]!.push(...parsed.notes);
      layerDbs[k]!.push({ path: parsed.path, kind: parsed.kind, ecosystem: ecosystemOf(parsed.kind), ok: parsed.notes.length === 0 });
      const g = entryOf(fs, resolver, k, file);
      if (g < 0) {
        layerNotes[k]!.push({ kind: 'partial', path: parsed.path, message: 'captured, but the layer has no such file: ignored' });
        continue;
      }
      const killer = fs.killedBy[g]!;
      live.push({ layer: k, parsed, diesAt: killer < 0 ? Infinity : killer });
    }
  }

  // Package ids by key, in order of first appearance.
  const ids = new Map<string, number>();
  const info: { rec: PackageRecord; layer: number; removedIn?: number }[] = [];
  const layers: LayerPackages[] = [];
  const entryOwner = new Int32Array(fs.layerBase[L] ?? 0).fill(-1);
  const cost: number[] = [];
  let prev: Assembled = { records: [], unknownSources: new Set(), notes: [] };
  let prevSig = '';
  let owners: Owners | undefined;

  for (let k = 0; k < L; k++) {
    const alive = live.filter((f) => f.layer <= k && f.diesAt > k);
    const sig = alive.map((f) => `${f.layer}:${f.parsed.path}`).join('\n');
    const cur = sig === prevSig ? prev : assemble(alive.map((f) => f.parsed));
    const prevByKey = new Map(prev.records.map((r) => [r.key, r] as const));
    const curByKey = new Map(cur.records.map((r) => [r.key, r] as const));
    const added: number[] = [];
    const removed: number[] = [];
    const changed: number[] = [];
    const changedFrom: string[] = [];
    for (const r of cur.records) {
      let id = ids.get(r.key);
      if (id === undefined) {
        id = info.length;
        ids.set(r.key, id);
        info.push({ rec: r, layer: k });
        cost.push(0);
      }
      const i = info[id]!;
      const before = prevByKey.get(r.key);
      if (!before) {
        if (!prev.unknownSources.has(r.source)) {
          added.push(id);
          i.layer = k;
        }
        delete i.removedIn;
      } else if (before.version !== r.version) {
        changed.push(id);
        changedFrom.push(before.version);
        i.layer = k;
      }
      i.rec = r;
    }
    for (const r of prev.records) {
      if (curByKey.has(r.key) || cur.unknownSources.has(r.source)) continue;
      const id = ids.get(r.key)!;
      removed.push(id);
      info[id]!.removedIn = k;
    }
    const notes = layerNotes[k]!;
    if (cur !== prev) {
      const old = new Set(prev.notes.map((n) => `${n.path}\n${n.message}`));
      for (const n of cur.notes) if (!old.has(`${n.path}\n${n.message}`)) notes.push(n);
    }
    const order = sortedPairs(cur.records.map((r) => [ids.get(r.key)!, r.version] as const));
    const ch = sortedPairs(changed.map((id, i) => [id, changedFrom[i]!] as const));
    layers.push({
      added: Int32Array.from(added).sort(),
      removed: Int32Array.from(removed).sort(),
      changed: Int32Array.from(ch.map((p) => p[0])),
      changedFrom: ch.map((p) => p[1]),
      present: Int32Array.from(order.map((p) => p[0])),
      versions: order.map((p) => p[1]),
      databases: layerDbs[k]!,
      notes,
    });

    // Owners as of this layer, for this layer's entries (rebuilt only when the packages changed).
    if (!owners || cur !== prev) owners = claimOwners(fs, resolver, cur.records, ids);
    for (let g = fs.layerBase[k]!; g < fs.layerBase[k + 1]!; g++) {
      if (!isContentEntry(fs, g)) continue;
      const n = fs.entryNode[g]!;
      const a = owners.os[n]!;
      const b = owners.lang[n]!;
      entryOwner[g] = a >= 0 ? a : b;
      if (fs.entryType[g] === EntryType.File && fs.entrySize[g]! > 0) {
        if (a >= 0) cost[a]! += fs.entrySize[g]!;
        if (b >= 0) cost[b]! += fs.entrySize[g]!;
      }
    }
    prev = cur;
    prevSig = sig;
  }

  // The final image.
  const N = fs.nodeCount;
  const nodeOwner = new Int32Array(N).fill(-1);
  const nodeOwner2 = new Int32Array(N).fill(-1);
  const files = new Float64Array(info.length);
  const size = new Float64Array(info.length);
  if (owners) {
    for (let n = 0; n < N; n++) {
      const g = fs.finalVis[n]!;
      if (g < 0 || fs.entryType[g] === EntryType.Directory || (fs.entryFlags[g]! & MARKER) !== 0) continue;
      const a = owners.os[n]!;
      const b = owners.lang[n]!;
      const isFile = fs.entryType[g] === EntryType.File;
      for (const o of [a, b]) {
        if (o < 0) continue;
        files[o]!++;
        if (isFile) size[o]! += fs.entrySize[g]!;
      }
      nodeOwner[n] = a >= 0 ? a : b;
      nodeOwner2[n] = a >= 0 ? b : -1;
    }
  }
  const packages: PackageSummary[] = info.map((i, id) => ({
    id,
    ecosystem: i.rec.ecosystem,
    name: i.rec.name,
    version: i.rec.version,
    ...(i.rec.arch !== undefined ? { arch: i.rec.arch } : {}),
    key: i.rec.key,
    source: i.rec.source,
    layer: i.layer,
    ...(i.removedIn !== undefined ? { removedIn: i.removedIn } : {}),
    files: i.removedIn !== undefined ? 0 : files[id]!,
    sizeBytes: i.removedIn !== undefined ? 0 : size[id]!,
    costBytes: cost[id]!,
  }));
  return { packages, layers, entryOwner, nodeOwner, nodeOwner2 };
}

interface Owners {
  readonly os: Int32Array;
  readonly lang: Int32Array;
}

function claimOwners(fs: PackageFs, resolver: ClaimResolver, records: readonly PackageRecord[], ids: Map<string, number>): Owners {
  const os = new Int32Array(fs.nodeCount).fill(-1);
  const lang = new Int32Array(fs.nodeCount).fill(-1);
  for (const r of records) {
    const id = ids.get(r.key)!;
    const into = isOsEcosystem(r.ecosystem) ? os : lang;
    const nodes = resolver.recordNodes(r);
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (into[n]! < 0) into[n] = id;
    }
  }
  return { os, lang };
}

/** The global entry of a captured file: its recorded index if it names that path, else the last entry at the path in its layer. */
function entryOf(fs: PackageFs, resolver: ClaimResolver, k: number, file: CapturedFile): number {
  const node = resolver.node(`/${file.path}`);
  if (node < 0) return -1;
  const base = fs.layerBase[k]!;
  const end = fs.layerBase[k + 1]!;
  if (file.entry !== undefined && base + file.entry < end && fs.entryNode[base + file.entry] === node) return base + file.entry;
  for (let g = end - 1; g >= base; g--) if (fs.entryNode[g] === node && (fs.entryFlags[g]! & MARKER) === 0) return g;
  return -1;
}

function sortedPairs<T>(pairs: readonly (readonly [number, T])[]): (readonly [number, T])[] {
  return [...pairs].sort((a, b) => a[0] - b[0]);
}

/** The typed arrays of a report, for postMessage's transfer list. */
export function packageReportTransferables(r: PackageReport): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: Int32Array): void => {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  };
  add(r.entryOwner);
  add(r.nodeOwner);
  add(r.nodeOwner2);
  for (const l of r.layers) for (const a of [l.added, l.removed, l.changed, l.present]) add(a);
  return [...out];
}
