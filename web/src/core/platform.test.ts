import { describe, expect, it } from 'vitest';
import { choosePlatform, formatPlatform, indexEntries, parsePlatform } from './platform';
import type { Descriptor, ImageIndex } from './oci';

const d = (n: number, extra: Partial<Descriptor>): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100,
  ...extra,
});

const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    d(1, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }),
    d(2, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
    d(3, { platform: { os: 'linux', architecture: 'amd64' } }),
    d(4, {
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d(3, {}).digest },
    }),
  ],
};

describe('platforms of an index', () => {
  it('separates attestations from platforms and links them to their image', () => {
    const { platforms, attestations } = indexEntries(index);
    expect(platforms.map((p) => p.platform)).toEqual(['linux/arm/v7', 'linux/arm64/v8', 'linux/amd64']);
    expect(attestations).toHaveLength(1);
    expect(attestations[0]?.subjectPlatform).toBe('linux/amd64');
  });
  it('defaults to linux/amd64, else the first', () => {
    const { platforms } = indexEntries(index);
    expect(choosePlatform(platforms)?.platform).toBe('linux/amd64');
    expect(choosePlatform(platforms.slice(0, 2))?.platform).toBe('linux/arm/v7');
  });
  it('honours a requested platform, matching a missing variant loosely', () => {
    const { platforms } = indexEntries(index);
    expect(choosePlatform(platforms, 'linux/arm64')?.platform).toBe('linux/arm64/v8');
    expect(choosePlatform(platforms, 'linux/arm/v7')?.platform).toBe('linux/arm/v7');
    expect(choosePlatform(platforms, 'windows/amd64')?.platform).toBe('linux/amd64');
  });
  it('formats and parses platform strings', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux')).toBeUndefined();
    expect(parsePlatform('linux//v7')).toBeUndefined();
  });
});
