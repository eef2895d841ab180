// The shape of e2e/.artifacts/fixtures/fixtures.json, written by e2e/fixtures/build.sh, and of
// e2e/.artifacts/packages/packages.json, written by e2e/fixtures/packages.sh.
// Tests take every digest, size and media type from that file, never from literals.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir } from './paths';

export interface Descriptor {
  mediaType: string;
  /** `sha256:<hex>` */
  digest: string;
  size: number;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface FixtureLayer extends Descriptor {
  /** From the config's rootfs.diff_ids: sha256 of the uncompressed tar. */
  diffId: string;
  /** created_by of the non-empty history entry that made this layer. */
  createdBy: string;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
  /** Entries in the tar (`tar -t` lines), whiteout entries included. */
  entryCount: number;
}

export interface FixtureHistoryEntry {
  created: string;
  createdBy: string;
  /** true for ENV, CMD, LABEL… entries that made no layer. */
  emptyLayer: boolean;
}

/** The image config's `config` object, with absent fields as empty values. */
export interface FixtureImageConfig {
  env: string[];
  cmd: string[];
  entrypoint: string[];
  workingDir: string;
  user: string;
  /** Keys of ExposedPorts, e.g. `8080/tcp`. */
  exposedPorts: string[];
  /** Keys of Volumes. */
  volumes: string[];
  labels: Record<string, string>;
  stopSignal: string;
}

/** One image manifest (OCI or Docker schema 2) and what its config says. */
export interface FixtureImage extends Descriptor {
  /** From the config (no variant); the index entry's platform may add one. */
  platform: Platform;
  /** The config blob's descriptor. */
  config: Descriptor;
  layers: FixtureLayer[];
  history: FixtureHistoryEntry[];
  created: string;
  author: string | null;
  imageConfig: FixtureImageConfig;
}

export interface FixturePlatformManifest extends Descriptor {
  /** As written in the index (arm64 entries carry variant `v8`); for a single image, from its config. */
  platform: Platform;
  image: FixtureImage;
}

export interface FixtureAttestationLayer extends Descriptor {
  /** `https://spdx.dev/Document`, or `https://slsa.dev/provenance/v0.2` (amd64) / `https://slsa.dev/provenance/v1` (arm64). */
  predicateType: string;
}

/** A BuildKit-style attestation manifest (platform unknown/unknown) inside an index. */
export interface FixtureAttestation extends Descriptor {
  platform: Platform;
  /** The image manifest digest it describes (annotation vnd.docker.reference.digest). */
  refersTo: string;
  config: Descriptor;
  layers: FixtureAttestationLayer[];
}

export interface FixtureSource {
  transport: 'oci' | 'dir';
  /** Relative to the repository root. */
  path: string;
  /** The ref in the OCI layout's index.json; null for dir:. */
  ref: string | null;
  /** skopeo source reference, relative to the repository root, e.g. `oci:e2e/.artifacts/fixtures/layouts/fixture:amd64`. */
  skopeoRef: string;
}

export interface FixtureTag extends Descriptor {
  repository: string;
  tag: string;
  /** `repository:tag`, the key in FixturesFile.tags. */
  reference: string;
  kind: 'image' | 'index';
  compression: 'gzip' | 'zstd' | 'none' | 'mixed';
  source: FixtureSource;
  /** The image manifests: one for kind 'image', one per platform for 'index' (attestations excluded). */
  platforms: FixturePlatformManifest[];
  /** Attestation manifests in an index; empty otherwise. */
  attestations: FixtureAttestation[];
}

export interface WhiteoutFacts {
  /** The amd64 image manifest (lading/fixture:amd64 and :multi's amd64 entry). */
  imageDigest: string;
  /** Index into that image's layers (gzip); the same position in :zstd, :uncompressed and :v2s2. */
  layerIndex: number;
  layerDigest: string;
  diffId: string;
  createdBy: string;
  /** Entry names in the layer tar, in order. */
  tarEntries: string[];
  deletedFiles: { path: string; size: number; whiteoutEntry: string }[];
  /** Directories a lower layer created with files in them; hiddenPaths is everything below. */
  deletedDirectories: { path: string; whiteoutEntry: string; hiddenPaths: string[] }[];
  /** Directories made opaque: lower content hidden, addedPaths put back by this layer. */
  opaqueDirectories: { path: string; whiteoutEntry: string; hiddenPaths: string[]; addedPaths: string[] }[];
  overwrittenFiles: { path: string; oldSize: number; newSize: number; oldSha256: string; newSha256: string }[];
}

export interface DebianPackage {
  name: string;
  version: string;
  arch: string;
  /** sha256 of the .deb */
  sha256: string;
  file: string;
  purl: string;
  /** SPDX expression of the license the package's copyright file declares (the SBOM's licenseDeclared). */
  license?: string;
  /** The package's Maintainer field (the SBOM's supplier, as `Person: …`). */
  supplier?: string;
}

/** A manifest or index pushed from the browse layout under `repository:tag` (with what is below it). */
export interface BrowsePush extends Descriptor {
  repository: string;
  tag: string;
  /** Its ref name in the browse layout's index.json. */
  ref: string;
}

export interface BrowseArtifactDescriptor extends Descriptor {
  artifactType: string;
  annotations?: Record<string, string>;
}

/** fixtures.json `browse`: tags for browsing, a Helm chart, referrers and a cosign-style signature. */
export interface BrowseFixtures {
  /** The OCI layout holding the artifacts, relative to the repository root. */
  layout: string;
  /** What e2e/harness/pushArtifacts.ts pushes from the layout (distribution API). */
  pushes: BrowsePush[];
  /** Version-like tags, unsorted, each the same image as an existing fixture tag (`from`). */
  versions: { repository: string; tags: { tag: string; from: FixtureReference }[] };
  /** A Helm chart as `helm push` stores it. */
  chart: { repository: string; tag: string; digest: string; configMediaType: string; name: string; version: string; layers: Descriptor[] };
  /** Referrers of lading/fixture:amd64, listed by the referrers tag schema (distribution 2.8 has no referrers API). */
  referrers: { subjectReference: FixtureReference; subject: string; tag: string; indexDigest: string; artifacts: BrowseArtifactDescriptor[] };
  /** cosign's `sha256-<hex>.sig` tag for lading/fixture:amd64; the key and certificate are made per build. */
  signature: {
    repository: string;
    tag: string;
    digest: string;
    /** The image manifest digest the payload names. */
    signs: string;
    /** `subject`/`issuer` as `openssl x509 -nameopt sep_comma_plus_space` prints them (self-signed: equal). */
    certificate: { subject: string; issuer: string; email: string; uri: string; oidcIssuer: string };
    rekorLogIndex: number;
  };
}

/** The tags build.sh makes; fixtures.json has exactly these keys in `tags`. */
export const FIXTURE_REFERENCES = [
  'lading/fixture:multi',
  'lading/fixture:amd64',
  'lading/fixture:zstd',
  'lading/fixture:uncompressed',
  'lading/fixture:multimember',
  'lading/fixture:v2s2',
  'lading/fixture:v2s2-list',
  'lading/other:1.0',
] as const;

export type FixtureReference = (typeof FIXTURE_REFERENCES)[number];

export interface FixturesFile {
  schemaVersion: 1;
  /** The build.sh cache key these were built under. */
  cacheKey: string;
  sourceDateEpoch: number;
  /** The fixtures directory, relative to the repository root. */
  dir: string;
  /** Layout directories, relative to the repository root. */
  layouts: { fixture: string; other: string; v2s2: string; v2s2List: string; browse?: string };
  tags: Record<string, FixtureTag>;
  /** References that exist in no registry: a tag of an existing repository, and a repository. */
  missing: {
    tag: { repository: string; tag: string };
    repository: { repository: string; tag: string };
  };
  whiteout: WhiteoutFacts;
  /** The .deb files each image was made from. */
  debianPackages: Record<string, DebianPackage[]>;
  /** Absent in fixtures built before it existed. */
  browse?: BrowseFixtures;
  /** The TOC-first fixtures (e2e/fixtures/toc.sh, its own toc.json), attached by loadFixtures when built. */
  toc?: TocFixtures;
}

/** What a layer's TOC says, as toc.sh wrote it. */
export interface TocLayerFacts {
  /** Index into the image's layers. */
  layer: number;
  format: 'estargz' | 'zstd:chunked';
  /** The layer blob's digest. */
  digest: string;
  /** sha256 of the TOC JSON. */
  tocDigest: string;
  /** Entries the TOC lists (`chunk` entries not counted). */
  tocEntries: number;
}

export interface TocFixtureTag extends FixtureTag {
  tocs: TocLayerFacts[];
}

/** A regular file in a TOC image, its bytes as GNU tar extracts them. */
export interface TocSampleFile {
  layer: number;
  /** Absolute path in the image, `/usr/lib/...`. */
  path: string;
  size: number;
  /** Hex sha256 of the content. */
  sha256: string;
  /** TOC entries of the file: its first piece and each further `chunk`. */
  chunks: number;
}

/** e2e/.artifacts/toc/toc.json: images whose layers carry a TOC (eStargz, zstd:chunked), written from the formats' docs. */
export interface TocFixtures {
  schemaVersion: 1;
  cacheKey: string;
  dir: string;
  /** The OCI layout, relative to the repository root. */
  layout: string;
  /** Largest piece of a file in one gzip member / zstd frame. */
  chunkSize: number;
  /** `lading/toc:estargz`, `lading/toc:zstd-chunked` (six layers each: five Debian packages and a whiteout layer), `lading/toc:lying`. */
  tags: Record<string, TocFixtureTag>;
  estargz: { reference: string; multiChunkFile: TocSampleFile; textFile: TocSampleFile };
  zstdChunked: { reference: string; multiChunkFile: TocSampleFile };
  /** Base-files and hello; hello's TOC (layer 1) lies about these paths (its digest annotation is the lie's own). */
  lying: { reference: string; layer: number; differences: string[] };
}

/** The tags e2e/fixtures/packages.sh makes (issue 13); packages.json has exactly these keys in `tags`. */
export const PACKAGE_FIXTURE_REFERENCES = ['lading/packages:debian', 'lading/packages:distroless', 'lading/packages:rpm', 'lading/packages:apk'] as const;

export type PackageFixtureReference = (typeof PACKAGE_FIXTURE_REFERENCES)[number];

/** What a test reads to compute its expectations for one package fixture image. */
export interface PackageFixtureImage {
  reference: PackageFixtureReference;
  /** The final filesystem, relative to the repository root. */
  rootfs: string;
  /** After layer k (index k): the package-database files, as in the image; the whole filesystem when snapshotsAreWholeFilesystems. */
  snapshots: string[];
  snapshotsAreWholeFilesystems: boolean;
}

/** e2e/.artifacts/packages/packages.json, written by e2e/fixtures/packages.sh. */
export interface PackageFixturesFile {
  schemaVersion: 1;
  cacheKey: string;
  sourceDateEpoch: number;
  /** Relative to the repository root. */
  dir: string;
  /** The OCI layout holding every image (refs debian, distroless, rpm, apk). */
  layout: string;
  /** Described as build.sh describes its tags (the same FixtureTag). */
  tags: Record<string, FixtureTag>;
  images: { debian: PackageFixtureImage; distroless: PackageFixtureImage; rpm: PackageFixtureImage; apk: PackageFixtureImage };
  /** Layer indexes in lading/packages:debian. */
  debian: {
    suite: string;
    compiler: string;
    aptListsLayer: number;
    aptListsDeletedIn: number;
    compilerLayer: number;
    /** A file added in one layer and only chmod'ed in the next (a metadata-only copy). */
    metadataOnlyCopy: { path: string; addedIn: number; chmodIn: number };
  };
  rpm: { dbPath: string; berkeleyDbPath: string };
  npm: { appDir: string };
}

export const packageFixturesFilePath = join(artifactsDir, 'packages', 'packages.json');

export function loadPackageFixtures(path: string = packageFixturesFilePath): PackageFixturesFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as PackageFixturesFile;
  if (parsed.schemaVersion !== 1) throw new Error(`${path}: unexpected schemaVersion ${String(parsed.schemaVersion)}`);
  return parsed;
}

export const fixturesFilePath = join(artifactsDir, 'fixtures', 'fixtures.json');
export const tocFixturesFilePath = join(artifactsDir, 'toc', 'toc.json');

export function loadFixtures(path: string = fixturesFilePath, tocPath: string = tocFixturesFilePath): FixturesFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as FixturesFile;
  if (parsed.schemaVersion !== 1) throw new Error(`${path}: unexpected schemaVersion ${String(parsed.schemaVersion)}`);
  if (existsSync(tocPath)) {
    const toc = JSON.parse(readFileSync(tocPath, 'utf8')) as TocFixtures;
    if (toc.schemaVersion !== 1) throw new Error(`${tocPath}: unexpected schemaVersion ${String(toc.schemaVersion)}`);
    parsed.toc = toc;
  }
  return parsed;
}

/** The tag, or an error naming the ones that exist. */
export function fixtureTag(fixtures: FixturesFile, reference: FixtureReference): FixtureTag {
  const tag = fixtures.tags[reference];
  if (!tag) throw new Error(`fixtures.json has no ${reference} (has: ${Object.keys(fixtures.tags).join(', ')})`);
  return tag;
}

/** Every manifest digest a registry holding `tag` must serve: the tag's, its platforms', its attestations'. */
export function manifestDigests(tag: FixtureTag): string[] {
  return [...new Set([tag.digest, ...tag.platforms.map((p) => p.digest), ...tag.attestations.map((a) => a.digest)])];
}

/** Every blob (configs, layers, attestation layers) of `tag`. */
export function blobDescriptors(tag: FixtureTag): Descriptor[] {
  const all: Descriptor[] = [];
  for (const p of tag.platforms) all.push(p.image.config, ...p.image.layers);
  for (const a of tag.attestations) all.push(a.config, ...a.layers);
  const seen = new Set<string>();
  return all.filter((d) => (seen.has(d.digest) ? false : (seen.add(d.digest), true)));
}
