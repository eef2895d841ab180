/**
 * Python distributions, as installers leave them in a site directory (`site-packages`,
 * Debian's `dist-packages`, or any `--target`).
 *
 * - `<name>-<ver>.dist-info/` (PyPA "Recording installed projects"): METADATA (core metadata,
 *   RFC 822 headers: Name, Version) and RECORD (CSV: path, hash, size; paths relative to the
 *   site directory, `..` allowed for scripts and data).
 * - `<name>-<ver>.egg-info/` (setuptools): PKG-INFO (same headers), and a file list when the
 *   installer left one: installed-files.txt (pip; paths relative to the egg-info directory),
 *   else SOURCES.txt (the sdist's sources, relative to the project root: only the ones that
 *   are installed match a file). Debian's python3-* packages ship neither, only top_level.txt,
 *   so its names own `<site>/<name>/**` and `<site>/<name>.py` (and extension modules).
 * - `<name>-<ver>.egg-info` as a single file (distutils): PKG-INFO's content, no file list.
 *
 * Names are compared as PEP 503 normalises them (lower case, runs of `-_.` as one `-`).
 */
import { FormatError, basename, decodeText, dirname, joinPath, lines, parseStanzas, rejectNul } from './text';
import type { OwnedTree, PackageNote, PackageRecord } from './types';

export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface PythonMeta {
  readonly name: string;
  readonly version: string;
}

/** METADATA or PKG-INFO: Name and Version from the header block. */
export function parsePythonMetadata(bytes: Uint8Array): PythonMeta {
  const text = decodeText(bytes);
  rejectNul(text, 'metadata');
  const [head] = parseStanzas(text, { headerOnly: true });
  const name = head?.get('name');
  if (!name) throw new FormatError('corrupt', 'no Name header');
  return { name, version: head?.get('version') ?? '' };
}

/** The first field of each CSV row (RFC 4180 quoting), as the csv module writes RECORD. */
export function parseRecordPaths(bytes: Uint8Array): string[] {
  const text = decodeText(bytes);
  rejectNul(text, 'RECORD');
  const out: string[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (l === '') continue;
    let path: string;
    if (l.startsWith('"')) {
      let j = 1;
      let s = '';
      for (;;) {
        const q = l.indexOf('"', j);
        if (q < 0) throw new FormatError('corrupt', `line ${i + 1}: unterminated quote`);
        s += l.slice(j, q);
        if (l[q + 1] === '"') {
          s += '"';
          j = q + 2;
          continue;
        }
        if (q + 1 < l.length && l[q + 1] !== ',') throw new FormatError('corrupt', `line ${i + 1}: text after a closing quote`);
        break;
      }
      path = s;
    } else {
      const c = l.indexOf(',');
      path = c < 0 ? l : l.slice(0, c);
    }
    if (path === '') throw new FormatError('corrupt', `line ${i + 1}: empty path`);
    out.push(path);
  }
  return out;
}

/** installed-files.txt, SOURCES.txt, top_level.txt: one entry per line. */
export function parseLineList(bytes: Uint8Array, what: string): string[] {
  const text = decodeText(bytes);
  rejectNul(text, what);
  return lines(text)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export interface PythonParts {
  /** The .dist-info / .egg-info directory (or single egg-info file), absolute. */
  readonly dir: string;
  readonly kind: 'dist-info' | 'egg-info' | 'egg-info-file';
  meta?: PythonMeta;
  /** RECORD (relative to the site dir) or installed-files.txt (relative to dir). */
  record?: readonly string[];
  installedFiles?: readonly string[];
  sources?: readonly string[];
  topLevel?: readonly string[];
}

/** One distribution from the parts found in its metadata directory, or undefined (with a note). */
export function assemblePython(parts: PythonParts, notes: PackageNote[]): PackageRecord | undefined {
  if (!parts.meta) {
    notes.push({ kind: 'partial', path: parts.dir, message: 'no METADATA or PKG-INFO: not counted as a package' });
    return undefined;
  }
  const site = dirname(parts.dir);
  const files: string[] = [];
  const trees: OwnedTree[] = [];
  if (parts.kind === 'egg-info-file') files.push(parts.dir);
  else trees.push({ dir: parts.dir });
  if (parts.record) for (const p of parts.record) files.push(joinPath(site, p));
  else if (parts.installedFiles) for (const p of parts.installedFiles) files.push(joinPath(parts.dir, p));
  else if (parts.sources) for (const p of parts.sources) files.push(joinPath(site, p));
  else if (parts.topLevel && parts.topLevel.length > 0) trees.push({ dir: site, topLevel: parts.topLevel.map((t) => t.replace(/\/+$/, '')) });
  const { name, version } = parts.meta;
  return {
    ecosystem: 'python',
    name,
    version,
    key: `python:${site}:${normalizePythonName(name)}`,
    source: parts.dir,
    files,
    trees,
  };
}

/** The metadata directory a Python database file belongs to (the file itself for a single egg-info). */
export function pythonDirOf(absPath: string, singleFile: boolean): string {
  return singleFile ? absPath : dirname(absPath);
}

export function pythonKindOf(dir: string): PythonParts['kind'] {
  return basename(dir).endsWith('.dist-info') ? 'dist-info' : 'egg-info';
}
