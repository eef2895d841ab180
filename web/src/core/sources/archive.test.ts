/**
 * Archive sources against real archives made from the e2e fixture layouts with real tools:
 * skopeo's docker-archive (= podman save's default) and oci-archive (single and --all), a
 * Docker 25+ `docker save` (OCI layout + manifest.json, built with GNU tar the way Docker
 * lays it out, also the containerd-store variant that lacks unpulled platforms), a
 * go-containerregistry-style docker-archive with gzip layers, and a multi-image docker-archive.
 * Every digest comes from fixtures.json; every layer is streamed through analyzeLayerStream
 * and must verify. Broken archives must fail with the specific error.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DigestMismatchError, UnsupportedContentError } from '../errors';
import type { Image } from '../image';
import { analyzeLayerStream, entryCount } from '../layers';
import { MediaTypes } from '../mediaTypes';
import {
  ArchiveContentError,
  ArchiveJsonError,
  ArchiveLayoutError,
  ArchiveMissingMemberError,
  ArchiveSelectionError,
  ArchiveTarError,
  blobReader,
  bytesReader,
  DOCKER_LAYER_TAR,
  indexTarArchive,
  openArchiveImage,
  type ArchiveImages,
  type BlobReader,
  type OpenArchiveOptions,
} from './index';
import {
  fixturesFilePath,
  loadFixtures,
  type Descriptor,
  type FixtureImage,
  type FixtureLayer,
  type FixtureTag,
  type FixturesFile,
} from '../../../../e2e/harness/fixtures';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let fixtures: FixturesFile;
let work: string;
const archives: Record<string, string> = {};

function sh(cmd: string, args: string[], cwd?: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
}

function tag(reference: string): FixtureTag {
  const t = fixtures.tags[reference];
  if (!t) throw new Error(`fixtures.json has no ${reference}`);
  return t;
}

function layout(name: 'fixture' | 'other'): string {
  return join(ROOT, fixtures.layouts[name]);
}

const hex = (digest: string): string => digest.slice('sha256:'.length);

async function reader(path: string): Promise<BlobReader> {
  return blobReader((await openAsBlob(path)) as unknown as Blob);
}

async function open(name: string, options: OpenArchiveOptions = {}): Promise<ArchiveImages> {
  const path = archives[name];
  if (!path) throw new Error(`no archive ${name}`);
  return openArchiveImage(await reader(path), options);
}

/** A reader that counts the bytes read() is asked for. */
function counting(inner: BlobReader): BlobReader & { readBytes: number } {
  const r = {
    size: inner.size,
    blob: inner.blob,
    readBytes: 0,
    read(offset: number, length: number, signal?: AbortSignal) {
      r.readBytes += length;
      return inner.read(offset, length, signal);
    },
    stream: (offset: number, length: number, signal?: AbortSignal) => inner.stream(offset, length, signal),
  };
  return r;
}

/** Streams every layer through the layer core: its digest and diff_id must verify. */
async function expectLayersVerify(image: Image, expected: FixtureLayer[]): Promise<void> {
  expect(image.layers.length).toBe(expected.length);
  for (const [i, layer] of image.layers.entries()) {
    const want = expected[i] as FixtureLayer;
    expect(layer.diffId, `layer ${i} diffId`).toBe(want.diffId);
    const r = await analyzeLayerStream(await layer.open(), { expectedDigest: layer.digest, expectedDiffId: layer.diffId as string, totalBytes: layer.size });
    expect(r.error, `layer ${i}`).toBeUndefined();
    expect(r.digest.ok, `layer ${i} digest`).toBe(true);
    expect(r.diffId.ok, `layer ${i} diff_id`).toBe(true);
    expect(r.compressedBytes).toBe(layer.size);
    expect(r.uncompressedBytes).toBe(want.uncompressedSize);
    expect(entryCount(r.index)).toBe(want.entryCount);
  }
}

function expectConfig(image: Image, want: FixtureImage): void {
  expect(image.config.architecture).toBe(want.platform.architecture);
  expect(image.config.os).toBe(want.platform.os);
  const c = image.config.config ?? {};
  expect(c.Env ?? []).toEqual(want.imageConfig.env);
  expect(c.Cmd ?? []).toEqual(want.imageConfig.cmd);
  expect(c.Entrypoint ?? []).toEqual(want.imageConfig.entrypoint);
  expect(c.WorkingDir ?? '').toBe(want.imageConfig.workingDir);
  expect(c.User ?? '').toBe(want.imageConfig.user);
  expect(Object.keys(c.ExposedPorts ?? {})).toEqual(want.imageConfig.exposedPorts);
  expect(c.Labels ?? {}).toEqual(want.imageConfig.labels);
  expect(image.config.history?.length).toBe(want.history.length);
  expect(image.manifest.config.digest).toBe(want.config.digest);
  expect(image.manifest.config.size).toBe(want.config.size);
}

/**
 * An OCI layout directory holding `t`'s blobs, copied as they are (skopeo copy oci: → oci: would
 * recompress uncompressed layers). `skip` leaves blobs out. index.json is the caller's.
 */
function layoutDir(dir: string, t: FixtureTag, skip: string[] = []): void {
  const from = join(layout('fixture'), 'blobs/sha256');
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  writeJson(join(dir, 'oci-layout'), { imageLayoutVersion: '1.0.0' });
  const digests = new Set([t.digest, ...t.attestations.map((a) => a.digest)]);
  for (const p of t.platforms) {
    digests.add(p.digest);
    digests.add(p.image.config.digest);
    for (const l of p.image.layers) digests.add(l.digest);
  }
  for (const a of t.attestations) {
    const manifest = JSON.parse(readFileSync(join(from, hex(a.digest)), 'utf8')) as { config: Descriptor; layers: Descriptor[] };
    for (const d of [manifest.config, ...manifest.layers]) digests.add(d.digest);
  }
  for (const d of digests) if (!skip.includes(d)) cpSync(join(from, hex(d)), join(dir, 'blobs/sha256', hex(d)));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value));
}

beforeAll(() => {
  if (!existsSync(fixturesFilePath)) sh('bash', ['e2e/fixtures/build.sh'], ROOT); // cached; builds once
  fixtures = loadFixtures();
  work = mkdtempSync(join(tmpdir(), 'lading-archives-'));
  const fixture = layout('fixture');
  const at = (name: string): string => (archives[name] = join(work, `${name}.tar`));

  // skopeo's docker-archive: what `podman save` writes by default; layers are `<diffid>.tar` plus `<id>/layer.tar` symlinks.
  sh('skopeo', ['copy', '-q', `oci:${fixture}:amd64`, `docker-archive:${at('docker')}:lading/fixture:amd64`]);
  // OCI layout tars (`skopeo copy … oci-archive:`, `podman save --format oci-archive`).
  sh('skopeo', ['copy', '-q', `oci:${fixture}:amd64`, `oci-archive:${at('oci')}:amd64`]);
  sh('skopeo', ['copy', '-q', `oci:${fixture}:zstd`, `oci-archive:${at('oci-zstd')}:zstd`]);
  sh('skopeo', ['copy', '-q', '--all', `oci:${fixture}:multi`, `oci-archive:${at('oci-multi')}:multi`]);

  // Docker 25+ docker save (classic image store): an OCI layout of uncompressed layers, plus
  // manifest.json and repositories, the layout's index.json carrying containerd's name annotation.
  {
    const dir = join(work, 'docker25');
    const t = tag('lading/fixture:uncompressed');
    const image = t.platforms[0]!.image;
    layoutDir(dir, t);
    writeJson(join(dir, 'index.json'), {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: t.mediaType,
          digest: t.digest,
          size: t.size,
          annotations: { 'io.containerd.image.name': 'docker.io/lading/fixture:uncompressed', 'org.opencontainers.image.ref.name': 'uncompressed' },
        },
      ],
    });
    writeJson(join(dir, 'manifest.json'), [
      {
        Config: `blobs/sha256/${hex(image.config.digest)}`,
        RepoTags: ['lading/fixture:uncompressed'],
        Layers: image.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
        LayerSources: Object.fromEntries(image.layers.map((l) => [l.diffId, { mediaType: l.mediaType, size: l.size, digest: l.digest }])),
      },
    ]);
    writeJson(join(dir, 'repositories'), { 'lading/fixture': { uncompressed: hex(image.config.digest) } });
    // `.` makes every member `./…`, as some tools write them.
    sh('tar', ['--format=pax', '--sort=name', '-C', dir, '-cf', at('docker25'), '.']);
  }

  // docker save with the containerd image store, of a multi-platform image of which only amd64
  // was pulled: the whole index is written, the arm64 manifest is not.
  {
    const dir = join(work, 'containerd');
    const t = tag('lading/fixture:multi');
    const amd64 = t.platforms[0]!.image;
    layoutDir(dir, t, [t.platforms[1]!.digest]);
    writeJson(join(dir, 'index.json'), {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: t.mediaType,
          digest: t.digest,
          size: t.size,
          annotations: { 'io.containerd.image.name': 'docker.io/lading/fixture:multi', 'org.opencontainers.image.ref.name': 'multi' },
        },
      ],
    });
    writeJson(join(dir, 'manifest.json'), [
      {
        Config: `blobs/sha256/${hex(amd64.config.digest)}`,
        RepoTags: ['lading/fixture:multi'],
        Layers: amd64.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
      },
    ]);
    sh('tar', ['--format=pax', '-C', dir, '-cf', at('containerd'), 'blobs', 'index.json', 'manifest.json', 'oci-layout']);
  }

  // index.json that is itself the multi-platform index (no ref names), as BuildKit's oci exporter writes.
  {
    const dir = join(work, 'grouped');
    const t = tag('lading/fixture:multi');
    layoutDir(dir, t);
    cpSync(join(dir, 'blobs/sha256', hex(t.digest)), join(dir, 'index.json'));
    sh('tar', ['-C', dir, '-cf', at('grouped'), 'oci-layout', 'index.json', 'blobs']);
  }

  // go-containerregistry's tarball.Write: gzip layers named by their digest, config `sha256:<hex>`.
  {
    const dir = join(work, 'ggcr');
    mkdirSync(dir);
    const image = tag('lading/fixture:amd64').platforms[0]!.image;
    const blobs = join(fixture, 'blobs/sha256');
    cpSync(join(blobs, hex(image.config.digest)), join(dir, `sha256:${hex(image.config.digest)}`));
    for (const l of image.layers) cpSync(join(blobs, hex(l.digest)), join(dir, `${hex(l.digest)}.tar.gz`));
    writeJson(join(dir, 'manifest.json'), [
      { Config: `sha256:${hex(image.config.digest)}`, RepoTags: ['lading/fixture:gz'], Layers: image.layers.map((l) => `${hex(l.digest)}.tar.gz`) },
    ]);
    sh('tar', ['--format=gnu', '-C', dir, '-cf', at('ggcr'), '.']);
  }

  // Two images in one docker-archive (podman save -m): two skopeo docker-archives merged.
  {
    const dir = join(work, 'two');
    mkdirSync(dir);
    const one = join(work, 'one.tar');
    const other = join(work, 'other.tar');
    sh('skopeo', ['copy', '-q', `oci:${fixture}:amd64`, `docker-archive:${one}:lading/fixture:amd64`]);
    sh('skopeo', ['copy', '-q', `oci:${layout('other')}:1.0`, `docker-archive:${other}:lading/other:1.0`]);
    sh('tar', ['-C', dir, '-xf', one]);
    const first = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as unknown[];
    sh('tar', ['-C', dir, '-xf', other]);
    const second = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as unknown[];
    writeJson(join(dir, 'manifest.json'), [...first, ...second]);
    sh('tar', ['--format=gnu', '-C', dir, '-cf', at('two'), '.']);
  }
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docker-archive (skopeo / podman save)', () => {
  test('one image: synthesized schema 2 manifest, plain-tar layers addressed by their diff_ids', async () => {
    const want = tag('lading/fixture:amd64').platforms[0]!.image;
    const a = await open('docker');
    expect(a.kind).toBe('docker-archive');
    expect(a.tags).toEqual(['docker.io/lading/fixture:amd64']);
    expect(a.entries.map((e) => e.source)).toEqual(['manifest.json[0]']);
    expect(a.platforms.map((p) => [p.platform, p.available])).toEqual([['linux/amd64', true]]);
    expect(a.platform).toBe('linux/amd64');

    const image = a.image;
    expect(image.mediaType).toBe(MediaTypes.dockerManifest);
    expect(image.manifest.mediaType).toBe(MediaTypes.dockerManifest);
    expect(image.manifest.config.mediaType).toBe(MediaTypes.dockerConfig);
    expectConfig(image, want);
    expect(image.layers.map((l) => l.digest)).toEqual(want.layers.map((l) => l.diffId));
    expect(image.layers.map((l) => l.size)).toEqual(want.layers.map((l) => l.uncompressedSize));
    expect(new Set(image.layers.map((l) => l.mediaType))).toEqual(new Set([DOCKER_LAYER_TAR]));
    expect(image.manifest.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    await expectLayersVerify(image, want.layers);
  });

  test('the tag may be given the way docker prints it', async () => {
    for (const t of ['lading/fixture:amd64', 'docker.io/lading/fixture:amd64']) {
      expect((await open('docker', { tag: t })).entry.source).toBe('manifest.json[0]');
    }
  });

  test('two images: tags, selection by tag or platform, shared layer members', async () => {
    const other = tag('lading/other:1.0').platforms[0]!.image;
    const a = await open('two');
    expect(a.kind).toBe('docker-archive');
    expect(a.tags).toEqual(['docker.io/lading/fixture:amd64', 'docker.io/lading/other:1.0']);
    expect(a.entry.tags).toEqual(['docker.io/lading/fixture:amd64']);

    const b = await a.select({ tag: 'lading/other:1.0' });
    expect(b.entry.source).toBe('manifest.json[1]');
    expectConfig(b.image, other);
    await expectLayersVerify(b.image, other.layers);
    // The first layer is the same blob in both images: one member serves both.
    expect(b.image.layers[0]!.digest).toBe(a.image.layers[0]!.digest);

    const err = await a.select({ tag: 'lading/nope:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveSelectionError);
    expect((err as ArchiveSelectionError).available).toEqual(a.tags);
    expect((err as Error).message).toMatch(/no image tagged 'lading\/nope:1'/);
    await expect(a.select({ platform: 'linux/s390x' })).rejects.toThrow(ArchiveSelectionError);
  });

  test("go-containerregistry's gzip layers: the member is hashed, so digests are the registry's", async () => {
    const want = tag('lading/fixture:amd64').platforms[0]!.image;
    const a = await open('ggcr');
    expect(a.kind).toBe('docker-archive');
    expect(a.tags).toEqual(['lading/fixture:gz']);
    expect(a.image.layers.map((l) => l.digest)).toEqual(want.layers.map((l) => l.digest));
    expect(a.image.layers.map((l) => l.size)).toEqual(want.layers.map((l) => l.size));
    expect(new Set(a.image.layers.map((l) => l.mediaType))).toEqual(new Set([MediaTypes.dockerLayer]));
    expectConfig(a.image, want);
    await expectLayersVerify(a.image, want.layers);
  });
});

describe('oci-archive (skopeo copy oci-archive:, podman save --format oci-archive)', () => {
  test('one image: the manifest as stored, gzip layers', async () => {
    const t = tag('lading/fixture:amd64');
    const want = t.platforms[0]!.image;
    const a = await open('oci');
    expect(a.kind).toBe('oci-archive');
    expect(a.tags).toEqual(['amd64']);
    expect(a.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    expect(a.image.digest).toBe(t.digest);
    expect(a.image.mediaType).toBe(MediaTypes.ociManifest);
    expectConfig(a.image, want);
    expect(a.image.layers.map((l) => [l.digest, l.size, l.mediaType])).toEqual(want.layers.map((l) => [l.digest, l.size, l.mediaType]));
    await expectLayersVerify(a.image, want.layers);
    // The bare ref name matches the tag part of a reference.
    expect((await open('oci', { tag: 'lading/fixture:amd64' })).entry.source).toBe('index.json[0]');
  });

  test('zstd layers', async () => {
    const t = tag('lading/fixture:zstd');
    const a = await open('oci-zstd');
    expect(a.image.digest).toBe(t.digest);
    expect(a.image.layers.map((l) => l.digest)).toEqual(t.platforms[0]!.image.layers.map((l) => l.digest));
    await expectLayersVerify(a.image, t.platforms[0]!.image.layers);
  });

  test('multi-platform index: platforms, attestations, each platform verifies', async () => {
    const t = tag('lading/fixture:multi');
    const a = await open('oci-multi');
    expect(a.kind).toBe('oci-archive');
    expect(a.tags).toEqual(['multi']);
    expect(a.entry.descriptor?.digest).toBe(t.digest);
    expect(a.platforms.map((p) => [p.platform, p.descriptor?.digest, p.available])).toEqual([
      ['linux/amd64', t.platforms[0]!.digest, true],
      ['linux/arm64/v8', t.platforms[1]!.digest, true],
    ]);
    expect(a.attestations.map((d) => d.digest)).toEqual(t.attestations.map((d) => d.digest));
    expect(a.platform).toBe('linux/amd64');
    expect(a.image.digest).toBe(t.platforms[0]!.digest);
    await expectLayersVerify(a.image, t.platforms[0]!.image.layers);

    for (const requested of ['linux/arm64/v8', 'linux/arm64']) {
      const arm = await a.select({ platform: requested });
      expect(arm.platform).toBe('linux/arm64/v8');
      expect(arm.image.digest).toBe(t.platforms[1]!.digest);
      expectConfig(arm.image, t.platforms[1]!.image);
      await expectLayersVerify(arm.image, t.platforms[1]!.image.layers);
    }
    const err = await a.select({ platform: 'windows/amd64' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveSelectionError);
    expect((err as ArchiveSelectionError).available).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });

  test('an index.json that is itself the multi-platform index is one image', async () => {
    const t = tag('lading/fixture:multi');
    const a = await open('grouped', { platform: 'linux/arm64' });
    expect(a.entries.map((e) => e.source)).toEqual(['index.json']);
    expect(a.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(a.attestations).toHaveLength(2);
    expect(a.image.digest).toBe(t.platforms[1]!.digest);
  });

  test('opening reads headers and documents only', async () => {
    const path = archives.oci as string;
    const r = counting(await reader(path));
    const a = await openArchiveImage(r);
    const docs = a.image.manifest.config.size + tag('lading/fixture:amd64').size + JSON.stringify(a.image.manifest).length;
    expect(r.readBytes).toBeLessThan(a.archive.members.size * 512 + 512 + docs + 1024);
    expect(r.readBytes).toBeLessThan(r.size / 20);
  });
});

describe('docker save from Docker 25+ (OCI layout + manifest.json)', () => {
  test('classic image store: uncompressed OCI layers, ./ members, RepoTags joined to the index entry', async () => {
    const t = tag('lading/fixture:uncompressed');
    const want = t.platforms[0]!.image;
    const a = await open('docker25');
    expect(a.kind).toBe('docker-oci-archive');
    expect(a.tags).toEqual(['lading/fixture:uncompressed', 'docker.io/lading/fixture:uncompressed', 'uncompressed']);
    expect(a.image.digest).toBe(t.digest);
    expect(a.image.layers.map((l) => [l.digest, l.mediaType])).toEqual(want.layers.map((l) => [l.digest, l.mediaType]));
    expect(a.image.layers.map((l) => l.digest)).toEqual(want.layers.map((l) => l.diffId));
    expectConfig(a.image, want);
    await expectLayersVerify(a.image, want.layers);
    expect((await a.select({ tag: 'lading/fixture:uncompressed' })).image).toBe(a.image);
  });

  test('containerd image store: platforms not pulled are listed as unavailable', async () => {
    const t = tag('lading/fixture:multi');
    const a = await open('containerd');
    expect(a.kind).toBe('docker-oci-archive');
    expect(a.tags).toEqual(['lading/fixture:multi', 'docker.io/lading/fixture:multi', 'multi']);
    expect(a.platforms.map((p) => [p.platform, p.available])).toEqual([
      ['linux/amd64', true],
      ['linux/arm64/v8', false],
    ]);
    expect(a.image.digest).toBe(t.platforms[0]!.digest);
    await expectLayersVerify(a.image, t.platforms[0]!.image.layers);
    const err = await a.select({ platform: 'linux/arm64' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveMissingMemberError);
    expect((err as ArchiveMissingMemberError).member).toBe(`blobs/sha256/${hex(t.platforms[1]!.digest)}`);
    expect((err as Error).message).toMatch(/containerd image store/);
  });
});

describe('broken archives', () => {
  /** Extracts archive `name`, lets `edit` change the tree, and tars it again. */
  function remake(name: string, edit: (dir: string) => void): BlobReader & { path: string } {
    const dir = mkdtempSync(join(work, `${name}-edit-`));
    sh('tar', ['-C', dir, '-xf', archives[name] as string]);
    edit(dir);
    const out = `${dir}.tar`;
    sh('tar', ['--format=gnu', '--sort=name', '-C', dir, '-cf', out, '.']);
    return Object.assign(bytesReader(new Uint8Array(readFileSync(out))), { path: out });
  }

  async function failure(r: BlobReader, options: OpenArchiveOptions = {}): Promise<Error> {
    const e = await openArchiveImage(r, options).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(e instanceof Error)) throw new Error('expected openArchiveImage to fail');
    return e;
  }

  test('random bytes', async () => {
    const random = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    expect(await failure(bytesReader(random))).toBeInstanceOf(ArchiveTarError);
  });

  test('truncated archive', async () => {
    const bytes = new Uint8Array(readFileSync(archives.docker as string));
    const e = await failure(bytesReader(bytes.subarray(0, Math.floor(bytes.length / 2))));
    expect(e).toBeInstanceOf(ArchiveTarError);
    expect(e.message).toMatch(/truncated/);
    expect((e as ArchiveTarError).member).toMatch(/\.tar$/);
  });

  test('docker-archive without manifest.json', async () => {
    const path = join(work, 'no-manifest.tar');
    cpSync(archives.docker as string, path);
    sh('tar', ['--delete', '-f', path, 'manifest.json']);
    const e = await failure(await reader(path));
    expect(e).toBeInstanceOf(ArchiveMissingMemberError);
    expect((e as ArchiveMissingMemberError).member).toBe('manifest.json');
    expect(e.message).toMatch(/before Docker 1\.10/);
  });

  test('manifest.json that is not JSON, or not a docker manifest', async () => {
    const bad = remake('docker', (dir) => writeFileSync(join(dir, 'manifest.json'), '[{"Config": '));
    const e = await failure(bad);
    expect(e).toBeInstanceOf(ArchiveJsonError);
    expect((e as ArchiveJsonError).member).toBe('manifest.json');
    expect(e.message).toMatch(/'manifest.json' is not valid JSON/);

    const wrong = remake('docker', (dir) => writeFileSync(join(dir, 'manifest.json'), '{"Config": "x"}'));
    expect((await failure(wrong)).message).toMatch(/not a docker save manifest: it is not a JSON array/);
  });

  test('docker-archive whose layer or config member is missing', async () => {
    const want = tag('lading/fixture:amd64').platforms[0]!.image;
    const noLayer = remake('docker', (dir) => rmSync(join(dir, `${hex(want.layers[2]!.diffId)}.tar`)));
    const e = await failure(noLayer);
    expect(e).toBeInstanceOf(ArchiveMissingMemberError);
    expect((e as ArchiveMissingMemberError).member).toBe(`${hex(want.layers[2]!.diffId)}.tar`);
    expect((e as ArchiveMissingMemberError).referencedBy).toBe('manifest.json[0]');

    const noConfig = remake('docker', (dir) => rmSync(join(dir, `${hex(want.config.digest)}.json`)));
    const c = await failure(noConfig);
    expect(c).toBeInstanceOf(ArchiveMissingMemberError);
    expect(c.message).toMatch(/config '.*\.json', named by manifest\.json\[0\], is not in the archive/);
  });

  test('docker-archive config that does not match the digest in its name', async () => {
    const want = tag('lading/fixture:amd64').platforms[0]!.image;
    const name = `${hex(want.config.digest)}.json`;
    const bad = remake('docker', (dir) => {
      const text = readFileSync(join(dir, name), 'utf8');
      writeFileSync(join(dir, name), text.replace('"amd64"', '"arm64"'));
    });
    const e = await failure(bad);
    expect(e).toBeInstanceOf(DigestMismatchError);
    expect((e as DigestMismatchError).expected).toBe(want.config.digest);
    expect(e.message).toContain(name);
  });

  test('docker-archive whose config has fewer diff_ids than layers', async () => {
    const bad = remake('docker', (dir) => {
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
      m[0]!.Layers.push(m[0]!.Layers[0]!);
      writeJson(join(dir, 'manifest.json'), m);
    });
    const e = await failure(bad);
    expect(e).toBeInstanceOf(ArchiveContentError);
    expect(e.message).toMatch(/lists 7 layers, but its config .* has 6 diff_ids/);
  });

  test('oci-archive with a missing layer blob, a missing manifest, a tampered config', async () => {
    const t = tag('lading/fixture:amd64');
    const want = t.platforms[0]!.image;
    const layer = `blobs/sha256/${hex(want.layers[1]!.digest)}`;
    const e = await failure(remake('oci', (dir) => rmSync(join(dir, layer))));
    expect(e).toBeInstanceOf(ArchiveMissingMemberError);
    expect((e as ArchiveMissingMemberError).member).toBe(layer);
    expect(e.message).toContain(`blobs/sha256/${hex(t.digest)}`); // the manifest naming it

    const m = await failure(remake('oci', (dir) => rmSync(join(dir, 'blobs/sha256', hex(t.digest)))));
    expect(m).toBeInstanceOf(ArchiveMissingMemberError);
    expect((m as ArchiveMissingMemberError).referencedBy).toBe('index.json');

    const config = join('blobs/sha256', hex(want.config.digest));
    const d = await failure(remake('oci', (dir) => writeFileSync(join(dir, config), readFileSync(join(dir, config), 'utf8').replace('"amd64"', '"arm64"'))));
    expect(d).toBeInstanceOf(DigestMismatchError);
    expect(d.message).toContain(config);
  });

  test('oci-archive without index.json, or with an index.json that is not an index', async () => {
    const e = await failure(remake('oci', (dir) => rmSync(join(dir, 'index.json'))));
    expect(e).toBeInstanceOf(ArchiveMissingMemberError);
    expect((e as ArchiveMissingMemberError).member).toBe('index.json');

    const j = await failure(remake('oci', (dir) => writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2}')));
    expect(j).toBeInstanceOf(ArchiveJsonError);
    expect((j as ArchiveJsonError).member).toBe('index.json');
  });

  test('a tar that is no image archive', async () => {
    const r = remake('docker', (dir) => {
      for (const f of ['manifest.json', 'repositories']) rmSync(join(dir, f));
      execFileSync('sh', ['-c', 'rm -rf */'], { cwd: dir });
    });
    const e = await failure(r);
    expect(e).toBeInstanceOf(ArchiveLayoutError);
    expect(e.message).toMatch(/not an image archive/);
    expect((e as ArchiveLayoutError).sample.length).toBeGreaterThan(0);
  });

  test('an artifact in index.json is not an image', async () => {
    const artifact = remake('oci', (dir) => {
      const config = new TextEncoder().encode('{}');
      const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      writeFileSync(join(dir, 'blobs/sha256', digest(config)), config);
      const manifest = new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          artifactType: 'application/vnd.example+json',
          config: { mediaType: MediaTypes.ociEmpty, digest: `sha256:${digest(config)}`, size: config.length },
          layers: [],
        }),
      );
      writeFileSync(join(dir, 'blobs/sha256', digest(manifest)), manifest);
      writeJson(join(dir, 'index.json'), {
        schemaVersion: 2,
        manifests: [
          {
            mediaType: MediaTypes.ociManifest,
            digest: `sha256:${digest(manifest)}`,
            size: manifest.length,
            annotations: { 'org.opencontainers.image.ref.name': 'sig' },
          },
        ],
      });
    });
    expect(await failure(artifact)).toBeInstanceOf(UnsupportedContentError);
  });

  test('indexing once serves several opens', async () => {
    const r = counting(await reader(archives['oci-multi'] as string));
    const archive = await indexTarArchive(r);
    const before = r.readBytes;
    const a = await openArchiveImage(r, { archive, platform: 'linux/arm64' });
    expect(a.archive).toBe(archive);
    expect(r.readBytes - before).toBeLessThan(16 * 1024);
  });
});
