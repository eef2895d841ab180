// The benchmark image: built (or reused) by e2e/bench/build.sh, described in bench-image.json,
// pushed to a throwaway registry with skopeo byte for byte.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_ACCEPT } from '../harness/net';
import { repoRoot } from '../harness/paths';
import { run } from '../harness/process';
import type { Registry } from '../harness/registry';
import { benchDir } from './paths';

export interface BenchLayer {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
  createdBy: string;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
  /** `tar -t` lines. */
  entryCount: number;
}

export interface BenchTag {
  repository: string;
  tag: string;
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  layers: BenchLayer[];
}

export type BenchTagName = 'gzip' | 'zstd' | 'single-small' | 'single-medium' | 'single-large';

export interface BenchImage {
  schemaVersion: 1;
  cacheKey: string;
  /** The OCI layout, relative to the repository root. */
  layout: string;
  tags: Record<BenchTagName, BenchTag>;
  packages: { name: string; version: string; debBytes: number }[];
}

/** The larger image (build.sh heavy): ≥ 1.5 GB of tar in 7 layers, gzip and zstd tags only. */
export interface HeavyImage extends Omit<BenchImage, 'tags'> {
  tags: Record<'gzip' | 'zstd', BenchTag>;
}

export const imageFile = join(benchDir, 'image', 'bench-image.json');
export const heavyImageFile = join(benchDir, 'heavy', 'bench-image.json');

/** Runs build.sh (a no-op when its stamp matches) and reads what it wrote. */
export function ensureImage(): { image: BenchImage; built: boolean; seconds: number };
export function ensureImage(variant: 'heavy'): { image: HeavyImage; built: boolean; seconds: number };
export function ensureImage(variant: 'standard' | 'heavy' = 'standard'): { image: BenchImage | HeavyImage; built: boolean; seconds: number } {
  const started = performance.now();
  const file = variant === 'heavy' ? heavyImageFile : imageFile;
  const result = spawnSync('bash', [join(repoRoot, 'e2e/bench/build.sh'), variant], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  process.stderr.write(result.stderr ?? '');
  if (result.status !== 0) throw new Error(`e2e/bench/build.sh failed (${result.status ?? result.signal ?? result.error?.message})`);
  const image = JSON.parse(readFileSync(file, 'utf8')) as BenchImage;
  if (image.schemaVersion !== 1) throw new Error(`${file}: unexpected schemaVersion`);
  return { image, built: !/up to date/.test(result.stderr ?? ''), seconds: (performance.now() - started) / 1000 };
}

export function blobPath(image: Pick<BenchImage, 'layout'>, digest: string): string {
  return join(repoRoot, image.layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

export function totals(tag: BenchTag): { size: number; uncompressedSize: number; entryCount: number } {
  return tag.layers.reduce(
    (t, l) => ({ size: t.size + l.size, uncompressedSize: t.uncompressedSize + l.uncompressedSize, entryCount: t.entryCount + l.entryCount }),
    { size: 0, uncompressedSize: 0, entryCount: 0 },
  );
}

/** skopeo copy --preserve-digests of every tag, then HEADs each manifest and blob. */
export async function pushImage(registry: Registry, image: Pick<BenchImage, 'layout'> & { tags: Partial<Record<BenchTagName, BenchTag>> }): Promise<void> {
  const tags = Object.values(image.tags).filter((t): t is BenchTag => t !== undefined);
  for (const tag of tags) {
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--preserve-digests',
        '--dest-tls-verify=false',
        '--dest-no-creds',
        `oci:${image.layout}:${tag.tag}`,
        `docker://${registry.host}/${tag.repository}:${tag.tag}`,
      ],
      { cwd: repoRoot },
    );
  }
  for (const tag of tags) {
    const base = `${registry.url}/v2/${tag.repository}`;
    const res = await fetch(`${base}/manifests/${tag.tag}`, { method: 'HEAD', headers: { Accept: MANIFEST_ACCEPT } });
    if (res.status !== 200 || res.headers.get('docker-content-digest') !== tag.digest) {
      throw new Error(`the registry serves ${tag.reference} as ${res.status} ${res.headers.get('docker-content-digest')}, expected ${tag.digest}`);
    }
    for (const layer of tag.layers) {
      const blob = await fetch(`${base}/blobs/${layer.digest}`, { method: 'HEAD' });
      if (blob.status !== 200 || blob.headers.get('content-length') !== String(layer.size)) {
        throw new Error(`the registry serves blob ${layer.digest} as ${blob.status}, length ${blob.headers.get('content-length')}, expected ${layer.size}`);
      }
    }
  }
}

/** The blob URL on the registry itself (`direct`) or through the Lading proxy. */
export function blobUrl(base: { registry: Registry; proxyUrl?: string }, tag: BenchTag, digest: string): string {
  const path = `/v2/${tag.repository}/blobs/${digest}`;
  return base.proxyUrl ? `${base.proxyUrl}/registry/${base.registry.host}${path}` : `${base.registry.url}${path}`;
}
