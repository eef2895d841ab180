/**
 * A real layer: the filesystem tar of Debian's `hello` package (dpkg-deb --fsys-tarfile on
 * the .deb cached in web/test/layers), gzipped like a registry layer. Its dump is a file
 * snapshot, and every line is checked against GNU tar's own `tar -tv` of the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { analyzeEveryWay, gzip, run, sha256 } from '../../../test/layers/helpers';
import { dumpLayerIndex } from './index';

const DEB = fileURLToPath(new URL('../../../test/layers/hello_2.10-3_amd64.deb', import.meta.url));

/** `type+perms owner size date time path [-> target | link to target]` as comparable tuples. */
function fields(line: string): string[] {
  const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
  if (!m) throw new Error(`unparsed listing line: ${line}`);
  const [, perms, owner, size, date, time, rest] = m as unknown as string[];
  const norm = (p: string) => p.replace(/^\.\//, '').replace(/\/$/, '').replace(/^\.$/, '') || '.';
  const link = / (->|link to) /.exec(rest!);
  const path = link ? `${norm(rest!.slice(0, link.index))} ${link[1]} ${rest!.slice(link.index + link[0].length)}` : norm(rest!);
  return [perms!, owner!, size!, `${date} ${time!.slice(0, 8)}`, path];
}

const hasDpkg = !!process.env.CI || spawnSync('dpkg-deb', ['--version']).status === 0;

describe.skipIf(!hasDpkg)('real layer: Debian hello_2.10-3 as a gzip layer', () => {
  test('digests, snapshot, and agreement with tar -tv', async () => {
    const tarBytes = run('dpkg-deb', ['--fsys-tarfile', DEB]);
    const blob = gzip(tarBytes);
    const r = await analyzeEveryWay(blob, { expectedDigest: sha256(blob), expectedDiffId: sha256(tarBytes) });
    expect(r.error).toBeUndefined();
    expect(r.digest.ok).toBe(true);
    expect(r.diffId.ok).toBe(true);
    expect(r.compression).toBe('gzip');

    const dump = dumpLayerIndex(r.index);
    await expect(dump).toMatchFileSnapshot('../../../test/layers/__snapshots__/hello_2.10-3.dump.txt');

    const listing = new TextDecoder()
      .decode(run('tar', ['--numeric-owner', '--full-time', '-tvf', '-'], { input: tarBytes, env: { TZ: 'UTC' } }))
      .split('\n')
      .filter((l) => l !== '');
    const ours = dump.split('\n').filter((l) => l !== '');
    expect(ours.length).toBe(listing.length);
    expect(ours.map(fields)).toEqual(listing.map(fields));
  });
});
