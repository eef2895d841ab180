/**
 * Alpine: apk-tools' installed database, `/lib/apk/db/installed`.
 *
 * Format (Alpine wiki "Apk spec", "Installed database"; apk-tools src/database.c): one
 * package per block, blocks separated by a blank line, one `X:value` line per field with a
 * one-letter key. Read here: P name, V version, A arch, F a directory (relative to the root,
 * it becomes the current one), R a file in the current directory. Every other key (C, S, I,
 * T, U, L, o, m, t, c, D, p, i, r, k, q, a, M, Z, …) is skipped; an unknown key is not an
 * error, since apk-tools adds keys over time.
 */
import { FormatError, decodeText, lines, rejectNul } from './text';
import type { PackageRecord } from './types';

export function parseApkInstalled(bytes: Uint8Array, source = '/lib/apk/db/installed'): PackageRecord[] {
  const text = decodeText(bytes);
  rejectNul(text, 'installed');
  const out: PackageRecord[] = [];
  let name: string | undefined;
  let version = '';
  let arch: string | undefined;
  let dir = '';
  let files: string[] = [];
  let start = 0;
  const flush = (line: number): void => {
    if (name === undefined) {
      if (files.length > 0 || version) throw new FormatError('corrupt', `line ${start + 1}: a package block without P:`);
      start = line;
      return;
    }
    out.push({ ecosystem: 'apk', name, version, ...(arch ? { arch } : {}), key: `apk:${name}`, source, files });
    name = undefined;
    version = '';
    arch = undefined;
    dir = '';
    files = [];
    start = line;
  };
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!;
    if (l === '') {
      flush(i + 1);
      continue;
    }
    if (l.length < 2 || l[1] !== ':') throw new FormatError('corrupt', `line ${i + 1}: expected "X:value"`);
    const v = l.slice(2);
    switch (l[0]) {
      case 'P':
        if (name !== undefined) throw new FormatError('corrupt', `line ${i + 1}: a second P: in one package block`);
        if (v === '' || /\s/.test(v)) throw new FormatError('corrupt', `line ${i + 1}: bad package name`);
        name = v;
        break;
      case 'V':
        version = v;
        break;
      case 'A':
        arch = v;
        break;
      case 'F':
        dir = v.replace(/^\/+|\/+$/g, '');
        break;
      case 'R':
        if (v === '' || v.includes('/')) throw new FormatError('corrupt', `line ${i + 1}: bad file name in R:`);
        files.push(dir === '' ? `/${v}` : `/${dir}/${v}`);
        break;
    }
  }
  flush(all.length);
  return out;
}
