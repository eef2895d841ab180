/**
 * Property tests: every parser, fed random bytes and mutated real databases (bit flips,
 * truncations, insertions, overwrites), returns a fragment or a note and never throws; the
 * report built from damaged databases stays consistent. Seeds are real: this machine's dpkg
 * files, a header and an rpmdb.sqlite written by rpm, and format-document samples for apk,
 * Python and npm.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { stackLayers } from '../fs';
import { buildLayer } from '../../../test/fs/testing';
import { buildRpmRoot } from '../../../test/packages/rpm';
import { loadSqlite } from '../../../test/packages/tools';
import { packageFsOf } from './fsInput';
import type { DatabaseKind } from './kinds';
import { parseCaptured, type ParsedFile } from './parse';
import { buildPackageReport } from './report';
import { parseRpmHeader } from './rpmHeader';
import type { SqliteEngine } from './sqlite';
import { FormatError } from './text';

const enc = new TextEncoder();

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'overwrite'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function mutate(input: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'flip') b[at] = b[at]! ^ (1 << m.bit);
    else if (m.op === 'truncate') b = b.slice(0, at);
    else if (m.op === 'insert') {
      const c = new Uint8Array(b.length + m.bytes.length);
      c.set(b.subarray(0, at));
      c.set(m.bytes, at);
      c.set(b.subarray(at), at + m.bytes.length);
      b = c;
    } else b.set(m.bytes.subarray(0, b.length - at), at);
  }
  return b;
}

function checkParsed(p: ParsedFile | undefined): void {
  expect(p).toBeDefined();
  if (p!.fragment) expect(p!.notes).toEqual([]);
  else {
    expect(p!.notes.length).toBeGreaterThan(0);
    for (const n of p!.notes) expect(n.message.length).toBeGreaterThan(0);
  }
}

const SEEDS: { kind: DatabaseKind; path: string; bytes: () => Uint8Array }[] = [
  { kind: 'dpkg-status', path: 'var/lib/dpkg/status', bytes: () => readFileSync('/var/lib/dpkg/status').subarray(0, 20_000) },
  { kind: 'dpkg-list', path: 'var/lib/dpkg/info/bash.list', bytes: () => readFileSync('/var/lib/dpkg/info/bash.list') },
  { kind: 'dpkg-statusd', path: 'var/lib/dpkg/status.d/bash', bytes: () => readFileSync('/var/lib/dpkg/status').subarray(0, 3000) },
  { kind: 'dpkg-statusd-md5sums', path: 'var/lib/dpkg/status.d/bash.md5sums', bytes: () => readFileSync('/var/lib/dpkg/info/bash.md5sums') },
  {
    kind: 'apk-installed',
    path: 'lib/apk/db/installed',
    bytes: () => enc.encode('C:Q1x=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1y=\n\nP:busybox\nV:1.36\nF:bin\nR:busybox\n\n'),
  },
  {
    kind: 'python-metadata',
    path: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
    bytes: () => enc.encode('Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nSummary: x\n\nbody\n'),
  },
  {
    kind: 'python-record',
    path: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD',
    bytes: () => enc.encode('six.py,sha256=abc,34549\n"a,b.py",,\nsix-1.16.0.dist-info/RECORD,,\n'),
  },
  { kind: 'egg-top-level', path: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt', bytes: () => enc.encode('six\n') },
  {
    kind: 'egg-pkg-info',
    path: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO',
    bytes: () => enc.encode('Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n'),
  },
  {
    kind: 'egg-installed-files',
    path: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/installed-files.txt',
    bytes: () => enc.encode('../six.py\nPKG-INFO\n'),
  },
  {
    kind: 'egg-sources',
    path: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/SOURCES.txt',
    bytes: () => enc.encode('setup.py\nsix.py\nsix.egg-info/PKG-INFO\n'),
  },
  {
    kind: 'npm-package',
    path: 'app/node_modules/ms/package.json',
    bytes: () => enc.encode('{"name":"ms","version":"2.1.3","main":"./index","files":["index.js"]}'),
  },
];

let engine: SqliteEngine;
let rpmdb: Uint8Array;
let header: Uint8Array;

beforeAll(async () => {
  engine = await loadSqlite();
  rpmdb = buildRpmRoot([{ name: 'lading-f', version: '1.0', files: { 'usr/bin/f': 'f\n', 'usr/share/f/a': 'aa', 'usr/share/f/b': 'bbb' } }]).db;
  header = engine.rows(rpmdb, 'SELECT blob FROM Packages')[0]![0] as Uint8Array;
}, 60_000);

describe('fuzz', { timeout: 120_000 }, () => {
  test.each(SEEDS.map((s) => [s.kind, s] as const))('mutated %s', (_k, seed) => {
    const bytes = seed.bytes();
    checkParsed(parseCaptured({ path: seed.path, size: bytes.length, bytes }));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const b = mutate(bytes, ms);
        checkParsed(parseCaptured({ path: seed.path, size: b.length, bytes: b }));
      }),
      { numRuns: 200 },
    );
  });

  test('random bytes under every kind', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.uint8Array({ maxLength: 2000 }), (seed, b) => {
        checkParsed(parseCaptured({ path: seed.path, size: b.length, bytes: b }, { sqlite: engine }));
      }),
      { numRuns: 300 },
    );
  });

  test('mutated rpm header blobs: parsed or a FormatError, nothing else', () => {
    expect(parseRpmHeader(header).name).toBe('lading-f');
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        try {
          const h = parseRpmHeader(mutate(header, ms));
          expect(typeof h.name).toBe('string');
          for (const f of h.files) expect(typeof f).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('mutated rpmdb.sqlite', () => {
    checkParsed(parseCaptured({ path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', size: rpmdb.length, bytes: rpmdb }, { sqlite: engine }));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const b = mutate(rpmdb, ms);
        checkParsed(parseCaptured({ path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', size: b.length, bytes: b }, { sqlite: engine }));
      }),
      { numRuns: 60 },
    );
  });

  test('reports over damaged databases stay consistent', () => {
    const status = enc.encode('Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nVersion: 2\n');
    const list = enc.encode('/.\n/usr\n/usr/bin/a\n');
    const fs = stackLayers([
      { index: buildLayer(['f usr/bin/a 10', 'f var/lib/dpkg/status 1', 'f var/lib/dpkg/info/a.list 1', 'f app/node_modules/x/package.json 1']) },
      { index: buildLayer(['f var/lib/dpkg/status 1', 'w var/lib/dpkg/info/a.list']) },
    ]);
    const pfs = packageFsOf(fs);
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), fc.array(mutation, { maxLength: 3 }), fc.array(mutation, { maxLength: 3 }), (m1, m2, m3) => {
        const s0 = mutate(status, m1);
        const l0 = mutate(list, m2);
        const s1 = mutate(status, m3);
        const pj = mutate(enc.encode('{"name":"x","version":"1"}'), m1);
        const r = buildPackageReport(pfs, [
          [
            { path: 'var/lib/dpkg/status', size: s0.length, bytes: s0 },
            { path: 'var/lib/dpkg/info/a.list', size: l0.length, bytes: l0 },
            { path: 'app/node_modules/x/package.json', size: pj.length, bytes: pj },
          ],
          [{ path: 'var/lib/dpkg/status', size: s1.length, bytes: s1 }],
        ]);
        const P = r.packages.length;
        for (const a of [r.entryOwner, r.nodeOwner, r.nodeOwner2]) for (const o of a) expect(o >= -1 && o < P).toBe(true);
        for (const l of r.layers) for (const a of [l.added, l.removed, l.changed, l.present]) for (const id of a) expect(id >= 0 && id < P).toBe(true);
        // Every file and database here is in layer 0, so what the final image shows was paid for there.
        for (const p of r.packages) expect(p.sizeBytes).toBeLessThanOrEqual(p.costBytes);
      }),
      { numRuns: 150 },
    );
  });
});
