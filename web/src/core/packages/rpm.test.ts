/**
 * RPM headers and rpmdb.sqlite, on databases written by Debian's rpm (rpmbuild, rpm --initdb,
 * rpm -i): what Lading reads must be what `rpm -q` says.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { buildRpmRoot } from '../../../test/packages/rpm';
import { lines, loadSqlite } from '../../../test/packages/tools';
import { parseRpmHeader, rpmEvr } from './rpmHeader';
import { checkSqliteHeader, readRpmSqlite } from './rpmdb';
import type { SqliteEngine } from './sqlite';
import { FormatError } from './text';

let built: ReturnType<typeof buildRpmRoot>;
let engine: SqliteEngine;

beforeAll(async () => {
  built = buildRpmRoot([
    { name: 'lading-a', version: '1.2.3', files: { 'usr/bin/lading-a': '#!/bin/sh\necho a\n', 'usr/share/doc/lading-a/README': 'read me\n'.repeat(100) } },
    {
      name: 'lading-b',
      version: '0.9',
      epoch: 2,
      files: { 'opt/b/a name with spaces.txt': 'x', 'opt/b/ünïcödé': 'yy', 'opt/b/sub/deep/file': new Uint8Array(5000) },
    },
  ]);
  engine = await loadSqlite();
}, 60_000);

const blobs = (): Uint8Array[] => engine.rows(built.db, 'SELECT blob FROM Packages ORDER BY hnum').map((r) => r[0] as Uint8Array);

describe('header blobs', () => {
  test('name, version, release, epoch and arch as rpm -q prints them', () => {
    const got = blobs().map((b) => {
      const h = parseRpmHeader(b);
      return `${h.name} ${rpmEvr(h)} ${h.arch}`;
    });
    expect(got.sort()).toEqual(lines(built.rpm('-qa', '--qf', '%{NAME} %|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE} %{ARCH}\n')).sort());
  });

  test('files with sizes, modes and digests as rpm -q --qf [%{FILENAMES} …] prints them', () => {
    for (const b of blobs()) {
      const h = parseRpmHeader(b);
      const expected = lines(built.rpm('-q', h.name, '--qf', '[%{FILENAMES}\t%{FILESIZES}\t%{FILEMODES}\t%{FILEDIGESTS}\n]'));
      expect(
        h.files.map((f, i) => `${f}\t${h.fileSizes![i]}\t${h.fileModes![i]}\t${h.fileDigests![i]}`),
        h.name,
      ).toEqual(expected);
    }
  });

  test('a package file’s header (with the magic in front) reads the same', () => {
    const [b] = blobs();
    const magic = new Uint8Array([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
    const withMagic = new Uint8Array(8 + b!.length);
    withMagic.set(magic);
    withMagic.set(b!, 8);
    expect(parseRpmHeader(withMagic)).toEqual(parseRpmHeader(b!));
  });

  test('damage is reported, never misread', () => {
    const [b] = blobs();
    expect(() => parseRpmHeader(b!.subarray(0, b!.length - 1))).toThrow(FormatError);
    const extra = new Uint8Array(b!.length + 1);
    extra.set(b!);
    expect(() => parseRpmHeader(extra)).toThrow(FormatError);
    const bad = b!.slice();
    new DataView(bad.buffer).setInt32(0, 0x10000); // il over rpm's limit
    expect(() => parseRpmHeader(bad)).toThrow(FormatError);
    const badType = b!.slice();
    new DataView(badType.buffer).setUint32(8 + 4, 42); // first entry's type
    expect(() => parseRpmHeader(badType)).toThrow(/unknown type 42/);
  });
});

describe('rpmdb.sqlite', () => {
  test('every package rpm -qa lists, with its files as rpm -ql lists them', () => {
    const records = readRpmSqlite(built.db, engine, '/usr/lib/sysimage/rpm/rpmdb.sqlite');
    expect(records.map((r) => `${r.name}.${r.arch} ${r.version}`).sort()).toEqual(
      lines(built.rpm('-qa', '--qf', '%{NAME}.%{ARCH} %|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\n')).sort(),
    );
    for (const r of records) {
      expect(r.key).toBe(`rpm:${r.name}.noarch`);
      expect([...r.files].sort(), r.name).toEqual(lines(built.rpm('-ql', r.name)).sort());
    }
  });

  test('a truncated file, another SQLite file, and bytes that are no SQLite file', () => {
    const kind = (f: () => unknown): string => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return e instanceof FormatError ? e.kind : 'other';
      }
    };
    expect(kind(() => readRpmSqlite(built.db.subarray(0, built.db.length - 4096), engine, 'x'))).toBe('truncated');
    expect(kind(() => checkSqliteHeader(built.db.subarray(0, 50)))).toBe('truncated');
    const notSqlite = built.db.slice();
    notSqlite[0] = 0x41;
    expect(kind(() => readRpmSqlite(notSqlite, engine, 'x'))).toBe('corrupt');
    // A real SQLite database without rpm's tables.
    const other = engine.rows(built.db, 'SELECT 1');
    expect(other).toEqual([[1]]);
    const wrongSchema = built.db.slice();
    // Damage the first page's b-tree (the schema): SQLite refuses it, Lading says corrupt.
    wrongSchema.fill(0xff, 100, 400);
    expect(kind(() => readRpmSqlite(wrongSchema, engine, 'x'))).toBe('corrupt');
  });
});
