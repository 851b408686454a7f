// One user's MFA status for HR tooling (GET /v1/users/{userName}): their MFA devices, force-MFA
// group membership, where the enrollment stands, the current invitation and exemption, if any
// (GetUser, then two listings in parallel). A user outside the user path is answered as an unknown one.

import type { IamGateway } from '../aws/iam-gateway.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { isInGroup, ownSerialNumber } from '../enrollment/own-device.ts';
import { aboutUser, withProductErrors } from '../errors.ts';
import { exemptionOf } from '../exemptions/tag.ts';
import { managedUser } from '../invitations/invitations.ts';
import { invitationStatus } from '../invitations/token.ts';
import type { EnrollmentState, UserStatus } from './schemas.ts';

export interface UserStatusDeps {
  gateway: IamGateway;
  config: Config;
  clock: Clock;
}

export function userStatus(deps: UserStatusDeps, userName: string): Promise<UserStatus> {
  return withProductErrors(() => readStatus(deps, userName));
}

async function readStatus(
  { gateway, config, clock }: UserStatusDeps,
  userName: string,
): Promise<UserStatus> {
  // A user outside the path is answered like an unknown one.
  const user = await managedUser(gateway, config, userName);
  // Deleted between GetUser and the listings: still a 404.
  const [devices, groups] = await aboutUser(userName, () =>
    Promise.all([gateway.listMfaDevices(user.userName), gateway.listGroupsForUser(user.userName)]),
  );
  const inForceMfaGroup = isInGroup(groups, config.forceMfaGroup);
  const status = invitationStatus(user.tags, config.maxCodeAttempts, clock());
  const invitation = status
    ? {
        state: status.state,
        expiresAt: status.record.expiresAt.toISOString(),
        attemptsRemaining: status.attemptsRemaining,
      }
    : null;
  const ownSerial = ownSerialNumber(config, user);
  let enrollment: EnrollmentState;
  if (devices.length === 0)
    enrollment = invitation?.state === 'pending' ? 'invited' : 'not_enrolled';
  else if (inForceMfaGroup) enrollment = 'enrolled';
  else if (devices.some((d) => d.serialNumber === ownSerial)) enrollment = 'needs_group_step';
  else enrollment = 'mfa_outside_group';
  return {
    userName: user.userName,
    arn: user.arn,
    mfaEnabled: devices.length > 0,
    mfaDevices: devices.map((d) => ({
      serialNumber: d.serialNumber,
      enableDate: d.enableDate?.toISOString() ?? null,
    })),
    inForceMfaGroup,
    enrollment,
    invitation,
    exemption: exemptionAnswer(exemptionOf(user.tags, clock())),
  };
}

function exemptionAnswer(
  e: { reason: string; until: Date | null } | undefined,
): UserStatus['exemption'] {
  return e ? { reason: e.reason, until: e.until?.toISOString() ?? null } : null;
}
