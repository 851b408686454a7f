// Issuing onboarding links: the rules, decided once from a snapshot of the user (planInvitation),
// and the writes, in the order that makes a reissue final (identity, then the old link's device,
// then stale keys). The single route reads its snapshot live (issueInvitation, here); the bulk
// route reads one for every user from account-wide listings (bulk.ts) and runs the same steps.
// Why the order matters: docs/invitation-state.md, "Each flow" and "Bulk issue".

import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway, IamUser } from '../aws/iam-gateway.ts';
import {
  type Config,
  INVITATION_TAG_KEY,
  MAX_INVITATION_TTL_HOURS,
  TAGS_PER_USER,
} from '../config.ts';
import { type MfaState, ownDeviceState } from '../enrollment/own-device.ts';
import { aboutUser, BadInputError, ConflictError, withProductErrors } from '../errors.ts';
import { exemptionKeys, staleExemptionKeys } from '../exemptions/tag.ts';
import {
  deleteUnassignedOwnDevice,
  type InvitationDeps,
  managedUser,
  onboardingUrl,
  spendInvitation,
} from './invitations.ts';
import {
  encodeInvitationTag,
  foreignTagCount,
  type InvitationRecord,
  newInvitation,
  staleAttemptKeys,
} from './token.ts';

export interface IssuedInvitation {
  userName: string;
  url: string;
  expiresAt: Date;
  /** The user's MFA is already on (ours): the link can only finish the force-MFA group step. */
  finishOnly: boolean;
}

/** What the rules look at: the user (under the path: checked before) and its MFA. */
export interface IssueSnapshot {
  user: IamUser;
  mfa: MfaState;
}

/** A decided invitation, not yet written. */
export interface IssuePlan {
  user: IamUser;
  finishOnly: boolean;
  /** Free tag slots it needs: its identity, and one per code attempt unless finish-only. */
  needed: number;
  token: string;
  record: InvitationRecord;
}

/** Refuses a ttlHours the route's schema would have refused (callers from code, too). */
export function checkTtlHours(ttlHours: number): void {
  if (!Number.isInteger(ttlHours) || ttlHours < 1 || ttlHours > MAX_INVITATION_TTL_HOURS) {
    throw new BadInputError(
      'bad_request',
      `ttlHours must be a whole number from 1 to ${MAX_INVITATION_TTL_HOURS}.`,
    );
  }
}

/**
 * The rules of issuing, from a snapshot: refuses a user who already has MFA (409
 * already_enrolled), except one whose device this service enabled but who is not in the force-MFA
 * group yet (the link is finish-only); refuses one whose tags leave too few free slots (409
 * too_many_tags). Otherwise the new invitation, with a fresh secret.
 */
export function planInvitation(
  config: Config,
  { user, mfa }: IssueSnapshot,
  ttlHours: number,
  now: Date,
): IssuePlan {
  if (mfa.mfaEnabled && !mfa.needsGroupStep) {
    throw new ConflictError('already_enrolled', `User ${user.userName} already has an MFA device.`);
  }
  const finishOnly = mfa.mfaEnabled;
  // A finish-only link never reserves an attempt: it needs room for its identity tag alone.
  const needed = finishOnly ? 1 : 1 + config.maxCodeAttempts;
  // An exemption's tags stay (they are not the invitation's to remove): they count as taken.
  const taken = takenSlots(user.tags);
  if (TAGS_PER_USER - taken < needed) throw tooManyTags(user.userName, taken, needed);
  // Whole seconds, as the tag stores them, so the answer matches what verification will see.
  const expiresAt = new Date(Math.floor((now.getTime() + ttlHours * 3_600_000) / 1000) * 1000);
  const { token, record } = newInvitation(user.userName, expiresAt, finishOnly);
  return { user, finishOnly, needed, token, record };
}

/**
 * Step 1: overwrites the identity tag; from here the old link fails verification. When the
 * user's 50 tags are taken (attempt keys an earlier link left behind fill them), the earlier
 * invitation is revoked first, removing its keys, and the write is tried once more; a user whose
 * own tags leave no room is refused, never half-invited.
 */
export async function writeIdentity(gateway: IamGateway, plan: IssuePlan): Promise<void> {
  const { user, needed } = plan;
  const value = encodeInvitationTag(plan.record);
  try {
    await gateway.tagUser(user.userName, INVITATION_TAG_KEY, value);
    return;
  } catch (error) {
    if (!isIamError(error, 'limit-exceeded')) throw error;
  }
  const fresh = await gateway.getUser(user.userName);
  await spendInvitation({ gateway }, fresh);
  try {
    await gateway.tagUser(user.userName, INVITATION_TAG_KEY, value);
  } catch (error) {
    if (isIamError(error, 'limit-exceeded'))
      throw tooManyTags(user.userName, takenSlots(fresh.tags), needed);
    throw error;
  }
}

/**
 * Step 2, after step 1: deletes the old link's unassigned device, so a code check already in
 * flight for it finds nothing. A finish-only link has no device to replace: the enabled one stays.
 */
export async function deleteOldDevice(
  gateway: IamGateway,
  config: Config,
  plan: IssuePlan,
): Promise<void> {
  if (!plan.finishOnly) await deleteUnassignedOwnDevice(gateway, config, plan.user);
}

/** Keys step 3 removes: earlier invitations' attempt keys and overwritten exemption writes'. */
export function staleKeysOf(plan: IssuePlan): string[] {
  const { tags } = plan.user;
  // Both are safe to remove for anyone who read them once step 1 has landed (tag.ts, token.ts).
  return [...staleAttemptKeys(tags, plan.record.id), ...staleExemptionKeys(tags)];
}

/** Step 3, after step 1 (before it, the old invitation's keys still count for it). */
export async function removeStaleKeys(gateway: IamGateway, plan: IssuePlan): Promise<void> {
  const stale = staleKeysOf(plan);
  if (stale.length > 0) await gateway.untagUser(plan.user.userName, stale);
}

export function issuedFrom(config: Config, plan: IssuePlan): IssuedInvitation {
  return {
    userName: plan.user.userName,
    url: onboardingUrl(config, plan.token),
    expiresAt: plan.record.expiresAt,
    finishOnly: plan.finishOnly,
  };
}

/** What a caller may add to the rules: a check of the snapshot's user before anything is written. */
export interface IssueOptions {
  /**
   * Throws to refuse this user (nothing is written), e.g. one without an email address. Told the
   * link about to be written, so a caller can take it back if a later step fails.
   */
  beforeWrite?: (user: IamUser, planned: IssuedInvitation) => void;
}

/**
 * Creates a new link for an existing user under the configured path, replacing any earlier one
 * (POST /v1/invitations): reads the user live (GetUser, ListMFADevices, and ListGroupsForUser
 * when the service's device is enabled), decides, and writes the three steps in order.
 */
export async function issueInvitation(
  deps: InvitationDeps,
  userName: string,
  ttlHours = deps.config.invitationTtlHours,
  options: IssueOptions = {},
): Promise<IssuedInvitation> {
  checkTtlHours(ttlHours);
  return withProductErrors(async () => {
    const { gateway, config, clock } = deps;
    const plan = planInvitation(config, await liveSnapshot(deps, userName), ttlHours, clock());
    options.beforeWrite?.(plan.user, issuedFrom(config, plan));
    // All about the user; the delete of their device settles its own NoSuchEntity.
    await aboutUser(plan.user.userName, async () => {
      await writeIdentity(gateway, plan);
      await deleteOldDevice(gateway, config, plan);
      await removeStaleKeys(gateway, plan);
    });
    return issuedFrom(config, plan);
  });
}

/** One user's snapshot read live: a 404 for an unknown user or one outside the path. */
export async function liveSnapshot(
  { gateway, config }: Pick<InvitationDeps, 'gateway' | 'config'>,
  userName: string,
): Promise<IssueSnapshot> {
  const user = await managedUser(gateway, config, userName);
  const mfa = await aboutUser(user.userName, () => ownDeviceState(gateway, config, user));
  return { user, mfa };
}

/** Tags an invitation cannot make room in: the user's own, and an exemption's. */
function takenSlots(tags: Record<string, string>): number {
  return foreignTagCount(tags) + exemptionKeys(tags).length;
}

function tooManyTags(userName: string, taken: number, needed: number): ConflictError {
  return new ConflictError(
    'too_many_tags',
    `User ${userName} has ${taken} tags of its own or of an exemption; an invitation needs ${needed} free tag slots (IAM allows ${TAGS_PER_USER}).`,
  );
}
