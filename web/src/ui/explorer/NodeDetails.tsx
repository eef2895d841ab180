import { CHANGE_COMPARISON_HELP, type ImageFilesystem, type ViewMode } from '../../core/fs';
import { contentHashOfEntry } from '../../core/fs/identity';
import type { LayerInfo } from '../../core/image';
import { dockerfileLine } from '../../core/image';
import { shortDigest } from '../../core/digest';
import type { PackageReport } from '../../queries/packageQueries';
import { FileContents } from '../contents/FileContents';
import { entryOwners, packageLabel } from '../packages/packageFilter';
import { formatBytes, formatDate } from '../format';
import { MARK_STYLE, modeString } from './marks';

const TYPE_NAMES = ['regular file', 'hard link', 'symbolic link', 'character device', 'block device', 'directory', 'named pipe', 'other'];

/** The package that owns the shown entry (as of its layer), or why there is none. */
function ownerText(fs: ImageFilesystem, packages: PackageReport | undefined, info: { node: number; entry: number; type: number; implicit: boolean }): string {
  if (info.implicit || info.type === 5) return 'directories are not attributed';
  if (!packages) return '…';
  if (packages.entryOwner.length !== fs.data.entryNode.length) return '…';
  const owners = entryOwners(packages, info.entry, info.node, fs.data.finalVis[info.node] === info.entry);
  return owners.length === 0 ? 'no package' : owners.map(packageLabel).join('; also ');
}

/** The selected path and the selected layer, in words. Before the filesystem is stacked: the layer alone. */
export function NodeDetails({
  fs,
  layers,
  layer,
  mode,
  node,
  packages,
}: {
  fs: ImageFilesystem | undefined;
  layers: readonly LayerInfo[];
  layer: number;
  mode: ViewMode;
  node: number | undefined;
  /** Who owns each file; undefined while the package databases are read. */
  packages?: PackageReport | undefined;
}) {
  const info = node === undefined || !fs ? undefined : fs.info(layer, mode, node);
  const contentHash = info && fs ? contentHashOfEntry(fs.data, info.entry) : undefined;
  const layerInfo = layers[layer];
  const stats = fs?.layerStats(layer);
  return (
    <div className="flex h-full flex-col gap-4 overflow-y-auto p-3 text-sm">
      <section aria-labelledby="layer-details-title">
        <h3 id="layer-details-title" className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          Layer {layer}
        </h3>
        <code className="mt-1 block font-mono text-xs break-all whitespace-pre-wrap">{dockerfileLine(layerInfo?.history?.created_by) || 'no history'}</code>
        <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs">
          <dt className="text-slate-600 dark:text-slate-400">Digest</dt>
          <dd className="font-mono" title={layerInfo?.descriptor.digest}>
            {layerInfo ? shortDigest(layerInfo.descriptor.digest) : '—'}
          </dd>
          <dt className="text-slate-600 dark:text-slate-400">Size</dt>
          <dd>{layerInfo ? `${formatBytes(layerInfo.descriptor.size)} to download` : '—'}</dd>
          {stats && (
            <>
              <dt className="text-slate-600 dark:text-slate-400">Changes</dt>
              <dd>
                <span className="text-emerald-700 dark:text-emerald-400">{stats.added} added</span>,{' '}
                <span className="text-amber-700 dark:text-amber-300">{stats.modified} modified</span>,{' '}
                <span className="text-red-700 dark:text-red-400">{stats.removed} removed</span>
              </dd>
              <dt className="text-slate-600 dark:text-slate-400">Written</dt>
              <dd>{formatBytes(stats.writtenBytes)}</dd>
              <dt className="text-slate-600 dark:text-slate-400">Dead weight</dt>
              <dd title="Bytes this layer stores that the final image cannot see: overwritten, deleted or hidden later">
                {stats.deadBytes === 0 ? 'none: all of it is visible in the final image' : `${formatBytes(stats.deadBytes)} hidden in the final image`}
              </dd>
            </>
          )}
        </dl>
      </section>
      {fs && (
        <section aria-labelledby="node-details-title">
          <h3 id="node-details-title" className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            Selected path
          </h3>
          {!info ? (
            <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">Select a file or directory in the tree.</p>
          ) : (
            <dl className="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs" data-testid="node-details">
              <dt className="text-slate-600 dark:text-slate-400">Path</dt>
              <dd className="font-mono break-all">{info.path}</dd>
              <dt className="text-slate-600 dark:text-slate-400">Type</dt>
              <dd>{info.implicit ? 'directory (implied by its contents)' : TYPE_NAMES[info.type]}</dd>
              {info.mark && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">Change</dt>
                  <dd className={MARK_STYLE[info.mark].className}>
                    {MARK_STYLE[info.mark].symbol} {MARK_STYLE[info.mark].label} {mode === 'layer' ? 'in this layer' : `as of layer ${layer}`}
                  </dd>
                </>
              )}
              <dt className="text-slate-600 dark:text-slate-400">Size</dt>
              <dd>
                {formatBytes(info.size)} <span className="text-slate-600 dark:text-slate-400">({info.size.toLocaleString('en')} bytes)</span>
              </dd>
              <dt className="text-slate-600 dark:text-slate-400">Mode</dt>
              <dd className="font-mono">
                {modeString(info.type, info.mode)}
                {info.mode !== undefined && ` (${info.mode.toString(8).padStart(4, '0')})`}
              </dd>
              {info.uid !== undefined && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">Owner</dt>
                  <dd className="font-mono">
                    {info.uid}:{info.gid}
                  </dd>
                </>
              )}
              {info.mtime !== undefined && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">Modified</dt>
                  <dd>{formatDate(new Date(info.mtime * 1000).toISOString())}</dd>
                </>
              )}
              {contentHash !== undefined && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">Content hash</dt>
                  <dd className="font-mono" title="XXH64 of the file’s bytes (what xxhsum -H1 prints), the hash Modified marks are decided by">
                    {contentHash}
                  </dd>
                </>
              )}
              {info.linkTarget !== undefined && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">Link to</dt>
                  <dd className="font-mono break-all">{info.linkTarget}</dd>
                </>
              )}
              <dt className="text-slate-600 dark:text-slate-400">Package</dt>
              <dd data-testid="node-owner">{ownerText(fs, packages, info)}</dd>
              {info.layer !== undefined && (
                <>
                  <dt className="text-slate-600 dark:text-slate-400">From layer</dt>
                  <dd>
                    {info.layer}{' '}
                    <code className="line-clamp-3 font-mono break-all text-slate-600 dark:text-slate-400" title={layers[info.layer]?.history?.created_by}>
                      {dockerfileLine(layers[info.layer]?.history?.created_by)}
                    </code>
                  </dd>
                </>
              )}
            </dl>
          )}
        </section>
      )}
      {fs && info && <FileContents fs={fs} layers={layers} layer={layer} info={info} />}
      <details className="text-xs text-slate-600 dark:text-slate-400">
        <summary className="cursor-pointer">How changes are decided</summary>
        <p className="mt-1">{CHANGE_COMPARISON_HELP}</p>
      </details>
    </div>
  );
}
