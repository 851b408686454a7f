// The emulator's whole account state, in memory, plus its JSON form for save/load.
// Names are unique case-insensitively (docs/iam-facts.md §2), so every map is keyed by the
// lower-cased name while the records keep the name as created.

import { randomInt } from 'node:crypto';
import { isPartition, type Partition } from './partition.ts';

export const DEFAULT_ACCOUNT_ID = '123456789012';

export interface Tag {
  key: string;
  value: string;
}

export interface LoginProfile {
  createDate: Date;
  passwordResetRequired: boolean;
  passwordLastChanged: Date;
}

export interface UserRecord {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: Date;
  passwordLastUsed?: Date;
  permissionsBoundaryArn?: string;
  /** In insertion order; keys are unique case-insensitively (a repeated key overwrites). */
  tags: Tag[];
  loginProfile?: LoginProfile;
  /** Lower-cased group names. */
  groups: Set<string>;
  /** Serial numbers of the MFA devices enabled for this user, in enable order. */
  mfaSerials: string[];
}

export interface GroupRecord {
  groupName: string;
  groupId: string;
  path: string;
  arn: string;
  createDate: Date;
  /** Lower-cased user names. */
  members: Set<string>;
  inlinePolicies: Map<string, { policyName: string; document: string }>;
}

/** Virtual devices have a seed; hardware TOTP and FIDO devices exist only by seeding. */
export type MfaKind = 'virtual' | 'hardware' | 'fido';

export interface MfaDeviceRecord {
  kind: MfaKind;
  serialNumber: string;
  /** Device name and path, for virtual devices (the ARN's tail). */
  name: string;
  path: string;
  /** Base32 seed of a TOTP device (virtual or hardware). */
  seed?: string;
  createDate: Date;
  tags: Tag[];
  /** Lower-cased user name when assigned. */
  user?: string;
  enableDate?: Date;
  /** Last TOTP time step accepted for this device: a pair or code at or before it is a replay. */
  lastUsedStep?: number;
}

export interface CredentialReport {
  startedAt: Date;
  readyAt: Date;
  csv: string;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  accessKeyId: string;
  /** Lower-cased user name, or undefined for a session of the root user. */
  user?: string;
  /** Absent means Active: seeded keys and keys put into the state by tests are active. */
  status?: AccessKeyStatus;
  /** When CreateAccessKey made it; absent for seeded keys, which date from their user. */
  createDate?: Date;
}

export interface RoleRecord {
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  createDate: Date;
  /** The trust policy as sent (JSON text); AssumeRole evaluates it (trust-policy.ts). */
  assumeRolePolicyDocument: string;
  description?: string;
  /** Longest session AssumeRole may grant, in seconds (3600 to 43200). */
  maxSessionDuration: number;
  tags: Tag[];
}

export interface AccountState {
  /** The partition this account lives in: every ARN of the account starts `arn:<partition>:`. */
  partition: Partition;
  accountId: string;
  createDate: Date;
  aliases: string[];
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
  /** Keyed by lower-cased serial number. */
  mfaDevices: Map<string, MfaDeviceRecord>;
  /** Lower-cased virtual device names in use (the name is unique whatever the path). */
  mfaDeviceNames: Set<string>;
  credentialReport?: CredentialReport;
  /** Long-term keys that identify a caller; unknown keys act as the root user. */
  accessKeys: Map<string, AccessKeyRecord>;
  /** Keyed by lower-cased role name. */
  roles: Map<string, RoleRecord>;
}

export function createAccountState(
  accountId = DEFAULT_ACCOUNT_ID,
  now = new Date(),
  partition: Partition = 'aws',
): AccountState {
  return {
    partition,
    accountId,
    createDate: now,
    aliases: [],
    users: new Map(),
    groups: new Map(),
    mfaDevices: new Map(),
    mfaDeviceNames: new Set(),
    accessKeys: new Map(),
    roles: new Map(),
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 21-character unique id with IAM's prefix: `AIDA` user, `AGPA` group, `AKIA`/`ASIA` keys. */
export function newId(prefix: 'AIDA' | 'AGPA' | 'AROA' | 'AKIA' | 'ASIA'): string {
  let id = prefix;
  while (id.length < 21) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** What an ARN of the account is built from: its partition and id. */
export type ArnScope = Pick<AccountState, 'partition' | 'accountId'>;

const iamArn = (scope: ArnScope, resource: string) =>
  `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;

export const userArn = (scope: ArnScope, path: string, name: string) =>
  iamArn(scope, `user${path}${name}`);
export const groupArn = (scope: ArnScope, path: string, name: string) =>
  iamArn(scope, `group${path}${name}`);
export const mfaArn = (scope: ArnScope, path: string, name: string) =>
  iamArn(scope, `mfa${path}${name}`);
export const fidoArn = (scope: ArnScope, userName: string, tail: string) =>
  iamArn(scope, `u2f/user/${userName}/${tail}`);
export const roleArn = (scope: ArnScope, path: string, name: string) =>
  iamArn(scope, `role${path}${name}`);
export const rootArn = (scope: ArnScope) => iamArn(scope, 'root');

// ---- JSON form (save/load) -------------------------------------------------------------

type Jsonified<T> = T extends Date
  ? string
  : T extends Set<infer U>
    ? U[]
    : T extends Map<string, infer V>
      ? Record<string, Jsonified<V>>
      : T extends (infer U)[]
        ? Jsonified<U>[]
        : T extends object
          ? { [K in keyof T]: Jsonified<T[K]> }
          : T;

/** One account's state; files saved before partitions existed have no `partition` (aws). */
export type AccountStateJson = Omit<Jsonified<AccountState>, 'partition'> & {
  version: 1;
  partition?: Partition;
};

export function stateToJson(state: AccountState): AccountStateJson {
  return JSON.parse(
    JSON.stringify({ version: 1, ...state }, (_key, value) => {
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Set) return [...value];
      return value;
    }),
  ) as AccountStateJson;
}

const date = (s: string) => new Date(s);
const optDate = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

export function stateFromJson(json: AccountStateJson): AccountState {
  if (json.version !== 1) throw new Error(`unsupported emulator state version ${json.version}`);
  const partition = json.partition ?? 'aws';
  if (!isPartition(partition)) throw new Error(`unknown partition ${JSON.stringify(partition)}`);
  const mapOf = <J, T>(obj: Record<string, J>, f: (j: J) => T) =>
    new Map(Object.entries(obj).map(([k, v]) => [k, f(v)]));
  return {
    partition,
    accountId: json.accountId,
    createDate: date(json.createDate),
    aliases: json.aliases,
    users: mapOf(json.users, (u) => ({
      ...u,
      createDate: date(u.createDate),
      passwordLastUsed: optDate(u.passwordLastUsed),
      loginProfile: u.loginProfile && {
        createDate: date(u.loginProfile.createDate),
        passwordResetRequired: u.loginProfile.passwordResetRequired,
        passwordLastChanged: date(u.loginProfile.passwordLastChanged),
      },
      groups: new Set(u.groups),
    })),
    groups: mapOf(json.groups, (g) => ({
      ...g,
      createDate: date(g.createDate),
      members: new Set(g.members),
      inlinePolicies: new Map(Object.entries(g.inlinePolicies)),
    })),
    mfaDevices: mapOf(json.mfaDevices, (d) => ({
      ...d,
      createDate: date(d.createDate),
      enableDate: optDate(d.enableDate),
    })),
    mfaDeviceNames: new Set(json.mfaDeviceNames),
    credentialReport: json.credentialReport && {
      startedAt: date(json.credentialReport.startedAt),
      readyAt: date(json.credentialReport.readyAt),
      csv: json.credentialReport.csv,
    },
    accessKeys: mapOf(json.accessKeys, (k) => ({ ...k, createDate: optDate(k.createDate) })),
    // State files saved before roles existed have none.
    roles: mapOf(json.roles ?? {}, (r) => ({ ...r, createDate: date(r.createDate) })),
  };
}

// ---- the state file: every partition -------------------------------------------------------

/**
 * What save() writes: the aws account exactly as a single-account file always had it, and the
 * other partitions' accounts under `partitions`, so files and readers from before partitions
 * keep working.
 */
export type EmulatorStateJson = AccountStateJson & {
  partitions?: Partial<Record<Partition, AccountStateJson>>;
};

export function partitionsToJson(aws: AccountState, others: AccountState[]): EmulatorStateJson {
  const json: EmulatorStateJson = stateToJson(aws);
  if (others.length > 0) {
    json.partitions = Object.fromEntries(
      others.map((state) => [state.partition, stateToJson(state)]),
    );
  }
  return json;
}

/** Every account of a state file, aws's first. */
export function partitionsFromJson(json: EmulatorStateJson): AccountState[] {
  const states = [stateFromJson(json)];
  for (const [partition, state] of Object.entries(json.partitions ?? {})) {
    const loaded = stateFromJson(state);
    if (loaded.partition !== partition || partition === 'aws') {
      throw new Error(`the state file's account for ${partition} is of ${loaded.partition}`);
    }
    states.push(loaded);
  }
  return states;
}
