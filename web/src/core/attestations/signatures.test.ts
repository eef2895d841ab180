import { describe, expect, it } from 'vitest';
import {
  CosignAnnotations,
  CosignMediaTypes,
  cosignTags,
  isCosignSignatureManifest,
  parseCosignSignatures,
  parseRekorBundle,
  parseSimpleSigning,
} from './cosign';
import { DerError, certificateIdentity, formatName, parseCertificate, parsePemCertificates, pemCertificates, readDer } from './x509';

// Made with openssl 3.0 (see the comments); only the public certificates are kept.
// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -set_serial 0x0A1B -subj "/C=DE/O=Lading e2e/CN=Lading fixture signer"
//   -addext "subjectAltName=email:signer@lading.invalid,URI:https://lading.invalid/e2e/fixtures/build.sh"
//   -addext "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://issuer.lading.invalid" -days 36500
const SELF_SIGNED = `-----BEGIN CERTIFICATE-----
MIICSzCCAfCgAwIBAgICChswCgYIKoZIzj0EAwIwQjELMAkGA1UEBhMCREUxEzAR
BgNVBAoMCkxhZGluZyBlMmUxHjAcBgNVBAMMFUxhZGluZyBmaXh0dXJlIHNpZ25l
cjAgFw0yNjExMjMwMzU1MTBaGA8yMTI2MTAzMDAzNTUxMFowQjELMAkGA1UEBhMC
REUxEzARBgNVBAoMCkxhZGluZyBlMmUxHjAcBgNVBAMMFUxhZGluZyBmaXh0dXJl
IHNpZ25lcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHzMaX8WBfKyt4c/OaBj
npsHOOyVRSWgd2RRDXZNFn4kXCUGY3RlGWOVVKevIY5fv2uOIcRHQOpK+MIGXl86
JzijgdMwgdAwHQYDVR0OBBYEFItrLFOJwKGtMGEaRCg5CztEQQi6MB8GA1UdIwQY
MBaAFItrLFOJwKGtMGEaRCg5CztEQQi6MA8GA1UdEwEB/wQFMAMBAf8wTgYDVR0R
BEcwRYEVc2lnbmVyQGxhZGluZy5pbnZhbGlkhixodHRwczovL2xhZGluZy5pbnZh
bGlkL2UyZS9maXh0dXJlcy9idWlsZC5zaDAtBgorBgEEAYO/MAEIBB8MHWh0dHBz
Oi8vaXNzdWVyLmxhZGluZy5pbnZhbGlkMAoGCCqGSM49BAMCA0kAMEYCIQDqpvOz
1g4RDzpNSoG9rWvifnT+qYQIkP9EGy2JHuIcgwIhAPNnVHwC8Dz1zEeA3hOZBSi9
fqOHWAMC3iBLQrB7cMdv
-----END CERTIFICATE-----
`;
// A Fulcio-shaped leaf: empty subject, critical e-mail SAN, the raw (1.1) OIDC issuer extension, issued by
// "O=sigstore.dev, CN=sigstore-intermediate" (P-384), serial 0x00ff01; followed by that issuer (a chain).
const FULCIO_CHAIN = `-----BEGIN CERTIFICATE-----
MIICATCCAYigAwIBAgIDAP8BMAoGCCqGSM49BAMCMDcxFTATBgNVBAoMDHNpZ3N0
b3JlLmRldjEeMBwGA1UEAwwVc2lnc3RvcmUtaW50ZXJtZWRpYXRlMB4XDTI2MTEy
MzAzNTUxMVoXDTI2MTEyNDAzNTUxMVowADBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABCH1K/FlwJsp5g5uaaDMCTRztx3+dxKOKf//BDITrHEDcBQsvWc1W8fPzdWW
zmcpKReHk4BsxWLU8RaHdE01RSijgbkwgbYwIQYDVR0RAQH/BBcwFYETc29tZW9u
ZUBleGFtcGxlLmNvbTAsBgorBgEEAYO/MAEBBB5odHRwczovL2dpdGh1Yi5jb20v
bG9naW4vb2F1dGgwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMD
MB0GA1UdDgQWBBSboH2/ykR4kh0LIyQthXACLboOiTAfBgNVHSMEGDAWgBTk6GR3
Ybm467172z25BP6N9Fv/7zAKBggqhkjOPQQDAgNnADBkAjB2ToN9dkJNQ8Nkg+gj
sxWx1IDYlB/aT45FHFhHW5oUsloTJ77TtSz2ID/GGo8AELYCMEGyeXAuUkEBv3FY
enGAjgbbHwYyCrZ8sUN6AT2d53gzKfK0cIocpowWdgHucFdhBA==
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIICAjCCAYigAwIBAgIUYAE/UDlT7ihjtsC9AtCc011fuUwwCgYIKoZIzj0EAwIw
NzEVMBMGA1UECgwMc2lnc3RvcmUuZGV2MR4wHAYDVQQDDBVzaWdzdG9yZS1pbnRl
cm1lZGlhdGUwIBcNMjYxMTIzMDM1NTEwWhgPMjEyNjEwMzAwMzU1MTBaMDcxFTAT
BgNVBAoMDHNpZ3N0b3JlLmRldjEeMBwGA1UEAwwVc2lnc3RvcmUtaW50ZXJtZWRp
YXRlMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEKJIaBo2S6XEDJsuAGGzCcXYCrQK/
PiEav35asENBrvlN+K14IU+stzBHb0+LUMaFp/3RVjG02gA5YUHOGYtaovfvRhVk
r12fHVKTDa8lMri/mRKBkd2lgCmgjugogPSvo1MwUTAdBgNVHQ4EFgQU5Ohkd2G5
uOu9e9s9uQT+jfRb/+8wHwYDVR0jBBgwFoAU5Ohkd2G5uOu9e9s9uQT+jfRb/+8w
DwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNoADBlAjAttHir4FwohGBf015w
/FY8CBMD99ngyI51UUFcf4zrZ8Bocrq3RdZjgzIwHFL9QBkCMQCvVxFWFSPcYykr
zp63Hr3NATRARMB3ncLbMhQg/Xg8hq/40Wbi+5LmkTrY87a77qc=
-----END CERTIFICATE-----
`;
// openssl req -utf8 -x509 -newkey rsa:2048 -subj "/CN=Ünïcødé RSA/O=Example, Inc." -addext "subjectAltName=DNS:example.com,IP:127.0.0.1"
const RSA = `-----BEGIN CERTIFICATE-----
MIIDYzCCAkugAwIBAgIUFio8ZdmIka7yxvPQK3v6GR/YoOMwDQYJKoZIhvcNAQEL
BQAwMjEYMBYGA1UEAwwPw5xuw69jw7hkw6kgUlNBMRYwFAYDVQQKDA1FeGFtcGxl
LCBJbmMuMB4XDTI2MTEyMzAzNTUxNloXDTI2MTIwMzAzNTUxNlowMjEYMBYGA1UE
AwwPw5xuw69jw7hkw6kgUlNBMRYwFAYDVQQKDA1FeGFtcGxlLCBJbmMuMIIBIjAN
BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4KAnYy6/XHk4Ve/D5+dUQ0U6bqNK
4RpsqOrPLOWHSf7UJXj2QElbE2SVB8wdD18u/TPnljY5qYpyHIcIcPJ3XT8t4NsU
wDDiayNadRUbCilE+IXDfLDqupcw+RR5n8jyb26bqSgHRaRZzqIhCTY3FXd62h7L
uLP2ikYfJXDggYlZu1qgxLiQD86q7jKeOgOUe5KUN81rW6Hxmx7T1jkysmXdR7+S
7N3CKh0jGMFgf2n8jMeVSvOlGIdusOelXGAvPIMgkEIxauv4hPj7SOnoxnbcJRMw
NWayd9CArlEpWi/AEve4QFU8ns1EuNsbh1d5z/v733TOFp5NUaA+hFJjfQIDAQAB
o3EwbzAdBgNVHQ4EFgQU0t77q2uKzNISSktXt47all5woKwwHwYDVR0jBBgwFoAU
0t77q2uKzNISSktXt47all5woKwwDwYDVR0TAQH/BAUwAwEB/zAcBgNVHREEFTAT
ggtleGFtcGxlLmNvbYcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEAiytkcf5lruQV
Ur0xTW/ylWAjo9/YQn/OkqtEMVemq+g4hMuSe4LNSCYCBTARdiGSode1i7MOuQem
V8BNtkZAKVXvb2wj8P7MiTTdQcUbFdkXAchZ4+a3/K0u8/1dY3s62tprDtLH9VtT
/OrqPU2+YZh4gsFuRdYQ8ZWO7SGIeYbHc7kIwMF+CEweuqDfIFgd7WtjPPBl/Lit
8r5QA/gLgfWWsdWzMHxAx7UgoMnWjChWgMt8ooA2N0/bQz7YXSV1GeXPOreQGq58
4sqJRvAxBoH0DPU9zYxLKJnQYcrBKo7x+NnlFrdKt511Bui0ijpmpTlj0BV+aFy8
FyHpswv+Sg==
-----END CERTIFICATE-----
`;

describe('parseCertificate', () => {
  it('reads subject, issuer, serial, validity, SANs, key and the Fulcio issuer of a self-signed certificate', () => {
    const [der] = pemCertificates(SELF_SIGNED);
    const cert = parseCertificate(der!);
    expect(cert.version).toBe(3);
    expect(cert.serialNumber).toBe('0A1B');
    expect(formatName(cert.subject)).toBe('C=DE, O=Lading e2e, CN=Lading fixture signer');
    expect(formatName(cert.issuer)).toBe('C=DE, O=Lading e2e, CN=Lading fixture signer');
    expect(cert.selfIssued).toBe(true);
    expect(cert.subjectAltNames).toEqual([
      { type: 'email', value: 'signer@lading.invalid' },
      { type: 'uri', value: 'https://lading.invalid/e2e/fixtures/build.sh' },
    ]);
    expect(cert.sigstore).toEqual([{ name: 'OIDC issuer', value: 'https://issuer.lading.invalid' }]);
    expect(cert.publicKey).toBe('ECDSA P-256');
    expect(cert.notAfter!.getTime() - cert.notBefore!.getTime()).toBe(36500 * 86400_000);
    expect(certificateIdentity(cert)).toBe('signer@lading.invalid');
  });

  it('reads a chain: a leaf with an empty subject and the raw OIDC issuer extension, then its issuer', () => {
    const parsed = parsePemCertificates(FULCIO_CHAIN);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [leaf, issuer] = parsed.certificates;
    expect(leaf!.subject).toEqual([]);
    expect(leaf!.serialNumber).toBe('FF01');
    expect(formatName(leaf!.issuer)).toBe('O=sigstore.dev, CN=sigstore-intermediate');
    expect(leaf!.selfIssued).toBe(false);
    expect(leaf!.subjectAltNames).toEqual([{ type: 'email', value: 'someone@example.com' }]);
    expect(leaf!.sigstore).toEqual([{ name: 'OIDC issuer', value: 'https://github.com/login/oauth' }]);
    expect(certificateIdentity(leaf!)).toBe('someone@example.com');
    expect(issuer!.publicKey).toBe('ECDSA P-384');
    expect(issuer!.selfIssued).toBe(true);
  });

  it('decodes UTF-8 names, escapes commas, reads DNS and IP SANs and the RSA key size', () => {
    const cert = parseCertificate(pemCertificates(RSA)[0]!);
    expect(formatName(cert.subject)).toBe('CN=Ünïcødé RSA, O=Example\\, Inc.');
    expect(cert.subjectAltNames).toEqual([
      { type: 'dns', value: 'example.com' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    expect(cert.publicKey).toBe('RSA 2048');
    expect(certificateIdentity(cert)).toBe('example.com');
  });

  it('refuses broken DER with a reason and keeps the raw PEM', () => {
    const der = pemCertificates(SELF_SIGNED)[0]!;
    expect(() => parseCertificate(der.subarray(0, 40))).toThrow(DerError);
    expect(() => readDer(new Uint8Array([0x30, 0x80, 0, 0]))).toThrow(/indefinite/);
    expect(() => readDer(new Uint8Array([0x30, 0x05, 0]))).toThrow(/past its container/);
    const broken = '-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n';
    const parsed = parsePemCertificates(broken);
    expect(parsed).toMatchObject({ ok: false, pem: broken });
    expect(parsePemCertificates('not a pem')).toMatchObject({ ok: false, error: 'no CERTIFICATE block found' });
  });

  it('never throws anything but DerError on random bytes', () => {
    const der = pemCertificates(SELF_SIGNED)[0]!;
    for (let i = 0; i < 300; i++) {
      const copy = der.slice();
      for (let k = 0; k < 3; k++) {
        const at = (i * 7919 + k * 104729) % copy.length;
        copy[at] = (copy[at] ?? 0) ^ (1 << ((i + k) % 8));
      }
      try {
        parseCertificate(copy);
      } catch (error) {
        expect(error).toBeInstanceOf(DerError);
      }
    }
  });
});

/** A Rekor bundle as cosign stores it in the annotation (body: a hashedrekord entry, base64). */
const BUNDLE = JSON.stringify({
  SignedEntryTimestamp: 'MEUCIQD6ZpFzGbrYlZC6uI2uhzqHE0Qm0I9uV0F+pqZ5wF5UeQIgS3N1YXRz',
  Payload: {
    body: Buffer.from(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: { data: { hash: { algorithm: 'sha256', value: 'ab' } }, signature: { content: 'MEUC' } },
      }),
    ).toString('base64'),
    integratedTime: 1700000000,
    logIndex: 48291034,
    logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
  },
});

describe('cosign signatures', () => {
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 233, digest: `sha256:${'c'.repeat(64)}` },
    layers: [
      {
        mediaType: CosignMediaTypes.simpleSigning,
        size: 243,
        digest: `sha256:${'d'.repeat(64)}`,
        annotations: {
          [CosignAnnotations.signature]: 'MEUCIQCx2n6Vn8n2yq0k1p4d5s9Xz',
          [CosignAnnotations.certificate]: FULCIO_CHAIN.slice(0, FULCIO_CHAIN.indexOf('-----END CERTIFICATE-----') + 26),
          [CosignAnnotations.chain]: FULCIO_CHAIN.slice(FULCIO_CHAIN.indexOf('-----END CERTIFICATE-----') + 26),
          [CosignAnnotations.bundle]: BUNDLE,
        },
      },
    ],
  };

  it('names the tags cosign writes', () => {
    expect(cosignTags(`sha256:${'a'.repeat(64)}`)).toEqual({
      signature: `sha256-${'a'.repeat(64)}.sig`,
      attestation: `sha256-${'a'.repeat(64)}.att`,
      sbom: `sha256-${'a'.repeat(64)}.sbom`,
    });
  });

  it('reads signature, certificate identity, chain and Rekor entry from the layer annotations', () => {
    expect(isCosignSignatureManifest(manifest)).toBe(true);
    const [sig] = parseCosignSignatures(manifest);
    expect(sig!.signature).toBe('MEUCIQCx2n6Vn8n2yq0k1p4d5s9Xz');
    expect(sig!.certificate?.ok && certificateIdentity(sig!.certificate.certificates[0]!)).toBe('someone@example.com');
    expect(sig!.chain?.ok && formatName(sig!.chain.certificates[0]!.subject)).toBe('O=sigstore.dev, CN=sigstore-intermediate');
    expect(sig!.rekor).toEqual({
      logIndex: 48291034,
      integratedTime: new Date(1700000000 * 1000),
      logId: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
      kind: 'hashedrekord',
      apiVersion: '0.0.1',
      signedEntryTimestamp: 'MEUCIQD6ZpFzGbrYlZC6uI2uhzqHE0Qm0I9uV0F+pqZ5wF5UeQIgS3N1YXRz',
    });
    expect(sig!.hasRfc3161Timestamp).toBe(false);
  });

  it('keeps going when the certificate or bundle is broken, and recognises OCI 1.1 signature artifacts', () => {
    const broken = {
      layers: [
        {
          ...manifest.layers[0]!,
          annotations: {
            [CosignAnnotations.certificate]: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
            [CosignAnnotations.bundle]: '{"x":1}',
          },
        },
      ],
    };
    const [sig] = parseCosignSignatures(broken);
    expect(sig!.certificate).toMatchObject({ ok: false });
    expect(sig!.rekorError).toMatch(/no Payload/);
    expect(isCosignSignatureManifest({ artifactType: CosignMediaTypes.signatureArtifact, layers: [] })).toBe(true);
    expect(isCosignSignatureManifest({ layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:x', size: 1 }] })).toBe(false);
    expect(() => parseRekorBundle('nope')).toThrow();
  });

  it('reads the simple-signing payload', () => {
    const payload = {
      critical: {
        identity: { 'docker-reference': 'ghcr.io/org/app' },
        image: { 'docker-manifest-digest': `sha256:${'a'.repeat(64)}` },
        type: 'cosign container image signature',
      },
      optional: { creator: 'ci' },
    };
    expect(parseSimpleSigning(payload)).toEqual({
      dockerReference: 'ghcr.io/org/app',
      manifestDigest: `sha256:${'a'.repeat(64)}`,
      type: 'cosign container image signature',
      optional: { creator: 'ci' },
    });
    expect(() => parseSimpleSigning({})).toThrow(/critical/);
  });
});
