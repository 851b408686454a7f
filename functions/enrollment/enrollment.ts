// The employee's enrollment: status, a fresh virtual MFA device, and its activation followed by
// membership of the force-MFA group. Every step can be repeated: a reload, a second tab, a
// double submit, a lost response or a failure between two IAM calls all end in a correct state
// on the next request, and the service never leaves more than one device of its own per user.
// Code checks go through the invitation's attempt reservations (invitations.ts); why the whole
// flow holds under concurrency is in docs/invitation-state.md.

import { isIamError } from '../aws/iam-error.ts';
import { accountIdFromArn, type IamGateway } from '../aws/iam-gateway.ts';
import type { Clock } from '../clock.ts';
import { type Config, INVITATION_TAG_KEY, TAGS_PER_USER } from '../config.ts';
import {
  aboutUser,
  BadInputError,
  ConflictError,
  InvalidCodeError,
  InvitationInvalidError,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  TooManyAttemptsError,
  UserNotFoundError,
  withProductErrors,
} from '../errors.ts';
import {
  attemptsLeft,
  deleteUnassignedOwnDevice,
  noRoomForAttempt,
  type Reservation,
  releaseAttempt,
  reserveAttempt,
  reverify,
  spendInvitation,
  type VerifiedInvitation,
} from '../invitations/invitations.ts';
import type { Logger } from '../logger.ts';
import { consoleSignInUrl, partitionOfArn } from '../partition.ts';
import { otpauthUri, qrSvg } from './otpauth.ts';
import { isInGroup, ownDeviceName, ownSerialNumber } from './own-device.ts';
import type { Enrolled, EnrollmentStatus, NewDevice } from './schemas.ts';
import { awsConfigBlock } from './switch-roles.ts';

export interface AccountInfo {
  accountId: string;
  accountAlias?: string;
}

export interface EnrollmentDeps {
  gateway: IamGateway;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The account's alias (cached by the caller: it rarely changes). */
  accountAlias: () => Promise<string | undefined>;
}

export interface Activation {
  serialNumber: string;
  /** Absent only when the device is already enabled and the group step is being finished. */
  codes?: { code1: string; code2: string };
}

/** A repeat of a refused EnableMFADevice re-reads the invitation when its last read is older. */
const RECHECK_AFTER_MS = 1_000;

/** Attempts at replacing our own device when another request races us (two tabs). */
const CREATE_ATTEMPTS = 3;

/** The user's ARN names the account; only the alias needs asking for. */
async function accountOf(deps: EnrollmentDeps, verified: VerifiedInvitation): Promise<AccountInfo> {
  return {
    accountId: accountIdFromArn(verified.user.arn),
    accountAlias: await deps.accountAlias(),
  };
}

export function accountLabel(account: AccountInfo): string {
  return account.accountAlias ?? account.accountId;
}

export function enrollmentStatus(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
): Promise<EnrollmentStatus> {
  return withProductErrors(() => readStatus(deps, verified));
}

async function readStatus(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
): Promise<EnrollmentStatus> {
  const { gateway, config } = deps;
  const userName = verified.user.userName;
  const [account, [devices, groups]] = await Promise.all([
    accountOf(deps, verified),
    aboutUser(userName, () =>
      Promise.all([gateway.listMfaDevices(userName), gateway.listGroupsForUser(userName)]),
    ),
  ]);
  return {
    userName,
    accountId: account.accountId,
    accountAlias: account.accountAlias ?? null,
    status: devices.length > 0 ? 'enrolled' : 'invited',
    groupName: config.forceMfaGroup,
    inForceMfaGroup: isInGroup(groups, config.forceMfaGroup),
    mfaDevices: devices.map((d) => ({
      serialNumber: d.serialNumber,
      enableDate: d.enableDate?.toISOString() ?? null,
    })),
    invitationExpiresAt: verified.invitation.expiresAt.toISOString(),
    attemptsRemaining: attemptsLeft(config, verified.attemptsUsed),
  };
}

/**
 * Makes a new virtual device for the user, replacing an unassigned one this service made earlier.
 * The seed is handed out only if the invitation is still current once the device exists: a
 * revoke, reissue, success or lock that landed meanwhile deletes it instead.
 */
export function createDevice(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
): Promise<NewDevice> {
  return withProductErrors(() => makeDevice(deps, verified));
}

async function makeDevice(deps: EnrollmentDeps, verified: VerifiedInvitation): Promise<NewDevice> {
  const { gateway, config } = deps;
  if (verified.invitation.finishOnly) throw finishOnlyLink();
  // Locked earlier: refuse without another IAM call. Its device was deleted when it locked, or
  // is left to the sweeper if that delete failed.
  if (verified.attemptsUsed >= config.maxCodeAttempts) throw new TooManyAttemptsError();
  // No room for even one reservation: a seed handed out now could never be checked.
  if (Object.keys(verified.user.tags).length >= TAGS_PER_USER)
    throw noRoomForAttempt(verified.user.userName);
  const account = await accountOf(deps, verified);
  const serialNumber = ownSerialNumber(config, verified.user);
  return cleaningUpIfUserGone(gateway, serialNumber, async () => {
    // Its calls are about the user, but for the device's delete, which settles its own
    // NoSuchEntity, and create, which IAM never answers with one.
    const device = await aboutUser(verified.user.userName, () =>
      replaceOwnDevice(deps, verified, account, serialNumber),
    );
    let current: VerifiedInvitation;
    try {
      current = await reverify(deps, verified);
    } catch (error) {
      if (error instanceof InvitationInvalidError)
        await deleteUnassignedOwnDevice(gateway, config, verified.user).catch(() => undefined);
      throw error;
    }
    if (current.attemptsUsed >= config.maxCodeAttempts) await refuseLocked(deps, current);
    deps.logger.info('enrollment.device_created', {
      userName: verified.user.userName,
      serialNumber: device.serialNumber,
    });
    return device;
  });
}

async function replaceOwnDevice(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
  account: AccountInfo,
  serialNumber: string,
): Promise<NewDevice> {
  const { gateway, config } = deps;
  const userName = verified.user.userName;
  const devices = await gateway.listMfaDevices(userName);
  if (devices.length > 0) throw alreadyEnrolled();

  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    await makeRoomForNewDevice(gateway, userName, serialNumber);
    try {
      // The device names its invitation, so the sweeper can tell a device a replaced link left
      // behind from the current link's, although both have the same name.
      const device = await gateway.createVirtualMfaDevice(
        config.mfaDevicePath,
        ownDeviceName(userName),
        { [INVITATION_TAG_KEY]: verified.invitation.id },
      );
      const uri = otpauthUri(device.seed, userName, accountLabel(account));
      return {
        serialNumber: device.serialNumber,
        secret: device.seed,
        otpauthUri: uri,
        qrSvg: await qrSvg(uri),
      };
    } catch (error) {
      // Another request (a second tab) created it between our delete and create: go again,
      // so the latest request wins and exactly one device remains.
      if (!isIamError(error, 'already-exists')) throw error;
    }
  }
  throw new ConflictError(
    'setup_in_progress',
    'Another setup of this device is in progress. Reload the page to start again.',
  );
}

/**
 * Enables the device with two consecutive codes, adds the user to the force-MFA group, then
 * spends the invitation. Safe to repeat: a retry after a lost response, a double submit or a
 * group step that failed earlier all finish the remaining steps.
 */
export function activate(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
  request: Activation,
): Promise<Enrolled> {
  return withProductErrors(async () => {
    const account = await accountOf(deps, verified);
    const ownSerial = ownSerialNumber(deps.config, verified.user);
    return cleaningUpIfUserGone(deps.gateway, ownSerial, () =>
      activateOwnDevice(deps, verified, request, account, ownSerial),
    );
  });
}

async function activateOwnDevice(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
  request: Activation,
  account: AccountInfo,
  ownSerial: string,
): Promise<Enrolled> {
  const { gateway, config, logger } = deps;
  const userName = verified.user.userName;
  const devices = await mfaDevicesOf(gateway, userName);
  let latest = verified;
  // A device already enabled for this user (ours after a lost response, or any when only the
  // group step is left) needs no codes: go straight on to the remaining steps.
  if (!isEnabled(devices, request.serialNumber)) {
    if (request.serialNumber !== ownSerial) {
      throw new BadInputError(
        'unknown_device',
        'serialNumber does not name the device created for this invitation.',
      );
    }
    if (verified.invitation.finishOnly) throw finishOnlyLink();
    if (!request.codes) throw new BadInputError('codes_required', 'code1 and code2 are required.');
    if (verified.attemptsUsed >= config.maxCodeAttempts) throw new TooManyAttemptsError();
    latest = await enableWithinAttemptLimit(deps, verified, ownSerial, request.codes);
  }

  await addToForceMfaGroup(gateway, config, userName);
  await spendIfStillCurrent(deps, latest, request.serialNumber);
  const { serialNumber } = request;
  logger.info('enrollment.completed', { userName, serialNumber, groupName: config.forceMfaGroup });
  return {
    status: 'enrolled',
    serialNumber,
    groupName: config.forceMfaGroup,
    next: nextSteps(config, verified.user.arn, account, serialNumber),
  };
}

/** What the success screen hands over: sign-in, the CLI with MFA, and the roles to switch into. */
function nextSteps(
  config: Config,
  userArn: string,
  account: AccountInfo,
  serialNumber: string,
): Enrolled['next'] {
  const label = accountLabel(account);
  return {
    consoleSignInUrl: consoleSignInUrl(partitionOfArn(userArn), label),
    mfaSerialNumber: serialNumber,
    cliCommand: `aws sts get-session-token --serial-number ${serialNumber} --token-code <code>`,
    roles: config.switchRoles,
    awsConfig: awsConfigBlock({
      roles: config.switchRoles,
      accountLabel: label,
      mfaSerialNumber: serialNumber,
      region: config.region,
    }),
  };
}

/**
 * One code check per submission, preceded by its reservation, so the limit bounds the checks IAM
 * makes, not just the answers we saw. A call whose outcome is unknown (a 500, a dropped
 * connection) is not sent again: it may have been a check. If the device turns out enabled, the
 * enrollment goes on; otherwise the answer is 503 and the page submits again, with a reservation
 * of its own. (Repeating here instead would spend a user's attempts on an IAM outage.)
 */
async function enableWithinAttemptLimit(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
  serialNumber: string,
  codes: { code1: string; code2: string },
): Promise<VerifiedInvitation> {
  const { gateway, config, logger } = deps;
  const userName = verified.user.userName;
  let reservation: Reservation;
  try {
    reservation = await reserveAttempt(deps, verified);
  } catch (error) {
    if (error instanceof TooManyAttemptsError) await refuseLocked(deps, verified);
    throw error;
  }
  let current = reservation.current;
  try {
    // A refused call is repeated only while the invitation is still current: a revoke, reissue or
    // success that lands while we back off ends it. Checked at most once a second, so the check's
    // own GetUser does not take the throttled budget the repeat needs.
    let checkedAt = Date.now();
    await gateway.enableMfaDevice(userName, serialNumber, codes, async () => {
      if (Date.now() - checkedAt < RECHECK_AFTER_MS) return;
      current = await reverify(deps, current);
      checkedAt = Date.now();
    });
    return current;
  } catch (error) {
    // Every try was refused before IAM looked at the codes (throttled to the deadline, or
    // stopped by the re-check): no check happened, so the attempt is given back.
    if (isIamError(error, 'unavailable') || error instanceof InvitationInvalidError)
      await releaseAttempt(deps, userName, reservation.key);
    if (isIamError(error, 'invalid-code')) {
      const remaining = attemptsLeft(config, current.attemptsUsed);
      logger.warn('enrollment.invalid_code', {
        userName,
        attemptsUsed: current.attemptsUsed,
        attemptsRemaining: remaining,
      });
      // Locked now: the device's seed is of no further use to anyone.
      if (remaining === 0) await deleteDeviceIfStillCurrent(deps, current);
      throw new InvalidCodeError(remaining);
    }
    if (isIamError(error, 'unknown-outcome')) {
      // The call may have enabled the device before its answer was lost.
      if (await isEnabledFor(gateway, userName, serialNumber)) return current;
      throw new ServiceUnavailableError(RETRY_AFTER_SECONDS);
    }
    if (isIamError(error, 'already-exists')) {
      // Already assigned: a second submit, or a retry after an answer was lost. If it is
      // this user's, the enrollment is done and the remaining steps finish it.
      if (await isEnabledFor(gateway, userName, serialNumber)) return current;
      throw deviceInUse();
    }
    if (isIamError(error, 'not-found')) {
      await assertUserExists(gateway, userName);
      throw new ConflictError(
        'device_missing',
        'This MFA device no longer exists. Reload the page to start again.',
      );
    }
    if (isIamError(error, 'limit-exceeded')) {
      throw new ConflictError(
        'too_many_devices',
        'This user already has the maximum number of MFA devices.',
      );
    }
    throw error;
  }
}

/** The invitation has just used up its attempts: its device is deleted, nothing more is tried. */
async function refuseLocked(deps: EnrollmentDeps, verified: VerifiedInvitation): Promise<never> {
  await deleteDeviceIfStillCurrent(deps, verified);
  throw new TooManyAttemptsError();
}

/**
 * Deletes the locked invitation's device, only once a read confirms it is still the current
 * invitation: after a reissue, the device of that name is the new link's (after a revoke it is
 * gone already). Best effort; whatever it leaves, the sweeper follows up.
 */
async function deleteDeviceIfStillCurrent(
  deps: EnrollmentDeps,
  verified: VerifiedInvitation,
): Promise<void> {
  try {
    await reverify(deps, verified);
  } catch {
    return;
  }
  await deleteUnassignedOwnDevice(deps.gateway, deps.config, verified.user).catch(() => undefined);
}

/**
 * Spends the invitation if it is still the current one. If a revoke or reissue landed during the
 * enrollment, the newer state wins: the newer link stays, and this request answers as a used link
 * does, unless the device is enabled after all (a second submit that lost the race to the first
 * is the enrollment it asked for).
 */
async function spendIfStillCurrent(
  deps: EnrollmentDeps,
  latest: VerifiedInvitation,
  serialNumber: string,
): Promise<void> {
  let current: VerifiedInvitation;
  try {
    current = await reverify(deps, latest);
  } catch (error) {
    if (
      error instanceof InvitationInvalidError &&
      (await isEnabledFor(deps.gateway, latest.user.userName, serialNumber))
    ) {
      return;
    }
    throw error;
  }
  await spendInvitation(deps, current.user);
}

async function isEnabledFor(
  gateway: IamGateway,
  userName: string,
  serialNumber: string,
): Promise<boolean> {
  return isEnabled(await mfaDevicesOf(gateway, userName), serialNumber);
}

/** The user's MFA devices; a NoSuchEntity here means the user is gone. */
const mfaDevicesOf = (gateway: IamGateway, userName: string) =>
  aboutUser(userName, () => gateway.listMfaDevices(userName));

async function addToForceMfaGroup(
  gateway: IamGateway,
  config: Config,
  userName: string,
): Promise<void> {
  try {
    await gateway.addUserToGroup(config.forceMfaGroup, userName);
  } catch (error) {
    if (isIamError(error, 'not-found')) await assertUserExists(gateway, userName);
    throw error;
  }
}

/**
 * Deletes the user's earlier unassigned device before a new one is made under the same name;
 * unlike deleteUnassignedOwnDevice, an assigned one is an answer (already enrolled, or in use).
 */
async function makeRoomForNewDevice(
  gateway: IamGateway,
  userName: string,
  serialNumber: string,
): Promise<void> {
  try {
    await gateway.deleteVirtualMfaDevice(serialNumber);
  } catch (error) {
    if (isIamError(error, 'not-found')) return;
    // Still assigned: a concurrent request has just enabled it for this user, or someone has
    // enabled it for another user.
    if (isIamError(error, 'delete-conflict')) {
      if (await isEnabledFor(gateway, userName, serialNumber)) throw alreadyEnrolled();
      throw deviceInUse();
    }
    throw error;
  }
}

/**
 * When the user turns out to have been deleted mid-flow, deletes the unassigned device this
 * service made for them (best effort), so that no orphan is left behind.
 */
async function cleaningUpIfUserGone<T>(
  gateway: IamGateway,
  ownSerial: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserNotFoundError) {
      await gateway.deleteVirtualMfaDevice(ownSerial).catch(() => undefined);
    }
    throw error;
  }
}

async function assertUserExists(gateway: IamGateway, userName: string): Promise<void> {
  await aboutUser(userName, () => gateway.getUser(userName));
}

const finishOnlyLink = () =>
  new ConflictError(
    'finish_only',
    'This link only finishes an enrollment whose MFA device is already enabled. Ask for a new onboarding link.',
  );

const alreadyEnrolled = () =>
  new ConflictError('already_enrolled', 'This user already has an MFA device.');

const deviceInUse = () =>
  new ConflictError(
    'device_in_use',
    'This MFA device is already in use. Reload the page to start again.',
  );

const isEnabled = (devices: { serialNumber: string }[], serialNumber: string) =>
  devices.some((d) => d.serialNumber === serialNumber);
