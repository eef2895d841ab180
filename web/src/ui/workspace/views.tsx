/**
 * The workspace's views, in tab order: one entry each. The first is the default (the explorer,
 * with no `view=` in the URL); each other one is `view=<id>`, a tab, and a key.
 *
 * To add a view (as `packages` and `shrink` were): add one entry. Say what it needs (`image`,
 * `filesystem` or `registry`) and the workspace does the rest: the tab, the URL, the key, its line
 * in the `?` overlay, the waiting message until the filesystem is stacked, and leaving it out for
 * an opened archive when it needs a registry. Whatever it draws from is in ViewContext (viewTypes.ts).
 */
import { CacheControl } from '../CacheControl';
import { ConfigPanel } from '../ConfigPanel';
import { HistoryPanel } from '../HistoryPanel';
import { LayersTable } from '../LayersTable';
import { AttestationList } from '../browse/AttestationList';
import { ReferrersPanel } from '../browse/ReferrersPanel';
import { TagsPanel } from '../browse/TagsPanel';
import { Explorer } from '../explorer/Explorer';
import { ModeSwitch } from '../explorer/ModeSwitch';
import { WasteSummary } from '../explorer/WasteSummary';
import { PackagesView } from '../packages/PackagesView';
import { ShrinkView } from '../shrink/ShrinkView';
import { Visuals } from '../visuals/Visuals';
import type { WorkspaceView } from './viewTypes';

export const WORKSPACE_VIEWS: readonly WorkspaceView[] = [
  {
    id: 'explorer',
    label: 'Explorer',
    key: '1',
    description: 'Layers, the file tree and the selected file',
    needs: 'image',
    keepMounted: true,
    render: (ctx, active) => (
      <Explorer
        layers={ctx.layers}
        states={ctx.states}
        sizes={ctx.sizes}
        fs={ctx.fs}
        fsError={ctx.fsError}
        state={ctx.explorer}
        onChange={ctx.onExplorer}
        focusRequest={ctx.focusRequest}
        active={active}
        fromToc={ctx.fromToc}
        packages={ctx.packages}
      />
    ),
  },
  {
    id: 'shrink',
    label: 'Shrink',
    // Letters for the views added later: the digits are the tabs that were there first, which links and fingers already know.
    key: 's',
    description: 'What could be left out: dead bytes, chmod copies, caches, toolchains, docs, duplicates; the fix for each',
    needs: 'filesystem',
    waiting: 'The shrink advice',
    render: (ctx) => (
      <ShrinkView
        fs={ctx.fs}
        layerDigests={ctx.layers.map((l) => l.descriptor.digest)}
        provisional={ctx.fromToc.length > 0}
        packages={ctx.packages}
        onJump={ctx.openPath}
      />
    ),
  },
  {
    id: 'packages',
    label: 'Packages',
    key: 'p',
    description: 'Installed packages (deb, rpm, apk, Python, npm): sizes, layers, changes; a row filters the tree to its files',
    needs: 'filesystem',
    waiting: 'The packages',
    render: (ctx) => <PackagesView report={ctx.packages} error={ctx.packagesError} layers={ctx.layers} onOpen={ctx.openPackage} />,
  },
  {
    id: 'waste',
    label: 'Waste',
    key: '2',
    description: 'dive’s efficiency and wasted bytes, reclaimable bytes, inefficient and largest files',
    needs: 'filesystem',
    waiting: 'The image’s size and waste',
    render: (ctx) => <WasteSummary fs={ctx.fs} compressedBytes={ctx.compressedBytes} selectedLayer={ctx.layer} onJump={ctx.openPath} />,
  },
  {
    id: 'treemap',
    label: 'Treemap',
    key: '3',
    description: 'The filesystem by size, and the size of every layer',
    needs: 'filesystem',
    waiting: 'The treemap and the layer sizes',
    render: (ctx) => (
      <div className="flex flex-col gap-4">
        <Visuals
          fs={ctx.fs}
          layers={ctx.layers}
          sizes={ctx.sizes}
          layer={ctx.layer}
          mode={ctx.mode}
          selectedNode={ctx.selectedNode}
          onSelectLayer={(layer) => ctx.onExplorer({ ...ctx.explorer, layer, mode: ctx.mode })}
          onJump={ctx.openPath}
          packages={ctx.packages}
          controls={<ModeSwitch mode={ctx.mode} onChange={(mode) => ctx.onExplorer({ ...ctx.explorer, layer: ctx.layer, mode })} />}
        />
      </div>
    ),
  },
  {
    id: 'layers',
    label: 'Layers',
    key: '4',
    description: 'Every layer: sizes, entries, digests and verification',
    needs: 'image',
    render: (ctx) => (
      <LayersTable
        layers={ctx.layers}
        states={ctx.states}
        tocs={ctx.tocs}
        selected={ctx.layer}
        onSelect={(layer) => ctx.onExplorer({ ...ctx.explorer, layer })}
        aside={<CacheControl />}
      />
    ),
  },
  {
    id: 'config',
    label: 'Config',
    key: '5',
    description: 'The manifest, the runtime config and the Dockerfile history',
    needs: 'image',
    render: (ctx) => (
      <div className="grid gap-4 lg:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-4">
          {ctx.about}
          <ConfigPanel config={ctx.image.config} configDigest={ctx.image.manifest.config.digest} />
        </div>
        <HistoryPanel config={ctx.image.config} />
      </div>
    ),
  },
  {
    id: 'tags',
    label: 'Tags',
    key: '6',
    description: 'The repository’s other tags; opening one keeps this view',
    needs: 'registry',
    render: (ctx) => <TagsPanel repo={ctx.registry.repo} reference={ctx.registry.reference} />,
  },
  {
    id: 'referrers',
    label: 'Referrers',
    key: '7',
    description: 'Signatures, SBOMs and attestations of the image',
    needs: 'registry',
    render: (ctx) => (
      <div className="flex flex-col gap-4">
        <ReferrersPanel repo={ctx.registry.repo} subjects={ctx.registry.subjects} />
        {ctx.registry.attestations.length > 0 && <AttestationList attestations={ctx.registry.attestations} />}
      </div>
    ),
  },
];
