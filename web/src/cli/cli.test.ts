/**
 * `lading analyze` end to end, as a subprocess, on the real fixture images (e2e/fixtures/build.sh):
 * a docker-archive and an oci-archive made with skopeo from the fixture layout, and a real
 * registry (Debian's docker-registry on loopback) with the fixtures pushed. Every expected value
 * comes from fixtures.json, from `tar -tvf` of the layers, or from core/fs computed here from the
 * layer blobs; none is a literal.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackLayers, type DiveAnalysis } from '../core/fs';
import { analyzeLayerStream, entryAt, type LayerIndex } from '../core/layers';
import { blobReader, indexTarArchive } from '../core/sources';
import type { DiveFileInfo } from './diveExport';
import { goFloatV } from './goFormat';
import { fixturesFilePath, loadFixtures, type FixturePlatformManifest, type FixturesFile } from '../../../e2e/harness/fixtures';
import { cliPath, have, repoRoot } from '../../test/cli/tools';

const cli = cliPath;
const TIMEOUT = 120_000;

// The e2e tools (README: skopeo, docker-registry…). CI installs them; elsewhere the test says what is missing.
const toolsMissing = ['skopeo', 'tar', '/usr/bin/docker-registry'].filter((t) => !have(t));
const skip = toolsMissing.length > 0 && !process.env.CI;
if (skip) console.warn(`cli.test.ts skipped: missing ${toolsMissing.join(', ')} (apt-get install skopeo docker-registry)`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lading(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: options.cwd ?? repoRoot, env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface ExportJson {
  layer: { index: number; id: string; digestId: string; sizeBytes: number; command: string; fileList: DiveFileInfo[] }[];
  image: { sizeBytes: number; inefficientBytes: number; efficiencyScore: number; fileReference: { count: number; sizeBytes: number; file: string }[] };
  lading: {
    source: Record<string, unknown>;
    image: { digest: string; platform: string; configDigest: string; layerCount: number };
    reclaimableBytes: number;
    userSizeBytes: number;
    wastedUserPercent: number;
    verification: { ok: boolean; failedLayers: number[] };
    layers: {
      digest: string;
      diffId: string;
      mediaType: string;
      compressedSizeBytes: number;
      reclaimableBytes: number;
      verification: { ok: boolean; problems: string[] };
    }[];
  };
}

/** `tar -tvf` of a layer tar, as the facts dive's FileInfo holds. */
interface TarListing {
  path: string;
  typeFlag: number;
  fileMode: number;
  size: number;
  uid: number;
  gid: number;
  linkName: string;
}

const TYPE_CHARS: Record<string, { flag: number; bits: number }> = {
  '-': { flag: 48, bits: 0 },
  h: { flag: 49, bits: 0 },
  l: { flag: 50, bits: 2 ** 27 },
  c: { flag: 51, bits: 2 ** 26 + 2 ** 21 },
  b: { flag: 52, bits: 2 ** 26 },
  d: { flag: 53, bits: 2 ** 31 },
  p: { flag: 54, bits: 2 ** 25 },
};

/** GNU tar's `drwxrwxrwt`-style string as Go's os.FileMode. */
function modeFromString(s: string): { flag: number; fileMode: number } {
  const type = TYPE_CHARS[s[0]!]!;
  let perm = 0;
  for (let i = 0; i < 9; i++) {
    const c = s[1 + i]!;
    if (c !== '-' && c !== 'S' && c !== 'T') perm |= 1 << (8 - i);
  }
  let special = 0;
  if (s[3] === 's' || s[3] === 'S') special += 2 ** 23;
  if (s[6] === 's' || s[6] === 'S') special += 2 ** 22;
  if (s[9] === 't' || s[9] === 'T') special += 2 ** 20;
  return { flag: type.flag, fileMode: type.bits + special + perm };
}

function tarListing(layerTar: string): TarListing[] {
  const text = execFileSync('tar', ['--numeric-owner', '-tvf', layerTar], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const out: TarListing[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^(\S{10}) (\d+)\/(\d+)\s+(\d+) \d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(line);
    if (!m) throw new Error(`unexpected tar -tv line: ${line}`);
    let name = m[5]!;
    let linkName = '';
    const symlink = / -> (.*)$/.exec(name);
    const hardlink = / link to (.*)$/.exec(name);
    if (m[1]![0] === 'l' && symlink) {
      linkName = symlink[1]!;
      name = name.slice(0, symlink.index);
    } else if (m[1]![0] === 'h' && hardlink) {
      linkName = hardlink[1]!;
      name = name.slice(0, hardlink.index);
    }
    if (name.includes('\\')) continue; // tar escaped the name (non-ASCII in the C locale)
    const path = name.replace(/^\.\//, '').replace(/\/$/, '');
    if (path === '.' || path === '') continue;
    const { flag, fileMode } = modeFromString(m[1]!);
    out.push({ path, typeFlag: flag, fileMode, size: Number(m[4]), uid: Number(m[2]), gid: Number(m[3]), linkName });
  }
  return out;
}

async function indexBlob(path: string): Promise<LayerIndex> {
  const blob = await openAsBlob(path);
  const result = await analyzeLayerStream(blob.stream());
  if (result.error) throw new Error(`${path}: ${result.error.message}`);
  return result.index;
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

describe.skipIf(skip)('lading analyze', () => {
  let fixtures: FixturesFile;
  let amd64: FixturePlatformManifest;
  let tmp: string;
  let dockerArchive: string;
  let ociArchive: string;
  /** core/fs's dive analysis of the fixture's amd64 layers, computed here from the layout's blobs. */
  let dive: DiveAnalysis;
  let docker: Run;
  let dockerJson: ExportJson;

  beforeAll(async () => {
    if (!existsSync(fixturesFilePath)) execFileSync('bash', ['e2e/fixtures/build.sh'], { cwd: repoRoot, stdio: 'inherit' });
    fixtures = loadFixtures();
    const tag = fixtures.tags['lading/fixture:amd64']!;
    amd64 = tag.platforms[0]!;
    tmp = mkdtempSync(join(tmpdir(), 'lading-cli-'));
    dockerArchive = join(tmp, 'fixture-docker.tar');
    ociArchive = join(tmp, 'fixture-oci.tar');
    const skopeo = (dest: string): void => {
      execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', tag.source.skopeoRef, dest], { cwd: repoRoot, stdio: 'pipe' });
    };
    skopeo(`docker-archive:${dockerArchive}:lading/fixture:amd64`);
    skopeo(`oci-archive:${ociArchive}:amd64`);

    const indexes = await Promise.all(amd64.image.layers.map((l) => indexBlob(join(repoRoot, fixtures.layouts.fixture, 'blobs/sha256', hex(l.digest)))));
    dive = stackLayers(indexes.map((index) => ({ index }))).dive();

    // cwd without a .dive-ci: dive's default rules.
    docker = await lading(['analyze', dockerArchive, '--json', join(tmp, 'docker.json'), '--ci'], { cwd: tmp });
    dockerJson = JSON.parse(readFileSync(join(tmp, 'docker.json'), 'utf8')) as ExportJson;
  }, TIMEOUT);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('analyzes a docker-archive: exit 0, the summary, and dive CI with the default rules', () => {
    expect(docker.stderr).toBe('');
    expect(docker.code).toBe(0);
    expect(docker.stdout).toContain('Platform:  linux/amd64');
    expect(docker.stdout).toContain(`Image efficiency score: ${Math.trunc(100 * dive.efficiency)} %`);
    expect(docker.stdout).toContain('Count  Wasted Space  File Path');
    for (const f of dive.inefficiencies) expect(docker.stdout).toMatch(new RegExp(`\\n\\s+${f.count}\\s+\\S+ \\S*B  ${f.path}\\n`));
    expect(docker.stdout).toContain('Reclaimable (Lading):');
    expect(docker.stdout).toContain('Verification: all 6 layers match their digests and diff_ids');
    expect(docker.stdout).toContain('  PASS: highestUserWastedPercent\n  SKIP: highestWastedBytes: rule disabled\n  PASS: lowestEfficiency\n');
    expect(docker.stdout).toContain('Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]');
  });

  it("writes dive's export schema: keys, layers, digestIds = diff_ids, ids, commands", () => {
    expect(Object.keys(dockerJson)).toEqual(['layer', 'image', 'lading']);
    expect(Object.keys(dockerJson.image)).toEqual(['sizeBytes', 'inefficientBytes', 'efficiencyScore', 'fileReference']);
    expect(dockerJson.layer).toHaveLength(amd64.image.layers.length);
    dockerJson.layer.forEach((layer, k) => {
      const fixture = amd64.image.layers[k]!;
      expect(Object.keys(layer)).toEqual(['index', 'id', 'digestId', 'sizeBytes', 'command', 'fileList']);
      expect(layer.index).toBe(k);
      expect(layer.digestId).toBe(fixture.diffId);
      // dive's id for a docker-archive: the first path component of the member, skopeo's `<diffid>.tar`.
      expect(layer.id).toBe(`${hex(fixture.diffId)}.tar`);
      expect(layer.command).toBe(fixture.createdBy.replace(/^\/bin\/sh -c /, ''));
      expect(layer.sizeBytes).toBe(dive.layerSizes[k]);
      for (const f of layer.fileList) expect(Object.keys(f)).toEqual(['path', 'typeFlag', 'linkName', 'size', 'fileMode', 'uid', 'gid', 'isDir']);
    });
  });

  it("has dive's image figures, equal to core/fs's dive() on the same layers", () => {
    expect(dockerJson.image).toEqual({
      sizeBytes: dive.sizeBytes,
      inefficientBytes: dive.wastedBytes,
      efficiencyScore: dive.efficiency,
      fileReference: dive.inefficiencies.map((f) => ({ count: f.count, sizeBytes: f.sizeBytes, file: f.path })),
    });
    expect(dockerJson.image.fileReference.length).toBeGreaterThan(0);
    expect(dockerJson.lading.userSizeBytes).toBe(dive.userSizeBytes);
    expect(dockerJson.lading.wastedUserPercent).toBe(dive.wastedUserPercent);
  });

  it('lists every tar entry of every layer with the facts `tar -tvf` shows', () => {
    const layersDir = join(tmp, 'layers');
    mkdirSync(layersDir, { recursive: true });
    execFileSync('tar', ['-xf', dockerArchive, '-C', layersDir, ...amd64.image.layers.map((l) => `${hex(l.diffId)}.tar`)]);
    let compared = 0;
    amd64.image.layers.forEach((fixture, k) => {
      const listing = tarListing(join(layersDir, `${hex(fixture.diffId)}.tar`));
      const byPath = new Map<string, DiveFileInfo>();
      for (const f of dockerJson.layer[k]!.fileList) if (f.path !== '') byPath.set(f.path, f);
      const last = new Map(listing.map((t) => [t.path, t])); // two entries for a path: the later one
      for (const t of last.values()) {
        if (t.path.endsWith('/.wh..wh..opq') || t.path === '.wh..wh..opq') {
          expect(byPath.has(t.path), `${t.path} (opaque markers are never nodes in dive)`).toBe(false);
          continue;
        }
        const f = byPath.get(t.path);
        expect(f, `layer ${k}: ${t.path} in the fileList`).toBeDefined();
        expect({ ...f, isDir: undefined }, `layer ${k}: ${t.path}`).toEqual({ ...t, isDir: undefined });
        expect(f!.isDir).toBe(t.typeFlag === 53);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(250);
  });

  it('names the fixture whiteouts as dive does and walks children first', () => {
    const whiteoutLayer = dockerJson.layer[5]!.fileList;
    expect(whiteoutLayer.map((f) => f.path)).toEqual([
      'etc/.wh.issue.net',
      'etc/issue',
      'etc',
      'root/.wh.example',
      'root',
      'usr/share/doc/hello/README.lading',
      'usr/share/doc/hello',
      'usr/share/doc',
      'usr/share',
      'usr',
    ]);
    const base = dockerJson.layer[0]!.fileList;
    expect(base.find((f) => f.path === 'tmp')).toMatchObject({ typeFlag: 53, fileMode: 2 ** 31 + 2 ** 20 + 0o777, isDir: true });
    expect(base.find((f) => f.path === 'etc/os-release')).toMatchObject({ typeFlag: 50, linkName: '../usr/lib/os-release', fileMode: 2 ** 27 + 0o777 });
    expect(dockerJson.layer[4]!.fileList.find((f) => f.path === 'root/example/README.md')).toMatchObject({
      typeFlag: 49,
      linkName: 'root/example/README.hardlink',
      size: 0,
    });
    // A parent comes after all of its children.
    const order = new Map(base.map((f, i) => [f.path, i]));
    for (const [path, i] of order) {
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : undefined;
      if (parent !== undefined && order.has(parent)) expect(order.get(parent)!).toBeGreaterThan(i);
    }
  });

  it('adds the lading section: source, platform, per-layer verification and sizes', () => {
    const l = dockerJson.lading;
    expect(l.source).toMatchObject({ type: 'archive', archiveKind: 'docker-archive', file: dockerArchive, tags: ['docker.io/lading/fixture:amd64'] });
    expect(l.image).toMatchObject({ platform: 'linux/amd64', configDigest: amd64.image.config.digest, layerCount: 6 });
    expect(l.verification).toEqual({ ok: true, failedLayers: [] });
    l.layers.forEach((layer, k) => {
      expect(layer.diffId).toBe(amd64.image.layers[k]!.diffId);
      expect(layer.digest).toBe(amd64.image.layers[k]!.diffId); // docker-archive layers are stored uncompressed
      expect(layer.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar');
      expect(layer.verification).toMatchObject({ ok: true, problems: [] });
    });
    expect(l.reclaimableBytes).toBe(l.layers.reduce((s, layer) => s + layer.reclaimableBytes, 0));
    expect(l.reclaimableBytes).toBeGreaterThan(0);
  });

  it('analyzes the oci-archive to the same dive figures, with blob digests as ids (--json -)', async () => {
    const run = await lading(['analyze', ociArchive, '--json', '-'], { cwd: tmp });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ExportJson;
    expect(json.image).toEqual(dockerJson.image);
    json.layer.forEach((layer, k) => {
      const ref = dockerJson.layer[k]!;
      expect({ ...layer, id: undefined }).toEqual({ ...ref, id: undefined });
      expect(layer.id).toBe(hex(amd64.image.layers[k]!.digest));
    });
    expect(json.lading.source).toMatchObject({ type: 'archive', archiveKind: 'oci-archive' });
    expect(json.lading.image.digest).toBe(amd64.digest);
    json.lading.layers.forEach((layer, k) => {
      const fixture = amd64.image.layers[k]!;
      expect([layer.digest, layer.mediaType, layer.compressedSizeBytes]).toEqual([fixture.digest, fixture.mediaType, fixture.size]);
    });
  });

  it(
    'fails dive CI with a .dive-ci that asks too much (exit 3)',
    async () => {
      const dir = join(tmp, 'ci-fail');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.9999\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.5\n');
      const run = await lading(['analyze', dockerArchive, '--ci'], { cwd: dir });
      expect(run.code).toBe(3);
      expect(run.stdout).toContain(`  FAIL: lowestEfficiency: image efficiency is too low (efficiency=${goFloatV(dive.efficiency)} < threshold=0.9999)\n`);
      expect(run.stdout).toContain('  PASS: highestWastedBytes\n');
      expect(run.stdout).toContain('Result:FAIL [Total:3] [Passed:2] [Failed:1] [Warn:0] [Skipped:0]');
    },
    TIMEOUT,
  );

  it(
    'skips disabled rules (--ci-config, "disabled" and "off")',
    async () => {
      const file = join(tmp, 'disabled.yml');
      writeFileSync(file, 'rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: off\n  highestUserWastedPercent: "disabled"\n');
      const run = await lading(['analyze', dockerArchive, '--ci-config', file], { cwd: tmp });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        '  SKIP: highestUserWastedPercent: rule disabled\n  SKIP: highestWastedBytes: rule disabled\n  SKIP: lowestEfficiency: rule disabled\n',
      );
      expect(run.stdout).toContain('Result:PASS [Total:3] [Passed:0] [Failed:0] [Warn:0] [Skipped:3]');
    },
    TIMEOUT,
  );

  it(
    'refuses misconfigured rules before reading anything (exit 1)',
    async () => {
      const file = join(tmp, 'bad.yml');
      writeFileSync(file, 'rules:\n  lowestEfficiency: 1.5\n  highestWastedBytes: 20 parsecs\n');
      const run = await lading(['analyze', dockerArchive, '--ci-config', file], { cwd: tmp });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain("  MISCONFIGURED: lowestEfficiency: lowestEfficiency config value is outside allowed range (0-1), given '1.5'");
      expect(run.stderr).toContain("  MISCONFIGURED: highestWastedBytes: invalid config value ('20 parsecs'): unhandled size name: parsecs");
      expect(run.stderr).toContain('CI Misconfigured');
    },
    TIMEOUT,
  );

  it(
    'reports a corrupted layer and goes on with the others (exit 2)',
    async () => {
      const corrupted = join(tmp, 'corrupted.tar');
      copyFileSync(dockerArchive, corrupted);
      // Flip a byte inside the content of a file of layer 4 (the tar stays valid; its digest does not).
      const layer = amd64.image.layers[4]!;
      const archive = await indexTarArchive(blobReader(await openAsBlob(corrupted)));
      const member = archive.members.get(`${hex(layer.diffId)}.tar`)!;
      const index = await indexBlob(join(repoRoot, fixtures.layouts.fixture, 'blobs/sha256', hex(layer.digest)));
      const file = [...Array(index.count).keys()].map((e) => entryAt(index, e)).find((e) => e.size > 100)!;
      const at = member.offset + file.offset + 10;
      const handle = await open(corrupted, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0xff;
      await handle.write(byte, 0, 1, at);
      await handle.close();

      const run = await lading(['analyze', corrupted, '--json', join(tmp, 'corrupted.json')], { cwd: tmp });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`lading: layer 4 (${layer.diffId}): digest mismatch: expected ${layer.diffId}`);
      expect(run.stdout).toContain('Verification: 1 of 6 layers failed');
      const json = JSON.parse(readFileSync(join(tmp, 'corrupted.json'), 'utf8')) as ExportJson;
      expect(json.lading.verification).toEqual({ ok: false, failedLayers: [4] });
      expect(json.layer).toHaveLength(6);
      expect(json.lading.layers[3]!.verification.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'says clearly when a file is not an image archive (exit 1)',
    async () => {
      const junk = join(tmp, 'junk.tar');
      writeFileSync(junk, 'this is not a tar archive\n'.repeat(100));
      const run = await lading(['analyze', junk], { cwd: tmp });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^lading: cannot read the archive .*junk\.tar: /);
      const missing = await lading(['analyze', './nope.tar'], { cwd: tmp });
      expect([missing.code, missing.stderr.trim()]).toEqual([1, 'lading: ./nope.tar: no such file (and not an image reference)']);
      const platform = await lading(['analyze', dockerArchive, '--platform', 'linux/arm64'], { cwd: tmp });
      expect([platform.code, platform.stderr.trim()]).toEqual([
        1,
        "lading: image 'docker.io/lading/fixture:amd64' (manifest.json[0]) has no platform linux/arm64; it has linux/amd64",
      ]);
      const bad = await lading(['analyze', 'Not A Reference'], { cwd: tmp });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^lading: Invalid reference/);
    },
    TIMEOUT,
  );

  describe('from a registry', () => {
    let registry: { host: string; stop(): Promise<void> } | undefined;
    const env = (): NodeJS.ProcessEnv => ({ LADING_INSECURE_REGISTRIES: registry!.host });

    beforeAll(async () => {
      // The e2e harness (outside this TypeScript project, so imported by path).
      const harness = (name: string): Promise<unknown> => import(/* @vite-ignore */ join(repoRoot, 'e2e/harness', `${name}.ts`));
      const { startRegistry } = (await harness('registry')) as { startRegistry(o: { name: string }): Promise<{ host: string; stop(): Promise<void> }> };
      const { pushFixtures } = (await harness('push')) as { pushFixtures(r: unknown, f: unknown, o: { only: string[] }): Promise<void> };
      const { loadFixtures } = (await harness('fixtures')) as { loadFixtures(): unknown };
      registry = await startRegistry({ name: 'cli' });
      await pushFixtures(registry, loadFixtures(), { only: ['lading/fixture:amd64', 'lading/fixture:multi'] });
    }, TIMEOUT);

    afterAll(async () => {
      await registry?.stop();
    });

    it(
      'analyzes host/lading/fixture:amd64 through the in-process proxy',
      async () => {
        const run = await lading(['analyze', `${registry!.host}/lading/fixture:amd64`, '--json', join(tmp, 'registry.json'), '--ci'], { cwd: tmp, env: env() });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Result:PASS');
        const json = JSON.parse(readFileSync(join(tmp, 'registry.json'), 'utf8')) as ExportJson;
        expect(json.image).toEqual(dockerJson.image);
        json.layer.forEach((layer, k) => {
          expect({ ...layer, id: undefined }).toEqual({ ...dockerJson.layer[k], id: undefined });
          expect(layer.id).toBe(hex(amd64.image.layers[k]!.digest));
        });
        expect(json.lading.source).toMatchObject({ type: 'registry', reference: `${registry!.host}/lading/fixture:amd64`, resolvedDigest: amd64.digest });
        expect(json.lading.image).toMatchObject({ digest: amd64.digest, platform: 'linux/amd64' });
        expect(json.lading.verification.ok).toBe(true);
      },
      TIMEOUT,
    );

    it(
      'picks --platform linux/arm64 of the multi-platform :multi',
      async () => {
        const multi = fixtures.tags['lading/fixture:multi']!;
        const arm64 = multi.platforms.find((p) => p.platform.architecture === 'arm64')!;
        const run = await lading(['analyze', `${registry!.host}/lading/fixture:multi`, '--platform', 'linux/arm64', '--json', '-'], { cwd: tmp, env: env() });
        expect(run.code).toBe(0);
        const json = JSON.parse(run.stdout) as ExportJson;
        expect(json.lading.image).toMatchObject({ digest: arm64.digest, platform: 'linux/arm64/v8', layerCount: arm64.image.layers.length });
        expect(json.lading.source).toMatchObject({ resolvedDigest: multi.digest });
        expect(json.layer.map((l) => l.digestId)).toEqual(arm64.image.layers.map((l) => l.diffId));
        expect(run.stderr).toBe(''); // with --json -, stdout holds only the document and there is no summary
      },
      TIMEOUT,
    );

    it(
      'lists the platforms when the one asked for is absent (exit 1)',
      async () => {
        const run = await lading(['analyze', `${registry!.host}/lading/fixture:multi`, '--platform', 'linux/s390x'], { cwd: tmp, env: env() });
        expect(run.code).toBe(1);
        expect(run.stderr.trim()).toBe(`lading: ${registry!.host}/lading/fixture:multi has no platform linux/s390x; it has linux/amd64, linux/arm64/v8`);
      },
      TIMEOUT,
    );

    it(
      'says an unknown tag is not found (exit 1)',
      async () => {
        const { repository, tag } = fixtures.missing.tag;
        const run = await lading(['analyze', `${registry!.host}/${repository}:${tag}`], { cwd: tmp, env: env() });
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).toContain(`lading: Tag not found: The tag "${tag}" does not exist in ${registry!.host}/${repository}.`);
      },
      TIMEOUT,
    );

    it(
      'needs LADING_INSECURE_REGISTRIES for a plain-http registry, as the web app does',
      async () => {
        const run = await lading(['analyze', `${registry!.host}/lading/fixture:amd64`], { cwd: tmp, env: { LADING_INSECURE_REGISTRIES: '' } });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^lading: /);
        expect(run.stdout).toBe('');
      },
      TIMEOUT,
    );
  });
});
