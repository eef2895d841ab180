/**
 * Media types, and how Lading tells the documents it gets apart.
 * Registries and tools mislabel things, so classification looks at the body's shape
 * too, not only at Content-Type.
 */
import type { ImageIndex, ImageManifest } from './oci';

export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

/** Everything a registry may answer for a manifest request; distribution 2.8 404s OCI manifests unless asked for. */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
  `${MediaTypes.dockerSchema1Signed};q=0.5`,
  `${MediaTypes.dockerSchema1};q=0.5`,
].join(', ');

const IMAGE_CONFIG_TYPES = new Set<string>([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

const LAYER_TYPES = new Set<string>([
  MediaTypes.ociLayer,
  MediaTypes.ociLayerGzip,
  MediaTypes.ociLayerZstd,
  MediaTypes.ociLayerNondistributable,
  MediaTypes.ociLayerNondistributableGzip,
  MediaTypes.ociLayerNondistributableZstd,
  MediaTypes.dockerLayer,
  MediaTypes.dockerForeignLayer,
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.zstd',
]);

export function isImageConfigType(mediaType: string): boolean {
  return IMAGE_CONFIG_TYPES.has(mediaType);
}

export function isLayerType(mediaType: string): boolean {
  return LAYER_TYPES.has(mediaType);
}

/** What a manifest document is, as far as Lading is concerned. */
export type ManifestDocument =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'artifact'; mediaType: string; manifest: ImageManifest; artifactType: string }
  | { kind: 'schema1'; mediaType: string; name?: string; tag?: string; architecture?: string }
  | { kind: 'unknown'; mediaType: string; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDescriptorLike(value: unknown): boolean {
  return isRecord(value) && typeof value.digest === 'string' && typeof value.mediaType === 'string';
}

/**
 * Classifies a parsed manifest body. `headerType` is the response Content-Type; the
 * body's own `mediaType` wins when present (it is part of the content and of the digest).
 */
export function classifyManifest(body: unknown, headerType?: string): ManifestDocument {
  const header = headerType?.split(';')[0]?.trim() ?? '';
  if (!isRecord(body)) return { kind: 'unknown', mediaType: header, reason: 'the manifest is not a JSON object' };
  const declared = typeof body.mediaType === 'string' ? body.mediaType : header;
  const mediaType = declared || header;

  if (body.schemaVersion === 1 || mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed) {
    return {
      kind: 'schema1',
      mediaType: mediaType || MediaTypes.dockerSchema1,
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
      ...(typeof body.tag === 'string' ? { tag: body.tag } : {}),
      ...(typeof body.architecture === 'string' ? { architecture: body.architecture } : {}),
    };
  }
  if (body.schemaVersion !== 2) {
    return { kind: 'unknown', mediaType, reason: `unsupported schemaVersion ${JSON.stringify(body.schemaVersion)}` };
  }
  if (Array.isArray(body.manifests)) {
    if (!body.manifests.every(isDescriptorLike)) {
      return { kind: 'unknown', mediaType, reason: 'the index lists an entry without digest or media type' };
    }
    return { kind: 'index', mediaType: mediaType || MediaTypes.ociIndex, index: body as unknown as ImageIndex };
  }
  if (isDescriptorLike(body.config) && Array.isArray(body.layers)) {
    if (!body.layers.every(isDescriptorLike)) {
      return { kind: 'unknown', mediaType, reason: 'the manifest lists a layer without digest or media type' };
    }
    const manifest = body as unknown as ImageManifest;
    const configType = manifest.config.mediaType;
    const artifactType = manifest.artifactType;
    if (artifactType !== undefined || !isImageConfigType(configType)) {
      return { kind: 'artifact', mediaType: mediaType || MediaTypes.ociManifest, manifest, artifactType: artifactType ?? configType };
    }
    return { kind: 'image', mediaType: mediaType || MediaTypes.ociManifest, manifest };
  }
  return {
    kind: 'unknown',
    mediaType,
    reason: mediaType ? `unknown media type ${mediaType}` : 'the document is neither an index nor a manifest',
  };
}

/** Short human label for a media type: "OCI index", "Docker manifest list", "layer (tar+zstd)". */
export function describeMediaType(mediaType: string): string {
  switch (mediaType) {
    case MediaTypes.ociIndex:
      return 'OCI image index';
    case MediaTypes.ociManifest:
      return 'OCI image manifest';
    case MediaTypes.dockerManifestList:
      return 'Docker manifest list';
    case MediaTypes.dockerManifest:
      return 'Docker image manifest (schema 2)';
    case MediaTypes.dockerSchema1:
    case MediaTypes.dockerSchema1Signed:
      return 'Docker schema 1 manifest';
    case MediaTypes.ociLayer:
    case MediaTypes.ociLayerNondistributable:
      return 'tar (uncompressed)';
    case MediaTypes.ociLayerGzip:
    case MediaTypes.ociLayerNondistributableGzip:
    case MediaTypes.dockerLayer:
      return 'tar+gzip';
    case MediaTypes.ociLayerZstd:
    case MediaTypes.ociLayerNondistributableZstd:
      return 'tar+zstd';
    case MediaTypes.dockerForeignLayer:
      return 'foreign tar+gzip';
    default:
      return mediaType;
  }
}
