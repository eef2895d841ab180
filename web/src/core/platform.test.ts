import { describe, expect, it } from 'vitest';
import { choosePlatform, defaultPlatform, formatPlatform, indexEntries, matchPlatform, normalizePlatform, parsePlatform } from './platform';
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
    expect(choosePlatform(platforms, 'windows/amd64')).toBeUndefined();
  });
  it('formats and parses platform strings', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux')).toBeUndefined();
    expect(parsePlatform('linux//v7')).toBeUndefined();
  });
});

describe("matchPlatform, by containerd's rules", () => {
  const names = (list: string[]) => list.map((platform) => ({ platform }));
  const pick = (list: string[], wanted: string) => matchPlatform(names(list), wanted, (c) => c.platform)?.platform;

  it('treats a missing arm64 variant and v8 as the same, both ways', () => {
    expect(pick(['linux/amd64', 'linux/arm64'], 'linux/arm64/v8')).toBe('linux/arm64');
    expect(pick(['linux/amd64', 'linux/arm64/v8'], 'linux/arm64')).toBe('linux/arm64/v8');
    expect(pick(['linux/arm64/v8'], 'linux/aarch64')).toBe('linux/arm64/v8');
  });
  it('prefers the exact variant, then the older ones a machine runs', () => {
    expect(pick(['linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7'], 'linux/arm/v7')).toBe('linux/arm/v7');
    expect(pick(['linux/arm/v5', 'linux/arm/v6'], 'linux/arm/v7')).toBe('linux/arm/v6');
    expect(pick(['linux/arm/v7'], 'linux/arm/v6')).toBeUndefined();
    expect(pick(['linux/arm/v7'], 'linux/arm')).toBe('linux/arm/v7');
    expect(pick(['linux/amd64', 'linux/amd64/v2'], 'linux/amd64/v3')).toBe('linux/amd64/v2');
    expect(pick(['linux/386'], 'linux/amd64')).toBe('linux/386');
    expect(pick(['linux/amd64/v2'], 'linux/amd64')).toBeUndefined();
    expect(pick(['linux/amd64'], 'linux/amd64/v1')).toBe('linux/amd64');
  });
  it('lets arm64 run 32-bit arm, and v9 run v8 images', () => {
    expect(pick(['linux/arm/v7'], 'linux/arm64')).toBe('linux/arm/v7');
    expect(pick(['linux/arm64/v8.1', 'linux/arm64'], 'linux/arm64/v8.2')).toBe('linux/arm64/v8.1');
    expect(pick(['linux/arm64'], 'linux/arm64/v9')).toBe('linux/arm64');
  });
  it('never crosses operating systems, and refuses malformed requests', () => {
    expect(pick(['linux/amd64'], 'windows/amd64')).toBeUndefined();
    expect(pick(['linux/amd64'], 'linux')).toBeUndefined();
  });
  it('names Windows builds by os.version, matches them by prefix, and does not choose them by default', () => {
    const entries = [
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.6414' },
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2762' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ];
    expect(entries.map((e) => formatPlatform(e))).toEqual(['windows/amd64:10.0.17763.6414', 'windows/amd64:10.0.20348.2762', 'linux/arm64/v8']);
    expect(matchPlatform(entries, 'windows/amd64:10.0.20348', (e) => e)).toBe(entries[1]);
    expect(matchPlatform(entries, 'windows/amd64:10.0.2034', (e) => e)).toBeUndefined();
    expect(matchPlatform(entries, 'windows/amd64', (e) => e)).toBe(entries[0]);
    expect(defaultPlatform(entries, (e) => e)).toBe(entries[2]);
    expect(defaultPlatform(entries.slice(0, 2), (e) => e)).toBe(entries[0]);
    expect(parsePlatform('windows/amd64:10.0.17763.6414')).toEqual({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.6414' });
  });
  it('normalises spellings as containerd does', () => {
    expect(normalizePlatform({ os: 'Linux', architecture: 'x86_64' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(normalizePlatform({ os: 'linux', architecture: 'armhf' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(normalizePlatform({ os: 'linux', architecture: 'armel' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(normalizePlatform({ os: 'linux', architecture: 'i386' })).toEqual({ os: 'linux', architecture: '386' });
    expect(normalizePlatform({ os: 'linux', architecture: 'arm', variant: '6' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
  });
});
