/** Two images' layers by digest: which they share (at which positions) and what each has alone. */

export interface LayerRef {
  readonly digest: string;
  /** Stored (compressed) bytes. */
  readonly size: number;
}

export interface SharedLayer {
  readonly digest: string;
  readonly size: number;
  /** Positions of the layer in each image (a layer can repeat). */
  readonly a: readonly number[];
  readonly b: readonly number[];
}

export interface LayerComparison {
  /** In a's order. */
  readonly shared: readonly SharedLayer[];
  /** Positions of the layers only one image has. */
  readonly onlyA: readonly number[];
  readonly onlyB: readonly number[];
  /** Stored bytes of each image's layers, and b − a. */
  readonly compressed: { readonly a: number; readonly b: number; readonly delta: number };
  /** Stored bytes of the shared layers (counted once): what pulling b after a does not download again. */
  readonly sharedBytes: number;
  /** The longest common prefix of layers: the base both are built on. */
  readonly commonBase: number;
}

export function compareLayers(a: readonly LayerRef[], b: readonly LayerRef[]): LayerComparison {
  const positions = (layers: readonly LayerRef[]) => {
    const map = new Map<string, number[]>();
    layers.forEach((l, i) => {
      const list = map.get(l.digest);
      if (list) list.push(i);
      else map.set(l.digest, [i]);
    });
    return map;
  };
  const inA = positions(a);
  const inB = positions(b);
  const shared: SharedLayer[] = [];
  for (const [digest, at] of inA) {
    const bt = inB.get(digest);
    if (bt) shared.push({ digest, size: a[at[0]!]!.size, a: at, b: bt });
  }
  let commonBase = 0;
  while (commonBase < a.length && commonBase < b.length && a[commonBase]!.digest === b[commonBase]!.digest) commonBase++;
  const sum = (layers: readonly LayerRef[]) => layers.reduce((s, l) => s + l.size, 0);
  const compressedA = sum(a);
  const compressedB = sum(b);
  return {
    shared,
    onlyA: a.flatMap((l, i) => (inB.has(l.digest) ? [] : [i])),
    onlyB: b.flatMap((l, i) => (inA.has(l.digest) ? [] : [i])),
    compressed: { a: compressedA, b: compressedB, delta: compressedB - compressedA },
    sharedBytes: shared.reduce((s, l) => s + l.size, 0),
    commonBase,
  };
}
