/**
 * Where the image comes from: an image archive on disk (`docker save`, `podman save`,
 * `skopeo copy … docker-archive: | oci-archive:`) or a registry reference.
 *
 * Registries are reached exactly as the web app reaches them: through a Lading proxy, here
 * started in-process on a free loopback port from the same environment variables
 * (`LADING_INSECURE_REGISTRIES`, `LADING_DOCKER_CONFIG`), so authentication, token exchange,
 * blob redirects and plain-http registries behave the same, and credentials stay in the proxy.
 */
import { stat } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { startProxy as startLadingProxy } from '../../../proxy/src/index';
import type { Image } from '../core/image';
import { parseReference, type ImageReference } from '../core/reference';
import { RegistryClient } from '../core/registry/client';
import { openRegistryImage } from '../core/registry/image';
import { blobReader, openArchiveImage, resolveMember, type ArchiveImages, type ArchiveKind } from '../core/sources';

export type SourceKind = 'registry' | ArchiveKind;

export interface OpenedImage {
  kind: SourceKind;
  image: Image;
  /** The platform analyzed: `linux/amd64`. */
  platform: string;
  /** Every platform the reference or archive offers (one for a single image). */
  platforms: string[];
  /** Registry: the normalised reference. */
  reference?: ImageReference;
  /** Registry: the digest the reference resolves to (an index's digest for a multi-platform image). */
  resolvedDigest?: string;
  resolvedMediaType?: string;
  /** Archive: the absolute path, and the tags it gives the chosen image. */
  file?: string;
  tags?: string[];
  /** docker-archive: the manifest digest is computed by Lading (no registry has seen it). */
  digestSynthesized: boolean;
  /** dive's layer `id`, per layer (see layerIds). */
  layerIds: string[];
  close(): Promise<void>;
}

/** A path that looks like a file but is not one. */
export class SourceFileError extends Error {
  override readonly name = 'SourceFileError';
}

function looksLikePath(target: string): boolean {
  return /^(?:\.{0,2}\/|~)/.test(target) || /\.(?:tar|tar\.gz|tgz|tar\.zst|oci|docker)$/i.test(target) || target.includes('\\');
}

export interface OpenOptions {
  platform?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
  /** Where the proxy's own log lines go (by default nowhere: errors reach the user as explained errors). */
  log?: (line: string) => void;
}

/** An existing file is an archive; anything else is a reference. */
export async function openImage(target: string, options: OpenOptions): Promise<OpenedImage> {
  const path = resolvePath(options.cwd, target);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return openArchive(path, options);
  if (info?.isDirectory()) {
    throw new SourceFileError(
      `${target} is a directory; lading reads image archives (docker save, skopeo copy … docker-archive: or oci-archive:) and registry references`,
    );
  }
  if (looksLikePath(target)) throw new SourceFileError(`${target}: no such file (and not an image reference)`);
  return openRegistry(target, options);
}

// --- archives ----------------------------------------------------------------------------------

async function openArchive(path: string, options: OpenOptions): Promise<OpenedImage> {
  const reader = blobReader(await openAsBlob(path));
  const opened = await openArchiveImage(reader, {
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    kind: opened.kind,
    image: opened.image,
    platform: opened.platform,
    platforms: opened.platforms.map((p) => p.platform),
    file: path,
    tags: [...opened.entry.tags],
    digestSynthesized: opened.kind === 'docker-archive',
    layerIds: await archiveLayerIds(opened, reader),
    close: async () => {},
  };
}

interface DockerManifestItem {
  Config?: unknown;
  Layers?: unknown;
}

/**
 * dive's layer id for an archive with Docker's manifest.json: the first path component of the
 * layer's member name (`<id>` of `<id>/layer.tar` from docker save before Docker 25, `<diffid>.tar`
 * from skopeo and podman, `blobs` for Docker 25+, whose members are `blobs/sha256/<hex>`).
 * For OCI layouts, which dive does not read, the hex of the layer's blob digest (the name of its
 * blob in the layout).
 */
async function archiveLayerIds(opened: ArchiveImages, reader: ReturnType<typeof blobReader>): Promise<string[]> {
  const fallback = opened.image.layers.map((l) => digestHex(l.digest));
  if (opened.kind === 'oci-archive') return fallback;
  const member = resolveMember(opened.archive, 'manifest.json');
  if (!member || member.size > 4 * 1024 * 1024) return fallback;
  let items: DockerManifestItem[];
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await reader.read(member.offset, member.size))) as unknown;
    if (!Array.isArray(parsed)) return fallback;
    items = parsed as DockerManifestItem[];
  } catch {
    return fallback;
  }
  let item: DockerManifestItem | undefined;
  if (opened.kind === 'docker-archive') {
    const position = /^manifest\.json\[(\d+)\]$/.exec(opened.entry.source)?.[1];
    item = position !== undefined ? items[Number(position)] : undefined;
  } else {
    // Docker 25+: the entry whose Config is this image's config blob.
    const configHex = digestHex(opened.image.manifest.config.digest);
    item = items.find((i) => typeof i.Config === 'string' && i.Config.endsWith(configHex));
  }
  const layers = item?.Layers;
  if (!Array.isArray(layers) || layers.length !== opened.image.layers.length) return fallback;
  return layers.map((name, i) => (typeof name === 'string' ? (name.split('/')[0] ?? '') : fallback[i]!));
}

function digestHex(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest : digest.slice(colon + 1);
}

// --- registries --------------------------------------------------------------------------------

interface Proxy {
  baseUrl: string;
  close(): Promise<void>;
}

/** A Lading proxy on a free loopback port, configured from the environment like `npm start`. */
export async function startProxy(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Promise<Proxy> {
  return startLadingProxy(env, log);
}

async function openRegistry(target: string, options: OpenOptions): Promise<OpenedImage> {
  const ref = parseReference(target);
  const proxy = await startProxy(options.env, options.log);
  try {
    const client = new RegistryClient({ baseUrl: proxy.baseUrl });
    const opened = await openRegistryImage(client, ref, {
      ...(options.platform !== undefined ? { platform: options.platform } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      kind: 'registry',
      image: opened.image,
      platform: opened.platform,
      platforms: opened.index ? opened.index.platforms.map((p) => p.platform) : [opened.platform],
      reference: ref,
      resolvedDigest: opened.resolved.digest,
      resolvedMediaType: opened.resolved.document.mediaType,
      digestSynthesized: false,
      layerIds: opened.image.layers.map((l) => digestHex(l.digest)),
      close: () => proxy.close(),
    };
  } catch (error) {
    await proxy.close();
    throw error;
  }
}
