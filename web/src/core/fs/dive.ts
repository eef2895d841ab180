/**
 * dive's image efficiency, wasted bytes, user size and inefficient-files list, computed so the
 * numbers equal dive's to the last digit on the same layers (see DIVE-COMPAT.md, which also
 * lists every dive quirk reproduced here and why).
 *
 * dive (wagoodman/dive, dive/filetree/efficiency.go `Efficiency`, dive/image/analysis.go
 * `Analyze`) builds one FileTree per layer tar and then, for each layer in order, visits that
 * tree's leaves depth-first, children before parents, siblings sorted by name:
 *   - a leaf is a node with no children in that layer's tree: a file, a symlink, a hardlink,
 *     an empty directory, or a whiteout marker `.wh.name`;
 *   - an ordinary leaf counts its tar header size (FileInfo.Size);
 *   - a whiteout counts 0 when the stack of the layers below has a non-directory at the path,
 *     and the sum of FileInfo.Size over the whole stacked subtree when it is a directory
 *     (IsDir from the tar header of the stacked node); if the stack has nothing at the path,
 *     dive's visitor returns an error, which ends the walk of that layer;
 *   - per path: CumulativeSize = sum of all counts, minDiscoveredSize = the smallest; a path is
 *     "inefficient" once it was counted twice.
 * score = Σ min / Σ cumulative over all paths (1 when Σ cumulative = 0); wasted bytes = Σ
 * cumulative over inefficient paths; layer size = Σ tar header sizes of its entries; user size
 * = all layers but the first; user-wasted percent = wasted / user size.
 *
 * Sizes are tar header sizes (Go's header.FileInfo().Size()): directories, symlinks,
 * hardlinks, devices and whiteout markers are 0 in practice; directories are counted only
 * when empty (a leaf), hardlinks and symlinks as 0-byte leaves.
 *
 * Quirks reproduced on purpose (details and tests: DIVE-COMPAT.md, dive.test.ts):
 *   - a deleted file counts 0 but its path becomes inefficient with the file's size;
 *   - the copy you keep counts as waste (dive issue #684);
 *   - a directory whiteout is charged to the directory, and counts only if the stacked node's
 *     tar header says directory: a directory known only implicitly (no entry of its own in the
 *     last layer that had it) counts 0;
 *   - opaque markers are ignored (what they hide is not counted); the marker still creates its
 *     directory, as an empty FileInfo if the layer has no entry for it;
 *   - a whiteout of a path the stack lacks ends that layer's walk and leaves -1 in Σ min;
 *   - layer 0 is stacked onto a copy of itself, so its whiteout markers stay in the stack;
 *   - a file and a whiteout of the same path in one layer are two nodes, both counted;
 *   - AUFS names (`.wh..wh.plnk`) are whiteouts of nothing; `.wh..wh..*` names are dropped;
 *   - ties in the list are ordered by Go's sort.Sort (ported in goSort.ts).
 * Deliberate difference: user-wasted percent is 0 when the user size is 0 (dive: NaN or +Inf).
 *
 * dive re-stacks layers 0..k-1 for every whiteout in layer k (quadratic). Here the stack of
 * the layers below is kept up to date incrementally, with dive's exact stacking rules (which
 * differ from the OCI ones: opaque markers are ignored, a layer's implicit directories reset
 * the stacked node's FileInfo, and layer 0's whiteout markers stay in the stack).
 */
import { DiveEmulator, type DiveAnalysis } from './diveEmulator';
import type { FsData } from './filesystem';

export type { DiveAnalysis, DiveInefficiency } from './diveEmulator';

/** dive's figures for a stacked image: each layer's tree built, visited and stacked in order, as dive does. */
export function diveAnalysis(data: FsData): DiveAnalysis {
  const L = data.layers.length;
  const dive = new DiveEmulator(data);
  const layerSizes: number[] = [];
  const truncated: number[] = [];
  for (let k = 0; k < L; k++) {
    layerSizes.push(dive.buildTree(k));
    dive.postOrder(k);
    // dive's stack for layer 0 is a copy of tree 0 (StackTreeRange copies trees[0] first).
    if (k === 0) dive.copyTree();
    if (!dive.visitLeaves(k)) truncated.push(k);
    dive.stackTree();
  }
  return dive.result(layerSizes, truncated);
}
