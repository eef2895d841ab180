/**
 * RPM's sqlite backend (rpm ≥ 4.16; the default on Fedora ≥ 33, RHEL ≥ 9, and Debian's rpm):
 * `rpmdb.sqlite` in `/usr/lib/sysimage/rpm` (or `/var/lib/rpm`), one row per installed
 * package in `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, the blob a header
 * (`rpmHeader.ts`). The other tables (Name, Basenames, …) are indexes rpm rebuilds from the
 * headers; they are not read.
 *
 * rpm opens its database in WAL mode and checkpoints it on close, so an image holds the whole
 * database in rpmdb.sqlite (and at most an empty `-wal`). The file header still says WAL,
 * which an in-memory SQLite cannot open without shared memory, so the copy handed to SQLite
 * says "rollback journal" (header bytes 18–19 set to 1, as `PRAGMA journal_mode=DELETE` would
 * leave them): the pages are the same.
 *
 * Before SQLite sees the bytes, the 100-byte file header is checked (SQLite "Database File
 * Format" §1.3): the magic string, a power-of-two page size, and a file as long as the page
 * count says, so a truncated capture is reported as truncated rather than as whatever SQLite
 * makes of the pages that are there.
 */
import { parseRpmHeader, rpmEvr, type RpmHeader } from './rpmHeader';
import type { SqliteEngine } from './sqlite';
import { FormatError } from './text';
import type { PackageRecord } from './types';

const MAGIC = 'SQLite format 3\0';

export function checkSqliteHeader(bytes: Uint8Array): void {
  if (bytes.length < 100) throw new FormatError('truncated', `${bytes.length} bytes: shorter than the SQLite file header`);
  for (let i = 0; i < 16; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) throw new FormatError('corrupt', 'not a SQLite database (no "SQLite format 3" magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new FormatError('corrupt', `bad SQLite page size ${raw}`);
  const changeCounter = view.getUint32(24);
  const pages = view.getUint32(28);
  const validFor = view.getUint32(92);
  // The in-header size is valid only when "version-valid-for" matches the change counter.
  if (pages > 0 && changeCounter === validFor) {
    const need = pages * pageSize;
    if (bytes.length < need) throw new FormatError('truncated', `${bytes.length} bytes of a ${need}-byte SQLite database`);
  } else if (bytes.length % pageSize !== 0) {
    throw new FormatError('truncated', `${bytes.length} bytes: not a whole number of ${pageSize}-byte pages`);
  }
}

/** The installed packages of an rpmdb.sqlite. Throws FormatError (or the engine's error) on a bad database. */
export function readRpmSqlite(bytes: Uint8Array, engine: SqliteEngine, source: string): PackageRecord[] {
  checkSqliteHeader(bytes);
  const copy = bytes.slice();
  if (copy[18] === 2 || copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  let rows: unknown[][];
  try {
    rows = engine.rows(copy, 'SELECT hnum, blob FROM Packages ORDER BY hnum');
  } catch (err) {
    throw new FormatError('corrupt', `SQLite: ${err instanceof Error ? err.message : String(err)}`);
  }
  const headers: RpmHeader[] = [];
  for (const row of rows) {
    const blob = row[1];
    if (!(blob instanceof Uint8Array)) throw new FormatError('corrupt', `package ${String(row[0])}: the blob is not a BLOB`);
    try {
      headers.push(parseRpmHeader(blob));
    } catch (err) {
      if (err instanceof FormatError) throw new FormatError(err.kind === 'truncated' ? 'corrupt' : err.kind, `package ${String(row[0])}: ${err.message}`);
      throw err;
    }
  }
  return rpmRecords(headers, source);
}

/**
 * Records with keys `rpm:<name>.<arch>`; when one name.arch is installed more than once
 * (installonly packages such as kernels, or gpg-pubkey entries), each gets `@<evr>` too.
 */
export function rpmRecords(headers: readonly RpmHeader[], source: string): PackageRecord[] {
  const base = (h: RpmHeader): string => `rpm:${h.name}.${h.arch ?? '(none)'}`;
  const counts = new Map<string, number>();
  for (const h of headers) counts.set(base(h), (counts.get(base(h)) ?? 0) + 1);
  return headers.map((h) => {
    const evr = rpmEvr(h);
    const k = base(h);
    return {
      ecosystem: 'rpm',
      name: h.name,
      version: evr,
      ...(h.arch !== undefined ? { arch: h.arch } : {}),
      key: counts.get(k)! > 1 ? `${k}@${evr}` : k,
      source,
      files: h.files,
    };
  });
}
