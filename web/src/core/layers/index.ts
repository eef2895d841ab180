/**
 * Layer decoding core: one streaming pass from a layer blob to a LayerIndex, with digest and
 * diff_id verification. Pure: runs unchanged in a Web Worker, the page, Node tests and a CLI.
 */
export { analyzeLayerStream } from './analyze';
export type { AnalyzeOptions, DigestCheck, LayerAnalysis, LayerProgress, LayerSource } from './analyze';
export type { LayerError, LayerErrorKind } from './errors';
export type { LayerWarning, LayerWarningKind } from './warnings';
export { describeWarning } from './warnings';
export type { ContentObserver, ContentSink, TarEntry, TarEntryInfo } from './tar';
export { sniffCompression } from './sniff';
export { announcesManyGzipMembers } from './nativeGzip';
export type { Compression } from './sniff';
export {
  EntryFlag,
  EntryType,
  LayerIndexBuilder,
  dumpLayerIndex,
  emptyLayerIndex,
  entryAt,
  entryCount,
  formatMode,
  layerEntries,
  layerIndexTransferables,
  linkOf,
  pathOf,
  stringAt,
  stringBytesAt,
} from './layerIndex';
export type { EntryFields, LayerEntry, LayerIndex, StringTable } from './layerIndex';
