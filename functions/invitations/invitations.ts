// Issuing, verifying, spending and revoking onboarding invitations. IAM is the store: the
// pending invitation is one tag on the user, so reissuing overwrites it (the old link dies),
// deleting the user deletes it, and the IAM console shows it.

import { aboutUser, type IamGateway, type IamUser, isIamError } from '../aws/iam-gateway.ts';
import { type Config, MAX_INVITATION_TTL_HOURS } from '../config.ts';
import { BadInputError, ConflictError, InvitationInvalidError } from '../errors.ts';
import {
  decodeInvitationTag,
  encodeInvitationTag,
  type InvitationRecord,
  newToken,
  parseToken,
  secretMatches,
} from './token.ts';

export type Clock = () => Date;

export interface IssuedInvitation {
  userName: string;
  url: string;
  expiresAt: Date;
}

export interface VerifiedInvitation {
  user: IamUser;
  invitation: InvitationRecord;
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
 * Creates a new link for an existing user under the configured path, replacing any earlier
 * one. Refuses users who already have an MFA device: there is nothing to onboard.
 */
export async function issueInvitation(
  { gateway, config, clock }: InvitationDeps,
  userName: string,
  ttlHours = config.invitationTtlHours,
): Promise<IssuedInvitation> {
  if (!Number.isInteger(ttlHours) || ttlHours < 1 || ttlHours > MAX_INVITATION_TTL_HOURS) {
    throw new BadInputError(
      `ttlHours must be a whole number from 1 to ${MAX_INVITATION_TTL_HOURS}.`,
    );
  }
  const user = await managedUser(gateway, config, userName);
  const devices = await aboutUser(user.userName, () => gateway.listMfaDevices(user.userName));
  if (devices.length > 0) {
    throw new ConflictError('already_enrolled', `User ${user.userName} already has an MFA device.`);
  }
  const { token, secretHash } = newToken(user.userName);
  // Whole seconds, as the tag stores them, so the answer matches what verification will see.
  const expiresAt = new Date(Math.floor((clock().getTime() + ttlHours * 3_600_000) / 1000) * 1000);
  const tag = encodeInvitationTag({ secretHash, expiresAt, failedAttempts: 0 });
  await aboutUser(user.userName, () =>
    gateway.tagUser(user.userName, config.invitationTagKey, tag),
  );
  return { userName: user.userName, url: onboardingUrl(config, token), expiresAt };
}

/**
 * Checks a presented token against the user's tag. Every failure, whatever its cause (bad
 * format, unknown user, outside the path, no tag, wrong secret, expired), is the same error,
 * so the answer tells an attacker nothing about which users exist.
 */
export async function verifyInvitation(
  { gateway, config, clock }: InvitationDeps,
  token: string,
): Promise<VerifiedInvitation> {
  const parsed = parseToken(token);
  if (!parsed) throw new InvitationInvalidError();
  let user: IamUser;
  try {
    user = await gateway.getUser(parsed.userName);
  } catch (error) {
    // Outside the user path the onboarding role may not even read the user: same answer.
    if (isIamError(error, 'not-found') || isIamError(error, 'access-denied')) {
      throw new InvitationInvalidError();
    }
    throw error;
  }
  const invitation = decodeInvitationTag(user.tags[config.invitationTagKey]);
  if (
    !invitation ||
    !isUnderUserPath(config, user) ||
    !secretMatches(parsed.secret, invitation.secretHash) ||
    invitation.expiresAt.getTime() <= clock().getTime()
  ) {
    throw new InvitationInvalidError();
  }
  return { user, invitation };
}

/** Counts a wrong code submission against the invitation (its attempt limit survives restarts). */
export async function recordFailedAttempt(
  { gateway, config }: InvitationDeps,
  verified: VerifiedInvitation,
): Promise<number> {
  const failedAttempts = verified.invitation.failedAttempts + 1;
  await gateway.tagUser(
    verified.user.userName,
    config.invitationTagKey,
    encodeInvitationTag({ ...verified.invitation, failedAttempts }),
  );
  return failedAttempts;
}

/** Removes the invitation tag: on success (single use) and on revocation. Idempotent. */
export async function clearInvitation(
  { gateway, config }: Pick<InvitationDeps, 'gateway' | 'config'>,
  userName: string,
): Promise<void> {
  await gateway.untagUser(userName, config.invitationTagKey);
}

/** Revokes a user's pending invitation (HR). Idempotent: no invitation is not an error. */
export async function revokeInvitation(
  { gateway, config }: Pick<InvitationDeps, 'gateway' | 'config'>,
  userName: string,
): Promise<void> {
  const user = await managedUser(gateway, config, userName);
  await aboutUser(user.userName, () => clearInvitation({ gateway, config }, user.userName));
}

/** An existing user under the configured path, or the error HR should see. */
async function managedUser(
  gateway: IamGateway,
  config: Config,
  userName: string,
): Promise<IamUser> {
  const user = await aboutUser(userName, () => gateway.getUser(userName));
  if (!isUnderUserPath(config, user)) {
    throw new BadInputError(
      `User ${user.userName} is outside the path ${config.userPathPrefix} this service manages.`,
      'user_outside_path',
    );
  }
  return user;
}
