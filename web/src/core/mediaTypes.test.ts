import { describe, expect, it } from 'vitest';
import { MediaTypes, classifyManifest, describeMediaType } from './mediaTypes';

const desc = (mediaType: string, digest = `sha256:${'1'.repeat(64)}`) => ({ mediaType, digest, size: 1 });

describe('classifyManifest', () => {
  it('recognises an OCI index', () => {
    const doc = classifyManifest({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [desc(MediaTypes.ociManifest)] });
    expect(doc.kind).toBe('index');
  });
  it('recognises a Docker manifest list from Content-Type alone', () => {
    const doc = classifyManifest({ schemaVersion: 2, manifests: [desc(MediaTypes.dockerManifest)] }, `${MediaTypes.dockerManifestList}; charset=utf-8`);
    expect(doc).toMatchObject({ kind: 'index', mediaType: MediaTypes.dockerManifestList });
  });
  it('recognises an OCI image manifest and a Docker schema 2 manifest', () => {
    expect(classifyManifest({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: desc(MediaTypes.ociConfig), layers: [] }).kind).toBe('image');
    expect(
      classifyManifest({
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: desc(MediaTypes.dockerConfig),
        layers: [desc(MediaTypes.dockerLayer)],
      }).kind,
    ).toBe('image');
  });
  it('prefers the body media type over a wrong Content-Type', () => {
    const doc = classifyManifest(
      { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: desc(MediaTypes.ociConfig), layers: [] },
      'application/octet-stream',
    );
    expect(doc.mediaType).toBe(MediaTypes.ociManifest);
  });
  it('calls a manifest with a non-image config an artifact and names its type', () => {
    const helm = classifyManifest(
      { schemaVersion: 2, config: desc('application/vnd.cncf.helm.config.v1+json'), layers: [desc('application/vnd.cncf.helm.chart.content.v1.tar+gzip')] },
      MediaTypes.ociManifest,
    );
    expect(helm).toMatchObject({ kind: 'artifact', artifactType: 'application/vnd.cncf.helm.config.v1+json' });
    const sbom = classifyManifest({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/spdx+json',
      config: desc(MediaTypes.ociEmpty),
      layers: [],
    });
    expect(sbom).toMatchObject({ kind: 'artifact', artifactType: 'application/spdx+json' });
  });
  it('recognises schema 1, signed or not', () => {
    expect(classifyManifest({ schemaVersion: 1, name: 'library/x', tag: 'old', fsLayers: [] }, MediaTypes.dockerSchema1Signed)).toMatchObject({
      kind: 'schema1',
      name: 'library/x',
      tag: 'old',
    });
    expect(classifyManifest({ schemaVersion: 1 }).kind).toBe('schema1');
  });
  it('says why it cannot classify', () => {
    expect(classifyManifest('nope')).toMatchObject({ kind: 'unknown', reason: 'the manifest is not a JSON object' });
    expect(classifyManifest({ schemaVersion: 3 })).toMatchObject({ kind: 'unknown' });
    expect(classifyManifest({ schemaVersion: 2, mediaType: 'application/x-weird' })).toMatchObject({
      kind: 'unknown',
      reason: 'unknown media type application/x-weird',
    });
    expect(classifyManifest({ schemaVersion: 2, manifests: [{ size: 1 }] })).toMatchObject({ kind: 'unknown' });
    expect(classifyManifest({ schemaVersion: 2, config: desc(MediaTypes.ociConfig), layers: [{}] })).toMatchObject({ kind: 'unknown' });
  });
});

describe('describeMediaType', () => {
  it('labels layer compressions', () => {
    expect(describeMediaType(MediaTypes.ociLayerZstd)).toBe('tar+zstd');
    expect(describeMediaType(MediaTypes.dockerLayer)).toBe('tar+gzip');
    expect(describeMediaType(MediaTypes.ociLayer)).toBe('tar (uncompressed)');
    expect(describeMediaType('application/x-other')).toBe('application/x-other');
  });
});
