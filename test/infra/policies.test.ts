// The packaged template's policies, evaluated by an IAM policy simulator
// (@cloud-copilot/iam-simulate): the force-MFA group's policy for employees with and without
// MFA, and each function's role (onboarding, admin, sweeper, reminders: identity policy + permissions
// boundary) against the escalation actions of docs/security.md §7, the service's tag keys and
// keys just outside them, and requests just outside each role's scope.

import { beforeAll, describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { ESCALATION_ACTIONS, FUNCTION_TAG_KEY } from '../../infra/role-policies.ts';
import { resolver, TEST_DEPLOYMENT } from './support/cfn.ts';
import { packagedStack } from './support/packaged-stack.ts';
import { ACCOUNT_ID, ADMINISTRATOR_ACCESS, decide, type Principal } from './support/simulate.ts';

const iam = (resource: string) => `arn:aws:iam::${ACCOUNT_ID}:${resource}`;
const TANAKA = iam('user/staff/tanaka');
const OTHER_USER = iam('user/staff/sato');
const OUTSIDE_PATH = iam('user/contractors/suzuki');
const ROOT_PATH_USER = iam('user/yamada');
const GROUP = iam('group/force-mfa');
const OTHER_GROUP = iam('group/Admins');
/** The force-MFA group's name under another path: another group. */
const GROUP_ELSEWHERE = iam('group/other/force-mfa');
const OWN_DEVICE = iam('mfa/mfa-onboarding/onboarding-tanaka');
const OTHER_DEVICE = iam('mfa/tanaka');
const ROLE = iam('role/mfa-onboarding/SomeRole');
const POLICY = iam('policy/SomePolicy');
const logStream = (fn: string) =>
  `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/mfa-onboarding-dev-${fn}:log-stream:2026/01/01/[$LATEST]abc`;
const ATTEMPT_TAG_KEY = 'mfa-onboarding:attempt:abc:def';
// SES identities (docs/ses-facts.md): the sender is verified as an address, or by its domain.
const SENDER = TEST_DEPLOYMENT.parameters.SenderEmail as string;
const ses = (resource: string) => `arn:aws:ses:us-east-1:${ACCOUNT_ID}:${resource}`;
const SENDER_IDENTITY = ses(`identity/${SENDER}`);
const SENDER_DOMAIN_IDENTITY = ses('identity/mail.example.com');
const OTHER_IDENTITY = ses('identity/other.example.com');
/** SendEmail's request context: the From address. */
const from = (address: string) => ({ 'ses:FromAddress': address });
/** TagUser's request context: the keys, and each tag's value. */
const tagRequest = (...keys: string[]) => ({
  'aws:TagKeys': keys,
  ...Object.fromEntries(keys.map((key) => [`aws:RequestTag/${key}`, 'v1.x'])),
});
/** UntagUser's request context: the keys only. */
const untagRequest = (...keys: string[]) => ({ 'aws:TagKeys': keys });
const tagContext = (action: string, keys: string[]) =>
  action === 'iam:TagUser' ? tagRequest(...keys) : untagRequest(...keys);

type RoleName = 'OnboardingRole' | 'AdminRole' | 'SweeperRole' | 'RemindersRole';
const ROLES = [
  ['OnboardingRole', 'onboarding'],
  ['AdminRole', 'admin'],
  ['SweeperRole', 'sweeper'],
  ['RemindersRole', 'reminders'],
] as const;
/** The functions' roles, as cloudformation.ts names them (path /mfa-onboarding/). */
const roleResource = (name: string) => iam(`role/mfa-onboarding/${name}`);
const REMINDERS_ROLE = roleResource('RemindersRole');
/** The reminders run's own keys on its role (functions/reminders/ledger.ts). */
const LEASE_KEY = 'mfa-onboarding:reminders:run:0123456789ab';
const DIGEST_KEY = 'mfa-onboarding:reminders:digest';

let forceMfaPolicy: unknown;
let boundary: unknown;
let rolePolicy: Record<RoleName, unknown>;
/** The reminders role's second policy: its own role's tags (a resource of its own). */
let ownRoleTagsPolicy: unknown;

const roleArn = (role: RoleName, fn: string) =>
  `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role}/mfa-onboarding-dev-${fn}`;
/** A function's session: its role's tag naming the function is in every request's context. */
const rolePrincipal = (role: RoleName, fn: string, extra: unknown[] = []): Principal => ({
  arn: roleArn(role, fn),
  identityPolicies: [
    rolePolicy[role],
    ...(role === 'RemindersRole' ? [ownRoleTagsPolicy] : []),
    ...extra,
  ],
  permissionsBoundary: boundary,
  context: { [`aws:PrincipalTag/${FUNCTION_TAG_KEY}`]: fn },
});

beforeAll(async () => {
  const { template } = await packagedStack();
  const { resolve } = resolver(template);
  const document = (resource: string) =>
    resolve(template.Resources[resource]?.Properties.PolicyDocument);
  const inline = (role: string) =>
    resolve(template.Resources[role]?.Properties.Policies[0].PolicyDocument);
  forceMfaPolicy = document('ForceMfaPolicy');
  boundary = document('FunctionPermissionsBoundary');
  rolePolicy = {
    OnboardingRole: inline('OnboardingRole'),
    AdminRole: inline('AdminRole'),
    SweeperRole: inline('SweeperRole'),
    RemindersRole: inline('RemindersRole'),
  };
  ownRoleTagsPolicy = document('RemindersOwnRoleTagsPolicy');
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

  it('lets a CLI role profile (access keys, with the code sent in AssumeRole) assume a role, and not without the code', async () => {
    // The request context of AssumeRole with SerialNumber and TokenCode has
    // aws:MultiFactorAuthPresent true although the keys are long-term (docs/iam-facts.md).
    const assume = { action: 'sts:AssumeRole', resource: iam('role/Developer') };
    const withCode = { ...assume, context: { 'aws:MultiFactorAuthPresent': 'true' } };
    expect(await decide(employee('with long-term keys'), withCode)).toBe('Allowed');
    expect(await decide(employee('with long-term keys'), assume)).toBe('ExplicitlyDenied');
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

describe('the force-MFA policy in another partition', () => {
  it.each([
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
  ])(
    'in %s, lets an employee set up only their own device until they use MFA',
    async (partition, region) => {
      const { template } = await packagedStack();
      const policy = resolver(template, { ...TEST_DEPLOYMENT, region, partition }).resolve(
        template.Resources.ForceMfaPolicy?.Properties.PolicyDocument,
      );
      const arn = (resource: string) => `arn:${partition}:iam::${ACCOUNT_ID}:${resource}`;
      const employee = (mfa: boolean): Principal => ({
        arn: arn('user/staff/tanaka'),
        identityPolicies: [policy, ADMINISTRATOR_ACCESS],
        context: { 'aws:username': 'tanaka', 'aws:MultiFactorAuthPresent': String(mfa) },
      });
      const groupOnly: Principal = { ...employee(false), identityPolicies: [policy] };
      const own = { action: 'iam:EnableMFADevice', resource: arn('user/staff/tanaka') };
      const create = {
        action: 'iam:CreateVirtualMFADevice',
        resource: arn('mfa/onboarding-tanaka'),
      };
      expect(await decide(groupOnly, own)).toBe('Allowed');
      expect(await decide(groupOnly, create)).toBe('Allowed');
      expect(
        await decide(groupOnly, {
          action: 'iam:EnableMFADevice',
          resource: arn('user/staff/sato'),
        }),
      ).toBe('ImplicitlyDenied');
      const other = { action: 's3:ListAllMyBuckets', resource: '*' };
      expect(await decide(employee(false), other)).toBe('ExplicitlyDenied');
      expect(await decide(employee(true), other)).toBe('Allowed');
    },
  );
});

/** Concrete requests for every pattern of ESCALATION_ACTIONS (checked below), and more. */
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
  { action: 'iam:DeletePolicyVersion', resource: POLICY },
  { action: 'iam:DeleteRolePermissionsBoundary', resource: ROLE },
  { action: 'iam:DetachGroupPolicy', resource: GROUP },
  { action: 'iam:CreatePolicy', resource: POLICY },
  { action: 'iam:CreatePolicyVersion', resource: POLICY },
  { action: 'iam:SetDefaultPolicyVersion', resource: POLICY },
  { action: 'iam:PassRole', resource: ROLE },
  { action: 'iam:UpdateUser', resource: TANAKA },
  { action: 'iam:UpdateAssumeRolePolicy', resource: ROLE },
  // Outside the path, DeactivateMFADevice is denied to every role (the admin's reset included);
  // under it, to every role but the admin (below).
  { action: 'iam:DeactivateMFADevice', resource: OUTSIDE_PATH },
  { action: 'iam:DeactivateMFADevice', resource: ROOT_PATH_USER },
  { action: 'iam:RemoveUserFromGroup', resource: GROUP },
  { action: 'iam:AddUserToGroup', resource: OTHER_GROUP },
];

/** Whether an IAM action pattern (`iam:Attach*`) covers an action. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i').test(action);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the escalation requests tested on every role', () => {
  it.each(ESCALATION_ACTIONS)('include one that %s covers', (pattern) => {
    expect(NEVER.filter(({ action }) => covers(pattern, action))).not.toEqual([]);
  });
});

describe.each(ROLES)('%s (identity policy + permissions boundary)', (role, fn) => {
  const principal = (extra: unknown[] = []) => rolePrincipal(role, fn, extra);

  it.each(NEVER)('is denied $action', async (request) => {
    expect(await decide(principal(), request)).not.toBe('Allowed');
  });

  it.each(NEVER)(
    'is denied $action even if AdministratorAccess is attached later',
    async (request) => {
      expect(await decide(principal([ADMINISTRATOR_ACCESS]), request)).toBe('ExplicitlyDenied');
    },
  );

  it.each<[string, string, string, Record<string, string | string[]>]>([
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
    [
      'DeleteVirtualMFADevice at the root MFA path',
      'iam:DeleteVirtualMFADevice',
      iam('mfa/tanaka'),
      {},
    ],
    [
      'DeleteVirtualMFADevice under a path that only starts like its own',
      'iam:DeleteVirtualMFADevice',
      iam('mfa/mfa-onboarding-other/onboarding-tanaka'),
      {},
    ],
    [
      'TagUser on a user outside the path',
      'iam:TagUser',
      OUTSIDE_PATH,
      tagRequest(INVITATION_TAG_KEY),
    ],
    [
      'TagUser on a user at the root path',
      'iam:TagUser',
      ROOT_PATH_USER,
      tagRequest(ATTEMPT_TAG_KEY),
    ],
    [
      'UntagUser on a user outside the path',
      'iam:UntagUser',
      OUTSIDE_PATH,
      untagRequest(INVITATION_TAG_KEY),
    ],
    [
      'UntagUser on a user at the root path',
      'iam:UntagUser',
      ROOT_PATH_USER,
      untagRequest(ATTEMPT_TAG_KEY),
    ],
    ['AddUserToGroup on another group', 'iam:AddUserToGroup', OTHER_GROUP, {}],
    ['GetGroup on another group', 'iam:GetGroup', OTHER_GROUP, {}],
    [
      'PutLogEvents to another log group',
      'logs:PutLogEvents',
      `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/other:log-stream:x`,
      {},
    ],
    ...ROLES.filter(([, other]) => other !== fn).map(
      ([, other]) =>
        [
          `PutLogEvents to the ${other} function's log group`,
          'logs:PutLogEvents',
          logStream(other),
          {},
        ] as [string, string, string, Record<string, string | string[]>],
    ),
  ])('is denied %s', async (_, action, resource, context) => {
    expect(await decide(principal(), { action, resource, context })).not.toBe('Allowed');
  });

  if (fn !== 'admin') {
    it('is denied DeactivateMFADevice on a user under the path, even if AdministratorAccess is attached later', async () => {
      const request = { action: 'iam:DeactivateMFADevice', resource: TANAKA };
      expect(await decide(principal(), request)).not.toBe('Allowed');
      expect(await decide(principal([ADMINISTRATOR_ACCESS]), request)).toBe('ExplicitlyDenied');
    });
  }

  it('may write to its own log group', async () => {
    expect(
      await decide(principal(), { action: 'logs:PutLogEvents', resource: logStream(fn) }),
    ).toBe('Allowed');
  });
});

/** The service's keys: the identity tag and an attempt tag, alone and together. */
const SERVICE_KEYS = [
  [INVITATION_TAG_KEY],
  [ATTEMPT_TAG_KEY],
  [INVITATION_TAG_KEY, ATTEMPT_TAG_KEY],
];
/**
 * Keys outside the prefix, alone or next to a service key. StringLike is case-sensitive, so a
 * key that differs from the prefix only in case is outside it: refused, which fails closed.
 */
const OTHER_KEYS = [
  ['email'],
  ['mfa-onboardingX'],
  ['mfa-onboarding'],
  ['mfa-onboarding-invitation'],
  ['Mfa-Onboarding:invitation'],
  ['MFA-ONBOARDING:attempt:abc:def'],
  ['xmfa-onboarding:invitation'],
  [INVITATION_TAG_KEY, 'email'],
  ['Department', ATTEMPT_TAG_KEY],
  [ATTEMPT_TAG_KEY, 'Mfa-Onboarding:invitation'],
];

describe.each<[RoleName, string, string[]]>([
  ['OnboardingRole', 'onboarding', ['iam:TagUser', 'iam:UntagUser']],
  ['AdminRole', 'admin', ['iam:TagUser', 'iam:UntagUser']],
  // The sweeper only removes stale attempt tags.
  ['SweeperRole', 'sweeper', ['iam:UntagUser']],
  ['RemindersRole', 'reminders', ['iam:TagUser', 'iam:UntagUser']],
])("%s and the service's tag keys", (role, fn, actions) => {
  const principal = (extra: unknown[] = []) => rolePrincipal(role, fn, extra);
  const cases = (keySets: string[][]) =>
    actions.flatMap((action) =>
      keySets.map((keys) => ({
        action,
        keys,
        label: keys.join(', '),
        context: tagContext(action, keys),
      })),
    );

  it.each(cases(SERVICE_KEYS))(
    'may $action [$label] on a user under the path',
    async ({ action, context }) => {
      expect(await decide(principal(), { action, resource: TANAKA, context })).toBe('Allowed');
    },
  );

  it.each(cases(OTHER_KEYS))('may not $action [$label]', async ({ action, context }) => {
    expect(await decide(principal(), { action, resource: TANAKA, context })).not.toBe('Allowed');
  });

  it.each(cases(OTHER_KEYS))(
    'is denied $action [$label] by the boundary even with AdministratorAccess attached',
    async ({ action, context }) => {
      expect(
        await decide(principal([ADMINISTRATOR_ACCESS]), { action, resource: TANAKA, context }),
      ).toBe('ExplicitlyDenied');
    },
  );

  it.each(actions)('may not %s without naming the keys', async (action) => {
    expect(await decide(principal(), { action, resource: TANAKA })).not.toBe('Allowed');
  });

  if (!actions.includes('iam:TagUser')) {
    it.each(cases(SERVICE_KEYS).filter(({ action }) => action === 'iam:UntagUser'))(
      'may not TagUser, even with [$label]',
      async ({ keys }) => {
        const context = tagRequest(...keys);
        expect(
          await decide(principal(), { action: 'iam:TagUser', resource: TANAKA, context }),
        ).not.toBe('Allowed');
      },
    );
  }
});

describe('OnboardingRole in scope', () => {
  const onboarding = () => rolePrincipal('OnboardingRole', 'onboarding');

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
    ['iam:GetAccountAuthorizationDetails', '*'],
    ['iam:GetLoginProfile', TANAKA],
    ['iam:GenerateCredentialReport', '*'],
  ])('may not %s on %s', async (action, resource) => {
    expect(await decide(onboarding(), { action, resource })).not.toBe('Allowed');
  });

  it('may not send mail, even from the sender and with AdministratorAccess attached', async () => {
    for (const principal of [
      onboarding(),
      rolePrincipal('OnboardingRole', 'onboarding', [ADMINISTRATOR_ACCESS]),
    ]) {
      const request = { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from(SENDER) };
      expect(await decide(principal, request)).not.toBe('Allowed');
    }
    const sweeperWithAdmin = rolePrincipal('SweeperRole', 'sweeper', [ADMINISTRATOR_ACCESS]);
    expect(
      await decide(sweeperWithAdmin, {
        action: 'ses:SendEmail',
        resource: SENDER_IDENTITY,
        context: from(SENDER),
      }),
    ).toBe('ExplicitlyDenied');
  });

  it('may tag its own device with its invitation, and no other key or device', async () => {
    const tag = (resource: string, key: string) =>
      decide(onboarding(), { action: 'iam:TagMFADevice', resource, context: tagRequest(key) });
    expect(await tag(OWN_DEVICE, 'mfa-onboarding:invitation')).toBe('Allowed');
    expect(await tag(OWN_DEVICE, 'email')).not.toBe('Allowed');
    expect(await tag(OTHER_DEVICE, 'mfa-onboarding:invitation')).not.toBe('Allowed');
    expect(
      await decide(onboarding(), { action: 'iam:TagMFADevice', resource: OWN_DEVICE }),
    ).not.toBe('Allowed');
  });
});

describe('AdminRole in scope', () => {
  const admin = (extra: unknown[] = []) => rolePrincipal('AdminRole', 'admin', extra);

  const MAY = [
    { action: 'iam:ListUsers', resource: '*' },
    { action: 'iam:GetAccountAuthorizationDetails', resource: '*' },
    { action: 'iam:ListVirtualMFADevices', resource: '*' },
    { action: 'iam:GenerateCredentialReport', resource: '*' },
    { action: 'iam:GetCredentialReport', resource: '*' },
    { action: 'iam:ListAccountAliases', resource: '*' },
    { action: 'iam:GetUser', resource: TANAKA },
    { action: 'iam:ListMFADevices', resource: TANAKA },
    { action: 'iam:GetLoginProfile', resource: TANAKA },
    { action: 'iam:ListGroupsForUser', resource: TANAKA },
    { action: 'iam:GetGroup', resource: GROUP },
    { action: 'iam:TagUser', resource: TANAKA, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:UntagUser', resource: TANAKA, context: untagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:DeleteVirtualMFADevice', resource: OWN_DEVICE },
    // MFA reset: any device of a user under the path (IAM authorizes it on the user).
    { action: 'iam:DeactivateMFADevice', resource: TANAKA },
    // Enforcement: the force-MFA group, and no other.
    { action: 'iam:AddUserToGroup', resource: GROUP },
    // Links by email: from the sender, through its identity (the address, or its domain).
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from(SENDER) },
    { action: 'ses:SendEmail', resource: SENDER_DOMAIN_IDENTITY, context: from(SENDER) },
    { action: 'logs:CreateLogStream', resource: logStream('admin') },
    { action: 'logs:PutLogEvents', resource: logStream('admin') },
  ];
  const MAY_NOT = [
    // Another address, even of the sender's verified domain; another identity; no From at all.
    {
      action: 'ses:SendEmail',
      resource: SENDER_DOMAIN_IDENTITY,
      context: from('ceo@mail.example.com'),
    },
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from('attacker@example.net') },
    { action: 'ses:SendEmail', resource: OTHER_IDENTITY, context: from(SENDER) },
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY },
    { action: 'iam:EnableMFADevice', resource: TANAKA },
    { action: 'iam:CreateVirtualMFADevice', resource: OWN_DEVICE },
    { action: 'iam:TagMFADevice', resource: OWN_DEVICE, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:ListMFADeviceTags', resource: OWN_DEVICE },
    { action: 'iam:AddUserToGroup', resource: OTHER_GROUP },
    { action: 'iam:AddUserToGroup', resource: GROUP_ELSEWHERE },
    { action: 'iam:AddUserToGroup', resource: iam('group/force-mfa-admins') },
    { action: 'iam:GetGroup', resource: OTHER_GROUP },
    { action: 'iam:DeleteVirtualMFADevice', resource: OTHER_DEVICE },
    { action: 'iam:TagUser', resource: OUTSIDE_PATH, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:DeactivateMFADevice', resource: OUTSIDE_PATH },
    { action: 'iam:DeactivateMFADevice', resource: ROOT_PATH_USER },
    // Role tags are the reminders function's alone, even on the admin's own role.
    { action: 'iam:ListRoleTags', resource: roleResource('AdminRole') },
    { action: 'iam:TagRole', resource: roleResource('AdminRole'), context: tagRequest(LEASE_KEY) },
    {
      action: 'iam:UntagRole',
      resource: roleResource('AdminRole'),
      context: untagRequest(LEASE_KEY),
    },
  ];

  it.each(MAY)('may $action on $resource', async (request) => {
    expect(await decide(admin(), request)).toBe('Allowed');
  });

  it.each(MAY_NOT)('may not $action on $resource', async (request) => {
    expect(await decide(admin(), request)).not.toBe('Allowed');
  });

  it('may send mail from the sender alone: the boundary says so, even with AdministratorAccess attached', async () => {
    const withAdmin = admin([ADMINISTRATOR_ACCESS]);
    const send = (resource: string, context: Record<string, string> = {}) => ({
      action: 'ses:SendEmail',
      resource,
      context,
    });
    expect(await decide(withAdmin, send(OTHER_IDENTITY, from(SENDER)))).toBe('Allowed');
    for (const address of ['ceo@mail.example.com', 'attacker@example.net', SENDER.toUpperCase()])
      expect(await decide(withAdmin, send(SENDER_IDENTITY, from(address))), address).toBe(
        'ExplicitlyDenied',
      );
    expect(await decide(withAdmin, send(SENDER_IDENTITY))).toBe('ExplicitlyDenied');
  });

  it('is denied AddUserToGroup on any other group by the boundary, even with AdministratorAccess attached', async () => {
    for (const resource of [OTHER_GROUP, GROUP_ELSEWHERE, iam('group/force-mfa-admins')]) {
      expect(
        await decide(admin([ADMINISTRATOR_ACCESS]), { action: 'iam:AddUserToGroup', resource }),
      ).toBe('ExplicitlyDenied');
    }
  });

  it('may DeactivateMFADevice only under the path and only as the admin function: the boundary says so, even with AdministratorAccess attached', async () => {
    const withAdmin = admin([ADMINISTRATOR_ACCESS]);
    const deactivate = (resource: string) => ({ action: 'iam:DeactivateMFADevice', resource });
    expect(await decide(withAdmin, deactivate(TANAKA))).toBe('Allowed');
    for (const resource of [OUTSIDE_PATH, ROOT_PATH_USER, iam('user/staffx/tanaka')]) {
      expect(await decide(withAdmin, deactivate(resource)), resource).toBe('ExplicitlyDenied');
    }
    // The admin role's own policy, in a session without the admin function's tag (or another's).
    for (const context of [
      {},
      { [`aws:PrincipalTag/${FUNCTION_TAG_KEY}`]: 'onboarding' },
    ] as Record<string, string>[]) {
      const untagged = { ...admin([ADMINISTRATOR_ACCESS]), context };
      expect(await decide(untagged, deactivate(TANAKA))).toBe('ExplicitlyDenied');
    }
  });

  it('is tested on every action the boundary allows, so enforcement added AddUserToGroup and nothing else', () => {
    const ceiling = (boundary as { Statement: { Sid: string; Action: string[] }[] }).Statement.find(
      (s) => s.Sid === 'CeilingOfWhatTheFunctionsUse',
    );
    const tested = new Set([...MAY, ...MAY_NOT].map((r) => r.action));
    expect([...tested].sort()).toEqual([...(ceiling?.Action ?? [])].sort());
    // What the admin role may do is exactly MAY's actions: the role's own statements say so.
    const statements = (rolePolicy.AdminRole as { Statement: { Action: string[] }[] }).Statement;
    expect([...new Set(statements.flatMap((s) => s.Action))].sort()).toEqual(
      [...new Set(MAY.map((r) => r.action))].sort(),
    );
  });

  it.each([
    ['iam:ListUsers', '*'],
    // Every user's tags and groups for the compliance report (it takes no resource).
    ['iam:GetAccountAuthorizationDetails', '*'],
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
    // Revoke and reissue delete the old link's device; IAM refuses to delete an assigned one.
    ['iam:DeleteVirtualMFADevice', OWN_DEVICE],
  ])('may %s on %s', async (action, resource) => {
    expect(await decide(admin(), { action, resource })).toBe('Allowed');
  });

  it.each([
    ['iam:EnableMFADevice', TANAKA],
    ['iam:CreateVirtualMFADevice', OWN_DEVICE],
  ])('may not %s on %s (enrollment is the onboarding function’s job)', async (action, resource) => {
    expect(await decide(admin(), { action, resource })).not.toBe('Allowed');
  });
});

describe('SweeperRole in scope', () => {
  const sweeper = (extra: unknown[] = []) => rolePrincipal('SweeperRole', 'sweeper', extra);

  const MAY = [
    { action: 'iam:ListVirtualMFADevices', resource: '*' },
    { action: 'iam:GetUser', resource: TANAKA },
    { action: 'iam:DeleteVirtualMFADevice', resource: OWN_DEVICE },
    { action: 'iam:ListMFADeviceTags', resource: OWN_DEVICE },
    { action: 'iam:UntagUser', resource: TANAKA, context: untagRequest(ATTEMPT_TAG_KEY) },
    { action: 'logs:CreateLogStream', resource: logStream('sweeper') },
    { action: 'logs:PutLogEvents', resource: logStream('sweeper') },
  ];
  const MAY_NOT = [
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from(SENDER) },
    { action: 'iam:TagUser', resource: TANAKA, context: tagRequest(ATTEMPT_TAG_KEY) },
    { action: 'iam:CreateVirtualMFADevice', resource: OWN_DEVICE },
    {
      action: 'iam:TagMFADevice',
      resource: OWN_DEVICE,
      context: tagRequest('mfa-onboarding:invitation'),
    },
    { action: 'iam:ListMFADeviceTags', resource: OTHER_DEVICE },
    { action: 'iam:EnableMFADevice', resource: TANAKA },
    { action: 'iam:AddUserToGroup', resource: GROUP },
    { action: 'iam:ListUsers', resource: '*' },
    { action: 'iam:GetAccountAuthorizationDetails', resource: '*' },
    { action: 'iam:ListMFADevices', resource: TANAKA },
    { action: 'iam:ListGroupsForUser', resource: TANAKA },
    { action: 'iam:GetLoginProfile', resource: TANAKA },
    { action: 'iam:GetGroup', resource: GROUP },
    { action: 'iam:GenerateCredentialReport', resource: '*' },
    { action: 'iam:GetCredentialReport', resource: '*' },
    { action: 'iam:ListAccountAliases', resource: '*' },
    { action: 'iam:GetUser', resource: OUTSIDE_PATH },
    { action: 'iam:GetUser', resource: ROOT_PATH_USER },
    { action: 'iam:DeactivateMFADevice', resource: TANAKA },
    // Role tags are the reminders function's alone, even on the sweeper's own role.
    { action: 'iam:ListRoleTags', resource: roleResource('SweeperRole') },
    {
      action: 'iam:TagRole',
      resource: roleResource('SweeperRole'),
      context: tagRequest(LEASE_KEY),
    },
    {
      action: 'iam:UntagRole',
      resource: roleResource('SweeperRole'),
      context: untagRequest(LEASE_KEY),
    },
  ];

  it.each(MAY)('may $action on $resource', async (request) => {
    expect(await decide(sweeper(), request)).toBe('Allowed');
  });

  it.each(MAY_NOT)('may not $action on $resource', async (request) => {
    expect(await decide(sweeper(), request)).not.toBe('Allowed');
  });

  it('is tested on every action the boundary allows, so it may do exactly its six things', () => {
    const ceiling = (boundary as { Statement: { Sid: string; Action: string[] }[] }).Statement.find(
      (s) => s.Sid === 'CeilingOfWhatTheFunctionsUse',
    );
    const tested = new Set([...MAY, ...MAY_NOT].map((r) => r.action));
    expect([...tested].sort()).toEqual([...(ceiling?.Action ?? [])].sort());
  });
});

describe('RemindersRole in scope', () => {
  const reminders = (extra: unknown[] = []) => rolePrincipal('RemindersRole', 'reminders', extra);

  const MAY = [
    // The scan's one read of the account, and the account label of the mail.
    { action: 'iam:ListUsers', resource: '*' },
    { action: 'iam:GetAccountAuthorizationDetails', resource: '*' },
    { action: 'iam:ListVirtualMFADevices', resource: '*' },
    { action: 'iam:GenerateCredentialReport', resource: '*' },
    { action: 'iam:GetCredentialReport', resource: '*' },
    { action: 'iam:ListAccountAliases', resource: '*' },
    { action: 'iam:GetGroup', resource: GROUP },
    // The scan's live checks, a renewal's re-read, taking a link back.
    { action: 'iam:GetUser', resource: TANAKA },
    { action: 'iam:ListMFADevices', resource: TANAKA },
    { action: 'iam:GetLoginProfile', resource: TANAKA },
    // Issue's three steps.
    { action: 'iam:TagUser', resource: TANAKA, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:UntagUser', resource: TANAKA, context: untagRequest(ATTEMPT_TAG_KEY) },
    { action: 'iam:DeleteVirtualMFADevice', resource: OWN_DEVICE },
    // The links, from the sender.
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from(SENDER) },
    { action: 'ses:SendEmail', resource: SENDER_DOMAIN_IDENTITY, context: from(SENDER) },
    // Its lease and digest day, on its own role.
    { action: 'iam:ListRoleTags', resource: REMINDERS_ROLE },
    { action: 'iam:TagRole', resource: REMINDERS_ROLE, context: tagRequest(LEASE_KEY, DIGEST_KEY) },
    { action: 'iam:UntagRole', resource: REMINDERS_ROLE, context: untagRequest(LEASE_KEY) },
    { action: 'logs:CreateLogStream', resource: logStream('reminders') },
    { action: 'logs:PutLogEvents', resource: logStream('reminders') },
  ];
  const MAY_NOT = [
    { action: 'iam:GetUser', resource: OUTSIDE_PATH },
    { action: 'iam:GetUser', resource: ROOT_PATH_USER },
    { action: 'iam:ListMFADevices', resource: OUTSIDE_PATH },
    { action: 'iam:ListGroupsForUser', resource: TANAKA },
    { action: 'iam:GetGroup', resource: OTHER_GROUP },
    { action: 'iam:TagUser', resource: OUTSIDE_PATH, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:CreateVirtualMFADevice', resource: OWN_DEVICE },
    { action: 'iam:DeleteVirtualMFADevice', resource: OTHER_DEVICE },
    { action: 'iam:TagMFADevice', resource: OWN_DEVICE, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:ListMFADeviceTags', resource: OWN_DEVICE },
    { action: 'iam:EnableMFADevice', resource: TANAKA },
    { action: 'iam:DeactivateMFADevice', resource: TANAKA },
    { action: 'iam:AddUserToGroup', resource: GROUP },
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY, context: from('attacker@example.net') },
    { action: 'ses:SendEmail', resource: OTHER_IDENTITY, context: from(SENDER) },
    { action: 'ses:SendEmail', resource: SENDER_IDENTITY },
    // Never the function tag (that would claim the admin's MFA reset), nor any other key...
    {
      action: 'iam:TagRole',
      resource: REMINDERS_ROLE,
      context: tagRequest(FUNCTION_TAG_KEY),
    },
    {
      action: 'iam:TagRole',
      resource: REMINDERS_ROLE,
      context: tagRequest(LEASE_KEY, FUNCTION_TAG_KEY),
    },
    { action: 'iam:TagRole', resource: REMINDERS_ROLE, context: tagRequest('owner') },
    { action: 'iam:TagRole', resource: REMINDERS_ROLE, context: tagRequest(INVITATION_TAG_KEY) },
    { action: 'iam:UntagRole', resource: REMINDERS_ROLE, context: untagRequest(FUNCTION_TAG_KEY) },
    { action: 'iam:TagRole', resource: REMINDERS_ROLE },
    // ...and no other role's tags, the other functions' included.
    { action: 'iam:TagRole', resource: roleResource('AdminRole'), context: tagRequest(LEASE_KEY) },
    {
      action: 'iam:UntagRole',
      resource: roleResource('AdminRole'),
      context: untagRequest(LEASE_KEY),
    },
    { action: 'iam:ListRoleTags', resource: roleResource('SweeperRole') },
    { action: 'iam:TagRole', resource: ROLE, context: tagRequest(LEASE_KEY) },
  ];

  it.each(MAY)('may $action on $resource', async (request) => {
    expect(await decide(reminders(), request)).toBe('Allowed');
  });

  it.each(MAY_NOT)('may not $action on $resource', async (request) => {
    expect(await decide(reminders(), request)).not.toBe('Allowed');
  });

  it('can never give itself, or any role, the function tag: the boundary says so, even with AdministratorAccess attached', async () => {
    const withAdmin = reminders([ADMINISTRATOR_ACCESS]);
    for (const [resource, keys] of [
      [REMINDERS_ROLE, [FUNCTION_TAG_KEY]],
      [REMINDERS_ROLE, [LEASE_KEY, FUNCTION_TAG_KEY]],
      [roleResource('AdminRole'), [FUNCTION_TAG_KEY]],
      // Outside the service's roles, even its own keys.
      [iam('role/Admin'), [LEASE_KEY]],
      [iam('role/mfa-onboarding-other/Admin'), [LEASE_KEY]],
    ] as const) {
      expect(
        await decide(withAdmin, { action: 'iam:TagRole', resource, context: tagRequest(...keys) }),
        `${resource} ${keys.join(',')}`,
      ).toBe('ExplicitlyDenied');
    }
    // Its own keys on its own role stay possible, so the ceiling is the boundary's, not luck.
    expect(
      await decide(withAdmin, {
        action: 'iam:TagRole',
        resource: REMINDERS_ROLE,
        context: tagRequest(LEASE_KEY),
      }),
    ).toBe('Allowed');
  });

  it.each([
    ['OnboardingRole', 'onboarding'],
    ['AdminRole', 'admin'],
    ['SweeperRole', 'sweeper'],
  ] as const)(
    'denies role tags to the %s function, even with AdministratorAccess attached',
    async (role, fn) => {
      const withAdmin = rolePrincipal(role, fn, [ADMINISTRATOR_ACCESS]);
      for (const request of [
        { action: 'iam:ListRoleTags', resource: roleResource(role) },
        { action: 'iam:TagRole', resource: roleResource(role), context: tagRequest(LEASE_KEY) },
        { action: 'iam:TagRole', resource: REMINDERS_ROLE, context: tagRequest(LEASE_KEY) },
      ]) {
        expect(await decide(withAdmin, request), request.action).toBe('ExplicitlyDenied');
      }
    },
  );

  it('is tested on every action the boundary allows, so it may do exactly what a run needs', () => {
    const ceiling = (boundary as { Statement: { Sid: string; Action: string[] }[] }).Statement.find(
      (s) => s.Sid === 'CeilingOfWhatTheFunctionsUse',
    );
    const tested = new Set([...MAY, ...MAY_NOT].map((r) => r.action));
    expect([...tested].sort()).toEqual([...(ceiling?.Action ?? [])].sort());
  });
});
