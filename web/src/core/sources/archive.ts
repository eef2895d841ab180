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
import type { BlobReader } from './blobReader';
import { DockerArchive } from './dockerArchive';
import { ArchiveLayoutError, ArchiveMissingMemberError } from './errors';
import { OciArchive } from './ociArchive';
import { indexTarArchive, type TarArchiveIndex } from './tarArchive';
import type { ArchiveImages, ArchiveKind, OpenArchiveOptions } from './archiveSource';

export type { ArchiveEntry, ArchiveImages, ArchiveKind, ArchivePlatform, OpenArchiveOptions, SelectOptions } from './archiveSource';
export { DOCKER_LAYER_TAR } from './archiveDocuments';

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
