// What a request (or a sweeper run) gets to call IAM with: the gateway for per-user work and the
// inventory for account-wide listings, both bound to the same deadline. The apps and the sweeper
// pass their module-scope clients and a deadline, and build nothing else from aws/.

import type { IamClients } from './clients.ts';
import { IamCaller } from './iam-caller.ts';
import { IamGateway } from './iam-gateway.ts';
import { IamInventory } from './iam-inventory.ts';
import { IamRoleTags } from './iam-role-tags.ts';
import type { Pacer } from './pacer.ts';
import type { RetryOptions } from './retry.ts';

export interface Iam {
  gateway: IamGateway;
  inventory: IamInventory;
  /** The scheduled reminders run's own role's tags (its lease and digest day). */
  roleTags: IamRoleTags;
}

export function iamFor(
  clients: IamClients,
  {
    deadline,
    delays = {},
    pace,
  }: {
    /** Epoch ms after which no IAM call starts. */
    deadline: number;
    /** Backoff of the retries (tests shorten it; production keeps retry.ts's defaults). */
    delays?: Omit<RetryOptions, 'deadline' | 'pace'>;
    /** Spacing of every call, for requests that make hundreds (pacer.ts). */
    pace?: Pacer;
  },
): Iam {
  const caller = new IamCaller(clients, { ...delays, deadline, pace });
  return {
    gateway: new IamGateway(caller),
    inventory: new IamInventory(caller),
    roleTags: new IamRoleTags(caller),
  };
}
