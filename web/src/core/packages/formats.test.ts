/**
 * apk, Python and npm databases from their format documents (apk has no tool here: Alpine's
 * packages are not reachable; see the fixture test for real Python and npm trees, whose
 * expectations come from the .deb files and npm's own lock file).
 */
import { describe, expect, test } from 'vitest';
import { parseApkInstalled } from './apk';
import { parseNpmPackage } from './npm';
import { assemblePython, normalizePythonName, parsePythonMetadata, parseRecordPaths } from './python';
import { FormatError } from './text';
import type { PackageNote } from './types';

const enc = new TextEncoder();

describe('apk installed (Alpine wiki "Apk spec")', () => {
  // Shaped like a real musl entry: every field apk-tools writes, F: and R: in directory order.
  const installed = [
    'C:Q1SJgjVzpQRJLnzGNtdaPQtbjIsOI=',
    'P:musl',
    'V:1.2.4-r2',
    'A:x86_64',
    'S:383152',
    'I:622592',
    'T:the musl c library (libc) implementation',
    'U:https://musl.libc.org/',
    'L:MIT',
    'o:musl',
    'm:Timo Teräs <timo.teras@iki.fi>',
    't:1697637600',
    'c:a7fd8d0b3b1e5fd2a72a8a2e2b3b1c6a3d9e8f00',
    'p:so:libc.musl-x86_64.so.1=1',
    'F:lib',
    'R:ld-musl-x86_64.so.1',
    'a:0:0:755',
    'Z:Q1rnKqmaVdrS9g3mC7QIaQpkYn5Ag=',
    'R:libc.musl-x86_64.so.1',
    'a:0:0:777',
    'Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=',
    '',
    'P:busybox',
    'V:1.36.1-r15',
    'A:x86_64',
    'F:bin',
    'R:busybox',
    'F:etc',
    'R:securetty',
    'F:usr/share/udhcpc',
    'R:default.script',
    'M:0:0:755',
    '',
  ].join('\n');

  test('packages with their versions and files', () => {
    const r = parseApkInstalled(enc.encode(installed));
    expect(r.map((p) => [p.key, p.name, p.version, p.arch])).toEqual([
      ['apk:musl', 'musl', '1.2.4-r2', 'x86_64'],
      ['apk:busybox', 'busybox', '1.36.1-r15', 'x86_64'],
    ]);
    expect(r[0]!.files).toEqual(['/lib/ld-musl-x86_64.so.1', '/lib/libc.musl-x86_64.so.1']);
    expect(r[1]!.files).toEqual(['/bin/busybox', '/etc/securetty', '/usr/share/udhcpc/default.script']);
  });

  test('no trailing blank line, CRLF line ends', () => {
    const r = parseApkInstalled(enc.encode(installed.trimEnd().replaceAll('\n', '\r\n')));
    expect(r.map((p) => p.name)).toEqual(['musl', 'busybox']);
  });

  test.each([
    ['a line that is not X:value', 'P:a\nnonsense\n'],
    ['a block without P:', 'V:1\nF:bin\nR:x\n'],
    ['two P: in a block', 'P:a\nP:b\n'],
    ['R: with a slash', 'P:a\nF:bin\nR:x/y\n'],
  ])('%s is corrupt', (_w, text) => {
    expect(() => parseApkInstalled(enc.encode(text))).toThrow(FormatError);
  });
});

describe('Python core metadata and RECORD (PyPA specifications)', () => {
  test('Name and Version from the headers; the body (description) is not read', () => {
    const m = parsePythonMetadata(
      enc.encode('Metadata-Version: 2.1\nName: Typing_Extensions\nVersion: 4.4.0\nClassifier: A\nClassifier: B\n\nName: not this\n'),
    );
    expect(m).toEqual({ name: 'Typing_Extensions', version: '4.4.0' });
    expect(normalizePythonName(m.name)).toBe('typing-extensions');
    expect(() => parsePythonMetadata(enc.encode('Metadata-Version: 2.1\nVersion: 1\n'))).toThrow(FormatError);
  });

  test('RECORD rows: plain, quoted with a comma and a doubled quote, scripts outside the site directory', () => {
    const record = ['six.py,sha256=abc,34549', '"odd, name ""x"".py",sha256=def,1', '../../../bin/tool,,', 'six-1.16.0.dist-info/RECORD,,', ''].join('\r\n');
    expect(parseRecordPaths(enc.encode(record))).toEqual(['six.py', 'odd, name "x".py', '../../../bin/tool', 'six-1.16.0.dist-info/RECORD']);
    expect(() => parseRecordPaths(enc.encode('"unterminated,sha256=x,1\n'))).toThrow(FormatError);
  });

  test('assembled: RECORD paths against the site directory; egg-info with only top_level.txt owns its modules', () => {
    const notes: PackageNote[] = [];
    const site = '/usr/local/lib/python3.11/site-packages';
    const dist = assemblePython(
      { dir: `${site}/six-1.16.0.dist-info`, kind: 'dist-info', meta: { name: 'six', version: '1.16.0' }, record: ['six.py', '../../../bin/six-tool'] },
      notes,
    )!;
    expect(dist.key).toBe(`python:${site}:six`);
    expect(dist.files).toEqual([`${site}/six.py`, '/usr/local/bin/six-tool']);
    expect(dist.trees).toEqual([{ dir: `${site}/six-1.16.0.dist-info` }]);
    const egg = assemblePython(
      { dir: '/usr/lib/python3/dist-packages/idna-3.3.egg-info', kind: 'egg-info', meta: { name: 'idna', version: '3.3' }, topLevel: ['idna'] },
      notes,
    )!;
    expect(egg.trees).toEqual([{ dir: '/usr/lib/python3/dist-packages/idna-3.3.egg-info' }, { dir: '/usr/lib/python3/dist-packages', topLevel: ['idna'] }]);
    expect(assemblePython({ dir: `${site}/x.dist-info`, kind: 'dist-info', record: ['x.py'] }, notes)).toBeUndefined();
    expect(notes.map((n) => n.kind)).toEqual(['partial']);
  });
});

describe('package.json', () => {
  test('name and version; a scoped package; no name: the directory’s', () => {
    expect(parseNpmPackage(enc.encode('{"name":"ms","version":"2.1.3"}'), '/app/node_modules/ms')).toMatchObject({
      key: 'npm:/app/node_modules/ms',
      name: 'ms',
      version: '2.1.3',
      trees: [{ dir: '/app/node_modules/ms', excludeNamed: 'node_modules' }],
    });
    expect(parseNpmPackage(enc.encode('\ufeff{"version":"1.0.0"}'), '/app/node_modules/@scope/pkg').name).toBe('@scope/pkg');
  });

  test.each([
    ['not JSON', '{"name": ', 'corrupt'],
    ['empty', '', 'truncated'],
    ['an array', '[1]', 'corrupt'],
  ])('%s', (_w, text, kind) => {
    try {
      parseNpmPackage(enc.encode(text), '/n/node_modules/x');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).kind).toBe(kind);
    }
  });

  test('invalid UTF-8 is corrupt', () => {
    expect(() => parseNpmPackage(new Uint8Array([0x7b, 0xff, 0x7d]), '/n/node_modules/x')).toThrow(FormatError);
  });
});
