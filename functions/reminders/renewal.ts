// Renewing a link about to expire, once per invitation chain. The old secret is not stored (only
// its hash is), so the old link cannot be sent again: a renewal is a new invitation, written by
// issue's steps, whose identity tag carries `:renewal` (token.ts). A renewal is never renewed:
// the marker is in the same tag value as the identity, written by the same TagUser, so no reader
// can see the one without the other. Why that holds under concurrency:
// docs/invitation-state.md, "Renewal by the scheduled run".

import type { IamGateway } from '../aws/iam-gateway.ts';
import { aboutUser } from '../errors.ts';
import type { IssuePlan } from '../invitations/issue.ts';
import {
  type InvitationRecord,
  type InvitationStatus,
  invitationIn,
} from '../invitations/token.ts';

/** A pending link expiring within this is renewed (the schedule runs daily). */
export const RENEW_WITHIN_MS = 24 * 3_600_000;

/** A pending link, not itself a renewal, that expires within RENEW_WITHIN_MS. */
export function isRenewable(status: InvitationStatus, now: Date): boolean {
  return (
    status.state === 'pending' &&
    !status.record.renewal &&
    status.record.expiresAt.getTime() - now.getTime() <= RENEW_WITHIN_MS
  );
}

/** The plan issue's rules made, marked as a renewal: the chain ends with it. */
export function asRenewal(plan: IssuePlan): IssuePlan {
  return { ...plan, record: { ...plan.record, renewal: true } };
}

/**
 * Whether the link a renewal would replace is still the user's current one, read live just
 * before the write: a revoke, a reissue by HR or an enrollment that landed since the run's read
 * is not undone by a renewal. (One GetUser per renewal: renewals are few, and the window left is
 * the time between this read and the TagUser, as for any two issues of one user.)
 */
export async function stillCurrent(
  gateway: IamGateway,
  userName: string,
  replaces: InvitationRecord,
): Promise<boolean> {
  const user = await aboutUser(userName, () => gateway.getUser(userName));
  const current = invitationIn(user.tags);
  return current !== undefined && current.id === replaces.id && !current.renewal;
}
