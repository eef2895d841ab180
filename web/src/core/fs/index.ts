/**
 * Filesystem view and waste analysis: layers stacked into one interned path trie, per-layer
 * change marks, views and rows for a virtualized tree, dive's efficiency numbers (exactly) and
 * Lading's reclaimable bytes. Pure: runs in a Web Worker, the page and Node tests alike.
 */
export { ImageFilesystem, stackLayers } from './imageFs';
export type { LayerStats, NodeInfo } from './imageFs';
export { buildFsData, fsDataTransferables, LIVE_AFTER, LIVE_BEFORE } from './filesystem';
export type { FsData, LayerInput } from './filesystem';
export { CHANGE_COMPARISON_HELP, Fate, MARK_NAMES, Mark, NOT_IN_VIEW, REASONS } from './marks';
export type { MarkName, ReclaimReason } from './marks';
export type { FsView, ViewMode } from './view';
export { RowFlag } from './flatten';
export type { FlatRows, FlattenOptions, TreeFilter } from './flatten';
export { diveAnalysis } from './dive';
export type { DiveAnalysis, DiveInefficiency } from './dive';
export type { LargestFile, ReclaimableItem, ReclaimableSummary } from './waste';
export { allPaths, childrenOf, findNode, nameOf, pathOfNode } from './trie';
export type { PathTrie } from './trie';
