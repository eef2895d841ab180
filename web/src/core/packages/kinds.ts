/**
 * Which files of a layer are package databases, and how many bytes of each Lading keeps.
 *
 * The layer pass asks `databaseKind(path, type)` for every entry (paths as LayerIndex stores
 * them: no leading `/`). It is a few string tests on the last two path components, so the cost
 * per entry is small; nothing is kept for a path that returns undefined.
 *
 * Caps (per file, by kind, and per layer in `LAYER_LIMITS`) bound the worker's memory whatever
 * the image holds. They are set well above real databases: the dpkg status of a Debian image
 * with 2,000 packages is ~3 MB, its largest .list file (linux-headers) ~1 MB; the rpmdb.sqlite
 * of a Fedora workstation ~80 MB, of a UBI or Fedora container 5–20 MB; an apk `installed` of
 * 500 packages ~2 MB; a RECORD of numpy ~100 KB; a package.json rarely over 50 KB.
 */

export type DatabaseKind =
  | 'dpkg-status'
  | 'dpkg-list'
  | 'dpkg-statusd'
  | 'dpkg-statusd-md5sums'
  | 'rpm-sqlite'
  | 'rpm-bdb'
  | 'rpm-ndb'
  | 'apk-installed'
  | 'python-metadata'
  | 'python-record'
  | 'egg-pkg-info'
  | 'egg-installed-files'
  | 'egg-sources'
  | 'egg-top-level'
  | 'npm-package';

const MiB = 1024 * 1024;

/** Largest file of each kind that is kept and read. */
export const FILE_CAPS: Readonly<Record<DatabaseKind, number>> = {
  'dpkg-status': 32 * MiB,
  'dpkg-list': 8 * MiB,
  'dpkg-statusd': 1 * MiB,
  'dpkg-statusd-md5sums': 8 * MiB,
  'rpm-sqlite': 128 * MiB,
  // Recognised only: the bytes are never read.
  'rpm-bdb': 0,
  'rpm-ndb': 0,
  'apk-installed': 32 * MiB,
  'python-metadata': 4 * MiB,
  'python-record': 8 * MiB,
  'egg-pkg-info': 4 * MiB,
  'egg-installed-files': 8 * MiB,
  'egg-sources': 8 * MiB,
  'egg-top-level': 64 * 1024,
  'npm-package': 1 * MiB,
};

export interface LayerLimits {
  /** Bytes of database files kept per layer, all kinds together. */
  readonly bytes: number;
  /** Database files kept per layer (a node_modules tree can hold thousands of package.json). */
  readonly files: number;
}

/** Room for the largest rpmdb plus a dpkg database and a big node_modules in the same layer. */
export const LAYER_LIMITS: LayerLimits = { bytes: 192 * MiB, files: 100_000 };

/** The ecosystem a kind belongs to. */
export function ecosystemOf(kind: DatabaseKind): 'deb' | 'rpm' | 'apk' | 'python' | 'npm' {
  if (kind.startsWith('dpkg')) return 'deb';
  if (kind.startsWith('rpm')) return 'rpm';
  if (kind === 'apk-installed') return 'apk';
  if (kind === 'npm-package') return 'npm';
  return 'python';
}

const RPM_DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/'];

/**
 * The kind of database file at a layer-relative path, or undefined. `isFile` is false for
 * directories, symlinks and other non-regular entries, which are never databases (except that
 * the answer for them is always undefined, so a caller may pass true when it does not know).
 */
export function databaseKind(path: string, isFile = true): DatabaseKind | undefined {
  if (!isFile) return undefined;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const parentSlash = dir.lastIndexOf('/');
  const parent = dir.slice(parentSlash + 1);

  switch (dir) {
    case 'var/lib/dpkg':
      return base === 'status' ? 'dpkg-status' : undefined;
    case 'var/lib/dpkg/info':
      return base.endsWith('.list') && base.length > 5 ? 'dpkg-list' : undefined;
    case 'var/lib/dpkg/status.d':
      if (base.startsWith('.')) return undefined;
      return base.endsWith('.md5sums') ? 'dpkg-statusd-md5sums' : 'dpkg-statusd';
    case 'lib/apk/db':
      return base === 'installed' ? 'apk-installed' : undefined;
  }
  for (const d of RPM_DIRS) {
    if (dir + '/' === d) {
      if (base === 'rpmdb.sqlite') return 'rpm-sqlite';
      if (base === 'Packages') return 'rpm-bdb';
      if (base === 'Packages.db') return 'rpm-ndb';
      return undefined;
    }
  }
  if (parent.endsWith('.dist-info') && parent.length > 10) {
    if (base === 'METADATA') return 'python-metadata';
    if (base === 'RECORD') return 'python-record';
    return undefined;
  }
  if (parent.endsWith('.egg-info') && parent.length > 9) {
    if (base === 'PKG-INFO') return 'egg-pkg-info';
    if (base === 'installed-files.txt') return 'egg-installed-files';
    if (base === 'SOURCES.txt') return 'egg-sources';
    if (base === 'top_level.txt') return 'egg-top-level';
    return undefined;
  }
  // distutils wrote egg-info as a single file (PKG-INFO's content), as some Debian packages still ship.
  // Only in a site directory (site-packages, Debian's dist-packages): elsewhere such a name is no metadata.
  if (base.endsWith('.egg-info') && base.length > 9 && dir.endsWith('-packages')) return 'egg-pkg-info';
  if (base === 'package.json') return isNodeModulesPackageDir(dir) ? 'npm-package' : undefined;
  return undefined;
}

/** `…/node_modules/<name>` or `…/node_modules/@scope/<name>`. */
export function isNodeModulesPackageDir(dir: string): boolean {
  const parts = dir.split('/');
  const n = parts.length;
  if (n >= 2 && parts[n - 2] === 'node_modules') return !parts[n - 1]!.startsWith('.') && !parts[n - 1]!.startsWith('@');
  if (n >= 3 && parts[n - 3] === 'node_modules') return parts[n - 2]!.startsWith('@') && !parts[n - 1]!.startsWith('.');
  return false;
}
