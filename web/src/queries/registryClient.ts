import { RegistryClient } from '../core/registry/client';

/** The page talks to registries only through the proxy on its own origin. */
export const registryClient = new RegistryClient({ baseUrl: `${globalThis.location?.origin ?? ''}/registry` });
