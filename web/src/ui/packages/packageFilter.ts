/**
 * From a package report to what the explorer and the details pane show: the nodes a package owns
 * (for the tree's node filter) and the owner of an entry, in words.
 *
 * A package's nodes are every node where it owns the final image's file (`nodeOwner`, and
 * `nodeOwner2` for a language package an OS package shares a file with) or owned an entry in
 * some layer (`entryOwner`): so the filter also shows, in an earlier layer or in layer mode,
 * files the package had there and lost later.
 */
import type { ImageFilesystem } from '../../core/fs';
import type { PackageReport, PackageSummary } from '../../queries/packageQueries';

export function packageByKey(report: PackageReport | undefined, key: string | undefined): PackageSummary | undefined {
  if (!report || key === undefined) return undefined;
  return report.packages.find((p) => p.key === key);
}

/** Per node, 1 where the package owns (or owned) a file there. */
export function packageNodes(fs: ImageFilesystem, report: PackageReport, id: number): Uint8Array {
  const out = new Uint8Array(fs.nodeCount);
  const { nodeOwner, nodeOwner2, entryOwner } = report;
  for (let n = 0; n < out.length; n++) if (nodeOwner[n] === id || nodeOwner2[n] === id) out[n] = 1;
  const entryNode = fs.data.entryNode;
  for (let g = 0; g < entryOwner.length; g++) if (entryOwner[g] === id) out[entryNode[g]!] = 1;
  return out;
}

/** `deb libc6 2.36-9`: how a package is named on screen. */
export function packageLabel(p: Pick<PackageSummary, 'ecosystem' | 'name' | 'version'>): string {
  return `${p.ecosystem} ${p.name} ${p.version}`;
}

/** The package that owns a global entry as of its layer, and the language package sharing it in the final image. */
export function entryOwners(report: PackageReport, entry: number, node: number, finalShowsEntry: boolean): PackageSummary[] {
  const out: PackageSummary[] = [];
  const id = entry >= 0 ? (report.entryOwner[entry] ?? -1) : -1;
  if (id >= 0) out.push(report.packages[id]!);
  if (finalShowsEntry) {
    const second = report.nodeOwner2[node] ?? -1;
    if (second >= 0 && second !== id) out.push(report.packages[second]!);
  }
  return out;
}
