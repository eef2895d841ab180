/**
 * The URL is the state: `/?image=<reference>&platform=<os/arch[/variant]>&view=waste&layer=3&mode=layer&path=/usr/lib`,
 * `&attestation=<digest>&statement=sbom` (an attestation of an index), `/?registry=<host>` (its
 * repositories), `/?compare=<reference>&with=<reference>` (two images compared), so a copied link
 * opens the same view. Back and forward work through popstate.
 */
import { useCallback, useSyncExternalStore } from 'react';

export type TreeMode = 'layer' | 'aggregate';

export interface UrlState {
  image?: string;
  platform?: string;
  /**
   * The workspace view of an image (`waste`, `treemap`, …; absent: the explorer). Any word is
   * kept: the workspace's view registry decides which exist, so adding a view touches no parser.
   */
  view?: string;
  /** Selected layer index. */
  layer?: number;
  /** The file tree shows this layer's changes, or everything up to it. */
  mode?: TreeMode;
  /** Selected path in the file tree. */
  path?: string;
  /** The file tree shows only this package's files (its key in the package report: `deb:libc6:amd64`). */
  pkg?: string;
  /** Name of a local archive being shown (the file itself lives only in this page's memory). */
  file?: string;
  /** An attestation manifest of the index, opened (its digest). */
  attestation?: string;
  /** Which statement of that attestation: `sbom`, `provenance`, or its position. */
  statement?: string;
  /** A registry host whose repositories are listed (`_catalog`), when no image is open. */
  registry?: string;
  /** Compare view: the first image (`?compare=` alone opens the empty form). */
  compare?: string;
  /** Compare view: the image it is compared with. */
  with?: string;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener('lading:navigate', onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener('lading:navigate', onChange);
  };
}

const getSearch = () => window.location.search;

export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const image = params.get('image')?.trim() || undefined;
  const platform = params.get('platform')?.trim() || undefined;
  const viewText = params.get('view')?.trim();
  const view = viewText && /^[a-z][a-z0-9-]*$/.test(viewText) ? viewText : undefined;
  const layerText = params.get('layer');
  const layer = layerText !== null && /^\d+$/.test(layerText) ? Number(layerText) : undefined;
  const modeText = params.get('mode');
  const mode = modeText === 'layer' || modeText === 'aggregate' ? modeText : undefined;
  const path = params.get('path') || undefined;
  const pkg = params.get('pkg')?.trim() || undefined;
  const file = params.get('file') || undefined;
  const attestation = params.get('attestation')?.trim() || undefined;
  const statement = params.get('statement')?.trim() || undefined;
  const registry = params.get('registry')?.trim() || undefined;
  const compare = params.has('compare') ? (params.get('compare')?.trim() ?? '') : undefined;
  const withImage = params.get('with')?.trim() || undefined;
  return {
    ...(compare !== undefined ? { compare } : {}),
    ...(withImage ? { with: withImage } : {}),
    ...(file ? { file } : {}),
    ...(image ? { image } : {}),
    ...(platform ? { platform } : {}),
    ...(view ? { view } : {}),
    ...(layer !== undefined ? { layer } : {}),
    ...(mode ? { mode } : {}),
    ...(path ? { path } : {}),
    ...(pkg ? { pkg } : {}),
    ...(attestation ? { attestation } : {}),
    ...(statement ? { statement } : {}),
    ...(registry ? { registry } : {}),
  };
}

/** The query string (`?…`, or '' for none) that encodes a state; `/`, `:` and `@` kept readable in shared links. */
export function searchFor(next: UrlState): string {
  const params = new URLSearchParams();
  if (next.compare !== undefined) params.set('compare', next.compare);
  if (next.with) params.set('with', next.with);
  if (next.image) params.set('image', next.image);
  if (next.file) params.set('file', next.file);
  if (next.platform) params.set('platform', next.platform);
  if (next.view) params.set('view', next.view);
  if (next.layer !== undefined) params.set('layer', String(next.layer));
  if (next.mode) params.set('mode', next.mode);
  if (next.path) params.set('path', next.path);
  if (next.pkg) params.set('pkg', next.pkg);
  if (next.attestation) params.set('attestation', next.attestation);
  if (next.statement) params.set('statement', next.statement);
  if (next.registry) params.set('registry', next.registry);
  const query = params.toString();
  return query ? `?${query.replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%40/g, '@')}` : '';
}

export function useUrlState(): [UrlState, (next: UrlState, options?: { replace?: boolean }) => void] {
  const search = useSyncExternalStore(subscribe, getSearch);
  const state = readUrlState(search);
  const navigate = useCallback((next: UrlState, options?: { replace?: boolean }) => {
    const url = `${window.location.pathname}${searchFor(next)}`;
    if (url === `${window.location.pathname}${window.location.search}`) return;
    if (options?.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    window.dispatchEvent(new Event('lading:navigate'));
  }, []);
  return [state, navigate];
}
