/**
 * compareTocWithTar on indexes built by hand: what counts as a difference and what does not
 * (eStargz rounds mtimes to the second; offsets are never compared; the last of a repeated path counts).
 */
import { describe, expect, test } from 'vitest';
import { EntryFlag, EntryType, LayerIndexBuilder, type EntryFields, type LayerIndex } from '../layerIndex';
import { compareTocWithTar } from './compare';

const enc = new TextEncoder();
type Spec = Partial<EntryFields> & { path: string; link?: string };

function index(specs: Spec[]): LayerIndex {
  const b = new LayerIndexBuilder();
  for (const s of specs) {
    const link = s.link !== undefined ? b.addString(enc.encode(s.link)) : -1;
    b.add(b.addString(enc.encode(s.path)), link, { type: EntryType.File, flags: 0, mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 1700000000, offset: 0, ...s });
  }
  return b.finish();
}

describe('compareTocWithTar', () => {
  test('the same entries agree, whatever their offsets, with mtimes less than a second apart', () => {
    const tar = index([
      { path: 'a', mtime: 1700000000.6, offset: 512 },
      { path: 'd', type: EntryType.Directory, size: 0 },
    ]);
    const toc = index([
      { path: 'a', mtime: 1700000001, offset: -1 },
      { path: 'd', type: EntryType.Directory, size: 0 },
    ]);
    expect(compareTocWithTar(toc, tar)).toEqual({ agrees: true, tocEntries: 2, tarEntries: 2, differences: 0, examples: [] });
  });

  test('each kind of difference is named', () => {
    const tar = index([
      { path: 'a', size: 10 },
      { path: 'l', type: EntryType.Symlink, size: 0, link: 'a' },
      { path: 'x', flags: EntryFlag.Whiteout, size: 0 },
      { path: 'only-tar' },
      { path: 'm', mtime: 1700000000 },
      { path: 'o', uid: 1 },
    ]);
    const toc = index([
      { path: 'a', size: 11, mode: 0o4755 },
      { path: 'l', type: EntryType.Symlink, size: 0, link: 'b' },
      { path: 'x', size: 0 }, // a plain file where the tar has a whiteout
      { path: 'only-toc' },
      { path: 'm', mtime: 1700000002 },
      { path: 'o', uid: 2, type: EntryType.Directory },
    ]);
    const c = compareTocWithTar(toc, tar);
    expect(c.agrees).toBe(false);
    expect(c.differences).toBe(8);
    expect(c.examples).toEqual([
      '/a: mode 4755 in the TOC, 0644 in the tar; size 11 in the TOC, 10 in the tar',
      "/l: link target 'b' in the TOC, 'a' in the tar",
      '/x: listed in the TOC, not in the tar',
      '/only-toc: listed in the TOC, not in the tar',
      '/m: mtime 2023-11-14T22:13:22.000Z in the TOC, 2023-11-14T22:13:20.000Z in the tar',
      '/o: a directory in the TOC, a file in the tar; uid 2 in the TOC, 1 in the tar',
      '/x (whiteout): in the tar, missing from the TOC',
      '/only-tar: in the tar, missing from the TOC',
    ]);
  });

  test('a repeated path is compared by its last occurrence', () => {
    const tar = index([
      { path: 'a', size: 1 },
      { path: 'a', size: 2 },
    ]);
    expect(compareTocWithTar(index([{ path: 'a', size: 2 }]), tar).agrees).toBe(true);
    expect(compareTocWithTar(index([{ path: 'a', size: 1 }]), tar).agrees).toBe(false);
  });
});
