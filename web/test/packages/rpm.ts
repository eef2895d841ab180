/** Builds real rpm packages and an rpmdb.sqlite with Debian's rpm tools, for the rpm tests. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './tools';

export const RPM_DBPATH = '/usr/lib/sysimage/rpm';

export interface RpmSpec {
  name: string;
  version: string;
  epoch?: number;
  /** Relative path → content. */
  files: Record<string, string | Uint8Array>;
}

/** rpmbuild -bb of each spec, then rpm --initdb and rpm -i --justdb into a fresh root. Returns the root. */
export function buildRpmRoot(specs: RpmSpec[]): { root: string; db: Uint8Array; rpm: (...args: string[]) => string } {
  const work = mkdtempSync(join(tmpdir(), 'lading-rpm-'));
  const rpms: string[] = [];
  for (const s of specs) {
    const src = join(work, `src-${s.name}-${s.version}`);
    for (const [p, content] of Object.entries(s.files)) {
      mkdirSync(join(src, p, '..'), { recursive: true });
      writeFileSync(join(src, p), content);
    }
    const spec = join(work, `${s.name}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${s.name}`,
        `Version: ${s.version}`,
        'Release: 1',
        ...(s.epoch !== undefined ? [`Epoch: ${s.epoch}`] : []),
        'Summary: test package',
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        'test package',
        '%install',
        'mkdir -p %{buildroot}',
        `cp -a '${src}/.' %{buildroot}/`,
        '%files',
        ...Object.keys(s.files).map((p) => `"/${p}"`),
        '',
      ].join('\n'),
    );
    sh('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${work}/top`, '--define', 'debug_package %{nil}', '--define', '__os_install_post %{nil}', spec]);
    rpms.push(join(work, 'top/RPMS/noarch', `${s.name}-${s.version}-1.noarch.rpm`));
  }
  const root = join(work, 'root');
  mkdirSync(root);
  const rpm = (...args: string[]): string => sh('rpm', ['--root', root, '--dbpath', RPM_DBPATH, '--define', '_db_backend sqlite', ...args]);
  rpm('--initdb');
  rpm('-i', '--nodeps', '--justdb', ...rpms);
  return { root, db: new Uint8Array(readFileSync(join(root, RPM_DBPATH, 'rpmdb.sqlite'))), rpm };
}
