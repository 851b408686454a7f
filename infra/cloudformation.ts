// The stack's own CloudFormation, merged into the template serverless.yml generates: the
// force-MFA group and its policy, one least-privilege role per function (onboarding, admin, and
// the scheduled sweeper and reminders), and the permissions boundary every role carries.
// `npm run build` renders it to dist/cloudformation/resources.json, which serverless.yml
// includes; its parameters get their values from serverless.yml's params.
//
// What each role may do is in role-policies.ts.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates, not JS templates

import { MAX_CODE_ATTEMPTS_LIMIT } from '../functions/config.ts';
import { forceMfaPolicyDocument } from './force-mfa-policy.ts';
import {
  ARNS,
  adminStatements,
  boundaryDocument,
  FUNCTION_RESOURCES,
  FUNCTION_TAG_KEY,
  type Json,
  onboardingStatements,
  ref,
  remindersOwnRoleStatements,
  remindersStatements,
  sub,
  sweeperStatements,
} from './role-policies.ts';

const IAM_PATH = '^/([\\x21-\\x7E]{0,510}/)?$';

const parameters: Record<string, Json> = {
  PublicBaseUrl: {
    Type: 'String',
    Description:
      'Where employees open the onboarding page (https://…, no trailing slash). Empty: the custom domain if set, else the API endpoint.',
    AllowedPattern: '^(https://[^\\s?#]*[^/\\s?#])?$',
  },
  CustomDomainName: {
    Type: 'String',
    Description: 'Optional custom domain for the HTTP API (needs CertificateArn).',
    AllowedPattern: '^([a-z0-9-]+(\\.[a-z0-9-]+)+)?$',
  },
  CertificateArn: {
    Type: 'String',
    Description: "ACM certificate for CustomDomainName, in the stack's region.",
    AllowedPattern: '^(arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[a-f0-9-]+)?$',
  },
  UserPathPrefix: {
    Type: 'String',
    Description: 'Only users whose IAM path starts with this can be invited, enrolled or tagged.',
    AllowedPattern: '^/[\\x21-\\x7E]{0,511}$',
  },
  MfaDevicePath: {
    Type: 'String',
    Description: 'IAM path of the virtual MFA devices the service creates and may delete.',
    AllowedPattern: IAM_PATH,
  },
  ForceMfaGroupName: {
    Type: 'String',
    Description: 'The group enrolled users are added to.',
    AllowedPattern: '^[\\w+=,.@-]{1,128}$',
  },
  ForceMfaGroupPath: {
    Type: 'String',
    Description: "The group's IAM path (an existing group's ARN includes it).",
    AllowedPattern: IAM_PATH,
  },
  CreateForceMfaGroup: {
    Type: 'String',
    Description: "'true': create the group; 'false': use an existing group of that name.",
    AllowedValues: ['true', 'false'],
  },
  InvitationTtlHours: {
    Type: 'Number',
    Description: 'How long an onboarding link is valid.',
    MinValue: 1,
    MaxValue: 720,
  },
  SwitchRoles: {
    Type: 'String',
    Description:
      'Roles employees may switch into with MFA, shown after enrollment: a JSON list of {"roleArn", "label"?, "profile"?}; empty for none.',
    AllowedPattern: '^(\\[[\\s\\S]*\\])?$',
  },
  SenderEmail: {
    Type: 'String',
    Description:
      'The verified Amazon SES identity (an address, or an address of a verified domain) onboarding links are emailed from; the admin role may send from it alone.',
    AllowedPattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    ConstraintDescription: 'must be an email address',
  },
  EmailTagKey: {
    Type: 'String',
    Description: "The user tag holding an employee's email address, for links sent by email.",
    AllowedPattern: '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}$',
  },
  MaxCodeAttempts: {
    Type: 'Number',
    Description: 'Code checks allowed per invitation (each is a user tag).',
    MinValue: 1,
    MaxValue: MAX_CODE_ATTEMPTS_LIMIT,
  },
  // --- reminders (the scheduled run) ---
  AutoInvite: {
    Type: 'String',
    Description:
      "'true': the scheduled run emails a link to every user without MFA (old enough, with an address, not exempt, not invited).",
    AllowedValues: ['true', 'false'],
  },
  AutoInviteAfterDays: {
    Type: 'Number',
    Description: "Days after a user's creation before the scheduled run invites them.",
    MinValue: 0,
    MaxValue: 365,
  },
  DigestWebhookParameter: {
    Type: 'String',
    Description:
      'The SSM String parameter holding the chat webhook URL the daily digest is posted to (a secret); empty: no digest.',
    AllowedPattern: '^([a-zA-Z0-9_.\\-/]{1,2048}(:\\d+)?)?$',
  },
  // --- end reminders ---
};

const conditions: Record<string, Json> = {
  CreateForceMfaGroup: { 'Fn::Equals': [ref('CreateForceMfaGroup'), 'true'] },
  HasPublicBaseUrl: { 'Fn::Not': [{ 'Fn::Equals': [ref('PublicBaseUrl'), ''] }] },
  HasCustomDomain: { 'Fn::Not': [{ 'Fn::Equals': [ref('CustomDomainName'), ''] }] },
  // reminders: an empty DigestWebhookParameter means no digest, and no SSM reference at all.
  HasDigestWebhook: { 'Fn::Not': [{ 'Fn::Equals': [ref('DigestWebhookParameter'), ''] }] },
};

function lambdaRole(fn: keyof typeof FUNCTION_RESOURCES, statements: Json[]): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: sub(`The ${fn} function of \${AWS::StackName}`),
      Path: '/mfa-onboarding/',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      PermissionsBoundary: ref('FunctionPermissionsBoundary'),
      // The boundary reads it (aws:PrincipalTag): only the admin's may deactivate MFA devices.
      Tags: [{ Key: FUNCTION_TAG_KEY, Value: fn }],
      Policies: [
        {
          PolicyName: fn,
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

const resources: () => Record<string, Json> = () => ({
  // Removing the service must not lift MFA enforcement from everyone it enrolled: the group
  // and its policy stay (redeploy with createForceMfaGroup=false to adopt them again).
  ForceMfaGroup: {
    Type: 'AWS::IAM::Group',
    Condition: 'CreateForceMfaGroup',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { GroupName: ref('ForceMfaGroupName'), Path: ref('ForceMfaGroupPath') },
  },
  ForceMfaPolicy: {
    Type: 'AWS::IAM::ManagedPolicy',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: 'Denies everything but MFA self-management until the session used MFA.',
      PolicyDocument: withPolicyVariablesEscaped(forceMfaPolicyDocument('${AWS::Partition}')),
      // An existing group gets the policy too: the group is only as good as its policy.
      Groups: [
        { 'Fn::If': ['CreateForceMfaGroup', ref('ForceMfaGroup'), ref('ForceMfaGroupName')] },
      ],
    },
  },
  FunctionPermissionsBoundary: {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      Description: 'Permissions boundary of the MFA onboarding functions: no escalation, ever.',
      Path: '/mfa-onboarding/',
      PolicyDocument: boundaryDocument(),
    },
  },
  [FUNCTION_RESOURCES.onboarding.role]: lambdaRole('onboarding', onboardingStatements()),
  [FUNCTION_RESOURCES.admin.role]: lambdaRole('admin', adminStatements()),
  [FUNCTION_RESOURCES.sweeper.role]: lambdaRole('sweeper', sweeperStatements()),
  // --- reminders (the scheduled run) ---
  [FUNCTION_RESOURCES.reminders.role]: lambdaRole('reminders', remindersStatements()),
  // Its own role's tags (its lease, its digest day), on its own ARN: a policy of its own, since
  // the role's inline policy cannot name the role (role-policies.ts, remindersOwnRoleStatements).
  RemindersOwnRoleTagsPolicy: {
    Type: 'AWS::IAM::RolePolicy',
    Properties: {
      RoleName: ref(FUNCTION_RESOURCES.reminders.role),
      PolicyName: 'reminders-own-role-tags',
      PolicyDocument: { Version: '2012-10-17', Statement: remindersOwnRoleStatements() },
    },
  },
  // --- end reminders ---
  CustomDomain: {
    Type: 'AWS::ApiGatewayV2::DomainName',
    Condition: 'HasCustomDomain',
    Properties: {
      DomainName: ref('CustomDomainName'),
      DomainNameConfigurations: [
        {
          CertificateArn: ref('CertificateArn'),
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
        },
      ],
    },
  },
  CustomDomainMapping: {
    Type: 'AWS::ApiGatewayV2::ApiMapping',
    Condition: 'HasCustomDomain',
    DependsOn: ['HttpApiStage'],
    Properties: { ApiId: ref('HttpApi'), DomainName: ref('CustomDomain'), Stage: '$default' },
  },
});

const outputs: Record<string, Json> = {
  PublicBaseUrl: {
    Description: 'Where onboarding links point.',
    Value: publicBaseUrl(),
  },
  ForceMfaGroupArn: { Value: sub(ARNS.forceMfaGroup) },
  CustomDomainTarget: {
    Condition: 'HasCustomDomain',
    Description: 'Point a CNAME (or alias) record for the custom domain here.',
    Value: { 'Fn::GetAtt': ['CustomDomain', 'RegionalDomainName'] },
  },
};

/** PUBLIC_BASE_URL: the given one, else the custom domain, else the API's own endpoint. */
export function publicBaseUrl(): Json {
  return {
    'Fn::If': [
      'HasPublicBaseUrl',
      ref('PublicBaseUrl'),
      {
        'Fn::If': [
          'HasCustomDomain',
          sub('https://${CustomDomainName}'),
          sub('https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}'),
        ],
      },
    ],
  };
}

/**
 * IAM policy variables (`${aws:username}`) wrapped as `Fn::Sub` with `${!…}`, which renders a
 * literal `${…}`: the packager (osls, Serverless) would read a bare `${aws:…}` as its own
 * variable and fail. CloudFormation's pseudo parameters (`${AWS::Partition}`) stay, to be filled in.
 */
export function withPolicyVariablesEscaped(value: unknown): Json {
  if (typeof value === 'string')
    return value.includes('${') ? sub(value.replace(/\$\{(?!AWS::)/g, '$${!')) : value;
  if (Array.isArray(value)) return value.map(withPolicyVariablesEscaped);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withPolicyVariablesEscaped(v)]),
    );
  return value as Json;
}

/** The fragment serverless.yml's `resources` includes. */
export function cloudFormationResources() {
  return {
    Parameters: parameters,
    Conditions: conditions,
    Resources: resources(),
    Outputs: outputs,
  };
}
