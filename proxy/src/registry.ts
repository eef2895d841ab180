// Registry hosts: validation, Docker Hub's aliases, which scheme to use, and the key under which
// credentials and tokens are stored.

export interface RegistryTarget {
  /** The host as written in the route and in the image reference, lower-cased: `docker.io`, `127.0.0.1:5000`. */
  routeHost: string;
  /** Key for credentials and tokens: `docker.io` for every Docker Hub alias, else the host (`:443` dropped). */
  key: string;
  /** Where requests go: `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  origin: string;
  /** `URL.host` of `origin`; the only host that ever receives the registry's Authorization header. */
  host: string;
  /** Reached over plain http because it is listed in LADING_INSECURE_REGISTRIES. */
  insecure: boolean;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const DOCKER_HUB_API = 'registry-1.docker.io';

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::([0-9]{1,5}))?$`);
const HOST_IPV6 = /^\[[0-9a-f:.]+\](?::([0-9]{1,5}))?$/;

/** A registry host with optional port, as in an image reference (`ghcr.io`, `localhost:5000`, `[::1]:5000`). */
export function isValidRegistryHost(host: string): boolean {
  const match = HOST_NAME.exec(host) ?? HOST_IPV6.exec(host);
  if (!match) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/**
 * The credential key for a registry given as a host or as a docker config.json `auths` key:
 * `ghcr.io`, `localhost:5000`, `https://ghcr.io`, `https://index.docker.io/v1/` (→ `docker.io`).
 */
export function registryKey(hostOrUrl: string): string {
  let host = hostOrUrl
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  if (host.endsWith(':443')) host = host.slice(0, -':443'.length);
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

export function resolveRegistry(routeHost: string, insecureRegistries: ReadonlySet<string>): RegistryTarget {
  const host = routeHost.toLowerCase();
  const key = registryKey(host);
  if (key === 'docker.io') {
    return { routeHost: host, key, origin: `https://${DOCKER_HUB_API}`, host: DOCKER_HUB_API, insecure: false };
  }
  const insecure = insecureRegistries.has(host);
  const origin = `${insecure ? 'http' : 'https'}://${host}`;
  return { routeHost: host, key, origin, host: new URL(origin).host, insecure };
}

/**
 * Whether a plain-http URL may be dialled on behalf of this registry: the registry itself is listed as
 * insecure (then its redirects and token realm may be plain http too), or the URL's host is listed.
 */
export function plainHttpAllowed(url: URL, target: RegistryTarget, insecureRegistries: ReadonlySet<string>): boolean {
  return target.insecure || insecureRegistries.has(url.host.toLowerCase());
}
