/**
 * What an OCI manifest that is not a runnable image is, so the UI can show it for what it is
 * instead of trying to read its layers as tar files: a cosign signature, an attestation
 * (BuildKit's or cosign's), an SBOM, a Helm chart, or some other artifact.
 */
import { isLayerType } from '../mediaTypes';
import type { ImageManifest } from '../oci';
import { isCosignSignatureManifest } from './cosign';
import { isAttestationImage } from './statement';

export const HELM_CONFIG_TYPE = 'application/vnd.cncf.helm.config.v1+json';

export type ArtifactKind = 'signature' | 'attestation' | 'sbom' | 'helm' | 'artifact';

const SBOM_TYPES = new Set(['application/spdx+json', 'text/spdx', 'application/vnd.cyclonedx+json', 'application/vnd.dev.cosign.artifact.sbom.v1+json']);

/**
 * The kind of a manifest that is not an image, or undefined for an image whose layers are
 * filesystem layers. `artifactType` is the classified type (manifest's, else config's).
 */
export function artifactKind(manifest: ImageManifest, artifactType?: string): ArtifactKind | undefined {
  if (isCosignSignatureManifest(manifest)) return 'signature';
  if (isAttestationImage(manifest)) return 'attestation';
  const type = artifactType ?? manifest.artifactType ?? '';
  if (manifest.config.mediaType === HELM_CONFIG_TYPE) return 'helm';
  if (SBOM_TYPES.has(type) || (manifest.layers.length > 0 && manifest.layers.every((l) => SBOM_TYPES.has(l.mediaType)))) return 'sbom';
  if (artifactType !== undefined || manifest.artifactType !== undefined) return 'artifact';
  // An "image" whose layers are not filesystem layers has nothing to explore.
  if (manifest.layers.length > 0 && !manifest.layers.some((l) => isLayerType(l.mediaType))) return 'artifact';
  return undefined;
}

export function describeArtifactKind(kind: ArtifactKind): string {
  switch (kind) {
    case 'signature':
      return 'cosign signature';
    case 'attestation':
      return 'attestation';
    case 'sbom':
      return 'SBOM';
    case 'helm':
      return 'Helm chart';
    default:
      return 'OCI artifact';
  }
}
