/** Platforms of an index, and telling real platforms from BuildKit attestation manifests. */
import type { Descriptor, ImageIndex, Platform } from './oci';

export const ATTESTATION_TYPE_ANNOTATION = 'vnd.docker.reference.type';
export const ATTESTATION_REFERENCE_ANNOTATION = 'vnd.docker.reference.digest';

/** `linux/arm64/v8`, `windows/amd64:10.0.17763.1234`. */
export function formatPlatform(platform: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== '').join('/');
}

export function parsePlatform(value: string): Pick<Platform, 'os' | 'architecture' | 'variant'> | undefined {
  const parts = value.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return undefined;
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant !== undefined ? { variant } : {}) };
}

export function isAttestationManifest(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[ATTESTATION_TYPE_ANNOTATION] === 'attestation-manifest';
}

export interface PlatformEntry {
  descriptor: Descriptor;
  /** `linux/amd64`, or `unknown/unknown` for attestations. */
  platform: string;
}

export interface AttestationEntry {
  descriptor: Descriptor;
  /** Digest of the image manifest this attestation describes. */
  subjectDigest?: string;
  /** The platform of that image manifest, when it is in the same index. */
  subjectPlatform?: string;
}

/** Splits an index into the platforms a user can pick and the attestations that describe them. */
export function indexEntries(index: ImageIndex): { platforms: PlatformEntry[]; attestations: AttestationEntry[] } {
  const platforms: PlatformEntry[] = [];
  const attestations: AttestationEntry[] = [];
  for (const descriptor of index.manifests) {
    if (isAttestationManifest(descriptor)) {
      const subjectDigest = descriptor.annotations?.[ATTESTATION_REFERENCE_ANNOTATION];
      attestations.push({ descriptor, ...(subjectDigest !== undefined ? { subjectDigest } : {}) });
    } else {
      platforms.push({ descriptor, platform: descriptor.platform ? formatPlatform(descriptor.platform) : 'unknown' });
    }
  }
  for (const attestation of attestations) {
    const subject = platforms.find((p) => p.descriptor.digest === attestation.subjectDigest);
    if (subject) attestation.subjectPlatform = subject.platform;
  }
  return { platforms, attestations };
}

/**
 * The platform to show: the requested one if the index has it, else linux/amd64 where
 * present, else the first. `linux/arm64` matches `linux/arm64/v8` when no variant is asked.
 */
export function choosePlatform(platforms: PlatformEntry[], requested?: string): PlatformEntry | undefined {
  if (requested !== undefined) {
    const exact = platforms.find((p) => p.platform === requested);
    if (exact) return exact;
    const loose = platforms.find((p) => p.platform.startsWith(`${requested}/`));
    if (loose) return loose;
  }
  return platforms.find((p) => p.platform === 'linux/amd64') ?? platforms[0];
}
