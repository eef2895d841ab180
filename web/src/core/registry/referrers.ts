/**
 * What refers to a manifest: signatures, SBOMs, attestations and other artifacts.
 *
 * 1. The OCI referrers API, `GET /v2/<name>/referrers/<digest>` (distribution-spec 1.1):
 *    an image index of the artifacts whose `subject` is the digest.
 * 2. When the registry has no such API (404, as distribution 2.8), the referrers tag schema:
 *    the tag `sha256-<hex>` names an index the pushing client keeps up to date.
 * 3. cosign's own tags, `sha256-<hex>.sig`, `.att` and `.sbom`, which cosign writes unless
 *    told to use OCI 1.1 referrers.
 *
 * Tag documents are fetched and hashed here, so every referrer is addressed by the digest
 * of bytes actually received.
 */
import { sha256Digest } from '../digest';
import { RegistryError } from '../errors';
import { MANIFEST_ACCEPT, MediaTypes, classifyManifest, type ManifestDocument } from '../mediaTypes';
import type { Descriptor } from '../oci';
import { CosignMediaTypes, cosignTags, digestTag } from '../attestations/cosign';
import type { Repository } from './client';
import type { RegistryLister } from './tags';

export type ReferrerKind = 'signature' | 'sbom' | 'attestation' | 'other';

export interface Referrer {
  /** The referrer manifest; open it by this digest. */
  descriptor: Descriptor;
  /** The artifact type (descriptor's, or for cosign tags the kind cosign writes). */
  artifactType: string;
  kind: ReferrerKind;
  /** Human label: `cosign signature`, `SPDX SBOM`… */
  label: string;
  /** How it was found. */
  foundBy: 'referrers-api' | 'referrers-tag' | 'cosign-tag';
  /** The tag it was found under, for tag-found ones. */
  tag?: string;
}

export interface ReferrersResult {
  subject: string;
  /** `api`: the registry has the referrers API. `tag`: it did not, the fallback tag was read (or absent). */
  method: 'api' | 'tag';
  /** Whether the fallback tag `sha256-<hex>` exists (method `tag` only). */
  fallbackTag?: { tag: string; present: boolean; digest?: string };
  referrers: Referrer[];
}

export interface ReferrersOptions {
  /** Only referrers of this artifact type (the API's `artifactType` filter, also applied here). */
  artifactType?: string;
  /** Also look for cosign's `.sig`, `.att` and `.sbom` tags (default true). */
  cosignTags?: boolean;
  /**
   * The repository's complete tag list, when known: only tags in it are fetched, which saves
   * a request per absent tag. Leave it out when the list is partial (capped) or unknown.
   */
  knownTags?: ReadonlySet<string>;
  signal?: AbortSignal;
}

const KNOWN: Record<string, { kind: ReferrerKind; label: string }> = {
  [CosignMediaTypes.signatureArtifact]: { kind: 'signature', label: 'cosign signature' },
  [CosignMediaTypes.simpleSigning]: { kind: 'signature', label: 'cosign signature' },
  [CosignMediaTypes.sigstoreBundle]: { kind: 'signature', label: 'Sigstore bundle' },
  'application/vnd.dev.sigstore.bundle+json;version=0.3': { kind: 'signature', label: 'Sigstore bundle' },
  'application/vnd.cncf.notary.signature': { kind: 'signature', label: 'Notary signature' },
  [CosignMediaTypes.sbomArtifact]: { kind: 'sbom', label: 'cosign SBOM' },
  'application/spdx+json': { kind: 'sbom', label: 'SPDX SBOM' },
  'text/spdx': { kind: 'sbom', label: 'SPDX SBOM' },
  'application/vnd.cyclonedx+json': { kind: 'sbom', label: 'CycloneDX SBOM' },
  'application/vnd.syft+json': { kind: 'sbom', label: 'Syft SBOM' },
  [CosignMediaTypes.attestationArtifact]: { kind: 'attestation', label: 'cosign attestation' },
  'application/vnd.in-toto+json': { kind: 'attestation', label: 'in-toto attestation' },
  'application/vnd.dsse.envelope.v1+json': { kind: 'attestation', label: 'DSSE attestation' },
};

export function classifyArtifactType(artifactType: string): { kind: ReferrerKind; label: string } {
  const known = KNOWN[artifactType] ?? KNOWN[artifactType.split(';')[0]?.trim() ?? ''];
  if (known) return known;
  if (/sbom|spdx|cyclonedx/i.test(artifactType)) return { kind: 'sbom', label: artifactType };
  if (/signature|\.sig\b/i.test(artifactType)) return { kind: 'signature', label: artifactType };
  return { kind: 'other', label: artifactType || 'artifact' };
}

/** A referrer's artifact type: its own, else (OCI 1.1 rule) the config media type. */
function artifactTypeOf(descriptor: Descriptor): string {
  return descriptor.artifactType ?? '';
}

const API_MISSING = new Set([400, 404, 405, 501]);

export function referrersUrl(lister: RegistryLister, repo: Repository, digest: string, artifactType?: string): string {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  return `${lister.baseUrl}/${repo.domain}/v2/${repo.path}/referrers/${digest}${query}`;
}

function manifestUrl(lister: RegistryLister, repo: Repository, tag: string): string {
  return `${lister.baseUrl}/${repo.domain}/v2/${repo.path}/manifests/${tag}`;
}

interface TagDocument {
  digest: string;
  size: number;
  mediaType: string;
  document: ManifestDocument;
}

/** GET a manifest by tag; undefined when the tag does not exist (404). */
async function manifestByTag(lister: RegistryLister, repo: Repository, tag: string, signal?: AbortSignal): Promise<TagDocument | undefined> {
  let response: Response;
  try {
    response = await lister.get(manifestUrl(lister, repo, tag), `manifest ${tag} of ${repo.domain}/${repo.path}`, {
      accept: MANIFEST_ACCEPT,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    body = undefined;
  }
  const document = classifyManifest(body, response.headers.get('content-type') ?? undefined);
  return { digest: sha256Digest(bytes), size: bytes.byteLength, mediaType: document.mediaType, document };
}

/**
 * The referrers of `digest` in `repo`: by the referrers API, else by the fallback tag, plus
 * cosign's tags. Errors other than "no such API" / "no such tag" are thrown.
 */
export async function discoverReferrers(lister: RegistryLister, repo: Repository, digest: string, options: ReferrersOptions = {}): Promise<ReferrersResult> {
  const { signal, artifactType } = options;
  const [oci, cosign] = await Promise.all([
    ociReferrers(lister, repo, digest, artifactType, options.knownTags, signal),
    options.cosignTags === false ? Promise.resolve([]) : cosignReferrers(lister, repo, digest, options.knownTags, signal),
  ]);
  const seen = new Set(oci.referrers.map((r) => r.descriptor.digest));
  const extra = cosign.filter((r) => !seen.has(r.descriptor.digest) && (artifactType === undefined || r.artifactType === artifactType));
  return { ...oci, referrers: [...oci.referrers, ...extra] };
}

async function ociReferrers(
  lister: RegistryLister,
  repo: Repository,
  digest: string,
  artifactType: string | undefined,
  knownTags: ReadonlySet<string> | undefined,
  signal?: AbortSignal,
): Promise<ReferrersResult> {
  const subject = `referrers of ${digest} in ${repo.domain}/${repo.path}`;
  const filter = (descriptors: Descriptor[]) => descriptors.filter((d) => artifactType === undefined || artifactTypeOf(d) === artifactType);
  try {
    const response = await lister.get(referrersUrl(lister, repo, digest, artifactType), subject, {
      accept: MediaTypes.ociIndex,
      ...(signal ? { signal } : {}),
    });
    const body: unknown = await response.json().catch(() => undefined);
    const document = classifyManifest(body, response.headers.get('content-type') ?? undefined);
    if (document.kind !== 'index') throw new RegistryError(`${subject}: the registry's answer is not an image index`, response.status, [], 'registry', subject);
    return { subject: digest, method: 'api', referrers: filter(document.index.manifests).map((d) => toReferrer(d, 'referrers-api')) };
  } catch (error) {
    if (!(error instanceof RegistryError) || !API_MISSING.has(error.status) || error.source === 'network') throw error;
  }
  const tag = digestTag(digest);
  const fetched = knownTags && !knownTags.has(tag) ? undefined : await manifestByTag(lister, repo, tag, signal);
  if (!fetched) return { subject: digest, method: 'tag', fallbackTag: { tag, present: false }, referrers: [] };
  if (fetched.document.kind !== 'index') {
    throw new RegistryError(
      `the referrers tag ${tag} of ${repo.domain}/${repo.path} is not an image index (${fetched.mediaType || 'unknown type'})`,
      200,
      [],
      'registry',
      subject,
    );
  }
  return {
    subject: digest,
    method: 'tag',
    fallbackTag: { tag, present: true, digest: fetched.digest },
    referrers: filter(fetched.document.index.manifests).map((d) => ({ ...toReferrer(d, 'referrers-tag'), tag })),
  };
}

function toReferrer(descriptor: Descriptor, foundBy: Referrer['foundBy']): Referrer {
  const artifactType = artifactTypeOf(descriptor);
  return { descriptor, artifactType, ...classifyArtifactType(artifactType), foundBy };
}

async function cosignReferrers(
  lister: RegistryLister,
  repo: Repository,
  digest: string,
  knownTags: ReadonlySet<string> | undefined,
  signal?: AbortSignal,
): Promise<Referrer[]> {
  const tags = cosignTags(digest);
  const wanted: [string, string, ReferrerKind, string][] = [
    [tags.signature, CosignMediaTypes.signatureArtifact, 'signature', 'cosign signature'],
    [tags.attestation, CosignMediaTypes.attestationArtifact, 'attestation', 'cosign attestation'],
    [tags.sbom, CosignMediaTypes.sbomArtifact, 'sbom', 'cosign SBOM'],
  ];
  const found = await Promise.all(wanted.map(([tag]) => (knownTags && !knownTags.has(tag) ? undefined : manifestByTag(lister, repo, tag, signal))));
  const out: Referrer[] = [];
  found.forEach((doc, i) => {
    const [tag, artifactType, kind, label] = wanted[i] as (typeof wanted)[number];
    if (!doc) return;
    out.push({ descriptor: { mediaType: doc.mediaType, digest: doc.digest, size: doc.size }, artifactType, kind, label, foundBy: 'cosign-tag', tag });
  });
  return out;
}
