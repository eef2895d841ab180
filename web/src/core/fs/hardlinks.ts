/** Hardlinks in the stacking pass: a link names an earlier member of its own layer's tar (as Go's archive/tar and containerd resolve it). */
import { EntryFlag } from '../layers/layerIndex';

const MARKER = EntryFlag.Whiteout | EntryFlag.Opaque;

/** Hardlink targets: the last content entry at the target path earlier in the same layer. */
export function resolveHardlinks(
  L: number,
  layerBase: Int32Array,
  flags: Uint8Array,
  entryNode: Int32Array,
  linkProvisional: Int32Array,
  remap: Int32Array,
  N: number,
): Int32Array {
  const linkTarget = new Int32Array(entryNode.length).fill(-1);
  const stamp = new Int32Array(N).fill(-1);
  const last = new Int32Array(N);
  for (let k = 0; k < L; k++) {
    for (let g = layerBase[k]!; g < layerBase[k + 1]!; g++) {
      if (flags[g]! & MARKER) continue;
      if (linkProvisional[g]! >= 0) {
        const t = remap[linkProvisional[g]!]!;
        if (stamp[t] === k) linkTarget[g] = last[t]!;
      }
      const n = entryNode[g]!;
      stamp[n] = k;
      last[n] = g;
    }
  }
  return linkTarget;
}
