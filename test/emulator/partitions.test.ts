// The emulator in every AWS partition: a request acts on the account of the partition its SigV4
// signing region belongs to (cn-* → aws-cn, us-gov-* → aws-us-gov, else aws), every ARN it
// answers carries that partition, the partitions' accounts are separate, the China Regions
// take virtual MFA devices only, and the state file keeps them all. Spoken to by the real SDK
// clients over HTTP. Facts: docs/iam-facts.md §10 "Partitions"; code: local/emulator/partition.ts.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  IAMClient,
  ListMFADevicesCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaTrustPolicy } from '../../local/demo-account.ts';
import { Emulator } from '../../local/emulator/emulator.ts';
import { startEmulator } from '../../local/emulator/http-server.ts';
import { type Partition, partitionOfRegion } from '../../local/emulator/partition.ts';
import {
  type AccountStateJson,
  createAccountState,
  stateToJson,
} from '../../local/emulator/state.ts';
import { TOTP_STEP_SECONDS } from '../../local/emulator/totp.ts';
import { clientConfig, sdkError, useEmulator } from '../support/emulator.ts';
import { authenticationCodes, currentCode } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const ROOT_KEY = 'AKIAIOSFODNN7EXAMPLE';

const em = useEmulator();

const iamIn = (region: string, key = ROOT_KEY, url = em.url) =>
  new IAMClient({ ...clientConfig(url, key), region });
const stsIn = (region: string, key = ROOT_KEY, url = em.url) =>
  new STSClient({ ...clientConfig(url, key), region });

async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

const seedOf = (bytes: Uint8Array | undefined) =>
  Buffer.from(bytes ?? new Uint8Array()).toString('ascii');

const mfaTrust = (partition: string) => JSON.stringify(mfaTrustPolicy(partition, ACCOUNT));

describe('partitionOfRegion', () => {
  it.each([
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['aws-cn-global', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['aws-us-gov-global', 'aws-us-gov'],
    ['us-east-1', 'aws'],
    ['eu-west-3', 'aws'],
    ['us-iso-east-1', 'aws'],
    ['cn-north', 'aws'],
    [undefined, 'aws'],
  ] as const)('puts %s in %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });
});

describe.each([
  ['cn-north-1', 'aws-cn'],
  ['cn-northwest-1', 'aws-cn'],
  ['us-gov-west-1', 'aws-us-gov'],
  ['us-east-1', 'aws'],
] as const)('the enrollment flow signed for %s', (region, partition) => {
  let iam: IAMClient;
  let sts: STSClient;
  beforeAll(() => {
    iam = iamIn(region);
    sts = stsIn(region);
  });
  afterAll(() => {
    iam.destroy();
    sts.destroy();
  });
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}::${ACCOUNT}:${resource}`;

  it(`answers with ${partition} ARNs for users, groups and virtual MFA devices`, async () => {
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'mei', Path: '/staff/' }));
    expect(User?.Arn).toBe(arn('iam', 'user/staff/mei'));
    const { Group } = await iam.send(new CreateGroupCommand({ GroupName: 'force-mfa' }));
    expect(Group?.Arn).toBe(arn('iam', 'group/force-mfa'));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'force-mfa', UserName: 'mei' }));

    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mei', Path: '/onboarding/' }),
    );
    const serial = VirtualMFADevice?.SerialNumber;
    expect(serial).toBe(arn('iam', 'mfa/onboarding/mei'));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'mei',
        SerialNumber: serial,
        ...authenticationCodes(seedOf(VirtualMFADevice?.Base32StringSeed)),
      }),
    );
    const { MFADevices } = await iam.send(new ListMFADevicesCommand({ UserName: 'mei' }));
    expect(MFADevices?.map((d) => d.SerialNumber)).toEqual([serial]);

    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(details.UserDetailList?.map((u) => u.Arn)).toEqual([arn('iam', 'user/staff/mei')]);
    expect(details.GroupDetailList?.map((g) => g.Arn)).toEqual([arn('iam', 'group/force-mfa')]);
  });

  it(`names callers with ${partition} ARNs: root, a user's key and its MFA session`, async () => {
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: ACCOUNT,
      Arn: arn('iam', 'root'),
    });

    await iam.send(new CreateUserCommand({ UserName: 'li' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'li' }));
    const liSts = stsIn(region, AccessKey?.AccessKeyId);
    const liIam = iamIn(region, AccessKey?.AccessKeyId);
    try {
      expect((await liSts.send(new GetCallerIdentityCommand({}))).Arn).toBe(arn('iam', 'user/li'));

      const { VirtualMFADevice } = await liIam.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'li' }),
      );
      const seed = seedOf(VirtualMFADevice?.Base32StringSeed);
      await liIam.send(
        new EnableMFADeviceCommand({
          UserName: 'li',
          SerialNumber: VirtualMFADevice?.SerialNumber,
          ...authenticationCodes(seed, Date.now() - TOTP_STEP_SECONDS * 1000),
        }),
      );
      const { Credentials } = await liSts.send(
        new GetSessionTokenCommand({
          SerialNumber: VirtualMFADevice?.SerialNumber,
          TokenCode: currentCode(seed),
        }),
      );
      const session = stsIn(region, Credentials?.AccessKeyId);
      try {
        expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(
          arn('iam', 'user/li'),
        );
      } finally {
        session.destroy();
      }
    } finally {
      liSts.destroy();
      liIam.destroy();
    }
  });

  it(`assumes a role that requires MFA as an ${partition} assumed-role session`, async () => {
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'admin', AssumeRolePolicyDocument: mfaTrust(partition) }),
    );
    expect(Role?.Arn).toBe(arn('iam', 'role/admin'));

    await iam.send(new CreateUserCommand({ UserName: 'wang' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'wang' }));
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'wang' }),
    );
    const seed = seedOf(VirtualMFADevice?.Base32StringSeed);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'wang',
        SerialNumber: VirtualMFADevice?.SerialNumber,
        ...authenticationCodes(seed, Date.now() - TOTP_STEP_SECONDS * 1000),
      }),
    );
    const wang = stsIn(region, AccessKey?.AccessKeyId);
    try {
      const assumed = await wang.send(
        new AssumeRoleCommand({
          RoleArn: Role?.Arn,
          RoleSessionName: 'console',
          SerialNumber: VirtualMFADevice?.SerialNumber,
          TokenCode: currentCode(seed),
        }),
      );
      expect(assumed.AssumedRoleUser?.Arn).toBe(arn('sts', 'assumed-role/admin/console'));
      const session = stsIn(region, assumed.Credentials?.AccessKeyId);
      try {
        expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(
          arn('sts', 'assumed-role/admin/console'),
        );
      } finally {
        session.destroy();
      }
    } finally {
      wang.destroy();
    }
  });

  it(`writes ${partition} ARNs in the credential report`, async () => {
    em.running.emulator.settings.credentialReportBuildMs = 0;
    await iam.send(new CreateUserCommand({ UserName: 'zhao' }));
    await iam.send(new GenerateCredentialReportCommand({}));
    const { Content } = await iam.send(new GetCredentialReportCommand({}));
    const arns = Buffer.from(Content ?? new Uint8Array())
      .toString('utf8')
      .split('\n')
      .slice(1)
      .map((row) => row.split(',')[1]);
    expect(arns).toEqual([arn('iam', 'root'), arn('iam', 'user/zhao')]);
  });
});

describe('each partition is its own account', () => {
  it('does not know in aws or GovCloud a user made in aws-cn; both China Regions share it', async () => {
    const china = iamIn('cn-north-1');
    const ningxia = iamIn('cn-northwest-1');
    const gov = iamIn('us-gov-west-1');
    try {
      await china.send(new CreateUserCommand({ UserName: 'chen' }));
      const { User } = await ningxia.send(new GetUserCommand({ UserName: 'chen' }));
      expect(User?.Arn).toBe(`arn:aws-cn:iam::${ACCOUNT}:user/chen`);
      for (const client of [em.iam, gov]) {
        expect(await failure(client.send(new GetUserCommand({ UserName: 'chen' })))).toEqual({
          name: 'NoSuchEntityException',
          status: 404,
          message: 'The user with name chen cannot be found.',
        });
      }
      // The same name is free in every other partition.
      const again = await gov.send(new CreateUserCommand({ UserName: 'chen' }));
      expect(again.User?.Arn).toBe(`arn:aws-us-gov:iam::${ACCOUNT}:user/chen`);
    } finally {
      china.destroy();
      ningxia.destroy();
      gov.destroy();
    }
  });

  it('refuses in aws an access key and session credentials aws-cn issued', async () => {
    const china = iamIn('cn-north-1');
    try {
      await china.send(new CreateUserCommand({ UserName: 'sun' }));
      const { AccessKey } = await china.send(new CreateAccessKeyCommand({ UserName: 'sun' }));
      const keyId = AccessKey?.AccessKeyId as string;
      const chinaSts = stsIn('cn-north-1', keyId);
      const { Credentials } = await chinaSts.send(new GetSessionTokenCommand({}));
      chinaSts.destroy();

      for (const key of [keyId, Credentials?.AccessKeyId as string]) {
        const elsewhere = em.stsAs(key);
        expect(await failure(elsewhere.send(new GetCallerIdentityCommand({})))).toEqual({
          name: 'InvalidClientTokenId',
          status: 403,
          message: 'The security token included in the request is invalid.',
        });
        elsewhere.destroy();
      }
    } finally {
      china.destroy();
    }
  });

  it('assumes no role across partitions, nor trusts another partition’s account ARN', async () => {
    await em.iam.send(
      new CreateRoleCommand({ RoleName: 'admin', AssumeRolePolicyDocument: mfaTrust('aws') }),
    );
    const china = iamIn('cn-north-1');
    try {
      await china.send(
        new CreateRoleCommand({ RoleName: 'admin', AssumeRolePolicyDocument: mfaTrust('aws') }),
      );
      await china.send(new CreateUserCommand({ UserName: 'he' }));
      const { AccessKey } = await china.send(new CreateAccessKeyCommand({ UserName: 'he' }));
      const he = stsIn('cn-north-1', AccessKey?.AccessKeyId);
      const caller = `arn:aws-cn:iam::${ACCOUNT}:user/he`;
      for (const RoleArn of [
        `arn:aws:iam::${ACCOUNT}:role/admin`,
        `arn:aws-cn:iam::${ACCOUNT}:role/admin`,
      ]) {
        expect(
          await failure(he.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'cli' }))),
        ).toEqual({
          name: 'AccessDenied',
          status: 403,
          message: `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${RoleArn}`,
        });
      }
      he.destroy();
    } finally {
      china.destroy();
    }
  });
});

describe('MFA device types by partition', () => {
  const spec = (kind: string) => ({ users: [{ name: `u-${kind}`, mfa: [kind] }] });

  it.each(['hardware', 'fido'])('refuses to seed a %s device in aws-cn', async (kind) => {
    await expect(em.control('POST', '/seed?partition=aws-cn', spec(kind))).rejects.toThrow(
      `seed: user u-${kind} has a ${kind} MFA device, which aws-cn does not support (only virtual)`,
    );
    expect(em.running.emulator.stateOf('aws-cn').users.size).toBe(0);
  });

  it('seeds virtual devices in aws-cn, and every type in GovCloud and aws', async () => {
    expect(await em.control('POST', '/seed?partition=aws-cn', spec('virtual'))).toEqual({
      users: 1,
      groups: 0,
      devices: 1,
    });
    for (const partition of ['aws-us-gov', 'aws']) {
      await em.control('POST', `/seed?partition=${partition}`, {
        users: [{ name: 'all', mfa: ['virtual', 'hardware', { kind: 'fido', name: 'key' }] }],
      });
      const user = em.running.emulator.stateOf(partition as Partition).users.get('all');
      expect(user?.mfaSerials).toEqual([
        `arn:${partition}:iam::${ACCOUNT}:mfa/all`,
        expect.stringMatching(/^GAHT\d{8}$/),
        `arn:${partition}:iam::${ACCOUNT}:u2f/user/all/key`,
      ]);
    }
  });

  it('has no hardware token to enable in aws-cn: the serial is NoSuchEntity (UNCONFIRMED)', async () => {
    const china = iamIn('cn-north-1');
    try {
      await china.send(new CreateUserCommand({ UserName: 'gao' }));
      expect(
        await failure(
          china.send(
            new EnableMFADeviceCommand({
              UserName: 'gao',
              SerialNumber: 'GAHT12345678',
              AuthenticationCode1: '123456',
              AuthenticationCode2: '654321',
            }),
          ),
        ),
      ).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
    } finally {
      china.destroy();
    }
  });
});

describe('the control API by partition', () => {
  it('reads one partition’s state and health with ?partition=, aws without', async () => {
    const china = iamIn('cn-north-1');
    await china.send(new CreateUserCommand({ UserName: 'lin' }));
    china.destroy();
    const cn = (await em.control('GET', '/state?partition=aws-cn')) as AccountStateJson;
    expect(cn.partition).toBe('aws-cn');
    expect(Object.keys(cn.users)).toEqual(['lin']);
    const aws = (await em.control('GET', '/state')) as AccountStateJson;
    expect(aws.partition).toBe('aws');
    expect(Object.keys(aws.users)).toEqual([]);
    expect(await em.control('GET', '/health?partition=aws-us-gov')).toEqual({
      ok: true,
      accountId: ACCOUNT,
    });
  });

  it('counts one partition’s calls with ?partition=, every call without', async () => {
    const china = stsIn('cn-north-1');
    await china.send(new GetCallerIdentityCommand({}));
    china.destroy();
    await em.sts.send(new GetCallerIdentityCommand({}));
    await em.sts.send(new GetCallerIdentityCommand({}));
    expect(await em.control('GET', '/calls?partition=aws-cn')).toEqual({
      total: 1,
      byAction: { GetCallerIdentity: 1 },
    });
    expect(await em.control('GET', '/calls?partition=aws')).toEqual({
      total: 2,
      byAction: { GetCallerIdentity: 2 },
    });
    expect(await em.control('GET', '/calls')).toEqual({
      total: 3,
      byAction: { GetCallerIdentity: 3 },
    });
    await em.control('DELETE', '/calls');
    expect(await em.control('GET', '/calls?partition=aws-cn')).toEqual({ total: 0, byAction: {} });
  });

  it('answers an unknown partition with a 400 naming the known ones', async () => {
    await expect(em.control('GET', '/state?partition=aws-iso')).rejects.toThrow(
      'unknown partition \\"aws-iso\\" (one of aws, aws-cn, aws-us-gov)',
    );
  });

  it('resets every partition', async () => {
    await em.control('POST', '/seed?partition=aws-cn', { users: [{ name: 'gone' }] });
    await em.control('POST', '/reset');
    const cn = (await em.control('GET', '/state?partition=aws-cn')) as AccountStateJson;
    expect(Object.keys(cn.users)).toEqual([]);
  });

  it('gives each partition its own account id when asked to', () => {
    const emulator = new Emulator({
      accountId: '111111111111',
      accountIds: { 'aws-cn': '222222222222' },
    });
    emulator.seed({ users: [{ name: 'a' }] }, 'aws-cn');
    expect(emulator.state.accountId).toBe('111111111111');
    expect(emulator.stateOf('aws-us-gov').accountId).toBe('111111111111');
    expect(emulator.stateOf('aws-cn').users.get('a')?.arn).toBe(
      'arn:aws-cn:iam::222222222222:user/a',
    );
    expect(() => {
      emulator.state = createAccountState('333333333333', new Date(), 'aws-cn');
    }).toThrow("emulator.state is aws's, not aws-cn's");
  });
});

describe('the state file with several partitions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-partitions-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads every partition; the aws account stays at the top of the file', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startEmulator({ stateFile });
    try {
      const aws = iamIn('us-east-1', ROOT_KEY, first.url);
      const china = iamIn('cn-north-1', ROOT_KEY, first.url);
      await aws.send(new CreateUserCommand({ UserName: 'alice' }));
      await china.send(new CreateUserCommand({ UserName: 'bai' }));
      aws.destroy();
      china.destroy();
      await first.emulator.save();
    } finally {
      await first.stop();
    }
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as AccountStateJson & {
      partitions: Record<string, AccountStateJson>;
    };
    expect(Object.keys(saved.users)).toEqual(['alice']);
    expect(Object.keys(saved.partitions)).toEqual(['aws-cn']);

    const second = await startEmulator({ stateFile, loadState: true });
    try {
      const aws = iamIn('us-east-1', ROOT_KEY, second.url);
      const china = iamIn('cn-northwest-1', ROOT_KEY, second.url);
      expect((await aws.send(new GetUserCommand({ UserName: 'alice' }))).User?.Arn).toBe(
        `arn:aws:iam::${ACCOUNT}:user/alice`,
      );
      expect((await china.send(new GetUserCommand({ UserName: 'bai' }))).User?.Arn).toBe(
        `arn:aws-cn:iam::${ACCOUNT}:user/bai`,
      );
      expect(await failure(aws.send(new GetUserCommand({ UserName: 'bai' })))).toMatchObject({
        name: 'NoSuchEntityException',
      });
      aws.destroy();
      china.destroy();
    } finally {
      await second.stop();
    }
  });

  it('loads a single-account file from before partitions as the aws account', async () => {
    const stateFile = join(dir, 'old.json');
    const emulator = new Emulator({ stateFile });
    emulator.seed({ users: [{ name: 'stale' }] }, 'aws-cn');
    emulator.seed({ users: [{ name: 'older' }] });
    await writeFile(
      stateFile,
      JSON.stringify({ ...stateToJson(emulator.state), partition: undefined }),
    );
    await emulator.load();
    expect(emulator.partitions()).toEqual(['aws']);
    expect(emulator.state.partition).toBe('aws');
    expect([...emulator.state.users.keys()]).toEqual(['older']);
    expect(emulator.stateOf('aws-cn').users.size).toBe(0);
  });
});

// A second client's view (as in boto3.test.ts): botocore signs for the client's region too, so
// the emulator gives it the same partitions. Skipped where boto3 is missing.
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const BOTO3_SCRIPT = `
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
url = sys.argv[1]
config = Config(retries={"max_attempts": 1, "mode": "standard"})
client = lambda service, region: boto3.client(service, endpoint_url=url, region_name=region, config=config)
out = {}
for region in ["cn-north-1", "us-gov-west-1"]:
    iam, sts = client("iam", region), client("sts", region)
    out[region] = {
        "user": iam.create_user(UserName="boto3-p")["User"]["Arn"],
        "device": iam.create_virtual_mfa_device(VirtualMFADeviceName="boto3-p")["VirtualMFADevice"]["SerialNumber"],
        "caller": sts.get_caller_identity()["Arn"],
    }
try:
    client("iam", "us-east-1").get_user(UserName="boto3-p")
    out["us-east-1"] = "found"
except ClientError as e:
    out["us-east-1"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;

describe('boto3 in the China and GovCloud partitions', () => {
  it.skipIf(!hasBoto3)('gets the same partitioned ARNs and the same isolation', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const { stdout } = await promisify(execFile)('python3', ['-c', BOTO3_SCRIPT, em.url], { env });
    const arns = (partition: string) => ({
      user: `arn:${partition}:iam::${ACCOUNT}:user/boto3-p`,
      device: `arn:${partition}:iam::${ACCOUNT}:mfa/boto3-p`,
      caller: `arn:${partition}:iam::${ACCOUNT}:root`,
    });
    expect(JSON.parse(stdout)).toEqual({
      'cn-north-1': arns('aws-cn'),
      'us-gov-west-1': arns('aws-us-gov'),
      'us-east-1': 'NoSuchEntity',
    });
  });
});
