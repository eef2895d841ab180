/**
 * Image archives as an image source: a `docker save` / `podman save` / `skopeo copy` tarball,
 * read in place through a BlobReader and turned into the same `Image` and `Layer` objects the
 * registry source yields. Only the outer tar's headers and the small JSON documents are read
 * up front; every `Layer.open()` streams its member's byte range when asked.
 *
 * Layouts (told apart by their members, see `detectArchiveKind`):
 * - `oci-archive`: an OCI image layout in a tar (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`),
 *   as `skopeo copy … oci-archive:` and `podman save --format oci-archive` write it.
 * - `docker-oci-archive`: Docker 25+ `docker save`: the same OCI layout plus Docker's
 *   `manifest.json` (and `repositories`). Read through `index.json`; `manifest.json` only adds
 *   its RepoTags.
 * - `docker-archive`: `docker save` before Docker 25, `podman save` (its default format) and
 *   `skopeo copy … docker-archive:`: `manifest.json` = `[{Config, RepoTags, Layers}]`, the config
 *   and the layer tars as members named by the writer (`<id>/layer.tar`, or skopeo's
 *   `<diffid>.tar` with `<id>/layer.tar` symlinks to it).
 *
 * Everything the layout addresses by digest is verified: OCI manifests, indexes and configs,
 * and docker-archive configs whose member name is their digest (`<hex>.json`,
 * `blobs/sha256/<hex>`). Layers are verified by whoever reads them (`analyzeLayerStream`).
 *
 * docker-archive has no manifest, so one is synthesized (Docker schema 2) from manifest.json and
 * the config; its digest is the sha256 of that synthesized JSON, which no registry has seen.
 * Layer digests there (the digest of the STORED member bytes):
 * - a member that is a plain tar (what `docker save`, podman and skopeo write): its stored bytes
 *   are the uncompressed tar, so its digest is its diff_id, taken from the config's
 *   `rootfs.diff_ids` without reading the layer. Media type
 *   `application/vnd.docker.image.rootfs.diff.tar`. The reader of the layer verifies it like any
 *   other digest, so a member that does not match its diff_id is caught there.
 * - a gzip or zstd member (go-containerregistry's `tarball.Write`, hand-made archives; told by its
 *   magic bytes, the first few bytes being the only part read up front): nothing in the archive
 *   states its digest, so the member is hashed once when the image is opened. That reads the
 *   whole layer, once, and only for such archives.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { DigestMismatchError, UnsupportedContentError } from '../errors';
import type { Image, Layer } from '../image';
import { createHasher, parseDigest } from '../layers/hash';
import { sniffCompression } from '../layers/sniff';
import { classifyManifest, MediaTypes } from '../mediaTypes';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../oci';
import { choosePlatform, formatPlatform, indexEntries, isAttestationManifest, type PlatformEntry } from '../platform';
import { formatReference, tryParseReference } from '../reference';
import type { BlobReader } from './blobReader';
import { ArchiveContentError, ArchiveJsonError, ArchiveLayoutError, ArchiveMissingMemberError, ArchiveSelectionError } from './errors';
import { indexTarArchive, normalizeMemberPath, resolveMember, type TarArchiveIndex, type TarMember } from './tarArchive';

export type ArchiveKind = 'docker-archive' | 'oci-archive' | 'docker-oci-archive';

/** Manifests and configs are small; a larger member in their place is refused, not buffered. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Docker's uncompressed layer media type (docker-archive members are plain tars). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const DOCKER_LAYER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

export interface ArchivePlatform {
  /** `linux/amd64`, `linux/arm64/v8`. */
  readonly platform: string;
  /** The image manifest's descriptor. Absent for docker-archive images, whose manifest is synthesized when opened. */
  readonly descriptor?: Descriptor;
  /**
   * False when the archive lists the platform but does not hold its manifest: `docker save` with
   * the containerd image store writes the whole index but only the platforms that were pulled.
   */
  readonly available: boolean;
}

/** One image (or multi-platform index) in the archive. */
export interface ArchiveEntry {
  /** Where it is listed: `manifest.json[0]`, `index.json[2]`, or `index.json` when index.json itself is the multi-platform index. */
  readonly source: string;
  /** Names for it: manifest.json RepoTags, `io.containerd.image.name`, `org.opencontainers.image.ref.name` (often a bare tag). */
  readonly tags: readonly string[];
  /** OCI: index.json's descriptor of the manifest or index. Absent for docker-archive entries and a grouped index.json. */
  readonly descriptor?: Descriptor;
}

export interface SelectOptions {
  /**
   * Which image: a RepoTag or reference (`lading/fixture:amd64`, normalised as docker does, so
   * `docker.io/library/x:latest` = `x`), a bare OCI ref name (`amd64`), or a manifest digest.
   * Default: the first entry (the first one that has `platform`, when that is given).
   */
  tag?: string;
  /** `os/arch[/variant]`; default: linux/amd64 when present, else the first available platform. */
  platform?: string;
  signal?: AbortSignal;
}

export interface OpenArchiveOptions extends SelectOptions {
  /** A previous `indexTarArchive` result for this reader, to skip the header scan. */
  archive?: TarArchiveIndex;
}

export interface ArchiveImages {
  readonly kind: ArchiveKind;
  /** The outer tar's members. */
  readonly archive: TarArchiveIndex;
  /** Every image in the archive, in archive order. */
  readonly entries: readonly ArchiveEntry[];
  /** Every tag found, de-duplicated, in archive order. */
  readonly tags: readonly string[];
  /** The entry that was chosen. */
  readonly entry: ArchiveEntry;
  /** The chosen entry's platforms (one for a single image), attestation manifests excluded. */
  readonly platforms: readonly ArchivePlatform[];
  /** BuildKit attestation manifests of the chosen entry's index. */
  readonly attestations: readonly Descriptor[];
  /** The chosen platform. */
  readonly platform: string;
  readonly image: Image;
  /** Another image or platform of the same archive, without scanning it again. */
  select(options: SelectOptions): Promise<ArchiveImages>;
}

/**
 * Opens the image archive `reader` holds: scans the tar headers, detects the layout, and loads
 * the chosen image (manifest, config, layer descriptors; layers stay unread).
 * Throws ArchiveTarError, ArchiveLayoutError, ArchiveMissingMemberError, ArchiveJsonError,
 * ArchiveContentError, ArchiveSelectionError, DigestMismatchError or UnsupportedContentError.
 */
export async function openArchiveImage(reader: BlobReader, options: OpenArchiveOptions = {}): Promise<ArchiveImages> {
  const archive = options.archive ?? (await indexTarArchive(reader, options.signal ? { signal: options.signal } : {}));
  const kind = detectArchiveKind(archive);
  const source = kind === 'docker-archive' ? new DockerArchive(reader, archive) : new OciArchive(reader, archive, kind);
  return source.select(options);
}

/**
 * Which layout the members make:
 * `index.json` with `oci-layout` or `blobs/` is OCI (`docker-oci-archive` when Docker's
 * `manifest.json` is there too); else `manifest.json` is docker-archive. A tar with
 * `repositories` or `<id>/layer.tar` but no manifest.json is a docker save from before
 * Docker 1.10, and `oci-layout` without `index.json` is a broken OCI layout: both are
 * ArchiveMissingMemberError. Anything else is ArchiveLayoutError.
 */
export function detectArchiveKind(archive: TarArchiveIndex): ArchiveKind {
  const has = (path: string): boolean => archive.members.has(path);
  let hasBlobs = false;
  let hasLayerTar = false;
  for (const path of archive.members.keys()) {
    if (path === 'blobs' || path.startsWith('blobs/')) hasBlobs = true;
    if (/^[^/]+\/layer\.tar$/.test(path)) hasLayerTar = true;
  }
  if (has('index.json') && (has('oci-layout') || hasBlobs)) return has('manifest.json') ? 'docker-oci-archive' : 'oci-archive';
  if (has('manifest.json')) return 'docker-archive';
  if (has('oci-layout')) {
    throw new ArchiveMissingMemberError(
      'the archive has an oci-layout file but no index.json: it is not a complete OCI image layout',
      'index.json',
      'oci-layout',
    );
  }
  if (has('repositories') || hasLayerTar) {
    throw new ArchiveMissingMemberError(
      'the archive has no manifest.json: it looks like a docker save from before Docker 1.10, which Lading does not read (save it again with a newer docker, podman or skopeo)',
      'manifest.json',
    );
  }
  const sample = [...archive.members.keys()].slice(0, 5);
  throw new ArchiveLayoutError(
    sample.length === 0
      ? 'the archive is empty: it holds no members'
      : `not an image archive: no manifest.json (docker save) and no index.json + oci-layout (OCI layout); it holds ${sample.map((s) => `'${s}'`).join(', ')}${archive.members.size > sample.length ? ', …' : ''}`,
    sample,
  );
}

// ---------------------------------------------------------------------------------------------

interface Loaded {
  platforms: ArchivePlatform[];
  attestations: Descriptor[];
}

/** What both layouts share: reading verified documents out of the archive, and selection. */
abstract class ArchiveSource {
  abstract readonly kind: ArchiveKind;
  private entryList: Promise<ArchiveEntry[]> | undefined;
  private readonly platformCache = new Map<ArchiveEntry, Promise<Loaded>>();
  private readonly imageCache = new Map<string, Promise<Image>>();
  private readonly blobCache = new Map<string, Promise<{ bytes: Uint8Array; path: string }>>();

  constructor(
    readonly reader: BlobReader,
    readonly archive: TarArchiveIndex,
  ) {}

  protected abstract listEntries(signal?: AbortSignal): Promise<ArchiveEntry[]>;
  protected abstract loadPlatforms(entry: ArchiveEntry, signal?: AbortSignal): Promise<Loaded>;
  protected abstract loadImage(entry: ArchiveEntry, platform: ArchivePlatform, signal?: AbortSignal): Promise<Image>;

  entries(signal?: AbortSignal): Promise<ArchiveEntry[]> {
    if (!this.entryList) {
      const p = this.listEntries(signal);
      this.entryList = p;
      p.catch(() => {
        if (this.entryList === p) this.entryList = undefined; // an abort or a read error is not remembered
      });
    }
    return this.entryList;
  }

  platformsOf(entry: ArchiveEntry, signal?: AbortSignal): Promise<Loaded> {
    let p = this.platformCache.get(entry);
    if (!p) {
      p = this.loadPlatforms(entry, signal);
      this.platformCache.set(entry, p);
      p.catch(() => this.platformCache.delete(entry));
    }
    return p;
  }

  imageOf(entry: ArchiveEntry, platform: ArchivePlatform, signal?: AbortSignal): Promise<Image> {
    const key = `${entry.source}\n${platform.platform}\n${platform.descriptor?.digest ?? ''}`;
    let p = this.imageCache.get(key);
    if (!p) {
      p = this.loadImage(entry, platform, signal);
      this.imageCache.set(key, p);
      p.catch(() => this.imageCache.delete(key));
    }
    return p;
  }

  async select(options: SelectOptions): Promise<ArchiveImages> {
    const { signal } = options;
    const entries = await this.entries(signal);
    const tags = unique(entries.flatMap((e) => e.tags));
    if (entries.length === 0) {
      throw new ArchiveContentError(
        `${this.kind === 'docker-archive' ? 'manifest.json' : 'index.json'} lists no images`,
        this.kind === 'docker-archive' ? 'manifest.json' : 'index.json',
      );
    }
    const candidates = options.tag === undefined ? entries : matchTag(entries, options.tag);
    if (candidates.length === 0) {
      throw new ArchiveSelectionError(
        `the archive has no image tagged '${options.tag}'; it has ${tags.length > 0 ? tags.map((t) => `'${t}'`).join(', ') : 'no tags'}`,
        'tag',
        options.tag ?? '',
        tags,
      );
    }

    let entry = candidates[0] as ArchiveEntry;
    let loaded = await this.platformsOf(entry, signal);
    let platform: ArchivePlatform | undefined;
    if (options.platform !== undefined) {
      platform = findPlatform(loaded.platforms, options.platform);
      // The first of the candidates (all entries, without a tag) that has the platform.
      for (const other of candidates.slice(1)) {
        if (platform) break;
        const otherLoaded = await this.platformsOf(other, signal);
        const found = findPlatform(otherLoaded.platforms, options.platform);
        if (found) {
          entry = other;
          loaded = otherLoaded;
          platform = found;
        }
      }
      if (!platform) {
        const available = loaded.platforms.map((p) => p.platform);
        throw new ArchiveSelectionError(
          `${describeEntry(entry)} has no platform ${options.platform}; it has ${available.join(', ') || 'none'}`,
          'platform',
          options.platform,
          available,
        );
      }
    } else {
      // choosePlatform's default (linux/amd64, else the first), over the platforms the archive holds.
      const available = loaded.platforms
        .filter((p) => p.available)
        .map((p) => ({ platform: p.platform, descriptor: p.descriptor ?? NO_DESCRIPTOR, source: p }));
      const chosen = choosePlatform(available);
      platform = available.find((p) => p === chosen)?.source ?? loaded.platforms[0];
    }
    if (!platform) throw new ArchiveContentError(`${describeEntry(entry)} lists no platforms`, entry.source);
    if (!platform.available) throw this.unavailable(entry, platform);

    const image = await this.imageOf(entry, platform, signal);
    return {
      kind: this.kind,
      archive: this.archive,
      entries,
      tags,
      entry,
      platforms: loaded.platforms,
      attestations: loaded.attestations,
      platform: platform.platform,
      image,
      select: (next) => this.select(next),
    };
  }

  private unavailable(entry: ArchiveEntry, platform: ArchivePlatform): ArchiveMissingMemberError {
    const digest = platform.descriptor?.digest ?? '';
    return new ArchiveMissingMemberError(
      `${describeEntry(entry)} lists platform ${platform.platform} (${digest}), but the archive does not hold its manifest; ` +
        'docker save with the containerd image store writes only the platforms that were pulled',
      blobPath(digest) ?? digest,
      entry.source,
    );
  }

  // --- reading members ---------------------------------------------------------------------

  /** The file member at `path` (links followed), or ArchiveMissingMemberError. */
  member(path: string, referencedBy: string | undefined, what: string): TarMember {
    const member = resolveMember(this.archive, path);
    if (!member) throw this.missing(path, referencedBy, what);
    return member;
  }

  missing(path: string, referencedBy: string | undefined, what: string): ArchiveMissingMemberError {
    const present = this.archive.members.get(normalizeMemberPath(path));
    const why = present
      ? ` (it is a ${present.type}${present.linkTarget !== undefined ? ` to '${present.linkTarget}', which is not in the archive` : ''})`
      : '';
    return new ArchiveMissingMemberError(
      `${what} '${path}'${referencedBy !== undefined ? `, named by ${referencedBy},` : ''} is not in the archive${why}`,
      normalizeMemberPath(path),
      referencedBy,
    );
  }

  async readDocument(member: TarMember, signal?: AbortSignal): Promise<Uint8Array> {
    if (member.size > MAX_DOCUMENT_BYTES) {
      throw new ArchiveContentError(`'${member.path}' is ${member.size} bytes, too large for a manifest or config (limit ${MAX_DOCUMENT_BYTES})`, member.path);
    }
    return this.reader.read(member.offset, member.size, signal);
  }

  async readJson(
    path: string,
    referencedBy: string | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; value: unknown; member: TarMember }> {
    const member = this.member(path, referencedBy, what);
    const bytes = await this.readDocument(member, signal);
    return { bytes, value: parseJson(bytes, member.path), member };
  }

  /** A blob of the OCI layout, checked against its descriptor's size and digest; read once. */
  readBlob(
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    referencedBy: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; path: string }> {
    const key = `${descriptor.digest} ${descriptor.size}`;
    let p = this.blobCache.get(key);
    if (!p) {
      p = this.readBlobUncached(descriptor, referencedBy, what, signal);
      this.blobCache.set(key, p);
      p.catch(() => this.blobCache.delete(key));
    }
    return p;
  }

  private async readBlobUncached(
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    referencedBy: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; path: string }> {
    const path = blobPath(descriptor.digest);
    if (path === undefined) {
      throw new ArchiveContentError(`${referencedBy} names ${what} by '${descriptor.digest}', which is not a sha256 or sha512 digest`, referencedBy);
    }
    const member = this.member(path, referencedBy, what);
    if (member.size !== descriptor.size) {
      throw new ArchiveContentError(`${what} '${path}' is ${member.size} bytes, but ${referencedBy} says ${descriptor.size}`, path);
    }
    const bytes = await this.readDocument(member, signal);
    verifyDigest(bytes, descriptor.digest, `${what} '${path}'`);
    return { bytes, path };
  }

  /** A Layer reading `member` lazily. */
  layer(descriptor: Descriptor, member: TarMember | undefined, diffId: string | undefined, missing: () => Error): Layer {
    const reader = this.reader;
    return {
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
      ...(diffId !== undefined ? { diffId } : {}),
      ...(descriptor.urls !== undefined ? { urls: descriptor.urls } : {}),
      ...(member ? { byteRange: { offset: member.offset, length: member.size } } : {}),
      async open(signal?: AbortSignal) {
        signal?.throwIfAborted();
        if (!member) throw missing();
        return reader.stream(member.offset, member.size, signal);
      },
    };
  }
}

/** choosePlatform wants a descriptor; docker-archive platforms have none until opened. */
const NO_DESCRIPTOR: Descriptor = { mediaType: '', digest: '', size: 0 };

// --- OCI layouts -------------------------------------------------------------------------------

interface DockerManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

class OciArchive extends ArchiveSource {
  private index: ImageIndex | undefined;

  constructor(
    reader: BlobReader,
    archive: TarArchiveIndex,
    readonly kind: 'oci-archive' | 'docker-oci-archive',
  ) {
    super(reader, archive);
  }

  protected async listEntries(signal?: AbortSignal): Promise<ArchiveEntry[]> {
    if (this.archive.members.has('oci-layout')) {
      const layout = await this.readJson('oci-layout', undefined, 'the layout file', signal);
      if (!isRecord(layout.value) || typeof layout.value.imageLayoutVersion !== 'string') {
        throw new ArchiveJsonError("'oci-layout' has no imageLayoutVersion: it is not an OCI layout file", 'oci-layout');
      }
    }
    const { value } = await this.readJson('index.json', undefined, 'the image index', signal);
    const doc = classifyManifest(value);
    if (doc.kind !== 'index') {
      throw new ArchiveJsonError(`'index.json' is not an image index: ${doc.kind === 'unknown' ? doc.reason : `it is a ${doc.kind} manifest`}`, 'index.json');
    }
    const index = doc.index;
    this.index = index;

    const images = index.manifests.map((descriptor, position) => ({ descriptor, position })).filter((d) => !isAttestationManifest(d.descriptor));
    // A multi-platform index written straight into index.json (BuildKit's oci exporter without a
    // name): platform manifests with platforms and no ref names are one image, not several.
    const grouped =
      images.length > 1 &&
      images.every((d) => d.descriptor.platform !== undefined && d.descriptor.annotations?.[REF_NAME] === undefined && !isIndexType(d.descriptor.mediaType));
    const entries: ArchiveEntry[] = grouped
      ? [{ source: 'index.json', tags: [] }]
      : images.map(({ descriptor, position }) => ({
          source: `index.json[${position}]`,
          tags: unique([descriptor.annotations?.[CONTAINERD_NAME], descriptor.annotations?.[REF_NAME]].filter((t): t is string => t !== undefined && t !== '')),
          descriptor,
        }));

    if (this.kind === 'docker-oci-archive') return this.addRepoTags(entries, signal);
    return entries;
  }

  /** Docker 25+ puts RepoTags in manifest.json; give them to the entries whose configs they name. */
  private async addRepoTags(entries: ArchiveEntry[], signal?: AbortSignal): Promise<ArchiveEntry[]> {
    const { value } = await this.readJson('manifest.json', undefined, 'the docker manifest', signal);
    const items = parseDockerManifest(value);
    const tagged = items.filter((item) => item.RepoTags.length > 0);
    if (tagged.length === 0) return entries;
    // An entry that cannot be read (an artifact, a missing blob) just gets no RepoTags here; opening it says why.
    const configsByEntry = await Promise.all(entries.map((entry) => this.configDigests(entry, signal).catch(() => new Set<string>())));
    return Promise.all(
      entries.map(async (entry, i) => {
        const configs = configsByEntry[i] as Set<string>;
        const extra: string[] = [];
        for (const item of tagged) {
          const digest = digestFromName(item.Config) ?? (await this.configDigestOf(item.Config, signal));
          if (digest !== undefined && configs.has(digest)) extra.push(...item.RepoTags);
        }
        return extra.length > 0 ? { ...entry, tags: unique([...extra, ...entry.tags]) } : entry;
      }),
    );
  }

  private async configDigestOf(path: string, signal?: AbortSignal): Promise<string | undefined> {
    const member = resolveMember(this.archive, path);
    if (!member || member.size > MAX_DOCUMENT_BYTES) return undefined;
    return sha256Digest(await this.reader.read(member.offset, member.size, signal));
  }

  /** The config digests reachable from an entry (over the manifests the archive holds). */
  private async configDigests(entry: ArchiveEntry, signal?: AbortSignal): Promise<Set<string>> {
    const out = new Set<string>();
    const { platforms } = await this.platformsOf(entry, signal);
    for (const p of platforms) {
      if (!p.available || !p.descriptor) continue;
      const manifest = await this.manifest(p.descriptor, entry.source, signal).catch(() => undefined);
      if (manifest) out.add(manifest.manifest.config.digest);
    }
    return out;
  }

  private async manifest(
    descriptor: Descriptor,
    referencedBy: string,
    signal?: AbortSignal,
  ): Promise<{ manifest: ImageManifest; mediaType: string; path: string }> {
    const { bytes, path } = await this.readBlob(descriptor, referencedBy, 'manifest', signal);
    const doc = classifyManifest(parseJson(bytes, path), descriptor.mediaType);
    if (doc.kind === 'image') return { manifest: doc.manifest, mediaType: doc.mediaType, path };
    if (doc.kind === 'unknown') throw new ArchiveJsonError(`'${path}' is not an image manifest: ${doc.reason}`, path);
    throw new UnsupportedContentError(
      `'${path}' is ${doc.kind === 'index' ? 'an index nested inside a platform list' : doc.kind === 'artifact' ? `an artifact (${doc.artifactType}), not an image` : 'a Docker schema 1 manifest'}; Lading shows images`,
      doc.mediaType,
    );
  }

  protected async loadPlatforms(entry: ArchiveEntry, signal?: AbortSignal): Promise<Loaded> {
    let index: ImageIndex;
    if (entry.descriptor === undefined) {
      index = this.index as ImageIndex;
    } else {
      const { bytes, path } = await this.readBlob(entry.descriptor, 'index.json', isIndexType(entry.descriptor.mediaType) ? 'index' : 'manifest', signal);
      const doc = classifyManifest(parseJson(bytes, path), entry.descriptor.mediaType);
      if (doc.kind === 'image') {
        const platform = entry.descriptor.platform ? formatPlatform(entry.descriptor.platform) : await this.platformFromConfig(doc.manifest, path, signal);
        return { platforms: [{ platform, descriptor: entry.descriptor, available: true }], attestations: [] };
      }
      if (doc.kind === 'unknown') throw new ArchiveJsonError(`'${path}' is neither an image index nor a manifest: ${doc.reason}`, path);
      if (doc.kind !== 'index') {
        throw new UnsupportedContentError(
          `'${path}' (${entry.source}) is ${doc.kind === 'artifact' ? `an artifact (${doc.artifactType})` : 'a Docker schema 1 manifest'}, not an image`,
          doc.mediaType,
        );
      }
      index = doc.index;
    }
    const { platforms, attestations } = indexEntries(index);
    return {
      platforms: platforms.map((p: PlatformEntry) => {
        const path = blobPath(p.descriptor.digest);
        return { platform: p.platform, descriptor: p.descriptor, available: path !== undefined && resolveMember(this.archive, path) !== undefined };
      }),
      attestations: attestations.map((a) => a.descriptor),
    };
  }

  private async platformFromConfig(manifest: ImageManifest, referencedBy: string, signal?: AbortSignal): Promise<string> {
    const { bytes, path } = await this.readBlob(manifest.config, `'${referencedBy}'`, 'config', signal);
    const config = parseConfig(bytes, path);
    return formatPlatform(config);
  }

  protected async loadImage(entry: ArchiveEntry, platform: ArchivePlatform, signal?: AbortSignal): Promise<Image> {
    const descriptor = platform.descriptor as Descriptor;
    const { manifest, mediaType, path } = await this.manifest(descriptor, entry.source, signal);
    const { bytes: configBytes, path: configPath } = await this.readBlob(manifest.config, `'${path}'`, 'config', signal);
    const config = parseConfig(configBytes, configPath);
    const layers = manifest.layers.map((d, i) => {
      const layerPath = blobPath(d.digest);
      if (layerPath === undefined) throw new ArchiveContentError(`'${path}' names layer ${i} by '${d.digest}', which is not a sha256 or sha512 digest`, path);
      const member = resolveMember(this.archive, layerPath);
      const missing = (): ArchiveMissingMemberError => this.missing(layerPath, `'${path}'`, `layer ${i}`);
      if (!member) {
        // Foreign and non-distributable layers live elsewhere; the image is still readable.
        if (!isForeign(d)) throw missing();
      } else if (member.size !== d.size) {
        throw new ArchiveContentError(`layer ${i} '${layerPath}' is ${member.size} bytes, but '${path}' says ${d.size}`, layerPath);
      }
      return this.layer(d, member, config.rootfs.diff_ids[i], missing);
    });
    return { digest: descriptor.digest, mediaType, manifest, config, layers };
  }
}

// --- docker-archive ---------------------------------------------------------------------------

class DockerArchive extends ArchiveSource {
  readonly kind = 'docker-archive' as const;
  private readonly items = new Map<ArchiveEntry, { item: DockerManifestItem; position: number }>();
  private readonly configs = new Map<number, Promise<{ bytes: Uint8Array; digest: string; config: ImageConfig; path: string }>>();

  protected async listEntries(signal?: AbortSignal): Promise<ArchiveEntry[]> {
    const { value } = await this.readJson('manifest.json', undefined, 'the docker manifest', signal);
    return parseDockerManifest(value).map((item, position) => {
      const entry: ArchiveEntry = { source: `manifest.json[${position}]`, tags: item.RepoTags };
      this.items.set(entry, { item, position });
      return entry;
    });
  }

  private item(entry: ArchiveEntry): { item: DockerManifestItem; position: number } {
    const found = this.items.get(entry);
    if (!found) throw new Error(`${entry.source} is not an entry of this archive`);
    return found;
  }

  private config(entry: ArchiveEntry, signal?: AbortSignal): Promise<{ bytes: Uint8Array; digest: string; config: ImageConfig; path: string }> {
    const { item, position } = this.item(entry);
    let p = this.configs.get(position);
    if (!p) {
      p = (async () => {
        const member = this.member(item.Config, entry.source, 'config');
        const bytes = await this.readDocument(member, signal);
        const digest = sha256Digest(bytes);
        // Written by its digest (`<hex>.json`, `blobs/sha256/<hex>`, `sha256:<hex>`): hold it to that.
        const claimed = digestFromName(item.Config);
        if (claimed !== undefined) verifyDigest(bytes, claimed, `config '${member.path}'`);
        return { bytes, digest, config: parseConfig(bytes, member.path), path: member.path };
      })();
      this.configs.set(position, p);
      p.catch(() => this.configs.delete(position));
    }
    return p;
  }

  protected async loadPlatforms(entry: ArchiveEntry, signal?: AbortSignal): Promise<Loaded> {
    const { config } = await this.config(entry, signal);
    return { platforms: [{ platform: formatPlatform(config), available: true }], attestations: [] };
  }

  protected async loadImage(entry: ArchiveEntry, _platform: ArchivePlatform, signal?: AbortSignal): Promise<Image> {
    const { item } = this.item(entry);
    const { bytes: configBytes, digest: configDigest, config, path: configPath } = await this.config(entry, signal);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== item.Layers.length) {
      throw new ArchiveContentError(
        `${entry.source} lists ${item.Layers.length} layers, but its config '${configPath}' has ${diffIds.length} diff_ids`,
        configPath,
      );
    }

    const layers: Layer[] = [];
    const descriptors: Descriptor[] = [];
    for (const [i, path] of item.Layers.entries()) {
      const diffId = diffIds[i] as string;
      const member = resolveMember(this.archive, path);
      const missing = (): ArchiveMissingMemberError => this.missing(path, entry.source, `layer ${i}`);
      let descriptor: Descriptor;
      if (!member) {
        // go-containerregistry and Docker describe foreign layers they left out in LayerSources.
        const foreign = item.LayerSources?.[diffId];
        if (!foreign || !isForeign(foreign)) throw missing();
        descriptor = foreign;
      } else {
        descriptor = { mediaType: DOCKER_LAYER_TAR, digest: diffId, size: member.size };
        const head = await this.reader.read(member.offset, Math.min(member.size, 8), signal);
        const compression = sniffCompression(head);
        if (compression !== 'none') {
          descriptor = {
            mediaType: compression === 'gzip' ? MediaTypes.dockerLayer : DOCKER_LAYER_ZSTD,
            digest: await hashStream(this.reader.stream(member.offset, member.size, signal)),
            size: member.size,
          };
        }
      }
      descriptors.push(descriptor);
      layers.push(this.layer(descriptor, member, diffId, missing));
    }

    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, digest: configDigest, size: configBytes.length },
      layers: descriptors,
    };
    const digest = sha256Digest(new TextEncoder().encode(JSON.stringify(manifest)));
    return { digest, mediaType: MediaTypes.dockerManifest, manifest, config, layers };
  }
}

// --- helpers -----------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndexType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

function isForeign(d: Descriptor): boolean {
  return (d.urls !== undefined && d.urls.length > 0) || d.mediaType === MediaTypes.dockerForeignLayer || d.mediaType.includes('.nondistributable.');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function describeEntry(entry: ArchiveEntry): string {
  return entry.tags.length > 0 ? `image '${entry.tags[0]}' (${entry.source})` : `the image at ${entry.source}`;
}

function parseJson(bytes: Uint8Array, member: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ArchiveJsonError(`'${member}' is not UTF-8 text, so not JSON`, member);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ArchiveJsonError(`'${member}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, member);
  }
}

/** Docker's manifest.json: `[{Config, RepoTags, Layers, LayerSources?}]`. */
function parseDockerManifest(value: unknown): DockerManifestItem[] {
  const bad = (why: string): never => {
    throw new ArchiveJsonError(`'manifest.json' is not a docker save manifest: ${why}`, 'manifest.json');
  };
  if (!Array.isArray(value)) bad('it is not a JSON array');
  return (value as unknown[]).map((item, i) => {
    if (!isRecord(item)) return bad(`entry ${i} is not an object`);
    if (typeof item.Config !== 'string' || item.Config === '') bad(`entry ${i} has no "Config" member name`);
    if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) bad(`entry ${i} has no "Layers" list of member names`);
    const tags = item.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) bad(`entry ${i} has a "RepoTags" that is not a list of strings`);
    const sources = isRecord(item.LayerSources) ? (item.LayerSources as Record<string, Descriptor>) : undefined;
    return {
      Config: item.Config as string,
      RepoTags: tags as string[],
      Layers: item.Layers as string[],
      ...(sources !== undefined ? { LayerSources: sources } : {}),
    };
  });
}

/** An image config, checked for the fields the image model relies on. */
function parseConfig(bytes: Uint8Array, member: string): ImageConfig {
  const value = parseJson(bytes, member);
  const bad = (why: string): never => {
    throw new ArchiveJsonError(`'${member}' is not an image config: ${why}`, member);
  };
  if (!isRecord(value)) return bad('it is not a JSON object');
  if (typeof value.architecture !== 'string' || typeof value.os !== 'string') bad('it has no "architecture" and "os"');
  const rootfs = value.rootfs;
  if (!isRecord(rootfs) || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((d) => typeof d === 'string')) {
    bad('it has no "rootfs.diff_ids" list');
  }
  return value as unknown as ImageConfig;
}

/** `blobs/<alg>/<hex>` for a well-formed sha256 / sha512 digest. */
function blobPath(digest: string): string | undefined {
  const parsed = parseDigest(digest);
  return parsed ? `blobs/${parsed.algorithm}/${parsed.hex}` : undefined;
}

/** The digest a member name claims: `<hex>.json` (docker save), `blobs/sha256/<hex>`, `sha256:<hex>` (go-containerregistry). */
function digestFromName(path: string): string | undefined {
  const m = /(?:^|\/)(?:(sha256|sha512)[:/])?([0-9a-f]{64}|[0-9a-f]{128})(?:\.json)?$/.exec(normalizeMemberPath(path));
  if (!m) return undefined;
  const hex = m[2] as string;
  const algorithm = m[1] ?? (hex.length === 64 ? 'sha256' : 'sha512');
  return parseDigest(`${algorithm}:${hex}`) ? `${algorithm}:${hex}` : undefined;
}

function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(bytes))}`;
}

function verifyDigest(bytes: Uint8Array, expected: string, subject: string): void {
  const parsed = parseDigest(expected);
  if (!parsed) throw new ArchiveContentError(`${subject} is addressed by '${expected}', which is not a sha256 or sha512 digest`);
  const actual = `${parsed.algorithm}:${bytesToHex(parsed.algorithm === 'sha256' ? sha256(bytes) : sha512(bytes))}`;
  if (actual !== expected) throw new DigestMismatchError(subject, expected, actual);
}

async function hashStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hasher = await createHasher('sha256');
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hasher.update(value);
  }
  return hasher.digest();
}

/** Exact first, then loose (`linux/arm64` finds `linux/arm64/v8`, and the other way round). */
function findPlatform(platforms: readonly ArchivePlatform[], requested: string): ArchivePlatform | undefined {
  return (
    platforms.find((p) => p.platform === requested) ??
    platforms.find((p) => p.platform.startsWith(`${requested}/`)) ??
    platforms.find((p) => requested.startsWith(`${p.platform}/`))
  );
}

/**
 * Entries named `query`: exactly (a tag, an OCI ref name, a manifest digest) or as the same
 * normalised reference (`lading/x:1` = `docker.io/lading/x:1`); failing those, the entries whose
 * bare OCI ref name is the query's tag (`oci-archive:x.tar:1.0` stores only `1.0`).
 */
function matchTag(entries: readonly ArchiveEntry[], query: string): ArchiveEntry[] {
  const q = tryParseReference(query);
  const normalized = q instanceof Error ? undefined : formatReference(q);
  const isBare = (t: string): boolean => !t.includes('/') && !t.includes(':');
  const strict = entries.filter(
    (e) =>
      e.descriptor?.digest === query ||
      e.tags.some((t) => {
        if (t === query) return true;
        if (normalized === undefined || isBare(t)) return false;
        const r = tryParseReference(t);
        return !(r instanceof Error) && formatReference(r) === normalized;
      }),
  );
  if (strict.length > 0 || q instanceof Error || q.tag === undefined) return strict;
  const tag = q.tag;
  return entries.filter((e) => e.tags.some((t) => isBare(t) && t === tag));
}
