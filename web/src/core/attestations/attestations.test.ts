import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest';
import { DigestMismatchError } from '../errors';
import type { ImageManifest } from '../oci';
import { parseProvenance } from './slsa';
import { licenseCounts, parseCycloneDx, parseSpdx, searchPackages } from './spdx';
import { HELM_CONFIG_TYPE, artifactKind } from './artifact';
import { attestationLayers, decodeStatement, describePredicate, isAttestationImage } from './statement';

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** The shape BuildKit's SBOM generator (syft) writes, trimmed to three packages. */
const SPDX = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'sbom',
  documentNamespace: 'https://anchore.com/syft/dir/sbom-3f1d…',
  creationInfo: {
    licenseListVersion: '3.22',
    creators: ['Organization: Anchore, Inc', 'Tool: syft-v0.105.0', 'Tool: buildkit-v0.13.0'],
    created: '2024-03-01T10:00:00Z',
  },
  packages: [
    {
      name: 'alpine-baselayout',
      SPDXID: 'SPDXRef-Package-apk-alpine-baselayout-1b7b6f7c',
      versionInfo: '3.4.3-r2',
      supplier: 'Person: Natanael Copa <ncopa@alpinelinux.org>',
      downloadLocation: 'https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'GPL-2.0-only',
      copyrightText: 'NOASSERTION',
      externalRefs: [
        { referenceCategory: 'SECURITY', referenceType: 'cpe23Type', referenceLocator: 'cpe:2.3:a:alpine-baselayout:alpine-baselayout:3.4.3-r2:*:*:*:*:*:*:*' },
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: 'pkg:apk/alpine/alpine-baselayout@3.4.3-r2?arch=x86_64&distro=alpine-3.19.1',
        },
      ],
    },
    {
      name: 'busybox',
      SPDXID: 'SPDXRef-Package-apk-busybox-29c6',
      versionInfo: '1.36.1-r15',
      licenseConcluded: 'GPL-2.0-only',
      licenseDeclared: 'GPL-2.0-only',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64' }],
    },
    { name: 'no-license', SPDXID: 'SPDXRef-x', licenseConcluded: 'NONE' },
    { SPDXID: 'SPDXRef-nameless' },
  ],
  files: [{ fileName: '/bin/busybox', SPDXID: 'SPDXRef-File-1' }],
};

describe('SPDX', () => {
  it('lists packages with version, license (concluded, else declared) and purl; NOASSERTION means not stated', () => {
    const sbom = parseSpdx(SPDX);
    expect(sbom).toMatchObject({ format: 'SPDX', specVersion: 'SPDX-2.3', created: '2024-03-01T10:00:00Z', fileCount: 1 });
    expect(sbom.creators).toContain('Tool: buildkit-v0.13.0');
    expect(sbom.packages).toEqual([
      {
        id: 'SPDXRef-Package-apk-alpine-baselayout-1b7b6f7c',
        name: 'alpine-baselayout',
        version: '3.4.3-r2',
        license: 'GPL-2.0-only',
        licenseDeclared: 'GPL-2.0-only',
        purl: 'pkg:apk/alpine/alpine-baselayout@3.4.3-r2?arch=x86_64&distro=alpine-3.19.1',
        supplier: 'Person: Natanael Copa <ncopa@alpinelinux.org>',
      },
      {
        id: 'SPDXRef-Package-apk-busybox-29c6',
        name: 'busybox',
        version: '1.36.1-r15',
        license: 'GPL-2.0-only',
        licenseConcluded: 'GPL-2.0-only',
        licenseDeclared: 'GPL-2.0-only',
        purl: 'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64',
      },
      { id: 'SPDXRef-x', name: 'no-license' },
    ]);
  });

  it('searches name, version, license and purl, and counts licenses', () => {
    const { packages } = parseSpdx(SPDX);
    expect(searchPackages(packages, 'BUSY').map((p) => p.name)).toEqual(['busybox']);
    expect(searchPackages(packages, 'r2').map((p) => p.name)).toEqual(['alpine-baselayout']);
    expect(searchPackages(packages, 'gpl-2').map((p) => p.name)).toEqual(['alpine-baselayout', 'busybox']);
    expect(searchPackages(packages, 'distro=alpine').map((p) => p.name)).toEqual(['alpine-baselayout']);
    expect(searchPackages(packages, '')).toHaveLength(3);
    expect(licenseCounts(packages)).toEqual([
      { license: 'GPL-2.0-only', count: 2 },
      { license: 'not stated', count: 1 },
    ]);
  });

  it('reads CycloneDX components, nested ones too', () => {
    const sbom = parseCycloneDx({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      metadata: {
        timestamp: '2024-01-01T00:00:00Z',
        tools: { components: [{ type: 'application', author: 'anchore', name: 'syft', version: '1.0.0' }] },
        component: { name: 'app' },
      },
      components: [
        {
          type: 'library',
          name: 'lodash',
          version: '4.17.21',
          purl: 'pkg:npm/lodash@4.17.21',
          licenses: [{ license: { id: 'MIT' } }],
          components: [{ name: 'inner', group: 'org.example', licenses: [{ expression: 'Apache-2.0 OR MIT' }] }],
        },
      ],
    });
    expect(sbom).toMatchObject({ format: 'CycloneDX', specVersion: '1.5', name: 'app', creators: ['syft 1.0.0'] });
    expect(sbom.packages).toEqual([
      { name: 'lodash', version: '4.17.21', license: 'MIT', licenseDeclared: 'MIT', purl: 'pkg:npm/lodash@4.17.21', purpose: 'LIBRARY' },
      { name: 'org.example/inner', license: 'Apache-2.0 OR MIT', licenseDeclared: 'Apache-2.0 OR MIT' },
    ]);
  });
});

/** BuildKit's v0.2 provenance (mode=max), as `docker buildx imagetools inspect --format '{{json .Provenance}}'` shows it. */
const BUILDKIT_V02 = {
  builder: { id: 'https://github.com/org/app/actions/runs/3867468440' },
  buildType: 'https://mobyproject.org/buildkit@v1',
  materials: [
    { uri: 'pkg:docker/docker/dockerfile@1', digest: { sha256: '9ba7531bd80fb0a858632727cf7a112fbfd19b17e94c4e84ced81e24ef1a0dbc' } },
    { uri: 'pkg:docker/alpine@3.19?platform=linux%2Famd64', digest: { sha256: 'c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b' } },
  ],
  invocation: {
    configSource: {
      uri: 'https://github.com/org/app.git#refs/heads/main',
      digest: { sha1: '259da1d0d1f34a06e21f6a5bd8e6b1d9a0f32b2d' },
      entryPoint: 'Dockerfile',
    },
    parameters: {
      frontend: 'dockerfile.v0',
      args: {
        'build-arg:VERSION': '1.2.3',
        'build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR': '1',
        'label:org.opencontainers.image.source': 'https://github.com/org/app',
        target: 'release',
      },
      locals: [{ name: 'context' }, { name: 'dockerfile' }],
    },
    environment: { platform: 'linux/amd64' },
  },
  metadata: {
    buildInvocationID: 'rpv7a389uzil5lqmrgwhijwjz',
    buildStartedOn: '2024-03-01T10:00:00.123Z',
    buildFinishedOn: '2024-03-01T10:01:30.456Z',
    completeness: { parameters: true, environment: true, materials: false },
    reproducible: false,
  },
};

/** BuildKit's v1 provenance (`attest:provenance=mode=max,version=v1`). */
const BUILDKIT_V1 = {
  buildDefinition: {
    buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
    externalParameters: {
      configSource: { uri: 'https://github.com/org/app.git#refs/heads/main', digest: { sha1: '259da1d0d1f34a06e21f6a5bd8e6b1d9a0f32b2d' }, path: 'Dockerfile' },
      request: {
        frontend: 'gateway.v0',
        args: { 'build-arg:VERSION': '2.0.0', source: 'docker/dockerfile:1' },
        secrets: [{ id: 'GIT_AUTH_TOKEN', optional: true }],
      },
    },
    internalParameters: { builderPlatform: 'linux/amd64' },
    resolvedDependencies: [
      { uri: 'pkg:docker/debian@bookworm?platform=linux%2Famd64', digest: { sha256: 'b16cef8cbcb20935c0f052e37fc3d38dc92bfec0bcfb894c328547f81e932d67' } },
    ],
  },
  runDetails: {
    builder: { id: 'https://github.com/org/app/actions/runs/1' },
    metadata: { invocationID: 'x7', startedOn: '2024-03-01T10:00:00Z', finishedOn: '2024-03-01T10:02:00Z' },
  },
};

/** GitHub's actions/attest-build-provenance (SLSA v1, GitHub workflow build type). */
const GITHUB_V1 = {
  buildDefinition: {
    buildType: 'https://actions.github.io/buildtypes/workflow/v1',
    externalParameters: { workflow: { ref: 'refs/heads/main', repository: 'https://github.com/org/app', path: '.github/workflows/release.yml' } },
    internalParameters: { github: { event_name: 'push', repository_id: '1', repository_owner_id: '2' } },
    resolvedDependencies: [{ uri: 'git+https://github.com/org/app@refs/heads/main', digest: { gitCommit: '7e3ab5d' } }],
  },
  runDetails: {
    builder: { id: 'https://github.com/actions/runner/github-hosted' },
    metadata: { invocationId: 'https://github.com/org/app/actions/runs/9/attempts/1' },
  },
};

describe('SLSA provenance', () => {
  it('v0.2 from BuildKit: builder, build type, config source, build args apart from frontend options, materials', () => {
    const p = parseProvenance('https://slsa.dev/provenance/v0.2', BUILDKIT_V02);
    expect(p).toMatchObject({
      slsaVersion: 'v0.2',
      builderId: 'https://github.com/org/app/actions/runs/3867468440',
      buildType: 'https://mobyproject.org/buildkit@v1',
      invocationId: 'rpv7a389uzil5lqmrgwhijwjz',
      startedOn: '2024-03-01T10:00:00.123Z',
      finishedOn: '2024-03-01T10:01:30.456Z',
      frontend: 'dockerfile.v0',
      configSource: {
        uri: 'https://github.com/org/app.git#refs/heads/main',
        entryPoint: 'Dockerfile',
        digest: { sha1: '259da1d0d1f34a06e21f6a5bd8e6b1d9a0f32b2d' },
      },
      environment: { platform: 'linux/amd64' },
      reproducible: false,
    });
    expect(p.buildArgs).toEqual([
      { name: 'BUILDKIT_CONTEXT_KEEP_GIT_DIR', value: '1' },
      { name: 'VERSION', value: '1.2.3' },
    ]);
    expect(p.frontendOptions).toEqual([
      { name: 'label:org.opencontainers.image.source', value: 'https://github.com/org/app' },
      { name: 'target', value: 'release' },
    ]);
    expect(p.materials.map((m) => m.uri)).toEqual(['pkg:docker/docker/dockerfile@1', 'pkg:docker/alpine@3.19?platform=linux%2Famd64']);
    expect(p.materials[1]!.digest).toEqual({ sha256: 'c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b' });
  });

  it('v1 from BuildKit: externalParameters.request args, resolvedDependencies, run details', () => {
    const p = parseProvenance('https://slsa.dev/provenance/v1', BUILDKIT_V1);
    expect(p).toMatchObject({
      slsaVersion: 'v1',
      builderId: 'https://github.com/org/app/actions/runs/1',
      invocationId: 'x7',
      frontend: 'gateway.v0',
      configSource: { entryPoint: 'Dockerfile' },
      environment: { builderPlatform: 'linux/amd64' },
      buildArgs: [{ name: 'VERSION', value: '2.0.0' }],
      frontendOptions: [{ name: 'source', value: 'docker/dockerfile:1' }],
    });
    expect(p.materials).toEqual([
      { uri: 'pkg:docker/debian@bookworm?platform=linux%2Famd64', digest: { sha256: 'b16cef8cbcb20935c0f052e37fc3d38dc92bfec0bcfb894c328547f81e932d67' } },
    ]);
  });

  it('v1 from GitHub Actions: no build args, the workflow as parameters', () => {
    const p = parseProvenance('https://slsa.dev/provenance/v1', GITHUB_V1);
    expect(p).toMatchObject({
      slsaVersion: 'v1',
      builderId: 'https://github.com/actions/runner/github-hosted',
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      buildArgs: [],
    });
    expect(p.parameters).toEqual(GITHUB_V1.buildDefinition.externalParameters);
    expect(p.materials[0]).toEqual({ uri: 'git+https://github.com/org/app@refs/heads/main', digest: { gitCommit: '7e3ab5d' } });
  });

  it('guesses the version from the shape when the type is not a known URI, and refuses non-objects', () => {
    expect(parseProvenance('https://example.com/prov', BUILDKIT_V1).slsaVersion).toBe('v1');
    expect(parseProvenance('https://example.com/prov', BUILDKIT_V02).slsaVersion).toBe('v0.2');
    expect(() => parseProvenance('https://slsa.dev/provenance/v0.2', 'x')).toThrow(/not a JSON object/);
  });
});

describe('in-toto statements', () => {
  const statement = (predicateType: string, predicate: unknown) => ({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject: [{ name: 'pkg:docker/org/app@1.0?platform=linux%2Famd64', digest: { sha256: 'ab'.repeat(32) } }],
    predicate,
  });

  it('verifies the digest, then decodes SBOM, provenance and other predicates', () => {
    const sbomBytes = encode(statement('https://spdx.dev/Document', SPDX));
    const sbom = decodeStatement(sbomBytes, sha256Digest(sbomBytes));
    expect(sbom.kind).toBe('sbom');
    expect(sbom.subjects[0]!.digest.sha256).toBe('ab'.repeat(32));
    if (sbom.kind === 'sbom') expect(sbom.sbom.packages).toHaveLength(3);

    const provBytes = encode(statement('https://slsa.dev/provenance/v0.2', BUILDKIT_V02));
    const prov = decodeStatement(provBytes, sha256Digest(provBytes));
    expect(prov.kind === 'provenance' && prov.provenance.builderId).toBe('https://github.com/org/app/actions/runs/3867468440');

    const other = decodeStatement(encode(statement('https://example.com/vuln/v1', { scanner: { uri: 'x' } })));
    expect(other).toMatchObject({ kind: 'other', predicateType: 'https://example.com/vuln/v1', truncated: false });
    if (other.kind === 'other') expect(JSON.parse(other.predicateJson)).toEqual({ scanner: { uri: 'x' } });

    expect(() => decodeStatement(sbomBytes, `sha256:${'0'.repeat(64)}`)).toThrow(DigestMismatchError);
    expect(() => decodeStatement(new TextEncoder().encode('{'))).toThrow(/not JSON/);
  });

  it('reads a bare SPDX document (the layer of an SBOM artifact) as an SBOM', () => {
    const decoded = decodeStatement(encode(SPDX));
    expect(decoded).toMatchObject({ kind: 'sbom', predicateType: '', subjects: [] });
  });

  it('unwraps a DSSE envelope (cosign .att layers)', () => {
    const inner = JSON.stringify(statement('https://slsa.dev/provenance/v1', GITHUB_V1));
    const envelope = { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(inner).toString('base64'), signatures: [{ keyid: '', sig: 'MEUC' }] };
    const decoded = decodeStatement(encode(envelope));
    expect(decoded.kind).toBe('provenance');
    expect(decoded.predicateType).toBe('https://slsa.dev/provenance/v1');
  });

  it('lists the statements of an attestation manifest with labels', () => {
    const manifest: ImageManifest = {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:c', size: 1 },
      layers: [
        { mediaType: 'application/vnd.in-toto+json', digest: 'sha256:a', size: 10, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } },
        {
          mediaType: 'application/vnd.in-toto+json',
          digest: 'sha256:b',
          size: 10,
          annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
        },
      ],
    };
    expect(isAttestationImage(manifest)).toBe(true);
    expect(attestationLayers(manifest).map((l) => [l.kind, l.label])).toEqual([
      ['sbom', 'SBOM (SPDX)'],
      ['provenance', 'Provenance (SLSA v0.2)'],
    ]);
    expect(describePredicate('https://slsa.dev/provenance/v1')).toBe('Provenance (SLSA v1)');
    expect(isAttestationImage({ ...manifest, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:l', size: 1 }] })).toBe(
      false,
    );
  });
});

describe('artifactKind', () => {
  const base: ImageManifest = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:c', size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:l', size: 3 }],
  };
  it('tells images, signatures, attestations, SBOMs, Helm charts and other artifacts apart', () => {
    expect(artifactKind(base)).toBeUndefined();
    expect(artifactKind({ ...base, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: 'sha256:s', size: 1 }] })).toBe(
      'signature',
    );
    expect(artifactKind({ ...base, layers: [{ mediaType: 'application/vnd.in-toto+json', digest: 'sha256:s', size: 1 }] })).toBe('attestation');
    expect(
      artifactKind(
        {
          ...base,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:e', size: 2 },
          artifactType: 'application/spdx+json',
          layers: [{ mediaType: 'application/spdx+json', digest: 'sha256:s', size: 1 }],
        },
        'application/spdx+json',
      ),
    ).toBe('sbom');
    expect(
      artifactKind(
        {
          ...base,
          config: { mediaType: HELM_CONFIG_TYPE, digest: 'sha256:h', size: 2 },
          layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: 'sha256:t', size: 1 }],
        },
        HELM_CONFIG_TYPE,
      ),
    ).toBe('helm');
    expect(artifactKind({ ...base, layers: [{ mediaType: 'application/wasm', digest: 'sha256:w', size: 1 }] })).toBe('artifact');
    expect(artifactKind({ ...base, layers: [] }, 'application/vnd.example')).toBe('artifact');
  });
});
