import { describe, expect, it } from 'vitest';
import { dockerfileLine, matchLayersToHistory } from './image';
import type { ImageConfig, ImageManifest } from './oci';

const layer = (n: number) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${String(n).repeat(64)}`, size: n });
const manifest: ImageManifest = {
  schemaVersion: 2,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:c', size: 1 },
  layers: [layer(1), layer(2)],
};
const config = (history: ImageConfig['history']): ImageConfig => ({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: ['sha256:d1', 'sha256:d2'] },
  history,
});

describe('matchLayersToHistory', () => {
  it('skips empty_layer entries when pairing history with layers', () => {
    const infos = matchLayersToHistory(
      manifest,
      config([
        { created_by: 'ADD rootfs /' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'RUN make' },
        { created_by: 'CMD ["x"]', empty_layer: true },
      ]),
    );
    expect(infos.map((i) => i.history?.created_by)).toEqual(['ADD rootfs /', 'RUN make']);
    expect(infos.map((i) => i.diffId)).toEqual(['sha256:d1', 'sha256:d2']);
  });
  it('matches nothing rather than guessing when counts disagree', () => {
    const infos = matchLayersToHistory(manifest, config([{ created_by: 'only one' }]));
    expect(infos.every((i) => i.history === undefined)).toBe(true);
  });
});

describe('dockerfileLine', () => {
  it('undoes the classic builder and BuildKit spellings', () => {
    expect(dockerfileLine('/bin/sh -c #(nop)  CMD ["nginx" "-g"]')).toBe('CMD ["nginx" "-g"]');
    expect(dockerfileLine('/bin/sh -c apt-get update')).toBe('RUN apt-get update');
    expect(dockerfileLine('RUN /bin/sh -c apk add curl # buildkit')).toBe('RUN apk add curl');
    expect(dockerfileLine('RUN |2 A=1 B=2 /bin/sh -c make # buildkit')).toBe('RUN |2 A=1 B=2 /bin/sh -c make');
    expect(dockerfileLine('COPY . /app # buildkit')).toBe('COPY . /app');
    expect(dockerfileLine(undefined)).toBe('');
  });
});
