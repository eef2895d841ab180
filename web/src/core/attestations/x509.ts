/**
 * Just enough X.509 to say who a signing certificate names: a small DER reader (no
 * dependencies) and the fields people check — subject, issuer, validity, the subject
 * alternative names (Fulcio puts the signer's e-mail or workflow URI there, with an empty
 * subject) and Fulcio's OIDC issuer extension. Nothing here verifies anything.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface DerNode {
  /** Tag class: 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  /** Tag number within its class (low-tag form only; X.509 needs no more). */
  tag: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset after the last content byte. */
  end: number;
  /** Offset of the identifier byte: `bytes.subarray(headerStart, end)` is the whole TLV. */
  headerStart: number;
}

/** Reads the TLV at `offset`, within `limit`. */
export function readDer(bytes: Uint8Array, offset = 0, limit = bytes.length): DerNode {
  if (offset + 2 > limit) throw new DerError(`truncated DER at byte ${offset}`);
  const id = bytes[offset] as number;
  const tag = id & 0x1f;
  if (tag === 0x1f) throw new DerError(`high-tag-number form at byte ${offset} is not supported`);
  let pos = offset + 1;
  let length = bytes[pos++] as number;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at byte ${offset} is not DER`);
    if (count > 4) throw new DerError(`length of ${count} bytes at byte ${offset} is too large`);
    if (pos + count > limit) throw new DerError(`truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] as number);
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`element at byte ${offset} runs past its container (${end} > ${limit})`);
  return { cls: id >> 6, constructed: (id & 0x20) !== 0, tag, start: pos, end, headerStart: offset };
}

/** The elements inside a constructed node (or inside an OCTET STRING that wraps DER). */
export function derChildren(bytes: Uint8Array, node: Pick<DerNode, 'start' | 'end'>): DerNode[] {
  const out: DerNode[] = [];
  for (let pos = node.start; pos < node.end;) {
    const child = readDer(bytes, pos, node.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

const UNIVERSAL = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  oid: 6,
  utf8: 12,
  sequence: 16,
  set: 17,
  printable: 19,
  t61: 20,
  ia5: 22,
  utcTime: 23,
  generalizedTime: 24,
  visible: 26,
  universal: 28,
  bmp: 30,
} as const;

function must(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.cls !== 0 || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

export function decodeOid(bytes: Uint8Array, node: DerNode): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = node.start; i < node.end; i++) {
    const b = bytes[i] as number;
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');

/** The text of a string-typed element (UTF8String, PrintableString, IA5String, BMPString…). */
export function decodeString(bytes: Uint8Array, node: DerNode): string {
  const content = bytes.subarray(node.start, node.end);
  switch (node.cls === 0 ? node.tag : -1) {
    case UNIVERSAL.bmp: {
      let s = '';
      for (let i = 0; i + 1 < content.length; i += 2) s += String.fromCharCode(((content[i] as number) << 8) | (content[i + 1] as number));
      return s;
    }
    case UNIVERSAL.universal: {
      let s = '';
      for (let i = 0; i + 3 < content.length; i += 4) {
        s += String.fromCodePoint(
          (((content[i] as number) << 24) | ((content[i + 1] as number) << 16) | ((content[i + 2] as number) << 8) | (content[i + 3] as number)) >>> 0,
        );
      }
      return s;
    }
    case UNIVERSAL.t61:
      return latin1(content);
    default:
      return new TextDecoder().decode(content);
  }
}

function decodeTime(bytes: Uint8Array, node: DerNode): Date | undefined {
  const text = latin1(bytes.subarray(node.start, node.end));
  const m =
    node.tag === UNIVERSAL.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (node.tag === UNIVERSAL.utcTime) year += year >= 50 ? 1900 : 2000; // RFC 5280 4.1.2.5.1
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export interface NameAttribute {
  /** `CN`, `O`… or the dotted OID when it has no short name. */
  type: string;
  oid: string;
  value: string;
}

/** Attributes in the order the certificate lists them (most significant first, as `openssl x509 -subject` prints). */
function decodeName(bytes: Uint8Array, node: DerNode): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const set of derChildren(bytes, must(node, UNIVERSAL.sequence, 'a Name'))) {
    for (const atv of derChildren(bytes, must(set, UNIVERSAL.set, 'a relative distinguished name'))) {
      const [oidNode, valueNode] = derChildren(bytes, must(atv, UNIVERSAL.sequence, 'an attribute'));
      const oid = decodeOid(bytes, must(oidNode, UNIVERSAL.oid, 'an attribute type'));
      if (!valueNode) continue;
      out.push({ type: NAME_ATTRIBUTES[oid] ?? oid, oid, value: decodeString(bytes, valueNode) });
    }
  }
  return out;
}

export function formatName(name: readonly NameAttribute[]): string {
  return name.map((a) => `${a.type}=${a.value.replace(/([,+"\\<>;])/g, '\\$1')}`).join(', ');
}

export interface SubjectAltName {
  type: 'email' | 'dns' | 'uri' | 'ip' | 'other';
  value: string;
}

function decodeGeneralNames(bytes: Uint8Array, node: DerNode): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  for (const gn of derChildren(bytes, must(node, UNIVERSAL.sequence, 'GeneralNames'))) {
    if (gn.cls !== 2) continue;
    const raw = bytes.subarray(gn.start, gn.end);
    switch (gn.tag) {
      case 1:
        out.push({ type: 'email', value: latin1(raw) });
        break;
      case 2:
        out.push({ type: 'dns', value: latin1(raw) });
        break;
      case 6:
        out.push({ type: 'uri', value: latin1(raw) });
        break;
      case 7:
        out.push({
          type: 'ip',
          value:
            raw.length === 4
              ? Array.from(raw).join('.')
              : Array.from(raw, (b) => b.toString(16).padStart(2, '0'))
                  .join('')
                  .replace(/(.{4})(?!$)/g, '$1:'),
        });
        break;
      case 0: {
        // otherName: type-id OID, [0] EXPLICIT value. Fulcio writes a UTF8String username here.
        const [typeId, wrapped] = derChildren(bytes, gn);
        const inner = wrapped ? derChildren(bytes, wrapped)[0] : undefined;
        out.push({ type: 'other', value: inner ? decodeString(bytes, inner) : typeId ? decodeOid(bytes, typeId) : '' });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Sigstore's Fulcio extensions (github.com/sigstore/fulcio/docs/oid-info.md) that say who signed. */
const FULCIO_EXTENSIONS: Record<string, { name: string; der: boolean }> = {
  '1.3.6.1.4.1.57264.1.1': { name: 'OIDC issuer', der: false },
  '1.3.6.1.4.1.57264.1.8': { name: 'OIDC issuer', der: true },
  '1.3.6.1.4.1.57264.1.2': { name: 'GitHub workflow trigger', der: false },
  '1.3.6.1.4.1.57264.1.3': { name: 'GitHub workflow SHA', der: false },
  '1.3.6.1.4.1.57264.1.4': { name: 'GitHub workflow name', der: false },
  '1.3.6.1.4.1.57264.1.5': { name: 'GitHub workflow repository', der: false },
  '1.3.6.1.4.1.57264.1.6': { name: 'GitHub workflow ref', der: false },
  '1.3.6.1.4.1.57264.1.9': { name: 'Build signer URI', der: true },
  '1.3.6.1.4.1.57264.1.12': { name: 'Source repository URI', der: true },
  '1.3.6.1.4.1.57264.1.13': { name: 'Source repository digest', der: true },
  '1.3.6.1.4.1.57264.1.14': { name: 'Source repository ref', der: true },
  '1.3.6.1.4.1.57264.1.18': { name: 'Build config URI', der: true },
  '1.3.6.1.4.1.57264.1.21': { name: 'Run invocation URI', der: true },
};

const KEY_ALGORITHMS: Record<string, string> = {
  '1.2.840.10045.2.1': 'ECDSA',
  '1.2.840.113549.1.1.1': 'RSA',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};
const CURVES: Record<string, string> = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' };

export interface CertificateInfo {
  version: number;
  /** Hexadecimal, as openssl prints it without colons. */
  serialNumber: string;
  subject: NameAttribute[];
  issuer: NameAttribute[];
  notBefore?: Date;
  notAfter?: Date;
  subjectAltNames: SubjectAltName[];
  /** `ECDSA P-256`, `RSA 2048`, `Ed25519`. */
  publicKey: string;
  /** Fulcio's signer identity extensions, when present. */
  sigstore: { name: string; value: string }[];
  /** Subject and issuer are the same name. */
  selfIssued: boolean;
}

/** Parses one DER certificate. Throws DerError when it is not one. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const cert = must(readDer(der), UNIVERSAL.sequence, 'a Certificate');
  const [tbsNode] = derChildren(der, cert);
  const tbs = derChildren(der, must(tbsNode, UNIVERSAL.sequence, 'a TBSCertificate'));
  let i = 0;
  let version = 1;
  const first = tbs[0];
  if (first && first.cls === 2 && first.tag === 0) {
    const v = derChildren(der, first)[0];
    if (v) version = (der[v.end - 1] ?? 0) + 1;
    i++;
  }
  const serialNode = must(tbs[i++], UNIVERSAL.integer, 'a serial number');
  let serialNumber = Array.from(der.subarray(serialNode.start, serialNode.end), (b) => b.toString(16).padStart(2, '0')).join('');
  serialNumber = serialNumber.replace(/^(?:00)+(?=..)/, '').toUpperCase();
  i++; // signature algorithm
  const issuer = decodeName(der, tbs[i++] as DerNode);
  const validity = derChildren(der, must(tbs[i++], UNIVERSAL.sequence, 'a Validity'));
  const subject = decodeName(der, tbs[i++] as DerNode);
  const spki = derChildren(der, must(tbs[i++], UNIVERSAL.sequence, 'a SubjectPublicKeyInfo'));
  const publicKey = describeKey(der, spki);

  const subjectAltNames: SubjectAltName[] = [];
  const sigstore: { name: string; value: string }[] = [];
  for (; i < tbs.length; i++) {
    const node = tbs[i] as DerNode;
    if (node.cls !== 2 || node.tag !== 3) continue;
    const extensions = derChildren(der, must(derChildren(der, node)[0], UNIVERSAL.sequence, 'Extensions'));
    for (const ext of extensions) {
      const parts = derChildren(der, ext);
      const oid = decodeOid(der, must(parts[0], UNIVERSAL.oid, 'an extension id'));
      const value = must(parts[parts.length - 1], UNIVERSAL.octetString, 'an extension value');
      if (oid === '2.5.29.17') {
        subjectAltNames.push(...decodeGeneralNames(der, readDer(der, value.start, value.end)));
      } else if (FULCIO_EXTENSIONS[oid]) {
        const { name, der: isDer } = FULCIO_EXTENSIONS[oid];
        const text = isDer ? decodeString(der, readDer(der, value.start, value.end)) : new TextDecoder().decode(der.subarray(value.start, value.end));
        sigstore.push({ name, value: text });
      }
    }
  }
  const notBefore = validity[0] ? decodeTime(der, validity[0]) : undefined;
  const notAfter = validity[1] ? decodeTime(der, validity[1]) : undefined;
  return {
    version,
    serialNumber,
    subject,
    issuer,
    ...(notBefore ? { notBefore } : {}),
    ...(notAfter ? { notAfter } : {}),
    subjectAltNames,
    publicKey,
    sigstore,
    selfIssued: formatName(subject) === formatName(issuer),
  };
}

function describeKey(der: Uint8Array, spki: DerNode[]): string {
  const algorithm = spki[0] ? derChildren(der, spki[0]) : [];
  const oid = algorithm[0] ? decodeOid(der, algorithm[0]) : '';
  const name = KEY_ALGORITHMS[oid] ?? oid;
  if (name === 'ECDSA' && algorithm[1]?.tag === UNIVERSAL.oid) {
    const curve = decodeOid(der, algorithm[1]);
    return `ECDSA ${CURVES[curve] ?? curve}`;
  }
  if (name === 'RSA' && spki[1]) {
    try {
      // BIT STRING: one byte of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
      const key = readDer(der, spki[1].start + 1, spki[1].end);
      const modulus = derChildren(der, key)[0];
      if (modulus) {
        let bytes = modulus.end - modulus.start;
        if (der[modulus.start] === 0) bytes--;
        return `RSA ${bytes * 8}`;
      }
    } catch {
      return 'RSA';
    }
  }
  return name;
}

/** The DER bytes of every `CERTIFICATE` block in a PEM text (a chain has several). */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    const body = (m[1] ?? '').replace(/\s+/g, '');
    out.push(base64Bytes(body));
  }
  return out;
}

export function base64Bytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, '='));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export type ParsedPem = { ok: true; certificates: CertificateInfo[] } | { ok: false; error: string; pem: string };

/** Parses a PEM certificate or chain; on failure keeps the raw PEM so it can still be shown. */
export function parsePemCertificates(pem: string): ParsedPem {
  try {
    const ders = pemCertificates(pem);
    if (ders.length === 0) return { ok: false, error: 'no CERTIFICATE block found', pem };
    return { ok: true, certificates: ders.map(parseCertificate) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), pem };
  }
}

/** The identity a person would name: the e-mail or URI SAN (Fulcio), else the subject CN, else the subject. */
export function certificateIdentity(cert: CertificateInfo): string {
  const san = cert.subjectAltNames.find((s) => s.type === 'email' || s.type === 'uri') ?? cert.subjectAltNames[0];
  if (san) return san.value;
  const cn = cert.subject.find((a) => a.type === 'CN');
  return cn?.value ?? (formatName(cert.subject) || '(empty subject)');
}
