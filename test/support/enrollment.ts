// Helpers for the enrollment API's integration tests: typed bodies, the error envelope, the
// IAM state of a user read back through the SDK, and the emulator's call counts.

import {
  CreateVirtualMFADeviceCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  EnableMFADeviceCommand,
  GetGroupCommand,
  type IAMClient,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListUserTagsCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { expect } from 'vitest';
import { ATTEMPT_TAG_PREFIX, INVITATION_TAG_KEY } from '../../functions/config.ts';
import type { Enrolled, EnrollmentStatus, NewDevice } from '../../functions/enrollment/schemas.ts';
import { attemptsOf, invitationIn } from '../../functions/invitations/token.ts';
import type { ErrorResponse } from '../../functions/schemas.ts';
import type { OnboardingFixture } from './onboarding.ts';
import { authenticationCodes } from './totp.ts';

// The bodies are the types inferred from the API's schemas: a test reads exactly what it promises.
export type DeviceBody = NewDevice;
export type StatusBody = EnrollmentStatus;
export type EnrolledBody = Enrolled;

export type ErrorBody = ErrorResponse;

export const TANAKA = 'tanaka.hanako';
export const SATO = 'sato.taro';
export const ACCOUNT_ID = '123456789012';
export const OWN_SERIAL = (userName: string) =>
  `arn:aws:iam::${ACCOUNT_ID}:mfa/mfa-onboarding/onboarding-${userName}`;

/** IAM actions that only read; anything else the app sends is a write. */
export const READ_ACTIONS = new Set([
  'GetUser',
  'ListMFADevices',
  'ListGroupsForUser',
  'ListAccountAliases',
  'GetCallerIdentity',
  'ListVirtualMFADevices',
  'GetGroup',
  'ListUserTags',
]);

export async function json<T>(res: Response): Promise<T> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as T;
}

/**
 * Asserts the error envelope `{"error":{"code","message"}}` (plus attemptsRemaining for
 * invalid_code) with this status and code, and returns it.
 */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const body = await json<ErrorBody>(res);
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(Object.keys(body)).toEqual(['error']);
  const allowed =
    code === 'invalid_code' ? ['code', 'message', 'attemptsRemaining'] : ['code', 'message'];
  expect(Object.keys(body.error).sort()).toEqual(allowed.sort());
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

/** Attempts reserved on the user's current invitation (undefined without one). */
export async function attemptsReserved(
  iam: IAMClient,
  userName: string,
): Promise<number | undefined> {
  const { Tags } = await iam.send(new ListUserTagsCommand({ UserName: userName }));
  const tags = Object.fromEntries((Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  const invitation = invitationIn(tags);
  return invitation ? attemptsOf(tags, invitation.id) : undefined;
}

/** What IAM says about a user and the service's devices, read through the SDK. */
export async function iamStateOf(iam: IAMClient, userName: string) {
  const [devices, groups, tags, unassigned, forceMfa] = await Promise.all([
    iam.send(new ListMFADevicesCommand({ UserName: userName })),
    iam.send(new ListGroupsForUserCommand({ UserName: userName })),
    iam.send(new ListUserTagsCommand({ UserName: userName })),
    iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' })),
    iam.send(new GetGroupCommand({ GroupName: 'force-mfa' })),
  ]);
  return {
    mfaDevices: (devices.MFADevices ?? []).map((d) => d.SerialNumber),
    groups: (groups.Groups ?? []).map((g) => g.GroupName),
    invitationTag: (tags.Tags ?? []).find((t) => t.Key === INVITATION_TAG_KEY)?.Value,
    /** Keys of the attempt reservations on the user, of any invitation. */
    attemptTags: (tags.Tags ?? [])
      .map((t) => t.Key ?? '')
      .filter((key) => key.startsWith(ATTEMPT_TAG_PREFIX)),
    /** Every unassigned virtual device in the account (the demo account starts with none). */
    unassignedDevices: (unassigned.VirtualMFADevices ?? []).map((d) => d.SerialNumber),
    forceMfaMembers: (forceMfa.Users ?? []).map((u) => u.UserName),
  };
}

/** The end state of a finished enrollment: one device, in the group once, invitation spent. */
export async function expectEnrolled(
  f: Pick<OnboardingFixture, 'emulator'>,
  userName: string,
  serial: string,
) {
  expect(await iamStateOf(f.emulator.iam, userName)).toEqual({
    mfaDevices: [serial],
    groups: ['force-mfa'],
    invitationTag: undefined,
    attemptTags: [],
    unassignedDevices: [],
    forceMfaMembers: [userName],
  });
}

/** IAM calls the emulator received since the last reset, by action. */
export function callsByAction(f: OnboardingFixture): Record<string, number> {
  return f.emulator.running.emulator.calls.snapshot().byAction;
}

export function resetCalls(f: OnboardingFixture): void {
  f.emulator.running.emulator.calls.reset();
}

export function writeActions(byAction: Record<string, number>): string[] {
  return Object.keys(byAction).filter((action) => !READ_ACTIONS.has(action));
}

/** Deletes a demo user the way an admin would (login profile first), through the SDK. */
export async function deleteUser(iam: IAMClient, userName: string): Promise<void> {
  await iam.send(new DeleteLoginProfileCommand({ UserName: userName }));
  await iam.send(new DeleteUserCommand({ UserName: userName }));
}

export async function createDevice(f: OnboardingFixture, token: string): Promise<DeviceBody> {
  const res = await f.request('POST', '/api/enrollment/device', { token });
  expect(res.status).toBe(201);
  return json<DeviceBody>(res);
}

export function activate(
  f: OnboardingFixture,
  token: string,
  body: Record<string, unknown>,
  options: { app?: ReturnType<OnboardingFixture['newApp']>; headers?: Record<string, string> } = {},
): Promise<Response> {
  return f.request('POST', '/api/enrollment/activate', { token, body, ...options });
}

/** Issues an invitation and creates the device: the state after the QR code is shown. */
export async function startEnrollment(f: OnboardingFixture, userName = TANAKA) {
  const { token, expiresAt } = await f.issue(userName);
  const device = await createDevice(f, token);
  return { token, expiresAt, device };
}

/** A virtual device made outside the service (the console, an admin), with its seed. */
export async function createDeviceOutOfBand(
  iam: IAMClient,
  name: string,
  path = '/',
): Promise<{ serialNumber: string; seed: string }> {
  const { VirtualMFADevice: device } = await iam.send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, Path: path }),
  );
  if (!device?.SerialNumber || !device.Base32StringSeed) throw new Error('no device returned');
  return {
    serialNumber: device.SerialNumber,
    seed: Buffer.from(device.Base32StringSeed).toString('ascii'),
  };
}

/** Enables a device for a user directly in IAM, as the console would. */
export async function enableOutOfBand(
  iam: IAMClient,
  userName: string,
  device: { serialNumber: string; seed: string },
): Promise<void> {
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: device.serialNumber,
      ...authenticationCodes(device.seed),
    }),
  );
}
