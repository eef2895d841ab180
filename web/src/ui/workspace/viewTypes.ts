/**
 * What a workspace view is given, and what it declares. Kept apart from the registry (views.tsx) so
 * the pure helpers below, and their tests, need no React components.
 */
import type { ReactNode } from 'react';
import type { ImageFilesystem, ViewMode } from '../../core/fs';
import type { ImageDescription, LayerInfo } from '../../core/image';
import type { AttestationEntry } from '../../core/platform';
import type { ImageReference } from '../../core/reference';
import type { Repository } from '../../core/registry/client';
import type { LayerJobResult } from '../../queries/layerQueries';
import type { PackageReport } from '../../queries/packageQueries';
import type { TocReading } from '../../queries/tocQueries';
import type { ReferrerSubject } from '../browse/ReferrersPanel';
import type { ExplorerState } from '../explorer/Explorer';
import type { Jump } from '../explorer/WasteSummary';
import type { LayerState } from '../LayerStatus';

/** Where the image came from, when that is a registry: what the tags and referrers views need. */
export interface RegistrySource {
  repo: Repository;
  reference: ImageReference;
  /** The manifests whose referrers are listed (the index and the platform's image, or the image). */
  subjects: ReferrerSubject[];
  /** BuildKit attestations listed in the index, if any. */
  attestations: readonly AttestationEntry[];
}

/** Everything a view can draw from. One object, so a new view needs no new plumbing. */
export interface ViewContext {
  image: ImageDescription;
  layers: readonly LayerInfo[];
  /** Per layer: its analysis status (pending, verified, failed). */
  states: readonly LayerState[];
  /** Per layer: its analysis once read (the worker's whole result, for views that read more of it). */
  results: readonly (LayerJobResult | undefined)[];
  /** Per layer: its TOC reading (eStargz, zstd:chunked), when it was asked for one. */
  tocs: readonly (TocReading | undefined)[];
  /** Layers whose files are shown from their TOC while the blob is still read. */
  fromToc: readonly number[];
  /** Uncompressed tar bytes per layer, where known. */
  sizes: readonly (number | undefined)[];
  compressedBytes: number;
  /** The stacked filesystem: undefined until every layer is read. */
  fs: ImageFilesystem | undefined;
  fsError: unknown;
  /** The explorer's state, resolved: the selected layer (default the last), mode and node. */
  explorer: ExplorerState;
  layer: number;
  mode: ViewMode;
  selectedNode: number | undefined;
  /** Change the layer, mode or path and stay in this view. */
  onExplorer: (next: ExplorerState) => void;
  /** A click on a path anywhere: open the explorer on that layer and path, revealed and focused. */
  openPath: (jump: Jump) => void;
  /** A click on a package: open the explorer on the final image, its tree filtered to that package's files. */
  openPackage: (key: string) => void;
  /** Bumped by openPath and openPackage; the explorer reveals and focuses when it changes. */
  focusRequest: number;
  /** Who owns each file (core/packages), built off the main thread once every layer is read. */
  packages: PackageReport | undefined;
  packagesError: unknown;
  registry: RegistrySource | undefined;
  /** What the source says about the manifest (pull command, media type…), for the config view. */
  about: ReactNode;
}

interface ViewBase {
  /** In the URL as `view=<id>`; the first view of the registry is the default and has no parameter. */
  id: string;
  /** The tab's name. */
  label: string;
  /** One key that opens the view from anywhere in the workspace (listed in the `?` overlay). */
  key: string;
  /** What the view shows, for the `?` overlay. */
  description: string;
  /**
   * Stays mounted when another view is on screen (hidden), so its own state survives a visit
   * elsewhere. Only for views that are cheap when hidden.
   */
  keepMounted?: boolean;
}

/**
 * A view, by what it needs. `image`: drawn from the manifest, config and layer states, so it is
 * there at once. `filesystem`: drawn from the stacked filesystem; until it exists the workspace
 * says how far the layers are (never an empty panel). `registry`: only for an image from a
 * registry (not an opened archive), which then is not offered at all.
 */
export type WorkspaceView =
  | (ViewBase & { needs: 'image'; render: (ctx: ViewContext, active: boolean) => ReactNode })
  | (ViewBase & { needs: 'filesystem'; waiting: string; render: (ctx: ViewContext & { fs: ImageFilesystem }) => ReactNode })
  | (ViewBase & { needs: 'registry'; render: (ctx: ViewContext & { registry: RegistrySource }) => ReactNode });

/** The views this image can show: registry views only for a registry image. */
export function availableViews(views: readonly WorkspaceView[], hasRegistry: boolean): WorkspaceView[] {
  return views.filter((v) => v.needs !== 'registry' || hasRegistry);
}

/** The view the URL names; an unknown or unavailable one falls back to the first (the explorer). */
export function currentView<V extends { id: string }>(views: readonly V[], id: string | undefined): V {
  return views.find((v) => v.id === id) ?? views[0]!;
}

/** The URL parameter for a view: none for the default one, so the plain image link opens it. */
export function viewParam(views: readonly { id: string }[], id: string): string | undefined {
  return id === views[0]?.id ? undefined : id;
}

/** The view a key opens, if any. */
export function viewForKey<V extends { key: string }>(views: readonly V[], key: string): V | undefined {
  return views.find((v) => v.key === key);
}

/**
 * Keys typed into a field belong to the field. Checkboxes, radios and buttons take no text, so
 * view keys still work there.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
}
