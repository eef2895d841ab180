/**
 * dive's own test image (`.data/test-docker-image.tar` in wagoodman/dive, built by its
 * `.data/Dockerfile.test-image` on busybox), as layer listings taken from the file lists in
 * dive's export snapshot (cmd/dive/cli/internal/command/export/testdata/snapshots/
 * export_test.snap). dive's tests assert its numbers for this image:
 *   efficiency 0.9844212134184309, sizeBytes 1220598, userSizeBytes 66237,
 *   wastedBytes 32025, wastedUserPercent 0.4834911001404049
 *   (dive/image/docker/image_archive_analysis_test.go), and the inefficient files
 *   /root/saved.txt 12810 ×2, /root/example/somefile1.txt 12810 ×2,
 *   /root/example/somefile3.txt 6405 ×2 (the export snapshot, in that order).
 *
 * Layer 0 is busybox: ~400 applets are hardlinks to /bin/[ (tar size 0, each at its own path
 * once); only a few are listed here. A zero-byte leaf seen in one layer adds 0 to every figure
 * (dive's sums, sizes and list), so leaving the others out changes no number.
 */
import { EntryType } from '../../src/core/layers/layerIndex';
import type { TestEntry } from './testing';

const dir = (path: string, mode = 0o755, uid = 0, gid = 0): TestEntry => ({ path, type: EntryType.Directory, mode, uid, gid });
const file = (path: string, size: number, mode = 0o644): TestEntry => ({ path, type: EntryType.File, size, mode });
const hardlink = (path: string): TestEntry => ({ path, type: EntryType.Hardlink, link: 'bin/[', mode: 0o755 });

export const DIVE_TEST_IMAGE: { command: string; entries: (TestEntry | string)[] }[] = [
  {
    command: '#(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ',
    entries: [
      dir('bin'),
      file('bin/[', 1075464, 0o755),
      ...['bin/[[', 'bin/ash', 'bin/cat', 'bin/cp', 'bin/ls', 'bin/mkdir', 'bin/mv', 'bin/rm', 'bin/sh', 'bin/zcip'].map(hardlink),
      file('bin/getconf', 77880, 0o755),
      dir('dev'),
      dir('etc'),
      file('etc/group', 307, 0o664),
      file('etc/localtime', 127),
      dir('etc/network'),
      dir('etc/network/if-down.d'),
      dir('etc/network/if-post-down.d'),
      dir('etc/network/if-pre-up.d'),
      dir('etc/network/if-up.d'),
      file('etc/passwd', 340),
      file('etc/shadow', 243, 0o600),
      dir('home', 0o755, 65534, 65534),
      dir('root', 0o700),
      dir('tmp', 0o1777),
      dir('usr'),
      dir('usr/sbin', 0o755, 1, 1),
      dir('var'),
      dir('var/spool'),
      dir('var/spool/mail', 0o755, 8, 8),
      dir('var/www'),
    ],
  },
  {
    command: '#(nop) ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt ',
    entries: [file('somefile.txt', 6405, 0o664)],
  },
  {
    command: 'mkdir -p /root/example/really/nested',
    entries: [dir('root', 0o700), dir('root/example'), dir('root/example/really'), dir('root/example/really/nested')],
  },
  { command: 'cp /somefile.txt /root/example/somefile1.txt', entries: [dir('root', 0o700), dir('root/example'), file('root/example/somefile1.txt', 6405)] },
  { command: 'chmod 444 /root/example/somefile1.txt', entries: [dir('root', 0o700), dir('root/example'), file('root/example/somefile1.txt', 6405, 0o444)] },
  { command: 'cp /somefile.txt /root/example/somefile2.txt', entries: [dir('root', 0o700), dir('root/example'), file('root/example/somefile2.txt', 6405)] },
  { command: 'cp /somefile.txt /root/example/somefile3.txt', entries: [dir('root', 0o700), dir('root/example'), file('root/example/somefile3.txt', 6405)] },
  {
    command: 'mv /root/example/somefile3.txt /root/saved.txt',
    entries: [dir('root', 0o700), dir('root/example'), 'w root/example/somefile3.txt', file('root/saved.txt', 6405)],
  },
  { command: 'cp /root/saved.txt /root/.saved.txt', entries: [dir('root', 0o700), file('root/.saved.txt', 6405)] },
  { command: 'rm -rf /root/example/', entries: [dir('root', 0o700), 'w root/example'] },
  {
    command: '#(nop) ADD dir:7ec14b81316baa1a31c38c97686a8f030c98cba2035c968412749e33e0c4427e in /root/.data/ ',
    entries: [dir('root', 0o700), dir('root/.data'), file('root/.data/tag.sh', 917, 0o775), file('root/.data/test.sh', 1270, 0o755)],
  },
  { command: 'cp /root/saved.txt /tmp/saved.again1.txt', entries: [dir('tmp', 0o1777), file('tmp/saved.again1.txt', 6405)] },
  { command: 'cp /root/saved.txt /root/.data/saved.again2.txt', entries: [dir('root', 0o700), dir('root/.data'), file('root/.data/saved.again2.txt', 6405)] },
  { command: 'chmod +x /root/saved.txt', entries: [dir('root', 0o700), file('root/saved.txt', 6405, 0o755)] },
];
