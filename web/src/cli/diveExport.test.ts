import { describe, expect, it } from 'vitest';
import { stackLayers } from '../core/fs';
import { buildLayer } from '../../test/fs/testing';
import { EntryType } from '../core/layers';
import { diveExport, diveFileList, diveLayerHistory, goFileMode, goJson, tarTypeFlag } from './diveExport';

describe("Go's FileMode and typeflag of a tar entry", () => {
  it("matches archive/tar's header.FileInfo().Mode() (numbers from dive's export snapshot)", () => {
    expect(goFileMode(EntryType.Directory, 0o755)).toBe(2147484141);
    expect(goFileMode(EntryType.Directory, 0o700)).toBe(2147484096);
    expect(goFileMode(EntryType.Directory, 0o1777)).toBe(2148532735); // /tmp: sticky
    expect(goFileMode(EntryType.File, 0o644)).toBe(420);
    expect(goFileMode(EntryType.File, 0o444)).toBe(292);
    expect(goFileMode(EntryType.Hardlink, 0o755)).toBe(493);
    expect(goFileMode(EntryType.Symlink, 0o777)).toBe(2 ** 27 + 0o777);
    expect(goFileMode(EntryType.File, 0o4755)).toBe(2 ** 23 + 0o755); // setuid
    expect(goFileMode(EntryType.File, 0o2755)).toBe(2 ** 22 + 0o755); // setgid
    expect(goFileMode(EntryType.CharDevice, 0o666)).toBe(2 ** 26 + 2 ** 21 + 0o666);
    expect(goFileMode(EntryType.BlockDevice, 0o660)).toBe(2 ** 26 + 0o660);
    expect(goFileMode(EntryType.Fifo, 0o644)).toBe(2 ** 25 + 0o644);
  });

  it('reports the typeflag byte', () => {
    expect(
      [EntryType.File, EntryType.Hardlink, EntryType.Symlink, EntryType.CharDevice, EntryType.BlockDevice, EntryType.Directory, EntryType.Fifo].map(
        tarTypeFlag,
      ),
    ).toEqual([48, 49, 50, 51, 52, 53, 54]);
  });
});

describe("dive's fileList", () => {
  it("equals dive's export snapshot for layer 7 of dive's test image", () => {
    const layer = buildLayer([
      { path: 'root', type: EntryType.Directory, mode: 0o700 },
      'd root/example',
      'w root/example/somefile3.txt',
      { path: 'root/saved.txt', size: 6405 },
    ]);
    expect(diveFileList(layer)).toEqual([
      { fileMode: 0, gid: 0, isDir: false, linkName: '', path: 'root/example/.wh.somefile3.txt', size: 0, typeFlag: 48, uid: 0 },
      { fileMode: 2147484141, gid: 0, isDir: true, linkName: '', path: 'root/example', size: 0, typeFlag: 53, uid: 0 },
      { fileMode: 420, gid: 0, isDir: false, linkName: '', path: 'root/saved.txt', size: 6405, typeFlag: 48, uid: 0 },
      { fileMode: 2147484096, gid: 0, isDir: true, linkName: '', path: 'root', size: 0, typeFlag: 53, uid: 0 },
    ]);
  });

  it('walks children first, siblings in byte order, the root never', () => {
    const layer = buildLayer([
      { path: '', type: EntryType.Directory },
      'd bin',
      'f bin/acpid 3',
      'f bin/[ 10',
      'h bin/[[ => bin/[',
      'f Zeta 1',
      'f bin/Ä 1',
      'f bin/z 1',
    ]);
    expect(diveFileList(layer).map((f) => f.path)).toEqual(['Zeta', 'bin/[', 'bin/[[', 'bin/acpid', 'bin/z', 'bin/Ä', 'bin']);
    const hardlink = diveFileList(layer).find((f) => f.path === 'bin/[[');
    expect(hardlink).toMatchObject({ typeFlag: 49, linkName: 'bin/[', size: 0 });
  });

  it("gives directories without an entry Go's zero FileInfo, and drops .wh..wh.. names", () => {
    const layer = buildLayer(['f usr/share/doc/x 5', 'o var/cache', 'w etc/gone']);
    expect(diveFileList(layer)).toEqual([
      { path: 'etc/.wh.gone', typeFlag: 48, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false },
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // etc
      { path: 'usr/share/doc/x', typeFlag: 48, linkName: '', size: 5, fileMode: 420, uid: 0, gid: 0, isDir: false },
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // usr/share/doc
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // usr/share
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // usr
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // var/cache (the opaque marker's parent)
      { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false }, // var
    ]);
  });

  it('keeps one node per path, with the last entry for it', () => {
    const layer = buildLayer(['f a 1', 'f a 2', { path: 'b', type: EntryType.Symlink, link: '../x', mode: 0o777, uid: 1, gid: 2 }]);
    expect(diveFileList(layer)).toEqual([
      { path: 'a', typeFlag: 48, linkName: '', size: 2, fileMode: 420, uid: 0, gid: 0, isDir: false },
      { path: 'b', typeFlag: 50, linkName: '../x', size: 0, fileMode: 2 ** 27 + 0o777, uid: 1, gid: 2, isDir: false },
    ]);
  });
});

describe("dive's pairing of layers and history", () => {
  const diffIds = ['sha256:a', 'sha256:b', 'sha256:c'];
  it('skips empty layers, trims "/bin/sh -c ", and pairs each layer with its diff_id', () => {
    const history = [
      { created_by: '/bin/sh -c #(nop) ADD file:ce02 in / ' },
      { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      { created_by: '/bin/sh -c mkdir -p /root/example/really/nested' },
      { created_by: 'RUN /bin/sh -c apt-get install x # buildkit' },
    ];
    expect(diveLayerHistory({ history, rootfs: { type: 'layers', diff_ids: diffIds } }, 3).map(({ command, digestId }) => ({ command, digestId }))).toEqual([
      { command: '#(nop) ADD file:ce02 in / ', digestId: 'sha256:a' },
      { command: 'mkdir -p /root/example/really/nested', digestId: 'sha256:b' },
      { command: 'RUN /bin/sh -c apt-get install x # buildkit', digestId: 'sha256:c' },
    ]);
  });

  it('says (missing) when the history runs out', () => {
    const pairs = diveLayerHistory({ history: [{ created_by: 'COPY a /' }], rootfs: { type: 'layers', diff_ids: diffIds } }, 3);
    expect(pairs.map(({ command, digestId }) => ({ command, digestId }))).toEqual([
      { command: 'COPY a /', digestId: 'sha256:a' },
      { command: '(missing)', digestId: '' },
      { command: '(missing)', digestId: '' },
    ]);
    expect(diveLayerHistory({ rootfs: { type: 'layers', diff_ids: diffIds } }, 1)[0]).toEqual({ command: '(missing)', digestId: '' });
  });
});

describe("dive's export document", () => {
  it("has dive's keys in dive's order, the analysis of core/fs, and Go's JSON escaping", () => {
    const layers = [buildLayer(['d etc', 'f etc/issue.net 20', 'f a&b<c> 3']), buildLayer(['d etc', 'w etc/issue.net'])];
    const fs = stackLayers(layers.map((index) => ({ index })));
    const doc = diveExport({
      layers: layers.map((index, k) => ({ index, id: `id${k}` })),
      config: {
        history: [{ created_by: 'COPY . /' }, { created_by: '/bin/sh -c rm /etc/issue.net' }],
        rootfs: { type: 'layers', diff_ids: ['sha256:0', 'sha256:1'] },
      },
      dive: fs.dive(),
    });
    expect(Object.keys(doc)).toEqual(['layer', 'image']);
    expect(Object.keys(doc.layer[0]!)).toEqual(['index', 'id', 'digestId', 'sizeBytes', 'command', 'fileList']);
    expect(Object.keys(doc.layer[0]!.fileList[0]!)).toEqual(['path', 'typeFlag', 'linkName', 'size', 'fileMode', 'uid', 'gid', 'isDir']);
    expect(Object.keys(doc.image)).toEqual(['sizeBytes', 'inefficientBytes', 'efficiencyScore', 'fileReference']);
    expect(doc.image).toEqual({
      sizeBytes: 23,
      inefficientBytes: 20,
      efficiencyScore: 3 / 23,
      fileReference: [{ count: 2, sizeBytes: 20, file: '/etc/issue.net' }],
    });
    expect(doc.layer.map((l) => [l.id, l.digestId, l.sizeBytes, l.command])).toEqual([
      ['id0', 'sha256:0', 23, 'COPY . /'],
      ['id1', 'sha256:1', 0, 'rm /etc/issue.net'],
    ]);
    const json = goJson(doc);
    expect(json).toContain('"path": "a\\u0026b\\u003cc\\u003e"');
    expect(json.startsWith('{\n  "layer": [\n    {\n      "index": 0,')).toBe(true);
    expect(json.endsWith('}')).toBe(true);
    expect(JSON.parse(json)).toEqual(doc);
  });
});
