/**
 * `docker-archive`: `docker save` before Docker 25, `podman save` and `skopeo copy … docker-archive:`.
 * manifest.json = `[{Config, RepoTags, Layers}]`; there is no image manifest, so one is written
 * here (Docker schema 2) from manifest.json and the config, and its digest is Lading's own (see
 * archive.ts for how layer digests are found).
 */
import type { Image, Layer } from '../image';
import { sniffCompression } from '../layers/sniff';
import { MediaTypes } from '../mediaTypes';
import type { Descriptor, ImageConfig, ImageManifest } from '../oci';
import { formatPlatform } from '../platform';
import { ArchiveSource, type ArchiveEntry, type ArchivePlatform, type Loaded } from './archiveSource';
import {
  DOCKER_LAYER_TAR,
  DOCKER_LAYER_ZSTD,
  digestFromName,
  hashStream,
  isForeign,
  parseConfig,
  parseDockerManifest,
  sha256Digest,
  verifyDigest,
  type DockerManifestItem,
} from './archiveDocuments';
import { ArchiveContentError, ArchiveMissingMemberError } from './errors';
import { resolveMember } from './tarArchive';

export class DockerArchive extends ArchiveSource {
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
