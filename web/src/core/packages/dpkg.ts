/**
 * Debian and Ubuntu: dpkg's database, and the distroless layout of it.
 *
 * - `/var/lib/dpkg/status`: one deb822 stanza per package (dpkg-query(1), deb822(5)). A package
 *   counts while its files are on disk: every Status state but `not-installed` and
 *   `config-files` (dpkg(1) "Package states").
 * - `/var/lib/dpkg/info/<name>.list`, or `<name>:<arch>.list` for `Multi-Arch: same` packages:
 *   one absolute path per line, directories included, starting with `/.` (dpkg's filelist).
 * - distroless (GoogleContainerTools/distroless, rules_distroless): no `status`; one stanza per
 *   file in `/var/lib/dpkg/status.d/`, named after the package (older images used other
 *   names: the `Package:` field is what names the package), often without a Status field,
 *   and beside it `<file>.md5sums` (`<md5>  <path without leading />` lines, as in a .deb's
 *   control archive) which is the only file list there is.
 *
 * dpkg's `diversions` and `statoverride` are not read: a diverted file is attributed to the
 * package that lists the path it was diverted from.
 */
import { FormatError, decodeText, lines, parseStanzas, rejectNul, type Stanza } from './text';
import type { PackageNote, PackageRecord } from './types';

export interface DebStanza {
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly multiArchSame: boolean;
  /** The third word of Status (`installed`, `unpacked`, …); `installed` when there is no Status. */
  readonly state: string;
}

const ABSENT_STATES = new Set(['not-installed', 'config-files']);

function toStanza(s: Stanza, where: string): DebStanza {
  const name = s.get('package');
  if (!name) throw new FormatError('corrupt', `${where}: a stanza without a Package field`);
  if (/\s/.test(name)) throw new FormatError('corrupt', `${where}: bad package name "${name.slice(0, 40)}"`);
  const status = s.get('status');
  let state = 'installed';
  if (status !== undefined) {
    const words = status.split(/\s+/);
    if (words.length !== 3) throw new FormatError('corrupt', `${where}: package ${name}: bad Status "${status.slice(0, 60)}"`);
    state = words[2]!;
  }
  const arch = s.get('architecture');
  return {
    name,
    version: s.get('version') ?? '',
    ...(arch ? { arch } : {}),
    multiArchSame: s.get('multi-arch') === 'same',
    state,
  };
}

/** `/var/lib/dpkg/status` or one `status.d` file: the stanzas of packages whose files are on disk. */
export function parseDpkgStatus(bytes: Uint8Array, where = 'status'): DebStanza[] {
  const text = decodeText(bytes);
  rejectNul(text, where);
  return parseStanzas(text)
    .map((s) => toStanza(s, where))
    .filter((p) => !ABSENT_STATES.has(p.state));
}

/** A `.list` file: absolute paths, `/.` (the root) left out. */
export function parseDpkgList(bytes: Uint8Array): string[] {
  const text = decodeText(bytes);
  rejectNul(text, 'list');
  const out: string[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (l === '/.' || (l === '' && i === all.length - 1)) continue;
    if (!l.startsWith('/')) throw new FormatError('corrupt', `line ${i + 1}: not an absolute path`);
    out.push(l);
  }
  return out;
}

const MD5_LINE = /^[0-9a-f]{32} [ *](.+)$/;

/** A `.md5sums` file: the absolute paths it lists (regular files only, by construction). */
export function parseMd5sums(bytes: Uint8Array): string[] {
  const text = decodeText(bytes);
  rejectNul(text, 'md5sums');
  const out: string[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (l === '') continue;
    const m = MD5_LINE.exec(l);
    if (!m) throw new FormatError('corrupt', `line ${i + 1}: expected "<md5>  <path>"`);
    const p = m[1]!;
    out.push(p.startsWith('/') ? p : `/${p}`);
  }
  return out;
}

/** `name`, or `name:arch` for Multi-Arch: same packages: the key dpkg names the .list file with. */
export function debListName(p: DebStanza): string {
  return p.multiArchSame && p.arch ? `${p.name}:${p.arch}` : p.name;
}

export interface DebParts {
  /** From `/var/lib/dpkg/status`, if one was read. */
  status?: { source: string; packages: readonly DebStanza[] };
  /** `.list` files by the name they carry (`bash`, `libc6:amd64`). */
  lists: ReadonlyMap<string, readonly string[]>;
  /** status.d files (source path) and their stanzas. */
  statusD: readonly { source: string; file: string; packages: readonly DebStanza[] }[];
  /** status.d `.md5sums` by file name without the suffix. */
  md5sums: ReadonlyMap<string, readonly string[]>;
}

function record(p: DebStanza, source: string, files: readonly string[]): PackageRecord {
  const key = `deb:${debListName(p)}`;
  return { ecosystem: 'deb', name: p.name, version: p.version, ...(p.arch ? { arch: p.arch } : {}), key, source, files };
}

/** The packages of one layer's dpkg database(s), each with its file list. */
export function assembleDeb(parts: DebParts, notes: PackageNote[]): PackageRecord[] {
  const out: PackageRecord[] = [];
  const seen = new Set<string>();
  if (parts.status) {
    let missing = 0;
    for (const p of parts.status.packages) {
      const files = parts.lists.get(debListName(p)) ?? parts.lists.get(p.name);
      if (!files) missing++;
      const r = record(p, parts.status.source, files ?? []);
      if (seen.has(r.key)) continue;
      seen.add(r.key);
      out.push(r);
    }
    if (missing > 0) {
      notes.push({
        kind: 'partial',
        path: parts.status.source,
        message: `${missing} installed package${missing === 1 ? ' has' : 's have'} no file list (/var/lib/dpkg/info/<name>.list): their files are not attributed`,
      });
    }
  }
  for (const d of parts.statusD) {
    for (const p of d.packages) {
      const files = parts.md5sums.get(d.file) ?? parts.md5sums.get(p.name) ?? [];
      const r = record(p, d.source, files);
      if (seen.has(r.key)) continue;
      seen.add(r.key);
      out.push(r);
    }
  }
  return out;
}
