/**
 * The layer lines of the CLI summary: a layer's warnings (core/layers/warnings.ts) are printed
 * under it as notes. The analysis is Lading's own, of a tar the test writes without its end marker.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLayerStream } from '../core/layers';
import { entry } from '../../test/layers/tarWriter';
import { analyzeImage } from './analysis';
import { PLAIN } from './ci';
import type { LayerRead } from './read';
import { summaryText } from './report';
import type { OpenedImage } from './source';

describe('summaryText', () => {
  it('prints a layer warning as a note under the layer', async () => {
    const analysis = await analyzeLayerStream(
      (async function* () {
        yield entry({ name: 'etc/motd', data: 'hi' }); // no end-of-archive marker
      })(),
    );
    expect(analysis.warnings.map((w) => w.kind)).toEqual(['end-of-archive']);
    const layer = { digest: `sha256:${'a'.repeat(64)}`, size: 1536, mediaType: 'application/vnd.oci.image.layer.v1.tar' };
    const opened = {
      kind: 'oci-archive',
      image: { digest: `sha256:${'b'.repeat(64)}`, manifest: { config: { digest: `sha256:${'c'.repeat(64)}` }, layers: [layer] }, config: {}, layers: [layer] },
      platform: 'linux/amd64',
      platforms: ['linux/amd64'],
      digestSynthesized: false,
      layerIds: ['x'],
      close: async () => {},
    } as unknown as OpenedImage;
    const read = { index: 0, layer, layerIndex: analysis.index, analysis, problems: [], warnings: [] } as unknown as LayerRead;
    const lines = summaryText(analyzeImage(opened, [read]), PLAIN).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Layers (1)'));
    expect(lines[at + 3]).toBe(`         note: ${analysis.warnings[0]!.message}`);
  });
});
