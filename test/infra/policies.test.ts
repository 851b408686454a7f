// The packaged template's policies, evaluated by an IAM policy simulator
// (@cloud-copilot/iam-simulate): the force-MFA group's policy for employees with and without
// MFA, and each function's role (identity policy + permissions boundary) against the
// escalation actions of SECURITY.md and requests just outside its scope.

import { beforeAll, describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { resolver } from './support/cfn.ts';
import { packagedStack } from './support/packaged-stack.ts';
import { ACCOUNT_ID, ADMINISTRATOR_ACCESS, decide, type Principal } from './support/simulate.ts';

const iam = (resource: string) => `arn:aws:iam::${ACCOUNT_ID}:${resource}`;
const TANAKA = iam('user/staff/tanaka');
const OTHER_USER = iam('user/staff/sato');
const OUTSIDE_PATH = iam('user/contractors/suzuki');
const ROOT_PATH_USER = iam('user/yamada');
const GROUP = iam('group/force-mfa');
const OTHER_GROUP = iam('group/Admins');
const OWN_DEVICE = iam('mfa/mfa-onboarding/onboarding-tanaka');
const ROLE = iam('role/mfa-onboarding/SomeRole');
const POLICY = iam('policy/SomePolicy');
const tagRequest = (key: string) => ({
  'aws:TagKeys': [key],
  [`aws:RequestTag/${key}`]: 'v1.x',
});

let forceMfaPolicy: unknown;
let boundary: unknown;
let rolePolicy: Record<'OnboardingRole' | 'AdminRole', unknown>;

beforeAll(async () => {
  const { template } = await packagedStack();
  const { resolve } = resolver(template);
  const document = (resource: string) =>
    resolve(template.Resources[resource]?.Properties.PolicyDocument);
  const inline = (role: string) =>
    resolve(template.Resources[role]?.Properties.Policies[0].PolicyDocument);
  forceMfaPolicy = document('ForceMfaPolicy');
  boundary = document('FunctionPermissionsBoundary');
  rolePolicy = { OnboardingRole: inline('OnboardingRole'), AdminRole: inline('AdminRole') };
}, 300_000);

describe('the force-MFA policy', () => {
  // An employee whose job policy allows a lot, in the force-MFA group.
  const employee = (mfa: 'with MFA' | 'without MFA' | 'with long-term keys'): Principal => ({
    arn: TANAKA,
    identityPolicies: [forceMfaPolicy, ADMINISTRATOR_ACCESS],
    context: {
      'aws:username': 'tanaka',
      ...(mfa === 'with long-term keys'
        ? {} // requests signed with access keys carry no aws:MultiFactorAuthPresent
        : { 'aws:MultiFactorAuthPresent': mfa === 'with MFA' ? 'true' : 'false' }),
    },
  });
  const groupOnly = (mfa: boolean, arn = TANAKA, username = 'tanaka'): Principal => ({
    arn,
    identityPolicies: [forceMfaPolicy],
    context: { 'aws:username': username, 'aws:MultiFactorAuthPresent': String(mfa) },
  });

  const SELF_SERVICE = [
    { action: 'iam:CreateVirtualMFADevice', resource: iam('mfa/tanaka-phone') },
    { action: 'iam:EnableMFADevice', resource: TANAKA },
    { action: 'iam:ListMFADevices', resource: TANAKA },
    { action: 'iam:ResyncMFADevice', resource: TANAKA },
    { action: 'iam:GetUser', resource: TANAKA },
    { action: 'iam:ChangePassword', resource: TANAKA },
    { action: 'iam:GetAccountPasswordPolicy', resource: '*' },
    { action: 'iam:ListVirtualMFADevices', resource: '*' },
    { action: 'sts:GetSessionToken', resource: '*' },
  ];
  const EVERYTHING_ELSE = [
    { action: 's3:ListAllMyBuckets', resource: '*' },
    { action: 'iam:ListUsers', resource: '*' },
    { action: 'ec2:DescribeInstances', resource: '*' },
    { action: 'iam:CreateAccessKey', resource: TANAKA },
    { action: 'iam:DeactivateMFADevice', resource: TANAKA },
    { action: 'iam:DeleteVirtualMFADevice', resource: iam('mfa/tanaka-phone') },
    { action: 'sts:AssumeRole', resource: iam('role/Admin') },
  ];

  for (const mfa of ['without MFA', 'with long-term keys'] as const) {
    it.each(SELF_SERVICE)(`allows $action ${mfa}`, async (request) => {
      expect(await decide(employee(mfa), request)).toBe('Allowed');
    });
    it.each(EVERYTHING_ELSE)(`denies $action ${mfa}`, async (request) => {
      expect(await decide(employee(mfa), request)).toBe('ExplicitlyDenied');
    });
  }

  it.each([...SELF_SERVICE, ...EVERYTHING_ELSE])('allows $action with MFA', async (request) => {
    expect(await decide(employee('with MFA'), request)).toBe('Allowed');
  });

  it('lets an employee manage only their own MFA device, whatever their IAM path', async () => {
    for (const user of [TANAKA, ROOT_PATH_USER]) {
      const name = user.split('/').pop() ?? '';
      expect(
        await decide(groupOnly(false, user, name), {
          action: 'iam:EnableMFADevice',
          resource: user,
        }),
      ).toBe('Allowed');
      expect(
        await decide(groupOnly(false, user, name), {
          action: 'iam:ChangePassword',
          resource: user,
        }),
      ).toBe('Allowed');
    }
    for (const action of ['iam:EnableMFADevice', 'iam:ResyncMFADevice', 'iam:ChangePassword']) {
      for (const other of [OTHER_USER, iam('user/tanaka-other'), iam('user/staff/xtanaka')]) {
        expect(await decide(groupOnly(false), { action, resource: other })).toBe(
          'ImplicitlyDenied',
        );
      }
    }
  });

  it("lets an employee deactivate their own device only with MFA, and never another user's", async () => {
    const own = { action: 'iam:DeactivateMFADevice', resource: TANAKA };
    expect(await decide(groupOnly(false), own)).toBe('ExplicitlyDenied');
    expect(await decide(groupOnly(true), own)).toBe('Allowed');
    expect(
      await decide(groupOnly(true), { action: 'iam:DeactivateMFADevice', resource: OTHER_USER }),
    ).toBe('ImplicitlyDenied');
  });
});

describe.each([
  ['OnboardingRole', 'onboarding'],
  ['AdminRole', 'admin'],
] as const)('%s (identity policy + permissions boundary)', (role, fn) => {
  const principal = (extra: unknown[] = []): Principal => ({
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role}/mfa-onboarding-dev-${fn}`,
    identityPolicies: [rolePolicy[role], ...extra],
    permissionsBoundary: boundary,
  });

  const NEVER = [
    { action: 'iam:CreateAccessKey', resource: TANAKA },
    { action: 'iam:UpdateAccessKey', resource: TANAKA },
    { action: 'iam:CreateLoginProfile', resource: TANAKA },
    { action: 'iam:UpdateLoginProfile', resource: TANAKA },
    { action: 'iam:AttachUserPolicy', resource: TANAKA },
    { action: 'iam:AttachGroupPolicy', resource: GROUP },
    { action: 'iam:AttachRolePolicy', resource: ROLE },
    { action: 'iam:PutUserPolicy', resource: TANAKA },
    { action: 'iam:PutGroupPolicy', resource: GROUP },
    { action: 'iam:PutRolePolicy', resource: ROLE },
    { action: 'iam:PutRolePermissionsBoundary', resource: ROLE },
    { action: 'iam:DeleteUserPolicy', resource: TANAKA },
    { action: 'iam:DeleteGroupPolicy', resource: GROUP },
    { action: 'iam:DeleteRolePolicy', resource: ROLE },
    { action: 'iam:DeletePolicy', resource: POLICY },
    { action: 'iam:DeleteRolePermissionsBoundary', resource: ROLE },
    { action: 'iam:DetachGroupPolicy', resource: GROUP },
    { action: 'iam:CreatePolicyVersion', resource: POLICY },
    { action: 'iam:SetDefaultPolicyVersion', resource: POLICY },
    { action: 'iam:PassRole', resource: ROLE },
    { action: 'iam:UpdateUser', resource: TANAKA },
    { action: 'iam:UpdateAssumeRolePolicy', resource: ROLE },
    { action: 'iam:DeactivateMFADevice', resource: TANAKA },
    { action: 'iam:RemoveUserFromGroup', resource: GROUP },
    { action: 'iam:AddUserToGroup', resource: OTHER_GROUP },
  ];

  it.each(NEVER)('is denied $action', async (request) => {
    expect(await decide(principal(), request)).not.toBe('Allowed');
  });

  it.each(NEVER)(
    'is denied $action even if AdministratorAccess is attached later',
    async (request) => {
      expect(await decide(principal([ADMINISTRATOR_ACCESS]), request)).toBe('ExplicitlyDenied');
    },
  );

  it.each([
    ['EnableMFADevice on a user outside the path', 'iam:EnableMFADevice', OUTSIDE_PATH, {}],
    [
      'CreateVirtualMFADevice outside its MFA path',
      'iam:CreateVirtualMFADevice',
      iam('mfa/tanaka'),
      {},
    ],
    [
      'DeleteVirtualMFADevice outside its MFA path',
      'iam:DeleteVirtualMFADevice',
      iam('mfa/other/device'),
      {},
    ],
    ['TagUser with another tag key', 'iam:TagUser', TANAKA, tagRequest('Department')],
    [
      'TagUser with the invitation key and another',
      'iam:TagUser',
      TANAKA,
      {
        'aws:TagKeys': [INVITATION_TAG_KEY, 'Department'],
      },
    ],
    ['UntagUser with another tag key', 'iam:UntagUser', TANAKA, { 'aws:TagKeys': ['Department'] }],
    [
      'TagUser on a user outside the path',
      'iam:TagUser',
      OUTSIDE_PATH,
      tagRequest(INVITATION_TAG_KEY),
    ],
    [
      'UntagUser on a user outside the path',
      'iam:UntagUser',
      OUTSIDE_PATH,
      {
        'aws:TagKeys': [INVITATION_TAG_KEY],
      },
    ],
    ['AddUserToGroup on another group', 'iam:AddUserToGroup', OTHER_GROUP, {}],
    ['GetGroup on another group', 'iam:GetGroup', OTHER_GROUP, {}],
    [
      'PutLogEvents to another log group',
      'logs:PutLogEvents',
      `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/other:log-stream:x`,
      {},
    ],
  ])('is denied %s', async (_, action, resource, context) => {
    expect(await decide(principal(), { action, resource, context })).not.toBe('Allowed');
  });

  it('may tag and untag users under the path with the invitation tag only', async () => {
    expect(
      await decide(principal(), {
        action: 'iam:TagUser',
        resource: TANAKA,
        context: tagRequest(INVITATION_TAG_KEY),
      }),
    ).toBe('Allowed');
    expect(
      await decide(principal(), {
        action: 'iam:UntagUser',
        resource: TANAKA,
        context: { 'aws:TagKeys': [INVITATION_TAG_KEY] },
      }),
    ).toBe('Allowed');
  });

  it('may write to its own log group', async () => {
    const stream = `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/mfa-onboarding-dev-${fn}:log-stream:2026/01/01/[$LATEST]abc`;
    expect(await decide(principal(), { action: 'logs:PutLogEvents', resource: stream })).toBe(
      'Allowed',
    );
  });
});

describe('OnboardingRole in scope', () => {
  const onboarding = (): Principal => ({
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/OnboardingRole/mfa-onboarding-dev-onboarding`,
    identityPolicies: [rolePolicy.OnboardingRole],
    permissionsBoundary: boundary,
  });

  it.each([
    ['iam:GetUser', TANAKA],
    ['iam:ListMFADevices', TANAKA],
    ['iam:ListGroupsForUser', TANAKA],
    ['iam:EnableMFADevice', TANAKA],
    ['iam:CreateVirtualMFADevice', OWN_DEVICE],
    ['iam:DeleteVirtualMFADevice', OWN_DEVICE],
    ['iam:AddUserToGroup', GROUP],
    ['iam:ListAccountAliases', '*'],
  ])('may %s on %s', async (action, resource) => {
    expect(await decide(onboarding(), { action, resource })).toBe('Allowed');
  });

  it.each([
    ['iam:GetUser', OUTSIDE_PATH],
    ['iam:ListUsers', '*'],
    ['iam:GetLoginProfile', TANAKA],
    ['iam:GenerateCredentialReport', '*'],
  ])('may not %s on %s', async (action, resource) => {
    expect(await decide(onboarding(), { action, resource })).not.toBe('Allowed');
  });
});

describe('AdminRole in scope', () => {
  const admin = (): Principal => ({
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AdminRole/mfa-onboarding-dev-admin`,
    identityPolicies: [rolePolicy.AdminRole],
    permissionsBoundary: boundary,
  });

  it.each([
    ['iam:ListUsers', '*'],
    ['iam:ListVirtualMFADevices', '*'],
    ['iam:GenerateCredentialReport', '*'],
    ['iam:GetCredentialReport', '*'],
    ['iam:ListAccountAliases', '*'],
    // The compliance report covers the whole account: reads are not limited to the path.
    ['iam:GetUser', OUTSIDE_PATH],
    ['iam:ListMFADevices', OUTSIDE_PATH],
    ['iam:GetLoginProfile', OUTSIDE_PATH],
    ['iam:ListGroupsForUser', TANAKA],
    ['iam:GetGroup', GROUP],
  ])('may %s on %s', async (action, resource) => {
    expect(await decide(admin(), { action, resource })).toBe('Allowed');
  });

  it.each([
    ['iam:EnableMFADevice', TANAKA],
    ['iam:CreateVirtualMFADevice', OWN_DEVICE],
    ['iam:DeleteVirtualMFADevice', OWN_DEVICE],
    ['iam:AddUserToGroup', GROUP],
  ])('may not %s on %s (enrollment is the onboarding function’s job)', async (action, resource) => {
    expect(await decide(admin(), { action, resource })).not.toBe('Allowed');
  });
});
