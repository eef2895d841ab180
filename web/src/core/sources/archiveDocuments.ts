/**
 * Reading the documents of an image archive: JSON members, Docker's manifest.json, image configs,
 * OCI layout blob paths and the digests member names claim. Shared by both layouts.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseVerifiableDigest } from '../digest';
import { DigestMismatchError } from '../errors';
import { createHasher } from '../layers/hash';
import { MediaTypes } from '../mediaTypes';
import type { Descriptor, ImageConfig } from '../oci';
import { ArchiveContentError, ArchiveJsonError } from './errors';
import { normalizeMemberPath } from './tarArchive';

/** Docker's uncompressed layer media type (docker-archive members are plain tars). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_LAYER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export interface DockerManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function isForeign(d: Descriptor): boolean {
  return (d.urls !== undefined && d.urls.length > 0) || d.mediaType === MediaTypes.dockerForeignLayer || d.mediaType.includes('.nondistributable.');
}

export function parseJson(bytes: Uint8Array, member: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ArchiveJsonError(`'${member}' is not UTF-8 text, so not JSON`, member);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ArchiveJsonError(`'${member}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, member);
  }
}

/** Docker's manifest.json: `[{Config, RepoTags, Layers, LayerSources?}]`. */
export function parseDockerManifest(value: unknown): DockerManifestItem[] {
  const bad = (why: string): never => {
    throw new ArchiveJsonError(`'manifest.json' is not a docker save manifest: ${why}`, 'manifest.json');
  };
  if (!Array.isArray(value)) bad('it is not a JSON array');
  return (value as unknown[]).map((item, i) => {
    if (!isRecord(item)) return bad(`entry ${i} is not an object`);
    if (typeof item.Config !== 'string' || item.Config === '') bad(`entry ${i} has no "Config" member name`);
    if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) bad(`entry ${i} has no "Layers" list of member names`);
    const tags = item.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) bad(`entry ${i} has a "RepoTags" that is not a list of strings`);
    const sources = isRecord(item.LayerSources) ? (item.LayerSources as Record<string, Descriptor>) : undefined;
    return {
      Config: item.Config as string,
      RepoTags: tags as string[],
      Layers: item.Layers as string[],
      ...(sources !== undefined ? { LayerSources: sources } : {}),
    };
  });
}

/** An image config, checked for the fields the image model relies on. */
export function parseConfig(bytes: Uint8Array, member: string): ImageConfig {
  const value = parseJson(bytes, member);
  const bad = (why: string): never => {
    throw new ArchiveJsonError(`'${member}' is not an image config: ${why}`, member);
  };
  if (!isRecord(value)) return bad('it is not a JSON object');
  if (typeof value.architecture !== 'string' || typeof value.os !== 'string') bad('it has no "architecture" and "os"');
  const rootfs = value.rootfs;
  if (!isRecord(rootfs) || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((d) => typeof d === 'string')) {
    bad('it has no "rootfs.diff_ids" list');
  }
  return value as unknown as ImageConfig;
}

/** `blobs/<alg>/<hex>` for a well-formed sha256 / sha512 digest. */
export function blobPath(digest: string): string | undefined {
  const parsed = parseVerifiableDigest(digest);
  return parsed ? `blobs/${parsed.algorithm}/${parsed.hex}` : undefined;
}

/** The digest a member name claims: `<hex>.json` (docker save), `blobs/sha256/<hex>`, `sha256:<hex>` (go-containerregistry). */
export function digestFromName(path: string): string | undefined {
  const m = /(?:^|\/)(?:(sha256|sha512)[:/])?([0-9a-f]{64}|[0-9a-f]{128})(?:\.json)?$/.exec(normalizeMemberPath(path));
  if (!m) return undefined;
  const hex = m[2] as string;
  const algorithm = m[1] ?? (hex.length === 64 ? 'sha256' : 'sha512');
  return parseVerifiableDigest(`${algorithm}:${hex}`) ? `${algorithm}:${hex}` : undefined;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(bytes))}`;
}

export function verifyDigest(bytes: Uint8Array, expected: string, subject: string): void {
  const parsed = parseVerifiableDigest(expected);
  if (!parsed) throw new ArchiveContentError(`${subject} is addressed by '${expected}', which is not a sha256 or sha512 digest`);
  const actual = `${parsed.algorithm}:${bytesToHex(parsed.algorithm === 'sha256' ? sha256(bytes) : sha512(bytes))}`;
  if (actual !== expected) throw new DigestMismatchError(subject, expected, actual);
}

export async function hashStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hasher = await createHasher('sha256');
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hasher.update(value);
  }
  return hasher.digest();
}
