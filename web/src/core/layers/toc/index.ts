/**
 * TOC first: a layer's table of contents (eStargz `stargz.index.json`, the zstd:chunked manifest)
 * read by Range requests, as the LayerIndex the tar pass would produce, with where each file's
 * content is. See README.md.
 */
export { readLayerToc, MAX_TOC_BYTES, TAIL_BYTES, TOC_TAR_NAME } from './readToc';
export type { LayerToc, ReadTocOptions, TocReading } from './readToc';
export { blobRanges, RangeUnsupportedError } from './ranges';
export type { BlobRanges } from './ranges';
export { TOC_NO_OFFSET, tocContentTransferables } from './toIndex';
export type { TocContentMap } from './toIndex';
export { readTocContent, tocContentPlan, TocContentError } from './content';
export type { TocContentPlan } from './content';
export { compareTocWithTar } from './compare';
export type { TocCheck } from './compare';
export { announcedToc } from './footers';
export type { TocFormat } from './tocJson';
