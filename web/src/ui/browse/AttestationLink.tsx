import type { ReactNode } from 'react';
import { useUrlState } from '../useUrlState';
import { hrefFor, inPlace } from './nav';

/** Opens an attestation of the index (`attestation=<digest>`), keeping the image and platform. */
export function AttestationLink({ digest, children }: { digest: string; children: ReactNode }) {
  const [state, navigate] = useUrlState();
  const target = { ...(state.image ? { image: state.image } : {}), ...(state.platform ? { platform: state.platform } : {}), attestation: digest };
  return (
    <a
      href={hrefFor(target)}
      onClick={inPlace(() => navigate(target))}
      aria-current={state.attestation === digest ? 'true' : undefined}
      title={`Open the attestation ${digest}`}
      className="hover:underline aria-[current=true]:font-semibold"
    >
      {children}
    </a>
  );
}

