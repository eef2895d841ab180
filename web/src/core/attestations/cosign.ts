/**
 * cosign's signatures as registries store them: an image tagged `sha256-<hex>.sig` (or an
 * OCI 1.1 referrer with artifactType `application/vnd.dev.cosign.artifact.sig.v1+json`)
 * whose layers are simple-signing payloads, each annotated with the signature, the signing
 * certificate and chain, and the Rekor transparency-log bundle. Lading shows these; it does
 * not verify them (that is `cosign verify`'s job).
 */
import type { Descriptor, ImageManifest } from '../oci';
import { base64Bytes, parsePemCertificates, type ParsedPem } from './x509';

export const CosignMediaTypes = {
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  signatureArtifact: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  sbomArtifact: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
  attestationArtifact: 'application/vnd.dev.cosign.artifact.att.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;

export const CosignAnnotations = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

/** The tags cosign writes next to an image: `sha256-<hex>.sig`, `.att`, `.sbom`. */
export function cosignTags(digest: string): { signature: string; attestation: string; sbom: string } {
  const base = digestTag(digest);
  return { signature: `${base}.sig`, attestation: `${base}.att`, sbom: `${base}.sbom` };
}

/** `sha256:abc…` → `sha256-abc…`: the referrers tag schema and cosign's tag prefix. */
export function digestTag(digest: string): string {
  return digest.replace(':', '-');
}

export interface RekorEntry {
  logIndex?: number;
  /** From `integratedTime` (Unix seconds). */
  integratedTime?: Date;
  logId?: string;
  /** The entry's kind and apiVersion (`hashedrekord 0.0.1`), from the base64 body. */
  kind?: string;
  apiVersion?: string;
  signedEntryTimestamp?: string;
}

export interface CosignSignature {
  layer: Descriptor;
  /** Base64 signature over the payload layer. */
  signature?: string;
  certificate?: ParsedPem;
  chain?: ParsedPem;
  rekor?: RekorEntry;
  /** Set when the bundle annotation was present but not readable. */
  rekorError?: string;
  hasRfc3161Timestamp: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A manifest that carries cosign signatures. */
export function isCosignSignatureManifest(manifest: Pick<ImageManifest, 'layers' | 'artifactType'>): boolean {
  return (
    manifest.artifactType === CosignMediaTypes.signatureArtifact ||
    (manifest.layers.length > 0 && manifest.layers.every((l) => l.mediaType === CosignMediaTypes.simpleSigning))
  );
}

export function parseCosignSignatures(manifest: Pick<ImageManifest, 'layers'>): CosignSignature[] {
  return manifest.layers
    .filter((l) => l.mediaType === CosignMediaTypes.simpleSigning || l.annotations?.[CosignAnnotations.signature] !== undefined)
    .map((layer) => {
      const a = layer.annotations ?? {};
      const out: CosignSignature = { layer, hasRfc3161Timestamp: a[CosignAnnotations.rfc3161Timestamp] !== undefined };
      const signature = a[CosignAnnotations.signature];
      const certificate = a[CosignAnnotations.certificate];
      const chain = a[CosignAnnotations.chain];
      const bundle = a[CosignAnnotations.bundle];
      if (signature) out.signature = signature;
      if (certificate) out.certificate = parsePemCertificates(certificate);
      if (chain) out.chain = parsePemCertificates(chain);
      if (bundle) {
        try {
          out.rekor = parseRekorBundle(bundle);
        } catch (error) {
          out.rekorError = error instanceof Error ? error.message : String(error);
        }
      }
      return out;
    });
}

/** cosign's bundle annotation: `{SignedEntryTimestamp, Payload: {body, integratedTime, logIndex, logID}}`. */
export function parseRekorBundle(text: string): RekorEntry {
  const bundle: unknown = JSON.parse(text);
  if (!isRecord(bundle) || !isRecord(bundle.Payload)) throw new Error('the bundle has no Payload');
  const payload = bundle.Payload;
  const out: RekorEntry = {};
  if (typeof payload.logIndex === 'number') out.logIndex = payload.logIndex;
  if (typeof payload.integratedTime === 'number') out.integratedTime = new Date(payload.integratedTime * 1000);
  if (typeof payload.logID === 'string') out.logId = payload.logID;
  if (typeof bundle.SignedEntryTimestamp === 'string') out.signedEntryTimestamp = bundle.SignedEntryTimestamp;
  if (typeof payload.body === 'string') {
    try {
      const body: unknown = JSON.parse(new TextDecoder().decode(base64Bytes(payload.body)));
      if (isRecord(body)) {
        if (typeof body.kind === 'string') out.kind = body.kind;
        if (typeof body.apiVersion === 'string') out.apiVersion = body.apiVersion;
      }
    } catch {
      // The body is optional detail; the log index and time are what people look up.
    }
  }
  return out;
}

export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the repository the signer named. */
  dockerReference?: string;
  /** `critical.image.docker-manifest-digest`: what was signed. */
  manifestDigest?: string;
  type?: string;
  /** `optional`: the annotations passed with `cosign sign -a`. */
  optional?: Record<string, unknown>;
}

/** The payload cosign signs (containers/image "simple signing" format). */
export function parseSimpleSigning(json: unknown): SimpleSigningPayload {
  if (!isRecord(json) || !isRecord(json.critical)) throw new Error('not a simple-signing payload (no "critical")');
  const critical = json.critical;
  const identity = isRecord(critical.identity) ? critical.identity : {};
  const image = isRecord(critical.image) ? critical.image : {};
  const out: SimpleSigningPayload = {};
  if (typeof identity['docker-reference'] === 'string') out.dockerReference = identity['docker-reference'];
  if (typeof image['docker-manifest-digest'] === 'string') out.manifestDigest = image['docker-manifest-digest'];
  if (typeof critical.type === 'string') out.type = critical.type;
  if (isRecord(json.optional)) out.optional = json.optional;
  return out;
}
