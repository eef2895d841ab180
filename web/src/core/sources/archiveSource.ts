/**
 * What both archive layouts share (OciArchive, DockerArchive extend it): the archive's public
 * types, reading verified documents out of the tar, building layers with the shared factory,
 * and choosing an image and a platform (one matcher, core/platform.ts).
 */
import type { Image, Layer } from '../image';
import { layerFromDescription } from '../layer';
import type { Descriptor } from '../oci';
import { defaultPlatform, matchPlatform } from '../platform';
import { formatReference, tryParseReference } from '../reference';
import { MAX_DOCUMENT_BYTES } from '../oci';
import type { BlobReader } from './blobReader';
import { ArchiveContentError, ArchiveMissingMemberError, ArchiveSelectionError } from './errors';
import { blobPath, parseJson, verifyDigest } from './archiveDocuments';
import { normalizeMemberPath, resolveMember, type TarArchiveIndex, type TarMember } from './tarArchive';

export type ArchiveKind = 'docker-archive' | 'oci-archive' | 'docker-oci-archive';

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

export interface Loaded {
  platforms: ArchivePlatform[];
  attestations: Descriptor[];
}

/** What both layouts share: reading verified documents out of the archive, and selection. */
export abstract class ArchiveSource {
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
      platform = matchPlatform(loaded.platforms, options.platform, platformName);
      // The first of the candidates (all entries, without a tag) that has the platform.
      for (const other of candidates.slice(1)) {
        if (platform) break;
        const otherLoaded = await this.platformsOf(other, signal);
        const found = matchPlatform(otherLoaded.platforms, options.platform, platformName);
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
      // The default (linux/amd64, else the first non-Windows one), over the platforms the archive holds.
      platform =
        defaultPlatform(
          loaded.platforms.filter((p) => p.available),
          platformName,
        ) ?? loaded.platforms[0];
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

  /** A Layer reading `member` lazily (the shared factory; the bytes come through this archive's reader). */
  layer(descriptor: Descriptor, member: TarMember | undefined, diffId: string | undefined, missing: () => Error): Layer {
    const reader = this.reader;
    return layerFromDescription(
      {
        descriptor,
        ...(diffId !== undefined ? { diffId } : {}),
        ...(member ? { location: { kind: 'blob', blob: reader.blob, offset: member.offset, length: member.size } } : {}),
      },
      { missing, ...(member ? { open: async (signal?: AbortSignal) => reader.stream(member.offset, member.size, signal) } : {}) },
    );
  }
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function describeEntry(entry: ArchiveEntry): string {
  return entry.tags.length > 0 ? `image '${entry.tags[0]}' (${entry.source})` : `the image at ${entry.source}`;
}

function platformName(p: ArchivePlatform): string {
  return p.platform;
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
