/** The registry as an image source: manifest + config already fetched, layers opened on demand. */
import type { Image, Layer } from '../image';
import type { ImageConfig, ImageManifest } from '../oci';
import type { RegistryClient, Repository } from './client';

export function registryImage(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  mediaType: string,
  manifest: ImageManifest,
  config: ImageConfig,
): Image {
  const layers: Layer[] = manifest.layers.map((descriptor, index) => {
    const diffId = config.rootfs?.diff_ids?.[index];
    return {
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
      ...(diffId !== undefined ? { diffId } : {}),
      ...(descriptor.urls !== undefined ? { urls: descriptor.urls } : {}),
      async open(signal?: AbortSignal) {
        const response = await client.openBlob(repo, descriptor.digest, signal);
        if (!response.body) throw new Error(`blob ${descriptor.digest} has no body`);
        return response.body;
      },
    };
  });
  return { digest, mediaType, manifest, config, layers };
}
