// One user's MFA status for HR tooling: devices, force-MFA group membership and the pending
// invitation (three IAM calls, in parallel after GetUser).

import { aboutUser, type IamGateway } from '../aws/iam-gateway.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../invitations/invitations.ts';
import { decodeInvitationTag } from '../invitations/token.ts';

export interface UserStatus {
  userName: string;
  arn: string;
  mfaEnabled: boolean;
  mfaDevices: { serialNumber: string; enableDate: string | null }[];
  inForceMfaGroup: boolean;
  invitation: { expiresAt: string } | null;
}

export async function userStatus(
  gateway: IamGateway,
  config: Config,
  clock: Clock,
  userName: string,
): Promise<UserStatus> {
  const user = await aboutUser(userName, () => gateway.getUser(userName));
  // Deleted between GetUser and the listings: still a 404.
  const [devices, groups] = await aboutUser(userName, () =>
    Promise.all([gateway.listMfaDevices(user.userName), gateway.listGroupsForUser(user.userName)]),
  );
  const invitation = decodeInvitationTag(user.tags[config.invitationTagKey]);
  const pending =
    invitation && invitation.expiresAt.getTime() > clock().getTime() ? invitation : undefined;
  return {
    userName: user.userName,
    arn: user.arn,
    mfaEnabled: devices.length > 0,
    mfaDevices: devices.map((d) => ({
      serialNumber: d.serialNumber,
      enableDate: d.enableDate?.toISOString() ?? null,
    })),
    inForceMfaGroup: groups.some((g) => g.toLowerCase() === config.forceMfaGroup.toLowerCase()),
    invitation: pending ? { expiresAt: pending.expiresAt.toISOString() } : null,
  };
}
