/**
 * Image sources other than a registry: image archives (`docker save`, `podman save`,
 * `skopeo copy … docker-archive: | oci-archive:`) read in place from a File or a Node Blob.
 * Each yields the core's `Image` / `Layer`, like the registry source.
 */
export { blobReader, bytesReader } from './blobReader';
export type { BlobReader } from './blobReader';
export { indexTarArchive, normalizeMemberPath, resolveMember } from './tarArchive';
export type { IndexTarOptions, TarArchiveIndex, TarMember, TarMemberType } from './tarArchive';
export { MAX_DOCUMENT_BYTES } from '../oci';
export { DOCKER_LAYER_TAR, detectArchiveKind, openArchiveImage } from './archive';
export type { ArchiveEntry, ArchiveImages, ArchiveKind, ArchivePlatform, OpenArchiveOptions, SelectOptions } from './archive';
export {
  ArchiveContentError,
  ArchiveError,
  ArchiveJsonError,
  ArchiveLayoutError,
  ArchiveMissingMemberError,
  ArchiveSelectionError,
  ArchiveTarError,
} from './errors';
