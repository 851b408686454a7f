// Admin-approved device replacement (POST /v1/users/{userName}/mfa-reset): a user who lost or
// replaced their phone gets every MFA device taken off, is put in the force-MFA group (so until
// they enroll again they can do nothing but set up MFA), and gets a new onboarding link through
// the ordinary issue path. Why the steps run in this order, and what an enrollment in flight
// meanwhile can do: docs/invitation-state.md, "MFA reset".

import { isIamError } from '../aws/iam-error.ts';
import type { IamGateway, IamUser } from '../aws/iam-gateway.ts';
import type { Config } from '../config.ts';
import { isInGroup, ownerOfSerial } from '../enrollment/own-device.ts';
import { aboutUser, ConflictError, UserNotFoundError, withProductErrors } from '../errors.ts';
import { exemptionOf } from '../exemptions/tag.ts';
import {
  deleteIfUnassigned,
  type InvitationDeps,
  managedUser,
  revokeInvitation,
} from '../invitations/invitations.ts';
import { type IssuedInvitation, issueInvitation } from '../invitations/issue.ts';

export interface MfaReset extends IssuedInvitation {
  /** Serial numbers of the devices this reset took off the user, in the order IAM listed them. */
  deactivated: string[];
}

/**
 * Rounds of "take every device off, then issue" before giving up: a device can only reappear
 * between them through a request that was already past all its checks (see the doc), so a second
 * round settles it; a third covers a user re-enrolling by hand at the same moment.
 */
const MAX_ROUNDS = 3;

/**
 * Resets the user's MFA: revoke the current link, take every device off (deleting the service's
 * own virtual device), add the user to the force-MFA group, issue a new link. Idempotent: a repeat
 * (after a lost answer) finds no device, deactivates nothing and answers with a new working link
 * (the lost one is replaced, as any reissue replaces it).
 */
export async function resetMfa(
  deps: InvitationDeps & {
    /** Called as each device comes off, so the audit log has it even if a later step fails. */
    onDeactivated?: (serialNumber: string) => void;
  },
  userName: string,
): Promise<MfaReset> {
  const { gateway, config, clock } = deps;
  const user = await withProductErrors(async () => {
    const found = await managedUser(gateway, config, userName);
    const exemption = exemptionOf(found.tags, clock());
    if (exemption) {
      // The force-MFA group would lock an exempt user (a machine, a break-glass user) out, and a
      // user that cannot have MFA has no device to replace: end the exemption first.
      throw new ConflictError(
        'exempt',
        `User ${found.userName} is exempt from MFA: a reset would put it in the force-MFA group, where it could do nothing without MFA. End the exemption first.`,
      );
    }
    // 1. The old link dies first, so no enrollment of it can enable a device after step 2.
    await revokeInvitation({ gateway, config }, found.userName);
    return found;
  });

  const deactivated: string[] = [];
  for (let round = 1; ; round++) {
    await withProductErrors(() =>
      deactivateAll(gateway, config, user, deactivated, deps.onDeactivated),
    );
    await withProductErrors(() => ensureInForceMfaGroup(gateway, config, user));
    try {
      // The issue path reads the user again and refuses one with MFA: a device enabled since
      // step 2 (an enable already inside IAM, or the user by hand) sends us round again.
      const issued = await issueInvitation(deps, user.userName);
      return { ...issued, deactivated };
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'already_enrolled')) throw error;
      if (round >= MAX_ROUNDS) {
        throw new ConflictError(
          'mfa_reenabled',
          `An MFA device was enabled for ${user.userName} again while it was being reset; try again.`,
        );
      }
    }
  }
}

/**
 * Step 2: DeactivateMFADevice for every device the user has (virtual, hardware, FIDO); the
 * service's own virtual device is then deleted, as a revoke deletes it. A virtual device made
 * elsewhere (the console) stays, unassigned: DeleteVirtualMFADevice is authorized on the device
 * ARN, which names no user, so the roles may delete only under the service's MFA path
 * (docs/security.md §7). An unassigned device signs nobody in.
 */
async function deactivateAll(
  gateway: IamGateway,
  config: Config,
  user: IamUser,
  deactivated: string[],
  onDeactivated: (serialNumber: string) => void = () => {},
): Promise<void> {
  const devices = await aboutUser(user.userName, () => gateway.listMfaDevices(user.userName));
  for (const { serialNumber } of devices) {
    try {
      await gateway.deactivateMfaDevice(user.userName, serialNumber);
    } catch (error) {
      // Gone already: our own repeat after a lost answer, or a reset running alongside.
      if (!isIamError(error, 'not-found')) throw error;
    }
    if (!deactivated.includes(serialNumber)) {
      deactivated.push(serialNumber);
      onDeactivated(serialNumber);
    }
    if (ownerOfSerial(config, serialNumber)?.toLowerCase() === user.userName.toLowerCase())
      await deleteIfUnassigned(gateway, serialNumber);
  }
  // A user deleted meanwhile: the deactivations above could not tell (the device is missing).
  if (devices.length > 0) await aboutUser(user.userName, () => gateway.getUser(user.userName));
}

/** Step 3: AddUserToGroup (adding a member again succeeds), after a read that shows the need. */
async function ensureInForceMfaGroup(
  gateway: IamGateway,
  config: Config,
  user: IamUser,
): Promise<void> {
  const groups = await aboutUser(user.userName, () => gateway.listGroupsForUser(user.userName));
  if (isInGroup(groups, config.forceMfaGroup)) return;
  try {
    await gateway.addUserToGroup(config.forceMfaGroup, user.userName);
  } catch (error) {
    if (!isIamError(error, 'not-found')) throw error;
    // The user, or the group: the user was there a moment ago, so read it again to tell.
    await aboutUser(user.userName, () => gateway.getUser(user.userName)).catch((e: unknown) => {
      throw e instanceof UserNotFoundError ? e : error;
    });
    throw new ConflictError(
      'force_mfa_group_missing',
      `The force-MFA group ${config.forceMfaGroup} does not exist.`,
    );
  }
}
