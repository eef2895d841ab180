/**
 * The one resolver from a reference to an image (go-containerregistry's `remote.Image(ref,
 * WithPlatform)`): the reference's manifest (by tag or digest), then for an index the platform's
 * manifest (one matcher, `matchPlatform`, containerd's rules), then the config; the layers stay
 * unread, each a core `Layer` that opens its blob (or foreign URLs) through the proxy. The image
 * page, compare and the CLI all resolve here; nothing else walks index → manifest → config.
 *
 * The documents come from a `DocumentFetcher`, which a RegistryClient is; the page passes one
 * that answers from its query cache, so a manifest fetched for one view is not fetched again.
 */
import { PlatformNotFoundError, UnsupportedContentError } from '../errors';
import { describeLayer, matchLayersToHistory, type Image, type LayerInfo } from '../image';
import { registryLayer } from '../layer';
import type { ManifestDocument } from '../mediaTypes';
import type { Descriptor, ImageConfig } from '../oci';
import { choosePlatform, formatPlatform, indexEntries, matchPlatform, type AttestationEntry, type PlatformEntry } from '../platform';
import { familiarReference, manifestReference, tryParseReference, type ImageReference } from '../reference';
import type { FetchedManifest, Repository } from './client';

export interface DocumentFetcher {
  /** Where the proxy's registry routes are: the layers' bytes are fetched from there. */
  readonly baseUrl: string;
  /** The fetch the layers use (default: the global one). */
  readonly fetchImpl?: typeof fetch;
  fetchManifest(repo: Repository, reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  fetchJsonBlob<T>(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<T>;
}

export interface OpenRegistryImageOptions {
  /** `os/arch[/variant][:os.version]`; default: linux/amd64, else the first non-Windows platform. */
  platform?: string;
  signal?: AbortSignal;
}

export interface RegistryImage {
  readonly reference: ImageReference;
  readonly repo: Repository;
  /** What the reference names: an index, or the image manifest itself. */
  readonly resolved: FetchedManifest;
  /** The index's platforms and attestations, when the reference names an index. */
  readonly index?: { readonly platforms: readonly PlatformEntry[]; readonly attestations: readonly AttestationEntry[] };
  /** The platform shown: the index entry's, or the config's. */
  readonly platform: string;
  /** The image manifest as fetched (the same object as `resolved` for a single image). */
  readonly manifest: FetchedManifest;
  readonly image: Image;
  /** The layers joined with their history (Dockerfile steps). */
  readonly layers: readonly LayerInfo[];
}

/**
 * Resolves `reference` to one image. Throws the fetcher's errors (RegistryError, DigestMismatchError),
 * PlatformNotFoundError when `platform` is not there, and UnsupportedContentError for what is
 * not an image (an artifact, a schema 1 manifest, an index inside an index, an empty index).
 */
export async function openRegistryImage(
  fetcher: DocumentFetcher,
  reference: ImageReference | string,
  options: OpenRegistryImageOptions = {},
): Promise<RegistryImage> {
  const ref = typeof reference === 'string' ? parsed(reference) : reference;
  const repo: Repository = { domain: ref.domain, path: ref.path };
  const { signal, platform: requested } = options;
  const name = familiarReference(ref);
  const resolved = await fetcher.fetchManifest(repo, manifestReference(ref), signal);

  let manifest = resolved;
  let index: RegistryImage['index'];
  let entry: PlatformEntry | undefined;
  if (resolved.document.kind === 'index') {
    index = indexEntries(resolved.document.index);
    entry = choosePlatform(index.platforms, requested);
    if (!entry) {
      if (requested !== undefined)
        throw new PlatformNotFoundError(
          requested,
          index.platforms.map((p) => p.platform),
          name,
        );
      throw new UnsupportedContentError(`${name} is an index without image manifests`, resolved.document.mediaType);
    }
    manifest = await fetcher.fetchManifest(repo, entry.descriptor.digest, signal);
  }
  const document = manifest.document;
  if (document.kind !== 'image') throw notAnImage(entry ? `${name} (${entry.platform})` : name, document, entry !== undefined);

  const config = await fetcher.fetchJsonBlob<ImageConfig>(repo, document.manifest.config, signal);
  const configPlatform = formatPlatform(config);
  if (!entry && requested !== undefined && !matchPlatform([configPlatform], requested, (p) => p)) {
    throw new PlatformNotFoundError(requested, [configPlatform], name);
  }
  const layers = document.manifest.layers.map((descriptor, i) => {
    const diffId = config.rootfs?.diff_ids?.[i];
    return registryLayer(fetcher.baseUrl, repo, { descriptor, ...(diffId !== undefined ? { diffId } : {}) }, fetcher.fetchImpl);
  });
  const image: Image = { digest: manifest.digest, mediaType: document.mediaType, manifest: document.manifest, config, layers };
  return {
    reference: ref,
    repo,
    resolved,
    ...(index !== undefined ? { index } : {}),
    platform: entry?.platform ?? configPlatform,
    manifest,
    image,
    layers: matchLayersToHistory(document.manifest, config, layers.map(describeLayer)),
  };
}

function parsed(input: string): ImageReference {
  const ref = tryParseReference(input);
  if (ref instanceof Error) throw ref;
  return ref;
}

function notAnImage(what: string, doc: ManifestDocument, inIndex: boolean): UnsupportedContentError {
  const why =
    doc.kind === 'artifact'
      ? `is an artifact (${doc.artifactType || doc.mediaType}), not an image`
      : doc.kind === 'schema1'
        ? 'is a Docker schema 1 manifest, which registries stopped serving; Lading reads schema 2 and OCI images'
        : doc.kind === 'index'
          ? inIndex
            ? 'is an index nested in an index'
            : 'is an index'
          : `is not an image manifest${doc.kind === 'unknown' ? ` (${doc.reason})` : ''}`;
  return new UnsupportedContentError(`${what} ${why}`, doc.mediaType);
}
