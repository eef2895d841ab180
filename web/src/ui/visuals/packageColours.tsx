/**
 * The treemap coloured by package: the packages that own the most bytes among the tiles drawn
 * get a colour of their own (the first nine of the categorical palette), every other package
 * shares the tenth, and files of no package are grey like the folded small entries. The legend
 * names each coloured package, and the tooltip names the tile's package, so colour is never the
 * only cue.
 */
import type { PackageReport } from '../../queries/packageQueries';
import { packageLabel } from '../packages/packageFilter';
import { layerSwatch, PALETTE_SIZE } from './palette';
import type { TreemapNode } from './treemapData';

const OWN = PALETTE_SIZE - 1;
const SWATCH = 'h-3 w-3 shrink-0 rounded-sm ring-1 ring-slate-900/20 dark:ring-white/25';

export interface PackageSlots {
  /** Package id → palette slot, for the packages with a colour of their own, largest first. */
  readonly own: Map<number, number>;
  /** Whether some tile belongs to a package without a colour of its own. */
  readonly others: boolean;
}

/** Ranks the packages by the bytes of the tiles they colour (tiles with no children: files and folded directories). */
export function packageSlots(root: TreemapNode): PackageSlots {
  const bytes = new Map<number, number>();
  const walk = (t: TreemapNode): void => {
    if (t.children && t.children.length > 0) t.children.forEach(walk);
    else if (t.group >= 0) bytes.set(t.group, (bytes.get(t.group) ?? 0) + t.size);
  };
  walk(root);
  const ranked = [...bytes].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { own: new Map(ranked.slice(0, OWN).map(([id], i) => [id, i])), others: ranked.length > OWN };
}

/** The palette slot of a tile's package (-1: no package, drawn grey). */
export function packageSlot(slots: PackageSlots, group: number): number {
  if (group < 0) return -1;
  return slots.own.get(group) ?? OWN;
}

export function PackageLegend({ report, slots }: { report: PackageReport; slots: PackageSlots }) {
  return (
    <div>
      <h3 id="treemap-legend-title" className="font-semibold text-slate-700 dark:text-slate-300">
        Colour: the package that owns it
      </h3>
      <ul aria-labelledby="treemap-legend-title" className="mt-1 flex flex-col gap-0.5" data-testid="treemap-package-legend">
        {[...slots.own].map(([id, slot]) => {
          const p = report.packages[id]!;
          return (
            <li key={id} data-package={p.key} className="flex min-w-0 items-center gap-1.5" title={packageLabel(p)}>
              <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(slot)}`} />
              <span className="truncate font-mono">{p.name}</span>
            </li>
          );
        })}
        {slots.others && (
          <li className="flex items-center gap-1.5">
            <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(OWN)}`} />
            other packages
          </li>
        )}
        <li className="flex items-center gap-1.5">
          <span aria-hidden="true" className={`${SWATCH} ${layerSwatch(-1)}`} />
          no package, or small entries
        </li>
      </ul>
    </div>
  );
}
