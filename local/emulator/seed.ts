// Bulk seeding of the emulator's account state, straight into the maps (no HTTP, no per-call
// validation round trips, no QR codes), so a benchmark can start from 5,000 users in a few
// milliseconds. `applySeed` checks the whole spec first and only then writes, so a spec with a
// mistake (a duplicate name, an unknown group) leaves the state untouched and throws an Error
// whose message the control API returns with a 400.
//
// `generateAccount` builds a realistic large account deterministically (a seeded PRNG), for
// tests and benchmarks that need "5,000 users, 3% without MFA".

import { randomBytes } from 'node:crypto';
import { isJsonObject } from './ops/shared.ts';
import { MFA_KINDS_BY_PARTITION } from './partition.ts';
import {
  type AccountState,
  fidoArn,
  type GroupRecord,
  groupArn,
  type MfaDeviceRecord,
  type MfaKind,
  mfaArn,
  newId,
  type RoleRecord,
  roleArn,
  type Tag,
  type UserRecord,
  userArn,
} from './state.ts';
import { base32Encode } from './totp.ts';

export interface SeedPolicy {
  name: string;
  /** A policy document: JSON text, or an object that is serialized as JSON. */
  document: string | object;
}

export interface SeedGroup {
  name: string;
  path?: string;
  /** ISO timestamp; default: the seeding time. */
  createDate?: string;
  policies?: SeedPolicy[];
}

export interface SeedMfaDevice {
  kind: MfaKind;
  /**
   * virtual: the device name (default: the user name, then `<user>-2`, … for further devices).
   * hardware: the serial number (default: `GAHT` + 8 digits).
   * fido: the last part of the serial (default: `<user>-fido-<random>`).
   */
  name?: string;
  /** Path of a virtual device (default `/`, as the console creates them). */
  path?: string;
  /** Base32 TOTP seed of a virtual or hardware device (default: 40 random bytes). */
  seed?: string;
  /** ISO timestamp; default: the seeding time. */
  enableDate?: string;
}

export interface SeedUser {
  name: string;
  path?: string;
  /** ISO timestamp; default: the seeding time. */
  createDate?: string;
  tags?: Tag[];
  /** A console password (login profile); `true` for one never used. */
  password?: boolean | { lastUsed?: string; lastChanged?: string };
  /** Names of groups in this spec or already in the account. */
  groups?: string[];
  /** Devices enabled for the user, in this order. */
  mfa?: (MfaKind | SeedMfaDevice)[];
  /** Access key ids that identify the user as the caller (GetUser without UserName, STS). */
  accessKeyIds?: string[];
}

/** A role, as CreateRole would make it: AssumeRole checks its trust policy. */
export interface SeedRole {
  name: string;
  path?: string;
  trustPolicy: unknown;
  description?: string;
}

export interface SeedSpec {
  accountAlias?: string;
  groups?: SeedGroup[];
  users?: SeedUser[];
  roles?: SeedRole[];
  unassignedVirtualDevices?: { name: string; path?: string }[];
}

export interface SeedSummary {
  users: number;
  groups: number;
  /** MFA devices created: assigned ones of every kind plus unassigned virtual ones. */
  devices: number;
}

// Shapes of docs/iam-facts.md §2, so a seeded account is one the real API could hold.
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;
const ALIAS = /^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
const ACCESS_KEY_ID = /^[\w]{16,128}$/;
const MAX_GROUPS_PER_USER = 10;
const MAX_MFA_PER_USER = 8;
const MAX_TAGS = 50;
const SEED_BYTES = 40;
const MFA_KINDS: readonly string[] = ['virtual', 'hardware', 'fido'];

class SeedError extends Error {
  constructor(message: string) {
    super(`seed: ${message}`);
  }
}

function fail(message: string): never {
  throw new SeedError(message);
}

function checkName(what: string, name: unknown, max: number): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > max || !NAME.test(name)) {
    fail(`${what} name ${JSON.stringify(name)} is invalid (1-${max} characters of [\\w+=,.@-])`);
  }
  return name;
}

function checkPath(what: string, path: unknown): string {
  if (path === undefined) return '/';
  if (typeof path !== 'string' || path.length > 512 || !PATH.test(path)) {
    fail(`${what} path ${JSON.stringify(path)} is invalid (it must begin and end with /)`);
  }
  return path;
}

function checkDate(what: string, value: unknown, fallback: Date): Date {
  if (value === undefined) return fallback;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    fail(`${what} ${JSON.stringify(value)} is not an ISO date`);
  return date;
}

function checkArray<T>(what: string, value: T[] | undefined): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`${what} must be an array`);
  return value;
}

/** Hands out the 40-byte seeds of a batch from one randomBytes call. */
class SeedSource {
  private pool = Buffer.alloc(0);
  private offset = 0;
  constructor(private readonly count: number) {}
  next(): string {
    if (this.offset + SEED_BYTES > this.pool.length) {
      this.pool = randomBytes(SEED_BYTES * Math.max(this.count, 1));
      this.offset = 0;
    }
    const bytes = this.pool.subarray(this.offset, this.offset + SEED_BYTES);
    this.offset += SEED_BYTES;
    return base32Encode(bytes);
  }
}

const randomDigits = (n: number) => {
  let out = '';
  for (const byte of randomBytes(n)) out += String(byte % 10);
  return out;
};

/**
 * Adds the spec's groups, users and devices to the account. Throws (changing nothing) when a
 * name is invalid or already taken (case-insensitively, in the spec or in the account), or a
 * user names a group that does not exist.
 */
export function applySeed(state: AccountState, spec: SeedSpec, now: Date): SeedSummary {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    fail('the spec must be a JSON object');
  }
  const groupSpecs = checkArray('groups', spec.groups);
  const userSpecs = checkArray('users', spec.users);
  const unassignedSpecs = checkArray('unassignedVirtualDevices', spec.unassignedVirtualDevices);
  const roleSpecs = checkArray('roles', spec.roles);

  if (spec.accountAlias !== undefined) {
    if (typeof spec.accountAlias !== 'string' || !ALIAS.test(spec.accountAlias)) {
      fail(`account alias ${JSON.stringify(spec.accountAlias)} is invalid (3-63 of [a-z0-9-])`);
    }
  }

  // Everything is built here first and committed only when the whole spec checks out.
  const newGroups = new Map<string, GroupRecord>();
  const newUsers = new Map<string, UserRecord>();
  const newDevices = new Map<string, MfaDeviceRecord>();
  const newDeviceNames = new Set<string>();
  const newKeys = new Map<string, string>();

  const deviceCount =
    unassignedSpecs.length +
    userSpecs.reduce((n, u) => n + (Array.isArray(u?.mfa) ? u.mfa.length : 0), 0);
  const seeds = new SeedSource(deviceCount);

  for (const g of groupSpecs) {
    const name = checkName('group', g?.name, 128);
    const key = name.toLowerCase();
    if (state.groups.has(key) || newGroups.has(key)) fail(`group ${name} already exists`);
    const path = checkPath(`group ${name}`, g.path);
    const inlinePolicies: GroupRecord['inlinePolicies'] = new Map();
    for (const p of checkArray(`group ${name} policies`, g.policies)) {
      const policyName = checkName(`group ${name} policy`, p?.name, 128);
      const policyKey = policyName.toLowerCase();
      if (inlinePolicies.has(policyKey)) fail(`group ${name} has two policies named ${policyName}`);
      if (p.document === undefined || p.document === null)
        fail(`policy ${policyName} has no document`);
      const document = typeof p.document === 'string' ? p.document : JSON.stringify(p.document);
      if (!isJsonObject(document))
        fail(`policy ${policyName} of group ${name} is not a JSON object`);
      inlinePolicies.set(policyKey, { policyName, document });
    }
    newGroups.set(key, {
      groupName: name,
      groupId: newId('AGPA'),
      path,
      arn: groupArn(state, path, name),
      createDate: checkDate(`group ${name} createDate`, g.createDate, now),
      members: new Set(),
      inlinePolicies,
    });
  }

  const addDevice = (device: MfaDeviceRecord, virtualName?: string) => {
    const serialKey = device.serialNumber.toLowerCase();
    if (state.mfaDevices.has(serialKey) || newDevices.has(serialKey)) {
      fail(`MFA device ${device.serialNumber} already exists`);
    }
    if (virtualName !== undefined) {
      const nameKey = virtualName.toLowerCase();
      if (state.mfaDeviceNames.has(nameKey) || newDeviceNames.has(nameKey)) {
        fail(`virtual MFA device name ${virtualName} is already in use`);
      }
      newDeviceNames.add(nameKey);
    }
    newDevices.set(serialKey, device);
  };

  const virtualDevice = (
    name: string,
    path: string,
    seed: string,
    createDate: Date,
  ): MfaDeviceRecord => ({
    kind: 'virtual',
    serialNumber: mfaArn(state, path, name),
    name,
    path,
    seed,
    createDate,
    tags: [],
  });

  for (const u of userSpecs) {
    const name = checkName('user', u?.name, 64);
    const key = name.toLowerCase();
    if (state.users.has(key) || newUsers.has(key)) fail(`user ${name} already exists`);
    const path = checkPath(`user ${name}`, u.path);
    const createDate = checkDate(`user ${name} createDate`, u.createDate, now);

    const tags = checkArray(`user ${name} tags`, u.tags);
    if (tags.length > MAX_TAGS) fail(`user ${name} has more than ${MAX_TAGS} tags`);
    for (const t of tags) {
      if (typeof t?.key !== 'string' || t.key.length === 0 || typeof t.value !== 'string') {
        fail(`user ${name} has a tag without a string key and value`);
      }
    }

    const user: UserRecord = {
      userName: name,
      userId: newId('AIDA'),
      path,
      arn: userArn(state, path, name),
      createDate,
      tags: tags.map((t) => ({ key: t.key, value: t.value })),
      groups: new Set(),
      mfaSerials: [],
    };

    if (u.password !== undefined && u.password !== false) {
      const details = u.password === true ? {} : u.password;
      if (typeof details !== 'object' || details === null)
        fail(`user ${name} password must be true or an object`);
      const lastChanged = checkDate(
        `user ${name} password lastChanged`,
        details.lastChanged,
        createDate,
      );
      user.loginProfile = {
        createDate: lastChanged,
        passwordResetRequired: false,
        passwordLastChanged: lastChanged,
      };
      if (details.lastUsed !== undefined) {
        user.passwordLastUsed = checkDate(`user ${name} password lastUsed`, details.lastUsed, now);
      }
    }

    const groupNames = checkArray(`user ${name} groups`, u.groups);
    if (groupNames.length > MAX_GROUPS_PER_USER) {
      fail(`user ${name} is in more than ${MAX_GROUPS_PER_USER} groups`);
    }
    for (const groupName of groupNames) {
      const groupKey = String(groupName).toLowerCase();
      if (!newGroups.has(groupKey) && !state.groups.has(groupKey)) {
        fail(`user ${name} names group ${groupName}, which does not exist`);
      }
      user.groups.add(groupKey);
    }

    const mfa = checkArray(`user ${name} mfa`, u.mfa);
    if (mfa.length > MAX_MFA_PER_USER)
      fail(`user ${name} has more than ${MAX_MFA_PER_USER} MFA devices`);
    let defaultVirtualNames = 0;
    for (const entry of mfa) {
      const d: SeedMfaDevice = typeof entry === 'string' ? { kind: entry } : entry;
      if (!d || !MFA_KINDS.includes(d.kind)) {
        fail(`user ${name} has an MFA device of unknown kind ${JSON.stringify(d?.kind)}`);
      }
      // As AWS: the China Regions have no hardware tokens and no FIDO keys.
      if (!MFA_KINDS_BY_PARTITION[state.partition].includes(d.kind)) {
        fail(
          `user ${name} has a ${d.kind} MFA device, which ${state.partition} does not support (only ${MFA_KINDS_BY_PARTITION[state.partition].join(', ')})`,
        );
      }
      const enableDate = checkDate(`user ${name} MFA enableDate`, d.enableDate, now);
      if (d.seed !== undefined && (typeof d.seed !== 'string' || !/^[A-Z2-7]+=*$/i.test(d.seed))) {
        fail(`user ${name} has an MFA seed that is not base32`);
      }
      let device: MfaDeviceRecord;
      let virtualName: string | undefined;
      if (d.kind === 'virtual') {
        virtualName =
          d.name ?? (defaultVirtualNames++ === 0 ? name : `${name}-${defaultVirtualNames}`);
        checkName(`user ${name} virtual MFA device`, virtualName, 226);
        const devicePath = checkPath(`virtual MFA device ${virtualName}`, d.path);
        device = virtualDevice(
          virtualName,
          devicePath,
          d.seed?.toUpperCase() ?? seeds.next(),
          enableDate,
        );
      } else if (d.kind === 'hardware') {
        // Hardware TOTP tokens are known by the serial printed on them, not by an ARN.
        const serial = d.name ?? `GAHT${randomDigits(8)}`;
        if (!/^[\w+=/:,.@-]{9,256}$/.test(serial)) fail(`hardware MFA serial ${serial} is invalid`);
        device = {
          kind: 'hardware',
          serialNumber: serial,
          name: serial,
          path: '/',
          seed: d.seed?.toUpperCase() ?? seeds.next(),
          createDate: enableDate,
          tags: [],
        };
      } else {
        const tail = d.name ?? `${name}-fido-${randomBytes(6).toString('hex')}`;
        checkName(`user ${name} FIDO device`, tail, 200);
        device = {
          kind: 'fido',
          serialNumber: fidoArn(state, name, tail),
          name: tail,
          path: `/user/${name}/`,
          createDate: enableDate,
          tags: [],
        };
      }
      device.user = key;
      device.enableDate = enableDate;
      addDevice(device, virtualName);
      user.mfaSerials.push(device.serialNumber);
    }

    for (const keyId of checkArray(`user ${name} accessKeyIds`, u.accessKeyIds)) {
      if (typeof keyId !== 'string' || !ACCESS_KEY_ID.test(keyId))
        fail(`access key id ${JSON.stringify(keyId)} is invalid`);
      if (state.accessKeys.has(keyId) || newKeys.has(keyId))
        fail(`access key ${keyId} already exists`);
      newKeys.set(keyId, key);
    }

    newUsers.set(key, user);
  }

  for (const d of unassignedSpecs) {
    const name = checkName('virtual MFA device', d?.name, 226);
    const path = checkPath(`virtual MFA device ${name}`, d.path);
    addDevice(virtualDevice(name, path, seeds.next(), now), name);
  }

  const newRoles = new Map<string, RoleRecord>();
  for (const r of roleSpecs) {
    const name = checkName('role', r?.name, 64);
    const key = name.toLowerCase();
    if (state.roles.has(key) || newRoles.has(key)) fail(`role ${name} already exists`);
    const path = checkPath(`role ${name}`, r.path);
    const document = JSON.stringify(r.trustPolicy ?? null);
    if (!isJsonObject(document)) fail(`role ${name} has no trust policy object`);
    newRoles.set(key, {
      roleName: name,
      roleId: newId('AROA'),
      path,
      arn: roleArn(state, path, name),
      createDate: now,
      assumeRolePolicyDocument: document,
      description: r.description,
      maxSessionDuration: 3600,
      tags: [],
    });
  }

  // Commit.
  if (spec.accountAlias !== undefined) state.aliases = [spec.accountAlias];
  for (const [key, role] of newRoles) state.roles.set(key, role);
  for (const [key, group] of newGroups) state.groups.set(key, group);
  for (const [key, user] of newUsers) {
    state.users.set(key, user);
    for (const groupKey of user.groups)
      (state.groups.get(groupKey) as GroupRecord).members.add(key);
  }
  for (const [key, device] of newDevices) state.mfaDevices.set(key, device);
  for (const name of newDeviceNames) state.mfaDeviceNames.add(name);
  for (const [accessKeyId, user] of newKeys)
    state.accessKeys.set(accessKeyId, { accessKeyId, user });
  return { users: newUsers.size, groups: newGroups.size, devices: newDevices.size };
}
