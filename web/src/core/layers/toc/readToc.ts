/**
 * Reads a layer's table of contents with Range requests, before (and beside) the streaming pass,
 * so its file tree can be shown while the blob is still on its way.
 *
 *   const reading = await readLayerToc(blobRanges(layer), { annotations: layer.descriptor.annotations, signal });
 *   if (reading.status === 'found') show(reading.toc.index);
 *
 * eStargz: one request for the blob's last `tailBytes` (16 KiB) holds the footer and, for most
 * layers, the whole TOC member; a larger TOC takes one more request. The member is inflated, its
 * tar header read with the tar pass's own parser (that entry, `stargz.index.json`, is part of the
 * layer's tar and so of its index), and the JSON checked against the descriptor's
 * `containerd.io/snapshot/stargz/toc.digest` (sha256 of the JSON) before it is believed.
 * zstd:chunked: the manifest's position comes from the descriptor's annotation (or, without one,
 * the footer frame); one request reads it, its sha256 is checked against the `manifest-checksum`
 * annotation (of the compressed bytes, as containers/storage checks it), libzstd inflates it.
 *
 * Never throws (except for the signal's reason on abort). What comes back:
 * - `found`: the TOC as a LayerIndex (toIndex.ts) and where each file's content is;
 * - `absent`: the layer announces no TOC (and has none at its end when probed);
 * - `failed`: there is one, but it cannot be used: damaged, larger than `maxTocBytes` (like
 *   containers/storage's maxTocSize, it bounds the memory a hostile layer can make us spend), a
 *   digest that does not match, or a registry that ignores Range (then the TOC is no quicker
 *   than the tar pass). The tar pass goes on either way; the reason is shown on the layer.
 */
import { createDecoder } from '../decoders';
import { createHasher } from '../hash';
import { entryAt, EntryType, LayerIndexBuilder, type LayerEntry, type LayerIndex } from '../layerIndex';
import { TarParser } from '../tar';
import {
  announcedToc,
  ESTARGZ_TOC_DIGEST,
  parseEstargzFooter,
  parseZstdChunkedFooter,
  ZSTD_CHUNKED_CHECKSUM,
  ZSTD_CHUNKED_FOOTER_FRAME,
  zstdChunkedPositionFromAnnotations,
  type ZstdChunkedPosition,
} from './footers';
import { RangeUnsupportedError, type BlobRanges } from './ranges';
import { tocToIndex, type TocContentMap } from './toIndex';
import { parseTocJson, TocFormatError, type TocFormat } from './tocJson';

export const TOC_TAR_NAME = 'stargz.index.json';
/** Default cap on a TOC's compressed and uncompressed bytes (containers/storage allows 150 MiB). */
export const MAX_TOC_BYTES = 64 * 1024 * 1024;
/** Default bytes read from the end of an eStargz blob: the footer, and the whole TOC of a layer of a few hundred files (larger TOCs take a second request). */
export const TAIL_BYTES = 16 * 1024;

export interface LayerToc {
  readonly format: TocFormat;
  /** The TOC as the tar pass would index the layer (offsets unknown: TOC_NO_OFFSET). */
  readonly index: LayerIndex;
  /** Where each entry's content is in the blob. */
  readonly content: TocContentMap;
  /** How file contents are compressed in the blob. */
  readonly compression: 'gzip' | 'zstd';
  /** The TOC's digest as read, and the one the descriptor announces (eStargz: of the JSON; zstd:chunked: of the compressed manifest). */
  readonly tocDigest: { readonly expected?: string; readonly actual: string; readonly ok: boolean };
  /** Bytes of TOC JSON. */
  readonly tocBytes: number;
  /** Listed files that keep their entry but lost their content plan, and why. */
  readonly notes: readonly string[];
}

interface Accounting {
  /** Stored bytes fetched for the TOC. */
  readonly fetchedBytes: number;
  /** Range requests made. */
  readonly requests: number;
}

export type TocReading =
  | ({ status: 'found'; toc: LayerToc } & Accounting)
  | ({ status: 'absent'; reason: string } & Accounting)
  | ({ status: 'failed'; format: TocFormat; reason: string } & Accounting);

export interface ReadTocOptions {
  /** The layer descriptor's annotations: which TOC it announces, and that TOC's digest. */
  annotations?: Readonly<Record<string, string>> | undefined;
  /**
   * Look at the blob's end for a TOC even when the descriptor announces none (a `docker save`
   * archive drops annotations). Costs a Range request, so meant for sources where reading is free.
   */
  probe?: boolean;
  maxTocBytes?: number;
  tailBytes?: number;
  signal?: AbortSignal;
}

class TocFailure extends Error {}

/** Reads and maps the layer's TOC. Rejects only with the signal's reason. */
export async function readLayerToc(blob: BlobRanges, options: ReadTocOptions = {}): Promise<TocReading> {
  const { signal } = options;
  const max = options.maxTocBytes ?? MAX_TOC_BYTES;
  let fetchedBytes = 0;
  let requests = 0;
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    requests++;
    const bytes = await blob.read(offset, length, signal);
    fetchedBytes += bytes.length;
    return bytes;
  };
  const accounting = (): Accounting => ({ fetchedBytes, requests });
  let format = announcedToc(options.annotations);
  try {
    if (format === undefined && !options.probe) return { status: 'absent', reason: 'the layer descriptor announces no TOC', ...accounting() };
    const tailLength = Math.min(blob.size, options.tailBytes ?? TAIL_BYTES);
    let tail: Uint8Array | undefined;
    if (format === undefined) {
      // Probing: the same tail tells both formats apart.
      tail = await read(blob.size - tailLength, tailLength);
      if (parseEstargzFooter(tail).ok) format = 'estargz';
      else if (parseZstdChunkedFooter(tail).ok) format = 'zstd:chunked';
      else return { status: 'absent', reason: 'the blob ends in neither an eStargz nor a zstd:chunked footer', ...accounting() };
    }
    const toc =
      format === 'estargz'
        ? await readEstargz(blob.size, tail ?? (await read(blob.size - tailLength, tailLength)), read, max, options.annotations)
        : await readZstdChunked(blob.size, tail, read, max, options.annotations);
    return { status: 'found', toc, ...accounting() };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const reason =
      error instanceof TocFailure || error instanceof TocFormatError
        ? error.message
        : error instanceof RangeUnsupportedError
          ? 'the registry ignores Range requests, so the TOC is no quicker than the blob'
          : `reading the TOC failed: ${error instanceof Error ? error.message : String(error)}`;
    return { status: 'failed', format: format ?? 'estargz', reason, ...accounting() };
  }
}

type Read = (offset: number, length: number) => Promise<Uint8Array>;

function tooLarge(what: string, bytes: number, max: number): never {
  throw new TocFailure(`the TOC's ${what} is ${bytes} bytes, more than the ${max} Lading reads`);
}

async function readEstargz(
  size: number,
  tail: Uint8Array,
  read: Read,
  max: number,
  annotations: Readonly<Record<string, string>> | undefined,
): Promise<LayerToc> {
  const footer = parseEstargzFooter(tail);
  if (!footer.ok) throw new TocFailure(`no eStargz footer: ${footer.reason}`);
  const { tocOffset, footerSize } = footer.value;
  const memberEnd = size - footerSize;
  if (tocOffset >= memberEnd) throw new TocFailure(`the footer puts the TOC at byte ${tocOffset}, past the end of the blob's data (${memberEnd})`);
  const memberLength = memberEnd - tocOffset;
  if (memberLength > max) tooLarge('gzip member', memberLength, max);
  const tailStart = size - tail.length;
  const member = tocOffset >= tailStart ? tail.subarray(tocOffset - tailStart, memberEnd - tailStart) : await read(tocOffset, memberLength);

  const tar = await inflate('gzip', member, max);
  // The member is a tar of one entry, the TOC, as the tar pass will see it at the layer's end.
  const builder = new LayerIndexBuilder();
  const parser = new TarParser(builder);
  parser.push(tar);
  parser.finish();
  const own = builder.finish();
  if (own.count === 0) throw new TocFailure(`the TOC member holds no tar entry${parser.error ? ` (${parser.error.message})` : ''}`);
  const entry = entryAt(own, 0);
  if (entry.path !== TOC_TAR_NAME || entry.type !== EntryType.File)
    throw new TocFailure(`the TOC member's first entry is '${entry.path.slice(0, 80)}', not the file ${TOC_TAR_NAME}`);
  if (entry.offset + entry.size > tar.length) throw new TocFailure('the TOC member ends inside the TOC');
  const json = tar.subarray(entry.offset, entry.offset + entry.size);

  const expected = annotations?.[ESTARGZ_TOC_DIGEST];
  const tocDigest = await digestCheck(json, expected);
  if (expected !== undefined && !tocDigest.ok) throw new TocFailure(`the TOC's digest ${tocDigest.actual} is not the ${expected} its descriptor announces`);
  const parsed = parseTocJson(json, tocOffset);
  const trailing: LayerEntry = { ...entry };
  const { index, content } = tocToIndex(parsed.entries, tocOffset, [trailing]);
  return { format: 'estargz', index, content, compression: 'gzip', tocDigest, tocBytes: json.length, notes: parsed.notes };
}

async function readZstdChunked(
  size: number,
  tail: Uint8Array | undefined,
  read: Read,
  max: number,
  annotations: Readonly<Record<string, string>> | undefined,
): Promise<LayerToc> {
  let position = zstdChunkedPositionFromAnnotations(annotations);
  if (!position) {
    const footerTail = tail ?? (await read(Math.max(0, size - ZSTD_CHUNKED_FOOTER_FRAME), Math.min(size, ZSTD_CHUNKED_FOOTER_FRAME)));
    position = parseZstdChunkedFooter(footerTail);
  }
  if (!position.ok) throw new TocFailure(position.reason);
  const { offset, length, uncompressedLength }: ZstdChunkedPosition = position.value;
  if (offset < 8 || offset + length > size) throw new TocFailure(`the manifest position ${offset}+${length} is outside the ${size}-byte blob`);
  if (length > max) tooLarge('compressed manifest', length, max);
  if (uncompressedLength > max) tooLarge('manifest', uncompressedLength, max);
  const compressed = await read(offset, length);
  const key = ZSTD_CHUNKED_CHECKSUM.find((k) => annotations?.[k] !== undefined);
  const expected = key ? annotations?.[key] : undefined;
  const tocDigest = await digestCheck(compressed, expected);
  if (expected !== undefined && !tocDigest.ok)
    throw new TocFailure(`the manifest's digest ${tocDigest.actual} is not the ${expected} its descriptor announces`);
  const json = await inflate('zstd', compressed, uncompressedLength);
  if (json.length !== uncompressedLength) throw new TocFailure(`the manifest inflates to ${json.length} bytes, not the ${uncompressedLength} announced`);
  // Content lies before the manifest's skippable frame.
  const dataEnd = offset - 8;
  const parsed = parseTocJson(json, dataEnd);
  const { index, content } = tocToIndex(parsed.entries, dataEnd);
  return { format: 'zstd:chunked', index, content, compression: 'zstd', tocDigest, tocBytes: json.length, notes: parsed.notes };
}

async function digestCheck(bytes: Uint8Array, expected: string | undefined): Promise<LayerToc['tocDigest']> {
  const hasher = await createHasher('sha256');
  hasher.update(bytes);
  const actual = hasher.digest();
  return { ...(expected !== undefined ? { expected } : {}), actual, ok: expected === actual };
}

/** Inflates a whole compressed buffer, refusing to produce more than `max` bytes. */
async function inflate(compression: 'gzip' | 'zstd', bytes: Uint8Array, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const decoder = await createDecoder(compression, (out) => {
    if (over) return;
    total += out.length;
    if (total > max) over = true;
    else parts.push(out.slice());
  });
  // In slices, so a small member that inflates to gigabytes is stopped soon after the cap.
  const SLICE = 64 * 1024;
  let error: { message: string } | undefined;
  for (let o = 0; o < bytes.length && !error && !over; o += SLICE) error = decoder.push(bytes.subarray(o, Math.min(bytes.length, o + SLICE)));
  if (!error && !over) error = decoder.finish();
  if (over) tooLarge('uncompressed size', total, max);
  if (error) throw new TocFailure(`the TOC does not inflate: ${error.message}`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
