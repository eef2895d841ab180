// What every forwarding route shares: the configuration, the pooled agents, the address policies every
// hop is checked against, the registry authentication state and the memory budget for bodies read
// whole. Built once per server (`server.ts`).

import type { AddressPolicy } from './addressPolicy';
import type { RegistryAuth } from './auth';
import type { LadingConfig } from './config';
import type { MemoryBudget } from './memoryBudget';
import type { Agents } from './upstream';

export interface ProxyContext {
  config: LadingConfig;
  agents: Agents;
  auth: RegistryAuth;
  /** Registry, token realm and Hub hops: LADING_INSECURE_REGISTRIES and LADING_ALLOW_HOSTS skip the address check. */
  policy: AddressPolicy;
  /** Foreign-layer hops: only LADING_FOREIGN_ALLOW_HOSTS skips it. */
  foreignPolicy: AddressPolicy;
  budget: MemoryBudget;
}
