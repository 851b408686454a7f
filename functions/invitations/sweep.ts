// The scheduled clean-up (functions/sweeper.ts): deletes the service's unassigned virtual MFA
// devices whose invitation is over (revoked, spent, expired, locked or replaced) or whose user is
// gone, and the attempt tags of earlier invitations. Revoke, reissue and locking delete the device
// at once; this catches what they could not (an expiry nobody saw, a create that landed after a
// revoke, a failed delete), so no seed outlives its invitation by more than one run interval.
// It never removes an identity tag: only issue, revoke and success write those
// (docs/invitation-state.md).

import { randomUUID } from 'node:crypto';
import type { IamClients } from '../aws/clients.ts';
import { iamFor } from '../aws/iam.ts';
import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway, IamUser } from '../aws/iam-gateway.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import { type Clock, systemClock } from '../clock.ts';
import { type Config, INVITATION_TAG_KEY } from '../config.ts';
import { ownerOfSerial } from '../enrollment/own-device.ts';
import { withProductErrors } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { deleteIfUnassigned, isUnderUserPath } from './invitations.ts';
import { invitationStatus, staleAttemptKeys } from './token.ts';

export interface SweepDeps {
  gateway: IamGateway;
  inventory: IamInventory;
  config: Config;
  clock: Clock;
  logger: Logger;
}

export interface SweepSummary {
  /** Unassigned devices under the service's path that were looked at. */
  devicesExamined: number;
  devicesDeleted: number;
  staleAttemptTagsRemoved: number;
  /** Devices left for the next run because IAM failed on them. */
  failures: number;
}

/** A run's IAM work stops starting new calls after this (the function's timeout is longer). */
export const SWEEP_BUDGET_MS = 4 * 60_000;

/** Users looked at in parallel: enough to finish quickly, few enough not to crowd out IAM. */
const CONCURRENCY = 4;

/** The scheduled run: one sweep with its own time budget, from module-scope clients. */
export function createSweeper(deps: {
  clients: IamClients;
  config: Config;
  clock?: Clock;
  logger?: Logger;
  budgetMs?: number;
}): () => Promise<SweepSummary> {
  const logger = deps.logger ?? createLogger('sweeper');
  return () =>
    sweepAbandonedDevices({
      ...iamFor(deps.clients, { deadline: Date.now() + (deps.budgetMs ?? SWEEP_BUDGET_MS) }),
      config: deps.config,
      clock: deps.clock ?? systemClock,
      logger: logger.child({ runId: randomUUID() }),
    });
}

/** One run. What it throws, and the per-device failures it logs, are named as a request's are. */
export function sweepAbandonedDevices(deps: SweepDeps): Promise<SweepSummary> {
  return withProductErrors(() => sweep(deps));
}

async function sweep(deps: SweepDeps): Promise<SweepSummary> {
  const { inventory, config } = deps;
  const own = (await inventory.unassignedVirtualMfaSerials()).flatMap((serialNumber) => {
    const userName = ownerOfSerial(config, serialNumber);
    return userName ? [{ serialNumber, userName }] : [];
  });
  const summary: SweepSummary = {
    devicesExamined: own.length,
    devicesDeleted: 0,
    staleAttemptTagsRemoved: 0,
    failures: 0,
  };
  let next = 0;
  const worker = async () => {
    while (next < own.length) {
      const device = own[next++] as { serialNumber: string; userName: string };
      try {
        const outcome = await withProductErrors(() =>
          sweepOne(deps, device.serialNumber, device.userName),
        );
        if (outcome.deleted) summary.devicesDeleted += 1;
        summary.staleAttemptTagsRemoved += outcome.tagsRemoved;
      } catch (error) {
        summary.failures += 1;
        deps.logger.warn('sweep.device_failed', {
          userName: device.userName,
          errorName: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  deps.logger.info('sweep.completed', { ...summary });
  return summary;
}

async function sweepOne(
  { gateway, inventory, config, clock, logger }: SweepDeps,
  serialNumber: string,
  userName: string,
): Promise<{ deleted: boolean; tagsRemoved: number }> {
  const user = await userOrUndefined(gateway, userName);
  const status = user ? invitationStatus(user.tags, config.maxCodeAttempts, clock()) : undefined;
  const invitation = status?.record;
  // Only a pending invitation (unexpired, unlocked) that may set up a device keeps an unassigned
  // one: a finish-only link's device is enabled, so an unassigned one was deactivated since.
  const live =
    user !== undefined &&
    isUnderUserPath(config, user) &&
    status?.state === 'pending' &&
    !status.record.finishOnly;
  let deleted = false;
  // A live invitation keeps only its own device: one made for a link it replaced (a create that
  // landed after the reissue) names that link's id. Devices from before ids were tagged name none.
  const madeFor = live ? await invitationOfDevice(inventory, serialNumber) : undefined;
  if (madeFor === 'gone') return { deleted: false, tagsRemoved: 0 };
  const stranded = madeFor !== undefined && madeFor !== invitation?.id;
  if (!live || stranded) {
    deleted = await deleteIfUnassigned(gateway, serialNumber);
    if (deleted) logger.info('sweep.device_deleted', { userName, serialNumber });
  }
  // Keys of the current invitation stay even when it is over: removing them would unlock it.
  const stale = user ? staleAttemptKeys(user.tags, invitation?.id) : [];
  if (user && stale.length > 0) await gateway.untagUser(user.userName, stale);
  return { deleted, tagsRemoved: stale.length };
}

/** The invitation id the device was made for, if it names one; 'gone' if it was deleted meanwhile. */
async function invitationOfDevice(
  inventory: IamInventory,
  serialNumber: string,
): Promise<string | undefined | 'gone'> {
  try {
    return (await inventory.mfaDeviceTags(serialNumber))[INVITATION_TAG_KEY];
  } catch (error) {
    if (isIamError(error, 'not-found')) return 'gone';
    throw error;
  }
}

async function userOrUndefined(
  gateway: IamGateway,
  userName: string,
): Promise<IamUser | undefined> {
  try {
    return await gateway.getUser(userName);
  } catch (error) {
    // Gone, or outside the path the role may read: no invitation of theirs can be live.
    if (isIamError(error, 'not-found') || isIamError(error, 'access-denied')) return undefined;
    throw error;
  }
}
