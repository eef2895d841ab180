/**
 * One Layer factory for every source (after go-containerregistry's `partial`, which derives a
 * whole v1.Layer from a minimal one): a layer is its descriptor, the diff_id the config gives it,
 * and where its stored bytes are. From that the rest follows in one place — how to open the bytes
 * (the registry's blob, else its foreign URLs; a slice of an opened file), how to open a range of
 * them, and the description a worker receives. The registry source, the archive sources and the
 * worker all build their layers here, so a layer opened in the CLI, in the page or in a worker
 * behaves the same, foreign layers included (ggcr reads `urls` inside its remote layer too).
 */
import type { CheckedBody, FileSliceLocation, Layer, LayerDescription, LayerLocation, RangeRead, RegistryLocation } from './image';
import { DIGEST_CHECK_HEADER } from './digest';
import { RegistryClient } from './registry/client';
import { blobReader } from './sources/blobReader';

export interface LayerOptions {
  /**
   * Opens the stored bytes, when the source reads them its own way (an archive reads through
   * its BlobReader). Default: from the location.
   */
  open?: (signal?: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
  /** What opening a layer without a location throws (an archive names the member it lacks). */
  missing?: () => Error;
  /** fetch for registry locations (tests). */
  fetch?: typeof fetch;
}

/** The whole Layer from its description. */
export function layerFromDescription(description: LayerDescription, options: LayerOptions = {}): Layer {
  const { descriptor, diffId, location } = description;
  const missing = options.missing ?? (() => new Error(`layer ${descriptor.digest} is not held by this source`));
  const opener =
    location === undefined ? undefined : location.kind === 'registry' ? registryOpener(location, description, options.fetch) : fileSliceOpener(location);
  return {
    digest: descriptor.digest,
    size: descriptor.size,
    mediaType: descriptor.mediaType,
    descriptor,
    ...(diffId !== undefined ? { diffId } : {}),
    ...(descriptor.urls !== undefined && descriptor.urls.length > 0 ? { urls: descriptor.urls } : {}),
    ...(location !== undefined ? { location } : {}),
    async open(signal) {
      signal?.throwIfAborted();
      if (options.open) return options.open(signal);
      if (!opener) throw missing();
      return opener.open(signal);
    },
    async openChecked(signal) {
      signal?.throwIfAborted();
      if (options.open) return { body: await options.open(signal) };
      if (!opener) throw missing();
      return opener.openChecked ? opener.openChecked(signal) : { body: await opener.open(signal) };
    },
    async openRange(offset, length, signal) {
      signal?.throwIfAborted();
      if (!opener) throw missing();
      return opener.openRange(offset, length, signal);
    },
  };
}

interface Opener {
  open(signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  openChecked?(signal?: AbortSignal): Promise<CheckedBody>;
  openRange(offset: number, length: number | undefined, signal?: AbortSignal): Promise<RangeRead>;
}

function fileSliceOpener(location: FileSliceLocation): Opener {
  const reader = blobReader(location.blob);
  return {
    open: async (signal) => reader.stream(location.offset, location.length, signal),
    openRange: async (offset, length, signal) => {
      const start = Math.min(offset, location.length);
      const count = Math.min(length ?? location.length - start, location.length - start);
      return { body: reader.stream(location.offset + start, count, signal), whole: false };
    },
  };
}

/**
 * The registry's blob; when the registry cannot give it and the descriptor names foreign URLs
 * (non-distributable layers), the first of those that answers, through the proxy's /foreign
 * route. When none answers, the registry's own error is the one reported.
 */
function registryOpener(location: RegistryLocation, description: LayerDescription, fetchImpl: typeof fetch | undefined): Opener {
  const client = new RegistryClient({ baseUrl: location.baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const repo = { domain: location.domain, path: location.path };
  const { digest, size } = description.descriptor;
  const urls = description.descriptor.urls ?? [];
  const bodyOf = (response: Response): ReadableStream<Uint8Array> => {
    if (!response.body) throw new Error(`the answer for ${digest} has no body`);
    return response.body;
  };
  const foreign = async (registryError: unknown, signal?: AbortSignal): Promise<Response> => {
    for (const url of urls) {
      try {
        return await client.openForeign(url, digest, size, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
      }
    }
    throw registryError;
  };
  const get = async (
    range: { start: number; end?: number } | undefined,
    signal?: AbortSignal,
    checkDigest = false,
  ): Promise<{ response: Response; foreign: boolean }> => {
    try {
      return { response: await client.openBlob(repo, digest, signal, range, { checkDigest }), foreign: false };
    } catch (error) {
      if (signal?.aborted || urls.length === 0) throw error;
      return { response: await foreign(error, signal), foreign: true };
    }
  };
  return {
    open: async (signal) => bodyOf((await get(undefined, signal)).response),
    openChecked: async (signal) => {
      const { response, foreign: fromForeign } = await get(undefined, signal, true);
      // Only the proxy's registry route sets the header (it drops a registry's own of that name).
      const checked = fromForeign ? null : response.headers.get(DIGEST_CHECK_HEADER);
      return { body: bodyOf(response), ...(checked === digest ? { checkedDigest: digest } : {}) };
    },
    openRange: async (offset, length, signal) => {
      if (length === 0) return { body: new Blob([]).stream() as ReadableStream<Uint8Array>, whole: false };
      const range = { start: offset, ...(length !== undefined ? { end: offset + length - 1 } : {}) };
      const { response, foreign: fromForeign } = await get(offset === 0 && length === undefined ? undefined : range, signal);
      const body = bodyOf(response);
      if (fromForeign || response.status !== 206) return { body, whole: true, status: response.status };
      const answered = /^bytes (\d+)-(\d+)\//.exec(response.headers.get('content-range') ?? '');
      if (!answered || Number(answered[1]) !== offset || (length !== undefined && Number(answered[2]) !== offset + length - 1)) {
        await body.cancel();
        throw new Error(
          `the registry answered the range ${offset}-${length !== undefined ? offset + length - 1 : ''} of ${digest} with ${response.headers.get('content-range') ?? 'no Content-Range'}`,
        );
      }
      return { body, whole: false, status: response.status };
    },
  };
}

/** A registry layer: its bytes through the proxy at `baseUrl`. */
export function registryLayer(
  baseUrl: string,
  repo: { domain: string; path: string },
  description: Omit<LayerDescription, 'location'>,
  fetchImpl?: typeof fetch,
): Layer {
  const location: LayerLocation = { kind: 'registry', baseUrl, domain: repo.domain, path: repo.path };
  return layerFromDescription({ ...description, location }, fetchImpl ? { fetch: fetchImpl } : {});
}
