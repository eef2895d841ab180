/**
 * The Packages view's rows, as pure functions of the package report: filtered (text, ecosystem,
 * removed ones or not), sorted (largest first by default), and each layer's changes by name.
 */
import type { Ecosystem, PackageReport, PackageSummary } from '../../queries/packageQueries';

export type PackageSortKey = 'ecosystem' | 'name' | 'version' | 'layer' | 'files' | 'size' | 'cost';

export interface PackageQuery {
  /** Substring of the name or version, case-insensitive. */
  readonly text: string;
  readonly ecosystem: Ecosystem | 'all';
  /** Include packages a later layer removed (they own nothing in the final image). */
  readonly removed: boolean;
  readonly sort: { readonly key: PackageSortKey; readonly descending: boolean };
}

export const DEFAULT_QUERY: PackageQuery = { text: '', ecosystem: 'all', removed: false, sort: { key: 'size', descending: true } };

const VALUE: Record<PackageSortKey, (p: PackageSummary) => number | string> = {
  ecosystem: (p) => p.ecosystem,
  name: (p) => p.name,
  version: (p) => p.version,
  layer: (p) => p.layer,
  files: (p) => p.files,
  size: (p) => p.sizeBytes,
  cost: (p) => p.costBytes,
};

export function packageRows(report: PackageReport, q: PackageQuery): PackageSummary[] {
  const text = q.text.trim().toLowerCase();
  const rows = report.packages.filter(
    (p) =>
      (q.removed || p.removedIn === undefined) &&
      (q.ecosystem === 'all' || p.ecosystem === q.ecosystem) &&
      (text === '' || p.name.toLowerCase().includes(text) || p.version.toLowerCase().includes(text)),
  );
  const value = VALUE[q.sort.key];
  const sign = q.sort.descending ? -1 : 1;
  return rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    // Ties by name, then key, so the order is stable whatever the column.
    return sign * cmp || a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
  });
}

/** Packages of the final image per ecosystem, in ECOSYSTEMS order of appearance. */
export function ecosystemCounts(report: PackageReport): [Ecosystem, number][] {
  const counts = new Map<Ecosystem, number>();
  for (const p of report.packages) if (p.removedIn === undefined) counts.set(p.ecosystem, (counts.get(p.ecosystem) ?? 0) + 1);
  return [...counts];
}

export interface LayerChange {
  readonly added: PackageSummary[];
  readonly removed: PackageSummary[];
  readonly changed: { readonly pkg: PackageSummary; readonly from: string; readonly to: string }[];
}

export function layerChange(report: PackageReport, k: number): LayerChange {
  const l = report.layers[k];
  if (!l) return { added: [], removed: [], changed: [] };
  const pkg = (id: number): PackageSummary => report.packages[id]!;
  const versionAfter = new Map<number, string>();
  l.present.forEach((id, i) => versionAfter.set(id, l.versions[i]!));
  const byName = (a: PackageSummary, b: PackageSummary): number => a.name.localeCompare(b.name);
  return {
    added: [...l.added].map(pkg).sort(byName),
    removed: [...l.removed].map(pkg).sort(byName),
    changed: [...l.changed].map((id, i) => ({ pkg: pkg(id), from: l.changedFrom[i]!, to: versionAfter.get(id) ?? pkg(id).version })),
  };
}
