// Virtual MFA devices and MFA device assignment (docs/iam-facts.md §3 "Virtual MFA devices", §4).
//
// Choices where AWS's behaviour is UNCONFIRMED (all are assumptions the tests pin down):
// - otpauth label: `Amazon%20Web%20Services:<name>@<alias or account id>`, `@` not encoded, the
//   device path left out of the label; the name itself is percent-encoded.
// - DeleteVirtualMFADevice on an assigned device: DeleteConflict 409 with the message below.
// - A ninth device for one user: LimitExceeded 409 "Cannot exceed quota for MFADevicesPerUser: 8".
// - A device beyond the account's 5000 virtual devices: LimitExceeded 409
//   "Cannot exceed quota for VirtualMFADevicesPerAccount: 5000".
// - Serial numbers are looked up case-insensitively, as device names are unique that way.
// - EnableMFADevice checks, in order: the request's validity, the user, the device, whether the
//   device is already assigned (to anyone, the same user included), the user's device quota, and
//   last the codes.
// - Codes: the pair must be TOTP(t), TOTP(t+1) for some t within the configured window of now and
//   past the device's last accepted step, so equal codes, non-consecutive codes and a replayed
//   pair fail with InvalidAuthenticationCode 403.
// - ListMFADevices and ListVirtualMFADevices order by the serial number, lower-cased; the Marker
//   carries the last serial returned, so pages stay consistent while devices come and go.
// - ListMFADevices without UserName, for a caller that is not an IAM user (root, a role
//   session), lists nothing: the emulator keeps no MFA devices for root.

import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import {
  deleteConflict,
  entityAlreadyExists,
  invalidAuthenticationCode,
  limitExceeded,
  mfaNotFound,
} from '../errors.ts';
import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, type Params, shapes } from '../params.ts';
import {
  type AccountState,
  type MfaDeviceRecord,
  mfaArn,
  type Tag,
  type UserRecord,
} from '../state.ts';
import { base32Encode, matchConsecutivePair } from '../totp.ts';
import { el, isoSeconds, list, type XmlNode } from '../xml.ts';
import { findUser, rejectDuplicateTagKeys, tagsXml, userXml } from './shared.ts';
import type { OpContext, OpTable } from './types.ts';

/** Devices one user can have enabled, of any type (since 2022-11-16; docs/iam-facts.md §4). */
export const MFA_DEVICES_PER_USER = 8;
/** Virtual devices per account, assigned or not: equal to the users quota (UG quotas page). */
export const VIRTUAL_MFA_DEVICES_PER_ACCOUNT = 5000;
/** 40 random bytes, 64 base32 characters, as AWS's seeds are observed to be. */
const SEED_BYTES = 40;

const ISSUER = 'Amazon Web Services';
const INVALID_CODE_MESSAGE = 'Authentication code for device is not valid.';
/** As a real CloudTrail event records it (docs/iam-facts.md §3 "Virtual MFA devices"). */
const MFA_NAME_TAKEN = 'MFADevice entity at the same path and name already exists.';
const ASSIGNMENT_STATUSES = ['Assigned', 'Unassigned', 'Any'] as const;

/** The URI an authenticator app reads from the QR code (label format UNCONFIRMED, see above). */
export function otpauthUri(state: AccountState, deviceName: string, seedBase32: string): string {
  const issuer = encodeURIComponent(ISSUER);
  const account = state.aliases[0] ?? state.accountId;
  const label = `${issuer}:${encodeURIComponent(deviceName)}@${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${seedBase32}&issuer=${issuer}`;
}

const base64 = (data: string | Uint8Array) =>
  (typeof data === 'string' ? Buffer.from(data, 'ascii') : Buffer.from(data)).toString('base64');

function findDevice(state: AccountState, serialNumber: string): MfaDeviceRecord | undefined {
  return state.mfaDevices.get(serialNumber.toLowerCase());
}

/** The device, provided it is enabled for this user; NoSuchEntity otherwise. */
function findUserDevice(state: AccountState, user: UserRecord, serialNumber: string) {
  const device = findDevice(state, serialNumber);
  if (!device || device.user !== user.userName.toLowerCase()) throw mfaNotFound(serialNumber);
  return device;
}

/** Reads the two authentication codes (validated by the model shape: six digits). */
function readCodes(params: Params) {
  return {
    code1: params.string('AuthenticationCode1', shapes.authenticationCode, true),
    code2: params.string('AuthenticationCode2', shapes.authenticationCode, true),
  };
}

function checkCodes(ctx: OpContext, device: MfaDeviceRecord, code1: string, code2: string): number {
  if (device.seed === undefined) throw invalidAuthenticationCode(INVALID_CODE_MESSAGE);
  const step = matchConsecutivePair(
    device.seed,
    code1,
    code2,
    ctx.now,
    ctx.settings.totpWindowSteps,
    device.lastUsedStep,
  );
  if (step === undefined) throw invalidAuthenticationCode(INVALID_CODE_MESSAGE);
  return step;
}

/** UserName when given, else the calling IAM user; undefined for root and role sessions. */
function userOrCaller(ctx: OpContext, userName: string | undefined): UserRecord | undefined {
  if (userName !== undefined) return findUser(ctx.state, userName);
  if (ctx.caller.kind === 'user') return findUser(ctx.state, ctx.caller.user.userName);
  return undefined;
}

function countVirtualDevices(state: AccountState): number {
  let n = 0;
  for (const device of state.mfaDevices.values()) if (device.kind === 'virtual') n++;
  return n;
}

export const mfaOperations: OpTable = {
  async CreateVirtualMFADevice(ctx) {
    const { params, state } = ctx;
    const path = params.path();
    const name = params.string('VirtualMFADeviceName', shapes.virtualMfaDeviceName, true);
    const tags = params.tags();
    params.done();
    rejectDuplicateTagKeys(tags);

    const serialNumber = mfaArn(state, path, name);
    if (
      state.mfaDeviceNames.has(name.toLowerCase()) ||
      state.mfaDevices.has(serialNumber.toLowerCase())
    ) {
      throw entityAlreadyExists(MFA_NAME_TAKEN);
    }
    if (countVirtualDevices(state) >= VIRTUAL_MFA_DEVICES_PER_ACCOUNT) {
      throw limitExceeded(
        `Cannot exceed quota for VirtualMFADevicesPerAccount: ${VIRTUAL_MFA_DEVICES_PER_ACCOUNT}`,
      );
    }

    const seed = base32Encode(randomBytes(SEED_BYTES));
    const png = await QRCode.toBuffer(otpauthUri(state, name, seed), { type: 'png' });
    // Checked again after the await: another request may have taken the name meanwhile.
    if (state.mfaDeviceNames.has(name.toLowerCase())) {
      throw entityAlreadyExists(MFA_NAME_TAKEN);
    }
    state.mfaDevices.set(serialNumber.toLowerCase(), {
      kind: 'virtual',
      serialNumber,
      name,
      path,
      seed,
      createDate: ctx.now,
      tags,
    });
    state.mfaDeviceNames.add(name.toLowerCase());

    return [
      el('VirtualMFADevice', [
        el('SerialNumber', serialNumber),
        el('Base32StringSeed', base64(seed)),
        el('QRCodePNG', base64(png)),
      ]),
    ];
  },

  ListMFADeviceTags({ state, params }) {
    const serialNumber = params.string('SerialNumber', shapes.serialNumber, true);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    // Virtual devices only: IAM tags no other kind.
    const device = findDevice(state, serialNumber);
    if (device?.kind !== 'virtual') throw mfaNotFound(serialNumber);
    const sortKey = (t: Tag) => t.key;
    const page = paginate([...device.tags].sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [tagsXml(page.items), ...pageTail(page)];
  },

  DeleteVirtualMFADevice(ctx) {
    const { params, state } = ctx;
    const serialNumber = params.string('SerialNumber', shapes.serialNumber, true);
    params.done();

    const device = findDevice(state, serialNumber);
    if (device?.kind !== 'virtual') throw mfaNotFound(serialNumber);
    if (device.user !== undefined) {
      // Message UNCONFIRMED (docs/iam-facts.md §3, §9).
      throw deleteConflict(
        `MFA Device with serial number ${serialNumber} is still assigned to a user. Deactivate it first.`,
      );
    }
    state.mfaDevices.delete(device.serialNumber.toLowerCase());
    state.mfaDeviceNames.delete(device.name.toLowerCase());
    return undefined;
  },

  EnableMFADevice(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName, true);
    const serialNumber = params.string('SerialNumber', shapes.serialNumber, true);
    const { code1, code2 } = readCodes(params);
    params.done();

    const user = findUser(state, userName);
    const device = findDevice(state, serialNumber);
    if (!device) throw mfaNotFound(serialNumber);
    if (device.user !== undefined) throw entityAlreadyExists('MFA Device is already in use.');
    if (user.mfaSerials.length >= MFA_DEVICES_PER_USER) {
      throw limitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`);
    }
    const step = checkCodes(ctx, device, code1, code2);

    device.user = user.userName.toLowerCase();
    device.enableDate = ctx.now;
    device.lastUsedStep = step;
    user.mfaSerials.push(device.serialNumber);
    return undefined;
  },

  DeactivateMFADevice(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    const serialNumber = params.string('SerialNumber', shapes.serialNumber, true);
    params.done();

    const user = userOrCaller(ctx, userName);
    if (!user) throw mfaNotFound(serialNumber);
    const device = findUserDevice(state, user, serialNumber);

    const key = device.serialNumber.toLowerCase();
    user.mfaSerials = user.mfaSerials.filter((s) => s.toLowerCase() !== key);
    if (device.kind === 'virtual') {
      // Back to Unassigned; lastUsedStep stays, so the pair that enabled it cannot be replayed.
      device.user = undefined;
      device.enableDate = undefined;
    } else {
      // A hardware or FIDO device exists only while it is enabled for a user.
      state.mfaDevices.delete(key);
    }
    return undefined;
  },

  ResyncMFADevice(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName, true);
    const serialNumber = params.string('SerialNumber', shapes.serialNumber, true);
    const { code1, code2 } = readCodes(params);
    params.done();

    const user = findUser(state, userName);
    const device = findUserDevice(state, user, serialNumber);
    device.lastUsedStep = checkCodes(ctx, device, code1, code2);
    return undefined;
  },

  ListMFADevices(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();

    const user = userOrCaller(ctx, userName);
    const devices: MfaDeviceRecord[] = [];
    for (const serial of user?.mfaSerials ?? []) {
      const device = findDevice(state, serial);
      if (device) devices.push(device);
    }
    const keyOf = (d: MfaDeviceRecord) => d.serialNumber.toLowerCase();
    devices.sort((a, b) => compare(keyOf(a), keyOf(b)));
    const page = paginate(devices, keyOf, marker, maxItems);

    return [
      list(
        'MFADevices',
        page.items.map((device) => [
          el('UserName', user?.userName),
          el('SerialNumber', device.serialNumber),
          el('EnableDate', isoSeconds(device.enableDate ?? device.createDate)),
        ]),
      ),
      ...pageTail(page),
    ];
  },

  ListVirtualMFADevices(ctx) {
    const { params, state } = ctx;
    const status = params.enumValue('AssignmentStatus', ASSIGNMENT_STATUSES) ?? 'Any';
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();

    // One pass to filter and one sort per call: O(n log n) for a page, whatever the marker.
    const entries: [string, MfaDeviceRecord][] = [];
    for (const [key, device] of state.mfaDevices) {
      if (device.kind !== 'virtual') continue;
      const assigned = device.user !== undefined;
      if (status === 'Assigned' && !assigned) continue;
      if (status === 'Unassigned' && assigned) continue;
      entries.push([key, device]);
    }
    entries.sort(([a], [b]) => compare(a, b));
    const page = paginate(entries, ([key]) => key, marker, maxItems);

    return [
      list(
        'VirtualMFADevices',
        page.items.map(([, device]) => virtualDeviceXml(state, device)),
      ),
      ...pageTail(page),
    ];
  },
};

/** A ListVirtualMFADevices entry: never the seed, QR code or tags (docs/iam-facts.md §3). */
function virtualDeviceXml(state: AccountState, device: MfaDeviceRecord): XmlNode[] {
  const nodes = [el('SerialNumber', device.serialNumber)];
  if (device.user !== undefined) {
    const user = state.users.get(device.user);
    if (user) nodes.push(el('User', userXml(user)));
    nodes.push(el('EnableDate', device.enableDate && isoSeconds(device.enableDate)));
  }
  return nodes;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
