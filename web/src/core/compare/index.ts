/**
 * Comparing two images: their final filesystems path by path (`compareFilesystems`) and their
 * layers by digest (`compareLayers`). Pure: runs in the page, a worker and Node tests.
 */
export { compareFilesystems, comparisonTransferables, diffAt, DIFF_KINDS, DIFFERENCES } from './compare';
export type { CompareOptions, CompareSummary, Difference, DiffKind, FsComparison, PathDiff, SideTotals } from './compare';
export { compareLayers } from './layers';
export type { LayerComparison, LayerRef, SharedLayer } from './layers';
