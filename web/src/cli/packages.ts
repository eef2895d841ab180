/**
 * The image's packages for `lading analyze` (issue 13 part 5): the package report built from
 * the databases each layer's pass captured (core/packages), the `packages[]` of the JSON's
 * `lading` section, and the "Packages" lines of the text summary.
 *
 * `packages[]` lists the packages of the final image, largest first (`sizeBytes`: its regular
 * files the final image shows, a hardlink's bytes once), with the layer that installed it or
 * last changed its version. `packageNotes[]` says, per layer, which databases were not read and
 * why (oversized, truncated, corrupt, a format Lading does not read such as rpm's BerkeleyDB).
 * sql.js is loaded only when a layer holds an rpmdb.sqlite; its WebAssembly comes from the
 * installed package, nothing is fetched.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ImageFilesystem } from '../core/fs';
import {
  buildPackageReport,
  needsSqlite,
  packageFsOf,
  sqlJsLoader,
  type CapturedFile,
  type Ecosystem,
  type PackageReport,
  type PackageSummary,
} from '../core/packages';
import type { Style } from './ci';
import { humanizeBytes } from './goFormat';

/** Packages listed in the text summary (the JSON has them all). */
export const SUMMARY_PACKAGES = 15;

const loadSqlite = sqlJsLoader({
  get wasmBinary() {
    return readFileSync(createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm'));
  },
});

export async function imagePackages(fs: ImageFilesystem, captured: readonly (readonly CapturedFile[] | undefined)[]): Promise<PackageReport> {
  const perLayer = Array.from({ length: fs.layerCount }, (_, k) => captured[k] ?? []);
  const sqlite = needsSqlite(perLayer) ? await loadSqlite() : undefined;
  return buildPackageReport(packageFsOf(fs), perLayer, sqlite ? { sqlite } : {});
}

export interface PackageJson {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  layer: number;
  files: number;
  sizeBytes: number;
}

/** The final image's packages, largest first, then by ecosystem and name. */
export function finalPackages(report: PackageReport): PackageSummary[] {
  return report.packages
    .filter((p) => p.removedIn === undefined)
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}

/** The keys the `lading` section gains. */
export function packagesSection(report: PackageReport): {
  packages: PackageJson[];
  packageNotes: { layer: number; kind: string; path: string; message: string }[];
} {
  return {
    packages: finalPackages(report).map((p) => ({
      ecosystem: p.ecosystem,
      name: p.name,
      version: p.version,
      layer: p.layer,
      files: p.files,
      sizeBytes: p.sizeBytes,
    })),
    packageNotes: report.layers.flatMap((l, layer) => l.notes.map((n) => ({ layer, kind: n.kind, path: n.path, message: n.message }))),
  };
}

function pad(s: string, width: number, start = false): string {
  if (s.length >= width) return s;
  return start ? ' '.repeat(width - s.length) + s : s + ' '.repeat(width - s.length);
}

/** The summary's "Packages" section: counts per ecosystem, the largest packages, and every note. */
export function packagesText(report: PackageReport, style: Style): string[] {
  const all = finalPackages(report);
  const notes = packagesSection(report).packageNotes;
  const lines: string[] = [];
  if (all.length === 0 && notes.length === 0) return [`${style.title('Packages:')} no package database found`, ''];
  const counts = new Map<string, number>();
  for (const p of all) counts.set(p.ecosystem, (counts.get(p.ecosystem) ?? 0) + 1);
  const total = all.reduce((s, p) => s + p.sizeBytes, 0);
  lines.push(
    `${style.title('Packages:')} ${all.length} (${[...counts].map(([e, n]) => `${n} ${e}`).join(', ') || 'none read'}), ${humanizeBytes(total)} of files they own`,
  );
  const top = all.slice(0, SUMMARY_PACKAGES);
  if (top.length > 0) {
    const nameWidth = Math.min(40, Math.max(7, ...top.map((p) => p.name.length)));
    lines.push(`  ${pad('Size', 9, true)}  ${pad('Files', 6, true)}  ${pad('Layer', 5, true)}  ${pad('Type', 6)}  ${pad('Package', nameWidth)}  Version`);
    for (const p of top) {
      lines.push(
        `  ${pad(humanizeBytes(p.sizeBytes), 9, true)}  ${pad(String(p.files), 6, true)}  ${pad(String(p.layer), 5, true)}  ${pad(p.ecosystem, 6)}  ${pad(p.name, nameWidth)}  ${p.version}`,
      );
    }
    if (all.length > top.length) lines.push(`  … ${all.length - top.length} more (all of them in --json)`);
  }
  for (const n of notes) lines.push(`  ${style.warn('note')}: layer ${n.layer}: ${n.path}: ${n.message}`);
  lines.push('');
  return lines;
}
