import { parseCosignSignatures, type CosignSignature } from '../../core/attestations/cosign';
import { certificateIdentity, formatName, type CertificateInfo, type ParsedPem } from '../../core/attestations/x509';
import { shortDigest } from '../../core/digest';
import type { ImageManifest } from '../../core/oci';
import type { Repository } from '../../core/registry/client';
import { useSigningPayload } from '../../queries/attestationQueries';
import { CopyButton } from '../CopyButton';
import { formatDate } from '../format';
import { noteClass } from './nav';

const dt = 'text-slate-600 dark:text-slate-400';

/** cosign signatures: what was signed, by whom (certificate), and the transparency-log entry. Shown, not verified. */
export function SignatureDetails({ repo, manifest, subject }: { repo: Repository; manifest: ImageManifest; subject?: string | undefined }) {
  const signatures = parseCosignSignatures(manifest);
  return (
    <div className="flex flex-col gap-4" data-testid="signatures">
      <p role="note" className="rounded-md border border-sky-200 bg-sky-50 p-2 text-xs text-sky-900 dark:border-sky-900 dark:bg-sky-950/40 dark:text-sky-100">
        Lading shows the signature material as stored; it does not check the signature, the certificate chain or the log entry. Use{' '}
        <code className="font-mono">cosign verify</code> for that.
      </p>
      {signatures.length === 0 && <p className={noteClass}>No layer carries a cosign signature annotation.</p>}
      {signatures.map((sig, i) => (
        <SignatureCard key={`${sig.layer.digest}-${i}`} repo={repo} signature={sig} index={i} count={signatures.length} subject={subject} />
      ))}
    </div>
  );
}

function SignatureCard({
  repo,
  signature,
  index,
  count,
  subject,
}: {
  repo: Repository;
  signature: CosignSignature;
  index: number;
  count: number;
  subject?: string | undefined;
}) {
  const payload = useSigningPayload(repo, signature.layer);
  const signed = payload.data?.manifestDigest;
  return (
    <section aria-label={`Signature ${index + 1}`} className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
      <h4 className="text-sm font-semibold">{count > 1 ? `Signature ${index + 1} of ${count}` : 'Signature'}</h4>
      <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className={dt}>Signs</dt>
        <dd className="min-w-0">
          {payload.isPending ? (
            <span className={noteClass}>reading the payload…</span>
          ) : payload.isError ? (
            <span className="text-red-800 dark:text-red-300">
              the payload could not be read: {payload.error instanceof Error ? payload.error.message : String(payload.error)}
            </span>
          ) : (
            <>
              <code className="font-mono break-all" data-testid="signed-digest">
                {signed ?? '—'}
              </code>
              {subject && signed && (
                <span className={`ml-2 text-xs ${signed === subject ? 'text-teal-800 dark:text-teal-300' : 'text-amber-800 dark:text-amber-200'}`}>
                  {signed === subject ? '(the image this refers to)' : `(not ${shortDigest(subject)}, the image this refers to)`}
                </span>
              )}
              {payload.data.dockerReference && <div className={noteClass}>identity: {payload.data.dockerReference}</div>}
            </>
          )}
        </dd>
        <dt className={dt}>Signature</dt>
        <dd className="flex min-w-0 items-center gap-2">
          {signature.signature ? (
            <>
              <code className="truncate font-mono text-xs" title={signature.signature}>
                {signature.signature}
              </code>
              <CopyButton text={signature.signature} label="Copy signature" />
            </>
          ) : (
            '—'
          )}
        </dd>
      </dl>
      {signature.certificate ? (
        <Certificates title="Certificate" parsed={signature.certificate} leaf />
      ) : (
        <p className={`mt-2 ${noteClass}`}>No certificate: signed with a key (cosign sign --key).</p>
      )}
      {signature.chain && signature.chain.ok && signature.chain.certificates.length > 0 && (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-xs text-slate-600 dark:text-slate-400">Certificate chain ({signature.chain.certificates.length})</summary>
          <Certificates title="Chain" parsed={signature.chain} />
        </details>
      )}
      {signature.rekor && (
        <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" aria-label="Transparency log">
          <dt className={dt}>Rekor entry</dt>
          <dd data-testid="rekor-index">
            log index {signature.rekor.logIndex ?? '—'}
            {signature.rekor.kind ? ` · ${signature.rekor.kind} ${signature.rekor.apiVersion ?? ''}` : ''}
          </dd>
          <dt className={dt}>Logged</dt>
          <dd>{signature.rekor.integratedTime ? formatDate(signature.rekor.integratedTime.toISOString()) : '—'}</dd>
          {signature.rekor.logId && (
            <>
              <dt className={dt}>Log ID</dt>
              <dd className="font-mono text-xs break-all">{signature.rekor.logId}</dd>
            </>
          )}
        </dl>
      )}
      {signature.rekorError && <p className={`mt-2 ${noteClass}`}>The Rekor bundle could not be read: {signature.rekorError}</p>}
      {signature.hasRfc3161Timestamp && <p className={`mt-2 ${noteClass}`}>Carries an RFC 3161 timestamp.</p>}
    </section>
  );
}

function Certificates({ title, parsed, leaf = false }: { title: string; parsed: ParsedPem; leaf?: boolean }) {
  if (!parsed.ok) {
    return (
      <div className="mt-3">
        <p className="text-xs text-amber-800 dark:text-amber-200">
          The {title.toLowerCase()} could not be read ({parsed.error}); here it is as stored:
        </p>
        <pre className="mt-1 max-h-60 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] dark:bg-slate-950">{parsed.pem}</pre>
      </div>
    );
  }
  return (
    <div className="mt-3 flex flex-col gap-3">
      {parsed.certificates.map((cert, i) => (
        <CertificateCard key={`${cert.serialNumber}-${i}`} cert={cert} leaf={leaf && i === 0} />
      ))}
    </div>
  );
}

function CertificateCard({ cert, leaf }: { cert: CertificateInfo; leaf: boolean }) {
  const now = Date.now();
  const expired = cert.notAfter !== undefined && cert.notAfter.getTime() < now;
  return (
    <dl
      className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm"
      aria-label={leaf ? 'Signing certificate' : 'Certificate'}
      data-testid={leaf ? 'signing-certificate' : undefined}
    >
      {leaf && (
        <>
          <dt className={dt}>Signer</dt>
          <dd className="font-medium break-all" data-testid="signer-identity">
            {certificateIdentity(cert)}
          </dd>
        </>
      )}
      <dt className={dt}>Subject</dt>
      <dd className="font-mono text-xs break-all" data-testid={leaf ? 'certificate-subject' : undefined}>
        {formatName(cert.subject) || '(empty, as Fulcio issues them)'}
      </dd>
      <dt className={dt}>Issuer</dt>
      <dd className="font-mono text-xs break-all">
        {formatName(cert.issuer) || '(empty)'}
        {cert.selfIssued && <span className="ml-2 font-sans text-amber-800 dark:text-amber-200">self-signed</span>}
      </dd>
      {cert.subjectAltNames.length > 0 && (
        <>
          <dt className={dt}>Alternative names</dt>
          <dd className="text-xs break-all">
            <ul>
              {cert.subjectAltNames.map((san, i) => (
                <li key={i}>
                  <span className="text-slate-600 dark:text-slate-400">
                    {san.type === 'uri' ? 'URI' : san.type === 'email' ? 'e-mail' : san.type.toUpperCase()}
                  </span>{' '}
                  <span className="font-mono">{san.value}</span>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {cert.sigstore.map((ext, i) => (
        <div key={i} className="contents">
          <dt className={dt}>{ext.name}</dt>
          <dd className="font-mono text-xs break-all">{ext.value}</dd>
        </div>
      ))}
      <dt className={dt}>Valid</dt>
      <dd className="text-xs">
        {cert.notBefore ? formatDate(cert.notBefore.toISOString()) : '—'} → {cert.notAfter ? formatDate(cert.notAfter.toISOString()) : '—'}
        {expired && (
          <span className="ml-2 text-slate-600 dark:text-slate-400">(expired since; Fulcio certificates live 10 minutes, the log entry proves the time)</span>
        )}
      </dd>
      <dt className={dt}>Key</dt>
      <dd className="text-xs">
        {cert.publicKey} · serial <span className="font-mono">{cert.serialNumber}</span>
      </dd>
    </dl>
  );
}
