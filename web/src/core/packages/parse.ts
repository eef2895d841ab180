/**
 * The dispatcher: one captured database file in, one fragment (or nothing) and its notes out.
 * It never throws and never rejects: a parser's FormatError, an engine failure and a bug alike
 * become a note on that file, and the file contributes no package data.
 *
 * A fragment is what one file says. Some databases are one file (rpmdb.sqlite, apk's
 * installed, a package.json): their fragment holds finished records. Others are spread over
 * several files (dpkg's status and .list files; a dist-info's METADATA and RECORD): their
 * fragments are put together per layer by `assemble.ts`.
 */
import { parseApkInstalled } from './apk';
import { parseDpkgList, parseDpkgStatus, parseMd5sums, type DebStanza } from './dpkg';
import { databaseKind, ecosystemOf, type DatabaseKind } from './kinds';
import { parseNpmPackage } from './npm';
import { parseLineList, parsePythonMetadata, parseRecordPaths, type PythonMeta } from './python';
import { readRpmSqlite } from './rpmdb';
import type { SqliteEngine } from './sqlite';
import { FormatError, basename, dirname } from './text';
import type { CapturedFile, Ecosystem, PackageNote, PackageRecord } from './types';

export type Fragment =
  | { readonly type: 'records'; readonly records: readonly PackageRecord[] }
  | { readonly type: 'dpkg-status'; readonly packages: readonly DebStanza[] }
  | { readonly type: 'dpkg-list'; readonly name: string; readonly files: readonly string[] }
  | { readonly type: 'dpkg-statusd'; readonly file: string; readonly packages: readonly DebStanza[] }
  | { readonly type: 'dpkg-md5sums'; readonly name: string; readonly files: readonly string[] }
  | { readonly type: 'python-meta'; readonly dir: string; readonly singleFile: boolean; readonly meta: PythonMeta }
  | {
      readonly type: 'python-files';
      readonly dir: string;
      readonly from: 'record' | 'installed-files' | 'sources' | 'top-level';
      readonly entries: readonly string[];
    };

export interface ParsedFile {
  readonly kind: DatabaseKind;
  readonly ecosystem: Ecosystem;
  /** Absolute path of the file. */
  readonly path: string;
  readonly fragment?: Fragment;
  readonly notes: readonly PackageNote[];
}

export interface ParseDeps {
  /** Needed for rpmdb.sqlite; without it such a file gets an 'unsupported' note. */
  readonly sqlite?: SqliteEngine;
}

const MiB = 1024 * 1024;
const fmtBytes = (n: number): string => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`);

/** Parses one captured file. `kind` defaults to what its path says. */
export function parseCaptured(file: CapturedFile, deps: ParseDeps = {}, kind: DatabaseKind | undefined = databaseKind(file.path)): ParsedFile | undefined {
  if (!kind) return undefined;
  const path = `/${file.path}`;
  const ecosystem = ecosystemOf(kind);
  const note = (n: Omit<PackageNote, 'path'>): ParsedFile => ({ kind, ecosystem, path, notes: [{ ...n, path }] });

  if (kind === 'rpm-bdb' || kind === 'rpm-ndb') {
    return note({
      kind: 'unsupported',
      message:
        kind === 'rpm-bdb'
          ? 'rpm database in the BerkeleyDB format (rpm before 4.16: CentOS 7/8, RHEL 7/8, older Fedora): not read; packages recorded only there are not shown'
          : "rpm database in the ndb format (SUSE's Packages.db): not read; packages recorded only there are not shown",
    });
  }
  if (file.omitted === 'file-cap') return note({ kind: 'oversized', message: `${fmtBytes(file.size)}: over the ${kind} cap; not read` });
  if (file.omitted === 'layer-cap')
    return note({ kind: 'oversized', message: `${fmtBytes(file.size)}: the layer's package databases are over their cap; not read` });
  if (!file.bytes) return note({ kind: 'truncated', message: 'no content was captured; not read' });
  if (file.truncated || file.bytes.length < file.size) {
    return note({ kind: 'truncated', message: `${file.bytes.length} of ${file.size} bytes arrived (the layer ended early); not read` });
  }
  if (kind === 'rpm-sqlite' && !deps.sqlite) return note({ kind: 'unsupported', message: 'no SQLite engine was given to read rpmdb.sqlite' });
  try {
    const fragment = parseKind(kind, path, file.bytes, deps);
    return { kind, ecosystem, path, fragment, notes: [] };
  } catch (err) {
    const kindOf: PackageNote['kind'] = err instanceof FormatError ? err.kind : 'corrupt';
    const message = err instanceof Error ? err.message : String(err);
    return note({ kind: kindOf, message: `${kindOf === 'truncated' ? 'truncated' : 'not readable'}: ${message}; not read` });
  }
}

function parseKind(kind: DatabaseKind, path: string, bytes: Uint8Array, deps: ParseDeps): Fragment {
  const base = basename(path);
  const dir = dirname(path);
  switch (kind) {
    case 'dpkg-status':
      return { type: 'dpkg-status', packages: parseDpkgStatus(bytes, path) };
    case 'dpkg-list':
      return { type: 'dpkg-list', name: base.slice(0, -'.list'.length), files: parseDpkgList(bytes) };
    case 'dpkg-statusd':
      return { type: 'dpkg-statusd', file: base, packages: parseDpkgStatus(bytes, path) };
    case 'dpkg-statusd-md5sums':
      return { type: 'dpkg-md5sums', name: base.slice(0, -'.md5sums'.length), files: parseMd5sums(bytes) };
    case 'rpm-sqlite':
      return { type: 'records', records: readRpmSqlite(bytes, deps.sqlite!, path) };
    case 'apk-installed':
      return { type: 'records', records: parseApkInstalled(bytes, path) };
    case 'npm-package':
      return { type: 'records', records: [parseNpmPackage(bytes, dir)] };
    case 'python-metadata':
      return { type: 'python-meta', dir, singleFile: false, meta: parsePythonMetadata(bytes) };
    case 'egg-pkg-info': {
      const single = base.endsWith('.egg-info');
      return { type: 'python-meta', dir: single ? path : dir, singleFile: single, meta: parsePythonMetadata(bytes) };
    }
    case 'python-record':
      return { type: 'python-files', dir, from: 'record', entries: parseRecordPaths(bytes) };
    case 'egg-installed-files':
      return { type: 'python-files', dir, from: 'installed-files', entries: parseLineList(bytes, base) };
    case 'egg-sources':
      return { type: 'python-files', dir, from: 'sources', entries: parseLineList(bytes, base) };
    case 'egg-top-level':
      return { type: 'python-files', dir, from: 'top-level', entries: parseLineList(bytes, base) };
    case 'rpm-bdb':
    case 'rpm-ndb':
      throw new FormatError('corrupt', 'not parsed');
  }
}
