// Setting and removing a user's MFA exemption (PUT and DELETE /v1/users/{userName}/exemption).
// The exemption lives in the user's tags (tag.ts); IAM has no compare-and-swap, so each write is
// one TagUser of a complete, freshly named set of tags, and what it replaces is removed only
// after it has landed. Why concurrent PUTs and DELETEs stay consistent, and how an exemption
// shares the 50 tags with an invitation: docs/invitation-state.md, "Exemptions".

import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway, IamUser } from '../aws/iam-gateway.ts';
import type { Clock } from '../clock.ts';
import { type Config, EXEMPTION_TAG_KEY, TAGS_PER_USER } from '../config.ts';
import {
  aboutUser,
  BadInputError,
  ConflictError,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  withProductErrors,
} from '../errors.ts';
import { managedUser } from '../invitations/invitations.ts';
import { attemptsOf, invitationIn } from '../invitations/token.ts';
import {
  type Exemption,
  exemptionKeys,
  exemptionRecord,
  exemptionTags,
  newWriteId,
} from './tag.ts';

export interface ExemptionDeps {
  gateway: IamGateway;
  config: Config;
  clock: Clock;
}

/** How many times a write whose outcome stayed unknown is made again, under a new write id. */
const WRITE_TRIES = 3;
/** Time the clean-up after a landed write may take past the request's budget. */
const CLEANUP_GRACE_MS = 2_000;

/**
 * Exempts a user under the path from MFA (replacing any earlier exemption). Refuses an end in the
 * past (400) and a write for which the user's tags have no room (409 too_many_tags).
 */
export function setExemption(
  deps: ExemptionDeps,
  userName: string,
  exemption: Exemption,
): Promise<Exemption & { userName: string }> {
  if (exemption.until !== null && exemption.until.getTime() <= deps.clock().getTime()) {
    throw new BadInputError('bad_request', 'until must be in the future.');
  }
  return withProductErrors(async () => {
    const { gateway } = deps;
    let user = await managedUser(gateway, deps.config, userName);
    // Every exemption key read before our write lands is another write's: superseded once ours
    // lands, so ours to remove then.
    const seen = new Set(exemptionKeys(user.tags));
    for (let attempt = 1; ; attempt++) {
      const writeId = newWriteId();
      const tags = exemptionTags(exemption, writeId);
      checkRoom(deps, user, tags);
      const landed = await aboutUser(user.userName, () =>
        writeOnce(gateway, user.userName, tags, writeId),
      );
      if (landed) break;
      // Unknown whether it landed, and a read shows it did not (or was overwritten since):
      // write again under a new id. A late landing of the first is a complete write too.
      user = await aboutUser(user.userName, () => gateway.getUser(user.userName));
      for (const key of exemptionKeys(user.tags)) seen.add(key);
      if (attempt === WRITE_TRIES) throw new ServiceUnavailableError(RETRY_AFTER_SECONDS);
    }
    // The head key is ours now (overwritten); the rest are leftovers.
    seen.delete(EXEMPTION_TAG_KEY);
    await removeLeftovers(gateway, user.userName, [...seen]);
    return { userName: user.userName, ...exemption };
  });
}

/** Ends a user's exemption, if there is one (idempotent). Returns what was removed. */
export function removeExemption(
  { gateway, config }: Pick<ExemptionDeps, 'gateway' | 'config'>,
  userName: string,
): Promise<Exemption | undefined> {
  return withProductErrors(async () => {
    const user = await managedUser(gateway, config, userName);
    const keys = exemptionKeys(user.tags);
    if (keys.length === 0) return undefined;
    // The head and every spill tag in one call: a write that lands after our read keeps its
    // spill tags but loses its head, which leaves no exemption and harmless leftovers.
    await aboutUser(user.userName, () => gateway.untagUser(user.userName, keys));
    const removed = exemptionRecord(user.tags);
    return removed ? { reason: removed.reason, until: removed.until } : undefined;
  });
}

/**
 * Writes the exemption's tags in one TagUser. True once it certainly landed (its answer came, or
 * a read after a lost answer shows our head); false when that stays unknown.
 */
async function writeOnce(
  gateway: IamGateway,
  userName: string,
  tags: Record<string, string>,
  writeId: string,
): Promise<boolean> {
  try {
    await gateway.tagUserOnce(userName, tags);
    return true;
  } catch (error) {
    if (isIamError(error, 'limit-exceeded')) throw noRoom(userName, Object.keys(tags).length);
    if (!isIamError(error, 'unknown-outcome')) throw error;
  }
  const after = await gateway.getUser(userName);
  return exemptionRecord(after.tags)?.writeId === writeId;
}

/**
 * The write must fit IAM's 50 tags with everything already on the user (its own tags, the
 * previous exemption until it is removed, an invitation's tags) plus the code attempts a pending
 * invitation was promised room for when it was issued.
 */
function checkRoom(deps: ExemptionDeps, user: IamUser, tags: Record<string, string>): void {
  const adding = Object.keys(tags).filter((key) => !(key in user.tags)).length;
  const invitation = invitationIn(user.tags);
  const promised =
    invitation && !invitation.finishOnly && invitation.expiresAt > deps.clock()
      ? Math.max(0, deps.config.maxCodeAttempts - attemptsOf(user.tags, invitation.id))
      : 0;
  const present = Object.keys(user.tags).length;
  if (present + adding + promised > TAGS_PER_USER) {
    throw new ConflictError(
      'too_many_tags',
      `User ${user.userName} has ${present} tags${promised > 0 ? `, and its pending invitation keeps ${promised} free for code attempts` : ''}; this exemption needs ${adding} more (IAM allows ${TAGS_PER_USER}).`,
    );
  }
}

function noRoom(userName: string, needed: number): ConflictError {
  return new ConflictError(
    'too_many_tags',
    `User ${userName} has no room for the ${needed} tags of this exemption (IAM allows ${TAGS_PER_USER}).`,
  );
}

/** Best effort: a leftover that stays is harmless, and the next write or removal takes it. */
async function removeLeftovers(gateway: IamGateway, userName: string, keys: string[]) {
  if (keys.length === 0) return;
  await gateway
    .withGrace(CLEANUP_GRACE_MS)
    .untagUser(userName, keys)
    .catch(() => undefined);
}
