// GetCallerIdentity, GetSessionToken and AssumeRole, spoken to by the real @aws-sdk/client-sts
// over HTTP. Facts: docs/iam-facts.md §7 and the sources named in local/emulator/ops/sts.ts.
// Behaviour marked UNCONFIRMED there is the emulator's chosen assumption, pinned here so that a
// change is deliberate.

import {
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  type Credentials,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  type GetSessionTokenCommandInput,
  type STSClient,
} from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountState } from '../../local/emulator/state.ts';
import { TOTP_STEP_SECONDS, totpCode, totpStep } from '../../local/emulator/totp.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';
import { authenticationCodes, currentCode } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deployer`;
const MFA_FAILED =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';
const ASSUME_ROLE_MFA_FAILED =
  'MultiFactorAuthentication failed with invalid MFA one time pass code.';
const BOTH_REQUIRED =
  'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.';

const em = useEmulator();
const state = (): AccountState => em.running.emulator.state;

/** Trusts every principal of the account, so these tests are about STS, not trust policies. */
const TRUST_ACCOUNT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

// The roles the AssumeRole tests assume (trust policies themselves: roles.test.ts).
beforeEach(async () => {
  for (const RoleName of ['deployer', 'other', 'next']) {
    await em.iam.send(
      new CreateRoleCommand({
        RoleName,
        AssumeRolePolicyDocument: TRUST_ACCOUNT,
        MaxSessionDuration: 43200,
      }),
    );
  }
});

/** Creates a user and gives it a long-term access key id that signs as that user. */
async function userWithKey(name: string, path?: string) {
  const { User } = await em.iam.send(new CreateUserCommand({ UserName: name, Path: path }));
  if (!User) throw new Error('no user');
  const keyId = `AKIA${name
    .toUpperCase()
    .replace(/[^A-Z]/g, '')
    .padEnd(16, 'X')}`.slice(0, 20);
  state().accessKeys.set(keyId, { accessKeyId: keyId, user: name.toLowerCase() });
  return { user: User, sts: em.stsAs(keyId) };
}

/**
 * Creates a virtual device and enables it for the user with the codes of the two previous
 * steps, so the current step's code is still unused (a used step cannot be replayed).
 */
async function enableDevice(userName: string, deviceName = `${userName}-phone`) {
  const { VirtualMFADevice } = await em.iam.send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: deviceName }),
  );
  const serial = VirtualMFADevice?.SerialNumber as string;
  const seed = Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString(
    'ascii',
  );
  const aStepAgo = Date.now() - TOTP_STEP_SECONDS * 1000;
  await em.iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: serial,
      ...authenticationCodes(seed, aStepAgo),
    }),
  );
  return { serial, seed, codeNow: () => currentCode(seed) };
}

const sessionToken = (sts: STSClient, input: GetSessionTokenCommandInput = {}) =>
  sts.send(new GetSessionTokenCommand(input));
const assumeRole = (sts: STSClient, input: Partial<AssumeRoleCommandInput> = {}) =>
  sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'session-1', ...input }));
const identity = (sts: STSClient) => sts.send(new GetCallerIdentityCommand({}));

function secondsUntil(credentials: Credentials | undefined): number {
  const expiration = credentials?.Expiration;
  if (!expiration) throw new Error('no Expiration');
  return (expiration.getTime() - Date.now()) / 1000;
}

describe('GetCallerIdentity', () => {
  it('names the root user for an access key the account does not know', async () => {
    const out = await identity(em.sts);
    expect(out).toMatchObject({
      UserId: ACCOUNT,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it("names the IAM user whose access key signed the request, with the user's path", async () => {
    const { user, sts } = await userWithKey('alice', '/engineering/');
    const out = await identity(sts);
    expect(out).toMatchObject({
      UserId: user.UserId,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:user/engineering/alice`,
    });
    expect(out.UserId).toMatch(/^AIDA/);
  });

  it('names the role session for credentials from AssumeRole', async () => {
    const { sts } = await userWithKey('alice');
    const { Credentials, AssumedRoleUser } = await assumeRole(sts);
    const out = await identity(em.stsAs(Credentials?.AccessKeyId as string));
    expect(out).toMatchObject({
      UserId: AssumedRoleUser?.AssumedRoleId,
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1`,
    });
  });

  it('names the IAM user for credentials from GetSessionToken', async () => {
    const { user, sts } = await userWithKey('alice');
    const { Credentials } = await sessionToken(sts);
    const out = await identity(em.stsAs(Credentials?.AccessKeyId as string));
    expect(out).toMatchObject({ UserId: user.UserId, Arn: user.Arn });
  });
});

describe('GetSessionToken', () => {
  it('issues ASIA credentials for 12 hours by default', async () => {
    const { sts } = await userWithKey('alice');
    const { Credentials } = await sessionToken(sts);
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(Credentials?.SecretAccessKey).toHaveLength(40);
    expect(Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(secondsUntil(Credentials)).toBeGreaterThan(43200 - 5);
    expect(secondsUntil(Credentials)).toBeLessThanOrEqual(43200);
  });

  it('honours DurationSeconds between 900 and 129600', async () => {
    const { sts } = await userWithKey('alice');
    expect(
      secondsUntil((await sessionToken(sts, { DurationSeconds: 900 })).Credentials),
    ).toBeGreaterThan(895);
    expect(
      secondsUntil((await sessionToken(sts, { DurationSeconds: 129600 })).Credentials),
    ).toBeGreaterThan(129600 - 5);
  });

  it('limits root sessions to one hour instead of failing', async () => {
    expect(secondsUntil((await sessionToken(em.sts)).Credentials)).toBeLessThanOrEqual(3600);
    const long = await sessionToken(em.sts, { DurationSeconds: 7200 });
    expect(secondsUntil(long.Credentials)).toBeGreaterThan(3600 - 5);
    expect(secondsUntil(long.Credentials)).toBeLessThanOrEqual(3600);
  });

  it("accepts the current code of the caller's own MFA device", async () => {
    const { sts } = await userWithKey('alice');
    const device = await enableDevice('alice');
    const { Credentials } = await sessionToken(sts, {
      SerialNumber: device.serial,
      TokenCode: device.codeNow(),
    });
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('rejects a wrong code with AccessDenied 403', async () => {
    const { sts } = await userWithKey('alice');
    const device = await enableDevice('alice');
    const wrong = device.codeNow() === '000000' ? '111111' : '000000';
    const error = await sdkError(
      sessionToken(sts, { SerialNumber: device.serial, TokenCode: wrong }),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    // Two spaces after "code.", as AWS prints it (aws/aws-cli#6325 and others).
    expect(error.message).toBe(MFA_FAILED);
  });

  it('rejects a code used before (no replay), then accepts the next step', async () => {
    const { sts } = await userWithKey('alice');
    const device = await enableDevice('alice');
    const step = totpStep(Date.now());
    const code = totpCode(device.seed, step);
    await sessionToken(sts, { SerialNumber: device.serial, TokenCode: code });

    const error = await sdkError(
      sessionToken(sts, { SerialNumber: device.serial, TokenCode: code }),
    );
    expect(error.message).toBe(MFA_FAILED);

    const next = totpCode(device.seed, step + 1);
    await expect(
      sessionToken(sts, { SerialNumber: device.serial, TokenCode: next }),
    ).resolves.toHaveProperty('Credentials');
  });

  it("rejects another user's device, even with its right code", async () => {
    const { sts } = await userWithKey('alice');
    await userWithKey('bob');
    const bobs = await enableDevice('bob');
    const error = await sdkError(
      sessionToken(sts, { SerialNumber: bobs.serial, TokenCode: bobs.codeNow() }),
    );
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(MFA_FAILED);
  });

  it('rejects an unknown serial number, and any serial number for root (root has no devices here)', async () => {
    const { sts } = await userWithKey('alice');
    const unknown = await sdkError(
      sessionToken(sts, {
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/nobody`,
        TokenCode: '123456',
      }),
    );
    expect(unknown.message).toBe(MFA_FAILED);

    const device = await enableDevice('alice');
    const root = await sdkError(
      sessionToken(em.sts, { SerialNumber: device.serial, TokenCode: device.codeNow() }),
    );
    expect(root.message).toBe(MFA_FAILED);
  });

  it('needs both SerialNumber and TokenCode (UNCONFIRMED wording for GetSessionToken)', async () => {
    const { sts } = await userWithKey('alice');
    const device = await enableDevice('alice');
    const error = await sdkError(sessionToken(sts, { SerialNumber: device.serial }));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(BOTH_REQUIRED);
    expect((await sdkError(sessionToken(sts, { TokenCode: '123456' }))).message).toBe(
      BOTH_REQUIRED,
    );
  });

  it('refuses to be called with session credentials', async () => {
    const { sts } = await userWithKey('alice');
    const { Credentials } = await sessionToken(sts);
    const error = await sdkError(sessionToken(em.stsAs(Credentials?.AccessKeyId as string)));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Cannot call GetSessionToken with session credentials');

    const role = await assumeRole(sts);
    const fromRole = await sdkError(
      sessionToken(em.stsAs(role.Credentials?.AccessKeyId as string)),
    );
    expect(fromRole.message).toBe('Cannot call GetSessionToken with session credentials');
  });

  it('validates its members, quoting the value as STS does', async () => {
    const { sts } = await userWithKey('alice');
    const cases: [GetSessionTokenCommandInput, string][] = [
      [
        { DurationSeconds: 899 },
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      ],
      [
        { DurationSeconds: 129601 },
        "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
      ],
      [
        { SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`, TokenCode: '12345' },
        "1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
      ],
      [
        { SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`, TokenCode: '12345a' },
        "1 validation error detected: Value '12345a' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*",
      ],
      [
        { SerialNumber: 'short', TokenCode: '1234567' },
        "2 validation errors detected: Value 'short' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9; Value '1234567' at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6",
      ],
    ];
    for (const [input, message] of cases) {
      const error = await sdkError(sessionToken(sts, input));
      expect(error.name).toBe('ValidationError');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(message);
    }
  });
});

describe('AssumeRole', () => {
  it('returns credentials and the assumed-role user for a role session', async () => {
    const { sts } = await userWithKey('alice');
    const out = await assumeRole(sts);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(secondsUntil(out.Credentials)).toBeGreaterThan(3600 - 5); // default: one hour
    expect(secondsUntil(out.Credentials)).toBeLessThanOrEqual(3600);
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1`,
    );
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:session-1$/);
    expect(out.PackedPolicySize).toBeUndefined();
  });

  it('keeps one AROA id per role, whatever the session', async () => {
    const { sts } = await userWithKey('alice');
    const idOf = async (input: Partial<AssumeRoleCommandInput>) =>
      (await assumeRole(sts, input)).AssumedRoleUser?.AssumedRoleId?.split(':')[0];
    const first = await idOf({ RoleSessionName: 'one' });
    expect(await idOf({ RoleSessionName: 'two' })).toBe(first);
    expect(await idOf({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/other` })).not.toBe(first);
  });

  it('leaves the role path out of the assumed-role ARN and uses the role account', async () => {
    const { sts } = await userWithKey('alice');
    const out = await assumeRole(sts, {
      RoleArn: 'arn:aws:iam::210987654321:role/ops/team/auditor',
    });
    expect(out.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::210987654321:assumed-role/auditor/session-1',
    );
    const who = await identity(em.stsAs(out.Credentials?.AccessKeyId as string));
    expect(who.Account).toBe('210987654321');
  });

  it('echoes SourceIdentity when given', async () => {
    const { sts } = await userWithKey('alice');
    expect((await assumeRole(sts, { SourceIdentity: 'alice@example.com' })).SourceIdentity).toBe(
      'alice@example.com',
    );
  });

  it('refuses root callers', async () => {
    const error = await sdkError(assumeRole(em.sts));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe('Roles may not be assumed by root accounts.');
  });

  it('rejects a malformed RoleArn with "<arn> is invalid"', async () => {
    const { sts } = await userWithKey('alice');
    for (const arn of [
      'nothing-valid-in-here',
      'arn::b:::something/test-role',
      'arn:a::::something/test-role',
      'arn:a:::something/test-role',
      'arn:a:a::aaaaaaaaaa:',
    ]) {
      const error = await sdkError(assumeRole(sts, { RoleArn: arn }));
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`${arn} is invalid`);
    }
  });

  it('denies a well-formed ARN that is not a role, as a trust policy would (UNCONFIRMED)', async () => {
    const { sts } = await userWithKey('alice');
    const bob = `arn:aws:iam::${ACCOUNT}:user/bob`;
    const error = await sdkError(assumeRole(sts, { RoleArn: bob }));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${bob}`,
    );
  });

  it('validates RoleSessionName and DurationSeconds with the recorded messages', async () => {
    const { sts } = await userWithKey('alice');
    const cases: [Partial<AssumeRoleCommandInput>, string][] = [
      [
        { RoleSessionName: 'Session1:2' },
        "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      ],
      [
        { RoleSessionName: 's'.repeat(65) },
        `1 validation error detected: Value '${'s'.repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      ],
      [
        { RoleArn: 'arn:aws:iam::1:role' },
        "1 validation error detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
      ],
      [
        { DurationSeconds: 43201 },
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
      ],
      [
        { ExternalId: 'x' },
        "1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
      ],
    ];
    for (const [input, message] of cases) {
      const error = await sdkError(assumeRole(sts, input));
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(message);
    }
  });

  it('rejects duplicate tag keys, compared case-insensitively', async () => {
    const { sts } = await userWithKey('alice');
    const error = await sdkError(
      assumeRole(sts, {
        Tags: [
          { Key: 'Team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      }),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    );
  });

  it('requires transitive tag keys to be among the tags', async () => {
    const { sts } = await userWithKey('alice');
    const error = await sdkError(
      assumeRole(sts, { Tags: [{ Key: 'Team', Value: 'a' }], TransitiveTagKeys: ['Project'] }),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(
      'The specified transitive tag key must be included in the requested tags.',
    );
    await expect(
      assumeRole(sts, { Tags: [{ Key: 'Team', Value: 'a' }], TransitiveTagKeys: ['team'] }),
    ).resolves.toHaveProperty('AssumedRoleUser');
  });

  it('limits role chaining to one hour', async () => {
    const { sts } = await userWithKey('alice');
    const first = await assumeRole(sts, { DurationSeconds: 43200 });
    expect(secondsUntil(first.Credentials)).toBeGreaterThan(43200 - 5);
    const chained = em.stsAs(first.Credentials?.AccessKeyId as string);

    const error = await sdkError(assumeRole(chained, { DurationSeconds: 3601 }));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
    const second = await assumeRole(chained, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/next` });
    expect(second.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/next/session-1`);
  });

  it("checks MFA against the caller's devices", async () => {
    const { sts } = await userWithKey('alice');
    const device = await enableDevice('alice');

    const wrong = device.codeNow() === '000000' ? '111111' : '000000';
    const bad = await sdkError(assumeRole(sts, { SerialNumber: device.serial, TokenCode: wrong }));
    expect(bad.name).toBe('AccessDenied');
    expect(bad.message).toBe(ASSUME_ROLE_MFA_FAILED);

    const code = device.codeNow();
    await expect(
      assumeRole(sts, { SerialNumber: device.serial, TokenCode: code }),
    ).resolves.toHaveProperty('Credentials');
    const replay = await sdkError(
      assumeRole(sts, { SerialNumber: device.serial, TokenCode: code }),
    );
    expect(replay.message).toBe(ASSUME_ROLE_MFA_FAILED);

    const half = await sdkError(assumeRole(sts, { SerialNumber: device.serial }));
    expect(half.message).toBe(BOTH_REQUIRED);
  });
});
