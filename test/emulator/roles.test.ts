// CreateRole, GetRole and DeleteRole, and AssumeRole as a role's trust policy decides it (the
// principal, and an MFA condition met by a code in the request or by a session made with one),
// spoken to by the real SDK clients over HTTP. Facts: docs/iam-facts.md §3 "Roles" and §7;
// choices marked UNCONFIRMED in local/emulator/ops/roles.ts and trust-policy.ts are pinned here.

import {
  CreateRoleCommand,
  type CreateRoleCommandInput,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteRoleCommand,
  EnableMFADeviceCommand,
  GetRoleCommand,
  ListAccessKeysCommand,
  ListRoleTagsCommand,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  type STSClient,
} from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { AccountState } from '../../local/emulator/state.ts';
import { TOTP_STEP_SECONDS } from '../../local/emulator/totp.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';
import { authenticationCodes, currentCode } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';

const em = useEmulator();
const state = (): AccountState => em.running.emulator.state;

async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

type Statement = Record<string, unknown>;
const policy = (...Statement: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (AWS: string | string[], extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Principal: { AWS },
  Action: 'sts:AssumeRole',
  ...extra,
});
const MFA_PRESENT = { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };

async function createRole(
  RoleName: string,
  AssumeRolePolicyDocument: string,
  extra: Partial<CreateRoleCommandInput> = {},
) {
  const { Role } = await em.iam.send(
    new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument, ...extra }),
  );
  if (!Role?.Arn) throw new Error('CreateRole returned no Role');
  return Role;
}

/** A user with a long-term key, and an STS client signed with it. */
async function userWithKey(name: string) {
  const { User } = await em.iam.send(new CreateUserCommand({ UserName: name }));
  const keyId = `AKIA${name.toUpperCase().padEnd(16, 'X')}`.slice(0, 20);
  state().accessKeys.set(keyId, { accessKeyId: keyId, user: name.toLowerCase() });
  return { arn: User?.Arn as string, sts: em.stsAs(keyId) };
}

/** A virtual device enabled for the user with last step's codes, so the current code is unused. */
async function enableDevice(userName: string) {
  const { VirtualMFADevice } = await em.iam.send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${userName}-phone` }),
  );
  const serial = VirtualMFADevice?.SerialNumber as string;
  const seed = Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString(
    'ascii',
  );
  await em.iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: serial,
      ...authenticationCodes(seed, Date.now() - TOTP_STEP_SECONDS * 1000),
    }),
  );
  return { serial, code: () => currentCode(seed) };
}

const assume = (sts: STSClient, RoleArn: string, input: Partial<AssumeRoleCommandInput> = {}) =>
  sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'cli', ...input }));

const denied = (caller: string, role: string) => ({
  name: 'AccessDenied',
  status: 403,
  message: `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
});

describe('CreateRole', () => {
  it('returns the role with its AROA id, ARN and the trust policy URL-encoded', async () => {
    const trust = policy(allow(`arn:aws:iam::${ACCOUNT}:root`));
    const before = Math.floor(Date.now() / 1000) * 1000;
    const role = await createRole('admin', trust, { Path: '/switch/', Description: 'Admins' });

    expect(role).toEqual({
      Path: '/switch/',
      RoleName: 'admin',
      RoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}$/),
      Arn: `arn:aws:iam::${ACCOUNT}:role/switch/admin`,
      CreateDate: expect.any(Date),
      AssumeRolePolicyDocument: encodeURIComponent(trust),
      Description: 'Admins',
    });
    expect(role.CreateDate?.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('refuses a name already taken, ignoring case, with EntityAlreadyExists 409', async () => {
    await createRole('admin', policy(allow(ACCOUNT)));
    expect(await failure(createRole('ADMIN', policy(allow(ACCOUNT))))).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'Role with name ADMIN already exists.',
    });
  });

  it('refuses a trust policy that is not JSON with MalformedPolicyDocument 400', async () => {
    expect(await failure(createRole('admin', '{"Version": '))).toEqual({
      name: 'MalformedPolicyDocumentException',
      status: 400,
      message: 'This policy contains invalid Json',
    });
  });

  it('refuses a principal naming a user the account does not have', async () => {
    const ghost = `arn:aws:iam::${ACCOUNT}:user/ghost`;
    expect(await failure(createRole('admin', policy(allow(ghost))))).toEqual({
      name: 'MalformedPolicyDocumentException',
      status: 400,
      message: `Invalid principal in policy: "AWS":"${ghost}"`,
    });
  });

  it('validates MaxSessionDuration (3600 to 43200) with ValidationError 400', async () => {
    expect(
      await failure(createRole('admin', policy(allow(ACCOUNT)), { MaxSessionDuration: 3599 })),
    ).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    });
  });
});

describe('seeded roles', () => {
  it('are roles as CreateRole makes them: GetRole finds them, AssumeRole checks their trust policy', async () => {
    em.running.emulator.seed({
      users: [{ name: 'seeded-user', accessKeyIds: ['AKIASEEDEDUSER000001'] }],
      roles: [
        {
          name: 'Seeded',
          path: '/teams/',
          trustPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/seeded-user` },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      ],
    });
    const { Role } = await em.iam.send(new GetRoleCommand({ RoleName: 'Seeded' }));
    expect(Role).toMatchObject({
      RoleName: 'Seeded',
      Path: '/teams/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/teams/Seeded`,
      RoleId: expect.stringMatching(/^AROA/),
    });
    const assume = (sts: STSClient) =>
      sts.send(
        new AssumeRoleCommand({ RoleArn: Role?.Arn ?? '', RoleSessionName: 'seeded-session' }),
      );
    await expect(assume(em.stsAs('AKIASEEDEDUSER000001'))).resolves.toMatchObject({
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Seeded/seeded-session` },
    });
    expect((await failure(assume(em.sts))).status).toBe(403);
  });

  it('refuses a seeded role without a trust policy, or one that exists', () => {
    const seed = (spec: unknown) => () =>
      em.running.emulator.seed(spec as Parameters<typeof em.running.emulator.seed>[0]);
    expect(seed({ roles: [{ name: 'NoTrust' }] })).toThrow(/no trust policy/);
    const role = { name: 'Twice', trustPolicy: { Version: '2012-10-17', Statement: [] } };
    expect(seed({ roles: [role, role] })).toThrow(/already exists/);
  });
});

describe('role tags', () => {
  const role = async () =>
    em.iam.send(
      new CreateRoleCommand({
        RoleName: 'tagged',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
  const tagsOf = async (RoleName = 'tagged') =>
    (await em.iam.send(new ListRoleTagsCommand({ RoleName }))).Tags;

  it('adds, overwrites ignoring the key’s case, lists sorted by key and removes', async () => {
    await role();
    await em.iam.send(
      new TagRoleCommand({
        RoleName: 'tagged',
        Tags: [
          { Key: 'b', Value: '1' },
          { Key: 'a', Value: '2' },
        ],
      }),
    );
    await em.iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'B', Value: '3' }] }));
    expect(await tagsOf()).toEqual([
      { Key: 'B', Value: '3' },
      { Key: 'a', Value: '2' },
    ]);
    await em.iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['b', 'absent'] }));
    expect(await tagsOf()).toEqual([{ Key: 'a', Value: '2' }]);
  });

  it('refuses a 51st tag with LimitExceeded 409 and an unknown role with NoSuchEntity 404', async () => {
    await role();
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await em.iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: fifty }));
    const over = await failure(
      em.iam.send(
        new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'one-more', Value: 'v' }] }),
      ),
    );
    expect(over).toMatchObject({ name: 'LimitExceededException', status: 409 });
    expect((await tagsOf())?.length).toBe(50);
    const missing = await failure(em.iam.send(new ListRoleTagsCommand({ RoleName: 'nobody' })));
    expect(missing).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });
});

describe('GetRole and DeleteRole', () => {
  it('GetRole adds MaxSessionDuration (default one hour) and an empty RoleLastUsed', async () => {
    const created = await createRole('admin', policy(allow(ACCOUNT)));
    const { Role } = await em.iam.send(new GetRoleCommand({ RoleName: 'Admin' }));
    expect(Role).toEqual({ ...created, MaxSessionDuration: 3600, RoleLastUsed: {} });
  });

  it('answers NoSuchEntity 404 for a role that does not exist, or no longer', async () => {
    await createRole('admin', policy(allow(ACCOUNT)));
    await em.iam.send(new DeleteRoleCommand({ RoleName: 'admin' }));
    const gone = { name: 'NoSuchEntityException', status: 404 };
    expect(await failure(em.iam.send(new GetRoleCommand({ RoleName: 'admin' })))).toEqual({
      ...gone,
      message: 'The role with name admin cannot be found.',
    });
    expect(await failure(em.iam.send(new DeleteRoleCommand({ RoleName: 'admin' })))).toEqual({
      ...gone,
      message: 'The role with name admin cannot be found.',
    });
  });

  it('a deleted role can no longer be assumed', async () => {
    const alice = await userWithKey('alice');
    const role = await createRole('admin', policy(allow(ACCOUNT)));
    await em.iam.send(new DeleteRoleCommand({ RoleName: 'admin' }));
    expect(await failure(assume(alice.sts, role.Arn as string))).toEqual(
      denied(alice.arn, role.Arn as string),
    );
  });
});

describe('AssumeRole and the trust policy', () => {
  it('lets in the user the policy names, and no one else', async () => {
    const alice = await userWithKey('alice');
    const bob = await userWithKey('bob');
    const role = await createRole('admin', policy(allow(alice.arn)));
    const arn = role.Arn as string;

    const out = await assume(alice.sts, arn);
    expect(out.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/cli`,
      AssumedRoleId: `${role.RoleId}:cli`,
    });
    expect(await failure(assume(bob.sts, arn))).toEqual(denied(bob.arn, arn));
  });

  it('lets in every user of the account when the principal is the account (id or root ARN)', async () => {
    const alice = await userWithKey('alice');
    for (const [name, principal] of [
      ['by-id', ACCOUNT],
      ['by-root', `arn:aws:iam::${ACCOUNT}:root`],
    ] as const) {
      const role = await createRole(name, policy(allow(principal)));
      await expect(assume(alice.sts, role.Arn as string)).resolves.toHaveProperty('Credentials');
    }
    const elsewhere = await createRole('elsewhere', policy(allow('210987654321')));
    expect((await failure(assume(alice.sts, elsewhere.Arn as string))).name).toBe('AccessDenied');
  });

  it('refuses an ARN whose path is not the role’s', async () => {
    const alice = await userWithKey('alice');
    await createRole('admin', policy(allow(ACCOUNT)), { Path: '/switch/' });
    const wrong = `arn:aws:iam::${ACCOUNT}:role/admin`;
    expect(await failure(assume(alice.sts, wrong))).toEqual(denied(alice.arn, wrong));
  });

  it('lets an explicit Deny win over an Allow', async () => {
    const alice = await userWithKey('alice');
    const role = await createRole(
      'admin',
      policy(allow(ACCOUNT), { ...allow(alice.arn), Effect: 'Deny' }),
    );
    expect((await failure(assume(alice.sts, role.Arn as string))).name).toBe('AccessDenied');
  });

  it('trusts sessions of a role named as principal', async () => {
    const alice = await userWithKey('alice');
    const hop = await createRole('hop', policy(allow(alice.arn)));
    const target = await createRole('target', policy(allow(hop.Arn as string)));
    const first = await assume(alice.sts, hop.Arn as string);
    const asHop = em.stsAs(first.Credentials?.AccessKeyId as string);
    try {
      const second = await assume(asHop, target.Arn as string);
      expect(second.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/target/cli`);
      // The user itself is not trusted by the target.
      expect((await failure(assume(alice.sts, target.Arn as string))).name).toBe('AccessDenied');
    } finally {
      asHop.destroy();
    }
  });

  it('refuses DurationSeconds above the role’s MaxSessionDuration', async () => {
    const alice = await userWithKey('alice');
    const role = await createRole('admin', policy(allow(ACCOUNT)), { MaxSessionDuration: 7200 });
    await expect(
      assume(alice.sts, role.Arn as string, { DurationSeconds: 7200 }),
    ).resolves.toHaveProperty('Credentials');
    expect(await failure(assume(alice.sts, role.Arn as string, { DurationSeconds: 7201 }))).toEqual(
      {
        name: 'ValidationError',
        status: 400,
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      },
    );
  });
});

describe('AssumeRole of a role that requires MFA', () => {
  async function setUp() {
    const alice = await userWithKey('alice');
    const device = await enableDevice('alice');
    const role = await createRole('admin', policy(allow(alice.arn, MFA_PRESENT)));
    return { alice, device, arn: role.Arn as string };
  }

  it('is refused without a code, with the trust-policy AccessDenied', async () => {
    const { alice, arn } = await setUp();
    expect(await failure(assume(alice.sts, arn))).toEqual(denied(alice.arn, arn));
  });

  it('is granted with the serial and a current code of the user’s device', async () => {
    const { alice, device, arn } = await setUp();
    const out = await assume(alice.sts, arn, {
      SerialNumber: device.serial,
      TokenCode: device.code(),
    });
    const asRole = em.stsAs(out.Credentials?.AccessKeyId as string);
    try {
      expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/admin/cli`,
      );
    } finally {
      asRole.destroy();
    }
  });

  it('is refused with a wrong code, or with another user’s device, with the MFA message', async () => {
    const { alice, device, arn } = await setUp();
    await userWithKey('bob');
    const bobs = await enableDevice('bob');
    const wrong = device.code() === '000000' ? '111111' : '000000';
    for (const input of [
      { SerialNumber: device.serial, TokenCode: wrong },
      { SerialNumber: bobs.serial, TokenCode: bobs.code() },
    ]) {
      expect(await failure(assume(alice.sts, arn, input))).toEqual({
        name: 'AccessDenied',
        status: 403,
        message: MFA_FAILED,
      });
    }
  });

  it('is granted to a session from GetSessionToken with MFA, not to one without', async () => {
    const { alice, device, arn } = await setUp();
    const withMfa = await alice.sts.send(
      new GetSessionTokenCommand({ SerialNumber: device.serial, TokenCode: device.code() }),
    );
    const withoutMfa = await alice.sts.send(new GetSessionTokenCommand({}));
    const mfaSession = em.stsAs(withMfa.Credentials?.AccessKeyId as string);
    const plainSession = em.stsAs(withoutMfa.Credentials?.AccessKeyId as string);
    try {
      await expect(assume(mfaSession, arn)).resolves.toHaveProperty('Credentials');
      expect((await failure(assume(plainSession, arn))).name).toBe('AccessDenied');
    } finally {
      mfaSession.destroy();
      plainSession.destroy();
    }
  });

  it('honours aws:MultiFactorAuthAge: an MFA session too old is refused', async () => {
    const alice = await userWithKey('alice');
    const device = await enableDevice('alice');
    const role = await createRole(
      'fresh',
      policy(
        allow(alice.arn, {
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': 'true' },
            NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
          },
        }),
      ),
    );
    const { Credentials } = await alice.sts.send(
      new GetSessionTokenCommand({ SerialNumber: device.serial, TokenCode: device.code() }),
    );
    const session = em.stsAs(Credentials?.AccessKeyId as string);
    try {
      await expect(assume(session, role.Arn as string)).resolves.toHaveProperty('Credentials');
      em.running.emulator.clockOffsetMs += 2 * 3600 * 1000;
      expect((await failure(assume(session, role.Arn as string))).name).toBe('AccessDenied');
    } finally {
      session.destroy();
    }
  });

  it('treats the MFA key as absent for long-term keys: Bool false is not met, BoolIfExists false is', async () => {
    const alice = await userWithKey('alice');
    const bool = await createRole(
      'bool-false',
      policy(allow(alice.arn, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } })),
    );
    const ifExists = await createRole(
      'if-exists-false',
      policy(
        allow(alice.arn, {
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        }),
      ),
    );
    expect((await failure(assume(alice.sts, bool.Arn as string))).name).toBe('AccessDenied');
    await expect(assume(alice.sts, ifExists.Arn as string)).resolves.toHaveProperty('Credentials');
  });
});

describe('a role session and IAM calls about the caller', () => {
  it('must name the user for ListAccessKeys (ValidationError 400)', async () => {
    const alice = await userWithKey('alice');
    const role = await createRole('admin', policy(allow(ACCOUNT)));
    const { Credentials } = await assume(alice.sts, role.Arn as string);
    const iam = em.iamAs(Credentials?.AccessKeyId as string);
    try {
      expect(await failure(iam.send(new ListAccessKeysCommand({})))).toEqual({
        name: 'ValidationError',
        status: 400,
        message: 'Must specify userName when calling with non-User credentials',
      });
    } finally {
      iam.destroy();
    }
  });
});
