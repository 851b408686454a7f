// Who a scheduled run emails, decided from one read of the account (compliance/scan.ts's
// scanAccount: the report and the listings it was made from), with no further IAM read. Pure.
//
// Invited (AUTO_INVITE=true): every user the report lists without MFA (so under the path and not
// exempt), settled by the credential report or a live check (a user only the virtual-device
// listing has seen may have a hardware or FIDO device: left for a run that has the report),
// created at least AUTO_INVITE_AFTER_DAYS ago, with an address (emailAddressOf), and whose current
// invitation, if any, is over (expired, or spent and gone). A locked link (its code attempts used
// up while it is still valid) is not replaced: that is for HR to look at, not a schedule.
//
// Renewed (always): a pending link that expires within RENEW_WITHIN_MS and was not itself a
// renewal (renewal.ts), of a user who still needs it (no MFA, or the group step left) and has an
// address.

import type { IamUser } from '../aws/iam-gateway.ts';
import type { AuthorizedUser } from '../aws/iam-inventory.ts';
import type { AccountScan } from '../compliance/scan.ts';
import type { Config } from '../config.ts';
import { emailAddressOf } from '../delivery/email.ts';
import type { MfaState } from '../enrollment/own-device.ts';
import { ownSerialNumber } from '../enrollment/own-device.ts';
import { exemptionOf } from '../exemptions/tag.ts';
import { isUnderUserPath } from '../invitations/invitations.ts';
import type { IssueSnapshot } from '../invitations/issue.ts';
import { type InvitationRecord, invitationStatus } from '../invitations/token.ts';
import { isRenewable } from './renewal.ts';

const DAY_MS = 86_400_000;

/** One user to email: the snapshot the issue rules decide from, and where the mail goes. */
export interface Candidate {
  kind: 'invitation' | 'renewal';
  snapshot: IssueSnapshot;
  to: string;
  /** The link a renewal replaces (its id is checked again right before the write). */
  replaces?: InvitationRecord;
}

export interface Selection {
  invite: Candidate[];
  renew: Candidate[];
}

export function selectCandidates(config: Config, scan: AccountScan, now: Date): Selection {
  const users = new Map(scan.detailed.map((u) => [u.arn, u]));
  const invite: Candidate[] = [];
  const renew: Candidate[] = [];
  const oldEnough = now.getTime() - config.autoInviteAfterDays * DAY_MS;

  for (const row of scan.report.users) {
    const listed = users.get(row.arn);
    if (!listed || !managed(config, listed, now)) continue;
    // Only what the report could settle: a user seen by the virtual listing alone may have MFA.
    if (row.evidence === 'virtual-only') continue;
    const to = emailAddressOf(config, listed.tags);
    if (!to) continue;
    const status = invitationStatus(listed.tags, config.maxCodeAttempts, now);
    const mfa: MfaState = { mfaEnabled: false, needsGroupStep: false };
    if (status?.state === 'pending') {
      if (isRenewable(status, now))
        renew.push({
          kind: 'renewal',
          snapshot: snapshotOf(listed, mfa),
          to,
          replaces: status.record,
        });
      continue;
    }
    if (status?.state === 'locked') continue;
    if (config.autoInvite && listed.createDate.getTime() <= oldEnough)
      invite.push({ kind: 'invitation', snapshot: snapshotOf(listed, mfa), to });
  }

  // Half-finished enrollments (the service's device enabled, outside the group) still need their
  // link to take the group step: renewed as finish-only links, as issue decides for them.
  const ownAssigned = new Set(scan.assignedVirtualMfa.map((d) => d.serialNumber));
  for (const outside of scan.report.mfaOutsideForceMfaGroup) {
    const listed = users.get(outside.arn);
    if (!listed || !managed(config, listed, now)) continue;
    if (!ownAssigned.has(ownSerialNumber(config, listed))) continue;
    const to = emailAddressOf(config, listed.tags);
    const status = invitationStatus(listed.tags, config.maxCodeAttempts, now);
    if (!to || status?.state !== 'pending' || !isRenewable(status, now)) continue;
    renew.push({
      kind: 'renewal',
      snapshot: snapshotOf(listed, { mfaEnabled: true, needsGroupStep: true }),
      to,
      replaces: status.record,
    });
  }
  return { invite, renew };
}

/** Under the path and not exempt (the report leaves the exempt out of its rows already). */
function managed(config: Config, user: AuthorizedUser, now: Date): boolean {
  return isUnderUserPath(config, user) && exemptionOf(user.tags, now) === undefined;
}

function snapshotOf(listed: AuthorizedUser, mfa: MfaState): IssueSnapshot {
  const { groups: _groups, ...user } = listed;
  return { user: user satisfies IamUser, mfa };
}
