// What the package fixture images (e2e/fixtures/packages.sh) hold, in the words of the package
// managers' own tools and of the filesystem: dpkg-query over an admin directory, rpm -qa / -ql
// over a root and dbpath, awk over apk's installed file, sizes from lstat in the rootfs. The
// e2e Packages spec and the CLI JSON test compare Lading's figures with these; nothing here
// comes from Lading.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageFixturesFile } from './fixtures';

export interface TruthPackage {
  ecosystem: 'deb' | 'rpm' | 'apk';
  name: string;
  version: string;
  /** The layer whose snapshot first has this version (the layer that installed or last changed it). */
  layer: number;
  /** Absolute paths the database lists for it. */
  paths: string[];
  files: number;
  sizeBytes: number;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/**
 * Non-directory paths among `paths` that exist in `rootfs` (directories resolved through its
 * symlinks, the last component not followed), each inode once as du counts it, and the bytes
 * of the regular files among them. A path that is another listed path's directory is skipped.
 */
export function sizeOf(rootfs: string, paths: readonly string[]): { files: number; bytes: number } {
  const real = realpathSync(rootfs);
  const seen = new Set<string>();
  const dirs = new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/'))));
  let files = 0;
  let bytes = 0;
  for (const p of paths) {
    if (dirs.has(p)) continue;
    const slash = p.lastIndexOf('/');
    let dir: string;
    try {
      dir = realpathSync(join(rootfs, p.slice(0, slash)));
    } catch {
      continue;
    }
    if (dir !== real && !dir.startsWith(real + '/')) continue;
    let st;
    try {
      st = lstatSync(join(dir, p.slice(slash + 1)));
    } catch {
      continue;
    }
    if (st.isDirectory()) continue;
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) continue;
    seen.add(id);
    files++;
    if (st.isFile()) bytes += st.size;
  }
  return { files, bytes };
}

/** `name version` of what dpkg-query counts as installed (files on disk) in an admin directory. */
function dpkgQuery(admindir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines(sh('dpkg-query', [`--admindir=${admindir}`, '-W', '-f', '${db:Status-Status}\t${Package}\t${Version}\n']))) {
    const [status, name, version] = l.split('\t');
    if (status === 'not-installed' || status === 'config-files') continue;
    out.set(name!, version!);
  }
  return out;
}

/** distroless: status.d's stanzas (they carry no Status) given to dpkg-query as one status file. */
function statusD(root: string): Map<string, string> {
  const dir = join(root, 'var/lib/dpkg/status.d');
  if (!existsSync(dir)) return new Map();
  const admin = mkdtempSync(join(tmpdir(), 'lading-statusd-'));
  const stanzas = readdirSync(dir)
    .filter((f) => !f.endsWith('.md5sums'))
    .map(
      (f) =>
        readFileSync(join(dir, f), 'utf8')
          .replace(/^Package: .*$/m, '$&\nStatus: install ok installed')
          .trimEnd() + '\n',
    );
  writeFileSync(join(admin, 'status'), stanzas.join('\n'));
  return dpkgQuery(admin);
}

function rpmQa(root: string, dbPath: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines(sh('rpm', ['--root', root, '--dbpath', dbPath, '-qa', '--qf', '%{NAME}\t%{VERSION}-%{RELEASE}\n']))) {
    const [name, version] = l.split('\t');
    out.set(name!, version!);
  }
  return out;
}

function apkInstalled(root: string): Map<string, string> {
  const file = join(root, 'lib/apk/db/installed');
  if (!existsSync(file)) return new Map();
  return new Map(lines(sh('awk', ['-F', ':', '$1=="P"{p=$2} $1=="V"{print p "\t" $2}', file])).map((l) => l.split('\t') as [string, string]));
}

/** The layer whose snapshot first shows `name` at `version` (looking back from the last). */
function layerOf(perLayer: Map<string, string>[], name: string, version: string): number {
  let k = perLayer.length - 1;
  while (k > 0 && perLayer[k - 1]!.get(name) === version) k--;
  return k;
}

/** The OS packages of a fixture image's final filesystem, with their files and sizes in its rootfs. */
export function osPackages(fixtures: PackageFixturesFile, image: 'debian' | 'distroless' | 'rpm' | 'apk', repoRoot: string): TruthPackage[] {
  const img = fixtures.images[image];
  const rootfs = join(repoRoot, img.rootfs);
  const snaps = img.snapshots.map((s) => join(repoRoot, s));
  let ecosystem: TruthPackage['ecosystem'];
  let perLayer: Map<string, string>[];
  let pathsOf: (name: string) => string[];
  if (image === 'debian') {
    ecosystem = 'deb';
    perLayer = snaps.map((s) => dpkgQuery(join(s, 'var/lib/dpkg')));
    const info = join(rootfs, 'var/lib/dpkg/info');
    pathsOf = (name) => {
      const f = [`${name}.list`, ...readdirSync(info).filter((x) => x.startsWith(`${name}:`) && x.endsWith('.list'))].find((x) => existsSync(join(info, x)));
      return f ? lines(readFileSync(join(info, f), 'utf8')) : [];
    };
  } else if (image === 'distroless') {
    ecosystem = 'deb';
    perLayer = snaps.map(statusD);
    pathsOf = (name) => lines(readFileSync(join(rootfs, 'var/lib/dpkg/status.d', `${name}.md5sums`), 'utf8')).map((l) => '/' + l.slice(34));
  } else if (image === 'rpm') {
    ecosystem = 'rpm';
    perLayer = snaps.map((s) => rpmQa(s, fixtures.rpm.dbPath));
    pathsOf = (name) => lines(sh('rpm', ['--root', rootfs, '--dbpath', fixtures.rpm.dbPath, '-ql', name])).filter((p) => p.startsWith('/'));
  } else {
    ecosystem = 'apk';
    perLayer = snaps.map(apkInstalled);
    const file = join(rootfs, 'lib/apk/db/installed');
    const all = lines(sh('awk', ['-F', ':', '$1=="P"{p=$2} $1=="F"{d=$2} $1=="R"{print p "\t/" d "/" $2}', file]));
    pathsOf = (name) => all.filter((l) => l.startsWith(`${name}\t`)).map((l) => l.slice(name.length + 1));
  }
  const final = perLayer[perLayer.length - 1]!;
  return [...final].map(([name, version]) => {
    const paths = pathsOf(name);
    const { files, bytes } = sizeOf(rootfs, paths);
    return { ecosystem, name, version, layer: layerOf(perLayer, name, version), paths, files, sizeBytes: bytes };
  });
}
