/**
 * The content observer that feeds a `PackageCapture` from the layer pass (core/layers tar.ts
 * `ContentObserver`): asked at every tar entry, it wants the content of package-database files
 * only, so everything else is still skipped by arithmetic.
 *
 * It runs on the hot path, once per entry. Most entries are ruled out on their bytes, before any
 * string is made: not a regular file, a whiteout or opaque marker, or a last path component that
 * no database has (`byteFilter`). Only the few that pass are decoded and asked of `databaseKind`,
 * which decides.
 *
 * A layer read again (analyze.ts: the native inflater failed part-way, pako reads from the start)
 * shows its entries again from index 0: the capture starts over, so nothing is kept twice.
 */
import { EntryFlag, EntryType } from '../layers/layerIndex';
import type { ContentObserver, ContentSink } from '../layers/tar';
import { PackageCapture } from './capture';
import type { LayerLimits } from './kinds';
import type { CapturedFile } from './types';

const enc = new TextEncoder();
const dec = new TextDecoder();
const SLASH = 0x2f;

/** Last path components of database files (kinds.ts): exact names, and name endings. */
const NAMES = [
  'status',
  'installed',
  'rpmdb.sqlite',
  'Packages',
  'Packages.db',
  'METADATA',
  'RECORD',
  'PKG-INFO',
  'installed-files.txt',
  'SOURCES.txt',
  'top_level.txt',
  'package.json',
].map((s) => enc.encode(s));
const ENDINGS = ['.list', '.egg-info'].map((s) => enc.encode(s));
/** Any file in `var/lib/dpkg/status.d/` is a stanza or its md5sums. */
const STATUS_D = enc.encode('status.d');

function equalAt(path: Uint8Array, at: number, word: Uint8Array): boolean {
  if (at < 0 || at + word.length > path.length) return false;
  for (let i = 0; i < word.length; i++) if (path[at + i] !== word[i]) return false;
  return true;
}

/** False when no database kind can match the path; true means "ask databaseKind". */
export function byteFilter(path: Uint8Array): boolean {
  const n = path.length;
  let slash = n - 1;
  while (slash >= 0 && path[slash] !== SLASH) slash--;
  const base = slash + 1;
  const baseLen = n - base;
  for (const w of NAMES) if (w.length === baseLen && equalAt(path, base, w)) return true;
  for (const w of ENDINGS) if (baseLen > w.length && equalAt(path, n - w.length, w)) return true;
  if (slash < 0) return false;
  let parent = slash - 1;
  while (parent >= 0 && path[parent] !== SLASH) parent--;
  return slash - parent - 1 === STATUS_D.length && equalAt(path, parent + 1, STATUS_D);
}

/** A capture per layer pass, and the observer that drives it. */
export class PackageObserver {
  private capture: PackageCapture;
  private last = -1;
  readonly observe: ContentObserver;

  constructor(private readonly limits?: LayerLimits) {
    this.capture = new PackageCapture(limits);
    this.observe = (e) => {
      if (e.index <= this.last) this.capture = new PackageCapture(this.limits); // read again from the start
      this.last = e.index;
      if (e.type !== EntryType.File || (e.flags & (EntryFlag.Whiteout | EntryFlag.Opaque)) !== 0) return undefined;
      if (!byteFilter(e.path)) return undefined;
      const capture = this.capture;
      if (!capture.begin(dec.decode(e.path), e.index, true, e.size)) return undefined;
      const sink: ContentSink = {
        data: (bytes) => capture.data(bytes),
        end: () => capture.end(),
      };
      return sink;
    };
  }

  /** The database files of the layer, in archive order (call once the pass is over). */
  finish(): CapturedFile[] {
    return this.capture.finish();
  }
}
