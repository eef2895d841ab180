/**
 * `lading analyze --json` shrink advice on the real packages fixture (e2e/fixtures/packages.sh:
 * mmdebstrap bookworm leaving the apt lists, tcc + libc6-dev, the lists deleted, a 4 MiB file
 * copied then chmod'ed), as a subprocess on a docker-archive skopeo makes from the fixture layout.
 * Expected values come from packages.json (which layer does what), GNU tar's listing of the
 * layers, and the fixture's final rootfs (sizes by lstat, contents by node:crypto's SHA-256).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, have, repoRoot } from '../../test/cli/tools';

const cli = cliPath;
const artifacts = join(repoRoot, 'e2e/.artifacts/packages');
const TIMEOUT = 180_000;

interface Finding {
  rule: string;
  bytes: number;
  layer: number;
  command: string;
  paths: string[];
  fix: string;
  small: boolean;
}
interface Doc {
  lading: {
    advice: Finding[];
    adviceSmall: Finding[];
    adviceSummary: { totalBytes: number; percent: number; imageBytes: number; minBytes: number; hashed: boolean };
    duplicates: { sizeBytes: number; paths: string[] }[];
  };
}

interface DebianFixture {
  aptListsLayer: number;
  aptListsDeletedIn: number;
  compilerLayer: number;
  metadataOnlyCopy: { path: string; addedIn: number; chmodIn: number };
}

const ready = existsSync(join(artifacts, 'packages.json')) && have('skopeo');
if (!ready && !process.env.CI) console.warn('cli/advice.test.ts skipped: needs the packages fixture (npm run fixtures) and skopeo');

function lading(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** Regular files of a layer blob as GNU tar lists them: path (absolute) → size. */
function tarFiles(blob: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = execFileSync('tar', ['-tvzf', blob], { maxBuffer: 1 << 28 }).toString();
  for (const line of text.split('\n')) {
    const m = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
    if (m) out.set(`/${m[2]!.replace(/^\.\//, '')}`, Number(m[1]));
  }
  return out;
}

describe.skipIf(!ready && !process.env.CI)('lading analyze: shrink advice in --json', () => {
  let dir = '';
  let archive = '';
  let doc: Doc;
  let text = '';
  let fixture: DebianFixture;
  let layerBlobs: string[] = [];
  const rootfs = join(artifacts, 'rootfs/debian');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lading-advice-'));
    archive = join(dir, 'debian.tar');
    execFileSync('skopeo', ['copy', '-q', `oci:${join(artifacts, 'layouts/packages')}:debian`, `docker-archive:${archive}:lading/packages:debian`]);
    const packages = JSON.parse(readFileSync(join(artifacts, 'packages.json'), 'utf8'));
    fixture = findDebian(packages);
    const tag = packages.tags['lading/packages:debian'];
    layerBlobs = tag.platforms[0].image.layers.map((l: { digest: string }) => join(artifacts, 'layouts/packages/blobs/sha256', l.digest.slice(7)));
    const run = await lading(['analyze', archive, '--json', '-']);
    expect(run.code, run.stderr).toBe(0);
    doc = JSON.parse(run.stdout);
    text = (await lading(['analyze', archive])).stdout;
  }, TIMEOUT);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('metadata-only-copy: the chmod-only layer’s file, its bytes once', () => {
    const { path, chmodIn } = fixture.metadataOnlyCopy;
    const x = doc.lading.advice.find((f) => f.rule === 'metadata-only-copy');
    expect(x).toMatchObject({ layer: chmodIn, paths: [path], bytes: lstatSync(join(rootfs, path)).size });
    expect(x!.command).toContain('chmod');
    // Not also counted as deleted-later.
    expect(doc.lading.advice.some((f) => f.rule === 'deleted-later' && f.paths.includes(path))).toBe(false);
  });

  it('deleted-later: the apt lists of the layer that left them, deleted by the later one', () => {
    const lists = [...tarFiles(layerBlobs[fixture.aptListsLayer]!)].filter(([p, size]) => p.startsWith('/var/lib/apt/lists/') && size > 0);
    expect(lists.length).toBeGreaterThan(0);
    const x = doc.lading.advice.find((f) => f.rule === 'deleted-later' && f.layer === fixture.aptListsLayer)!;
    expect(x).toBeDefined();
    for (const [p] of lists) expect(x.paths, p).toContain(p);
    expect(x.bytes).toBeGreaterThanOrEqual(lists.reduce((s, [, size]) => s + size, 0));
    expect(x.paths[0]).toMatch(/^\/var\/lib\/apt\/lists\//); // the largest dead files are the lists
  });

  it('build-toolchain: tcc in the layer that installed it', () => {
    const x = doc.lading.advice.find((f) => f.rule === 'build-toolchain' && f.layer === fixture.compilerLayer)!;
    expect(x).toBeDefined();
    expect(x.paths).toContain('/usr/bin/tcc');
    expect(x.bytes).toBeGreaterThan(lstatSync(join(rootfs, 'usr/bin/tcc')).size);
    expect(x.command).toContain('tcc');
  });

  it('duplicates: every group’s paths hold the same bytes in the final rootfs', () => {
    expect(doc.lading.duplicates.length).toBeGreaterThan(0);
    for (const g of doc.lading.duplicates.slice(0, 20)) {
      expect(g.paths.length).toBeGreaterThanOrEqual(2);
      const digests = new Set(
        g.paths.map((p) =>
          createHash('sha256')
            .update(readFileSync(join(rootfs, p)))
            .digest('hex'),
        ),
      );
      expect(digests.size, g.paths.join(' ')).toBe(1);
      for (const p of g.paths) expect(lstatSync(join(rootfs, p)).size).toBe(g.sizeBytes);
    }
  });

  it('the total is the sum of the findings, largest first, all over the floor; the text shows it', () => {
    const { advice, adviceSummary } = doc.lading;
    expect(adviceSummary.hashed).toBe(true);
    expect(adviceSummary.totalBytes).toBe(advice.reduce((s, f) => s + f.bytes, 0));
    expect(adviceSummary.percent).toBeCloseTo((100 * adviceSummary.totalBytes) / adviceSummary.imageBytes, 9);
    expect(advice.map((f) => f.bytes)).toEqual([...advice.map((f) => f.bytes)].sort((a, b) => b - a));
    for (const f of advice) expect(f.bytes).toBeGreaterThanOrEqual(adviceSummary.minBytes);
    for (const f of doc.lading.adviceSmall) expect(f.bytes).toBeLessThan(adviceSummary.minBytes);
    expect(text).toContain('Shrink advice: could be');
    expect(text).toContain('metadata-only-copy');
  });

  it(
    '--min-bytes 0 lists everything; LADING_CONTENT_HASH=off finds no metadata-only copy',
    async () => {
      const all = JSON.parse((await lading(['analyze', archive, '--json', '-', '--min-bytes', '0'])).stdout) as Doc;
      expect(all.lading.adviceSmall).toEqual([]);
      expect(all.lading.adviceSummary.totalBytes).toBe(doc.lading.adviceSummary.totalBytes + doc.lading.adviceSmall.reduce((s, f) => s + f.bytes, 0));
      const off = JSON.parse((await lading(['analyze', archive, '--json', '-'], { LADING_CONTENT_HASH: 'off' })).stdout) as Doc;
      expect(off.lading.adviceSummary.hashed).toBe(false);
      expect(off.lading.advice.some((f) => f.rule === 'metadata-only-copy')).toBe(false);
      expect(off.lading.duplicates).toEqual([]);
    },
    TIMEOUT,
  );
});

function findDebian(packages: { fixtures?: unknown }): DebianFixture {
  // packages.json keeps the facts of each image beside its tags; find the Debian one wherever it sits.
  const stack: unknown[] = [packages];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v && typeof v === 'object') {
      if ('metadataOnlyCopy' in v && 'aptListsLayer' in v) return v as DebianFixture;
      stack.push(...Object.values(v));
    }
  }
  throw new Error('packages.json has no Debian facts (metadataOnlyCopy)');
}
