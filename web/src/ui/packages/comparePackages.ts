/**
 * Two images' packages side by side (the compare view): what the second image adds, removes and
 * changes the version of, with the bytes each difference makes in the final image. Packages are
 * matched by their report key (ecosystem, name and, for OS packages, architecture; for language
 * packages also their location), so a package moved elsewhere counts as removed and added.
 */
import type { PackageReport, PackageSummary } from '../../queries/packageQueries';

export interface PackageDifference {
  readonly kind: 'added' | 'removed' | 'changed';
  readonly a?: PackageSummary;
  readonly b?: PackageSummary;
  /** Bytes in the final image, b − a. */
  readonly delta: number;
}

export interface PackageComparison {
  readonly differences: readonly PackageDifference[];
  /** Same key and version in both. */
  readonly unchanged: number;
  /** Same version but other bytes (a file of it changed or was deleted). */
  readonly resized: readonly PackageDifference[];
}

const inFinal = (r: PackageReport): Map<string, PackageSummary> => new Map(r.packages.filter((p) => p.removedIn === undefined).map((p) => [p.key, p]));

/** Largest change in bytes first, then by name. */
export function comparePackages(a: PackageReport, b: PackageReport): PackageComparison {
  const pa = inFinal(a);
  const pb = inFinal(b);
  const differences: PackageDifference[] = [];
  const resized: PackageDifference[] = [];
  let unchanged = 0;
  for (const [key, x] of pa) {
    const y = pb.get(key);
    if (!y) differences.push({ kind: 'removed', a: x, delta: -x.sizeBytes });
    else if (y.version !== x.version) differences.push({ kind: 'changed', a: x, b: y, delta: y.sizeBytes - x.sizeBytes });
    else {
      unchanged++;
      if (y.sizeBytes !== x.sizeBytes) resized.push({ kind: 'changed', a: x, b: y, delta: y.sizeBytes - x.sizeBytes });
    }
  }
  for (const [key, y] of pb) if (!pa.has(key)) differences.push({ kind: 'added', b: y, delta: y.sizeBytes });
  const order = (p: PackageDifference, q: PackageDifference): number =>
    Math.abs(q.delta) - Math.abs(p.delta) || (p.a ?? p.b)!.name.localeCompare((q.a ?? q.b)!.name);
  return { differences: differences.sort(order), unchanged, resized: resized.sort(order) };
}
