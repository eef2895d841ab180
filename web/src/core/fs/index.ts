/**
 * Filesystem view and waste analysis: layers stacked into one interned path trie, per-layer
 * change marks, views and rows for a virtualized tree, dive's efficiency numbers (exactly, see
 * DIVE-COMPAT.md) and Lading's reclaimable bytes. Pure: runs in a Web Worker, the page and
 * Node tests alike.
 *
 *   const fs = stackLayers(layers.map((l) => ({ index: l.index, command: l.createdBy })));
 *   const rows = fs.flatten(i, 'aggregate', { expanded, sort: 'size', filter: { path: 'lib', hide: { unmodified: true } } });
 *   for (let r = first; r < last; r++) draw(fs.info(i, 'aggregate', rows.node[r]), rows.depth[r], rows.flags[r]);
 *   fs.dive();             // { efficiency, wastedBytes, userSizeBytes, wastedUserPercent, inefficiencies, … }
 *   fs.reclaimableItems(); // [{ path, bytes, layer, reason, byLayer, byPath, byCommand }, …]
 *   fs.reclaimable().byLayer[k], fs.layerStats(k), fs.largest(20), fs.largest(20, k)
 *
 * Node ids are the same in every layer and view, so a set of expanded ids survives switching
 * layers and modes. In a worker: `const { data, transfer } = fs.toTransfer()`, post `data` with
 * `transfer`, and `ImageFilesystem.fromTransfer(data)` on the other side.
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
