/**
 * OCI image layouts in a tar: `oci-archive` (skopeo, podman) and Docker 25+'s `docker save`
 * (`docker-oci-archive`: the same layout plus Docker's manifest.json, read only for RepoTags).
 * Everything is read through index.json and verified against its descriptor.
 */
import { UnsupportedContentError } from '../errors';
import type { Image } from '../image';
import { classifyManifest } from '../mediaTypes';
import { MAX_DOCUMENT_BYTES, type Descriptor, type ImageIndex, type ImageManifest } from '../oci';
import { formatPlatform, indexEntries, isAttestationManifest, type PlatformEntry } from '../platform';
import { ArchiveSource, unique, type ArchiveEntry, type ArchivePlatform, type Loaded } from './archiveSource';
import {
  blobPath,
  CONTAINERD_NAME,
  digestFromName,
  isForeign,
  isIndexType,
  isRecord,
  parseConfig,
  parseDockerManifest,
  parseJson,
  REF_NAME,
  sha256Digest,
} from './archiveDocuments';
import type { BlobReader } from './blobReader';
import { ArchiveContentError, ArchiveJsonError, ArchiveMissingMemberError } from './errors';
import { resolveMember, type TarArchiveIndex } from './tarArchive';

export class OciArchive extends ArchiveSource {
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
