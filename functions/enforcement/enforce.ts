// Enforcement (POST /v1/force-mfa-group/members): puts users in the force-MFA group, whose policy
// lets them do nothing but set up MFA until they sign in with it. Everyone outside the group is
// added, with or without MFA (one with MFA loses nothing, and keeps having to use it); an exempt
// user is refused (409 exempt), since a machine user without MFA would be locked out.
//
// IAM calls: one read of the account (GetAccountAuthorizationDetails: every user's path, tags and
// groups, 1000 a page) and GetGroup (does the group exist), then one AddUserToGroup per user to
// add, paced (aws/pacer.ts) and a few at a time inside the request's deadline. A user the
// listing does not have (created a moment ago) is read on its own. The snapshot may be a moment
// old when a user is added: an exemption set meanwhile does not stop the add, which is the same
// end as an exemption set just after it (the service never removes anyone from the group: that
// is an escalation path, docs/security.md §7); AddUserToGroup is idempotent, so a user added
// meanwhile is no error.

import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway } from '../aws/iam-gateway.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import type { Clock } from '../clock.ts';
import { mapLimited } from '../compliance/map-limited.ts';
import type { Config } from '../config.ts';
import { isInGroup } from '../enrollment/own-device.ts';
import {
  aboutUser,
  ConflictError,
  productError,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UserNotFoundError,
  withProductErrors,
} from '../errors.ts';
import { exemptionOf } from '../exemptions/tag.ts';
import type { UserOutcome } from '../http/batch.ts';

export interface EnforcementDeps {
  gateway: IamGateway;
  inventory: IamInventory;
  config: Config;
  clock: Clock;
  /** Epoch ms by which all IAM work must be done; users not reached by then answer 503. */
  deadline: number;
}

export type Enforced = 'added' | 'already_member';

/** Users worked on at once (the pacer spaces their calls). */
const CONCURRENCY = 4;

interface Member {
  userName: string;
  path: string;
  tags: Record<string, string>;
  groups: string[];
}

/** Each requested user's outcome, in request order. */
export function enforceMfaGroup(
  deps: EnforcementDeps,
  userNames: readonly string[],
): Promise<UserOutcome<Enforced>[]> {
  return withProductErrors(async () => {
    const { inventory, config } = deps;
    const [users, groupExists] = await Promise.all([
      inventory.usersWithTagsAndGroups(),
      inventory.groupExists(config.forceMfaGroup),
    ]);
    if (!groupExists) throw groupMissing(config.forceMfaGroup);
    // IAM user names are unique ignoring case (docs/iam-facts.md §2).
    const byName = new Map(users.map((u) => [u.userName.toLowerCase(), u]));
    return mapLimited([...userNames], CONCURRENCY, async (userName) => {
      try {
        return {
          userName,
          value: await enforceOne(deps, byName.get(userName.toLowerCase()), userName),
        };
      } catch (error) {
        return { userName, error: productError(error) };
      }
    });
  });
}

async function enforceOne(
  deps: EnforcementDeps,
  listed: Member | undefined,
  userName: string,
): Promise<Enforced> {
  const { gateway, config } = deps;
  if (Date.now() >= deps.deadline) throw new ServiceUnavailableError(RETRY_AFTER_SECONDS);
  const user = listed ?? (await readUser(gateway, userName));
  if (!user.path.startsWith(config.userPathPrefix)) throw new UserNotFoundError(userName);
  const exemption = exemptionOf(user.tags, deps.clock());
  if (exemption) {
    throw new ConflictError(
      'exempt',
      `User ${user.userName} is exempt from MFA${exemption.until ? ` until ${exemption.until.toISOString()}` : ''}: in the force-MFA group it could do nothing without MFA. End the exemption first.`,
    );
  }
  if (isInGroup(user.groups, config.forceMfaGroup)) return 'already_member';
  try {
    await gateway.addUserToGroup(config.forceMfaGroup, user.userName);
  } catch (error) {
    if (isIamError(error, 'not-found')) {
      // The user is gone, or the group is.
      await aboutUser(user.userName, () => gateway.getUser(user.userName));
      throw groupMissing(config.forceMfaGroup);
    }
    if (isIamError(error, 'limit-exceeded')) {
      throw new ConflictError(
        'too_many_groups',
        `User ${user.userName} is in as many groups as IAM allows (10); remove it from one first.`,
      );
    }
    throw error;
  }
  return 'added';
}

/** A user the account listing did not have: read on its own (a 404 if it does not exist). */
async function readUser(gateway: IamGateway, userName: string): Promise<Member> {
  return aboutUser(userName, async () => {
    const user = await gateway.getUser(userName);
    return { ...user, groups: await gateway.listGroupsForUser(user.userName) };
  });
}

function groupMissing(groupName: string): ConflictError {
  return new ConflictError(
    'force_mfa_group_missing',
    `The force-MFA group ${groupName} does not exist; deploy the stack with createForceMfaGroup, or create it.`,
  );
}
