// Roles with MFA after enrollment (SWITCH_ROLES): the setting's checks, what the activation
// answers, and the handed-over ~/.aws/config block used for real: written to a file, loaded by
// the SDK's own shared-config loader, and AssumeRole with the new device's code against the
// emulator, in each partition. The emulator's partition follows the signing region, so an
// onboarding app configured for a China or GovCloud region works in that partition end to end.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../functions/config.ts';
import { parseSwitchRoles } from '../../functions/enrollment/switch-roles.ts';
import type { Partition } from '../../functions/partition.ts';
import { mfaTrustPolicy } from '../../local/demo-account.ts';
import { activate, createDevice, type EnrolledBody, json } from '../support/enrollment.ts';
import { type OnboardingFixture, useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes, currentCode } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';

describe('SWITCH_ROLES', () => {
  const arn = 'arn:aws:iam::210987654321:role/ops/Admin';

  it('defaults each label and profile from the role ARN', () => {
    expect(parseSwitchRoles(JSON.stringify([{ roleArn: arn }]), 'aws')).toEqual([
      {
        roleArn: arn,
        label: 'Admin @ 210987654321',
        profile: 'Admin-210987654321',
        switchRoleUrl:
          'https://signin.aws.amazon.com/switchrole?account=210987654321&roleName=ops%2FAdmin&displayName=Admin+%40+210987654321',
      },
    ]);
  });

  it('keeps a given label and profile', () => {
    const roles = [{ roleArn: arn, label: 'Production admin', profile: 'prod-admin' }];
    expect(parseSwitchRoles(JSON.stringify(roles), 'aws')).toEqual([
      {
        ...roles[0],
        switchRoleUrl:
          'https://signin.aws.amazon.com/switchrole?account=210987654321&roleName=ops%2FAdmin&displayName=Production+admin',
      },
    ]);
  });

  it('is empty when unset', () => {
    expect(loadConfig({}).switchRoles).toEqual([]);
  });

  it.each([
    ['not JSON', '[{', /JSON list/],
    ['not a list', '{"roleArn": "x"}', /JSON list/],
    ['an entry that is not an object', '["arn"]', /entry 0 must be an object/],
    ['a user ARN', '[{"roleArn": "arn:aws:iam::123456789012:user/tanaka"}]', /entry 0: roleArn/],
    [
      'a role of another partition',
      '[{"roleArn": "arn:aws-cn:iam::123456789012:role/A"}]',
      /partition aws-cn/,
    ],
    ['an unknown field', `[{"roleArn": "${arn}", "mfa": true}]`, /unknown field "mfa"/],
    ['an empty label', `[{"roleArn": "${arn}", "label": " "}]`, /label/],
    [
      'a label over 64 characters',
      `[{"roleArn": "${arn}", "label": "${'x'.repeat(65)}"}]`,
      /label/,
    ],
    ['a profile with a space', `[{"roleArn": "${arn}", "profile": "my admin"}]`, /profile/],
    [
      'two roles with one profile',
      `[{"roleArn": "${arn}", "profile": "a"}, {"roleArn": "arn:aws:iam::123456789012:role/B", "profile": "A"}]`,
      /two roles with the profile/,
    ],
  ])('refuses %s at cold start, naming the variable', (_, raw, message) => {
    const load = () => loadConfig({ SWITCH_ROLES: raw });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^SWITCH_ROLES /);
    expect(load).toThrow(message);
  });

  it("checks the roles' partition against the function's region", () => {
    const cn = '[{"roleArn": "arn:aws-cn:iam::123456789012:role/A"}]';
    expect(loadConfig({ AWS_REGION: 'cn-northwest-1', SWITCH_ROLES: cn }).switchRoles).toHaveLength(
      1,
    );
    expect(() => loadConfig({ AWS_REGION: 'us-east-1', SWITCH_ROLES: cn })).toThrow(
      /partition aws-cn/,
    );
  });
});

/** Each partition, with a region of it and its console domain. */
const PARTITIONS: { partition: Partition; region: string; signIn: string }[] = [
  { partition: 'aws', region: 'ap-northeast-1', signIn: 'signin.aws.amazon.com' },
  { partition: 'aws-cn', region: 'cn-northwest-1', signIn: 'signin.amazonaws.cn' },
  { partition: 'aws-us-gov', region: 'us-gov-west-1', signIn: 'signin.amazonaws-us-gov.com' },
];

describe.each(PARTITIONS)(
  'enrollment in $partition hands over the roles',
  ({ partition, region, signIn }) => {
    const builder = `arn:${partition}:iam::${ACCOUNT}:role/teams/Builder`;
    const auditor = `arn:${partition}:iam::${OTHER_ACCOUNT}:role/Auditor`;
    const f = useOnboarding({
      AWS_REGION: region,
      SWITCH_ROLES: JSON.stringify([
        { roleArn: builder, label: 'Builder', profile: 'dev' },
        { roleArn: auditor },
      ]),
    });

    it('answers with sign-in, switch-role links and a config block of that partition', async () => {
      const { iam } = await accountIn(f, region, partition);
      const emulator = f.emulator.running.emulator;
      emulator.resetCalls();
      const { device, enrolled } = await enroll(f);
      // Every IAM call of the service went to the partition's IAM, none elsewhere.
      expect(emulator.callsIn(partition).snapshot().total).toBeGreaterThan(0);
      expect(emulator.callsIn(partition).snapshot()).toEqual(emulator.calls.snapshot());

      const serial = `arn:${partition}:iam::${ACCOUNT}:mfa/mfa-onboarding/onboarding-tanaka`;
      expect(device.serialNumber).toBe(serial);
      expect(enrolled.next).toEqual({
        consoleSignInUrl: `https://example-corp.${signIn}/console`,
        mfaSerialNumber: serial,
        cliCommand: `aws sts get-session-token --serial-number ${serial} --token-code <code>`,
        roles: [
          {
            roleArn: builder,
            label: 'Builder',
            profile: 'dev',
            switchRoleUrl: `https://${signIn}/switchrole?account=${ACCOUNT}&roleName=teams%2FBuilder&displayName=Builder`,
          },
          {
            roleArn: auditor,
            label: `Auditor @ ${OTHER_ACCOUNT}`,
            profile: `Auditor-${OTHER_ACCOUNT}`,
            switchRoleUrl: `https://${signIn}/switchrole?account=${OTHER_ACCOUNT}&roleName=Auditor&displayName=Auditor+%40+${OTHER_ACCOUNT}`,
          },
        ],
        awsConfig: [
          '[profile example-corp]',
          '# Your access keys: aws configure --profile example-corp',
          `region = ${region}`,
          '',
          '[profile dev]',
          `role_arn = ${builder}`,
          'source_profile = example-corp',
          `mfa_serial = ${serial}`,
          `region = ${region}`,
          '',
          `[profile Auditor-${OTHER_ACCOUNT}]`,
          `role_arn = ${auditor}`,
          'source_profile = example-corp',
          `mfa_serial = ${serial}`,
          `region = ${region}`,
          '',
        ].join('\n'),
      });
      iam.destroy();
    });

    it('gives a config block the SDK loads and assumes the role with, with the code and only with it', async () => {
      const { iam } = await accountIn(f, region, partition);
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'Builder',
          Path: '/teams/',
          AssumeRolePolicyDocument: JSON.stringify(mfaTrustPolicy(partition)),
        }),
      );
      const { device, enrolled } = await enroll(f);
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'tanaka' }));
      const files = await profileFiles(enrolled.next.awsConfig ?? '', {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      });
      try {
        const asked: string[] = [];
        // The next step's code: the two the page took are spent (IAM refuses a replayed code).
        const code = currentCode(device.secret, Date.now() + 30_000);
        const identity = await callerIdentity(f, region, files, async (serial) => {
          asked.push(serial);
          return code;
        });
        expect(asked).toEqual([device.serialNumber]);
        expect(identity.Arn).toMatch(
          new RegExp(`^arn:${partition}:sts::${ACCOUNT}:assumed-role/Builder/.+`),
        );

        // A wrong code, and the same profile without its mfa_serial: the trust policy refuses.
        await expect(callerIdentity(f, region, files, async () => '000000')).rejects.toThrow(
          /MultiFactorAuthentication failed|not authorized/,
        );
        await writeFile(
          files.config,
          (enrolled.next.awsConfig ?? '').replace(/^mfa_serial = .*$/gm, ''),
        );
        await expect(callerIdentity(f, region, files, async () => code)).rejects.toThrow(
          /is not authorized to perform: sts:AssumeRole/,
        );
      } finally {
        await rm(files.dir, { recursive: true, force: true });
        iam.destroy();
      }
    });
  },
);

/**
 * The account of the test, made through the SDK signed for the region, so it lives in that
 * region's partition: the alias, the force-MFA group, and the user tanaka.
 */
async function accountIn(f: OnboardingFixture, region: string, partition: Partition) {
  const iam = new IAMClient({
    endpoint: f.emulator.url,
    region,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'emulator-secret' },
    maxAttempts: 1,
  });
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' })).catch(() => {});
  await iam.send(new CreateGroupCommand({ GroupName: 'force-mfa' })).catch(() => {});
  const { User } = await iam.send(new CreateUserCommand({ UserName: 'tanaka' }));
  expect(User?.Arn).toBe(`arn:${partition}:iam::${ACCOUNT}:user/tanaka`);
  return { iam };
}

async function enroll(f: OnboardingFixture) {
  const { token } = await f.issue('tanaka');
  const device = await createDevice(f, token);
  const res = await activate(f, token, {
    serialNumber: device.serialNumber,
    ...consecutiveCodes(device.secret),
  });
  expect(res.status).toBe(200);
  return { device, enrolled: await json<EnrolledBody>(res) };
}

/** The handed-over block as ~/.aws/config, and the user's keys as ~/.aws/credentials. */
async function profileFiles(
  awsConfig: string,
  keys: { accessKeyId: string; secretAccessKey: string },
) {
  const dir = await mkdtemp(join(tmpdir(), 'aws-config-'));
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  await writeFile(config, awsConfig);
  await writeFile(
    credentials,
    `[example-corp]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
  );
  return { dir, config, credentials };
}

/** Who the `dev` profile is, as the SDK resolves it from the files. */
async function callerIdentity(
  f: OnboardingFixture,
  region: string,
  files: { config: string; credentials: string },
  mfaCodeProvider: (serial: string) => Promise<string>,
) {
  const sts = new STSClient({
    endpoint: f.emulator.url,
    region,
    maxAttempts: 1,
    credentials: fromIni({
      profile: 'dev',
      configFilepath: files.config,
      filepath: files.credentials,
      mfaCodeProvider,
      ignoreCache: true,
      clientConfig: { endpoint: f.emulator.url, maxAttempts: 1 },
    }),
  });
  try {
    return await sts.send(new GetCallerIdentityCommand({}));
  } finally {
    sts.destroy();
  }
}
