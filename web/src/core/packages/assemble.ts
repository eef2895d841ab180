/**
 * The packages of one filesystem state, from the parsed database files visible in it (the
 * files of every layer so far that no later layer deleted, overwrote or hid).
 *
 * A database file that could not be read leaves its packages *unknown* in that state
 * (`unknownSources`): neither present nor removed, so a damaged status file in layer 5 is a
 * note, not "every Debian package removed".
 */
import { assembleDeb, type DebStanza } from './dpkg';
import type { ParsedFile } from './parse';
import { assemblePython, type PythonParts } from './python';
import { dirname } from './text';
import type { PackageNote, PackageRecord } from './types';

export interface Assembled {
  /** Sorted by key; keys are unique. */
  readonly records: readonly PackageRecord[];
  /** Sources (a database file, or a metadata directory) whose packages are not known here. */
  readonly unknownSources: ReadonlySet<string>;
  /** Notes about how files fit together (a package without a file list, a RECORD without METADATA). */
  readonly notes: readonly PackageNote[];
}

export function assemble(files: readonly ParsedFile[]): Assembled {
  const records: PackageRecord[] = [];
  const unknown = new Set<string>();
  const notes: PackageNote[] = [];

  let status: { source: string; packages: readonly DebStanza[] } | undefined;
  const lists = new Map<string, readonly string[]>();
  const statusD: { source: string; file: string; packages: readonly DebStanza[] }[] = [];
  const md5sums = new Map<string, readonly string[]>();
  const python = new Map<string, PythonParts>();
  const pythonPart = (dir: string, kind: PythonParts['kind']): PythonParts => {
    let p = python.get(dir);
    if (!p) python.set(dir, (p = { dir, kind }));
    return p;
  };

  for (const f of files) {
    const fr = f.fragment;
    if (!fr) {
      // Unreadable: its packages are unknown. Which source they would have had depends on the kind.
      if (f.kind === 'dpkg-status' || f.kind === 'dpkg-statusd' || f.kind.startsWith('rpm') || f.kind === 'apk-installed') unknown.add(f.path);
      else if (f.kind === 'npm-package') unknown.add(f.path);
      else if (f.kind === 'python-metadata' || f.kind === 'egg-pkg-info') unknown.add(f.path.endsWith('.egg-info') ? f.path : dirname(f.path));
      continue;
    }
    switch (fr.type) {
      case 'records':
        records.push(...fr.records);
        break;
      case 'dpkg-status':
        status = { source: f.path, packages: fr.packages };
        break;
      case 'dpkg-list':
        lists.set(fr.name, fr.files);
        break;
      case 'dpkg-statusd':
        statusD.push({ source: f.path, file: fr.file, packages: fr.packages });
        break;
      case 'dpkg-md5sums':
        md5sums.set(fr.name, fr.files);
        break;
      case 'python-meta':
        pythonPart(fr.dir, fr.singleFile ? 'egg-info-file' : fr.dir.endsWith('.dist-info') ? 'dist-info' : 'egg-info').meta = fr.meta;
        break;
      case 'python-files': {
        const p = pythonPart(fr.dir, fr.dir.endsWith('.dist-info') ? 'dist-info' : 'egg-info');
        if (fr.from === 'record') p.record = fr.entries;
        else if (fr.from === 'installed-files') p.installedFiles = fr.entries;
        else if (fr.from === 'sources') p.sources = fr.entries;
        else p.topLevel = fr.entries;
        break;
      }
    }
  }

  if (status || statusD.length > 0) {
    statusD.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
    records.push(...assembleDeb({ ...(status ? { status } : {}), lists, statusD, md5sums }, notes));
  }
  for (const dir of [...python.keys()].sort()) {
    const p = python.get(dir)!;
    if (!p.meta && unknown.has(dir)) continue;
    const r = assemblePython(p, notes);
    if (r) records.push(r);
  }

  // One record per key: the first in path order wins (two dist-info directories of one name in
  // one site directory is a broken install; two status.d stanzas of one package, a broken image).
  records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const unique: PackageRecord[] = [];
  for (const r of records) if (unique.length === 0 || unique[unique.length - 1]!.key !== r.key) unique.push(r);
  return { records: unique, unknownSources: unknown, notes };
}
