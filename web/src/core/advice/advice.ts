/**
 * Shrink advice: what could be left out of an image, by rule (rules.ts), each finding with the
 * bytes it would save, the layer and its Dockerfile line, the paths (largest first) and the fix.
 *
 * No byte is counted twice: every layer entry is claimed by at most one finding, rules taking
 * their turn in ADVICE_RULES order (a dead copy of a chmod'ed file is a metadata-only copy, not
 * also deleted-later; a duplicated header is build-toolchain, not also duplicate-content), so the
 * total is the sum of the findings. A finding is one rule in one layer: the layer that wrote the
 * bytes (deleted-later, package-cache, build-toolchain, docs, static), the layer that wrote them
 * again (metadata-only-copy), or the layer holding the extra copies (duplicate-content).
 *
 * Findings under the floor (`minBytes`) are kept apart as `small`, counted and listed, never
 * dropped without a word: a rewritten dpkg status file is real but not worth a Dockerfile change.
 *
 * What is not told apart: unstripped binaries (telling needs the ELF section headers, which the
 * tar pass does not read); debug symbols count only where they are files of their own.
 */
import type { ImageFilesystem } from '../fs';
import { duplicateGroups, metadataOnlyCopies, type DuplicateGroup } from '../fs/identity';
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { PackageReport } from '../packages/report';
import { ADVICE_RULES, isDocOrLocale, isPackageCache, isStaticOrDebug, isToolchainPackage, isToolchainPath, RULE_FIX, type AdviceRule } from './rules';

/** 1 MiB: below it, a finding is listed as small (a rewritten dpkg status file is a few hundred kB). */
export const DEFAULT_MIN_BYTES = 1024 * 1024;

export interface AdviceOptions {
  /** The floor; default DEFAULT_MIN_BYTES. */
  readonly minBytes?: number;
  /** Packages of the image (core/packages): build-toolchain then goes by owning package, paths only for files no package owns. */
  readonly packages?: PackageReport;
}

export interface AdvicePath {
  /** "/var/lib/apt/lists/…" */
  readonly path: string;
  readonly bytes: number;
  /** Its trie node (to open it in the explorer). */
  readonly node: number;
  /** duplicate-content: the copy that is kept. */
  readonly sameAs?: string;
}

export interface AdviceFinding {
  readonly rule: AdviceRule;
  /** What the fix would save. */
  readonly bytes: number;
  readonly layer: number;
  /** The layer's Dockerfile line ('' when the history has none). */
  readonly command: string;
  /** Largest first (then by path). */
  readonly paths: readonly AdvicePath[];
  readonly fix: string;
  /** deleted-later: the layers that removed the bytes. metadata-only-copy: the layers that wrote them first. build-toolchain: the packages. */
  readonly related: readonly string[];
  /** Under the floor. */
  readonly small: boolean;
}

export interface AdviceReport {
  /** At or over the floor, largest saving first. */
  readonly findings: readonly AdviceFinding[];
  /** Under the floor, largest first. */
  readonly small: readonly AdviceFinding[];
  /** Sum of `findings` (no byte twice). */
  readonly totalBytes: number;
  readonly smallBytes: number;
  /** Bytes of every file of every layer: what the image ships uncompressed (dive's image size). */
  readonly imageBytes: number;
  /** totalBytes / imageBytes × 100 (0 for an empty image). */
  readonly percent: number;
  readonly minBytes: number;
  /** Duplicate groups of the final image (all of them, whatever the floor), largest saving first. */
  readonly duplicates: readonly DuplicateGroup[];
  /** Whether content hashes were known (metadata-only-copy and duplicate-content need them). */
  readonly hashed: boolean;
  /** Whether build-toolchain went by packages. */
  readonly byPackages: boolean;
}

class Collector {
  readonly groups = new Map<string, { rule: AdviceRule; layer: number; paths: AdvicePath[]; bytes: number; related: Set<string> }>();
  add(rule: AdviceRule, layer: number, path: AdvicePath, related?: string): void {
    const key = `${rule}\0${layer}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { rule, layer, paths: [], bytes: 0, related: new Set() }));
    g.paths.push(path);
    g.bytes += path.bytes;
    if (related !== undefined) g.related.add(related);
  }
}

/** The advice for a stacked image. Pure and synchronous: run it in a worker for big images. */
export function computeAdvice(fs: ImageFilesystem, options: AdviceOptions = {}): AdviceReport {
  const d = fs.data;
  const minBytes = options.minBytes ?? DEFAULT_MIN_BYTES;
  const E = d.entryNode.length;
  const claimed = new Uint8Array(E);
  const out = new Collector();
  const paths = fs.paths();
  const commandOf = (k: number): string => d.layers[k]?.command ?? '';
  const layerName = (k: number): string => `layer ${k}${commandOf(k) ? ` (${commandOf(k)})` : ''}`;
  const pathAt = (g: number): AdvicePath => ({ path: paths[d.entryNode[g]!]!, bytes: d.entrySize[g]!, node: d.entryNode[g]! });

  let imageBytes = 0;
  let hashed = d.layers.length > 0;
  for (const l of d.layers) if (l.index.contentHash.length !== 2 * l.index.count) hashed = false;
  for (let g = 0; g < E; g++) if ((d.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque)) === 0) imageBytes += d.entrySize[g]!;

  // metadata-only-copy: the lower copy is the waste, charged to the layer that wrote it again.
  for (const c of metadataOnlyCopies(d)) {
    if (claimed[c.replaced]) continue;
    claimed[c.replaced] = 1;
    out.add('metadata-only-copy', c.layer, { path: c.path, bytes: c.bytes, node: d.entryNode[c.entry]! }, layerName(c.replacedLayer));
  }

  // deleted-later: every other dead byte (Lading's reclaimable entries), charged to the layer that wrote it.
  for (const g of fs.reclaimable().entries) {
    if (claimed[g]) continue;
    claimed[g] = 1;
    out.add('deleted-later', d.entryLayer[g]!, pathAt(g), layerName(d.killedBy[g]!));
  }

  // Live files of the final image, each to the first path rule that claims it.
  const report = options.packages;
  const byPackages = report !== undefined && report.packages.length > 0;
  const toolchainOwner = (n: number): string | undefined => {
    if (!byPackages) return undefined;
    const owner = report.nodeOwner[n] ?? -1;
    const pkg = owner >= 0 ? report.packages[owner] : undefined;
    return pkg && isToolchainPackage(pkg.name) ? pkg.name : undefined;
  };
  for (let n = 0; n < d.finalVis.length; n++) {
    const g = d.finalVis[n]!;
    if (g < 0 || claimed[g] || d.entryType[g] !== EntryType.File || d.entrySize[g]! <= 0 || d.entryFlags[g]! & (EntryFlag.Whiteout | EntryFlag.Opaque))
      continue;
    const path = paths[n]!;
    const k = d.entryLayer[g]!;
    let rule: AdviceRule | undefined;
    let related: string | undefined;
    if (isPackageCache(path)) rule = 'package-cache';
    else {
      const pkg = toolchainOwner(n);
      const unowned = !byPackages || (report.nodeOwner[n] ?? -1) < 0;
      if (pkg !== undefined || (unowned && isToolchainPath(path))) {
        rule = 'build-toolchain';
        related = pkg;
      } else if (isStaticOrDebug(path)) rule = 'static-and-debug';
      else if (isDocOrLocale(path)) rule = 'docs-and-locales';
    }
    if (!rule) continue;
    claimed[g] = 1;
    out.add(rule, k, pathAt(g), related);
  }

  // duplicate-content: of each group's copies no other rule took, one is kept and the others could go.
  const duplicates = duplicateGroups(d);
  for (const group of duplicates) {
    const free = group.entries.filter((g) => !claimed[g]).sort((a, b) => d.entryLayer[a]! - d.entryLayer[b]! || a - b);
    if (free.length < 2) continue;
    const kept = paths[d.entryNode[free[0]!]!]!;
    for (const g of free.slice(1)) {
      claimed[g] = 1;
      out.add('duplicate-content', d.entryLayer[g]!, { ...pathAt(g), sameAs: kept });
    }
  }

  const order = (r: AdviceRule): number => ADVICE_RULES.indexOf(r);
  const all: AdviceFinding[] = [...out.groups.values()].map((g) => ({
    rule: g.rule,
    bytes: g.bytes,
    layer: g.layer,
    command: commandOf(g.layer),
    paths: g.paths.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    fix: RULE_FIX[g.rule],
    related: [...g.related].sort(),
    small: g.bytes < minBytes,
  }));
  all.sort((a, b) => b.bytes - a.bytes || order(a.rule) - order(b.rule) || a.layer - b.layer);
  const findings = all.filter((f) => !f.small);
  const small = all.filter((f) => f.small);
  const totalBytes = findings.reduce((s, f) => s + f.bytes, 0);
  return {
    findings,
    small,
    totalBytes,
    smallBytes: small.reduce((s, f) => s + f.bytes, 0),
    imageBytes,
    percent: imageBytes > 0 ? (100 * totalBytes) / imageBytes : 0,
    minBytes,
    duplicates,
    hashed,
    byPackages,
  };
}
