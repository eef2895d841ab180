/**
 * The published tar test archives of other implementations (e2e/fixtures/tar-corpus.sh), and GNU
 * tar as an outside oracle for them. The script is cached; the first test file that asks builds
 * the corpus (two Debian packages, about 21 MB, once). Without it (no Debian mirror, no apt),
 * `tarCorpus()` says why, and the tests that need it skip with that message.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, withTempDir } from './helpers';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = join(root, 'e2e/fixtures/tar-corpus.sh');
const dir = join(root, 'e2e/.artifacts/tar-corpus');

export interface TarCorpus {
  /** Go's src/archive/tar/testdata/*.tar (the .bz2 ones unpacked when bzip2 was there). */
  readonly go: string;
  /** Python's Lib/test: testtar.tar. */
  readonly python: string;
}

let cached: TarCorpus | string | undefined;

/** The corpus, built on first use; a string saying why when it cannot be had. */
export function tarCorpus(): TarCorpus | string {
  if (cached !== undefined) return cached;
  try {
    execFileSync('bash', [script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    cached = `the tar corpus could not be built (bash e2e/fixtures/tar-corpus.sh: ${stderr || String(e)})`;
    return cached;
  }
  const corpus = { go: join(dir, 'go'), python: join(dir, 'python') };
  cached = existsSync(join(corpus.go, 'gnu.tar')) && existsSync(join(corpus.python, 'testtar.tar')) ? corpus : `the tar corpus in ${dir} is incomplete`;
  return cached;
}

export function corpusFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function corpusArchives(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.tar'))
    .sort();
}

/** One line of `tar --list --verbose --numeric-owner --full-time --quoting-style=literal`. */
export interface GnuListing {
  readonly kind: string; // '-', 'd', 'l', 'h', 'c', 'b', 'p', 'C', ...
  readonly perms: string; // rwxr-xr-x, with s/S/t/T
  readonly uid: number;
  readonly gid: number;
  /** Size in bytes; undefined for devices (GNU prints major,minor). */
  readonly size?: number;
  /** Seconds since the epoch, with the fraction GNU prints. */
  readonly mtime: number;
  /** Raw name bytes as GNU tar prints them (latin1-decoded into a string of bytes). */
  readonly name: string;
  readonly link?: string;
}

const LINE = /^(\S)(\S{9}) (\d+)\/(\d+) +(\d+|\d+,\d+) (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? (.*)$/;

/** GNU tar's own listing of `bytes` (it warns on stderr about what it skips; that is not a failure here). */
export function gnuList(bytes: Uint8Array): GnuListing[] {
  let out: Buffer;
  try {
    out = execFileSync('tar', ['--list', '--verbose', '--numeric-owner', '--full-time', '--quoting-style=literal', '-f', '-'], {
      input: bytes,
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'ignore'],
      maxBuffer: 1 << 28,
    });
  } catch (e) {
    out = (e as { stdout: Buffer }).stdout;
  }
  const lines = out
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '');
  return lines.map((line) => {
    const m = LINE.exec(line);
    if (!m) throw new Error(`unexpected GNU tar listing line: ${line}`);
    const [, kind, perms, uid, gid, size, date, time, frac, rest] = m as unknown as string[];
    let name = rest as string;
    let link: string | undefined;
    if (kind === 'l' && name.includes(' -> ')) [name, link] = splitOnce(name, ' -> ');
    else if (kind === 'h' && name.includes(' link to ')) [name, link] = splitOnce(name, ' link to ');
    const seconds = Date.parse(`${date}T${time}Z`) / 1000 + (frac ? Number(`0${frac}`) : 0);
    return {
      kind: kind as string,
      perms: perms as string,
      uid: Number(uid),
      gid: Number(gid),
      ...((size as string).includes(',') ? {} : { size: Number(size) }),
      mtime: seconds,
      name,
      ...(link !== undefined ? { link } : {}),
    };
  });
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return [s.slice(0, i), s.slice(i + sep.length)];
}

/** SHA-256 of every regular file GNU tar extracts from `bytes`, by its path in the archive. */
export function gnuExtractedHashes(bytes: Uint8Array): Map<string, string> {
  return withTempDir((tmp) => {
    try {
      run('tar', ['-x', '--no-same-owner', '--no-same-permissions', '-C', tmp, '-f', '-'], { input: bytes });
    } catch {
      // GNU tar says on stderr what it could not do (devices without root, odd entries); what it wrote is compared.
    }
    const hashes = new Map<string, string>();
    // Names are bytes: paths stay Buffers, keys are their latin1 strings (as gnuList gives names).
    const walk = (rel: Buffer): void => {
      const abs = Buffer.concat([Buffer.from(`${tmp}/`), rel]);
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        for (const child of readdirSync(abs, { encoding: 'buffer' })) walk(rel.length === 0 ? child : Buffer.concat([rel, Buffer.from('/'), child]));
      } else if (st.isFile()) {
        hashes.set(rel.toString('latin1'), createHash('sha256').update(readFileSync(abs)).digest('hex'));
      }
    };
    walk(Buffer.alloc(0));
    return hashes;
  });
}
