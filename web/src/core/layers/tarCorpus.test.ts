/**
 * Lading's tar reader on archives other tar implementations publish as their test data
 * (e2e/fixtures/tar-corpus.sh): Go's archive/tar testdata, with what reader_test.go (Go 1.19, the
 * one in the corpus) documents Go reads from each file, and Python's tarfile test archive. GNU tar,
 * run here, is a second oracle where Go and GNU tar agree; where they differ, Go wins (containerd
 * unpacks with it) and the difference is listed with its reason.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyzeEveryWay, asAsync, chunked } from '../../../test/layers/helpers';
import { corpusArchives, corpusFile, gnuExtractedHashes, gnuList, tarCorpus, type GnuListing } from '../../../test/layers/tarCorpus';
import { analyzeLayerStream, EntryType, layerEntries, stringBytesAt, type LayerAnalysis } from './index';

const corpus = tarCorpus();
// In CI the corpus is fetched before the unit tests (npm test): missing there is a failure, not a skip.
const missing = typeof corpus === 'string' && !process.env.CI ? corpus : undefined;
if (missing) console.warn(`[tarCorpus.test] skipped: ${missing}`);
const goDir = typeof corpus === 'string' ? '' : corpus.go;
const pyDir = typeof corpus === 'string' ? '' : corpus.python;

const T = { '0': EntryType.File, S: EntryType.File, '1': EntryType.Hardlink, '2': EntryType.Symlink, '5': EntryType.Directory, D: EntryType.Other } as const;

/** A header as reader_test.go lists it (only the fields Lading keeps). */
interface GoHeader {
  name: string | Uint8Array;
  type: keyof typeof T;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  link?: string;
}

const enc = new TextEncoder();
const gnuDefaults = { mode: 0o640, uid: 73025, gid: 5000 };

/** TestReader's vectors (reader_test.go), transcribed: headers, MD5 of the contents, or an error. */
const VECTORS: Array<{ file: string; headers?: GoHeader[]; md5?: string[]; error?: true; globalHeaders?: number }> = [
  {
    file: 'gnu.tar',
    headers: [
      { name: 'small.txt', type: '0', ...gnuDefaults, size: 5, mtime: 1244428340 },
      { name: 'small2.txt', type: '0', ...gnuDefaults, size: 11, mtime: 1244436044 },
    ],
    md5: ['e38b27eaccb4391bdec553a7f3ae6b2f', 'c65bd2e50a56a2138bf1716f2fd56fe9'],
  },
  {
    file: 'sparse-formats.tar',
    headers: [
      { name: 'sparse-gnu', type: 'S', mode: 420, uid: 1000, gid: 1000, size: 200, mtime: 1392395740 },
      { name: 'sparse-posix-0.0', type: '0', mode: 420, uid: 1000, gid: 1000, size: 200, mtime: 1392342187 },
      { name: 'sparse-posix-0.1', type: '0', mode: 420, uid: 1000, gid: 1000, size: 200, mtime: 1392340456 },
      { name: 'sparse-posix-1.0', type: '0', mode: 420, uid: 1000, gid: 1000, size: 200, mtime: 1392337404 },
      { name: 'end', type: '0', mode: 420, uid: 1000, gid: 1000, size: 4, mtime: 1392398319 },
    ],
    md5: [...Array<string>(4).fill('6f53234398c2449fe67c1812d993012f'), 'b0061974914468de549a2af8ced10316'],
  },
  {
    file: 'star.tar',
    headers: [
      { name: 'small.txt', type: '0', ...gnuDefaults, size: 5, mtime: 1244592783 },
      { name: 'small2.txt', type: '0', ...gnuDefaults, size: 11, mtime: 1244592783 },
    ],
  },
  {
    file: 'v7.tar',
    headers: [
      { name: 'small.txt', type: '0', ...gnuDefaults, mode: 0o444, size: 5, mtime: 1244593104 },
      { name: 'small2.txt', type: '0', ...gnuDefaults, mode: 0o444, size: 11, mtime: 1244593104 },
    ],
  },
  {
    file: 'pax.tar',
    headers: [
      { name: `a/${LONG()}`, type: '0', mode: 0o664, uid: 1000, gid: 1000, size: 7, mtime: 1350244992 + 23960108e-9 },
      { name: 'a/b', type: '2', mode: 0o777, uid: 1000, gid: 1000, size: 0, mtime: 1350266320 + 910238425e-9, link: LONG() },
    ],
  },
  { file: 'pax-bad-hdr-file.tar', error: true },
  { file: 'pax-bad-hdr-large.tar', error: true }, // ErrFieldTooLong
  { file: 'pax-bad-mtime-file.tar', error: true },
  {
    file: 'pax-pos-size-file.tar',
    headers: [{ name: 'foo', type: '0', mode: 0o640, uid: 319973, gid: 5000, size: 999, mtime: 1442282516 }],
    md5: ['0afb597b283fe61b5d4879669a350556'],
  },
  { file: 'pax-records.tar', headers: [{ name: 'file', type: '0', mtime: 0 }] },
  {
    // Go hands out the two global headers as headers of their own; containerd ignores them, so does the index.
    file: 'pax-global-records.tar',
    headers: [
      { name: 'file1', type: '0', mtime: 0 },
      { name: 'file2', type: '0', mtime: 0 },
      { name: 'file3', type: '0', mtime: 0 },
      { name: 'file4', type: '0', mtime: 1400000000 },
    ],
    globalHeaders: 2,
  },
  { file: 'nil-uid.tar', headers: [{ name: 'P1050238.JPG.log', type: '0', mode: 0o664, uid: 0, gid: 0, size: 14, mtime: 1365454838 }] },
  {
    file: 'xattrs.tar',
    headers: [
      { name: 'small.txt', type: '0', mode: 0o644, uid: 1000, gid: 10, size: 5, mtime: 1386065770 + 448252320e-9 },
      { name: 'small2.txt', type: '0', mode: 0o644, uid: 1000, gid: 10, size: 11, mtime: 1386065770 + 449252304e-9 },
    ],
  },
  { file: 'gnu-multi-hdrs.tar', headers: [{ name: 'GNU2/GNU2/long-path-name', type: '2', link: 'GNU4/GNU4/long-linkpath-name', mtime: 0 }] },
  {
    file: 'gnu-incremental.tar',
    headers: [
      { name: 'test2/', type: 'D', mode: 16877, uid: 1000, gid: 1000, size: 14, mtime: 1441973427 },
      { name: 'test2/foo', type: '0', mode: 33188, uid: 1000, gid: 1000, size: 64, mtime: 1441973363 },
      { name: 'test2/sparse', type: 'S', mode: 33188, uid: 1000, gid: 1000, size: 536870912, mtime: 1441973427 },
    ],
  },
  { file: 'pax-multi-hdrs.tar', headers: [{ name: 'bar', type: '2', link: 'PAX4/PAX4/long-linkpath-name', mtime: 0 }] },
  { file: 'gnu-long-nul.tar', headers: [{ name: '0123456789', type: '0', mode: 0o644, uid: 1000, gid: 1000, mtime: 1486082191 }] },
  { file: 'gnu-utf8.tar', headers: [{ name: '☺☻☹'.repeat(18), type: '0', mode: 0o644, uid: 1000, gid: 1000, mtime: 0 }] },
  {
    file: 'gnu-not-utf8.tar',
    headers: [
      { name: new Uint8Array([...enc.encode('hi'), 0x80, 0x81, 0x82, 0x83, ...enc.encode('bye')]), type: '0', mode: 0o644, uid: 1000, gid: 1000, mtime: 0 },
    ],
  },
  { file: 'pax-nul-xattrs.tar', error: true },
  { file: 'pax-nul-path.tar', error: true },
  { file: 'neg-size.tar', error: true },
  { file: 'issue10968.tar', error: true },
  { file: 'issue11169.tar', error: true },
  { file: 'issue12435.tar', error: true },
  { file: 'invalid-go17.tar', headers: [{ name: `${'a'.repeat(97)}/foo`, type: '0', uid: 0o10000000, mtime: 0 }] },
  { file: 'ustar-file-devs.tar', headers: [{ name: 'file', type: '0', mode: 0o644, mtime: 0 }] },
  { file: 'gnu-nil-sparse-data.tar', headers: [{ name: 'sparse.db', type: 'S', size: 1000, mtime: 0 }] },
  { file: 'gnu-nil-sparse-hole.tar', headers: [{ name: 'sparse.db', type: 'S', size: 1000, mtime: 0 }] },
  { file: 'pax-nil-sparse-data.tar', headers: [{ name: 'sparse.db', type: '0', size: 1000, mtime: 0 }] },
  { file: 'pax-nil-sparse-hole.tar', headers: [{ name: 'sparse.db', type: '0', size: 1000, mtime: 0 }] },
  { file: 'trailing-slash.tar', headers: [{ name: '123456789/'.repeat(30), type: '5', mtime: 0 }] },
];

function LONG(): string {
  let s = '';
  for (let i = 1; i <= 100; i++) s += String(i);
  return s;
}

/** The index stores paths without a trailing '/'. */
function indexed(name: string | Uint8Array): Uint8Array {
  const b = typeof name === 'string' ? enc.encode(name) : name;
  let end = b.length;
  while (end > 0 && b[end - 1] === 0x2f) end--;
  return b.subarray(0, end);
}

function md5s(bytes: Uint8Array): Promise<string[]> {
  return contentHashes(bytes, 'md5', 1 << 20);
}

/** The hash of every entry's content, delivered by the content observer in `chunk`-byte chunks. */
async function contentHashes(bytes: Uint8Array, algorithm: string, chunk: number): Promise<string[]> {
  const out: string[] = [];
  await analyzeLayerStream(asAsync(chunked(bytes, chunk)), {
    contentObserver: (e) => {
      const h = createHash(algorithm);
      return { data: (b) => h.update(b), end: (complete) => (out[e.index] = complete ? h.digest('hex') : 'incomplete') };
    },
  });
  return out;
}

describe.skipIf(missing !== undefined)("Go's archive/tar testdata, read as reader_test.go says Go reads it", () => {
  test('the corpus has every archive TestReader names', () => {
    const have = new Set(corpusArchives(goDir));
    expect(VECTORS.map((v) => v.file).filter((f) => !have.has(f))).toEqual(have.has('pax-bad-hdr-large.tar') ? [] : ['pax-bad-hdr-large.tar']);
  });

  for (const v of VECTORS) {
    test(v.file, async (ctx) => {
      let bytes: Uint8Array;
      try {
        bytes = corpusFile(join(goDir, v.file));
      } catch {
        return ctx.skip(`${v.file} is not in the corpus (bzip2 was missing when it was built)`);
      }
      const r = await analyzeEveryWay(bytes);
      if (v.error) {
        expect(r.error?.kind).toBe('tar');
        return;
      }
      expect(r.error).toBeUndefined();
      const got = [...layerEntries(r.index)];
      expect(got.length).toBe(v.headers!.length);
      v.headers!.forEach((h, i) => {
        const e = got[i]!;
        expect(Buffer.from(stringBytesAt(r.index.strings, r.index.path[i]!)).equals(Buffer.from(indexed(h.name))), `name of entry ${i}`).toBe(true);
        expect(e.type, `type of ${e.path}`).toBe(T[h.type]);
        expect(e.mode).toBe((h.mode ?? 0) & 0o7777);
        expect([e.uid, e.gid, e.size]).toEqual([h.uid ?? 0, h.gid ?? 0, h.size ?? 0]);
        expect(e.mtime).toBeCloseTo(h.mtime ?? 0, 6);
        expect(e.link).toBe(h.link);
      });
      expect(r.warnings.find((w) => w.kind === 'global-header')?.count).toBe(v.globalHeaders);
      if (v.md5) expect(await md5s(bytes)).toEqual(v.md5);
    });
  }

  test('hdr-only.tar: links, directories, devices and fifos have no content, whatever their size says (TestReadHeaderOnly)', async () => {
    const r = await analyzeEveryWay(corpusFile(join(goDir, 'hdr-only.tar')));
    expect(r.error).toBeUndefined();
    const es = [...layerEntries(r.index)];
    expect(es.length).toBe(16);
    // The later 8 are the first 8 with their size set.
    for (let i = 0; i < 8; i++) expect({ ...es[i + 8], index: 0, size: 0, offset: 0 }).toEqual({ ...es[i], index: 0, size: 0, offset: 0 });
    expect(es.slice(8).map((e) => e.size)).toEqual([5, 5, 46, 5, 5, 5, 5, 5]);
  });

  describe('where the stream ends (TestReadTruncation)', () => {
    const read = (f: string) => (missing ? new Uint8Array(0) : corpusFile(join(goDir, f)));
    const data1 = read('gnu.tar');
    const data2 = Buffer.concat([read('ustar-file-reg.tar'), new Uint8Array(10 * 512)]);
    const pax = read('pax-path-hdr.tar');
    const sparse = read('sparse-formats.tar');
    const trash = enc.encode('garbage '.repeat(64));
    const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    // [input, headers Go returns, whether Go ends with io.EOF (no error) rather than an error]
    const vectors: Array<[string, Uint8Array, number, boolean]> = [
      ['empty', new Uint8Array(0), 0, true],
      ['data1[:511]', data1.subarray(0, 511), 0, false],
      ['data1[:512]', data1.subarray(0, 512), 1, false],
      ['data1[:1024]', data1.subarray(0, 1024), 1, true],
      ['data1[:1536]', data1.subarray(0, 1536), 2, false],
      ['data1[:2048]', data1.subarray(0, 2048), 2, true],
      ['data1', data1, 2, true],
      ['data1[:2048]+data2[:1536]', cat(data1.subarray(0, 2048), data2.subarray(0, 1536)), 3, true],
      ['data2[:511]', data2.subarray(0, 511), 0, false],
      ['data2[:512]', data2.subarray(0, 512), 1, false],
      ['data2[:1195]', data2.subarray(0, 1195), 1, false],
      ['data2[:1196] (end of data, start of padding)', data2.subarray(0, 1196), 1, true],
      ['data2[:1200]', data2.subarray(0, 1200), 1, true],
      ['data2[:1535]', data2.subarray(0, 1535), 1, true],
      ['data2[:1536] (end of padding)', data2.subarray(0, 1536), 1, true],
      ['data2[:1536]+trash[:1]', cat(data2.subarray(0, 1536), trash.subarray(0, 1)), 1, false],
      ['data2[:1536]+trash[:511]', cat(data2.subarray(0, 1536), trash.subarray(0, 511)), 1, false],
      ['data2[:1536]+trash', cat(data2.subarray(0, 1536), trash), 1, false],
      ['data2[:2048] (one zero block)', data2.subarray(0, 2048), 1, true],
      ['data2[:2048]+trash[:1]', cat(data2.subarray(0, 2048), trash.subarray(0, 1)), 1, false],
      ['data2[:2048]+trash[:511]', cat(data2.subarray(0, 2048), trash.subarray(0, 511)), 1, false],
      ['data2[:2048]+trash', cat(data2.subarray(0, 2048), trash), 1, false],
      ['data2[:2560] (two zero blocks)', data2.subarray(0, 2560), 1, true],
      ['data2[:2560]+trash[:1]', cat(data2.subarray(0, 2560), trash.subarray(0, 1)), 1, true],
      ['data2[:2560]+trash[:511]', cat(data2.subarray(0, 2560), trash.subarray(0, 511)), 1, true],
      ['data2[:2560]+trash', cat(data2.subarray(0, 2560), trash), 1, true],
      ['data2[:3072]', data2.subarray(0, 3072), 1, true],
      ['pax (a PAX header, no entry)', pax, 0, true],
      ['pax+trash[:1]', cat(pax, trash.subarray(0, 1)), 0, false],
      ['pax+trash[:511]', cat(pax, trash.subarray(0, 511)), 0, false],
      ['sparse[:511]', sparse.subarray(0, 511), 0, false],
      ['sparse[:512]', sparse.subarray(0, 512), 0, false],
      ['sparse[:3584]', sparse.subarray(0, 3584), 1, true],
      ['sparse[:9200] (in the padding of a sparse header)', sparse.subarray(0, 9200), 1, true],
      ['sparse[:9216]', sparse.subarray(0, 9216), 1, true],
      ['sparse[:9728]', sparse.subarray(0, 9728), 2, false],
      ['sparse[:10240]', sparse.subarray(0, 10240), 2, true],
      ['sparse[:11264]', sparse.subarray(0, 11264), 2, false],
      ['sparse', sparse, 5, true],
      ['sparse+trash', cat(sparse, trash), 5, true],
    ];
    for (const [name, input, count, clean] of vectors) {
      test(`${name}: ${count} entries, ${clean ? 'complete' : 'an error'}`, async () => {
        const r = await analyzeEveryWay(input);
        expect(r.index.count).toBe(count);
        expect(r.error?.kind).toBe(clean ? undefined : 'tar');
      });
    }
  });
});

/** Lading's view of one entry in GNU tar's terms, for comparing with GNU tar's listing. */
function asGnu(r: LayerAnalysis): Array<Omit<GnuListing, 'perms' | 'kind'> & { kind: string; mode: number }> {
  const kind: Record<number, string> = { 0: '-', 1: 'h', 2: 'l', 3: 'c', 4: 'b', 5: 'd', 6: 'p', 7: '?' };
  return [...layerEntries(r.index)].map((e, i) => ({
    kind: kind[e.type]!,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    ...(e.type === EntryType.CharDevice || e.type === EntryType.BlockDevice ? {} : { size: e.size }),
    mtime: e.mtime,
    name: Buffer.from(stringBytesAt(r.index.strings, r.index.path[i]!)).toString('latin1'),
    ...(e.link !== undefined ? { link: Buffer.from(stringBytesAt(r.index.strings, r.index.link[i]!)).toString('latin1') } : {}),
  }));
}

/** GNU tar's listing in the same terms: permission bits from the ls-style string, names as the index stores them. */
function fromGnu(l: GnuListing): ReturnType<typeof asGnu>[number] {
  const p = l.perms;
  let mode = 0;
  for (let k = 0; k < 9; k++) if (p[k] !== '-' && p[k] !== 'S' && p[k] !== 'T') mode |= 1 << (8 - k);
  if (/[sS]/.test(p[2]!)) mode |= 0o4000;
  if (/[sS]/.test(p[5]!)) mode |= 0o2000;
  if (/[tT]/.test(p[8]!)) mode |= 0o1000;
  const norm = (s: string) => s.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return {
    kind: l.kind === 'C' ? '-' : l.kind,
    mode,
    uid: l.uid,
    gid: l.gid,
    ...(l.size !== undefined ? { size: l.size } : {}),
    mtime: l.mtime,
    name: norm(l.name),
    ...(l.link !== undefined ? { link: l.kind === 'h' ? norm(l.link) : l.link } : {}),
  };
}

/**
 * Where GNU tar and Go disagree on an archive; Lading reads as Go does. Each entry: what GNU tar
 * does differently.
 */
const GNU_DIFFERS: Record<string, string> = {
  'pax-global-records.tar': 'GNU tar applies PAX global records (a global path renames entries); Go and containerd ignore them',
  'hdr-only.tar': 'GNU tar reads content after a directory or fifo with a size; Go reads none',
  'invalid-go17.tar': "GNU tar ignores a pre-Go 1.8 writer's prefix in a GNU header; Go reads it",
  'gnu-incremental.tar': "GNU tar lists a dump directory ('D') as a directory; to Go it is a type of its own",
};

describe.skipIf(missing !== undefined)('GNU tar agrees, where it agrees with Go', () => {
  const goOk = missing ? [] : corpusArchives(goDir).filter((f) => !VECTORS.find((v) => v.file === f)?.error && !f.startsWith('writer') && !GNU_DIFFERS[f]);

  test.each(goOk)('%s: the same entries as `tar --list --verbose`', async (f) => {
    const bytes = corpusFile(join(goDir, f));
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    const ours = asGnu(r).map((e) => ({ ...e, mtime: Math.round(e.mtime * 1e6) }));
    expect(ours).toEqual(gnuList(bytes).map((l) => ({ ...fromGnu(l), mtime: Math.round(l.mtime * 1e6) })));
  });

  test('testtar.tar (Python): the same entries as GNU tar, but for the Solaris X header GNU tar reads and Go does not', async () => {
    const bytes = corpusFile(join(pyDir, 'testtar.tar'));
    const r = await analyzeEveryWay(bytes);
    expect(r.error).toBeUndefined();
    const ours = asGnu(r);
    // Go hands the Solaris extended header ('X') out as an entry of its own and does not apply it;
    // GNU tar reads it as an extended header and takes the next entry's mtime from it.
    const x = ours.findIndex((e) => e.name.endsWith('PaxHeaders.378/misc/regtype-suntar'));
    expect(ours[x]).toMatchObject({ kind: '?', size: 30 });
    const gnu = gnuList(bytes).map(fromGnu);
    const suntar = gnu.findIndex((e) => e.name === 'misc/regtype-suntar');
    ours.splice(x, 1);
    expect({ ...ours[suntar]!, mtime: 0 }).toEqual({ ...gnu[suntar]!, mtime: 0 });
    expect(ours.map((e, i) => (i === suntar ? { ...e, mtime: 0 } : e))).toEqual(gnu.map((e, i) => (i === suntar ? { ...e, mtime: 0 } : e)));
    expect(r.warnings.map((w) => [w.kind, w.count])).toEqual([
      ['unsupported-type', 3], // contiguous '7', GNU sparse 'S', Solaris 'X'
      ['global-header', 3],
    ]);
  });
});

describe.skipIf(missing !== undefined)('content, as GNU tar extracts it and as the test suites say', () => {
  // GNU tar 1.34 cannot extract sparse-formats.tar ("Unexpected EOF"): its contents are checked
  // against reader_test.go's MD5s instead, below and in TestReader's vector.
  const contentArchives = missing ? [] : ['gnu.tar', 'pax.tar', 'xattrs.tar', 'ustar.tar', 'star.tar', 'v7.tar', 'pax-pos-size-file.tar'];

  test.each(contentArchives)("%s: every file's content hashes as GNU tar's extracted file does, in any chunking", async (f) => {
    const bytes = corpusFile(join(goDir, f));
    const extracted = gnuExtractedHashes(bytes);
    const r = await analyzeEveryWay(bytes);
    const names = asGnu(r).map((e) => e.name);
    const whole = await contentHashes(bytes, 'sha256', bytes.length);
    const files = [...layerEntries(r.index)].filter((e) => e.type === EntryType.File);
    expect(files.length).toBeGreaterThan(0);
    for (const e of files) expect(whole[e.index], names[e.index]).toBe(extracted.get(names[e.index]!));
    for (const size of [1, 7, 511, 513]) expect(await contentHashes(bytes, 'sha256', size)).toEqual(whole);
  });

  test('sparse-formats.tar: the four sparse encodings expand to the content reader_test.go hashes, in any chunking', async () => {
    const bytes = corpusFile(join(goDir, 'sparse-formats.tar'));
    const md5 = VECTORS.find((v) => v.file === 'sparse-formats.tar')!.md5;
    for (const size of [1, 7, 511, 512, 513, 4096]) expect(await contentHashes(bytes, 'md5', size), `chunks of ${size}`).toEqual(md5);
  });

  test("testtar.tar: contents as test_tarfile.py's sha256_regtype and sha256_sparse say, and as GNU tar extracts them", async () => {
    const suite = readFileSync(join(pyDir, 'test_tarfile.py'), 'utf8');
    const constant = (name: string) => /"([0-9a-f]{64})"/.exec(suite.slice(suite.indexOf(`${name} = (`)))![1]!;
    const regtype = constant('sha256_regtype');
    const sparse = constant('sha256_sparse');
    const bytes = corpusFile(join(pyDir, 'testtar.tar'));
    const r = await analyzeLayerStream(asAsync([bytes]));
    const hashes = await contentHashes(bytes, 'sha256', 4096);
    for (const size of [1, 511, 513]) expect(await contentHashes(bytes, 'sha256', size), `chunks of ${size}`).toEqual(hashes);
    const files = new Set([...layerEntries(r.index)].filter((e) => e.type === EntryType.File).map((e) => e.index));
    const byName = new Map(asGnu(r).flatMap((e, i) => (files.has(i) ? [[e.name, hashes[i]] as const] : [])));
    for (const name of ['ustar/regtype', 'ustar/conttype', 'gnu/regtype-gnu-uid', 'misc/regtype-old-v7', 'misc/regtype-xstar', 'pax/regtype1'])
      expect(byName.get(name), name).toBe(regtype);
    for (const name of ['ustar/sparse', 'gnu/sparse', 'gnu/sparse-0.0', 'gnu/sparse-0.1', 'gnu/sparse-1.0']) expect(byName.get(name), name).toBe(sparse);
    const extracted = gnuExtractedHashes(bytes);
    let compared = 0;
    for (const [name, hash] of extracted) {
      if (!byName.has(name)) continue; // hard links: GNU tar extracts their target's content, the entry has none
      expect(byName.get(name), name).toBe(hash);
      compared++;
    }
    expect(compared).toBeGreaterThan(25);
  });
});
