import type { ReactNode } from 'react';
import { useUrlState } from '../useUrlState';
import { hrefFor, inPlace } from './nav';

/** Opens an attestation of the index (`attestation=<digest>`) with the platform it describes selected. */
export function AttestationLink({ digest, platform, children }: { digest: string; platform?: string | undefined; children: ReactNode }) {
  const [state, navigate] = useUrlState();
  const shown = platform ?? state.platform;
  const target = { ...(state.image ? { image: state.image } : {}), ...(shown ? { platform: shown } : {}), attestation: digest };
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
