import type { ReactNode } from 'react';
import { artifactKind } from '../../core/attestations/artifact';
import type { ImageReference } from '../../core/reference';
import type { FetchedManifest, Repository } from '../../core/registry/client';
import { ArtifactPanel } from './ArtifactPanel';
import { ReferrersPanel } from './ReferrersPanel';

/**
 * A single manifest: an artifact (signature, attestation, SBOM, Helm chart…) is shown for what
 * it is; an image gets its referrers panel and then `children` (the image details).
 */
export function ImageOrArtifact({
  repo,
  reference,
  fetched,
  children,
}: {
  repo: Repository;
  reference: ImageReference;
  fetched: FetchedManifest;
  children: ReactNode;
}) {
  const document = fetched.document;
  if (document.kind !== 'image' && document.kind !== 'artifact') return <>{children}</>;
  const declaredType = document.kind === 'artifact' ? document.artifactType : undefined;
  const kind = artifactKind(document.manifest, declaredType);
  if (kind)
    return (
      <ArtifactPanel
        repo={repo}
        reference={reference}
        manifest={document.manifest}
        kind={kind}
        artifactType={declaredType ?? document.manifest.artifactType ?? ''}
      />
    );
  return (
    <>
      <ReferrersPanel repo={repo} subjects={[{ digest: fetched.digest, label: 'this image' }]} />
      {children}
    </>
  );
}
