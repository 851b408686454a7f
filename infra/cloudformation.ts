// The stack's own CloudFormation, merged into the template serverless.yml generates: the
// force-MFA group and its policy, one least-privilege role per function, and the permissions
// boundary both roles carry. `npm run build` renders it to dist/cloudformation/resources.json,
// which serverless.yml includes; its parameters get their values from serverless.yml's params.
//
// What each role may do is exactly what its function calls (functions/aws/iam-gateway.ts and
// iam-inventory.ts), scoped to the configured user path, the service's MFA device path, the
// force-MFA group and the invitation tag; sts:GetCallerIdentity needs no permission.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates, not JS templates

import { INVITATION_TAG_KEY } from '../functions/config.ts';
import { forceMfaPolicyDocument } from './force-mfa-policy.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const sub = (template: string) => ({ 'Fn::Sub': template });
const ref = (name: string) => ({ Ref: name });

// The serverless.yml resources these refer to (osls / Serverless naming).
export const FUNCTION_RESOURCES = {
  onboarding: { role: 'OnboardingRole', logGroup: 'OnboardingLogGroup' },
  admin: { role: 'AdminRole', logGroup: 'AdminLogGroup' },
} as const;

// ARNs the policies are scoped to, as Fn::Sub templates over the stack's parameters.
export const ARNS = {
  usersUnderPath: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user${UserPathPrefix}*',
  anyUser: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*',
  serviceMfaDevices: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:mfa${MfaDevicePath}*',
  forceMfaGroup:
    'arn:${AWS::Partition}:iam::${AWS::AccountId}:group${ForceMfaGroupPath}${ForceMfaGroupName}',
} as const;

/** Tag and untag only the invitation tag: every key in the request must be it, and keys must be given. */
const invitationTagOnly = {
  'ForAllValues:StringEquals': { 'aws:TagKeys': [INVITATION_TAG_KEY] },
  Null: { 'aws:TagKeys': 'false' },
};

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
  MaxCodeAttempts: {
    Type: 'Number',
    Description: 'Wrong code submissions allowed per invitation.',
    MinValue: 1,
    MaxValue: 100,
  },
};

const conditions: Record<string, Json> = {
  CreateForceMfaGroup: { 'Fn::Equals': [ref('CreateForceMfaGroup'), 'true'] },
  HasPublicBaseUrl: { 'Fn::Not': [{ 'Fn::Equals': [ref('PublicBaseUrl'), ''] }] },
  HasCustomDomain: { 'Fn::Not': [{ 'Fn::Equals': [ref('CustomDomainName'), ''] }] },
};

/** The onboarding function: read users under the path, make and enable its own MFA devices,
 * add users to the one group, keep the invitation tag. */
export function onboardingStatements(): Json[] {
  return [
    {
      Sid: 'ReadUsersUnderPath',
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:ListGroupsForUser'],
      Resource: sub(ARNS.usersUnderPath),
    },
    {
      Sid: 'EnableMfaForUsersUnderPath',
      Effect: 'Allow',
      Action: ['iam:EnableMFADevice'],
      Resource: sub(ARNS.usersUnderPath),
    },
    {
      Sid: 'InvitationTagOnly',
      Effect: 'Allow',
      // TagUser records failed code attempts in the invitation tag; UntagUser spends it.
      Action: ['iam:TagUser', 'iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: invitationTagOnly,
    },
    {
      Sid: 'OwnVirtualMfaDevicesOnly',
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: sub(ARNS.serviceMfaDevices),
    },
    {
      Sid: 'AddToForceMfaGroupOnly',
      Effect: 'Allow',
      Action: ['iam:AddUserToGroup'],
      Resource: sub(ARNS.forceMfaGroup),
    },
    {
      Sid: 'AccountAlias',
      Effect: 'Allow',
      // Takes no resource: `*` is the only form IAM accepts.
      Action: ['iam:ListAccountAliases'],
      Resource: '*',
    },
    logStatement('onboarding'),
  ];
}

/** The admin function: read-only listing (the compliance report covers the whole account) and
 * the invitation tag on users under the path. */
export function adminStatements(): Json[] {
  return [
    {
      Sid: 'AccountWideListing',
      Effect: 'Allow',
      // These take no resource: `*` is the only form IAM accepts. All read-only.
      Action: [
        'iam:ListUsers',
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
      Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:GetLoginProfile', 'iam:ListGroupsForUser'],
      Resource: sub(ARNS.anyUser),
    },
    {
      Sid: 'ReadForceMfaGroup',
      Effect: 'Allow',
      Action: ['iam:GetGroup'],
      Resource: sub(ARNS.forceMfaGroup),
    },
    {
      Sid: 'InvitationTagOnly',
      Effect: 'Allow',
      Action: ['iam:TagUser', 'iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: invitationTagOnly,
    },
    logStatement('admin'),
  ];
}

function logStatement(fn: keyof typeof FUNCTION_RESOURCES): Json {
  return {
    Sid: 'OwnLogGroupOnly',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    // The log group's Arn attribute ends in `:*`, covering its streams.
    Resource: { 'Fn::GetAtt': [FUNCTION_RESOURCES[fn].logGroup, 'Arn'] },
  };
}

/** Never, on either role, whatever else is attached to it later (SECURITY.md, "Never"). */
export const ESCALATION_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:Attach*',
  'iam:Detach*',
  'iam:Put*',
  'iam:Delete*Policy',
  'iam:DeletePolicyVersion',
  'iam:Delete*PermissionsBoundary',
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:PassRole',
  'iam:UpdateUser',
  'iam:UpdateAssumeRolePolicy',
  'iam:DeactivateMFADevice',
  // Taking a user out of the force-MFA group lifts its deny.
  'iam:RemoveUserFromGroup',
];

function boundaryDocument(): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CeilingOfWhatTheFunctionsUse',
        Effect: 'Allow',
        Action: [
          'iam:GetUser',
          'iam:ListMFADevices',
          'iam:ListGroupsForUser',
          'iam:GetLoginProfile',
          'iam:GetGroup',
          'iam:ListUsers',
          'iam:ListVirtualMFADevices',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListAccountAliases',
          'iam:TagUser',
          'iam:UntagUser',
          'iam:CreateVirtualMFADevice',
          'iam:DeleteVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:AddUserToGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'sts:GetCallerIdentity',
        ],
        Resource: '*',
      },
      {
        Sid: 'DenyPrivilegeEscalation',
        Effect: 'Deny',
        Action: ESCALATION_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'DenyOtherGroups',
        Effect: 'Deny',
        Action: ['iam:AddUserToGroup'],
        NotResource: sub(ARNS.forceMfaGroup),
      },
      {
        Sid: 'DenyOtherMfaDevices',
        Effect: 'Deny',
        Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
        NotResource: sub(ARNS.serviceMfaDevices),
      },
      {
        Sid: 'DenyOtherTags',
        Effect: 'Deny',
        Action: ['iam:TagUser', 'iam:UntagUser'],
        Resource: '*',
        Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [INVITATION_TAG_KEY] } },
      },
      {
        Sid: 'DenyWritesOutsideUserPath',
        Effect: 'Deny',
        Action: ['iam:TagUser', 'iam:UntagUser', 'iam:EnableMFADevice'],
        NotResource: sub(ARNS.usersUnderPath),
      },
    ],
  };
}

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
      PolicyDocument: withPolicyVariablesEscaped(forceMfaPolicyDocument()),
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
 * variable and fail.
 */
export function withPolicyVariablesEscaped(value: unknown): Json {
  if (typeof value === 'string')
    return value.includes('${') ? sub(value.replaceAll('${', '${!')) : value;
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
