// Issuing a link and emailing it (POST /v1/invitations and /bulk with `"delivery"`): the address
// is settled from the same snapshot the rules read, before anything is written (a user without
// one is refused, 422, IAM untouched); the link is issued as without delivery (issue.ts, bulk.ts);
// then it is sent (delivery/email.ts). A link that could not be sent is taken back, so nobody is
// left holding a pending invitation that no one received (it would count as "invited" and hold
// back the scheduled reminders until it expired).
//
// Taking it back, and why that is safe without compare-and-swap (docs/invitation-state.md): read
// the user; if the identity tag is still the one this request wrote (its secret's hash), untag it
// (and any attempt keys). Nobody else has this link, so no device and no attempt of it exist. If
// another issue (HR again, the scheduled run) landed in between, its identity is newer: it is
// left alone ("superseded"). The one window is a newer issue landing between the read and the
// untag: that newer link is then dead too (401, reissue): the safe side of promise 1, as for two
// racing reissues. If IAM keeps failing, the link stays pending until it expires
// ("revoke_failed", logged): the one case where a link nobody received is left.

import type { DeliveredInvitation, Delivery } from '../admin/schemas.ts';
import { accountIdFromArn, type IamGateway, type IamUser } from '../aws/iam-gateway.ts';
import { mapLimited } from '../compliance/map-limited.ts';
import type { Config } from '../config.ts';
import {
  accountLabel,
  composeInvitationEmail,
  DeliveryError,
  emailAddressOf,
  type InvitationEmail,
  type Mailer,
  maskEmailAddress,
} from '../delivery/email.ts';
import { aboutUser, productError, UserNotFoundError } from '../errors.ts';
import type { UserOutcome } from '../http/batch.ts';
import { type BulkDeps, issueInvitations } from './bulk.ts';
import { type InvitationDeps, spendInvitation } from './invitations.ts';
import { type IssuedInvitation, issueInvitation } from './issue.ts';
import { invitationIn, parseToken, secretMatches } from './token.ts';

/**
 * What became of a link that could not be sent: taken back, left to a newer one, left pending
 * because IAM kept failing, or `kept` because SES may have accepted the mail carrying it.
 */
export type UndeliveredOutcome = 'revoked' | 'superseded' | 'revoke_failed' | 'kept';

export interface Undelivered {
  userName: string;
  /** The DeliveryError's code, or the name of what else the mailer threw. */
  errorCode: string;
  outcome: UndeliveredOutcome;
}

export interface DeliveryDeps extends InvitationDeps {
  /** For taking a link back: bound to the request's whole deadline, later than the issuing's. */
  revokeGateway: IamGateway;
  mailer: Mailer;
  /** Told of each link that was issued but not sent (the audit log line). */
  onUndelivered?: (undelivered: Undelivered) => void;
}

/** Time kept after the last send for taking back a link that was not sent (GetUser, UntagUser). */
const REVOKE_RESERVE_MS = 3_000;
/** A bulk's issuing leaves this much (at most half the time left) for the sends. */
const BULK_SEND_RESERVE_MS = 8_000;
/** Mails in flight at once in a bulk. */
const SEND_CONCURRENCY = 4;

/** When the sends must stop trying, so a failure still has time to take its link back. */
export function sendDeadline(deadline: number, now = Date.now()): number {
  return deadline - Math.min(REVOKE_RESERVE_MS, Math.max(0, deadline - now) / 4);
}

/** When a bulk with delivery must be done issuing, so the sends have their time. */
export function bulkIssueDeadline(deadline: number, now = Date.now()): number {
  return deadline - Math.min(BULK_SEND_RESERVE_MS, Math.max(0, deadline - now) / 2);
}

/** Where a delivery goes: the named address, or the user's tag (422 without one). */
export function recipientFor(config: Config, delivery: Delivery, user: IamUser): string {
  if (typeof delivery === 'object') return delivery.email;
  const address = emailAddressOf(config, user.tags);
  if (address === undefined) {
    throw new DeliveryError(
      'no_email_address',
      `User ${user.userName} has no email address in its "${config.emailTagKey}" tag. Add one, or name the address in the request.`,
    );
  }
  return address;
}

/** What the mail needs from the snapshot, gathered before the writes. */
interface Recipient {
  to: string;
  accountId: string;
  /** The user had a link already, which this one replaces. */
  kind: InvitationEmail['kind'];
}

function recipientOf(config: Config, delivery: Delivery, user: IamUser): Recipient {
  return {
    to: recipientFor(config, delivery, user),
    accountId: accountIdFromArn(user.arn),
    kind: invitationIn(user.tags) ? 'renewal' : 'invitation',
  };
}

/** The account's alias for the mail; without one (or with IAM busy) the id alone will do. */
async function accountAlias(gateway: IamGateway): Promise<string | undefined> {
  try {
    return await gateway.accountAlias();
  } catch {
    return undefined;
  }
}

/** One link, issued and emailed; the answer carries no link. */
export async function issueAndDeliver(
  deps: DeliveryDeps,
  userName: string,
  delivery: Delivery,
  ttlHours?: number,
): Promise<DeliveredInvitation> {
  let recipient: Recipient | undefined;
  let planned: IssuedInvitation | undefined;
  let issued: IssuedInvitation;
  try {
    issued = await issueInvitation(deps, userName, ttlHours, {
      beforeWrite: (user, link) => {
        recipient = recipientOf(deps.config, delivery, user);
        planned = link;
      },
    });
  } catch (error) {
    // A step after the identity's write failed (or the write's own answer was lost): the link
    // may be the user's current one, and nobody will receive it.
    if (planned) await takeBack(deps, planned, error);
    throw error;
  }
  if (!recipient) throw new Error('issueInvitation wrote without its beforeWrite check');
  const label = accountLabel(await accountAlias(deps.revokeGateway), recipient.accountId);
  return deliverIssued(deps, issued, recipient, label);
}

/**
 * Links for many users, each issued as the bulk route issues it and emailed to the user's tag
 * (users without one refused before the writes, 422); a user whose mail failed gets that error
 * (its link taken back), the others go on. `revokeGateway` is bound to the whole request's
 * deadline, later than the issuing's.
 */
export async function issueAndDeliverMany(
  deps: BulkDeps & Pick<DeliveryDeps, 'mailer' | 'onUndelivered' | 'revokeGateway'>,
  userNames: readonly string[],
  ttlHours?: number,
): Promise<UserOutcome<DeliveredInvitation>[]> {
  const recipients = new Map<string, Recipient>();
  const planned = new Map<string, IssuedInvitation>();
  const outcomes = await issueInvitations(deps, userNames, ttlHours, {
    beforeWrite: (user, link) => {
      recipients.set(user.userName.toLowerCase(), recipientOf(deps.config, 'email', user));
      planned.set(user.userName.toLowerCase(), link);
    },
  });
  const label = outcomes.some((o) => 'value' in o)
    ? await accountAlias(deps.revokeGateway)
    : undefined;
  return mapLimited(outcomes, SEND_CONCURRENCY, async (o) => {
    if (!('value' in o)) {
      // Its identity may have landed before a later step failed: take that link back too.
      const link = planned.get(o.userName.toLowerCase());
      if (link) await takeBack(deps, link, o.error);
      return o;
    }
    const recipient = recipients.get(o.value.userName.toLowerCase());
    try {
      if (!recipient) throw new Error('issueInvitations wrote without its beforeWrite check');
      const value = await deliverIssued(
        deps,
        o.value,
        recipient,
        accountLabel(label, recipient.accountId),
      );
      return { userName: o.userName, value };
    } catch (error) {
      return { userName: o.userName, error: productError(error) };
    }
  });
}

/**
 * Sends an issued link; one that surely was not sent is taken back before the error goes on. One
 * SES may have accepted (`email_unconfirmed`) stays: the mail may be in the mailbox, and its link
 * must work (a second mail with the same link is fine, a dead link is not).
 */
async function deliverIssued(
  deps: Pick<DeliveryDeps, 'revokeGateway' | 'config' | 'mailer' | 'onUndelivered'>,
  issued: IssuedInvitation,
  recipient: Recipient,
  label: string,
): Promise<DeliveredInvitation> {
  const mail = composeInvitationEmail({
    to: recipient.to,
    userName: issued.userName,
    url: issued.url,
    expiresAt: issued.expiresAt,
    accountLabel: label,
    finishOnly: issued.finishOnly,
    kind: recipient.kind,
  });
  try {
    await deps.mailer.send({ to: recipient.to, ...mail });
  } catch (error) {
    if (error instanceof DeliveryError && error.code === 'email_unconfirmed') {
      deps.onUndelivered?.({ userName: issued.userName, errorCode: error.code, outcome: 'kept' });
    } else {
      await takeBack(deps, issued, error);
    }
    throw error;
  }
  return {
    userName: issued.userName,
    expiresAt: issued.expiresAt.toISOString(),
    finishOnly: issued.finishOnly,
    delivered: { channel: 'email', to: maskEmailAddress(recipient.to) },
  };
}

/**
 * Untags the identity (and attempt keys) if it is still the one this link's secret matches;
 * leaves a newer one alone. Nothing else of the link exists to remove (see the header).
 */
/** Takes back a link nobody will receive (if it is still the current one), and says so. */
async function takeBack(
  deps: Pick<DeliveryDeps, 'revokeGateway' | 'onUndelivered'>,
  issued: IssuedInvitation,
  error: unknown,
): Promise<void> {
  const outcome = await revokeIfStillCurrent(deps.revokeGateway, issued).catch(
    (): UndeliveredOutcome => 'revoke_failed',
  );
  deps.onUndelivered?.({
    userName: issued.userName,
    errorCode: error instanceof DeliveryError ? error.code : errorName(error),
    outcome,
  });
}

export async function revokeIfStillCurrent(
  gateway: IamGateway,
  issued: IssuedInvitation,
): Promise<UndeliveredOutcome> {
  const token = parseToken(issued.url.slice(issued.url.indexOf('#') + 1));
  try {
    const user = await aboutUser(issued.userName, () => gateway.getUser(issued.userName));
    const current = invitationIn(user.tags);
    if (!token || !current || !secretMatches(token.secret, current.secretHash)) return 'superseded';
    await spendInvitation({ gateway }, user);
    return 'revoked';
  } catch (error) {
    // A user deleted meanwhile took the link with it.
    if (error instanceof UserNotFoundError) return 'revoked';
    throw error;
  }
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'Unknown');
