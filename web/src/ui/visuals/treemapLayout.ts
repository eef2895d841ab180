/** Squarified layout of a TreemapTree into rectangles (d3-hierarchy), in pixels. */
import { hierarchy, treemap, treemapSquarify } from 'd3-hierarchy';
import type { TreemapNode, TreemapTree } from './treemapData';

export interface Tile {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** 1 for the zoom root's children. */
  readonly depth: number;
  readonly data: TreemapNode;
  /** A directory laid out inside (drawn as a frame around its children). */
  readonly frame: boolean;
  /** The frame has a strip on top for its name. */
  readonly header: boolean;
}

/** Height of a directory frame's name strip. */
export const HEADER = 16;

/**
 * `textScale` is the page's text size relative to 16 px (1.25 in large-text mode): the name
 * strips grow with the labels they hold.
 */
export function layoutTreemap(tree: TreemapTree, width: number, height: number, textScale = 1): Tile[] {
  if (width < 20 || height < 20 || tree.root.size <= 0) return [];
  const header = Math.round(HEADER * textScale);
  const root = hierarchy<TreemapNode>(tree.root, (d) => d.children)
    .sum((d) => (d.children ? 0 : d.size))
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  const hasHeader = (n: { depth: number; x0: number; x1: number; y0: number; y1: number }) =>
    n.depth > 0 && n.y1 - n.y0 > header * 2.5 && n.x1 - n.x0 > 40 * textScale;
  const laid = treemap<TreemapNode>()
    .tile(treemapSquarify)
    .size([width, height])
    .round(true)
    .paddingInner(1)
    .paddingOuter((n) => (n.depth === 0 ? 0 : 2))
    .paddingTop((n) => (n.depth === 0 ? 0 : hasHeader(n) ? header : 2))(root);
  const tiles: Tile[] = [];
  for (const n of laid.descendants()) {
    if (n.depth === 0) continue;
    const w = n.x1 - n.x0;
    const h = n.y1 - n.y0;
    if (w < 1 || h < 1) continue;
    const frame = n.children !== undefined && n.children.length > 0;
    tiles.push({ x: n.x0, y: n.y0, w, h, depth: n.depth, data: n.data, frame, header: frame && hasHeader(n) });
  }
  return tiles;
}

/** `text` cut to fit `width` pixels at about `charWidth` per character, or '' when nothing useful fits. */
export function fitLabel(text: string, width: number, charWidth = 6.6): string {
  const max = Math.floor((width - 6) / charWidth);
  if (max < 3) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
