// The virtual MFA device this service makes for a user: one fixed name per user under the
// service's own path, so a reload replaces it instead of leaving an orphan, and revoke, reissue
// and the sweeper can name it without listing the account. The prefix keeps it clear of devices
// named after the user elsewhere (the console once did exactly that), since virtual MFA device
// names are unique in the account whatever their path.

import { accountIdFromArn, type IamGateway, type IamUser } from '../aws/iam-gateway.ts';
import { type Config, USER_NAME_PATTERN } from '../config.ts';
import { partitionOfArn } from '../partition.ts';

const DEVICE_NAME_PREFIX = 'onboarding-';

export function ownDeviceName(userName: string): string {
  return `${DEVICE_NAME_PREFIX}${userName}`;
}

/** The device's ARN, in the user's partition and account (both read from the user's ARN). */
export function ownSerialNumber(config: Config, user: Pick<IamUser, 'arn' | 'userName'>): string {
  const partition = partitionOfArn(user.arn);
  const accountId = accountIdFromArn(user.arn);
  return `arn:${partition}:iam::${accountId}:mfa${config.mfaDevicePath}${ownDeviceName(user.userName)}`;
}

/** The user a device of the service's path belongs to, from its serial; undefined for others. */
export function ownerOfSerial(config: Config, serialNumber: string): string | undefined {
  const marker = `:mfa${config.mfaDevicePath}${DEVICE_NAME_PREFIX}`;
  const at = serialNumber.indexOf(marker);
  if (at === -1) return undefined;
  const userName = serialNumber.slice(at + marker.length);
  return USER_NAME_PATTERN.test(userName) ? userName : undefined;
}

export interface MfaState {
  /** Any MFA device of any type is enabled for the user. */
  mfaEnabled: boolean;
  /** MFA by this service, but not in the force-MFA group: an enrollment to finish. */
  needsGroupStep: boolean;
}

/**
 * What the user's MFA looks like to the service (the group is read only when it matters). Both
 * reads are about the user: call it inside `aboutUser`.
 */
export async function ownDeviceState(
  gateway: IamGateway,
  config: Config,
  user: IamUser,
): Promise<MfaState> {
  const devices = await gateway.listMfaDevices(user.userName);
  const serial = ownSerialNumber(config, user);
  const ownEnabled = devices.some((d) => d.serialNumber === serial);
  const needsGroupStep =
    ownEnabled && !isInGroup(await gateway.listGroupsForUser(user.userName), config.forceMfaGroup);
  return { mfaEnabled: devices.length > 0, needsGroupStep };
}

export const isInGroup = (groups: string[], groupName: string) =>
  groups.some((g) => g.toLowerCase() === groupName.toLowerCase());
