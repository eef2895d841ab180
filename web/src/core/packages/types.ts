/**
 * The vocabulary of package databases: what a parser gets (a captured file), what it gives back
 * (a fragment: part of a database, assembled with its neighbours later), and the notes that say
 * why a database gave nothing.
 *
 * Paths: captured files carry the layer's normalised path (no leading `/`, as in LayerIndex);
 * everything a parser returns is absolute (`/usr/bin/env`), as package databases write it.
 */

export type Ecosystem = 'deb' | 'rpm' | 'apk' | 'python' | 'npm';

export const ECOSYSTEMS: readonly Ecosystem[] = ['deb', 'rpm', 'apk', 'python', 'npm'];

/** OS package managers install files; language packages often describe files an OS package installed. */
export function isOsEcosystem(e: Ecosystem): boolean {
  return e === 'deb' || e === 'rpm' || e === 'apk';
}

export type NoteKind =
  /** Over a byte cap: not kept, not read. */
  | 'oversized'
  /** Ends where the format says it cannot. */
  | 'truncated'
  /** Not what the format says (bad syntax, bad magic, inconsistent structure). */
  | 'corrupt'
  /** A database format Lading recognises but does not read (rpm's BerkeleyDB and ndb files). */
  | 'unsupported'
  /** Read, but something in it was left out (a package without a file list, a record with no name). */
  | 'partial';

export interface PackageNote {
  readonly kind: NoteKind;
  /** Absolute path of the database file. */
  readonly path: string;
  readonly message: string;
}

/** A directory a package owns with everything below it (npm: its package directory). */
export interface OwnedTree {
  readonly dir: string;
  /** Directories named so below `dir` belong to someone else (npm: nested `node_modules`). */
  readonly excludeNamed?: string;
  /**
   * Python top-level names: own `dir/<name>/**`, `dir/<name>.py` and `dir/<name>.*.so` instead
   * of the whole of `dir`.
   */
  readonly topLevel?: readonly string[];
}

/** One installed package, as its database says. */
export interface PackageRecord {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  /**
   * Identity across layers: the same key in two layers is the same package (a version change
   * if the versions differ). OS packages: ecosystem, name and arch; language packages also
   * their location, since the same name can be installed in several places.
   */
  readonly key: string;
  /** The database (file or directory) it was read from. */
  readonly source: string;
  /** Absolute paths it owns, as listed (directories included; only non-directories are attributed). */
  readonly files: readonly string[];
  readonly trees?: readonly OwnedTree[];
}

/** Bytes a capture kept for one database file of one layer. */
export interface CapturedFile {
  /** Layer-relative, normalised (`var/lib/dpkg/status`). */
  readonly path: string;
  /** Index of the entry in its layer's LayerIndex, when the capture knows it. */
  readonly entry?: number;
  /** The entry's size from its tar header. */
  readonly size: number;
  /** The content; absent when it was not kept (see `omitted`). */
  readonly bytes?: Uint8Array;
  /** Why the bytes are absent: over the file's cap, over the layer's cap, or a format only recognised. */
  readonly omitted?: 'file-cap' | 'layer-cap' | 'recognised-only';
  /** Fewer bytes than `size` arrived (the layer ended early). */
  readonly truncated?: boolean;
}
