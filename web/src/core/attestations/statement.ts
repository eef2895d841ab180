/**
 * in-toto statements, the layers of a BuildKit attestation manifest
 * (`application/vnd.in-toto+json`, annotation `in-toto.io/predicate-type`) and, wrapped in
 * a DSSE envelope, of cosign's `.att` images. `decodeStatement` turns the verified bytes
 * into what the UI shows: an SBOM, a provenance, or the predicate as JSON text. A bare SPDX or
 * CycloneDX document (the layer of an SBOM artifact) decodes as an SBOM too.
 */
import { sha256Digest } from '../digest';
import { DigestMismatchError } from '../errors';
import type { Descriptor, ImageManifest } from '../oci';
import { isProvenancePredicate, parseProvenance, type Provenance } from './slsa';
import { isCycloneDx, isSpdx, parseCycloneDx, parseSpdx, type Sbom } from './spdx';
import { base64Bytes } from './x509';

export const InTotoMediaTypes = {
  statement: 'application/vnd.in-toto+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
} as const;

export const PREDICATE_TYPE_ANNOTATION = 'in-toto.io/predicate-type';

export interface StatementSubject {
  name: string;
  digest: Record<string, string>;
}

export type StatementKind = 'sbom' | 'provenance' | 'other';

export type DecodedStatement = {
  statementType?: string;
  predicateType: string;
  subjects: StatementSubject[];
  /** Bytes of the blob as stored. */
  size: number;
} & ({ kind: 'sbom'; sbom: Sbom } | { kind: 'provenance'; provenance: Provenance } | { kind: 'other'; predicateJson: string; truncated: boolean });

/** What a predicate type is, from the annotation, before anything is fetched. */
export function predicateKind(predicateType: string | undefined): StatementKind {
  if (!predicateType) return 'other';
  if (/^https:\/\/spdx\.dev\/Document\b/.test(predicateType) || /^https:\/\/cyclonedx\.org\/bom\b/.test(predicateType)) return 'sbom';
  if (isProvenancePredicate(predicateType)) return 'provenance';
  return 'other';
}

/** `SBOM (SPDX)`, `Provenance (SLSA v0.2)`, or the predicate type itself. */
export function describePredicate(predicateType: string | undefined): string {
  if (!predicateType) return 'in-toto statement';
  if (/^https:\/\/spdx\.dev\/Document\b/.test(predicateType)) return 'SBOM (SPDX)';
  if (/^https:\/\/cyclonedx\.org\/bom\b/.test(predicateType)) return 'SBOM (CycloneDX)';
  const slsa = /^https:\/\/slsa\.dev\/provenance\/(v[\d.]+)/.exec(predicateType);
  if (slsa) return `Provenance (SLSA ${slsa[1]})`;
  if (predicateType.startsWith('https://cosign.sigstore.dev/attestation/vuln')) return 'Vulnerability scan (cosign)';
  if (predicateType.startsWith('https://in-toto.io/attestation/vulns')) return 'Vulnerability scan';
  return predicateType;
}

export interface AttestationLayer {
  descriptor: Descriptor;
  predicateType?: string;
  kind: StatementKind;
  label: string;
}

/** The statements an attestation manifest holds, in manifest order. */
export function attestationLayers(manifest: ImageManifest): AttestationLayer[] {
  return manifest.layers
    .filter(
      (l) => l.mediaType === InTotoMediaTypes.statement || l.mediaType === InTotoMediaTypes.dsse || l.annotations?.[PREDICATE_TYPE_ANNOTATION] !== undefined,
    )
    .map((descriptor) => {
      const predicateType = descriptor.annotations?.[PREDICATE_TYPE_ANNOTATION];
      return { descriptor, ...(predicateType ? { predicateType } : {}), kind: predicateKind(predicateType), label: describePredicate(predicateType) };
    });
}

/** A manifest whose layers are all in-toto statements (BuildKit attestation manifest, cosign `.att`). */
export function isAttestationImage(manifest: ImageManifest): boolean {
  return manifest.layers.length > 0 && attestationLayers(manifest).length === manifest.layers.length;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Predicates of the `other` kind are shown as JSON text, up to this many characters. */
export const MAX_PREDICATE_TEXT = 256 * 1024;

/**
 * Verifies `bytes` against `expectedDigest` (sha256 only; other algorithms are not checked),
 * parses the statement, unwrapping a DSSE envelope, and summarises its predicate.
 */
export function decodeStatement(bytes: Uint8Array, expectedDigest?: string, subject = 'statement'): DecodedStatement {
  if (expectedDigest?.startsWith('sha256:')) {
    const actual = sha256Digest(bytes);
    if (actual !== expectedDigest) throw new DigestMismatchError(subject, expectedDigest, actual);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${subject} is not JSON`);
  }
  if (isRecord(json) && typeof json.payload === 'string' && typeof json.payloadType === 'string') {
    try {
      json = JSON.parse(new TextDecoder().decode(base64Bytes(json.payload)));
    } catch {
      throw new Error(`${subject}: the DSSE envelope's payload is not base64 JSON`);
    }
  }
  if (!isRecord(json)) throw new Error(`${subject} is not a JSON object`);
  // A bare SBOM document (an OCI artifact's layer), not wrapped in a statement.
  if (isSpdx(json)) return { predicateType: '', subjects: [], size: bytes.byteLength, kind: 'sbom', sbom: parseSpdx(json) };
  if (isCycloneDx(json)) return { predicateType: '', subjects: [], size: bytes.byteLength, kind: 'sbom', sbom: parseCycloneDx(json) };
  const predicateType = typeof json.predicateType === 'string' ? json.predicateType : '';
  const subjects = (Array.isArray(json.subject) ? json.subject : []).filter(isRecord).map((s) => ({
    name: typeof s.name === 'string' ? s.name : '',
    digest: Object.fromEntries(Object.entries(isRecord(s.digest) ? s.digest : {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
  }));
  const base = { ...(typeof json._type === 'string' ? { statementType: json._type } : {}), predicateType, subjects, size: bytes.byteLength };
  const predicate = json.predicate;
  if (isSpdx(predicate)) return { ...base, kind: 'sbom', sbom: parseSpdx(predicate) };
  if (isCycloneDx(predicate)) return { ...base, kind: 'sbom', sbom: parseCycloneDx(predicate) };
  if (isProvenancePredicate(predicateType)) return { ...base, kind: 'provenance', provenance: parseProvenance(predicateType, predicate) };
  const text = JSON.stringify(predicate ?? null, null, 2);
  return { ...base, kind: 'other', predicateJson: text.slice(0, MAX_PREDICATE_TEXT), truncated: text.length > MAX_PREDICATE_TEXT };
}
