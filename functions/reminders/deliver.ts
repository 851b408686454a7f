// Issuing and emailing the run's links: the same rules and the same three writes as a bulk issue
// (invitations/issue.ts: planInvitation, writeIdentity, deleteOldDevice, removeStaleKeys; why a
// snapshot read before the writes keeps every promise: docs/invitation-state.md, "Bulk issue"),
// then one email per link. A link is mailed only once all three of its steps have landed; one
// that cannot be mailed (a step failed, SES refused it or stayed busy, or the run ran out of
// time) is revoked if it is still current, so nobody holds a link nobody received and the next
// run tries again. One SES may have accepted (its answer lost) stays, and counts as sent.
//
//   1. each identity (TagUser), paced, a few users at a time; a renewal first checks live that
//      the link it replaces is still current (renewal.ts);
//   2. once every identity is written, one ListVirtualMFADevices (Unassigned) and the old link's
//      device deleted where there is one;
//   3. stale keys removed (UntagUser), for users that have any;
//   4. the emails, paced to SES's sending rate.

import type { IamGateway } from '../aws/iam-gateway.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import type { Pacer } from '../aws/pacer.ts';
import type { Clock } from '../clock.ts';
import { mapLimited } from '../compliance/map-limited.ts';
import type { Config } from '../config.ts';
import { composeInvitationEmail, type Mailer, maskEmailAddress } from '../delivery/email.ts';
import { ownSerialNumber } from '../enrollment/own-device.ts';
import { aboutUser, DeliveryError } from '../errors.ts';
import { spendInvitation } from '../invitations/invitations.ts';
import {
  deleteOldDevice,
  type IssuePlan,
  issuedFrom,
  planInvitation,
  removeStaleKeys,
  staleKeysOf,
  writeIdentity,
} from '../invitations/issue.ts';
import { invitationIn } from '../invitations/token.ts';
import type { Logger } from '../logger.ts';
import { asRenewal, stillCurrent } from './renewal.ts';
import type { Candidate } from './selection.ts';

export interface DeliverDeps {
  gateway: IamGateway;
  inventory: IamInventory;
  config: Config;
  clock: Clock;
  mailer: Mailer;
  /** Spaces the emails (SES's maximum send rate). */
  mailPace: Pacer;
  logger: Logger;
  /** No identity write starts after this (epoch ms)... */
  lastWrite: number;
  /** ...and no email. A link written but not mailed by then is taken back. */
  lastMail: number;
  accountLabel: string;
}

/** Where one candidate ended. */
export type Delivered =
  | { userName: string; kind: Candidate['kind']; result: 'sent' }
  /** Written, then not mailed (and taken back), or a step failed: counted as failed. */
  | { userName: string; kind: Candidate['kind']; result: 'failed'; reason: string }
  /** Nothing written: the run's time was up (the next run takes it). */
  | { userName: string; kind: Candidate['kind']; result: 'deferred' }
  /** Nothing written: the rules refused it, or a renewal's link changed since the read. */
  | { userName: string; kind: Candidate['kind']; result: 'skipped'; reason: string };

const CONCURRENCY = 4;

type Written = { candidate: Candidate; plan: IssuePlan };
type Step = Written | Delivered;

export async function deliverAll(deps: DeliverDeps, candidates: Candidate[]): Promise<Delivered[]> {
  const { gateway, config } = deps;

  // 1. Decide and write each identity.
  let steps: Step[] = await mapLimited(candidates, CONCURRENCY, async (candidate) => {
    const userName = candidate.snapshot.user.userName;
    const { kind } = candidate;
    if (Date.now() >= deps.lastWrite) return { userName, kind, result: 'deferred' } as const;
    const first = gateway.until(deps.lastWrite);
    let plan: IssuePlan;
    try {
      plan = planInvitation(config, candidate.snapshot, config.invitationTtlHours, deps.clock());
    } catch (error) {
      return { userName, kind, result: 'skipped', reason: codeOf(error) } as const;
    }
    try {
      if (candidate.replaces) {
        if (!(await stillCurrent(first, userName, candidate.replaces)))
          return { userName, kind, result: 'skipped', reason: 'invitation_changed' } as const;
        plan = asRenewal(plan);
      }
      await aboutUser(userName, () => writeIdentity(first, plan));
    } catch (error) {
      // The write may have landed with its answer lost: take the link back if it is current.
      return takeBack(deps, { candidate, plan }, 'write', error);
    }
    return { candidate, plan };
  });

  // 2. The old links' devices, from a listing made after every identity write.
  const written = steps.filter(isWritten);
  let unassigned: Set<string> | Error = new Set();
  if (written.some((w) => !w.plan.finishOnly)) {
    unassigned = await deps.inventory
      .unassignedVirtualMfaSerials()
      .then((serials) => new Set(serials))
      .catch((error: unknown) => error as Error);
  }
  steps = await mapLimited(steps, CONCURRENCY, async (step) => {
    if (!isWritten(step) || step.plan.finishOnly) return step;
    try {
      if (unassigned instanceof Error) throw unassigned;
      if (unassigned.has(ownSerialNumber(config, step.plan.user)))
        await deleteOldDevice(gateway, config, step.plan);
      return step;
    } catch (error) {
      return takeBack(deps, step, 'device', error);
    }
  });

  // 3. Stale keys.
  steps = await mapLimited(steps, CONCURRENCY, async (step) => {
    if (!isWritten(step) || staleKeysOf(step.plan).length === 0) return step;
    try {
      await aboutUser(step.plan.user.userName, () => removeStaleKeys(gateway, step.plan));
      return step;
    } catch (error) {
      return takeBack(deps, step, 'stale_keys', error);
    }
  });

  // 4. The emails.
  return mapLimited(steps, CONCURRENCY, async (step): Promise<Delivered> => {
    if (!isWritten(step)) return step;
    const { candidate, plan } = step;
    const userName = plan.user.userName;
    try {
      if (!(await deps.mailPace.acquire(deps.lastMail)))
        throw new DeliveryError('email_unavailable', 'No time left in this run to send it.');
      const issued = issuedFrom(config, plan);
      await deps.mailer.send({
        to: candidate.to,
        ...composeInvitationEmail({
          to: candidate.to,
          userName,
          url: issued.url,
          expiresAt: issued.expiresAt,
          accountLabel: deps.accountLabel,
          finishOnly: issued.finishOnly,
          kind: candidate.kind,
        }),
      });
    } catch (error) {
      // SES may have accepted it: the mail may be in the mailbox, so its link must stay valid.
      if (error instanceof DeliveryError && error.code === 'email_unconfirmed')
        return sent(deps, step, false);
      return takeBack(deps, step, 'email', error);
    }
    return sent(deps, step, true);
  });
}

const isWritten = (step: Step): step is Written => 'plan' in step;

/** A link mailed (`confirmed`: SES said so; otherwise it may have been), counted as sent. */
function sent(deps: DeliverDeps, { candidate, plan }: Written, confirmed: boolean): Delivered {
  const event = candidate.kind === 'renewal' ? 'reminders.renewed' : 'reminders.invited';
  const fields = {
    userName: plan.user.userName,
    to: maskEmailAddress(candidate.to),
    expiresAt: plan.record.expiresAt.toISOString(),
    finishOnly: plan.finishOnly,
  };
  if (confirmed) deps.logger.info(event, fields);
  else deps.logger.warn(event, { ...fields, confirmed: false });
  return { userName: plan.user.userName, kind: candidate.kind, result: 'sent' };
}

/**
 * A written link that will not be mailed: revoked if it is still the user's current one (a newer
 * write by HR or a later run stays), so the next run sees no pending link and tries again.
 */
async function takeBack(
  deps: DeliverDeps,
  { candidate, plan }: Written,
  step: string,
  error: unknown,
): Promise<Delivered> {
  const userName = plan.user.userName;
  // Past the run's deadline if need be: a link nobody received must not stay pending.
  const gateway = deps.gateway.withGrace(TAKE_BACK_GRACE_MS);
  let revoked = false;
  try {
    const user = await gateway.getUser(userName);
    if (invitationIn(user.tags)?.id === plan.record.id) {
      await spendInvitation({ gateway }, user);
      revoked = true;
    }
  } catch {
    // Left pending: it expires unmailed, and the sweeper and the next issue clean up after it.
  }
  return failed(deps, candidate, step, error, revoked);
}

const TAKE_BACK_GRACE_MS = 10_000;

function failed(
  deps: DeliverDeps,
  candidate: Candidate,
  step: string,
  error: unknown,
  revoked?: boolean,
): Delivered {
  const userName = candidate.snapshot.user.userName;
  const reason = codeOf(error);
  deps.logger.warn('reminders.failed', {
    userName,
    kind: candidate.kind,
    to: maskEmailAddress(candidate.to),
    step,
    reason,
    errorName: error instanceof Error ? error.name : 'unknown',
    revoked,
  });
  return { userName, kind: candidate.kind, result: 'failed', reason };
}

/** A short, secret-free name for what went wrong: the product's code, or the error's name. */
function codeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : 'unknown';
}
