/**
 * Platforms: telling real platforms from BuildKit attestation manifests, naming them, and the one
 * matcher every caller uses (the image page, compare, the CLI, archives).
 *
 * Matching follows containerd's `platforms.Only` (containerd/platforms compare.go, database.go):
 * both sides are normalised first (`aarch64` = `arm64`, `arm64/v8` = `arm64`, `x86_64` = `amd64`,
 * `amd64/v1` = `amd64`, `arm` = `arm/v7`, `armhf` = `arm/v7`, `armel` = `arm/v6`, `i386` = `386`),
 * then a requested platform also accepts the ones its machines run, best first: `amd64/v3` takes
 * v3, v2, v1, then `386`; `arm/v7` takes v7, v6, v5; `arm64/v8.2` takes v8.2, v8.1, v8, then
 * `arm/v8`…`arm/v5`. So `linux/arm64/v8` finds an index entry that says `linux/arm64` and the other
 * way round, which a string prefix test got wrong in one direction or the other.
 *
 * Windows entries carry `os.version` (`10.0.17763.1234`): it is part of their name, so two Windows
 * builds of one architecture are told apart, and a request that names one (`windows/amd64:10.0.17763`)
 * matches by prefix. With nothing requested, the default is linux/amd64 (then any non-Windows
 * entry, then the first): Windows entries are listed, never chosen unasked, as `docker pull` on a
 * Linux host would not choose them either.
 */
import type { Descriptor, ImageIndex, Platform } from './oci';

export const ATTESTATION_TYPE_ANNOTATION = 'vnd.docker.reference.type';
export const ATTESTATION_REFERENCE_ANNOTATION = 'vnd.docker.reference.digest';

/** The parts of a platform that matching looks at. */
export interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly osVersion?: string;
}

type PlatformLike = Pick<Platform, 'os' | 'architecture' | 'variant' | 'os.version'> | PlatformSpec;

function specOf(p: PlatformLike): PlatformSpec {
  const osVersion = 'osVersion' in p ? p.osVersion : (p as Pick<Platform, 'os.version'>)['os.version'];
  return {
    os: p.os,
    architecture: p.architecture,
    ...(p.variant !== undefined && p.variant !== '' ? { variant: p.variant } : {}),
    ...(osVersion !== undefined && osVersion !== '' ? { osVersion } : {}),
  };
}

/** `linux/arm64/v8`; `windows/amd64:10.0.17763.1234` for entries that carry an os.version. */
export function formatPlatform(platform: PlatformLike): string {
  const p = specOf(platform);
  const base = [p.os, p.architecture, p.variant].filter((part) => part !== undefined && part !== '').join('/');
  return p.osVersion !== undefined ? `${base}:${p.osVersion}` : base;
}

/** `os/arch[/variant][:os.version]`; undefined when it is not of that shape. */
export function parsePlatform(value: string): PlatformSpec | undefined {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const osVersion = colon < 0 ? undefined : value.slice(colon + 1);
  if (osVersion !== undefined && !/^[0-9A-Za-z._-]+$/.test(osVersion)) return undefined;
  const parts = name.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || !/^[0-9A-Za-z._-]+$/.test(p))) return undefined;
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant !== undefined ? { variant } : {}), ...(osVersion !== undefined ? { osVersion } : {}) };
}

/** containerd's `Normalize`: one spelling for each platform. */
export function normalizePlatform(platform: PlatformLike): PlatformSpec {
  const p = specOf(platform);
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? '';
  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8') variant = '';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  return { os, architecture, ...(variant !== '' ? { variant } : {}), ...(p.osVersion !== undefined ? { osVersion: p.osVersion } : {}) };
}

/** The platforms a request accepts, best first (containerd's `platformVector`), normalised. */
function acceptedBy(wanted: PlatformSpec): PlatformSpec[] {
  const same = (architecture: string, variant?: string): PlatformSpec =>
    normalizePlatform({ ...wanted, architecture, ...(variant !== undefined ? { variant } : { variant: '' }) });
  const vector: PlatformSpec[] = [wanted];
  const number = (variant: string | undefined): number => Number.parseInt((variant ?? '').replace(/^v/, ''), 10);
  switch (wanted.architecture) {
    case 'amd64': {
      const level = number(wanted.variant);
      for (let v = level - 1; Number.isInteger(level) && v >= 1; v--) vector.push(same('amd64', `v${v}`));
      vector.push(same('386'));
      break;
    }
    case 'arm': {
      const level = number(wanted.variant);
      for (let v = level - 1; Number.isInteger(level) && v >= 5; v--) vector.push(same('arm', `v${v}`));
      break;
    }
    case 'arm64': {
      const variant = wanted.variant ?? 'v8';
      const [majorText, minorText] = variant.replace(/^v/, '').split('.');
      let major = Number.parseInt(majorText ?? '', 10);
      let minor = minorText !== undefined && variant.length === 4 ? Number.parseInt(minorText, 10) || 0 : 0;
      if (Number.isInteger(major) && major >= 8) {
        const arm64 = (maj: number, min: number): PlatformSpec => same('arm64', min === 0 ? `v${maj}` : `v${maj}.${min}`);
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) vector.push(arm64(9, m));
          // v9.0 branched from v8.5: v9.x runs what v8.(x+5) does.
          minor += 5;
          major = 8;
          vector.push(arm64(8, minor));
        }
        for (let m = minor - 1; m >= 0; m--) vector.push(arm64(major, m));
      }
      // An arm64 machine runs 32-bit arm too, from v8 down.
      for (let v = 8; v >= 5; v--) vector.push(same('arm', `v${v}`));
      break;
    }
  }
  return vector;
}

function sameSpec(candidate: PlatformSpec, wanted: PlatformSpec): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture || (candidate.variant ?? '') !== (wanted.variant ?? '')) return false;
  // A requested os.version (Windows build) must be a prefix, at a dot, of the candidate's.
  if (wanted.osVersion === undefined) return true;
  const have = candidate.osVersion ?? '';
  return have === wanted.osVersion || have.startsWith(`${wanted.osVersion}.`);
}

/**
 * The candidate that serves `wanted` best, by containerd's rules (see the file header); undefined
 * when none does. `platformOf` says what platform a candidate is (undefined: it has none).
 */
export function matchPlatform<T>(
  candidates: readonly T[],
  wanted: string | PlatformLike,
  platformOf: (candidate: T) => PlatformLike | string | undefined,
): T | undefined {
  const request = typeof wanted === 'string' ? parsePlatform(wanted) : wanted;
  if (request === undefined) return undefined;
  const normalised = candidates.map((c) => {
    const p = platformOf(c);
    const spec = typeof p === 'string' ? parsePlatform(p) : p;
    return spec === undefined ? undefined : normalizePlatform(spec);
  });
  for (const accepted of acceptedBy(normalizePlatform(request))) {
    const i = normalised.findIndex((spec) => spec !== undefined && sameSpec(spec, accepted));
    if (i >= 0) return candidates[i];
  }
  return undefined;
}

/** What to show when nothing is asked for: linux/amd64, else the first non-Windows entry, else the first. */
export function defaultPlatform<T>(candidates: readonly T[], platformOf: (candidate: T) => PlatformLike | string | undefined): T | undefined {
  const linux = matchPlatform(candidates, { os: 'linux', architecture: 'amd64' }, platformOf);
  if (linux !== undefined) return linux;
  const osOf = (c: T): string | undefined => {
    const p = platformOf(c);
    return typeof p === 'string' ? parsePlatform(p)?.os : p?.os;
  };
  return candidates.find((c) => osOf(c) !== 'windows') ?? candidates[0];
}

export function isAttestationManifest(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[ATTESTATION_TYPE_ANNOTATION] === 'attestation-manifest';
}

export interface PlatformEntry {
  descriptor: Descriptor;
  /** `linux/amd64`, `windows/amd64:10.0.17763.1234`, or `unknown` for an entry without a platform. */
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

/** An index entry's platform for matching: its descriptor's, when it has one. */
export function entryPlatform(entry: PlatformEntry): PlatformLike | undefined {
  return entry.descriptor.platform;
}

/** The entry `requested` names (by containerd's rules), or the default one when nothing is requested. */
export function choosePlatform(platforms: readonly PlatformEntry[], requested?: string): PlatformEntry | undefined {
  return requested !== undefined ? matchPlatform(platforms, requested, entryPlatform) : defaultPlatform(platforms, entryPlatform);
}
