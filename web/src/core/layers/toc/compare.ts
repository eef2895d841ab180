/**
 * Does a layer's TOC tell the truth? Its index (toIndex.ts) against the tar pass's index of the
 * same blob, once that pass is done. The tar is what a runtime without TOC support extracts, so
 * it is the reference; a TOC that disagrees is reported on the layer as a note, never as a
 * failure (the layer's digests are verified by the tar pass regardless).
 *
 * Compared per path (whiteouts and opaque markers apart from plain entries): type, permission
 * bits, owner, size of regular files, link target and mtime. eStargz rounds mtimes to whole
 * seconds (estargz `formatModtime`), so mtimes agree when they are less than a second apart.
 * Offsets are not compared: a TOC has compressed offsets, the tar pass uncompressed ones. When a
 * path occurs more than once, the last occurrence counts, as it does when the tar is extracted.
 */
import { EntryFlag, EntryType, type LayerIndex, linkOf, pathOf } from '../layerIndex';

export interface TocCheck {
  readonly agrees: boolean;
  readonly tocEntries: number;
  readonly tarEntries: number;
  /** Paths that differ in any way (listed in one index only, or with different facts). */
  readonly differences: number;
  /** The first differences, readable (`usr/bin/x: size 10 in the TOC, 12 in the tar`). */
  readonly examples: readonly string[];
}

const MAX_EXAMPLES = 12;

const TYPE_NAME: Record<number, string> = {
  [EntryType.File]: 'file',
  [EntryType.Hardlink]: 'hard link',
  [EntryType.Symlink]: 'symlink',
  [EntryType.CharDevice]: 'character device',
  [EntryType.BlockDevice]: 'block device',
  [EntryType.Directory]: 'directory',
  [EntryType.Fifo]: 'fifo',
  [EntryType.Other]: 'other',
};

function keyOf(index: LayerIndex, i: number): string {
  const flags = index.flags[i] ?? 0;
  const kind = flags & EntryFlag.Opaque ? 'opaque ' : flags & EntryFlag.Whiteout ? 'whiteout ' : '';
  return kind + pathOf(index, i);
}

function lastByKey(index: LayerIndex): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < index.count; i++) map.set(keyOf(index, i), i);
  return map;
}

function display(key: string): string {
  const kind = key.startsWith('opaque ') ? ' (opaque marker)' : key.startsWith('whiteout ') ? ' (whiteout)' : '';
  const path = key.replace(/^(opaque|whiteout) /, '');
  return `/${path}${kind}`;
}

function differs(toc: LayerIndex, t: number, tar: LayerIndex, r: number): string | undefined {
  const out: string[] = [];
  const type = toc.type[t] ?? EntryType.Other;
  if (type !== tar.type[r]) out.push(`a ${TYPE_NAME[type]} in the TOC, a ${TYPE_NAME[tar.type[r] ?? EntryType.Other]} in the tar`);
  const field = (name: string, a: number, b: number, show: (v: number) => string = String): void => {
    if (a !== b) out.push(`${name} ${show(a)} in the TOC, ${show(b)} in the tar`);
  };
  field('mode', toc.mode[t] ?? 0, tar.mode[r] ?? 0, (v) => v.toString(8).padStart(4, '0'));
  field('uid', toc.uid[t] ?? 0, tar.uid[r] ?? 0);
  field('gid', toc.gid[t] ?? 0, tar.gid[r] ?? 0);
  if (type === EntryType.File && tar.type[r] === EntryType.File) field('size', toc.size[t] ?? 0, tar.size[r] ?? 0);
  const link = (index: LayerIndex, i: number): string => linkOf(index, i) ?? '';
  if (link(toc, t) !== link(tar, r)) out.push(`link target '${link(toc, t)}' in the TOC, '${link(tar, r)}' in the tar`);
  const mt = toc.mtime[t] ?? 0;
  const mr = tar.mtime[r] ?? 0;
  if (Math.abs(mt - mr) >= 1) out.push(`mtime ${new Date(mt * 1000).toISOString()} in the TOC, ${new Date(mr * 1000).toISOString()} in the tar`);
  return out.length > 0 ? out.join('; ') : undefined;
}

export function compareTocWithTar(toc: LayerIndex, tar: LayerIndex): TocCheck {
  const inToc = lastByKey(toc);
  const inTar = lastByKey(tar);
  const examples: string[] = [];
  let differences = 0;
  const note = (text: string): void => {
    differences++;
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };
  for (const [key, t] of inToc) {
    const r = inTar.get(key);
    if (r === undefined) {
      note(`${display(key)}: listed in the TOC, not in the tar`);
      continue;
    }
    const d = differs(toc, t, tar, r);
    if (d) note(`${display(key)}: ${d}`);
  }
  for (const key of inTar.keys()) if (!inToc.has(key)) note(`${display(key)}: in the tar, missing from the TOC`);
  return { agrees: differences === 0, tocEntries: toc.count, tarEntries: tar.count, differences, examples };
}
