import type { ReactNode } from 'react';
import type { ImageFilesystem, ViewMode } from '../../core/fs';
import type { LayerInfo } from '../../core/image';
import type { PackageReport } from '../../queries/packageQueries';
import type { Jump } from '../explorer/WasteSummary';
import { LayerSizeChart } from './LayerSizeChart';
import { Treemap } from './Treemap';

interface VisualsProps {
  fs: ImageFilesystem;
  layers: readonly LayerInfo[];
  /** Uncompressed tar bytes per layer, where known. */
  sizes: readonly (number | undefined)[];
  layer: number;
  mode: ViewMode;
  selectedNode: number | undefined;
  onSelectLayer: (layer: number) => void;
  onJump: (jump: Jump) => void;
  /** The treemap's own controls (the tree mode). */
  controls?: ReactNode;
  /** Who owns each file: the treemap can colour by package. */
  packages?: PackageReport | undefined;
}

/** The workspace's pictures: the treemap of the explorer's layer and mode, then the size of every layer (a click picks the layer). */
export function Visuals({ fs, layers, sizes, layer, mode, selectedNode, onSelectLayer, onJump, controls, packages }: VisualsProps) {
  return (
    <>
      <Treemap fs={fs} layers={layers} layer={layer} mode={mode} selectedNode={selectedNode} onJump={onJump} controls={controls} packages={packages} />
      <LayerSizeChart fs={fs} layers={layers} tarSizes={sizes} selected={layer} onSelect={onSelectLayer} />
    </>
  );
}
