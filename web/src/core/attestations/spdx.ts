/**
 * SBOMs as a flat package list: SPDX 2.x JSON (what BuildKit and syft attach) and, when a
 * tool attached one, CycloneDX JSON. `NOASSERTION` and `NONE` mean "nobody said" and are
 * dropped, so the table shows only what the document states.
 */

export interface SbomPackage {
  /** SPDXID or bom-ref. */
  id?: string;
  name: string;
  version?: string;
  /** licenseConcluded when it says something, else licenseDeclared. */
  license?: string;
  licenseConcluded?: string;
  licenseDeclared?: string;
  /** The first purl in externalRefs. */
  purl?: string;
  supplier?: string;
  /** `CONTAINER`, `LIBRARY`, `APPLICATION`… (SPDX primaryPackagePurpose / CycloneDX type). */
  purpose?: string;
}

export interface Sbom {
  format: 'SPDX' | 'CycloneDX';
  /** `SPDX-2.3`, `1.5`. */
  specVersion?: string;
  name?: string;
  created?: string;
  creators: string[];
  packages: SbomPackage[];
  /** Files the document lists (SPDX `files`), counted, not shown. */
  fileCount: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const stated = (v: unknown): string | undefined => {
  const s = str(v);
  return s === undefined || s === 'NOASSERTION' || s === 'NONE' ? undefined : s;
};

export function isSpdx(doc: unknown): boolean {
  return isRecord(doc) && typeof doc.spdxVersion === 'string';
}

export function isCycloneDx(doc: unknown): boolean {
  return isRecord(doc) && doc.bomFormat === 'CycloneDX';
}

export function parseSpdx(doc: unknown): Sbom {
  if (!isRecord(doc)) throw new Error('the SPDX document is not a JSON object');
  const creationInfo = isRecord(doc.creationInfo) ? doc.creationInfo : {};
  const packages: SbomPackage[] = [];
  for (const p of Array.isArray(doc.packages) ? doc.packages : []) {
    if (!isRecord(p)) continue;
    const name = str(p.name);
    if (name === undefined) continue;
    const licenseConcluded = stated(p.licenseConcluded);
    const licenseDeclared = stated(p.licenseDeclared);
    const purl = (Array.isArray(p.externalRefs) ? p.externalRefs : [])
      .filter(isRecord)
      .find((r) => r.referenceType === 'purl' && typeof r.referenceLocator === 'string')?.referenceLocator as string | undefined;
    const license = licenseConcluded ?? licenseDeclared;
    const entry: SbomPackage = { name };
    const id = str(p.SPDXID);
    const version = str(p.versionInfo);
    const supplier = stated(p.supplier);
    const purpose = str(p.primaryPackagePurpose);
    if (id) entry.id = id;
    if (version) entry.version = version;
    if (license) entry.license = license;
    if (licenseConcluded) entry.licenseConcluded = licenseConcluded;
    if (licenseDeclared) entry.licenseDeclared = licenseDeclared;
    if (purl) entry.purl = purl;
    if (supplier) entry.supplier = supplier;
    if (purpose) entry.purpose = purpose;
    packages.push(entry);
  }
  const sbom: Sbom = {
    format: 'SPDX',
    creators: Array.isArray(creationInfo.creators) ? creationInfo.creators.filter((c): c is string => typeof c === 'string') : [],
    packages,
    fileCount: Array.isArray(doc.files) ? doc.files.length : 0,
  };
  const specVersion = str(doc.spdxVersion);
  const name = str(doc.name);
  const created = str(creationInfo.created);
  if (specVersion) sbom.specVersion = specVersion;
  if (name) sbom.name = name;
  if (created) sbom.created = created;
  return sbom;
}

function cyclonedxLicense(licenses: unknown): string | undefined {
  if (!Array.isArray(licenses)) return undefined;
  const names = licenses.filter(isRecord).map((l) => {
    if (typeof l.expression === 'string') return l.expression;
    const license = isRecord(l.license) ? l.license : {};
    return str(license.id) ?? str(license.name);
  });
  const present = names.filter((n): n is string => n !== undefined);
  return present.length ? present.join(' AND ') : undefined;
}

export function parseCycloneDx(doc: unknown): Sbom {
  if (!isRecord(doc)) throw new Error('the CycloneDX document is not a JSON object');
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const packages: SbomPackage[] = [];
  const walk = (components: unknown) => {
    for (const c of Array.isArray(components) ? components : []) {
      if (!isRecord(c)) continue;
      const name = str(c.name);
      if (name !== undefined) {
        const entry: SbomPackage = { name: str(c.group) ? `${c.group as string}/${name}` : name };
        const id = str(c['bom-ref']);
        const version = str(c.version);
        const license = cyclonedxLicense(c.licenses);
        const purl = str(c.purl);
        const supplier = isRecord(c.supplier) ? str(c.supplier.name) : undefined;
        const purpose = str(c.type);
        if (id) entry.id = id;
        if (version) entry.version = version;
        if (license) {
          entry.license = license;
          entry.licenseDeclared = license;
        }
        if (purl) entry.purl = purl;
        if (supplier) entry.supplier = supplier;
        if (purpose) entry.purpose = purpose.toUpperCase();
        packages.push(entry);
      }
      walk(c.components);
    }
  };
  walk(doc.components);
  const tools = metadata.tools;
  const toolList = Array.isArray(tools) ? tools : isRecord(tools) && Array.isArray(tools.components) ? tools.components : [];
  const sbom: Sbom = {
    format: 'CycloneDX',
    creators: toolList.filter(isRecord).map((t) => [str(t.vendor), str(t.name), str(t.version)].filter(Boolean).join(' ')),
    packages,
    fileCount: 0,
  };
  const specVersion = str(doc.specVersion);
  const created = str(metadata.timestamp);
  const component = isRecord(metadata.component) ? str(metadata.component.name) : undefined;
  if (specVersion) sbom.specVersion = specVersion;
  if (created) sbom.created = created;
  if (component) sbom.name = component;
  return sbom;
}

/** Packages whose name, version, license, purl or supplier contains the query (case-insensitive). */
export function searchPackages(packages: readonly SbomPackage[], query: string): SbomPackage[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...packages];
  return packages.filter((p) =>
    [p.name, p.version, p.license, p.licenseDeclared, p.purl, p.supplier].some((field) => field !== undefined && field.toLowerCase().includes(q)),
  );
}

/** How many packages carry each license (what a reviewer scans first). */
export function licenseCounts(packages: readonly SbomPackage[]): { license: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const p of packages) {
    const license = p.license ?? 'not stated';
    counts.set(license, (counts.get(license) ?? 0) + 1);
  }
  return [...counts].map(([license, count]) => ({ license, count })).sort((a, b) => b.count - a.count || a.license.localeCompare(b.license));
}
