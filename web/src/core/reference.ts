/**
 * Image references, parsed and normalised the way `docker pull` does it
 * (github.com/distribution/reference: ParseNormalizedNamed + TagNameOnly).
 *
 * The grammar, from distribution/reference:
 *   reference       := name [ ":" tag ] [ "@" digest ]
 *   name            := [domain '/'] path-component ['/' path-component]*
 *   domain          := host [':' port-number]
 *   host            := domain-name | IPv4address | '[' IPv6address ']'
 *   path-component  := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric   := /[a-z0-9]+/
 *   separator       := /[_.]|__|[-]+/
 *   tag             := /[\w][\w.-]{0,127}/
 *   digest          := algorithm ":" hex
 *
 * Instead of one big regular expression we parse part by part, so an invalid
 * reference can say which part is wrong and why.
 */
import { DIGEST_ALGORITHM_RE, DIGEST_HEX_LENGTH } from './digest';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  /** Registry domain with optional port, normalised: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/nginx`, `org/app`. */
  readonly path: string;
  /** Tag; `latest` when neither tag nor digest was given. Absent for digest-only references. */
  readonly tag?: string;
  /** `algorithm:hex` when the reference pins a digest. */
  readonly digest?: string;
}

export type ReferencePart = 'reference' | 'domain' | 'port' | 'path' | 'tag' | 'digest';

export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
  constructor(
    readonly input: string,
    /** Which part of the reference is wrong. */
    readonly part: ReferencePart,
    /** Why, in words a user can act on. */
    readonly reason: string,
  ) {
    super(`Invalid image reference "${input}": ${reason}`);
  }
}

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT_RE = new RegExp(`^${ALNUM}(?:${SEPARATOR}${ALNUM})*$`);
const DOMAIN_COMPONENT_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_RE = /^\[[a-fA-F0-9:]+\]$/;
const PORT_RE = /^[0-9]+$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const HEX_RE = /^[0-9a-fA-F]+$/;
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

/**
 * Parses what a user types into a normalised reference, as `docker pull` would.
 * Throws InvalidReferenceError naming the part that is wrong.
 */
export function parseReference(rawInput: string): ImageReference {
  const input = rawInput.trim();
  const fail = (part: ReferencePart, reason: string): never => {
    throw new InvalidReferenceError(input, part, reason);
  };
  if (input === '') fail('reference', 'the reference is empty; type an image name such as nginx:1.27');
  if (/\s/.test(input)) fail('reference', 'a reference cannot contain spaces');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(input);
  if (scheme) fail('reference', `remove the "${scheme[0]}" prefix: references have no URL scheme`);
  if (IDENTIFIER_RE.test(input)) {
    fail('reference', 'a 64-character hexadecimal string is an image ID, not a repository name; use name@sha256:<hex>');
  }

  // name[:tag]@digest — the digest is everything after the first '@'.
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1), fail);
    rest = rest.slice(0, at);
  }

  // The tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') fail('tag', 'the tag after ":" is empty');
    if (tag.length > 128) fail('tag', `the tag is ${tag.length} characters long; at most 128 are allowed`);
    if (!TAG_RE.test(tag)) {
      fail('tag', `the tag "${tag}" may only use letters, digits, "_", "." and "-", and must not start with "." or "-"`);
    }
  }

  if (rest === '') fail('path', 'the repository name is missing');
  const { domain, path } = splitDomain(rest);
  validateDomain(domain, fail);
  validatePath(path, fail);
  const fullName = `${domain}/${path}`;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) {
    fail('path', `the name is ${fullName.length} characters long; at most ${NAME_TOTAL_LENGTH_MAX} are allowed`);
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Like parseReference, but returns the error instead of throwing it. */
export function tryParseReference(input: string): ImageReference | InvalidReferenceError {
  try {
    return parseReference(input);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return error;
    throw error;
  }
}

function parseDigest(value: string, fail: (part: ReferencePart, reason: string) => never): string {
  if (value === '') fail('digest', 'the digest after "@" is empty');
  const sep = value.indexOf(':');
  if (sep < 0) fail('digest', `the digest "${value}" needs the form algorithm:hex, e.g. sha256:…`);
  const algorithm = value.slice(0, sep);
  const hex = value.slice(sep + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm)) fail('digest', `"${algorithm}" is not a valid digest algorithm`);
  const expected = DIGEST_HEX_LENGTH[algorithm];
  if (expected === undefined) fail('digest', `unsupported digest algorithm "${algorithm}"; use sha256, sha384 or sha512`);
  if (!HEX_RE.test(hex)) fail('digest', 'the digest must be hexadecimal (0-9, a-f)');
  if (hex.length !== expected) {
    fail('digest', `a ${algorithm} digest has ${expected} hex characters; this one has ${hex.length}`);
  }
  if (hex !== hex.toLowerCase()) fail('digest', 'the digest must be lowercase hexadecimal');
  return `${algorithm}:${hex}`;
}

/**
 * Docker's rule for the registry part: the first component is a domain only if it
 * contains "." or ":", is "localhost", or has an upper-case letter; otherwise the
 * whole name is a Docker Hub path. One-component Hub names get "library/".
 */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  let domain: string;
  let path: string;
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  return { domain, path };
}

function validateDomain(domain: string, fail: (part: ReferencePart, reason: string) => never): void {
  let host = domain;
  const portSep = domain.startsWith('[') ? domain.indexOf(']:') + 1 : domain.lastIndexOf(':');
  if (portSep > 0) {
    host = domain.slice(0, portSep);
    const port = domain.slice(portSep + 1);
    if (!PORT_RE.test(port)) fail('port', `the port "${port}" of registry "${domain}" must be a number`);
    if (Number(port) > 65535) fail('port', `the port ${port} of registry "${domain}" is above 65535`);
  }
  if (host.startsWith('[')) {
    if (!IPV6_RE.test(host)) fail('domain', `"${host}" is not a valid bracketed IPv6 address`);
    return;
  }
  if (host === '') fail('domain', 'the registry host is empty');
  for (const component of host.split('.')) {
    if (!DOMAIN_COMPONENT_RE.test(component)) {
      fail(
        'domain',
        component === ''
          ? `the registry host "${host}" has an empty label (two dots in a row, or a dot at an end)`
          : `the registry host "${host}" has an invalid label "${component}": use letters, digits and "-", not at either end`,
      );
    }
  }
}

function validatePath(path: string, fail: (part: ReferencePart, reason: string) => never): void {
  if (path === '') fail('path', 'the repository name is missing');
  if (path !== path.toLowerCase()) fail('path', `the repository name "${path}" must be lowercase`);
  for (const component of path.split('/')) {
    if (component === '') fail('path', `the repository name "${path}" has an empty component (a "/" too many)`);
    if (!PATH_COMPONENT_RE.test(component)) {
      fail(
        'path',
        `the repository name component "${component}" must use a-z and 0-9, joined by single ".", "_", "__" or runs of "-", and start and end with a letter or digit`,
      );
    }
  }
}

/** `docker.io/library/nginx` — the fully qualified repository name. */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** Full normalised string: `docker.io/library/nginx:latest`, `ghcr.io/o/a@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The short form Docker prints (distribution/reference FamiliarName): `nginx`, `user/app`,
 * `ghcr.io/org/app`. Only a one-component official name loses `library/`: `library/foo/bar`
 * stays as it is, since `foo/bar` would name another repository (`docker.io/foo/bar`).
 */
export function familiarName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const rest = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
  return rest !== undefined && !rest.includes('/') ? rest : ref.path;
}

/** Familiar form with tag/digest: `nginx:1.27`. */
export function familiarReference(ref: ImageReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** A command that pulls exactly this content: `docker pull nginx@sha256:…`. */
export function pullCommand(ref: Pick<ImageReference, 'domain' | 'path'>, digest: string): string {
  return `docker pull ${familiarName(ref)}@${digest}`;
}
