/**
 * dpkg's own database on this (Debian) machine is the sample: what the parsers read must be what
 * dpkg-query says, package by package and file by file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lines, sh } from '../../../test/packages/tools';
import { assembleDeb, debListName, parseDpkgList, parseDpkgStatus, parseMd5sums } from './dpkg';
import { FormatError } from './text';
import type { PackageNote } from './types';

const ADMIN = '/var/lib/dpkg';
const enc = new TextEncoder();

describe('the machine’s dpkg database', () => {
  const status = readFileSync(join(ADMIN, 'status'));
  const parsed = parseDpkgStatus(status);

  test('status: every package dpkg-query lists as present, with its version and architecture', () => {
    // dpkg-query -W lists not-installed packages too when they have a record; keep what is on disk.
    const expected = lines(sh('dpkg-query', [`--admindir=${ADMIN}`, '-W', '-f', '${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\n']))
      .map((l) => l.split('\t'))
      .filter(([state]) => state !== 'not-installed' && state !== 'config-files')
      .map(([, name, version, arch]) => `${name} ${version} ${arch}`)
      .sort();
    expect(expected.length).toBeGreaterThan(50);
    expect(parsed.map((p) => `${p.name} ${p.version} ${p.arch}`).sort()).toEqual(expected);
  });

  test('.list files: the paths dpkg-query -L prints, for every package', () => {
    const listed = new Map(
      readdirSync(join(ADMIN, 'info'))
        .filter((f) => f.endsWith('.list'))
        .map((f) => [f.slice(0, -5), join(ADMIN, 'info', f)]),
    );
    const names = parsed.map(debListName);
    // dpkg-query -L for all packages at once: blocks separated by blank lines, in argument order.
    const out = sh('dpkg-query', [`--admindir=${ADMIN}`, '-L', ...names]).split('\n\n');
    expect(out.length).toBe(names.length);
    names.forEach((name, i) => {
      const file = listed.get(name);
      expect(file, name).toBeDefined();
      // Diversion notes ("package diverts others to: …", "diverted by …") are not paths.
      const expected = lines(out[i]!).filter((l) => l.startsWith('/') && l !== '/.');
      expect(parseDpkgList(readFileSync(file!)), name).toEqual(expected);
    });
  });

  test('assembled: one record per package, each with its list', () => {
    const lists = new Map<string, string[]>();
    for (const f of readdirSync(join(ADMIN, 'info'))) if (f.endsWith('.list')) lists.set(f.slice(0, -5), parseDpkgList(readFileSync(join(ADMIN, 'info', f))));
    const notes: PackageNote[] = [];
    const records = assembleDeb({ status: { source: '/var/lib/dpkg/status', packages: parsed }, lists, statusD: [], md5sums: new Map() }, notes);
    expect(notes).toEqual([]);
    expect(records.length).toBe(parsed.length);
    const bash = records.find((r) => r.name === 'bash')!;
    expect(bash.key).toBe('deb:bash');
    expect([...bash.files].sort()).toEqual(
      lines(sh('dpkg-query', ['-L', 'bash']))
        .filter((l) => l.startsWith('/') && l !== '/.')
        .sort(),
    );
    const libc = records.find((r) => r.name === 'libc6');
    if (libc) expect(libc.key).toBe(`deb:libc6:${libc.arch}`);
  });
});

describe('a .deb’s control archive, as distroless stores it in status.d', () => {
  const deb = join(__dirname, '../../../test/layers/hello_2.10-3_amd64.deb');

  test('control stanza without Status: one installed package', () => {
    const control = sh('dpkg-deb', ['-f', deb]);
    const [p] = parseDpkgStatus(enc.encode(control));
    expect(p).toEqual({
      name: sh('dpkg-deb', ['-f', deb, 'Package']).trim(),
      version: sh('dpkg-deb', ['-f', deb, 'Version']).trim(),
      arch: 'amd64',
      multiArchSame: false,
      state: 'installed',
    });
  });

  test('md5sums: the regular files of the package (dpkg-deb -c)', () => {
    const md5sums = sh('dpkg-deb', ['-I', deb, 'md5sums']);
    const files = lines(sh('dpkg-deb', ['-c', deb]))
      .filter((l) => l.startsWith('-'))
      .map((l) => l.slice(l.indexOf('./') + 1))
      .sort();
    expect(parseMd5sums(enc.encode(md5sums)).sort()).toEqual(files);
  });
});

describe('bad input', () => {
  const bad = (text: string): FormatError => {
    try {
      parseDpkgStatus(enc.encode(text));
    } catch (e) {
      if (e instanceof FormatError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  test.each([
    ['a line without a colon', 'Package: a\nnonsense\n'],
    ['a continuation first', ' continued\nPackage: a\n'],
    ['a stanza without Package', 'Version: 1\n\nPackage: b\n'],
    ['a Status of two words', 'Package: a\nStatus: install ok\n'],
    ['a NUL byte', 'Package: a\0\n'],
  ])('%s is corrupt', (_what, text) => {
    expect(bad(text).kind).toBe('corrupt');
  });

  test('states without files on disk are left out; others are kept', () => {
    const text = ['not-installed', 'config-files', 'half-installed', 'unpacked', 'installed']
      .map((s, i) => `Package: p${i}\nStatus: install ok ${s}\nVersion: 1\n`)
      .join('\n');
    expect(parseDpkgStatus(enc.encode(text)).map((p) => p.name)).toEqual(['p2', 'p3', 'p4']);
  });

  test('a .list line that is not absolute, an md5sums line without a sum', () => {
    expect(() => parseDpkgList(enc.encode('/.\n/usr\nusr/bin\n'))).toThrow(FormatError);
    expect(() => parseMd5sums(enc.encode('abc  usr/bin/x\n'))).toThrow(FormatError);
  });

  test('a package without a .list file is kept, with a note', () => {
    const notes: PackageNote[] = [];
    const r = assembleDeb(
      {
        status: { source: '/var/lib/dpkg/status', packages: parseDpkgStatus(enc.encode('Package: a\nVersion: 1\nStatus: install ok installed\n')) },
        lists: new Map(),
        statusD: [],
        md5sums: new Map(),
      },
      notes,
    );
    expect(r.map((x) => [x.name, x.files.length])).toEqual([['a', 0]]);
    expect(notes.map((n) => n.kind)).toEqual(['partial']);
  });
});
