// What every forwarding route shares: the configuration, the pooled agents, the address policy every
// hop is checked against, and the registry authentication state. Built once per server (`server.ts`).

import type { AddressPolicy } from './addressPolicy';
import type { RegistryAuth } from './auth';
import type { LadingConfig } from './config';
import type { Agents } from './upstream';

export interface ProxyContext {
  config: LadingConfig;
  agents: Agents;
  auth: RegistryAuth;
  policy: AddressPolicy;
}
