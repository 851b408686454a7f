// Verifying, reserving attempts on, spending and revoking onboarding invitations (issuing them is
// issue.ts and bulk.ts). IAM is the store and has no compare-and-swap, so the state is split into
// tags that no write can undo (token.ts); docs/invitation-state.md says why each promise holds
// under any interleaving.

import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway, IamUser } from '../aws/iam-gateway.ts';
import type { Clock } from '../clock.ts';
import { type Config, INVITATION_TAG_KEY } from '../config.ts';
import { ownSerialNumber } from '../enrollment/own-device.ts';
import {
  aboutUser,
  ConflictError,
  InvitationInvalidError,
  TooManyAttemptsError,
  UserNotFoundError,
  withProductErrors,
} from '../errors.ts';
import {
  attemptsOf,
  type InvitationRecord,
  invitationIn,
  invitationTagKeys,
  newAttemptKey,
  parseToken,
  secretMatches,
} from './token.ts';

export interface VerifiedInvitation {
  user: IamUser;
  invitation: InvitationRecord;
  /** Attempts reserved when the invitation was read (a lower bound: others may be landing). */
  attemptsUsed: number;
}

export interface InvitationDeps {
  gateway: IamGateway;
  config: Config;
  clock: Clock;
}

export function onboardingUrl(config: Config, token: string): string {
  // The token rides in the fragment: browsers never send it to a server or in a Referer.
  return `${config.publicBaseUrl}/onboard#${token}`;
}

export function isUnderUserPath(config: Config, user: IamUser): boolean {
  return user.path.startsWith(config.userPathPrefix);
}

/**
 * Checks a presented token against the user's tags. Every failure, whatever its cause (bad
 * format, unknown user, outside the path, no invitation, wrong secret, expired), is the same
 * error, so the answer tells an attacker nothing about which users exist.
 */
export async function verifyInvitation(
  { gateway, config, clock }: InvitationDeps,
  token: string,
): Promise<VerifiedInvitation> {
  const parsed = parseToken(token);
  if (!parsed) throw new InvitationInvalidError();
  let user: IamUser;
  try {
    user = await withProductErrors(() => gateway.getUser(parsed.userName));
  } catch (error) {
    // Outside the user path the onboarding role may not even read the user: same answer.
    if (isIamError(error, 'not-found') || isIamError(error, 'access-denied')) {
      throw new InvitationInvalidError();
    }
    throw error;
  }
  const invitation = invitationIn(user.tags);
  if (
    !invitation ||
    !isUnderUserPath(config, user) ||
    !secretMatches(parsed.secret, invitation.secretHash) ||
    invitation.expiresAt.getTime() <= clock().getTime()
  ) {
    throw new InvitationInvalidError();
  }
  return { user, invitation, attemptsUsed: attemptsOf(user.tags, invitation.id) };
}

export function attemptsLeft(config: Config, attemptsUsed: number): number {
  return Math.max(0, config.maxCodeAttempts - attemptsUsed);
}

/**
 * Reads the user again and confirms the invitation is still the current one and unexpired
 * (not revoked, reissued or spent by another request meanwhile).
 */
export async function reverify(
  { gateway, clock }: Pick<InvitationDeps, 'gateway' | 'clock'>,
  verified: VerifiedInvitation,
): Promise<VerifiedInvitation> {
  const userName = verified.user.userName;
  const user = await aboutUser(userName, () => gateway.getUser(userName));
  const current = invitationIn(user.tags);
  if (!current || current.id !== verified.invitation.id || current.expiresAt <= clock()) {
    throw new InvitationInvalidError();
  }
  return { user, invitation: current, attemptsUsed: attemptsOf(user.tags, current.id) };
}

/** A reserved code check: the invitation as read after the reservation, and its key. */
export interface Reservation {
  current: VerifiedInvitation;
  key: string;
}

/**
 * Reserves one code check against the invitation's limit, before it is spent: writes a tag key no
 * other request writes, then reads the tags back and counts. Since every request counts after its
 * own key has landed, the n-th reservation to land sees at least n keys, so at most
 * maxCodeAttempts requests ever get past here, whatever the concurrency. Fails closed: a full tag
 * set, an unreadable count or a changed invitation all refuse the check. A reservation whose check
 * is never sent is taken back (releaseAttempt), so an IAM outage does not use up attempts.
 */
export async function reserveAttempt(
  deps: InvitationDeps,
  verified: VerifiedInvitation,
): Promise<Reservation> {
  const { gateway, config, clock } = deps;
  const userName = verified.user.userName;
  const key = newAttemptKey(verified.invitation.id);
  let current: VerifiedInvitation;
  try {
    await aboutUser(userName, async () => {
      try {
        await gateway.tagUser(userName, key, String(Math.floor(clock().getTime() / 1000)));
      } catch (error) {
        // IAM's 50 tags per user are taken (the user gained tags after the link was issued):
        // fail closed, no code check.
        if (isIamError(error, 'limit-exceeded')) throw noRoomForAttempt(userName);
        throw error;
      }
    });
    current = await reverify(deps, verified);
  } catch (error) {
    // No code check will follow: revoked, reissued or spent meanwhile, or IAM kept failing.
    await releaseAttempt(deps, userName, key);
    throw error;
  }
  // Our own key must be in the count; if IAM's read does not show it yet, count it anyway.
  const used = current.attemptsUsed + (key in current.user.tags ? 0 : 1);
  // Over the limit, the key stays: others counted it, and a flood locks the link (fail closed).
  if (used > config.maxCodeAttempts) throw new TooManyAttemptsError();
  return { current: { ...current, attemptsUsed: used }, key };
}

/**
 * Takes back a reservation whose code check was certainly never evaluated. Safe for the bound:
 * only keys of requests that never send a check are ever removed, so every sender still counts
 * the keys of the senders before it. Best effort, with a little time past the request's budget
 * so a throttled IAM does not keep the key; a key left behind only errs on the safe side.
 */
export async function releaseAttempt(
  { gateway }: Pick<InvitationDeps, 'gateway'>,
  userName: string,
  key: string,
): Promise<void> {
  await gateway
    .withGrace(RELEASE_GRACE_MS)
    .untagUser(userName, [key])
    .catch(() => undefined);
}

/** Time a release may take past the request's budget (still inside API Gateway's 30 s). */
const RELEASE_GRACE_MS = 2_000;

/** The user's tags are full, so no attempt can be reserved: nothing is checked. */
export function noRoomForAttempt(userName: string): ConflictError {
  return new ConflictError(
    'too_many_tags',
    `User ${userName} has no free IAM tag slot for another code check. Ask your administrator to remove a tag from the user.`,
  );
}

/**
 * Ends an invitation on success: removes its identity (the link stops verifying) and the attempt
 * keys seen on the user, and nothing else of the service's (an exemption stays). Idempotent.
 */
export async function spendInvitation(
  { gateway }: Pick<InvitationDeps, 'gateway'>,
  user: IamUser,
): Promise<void> {
  await aboutUser(user.userName, () =>
    gateway.untagUser(user.userName, [
      ...new Set([INVITATION_TAG_KEY, ...invitationTagKeys(user.tags)]),
    ]),
  );
}

/**
 * Revokes a user's pending invitation (HR): removes its tags, then deletes its unassigned device,
 * so a code check already in flight finds no device. Idempotent: no invitation is not an error.
 */
export async function revokeInvitation(
  { gateway, config }: Pick<InvitationDeps, 'gateway' | 'config'>,
  userName: string,
): Promise<void> {
  await withProductErrors(async () => {
    const user = await managedUser(gateway, config, userName);
    await spendInvitation({ gateway }, user);
    // A device that is gone already is no error (deleteIfUnassigned).
    await deleteUnassignedOwnDevice(gateway, config, user);
  });
}

/**
 * Deletes the service's device of this user if it is unassigned. One that is assigned (enabled
 * just now by a request already past its checks) is the user's MFA now and stays.
 */
export async function deleteUnassignedOwnDevice(
  gateway: IamGateway,
  config: Config,
  user: IamUser,
): Promise<void> {
  await deleteIfUnassigned(gateway, ownSerialNumber(config, user));
}

/** True when this call deleted the device; gone already or assigned (someone's MFA) is false. */
export async function deleteIfUnassigned(
  gateway: IamGateway,
  serialNumber: string,
): Promise<boolean> {
  try {
    await gateway.deleteVirtualMfaDevice(serialNumber);
    return true;
  } catch (error) {
    if (isIamError(error, 'not-found') || isIamError(error, 'delete-conflict')) return false;
    throw error;
  }
}

/**
 * An existing user under the configured path. One outside the path is answered exactly like an
 * unknown one, so a key learns nothing about users it may not act on.
 */
export async function managedUser(
  gateway: IamGateway,
  config: Config,
  userName: string,
): Promise<IamUser> {
  const user = await aboutUser(userName, () => gateway.getUser(userName));
  if (!isUnderUserPath(config, user)) throw new UserNotFoundError(userName);
  return user;
}
