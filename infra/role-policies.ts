// What each function's role may do, and the permissions boundary all three carry: exactly what
// the function calls (functions/aws/iam-gateway.ts and iam-inventory.ts), scoped to the
// configured user path, the service's MFA device path, the force-MFA group and the service's
// own tag keys (every key starting with SERVICE_TAG_PREFIX: the invitation tag and one attempt
// tag per code check). The functions call nothing but IAM, except the admin function's one SES
// action (emailing links, only from SENDER_EMAIL), and write their logs. The stack around them is
// cloudformation.ts.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates, not JS templates

import { SERVICE_TAG_PREFIX } from '../functions/config.ts';
import { REMINDERS_TAG_PREFIX } from '../functions/reminders/ledger.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export const sub = (template: string) => ({ 'Fn::Sub': template });
export const ref = (name: string) => ({ Ref: name });

// The serverless.yml resources these refer to (osls / Serverless naming).
export const FUNCTION_RESOURCES = {
  onboarding: { role: 'OnboardingRole', logGroup: 'OnboardingLogGroup' },
  admin: { role: 'AdminRole', logGroup: 'AdminLogGroup' },
  sweeper: { role: 'SweeperRole', logGroup: 'SweeperLogGroup' },
  reminders: { role: 'RemindersRole', logGroup: 'RemindersLogGroup' },
} as const;

// ARNs the policies are scoped to, as Fn::Sub templates over the stack's parameters.
export const ARNS = {
  usersUnderPath: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user${UserPathPrefix}*',
  anyUser: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*',
  serviceMfaDevices: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:mfa${MfaDevicePath}*',
  forceMfaGroup:
    'arn:${AWS::Partition}:iam::${AWS::AccountId}:group${ForceMfaGroupPath}${ForceMfaGroupName}',
  /** The sender's SES identity when the address itself is verified (docs/ses-facts.md §4). */
  senderAddressIdentity:
    'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}',
} as const;

/**
 * SES authorizes SendEmail on the identity the From address is verified by: the address itself,
 * or its domain, since any address of a verified domain may send (docs/ses-facts.md §4). Both are
 * the sender's; `ses:FromAddress` pins the address (§7).
 */
export function senderIdentities(): Json[] {
  return [
    sub(ARNS.senderAddressIdentity),
    {
      'Fn::Sub': [
        'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderDomain}',
        { SenderDomain: { 'Fn::Select': [1, { 'Fn::Split': ['@', ref('SenderEmail')] }] } },
      ],
    },
  ];
}

/** Mail goes out from the configured sender alone (`ses:FromAddress`, docs/ses-facts.md §7). */
const fromTheSenderOnly = { StringEquals: { 'ses:FromAddress': ref('SenderEmail') } };

/** Functions whose role may send mail (the boundary denies it to the others). */
export const SENDING_FUNCTIONS = ['admin', 'reminders'];

/** The only tag keys the roles may write or remove: the service's own (case-sensitive match). */
export const SERVICE_TAG_KEYS = `${SERVICE_TAG_PREFIX}*`;

/** Each role's tag naming its function: the boundary lets only the admin's deactivate MFA. No
 * role can claim it: only the reminders role may tag a role at all, only its own, and only with
 * keys under `mfa-onboarding:reminders:` (REMINDERS_ROLE_TAG_KEYS, enforced by the boundary). */
export const FUNCTION_TAG_KEY = `${SERVICE_TAG_PREFIX}function`;

/** Tag and untag only the service's keys: every key in the request must start with the prefix,
 * and keys must be given (ForAllValues alone is true of a request with none). */
const serviceTagsOnly = {
  'ForAllValues:StringLike': { 'aws:TagKeys': [SERVICE_TAG_KEYS] },
  Null: { 'aws:TagKeys': 'false' },
};

/** The onboarding function: read users under the path, make and enable its own MFA devices,
 * add users to the one group, write and remove the service's tags (attempts, the invitation). */
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
      Sid: 'ServiceTagsOnly',
      Effect: 'Allow',
      // TagUser reserves one attempt tag per code check; UntagUser releases it, and spends the
      // invitation on success.
      Action: ['iam:TagUser', 'iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: serviceTagsOnly,
    },
    {
      Sid: 'OwnVirtualMfaDevicesOnly',
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: sub(ARNS.serviceMfaDevices),
    },
    {
      Sid: 'TagOwnDevicesWithTheirInvitation',
      Effect: 'Allow',
      // A device is created with a tag naming its invitation (tag-on-create needs this).
      Action: ['iam:TagMFADevice'],
      Resource: sub(ARNS.serviceMfaDevices),
      Condition: serviceTagsOnly,
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

/** The admin function: read-only listing (the compliance report covers the whole account), the
 * service's tags on users under the path (issue, reissue, revoke, exemptions), deleting the
 * service's own devices (revoke and reissue delete the old link's unassigned device), taking MFA
 * devices off users under the path (MFA reset), adding users to the force-MFA group
 * (enforcement and MFA reset), and emailing links from the sender (`"delivery"`). */
export function adminStatements(): Json[] {
  return [
    accountWideListingStatement(),
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
      Sid: 'ServiceTagsOnly',
      Effect: 'Allow',
      Action: ['iam:TagUser', 'iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: serviceTagsOnly,
    },
    deleteOwnDevicesStatement(),
    {
      Sid: 'DeactivateMfaOfUsersUnderPath',
      Effect: 'Allow',
      // MFA reset (functions/mfa-reset/): IAM authorizes DeactivateMFADevice on the user, so the
      // path bounds it; the boundary denies it to every other role.
      Action: ['iam:DeactivateMFADevice'],
      Resource: sub(ARNS.usersUnderPath),
    },
    {
      Sid: 'AddToForceMfaGroupOnly',
      Effect: 'Allow',
      // Enforcement. IAM authorizes AddUserToGroup on the group alone, so which users may be
      // added (under the path, not exempt) is the code's rule (functions/enforcement/).
      Action: ['iam:AddUserToGroup'],
      Resource: sub(ARNS.forceMfaGroup),
    },
    sendEmailStatement(),
    logStatement('admin'),
  ];
}

/** The scheduled sweeper: find the service's unassigned devices, read their users, delete the
 * devices whose invitation is over, remove stale attempt tags. It never writes a tag. */
export function sweeperStatements(): Json[] {
  return [
    {
      Sid: 'ListVirtualMfaDevices',
      Effect: 'Allow',
      // Takes no resource: `*` is the only form IAM accepts. Read-only.
      Action: ['iam:ListVirtualMFADevices'],
      Resource: '*',
    },
    {
      Sid: 'ReadUsersUnderPath',
      Effect: 'Allow',
      Action: ['iam:GetUser'],
      Resource: sub(ARNS.usersUnderPath),
    },
    deleteOwnDevicesStatement(),
    {
      Sid: 'ReadOwnDeviceTags',
      Effect: 'Allow',
      // Which invitation a device was made for.
      Action: ['iam:ListMFADeviceTags'],
      Resource: sub(ARNS.serviceMfaDevices),
    },
    {
      Sid: 'RemoveServiceTagsOnly',
      Effect: 'Allow',
      Action: ['iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: serviceTagsOnly,
    },
    logStatement('sweeper'),
  ];
}

// --- reminders (the scheduled run) ----------------------------------------------------------

/** The keys the reminders run writes on its own role: its lease and its digest day
 * (functions/reminders/ledger.ts). Never FUNCTION_TAG_KEY, which lies outside them. */
export const REMINDERS_ROLE_TAG_KEYS = `${REMINDERS_TAG_PREFIX}*`;

/** The functions' own roles: cloudformation.ts puts each of them under this path. */
export const SERVICE_ROLES_ARN =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/mfa-onboarding/*';

/** The scheduled reminders run: the account-wide listings the compliance scan reads (one read of
 * the account), the few per-user reads the scan and a renewal add, the invitation's tags and the
 * old link's device (issue's three steps), and emailing links from the sender. Its own role's
 * tags are remindersOwnRoleStatements, a policy of their own. */
export function remindersStatements(): Json[] {
  return [
    accountWideListingStatement(),
    {
      Sid: 'ReadUsersUnderPath',
      Effect: 'Allow',
      // The scan's live check of users newer than the credential report, a renewal's re-read,
      // and taking back a link that could not be mailed.
      Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:GetLoginProfile'],
      Resource: sub(ARNS.usersUnderPath),
    },
    {
      Sid: 'ReadForceMfaGroup',
      Effect: 'Allow',
      Action: ['iam:GetGroup'],
      Resource: sub(ARNS.forceMfaGroup),
    },
    {
      Sid: 'ServiceTagsOnly',
      Effect: 'Allow',
      // The invitation's identity, stale attempt keys, taking a link back.
      Action: ['iam:TagUser', 'iam:UntagUser'],
      Resource: sub(ARNS.usersUnderPath),
      Condition: serviceTagsOnly,
    },
    deleteOwnDevicesStatement(),
    sendEmailStatement(),
    logStatement('reminders'),
  ];
}

/** The reminders role's own tags, on that role's ARN alone. A role's inline policy cannot name its
 * own ARN (a GetAtt of itself is a circular dependency), so cloudformation.ts attaches these as a
 * policy resource of their own (RemindersOwnRoleTagsPolicy). */
export function remindersOwnRoleStatements(): Json[] {
  const ownRole = { 'Fn::GetAtt': [FUNCTION_RESOURCES.reminders.role, 'Arn'] };
  return [
    {
      Sid: 'ReadOwnRoleTags',
      Effect: 'Allow',
      Action: ['iam:ListRoleTags'],
      Resource: ownRole,
    },
    {
      Sid: 'WriteOwnRoleLeaseAndDigestTagsOnly',
      Effect: 'Allow',
      Action: ['iam:TagRole', 'iam:UntagRole'],
      Resource: ownRole,
      Condition: {
        'ForAllValues:StringLike': { 'aws:TagKeys': [REMINDERS_ROLE_TAG_KEYS] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
  ];
}

// --- end reminders ---------------------------------------------------------------------------

/** IAM refuses to delete an assigned device (DeleteConflict), so this removes no one's MFA. */
/**
 * The compliance scan's account-wide listings (functions/compliance/scan.ts), with
 * ListAccountAliases for the account's label. These take no resource: `*` is the only form IAM
 * accepts. All read-only. GetAccountAuthorizationDetails gives every user's tags and groups in a
 * few calls (exemptions and invitations); it can also read every policy in the account, and no
 * condition key narrows its Filter: docs/security.md §1 weighs that.
 */
function accountWideListingStatement(): Json {
  return {
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
  };
}

/** Onboarding links by email (functions/delivery/email.ts): SendEmail from the sender alone. */
function sendEmailStatement(): Json {
  return {
    Sid: 'SendEmailFromTheSenderOnly',
    Effect: 'Allow',
    Action: ['ses:SendEmail'],
    Resource: senderIdentities(),
    Condition: fromTheSenderOnly,
  };
}

function deleteOwnDevicesStatement(): Json {
  return {
    Sid: 'DeleteOwnUnassignedMfaDevices',
    Effect: 'Allow',
    Action: ['iam:DeleteVirtualMFADevice'],
    Resource: sub(ARNS.serviceMfaDevices),
  };
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

/** Never, on any role, whatever else is attached to it later (docs/security.md §7, "Never"). */
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
  // iam:DeactivateMFADevice is denied by its own statement below: to all but the admin role's
  // MFA reset, and to that outside the user path.
  // Taking a user out of the force-MFA group lifts its deny.
  'iam:RemoveUserFromGroup',
];

export function boundaryDocument(): Json {
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
          'iam:GetAccountAuthorizationDetails',
          'iam:ListVirtualMFADevices',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListAccountAliases',
          'iam:TagUser',
          'iam:UntagUser',
          'iam:TagMFADevice',
          'iam:ListMFADeviceTags',
          'iam:CreateVirtualMFADevice',
          'iam:DeleteVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:DeactivateMFADevice',
          'iam:AddUserToGroup',
          'ses:SendEmail',
          // reminders: its own role's lease and digest tags (denied to every other use below).
          'iam:ListRoleTags',
          'iam:TagRole',
          'iam:UntagRole',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
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
        // Taking MFA off a user lifts what the force-MFA group holds them to: only the admin
        // function's reset may (a role without the tag is refused too, failing closed)...
        Sid: 'DenyMfaDeactivationToOtherFunctions',
        Effect: 'Deny',
        Action: ['iam:DeactivateMFADevice'],
        Resource: '*',
        Condition: { StringNotEquals: { [`aws:PrincipalTag/${FUNCTION_TAG_KEY}`]: 'admin' } },
      },
      {
        // ...and only for users under the path.
        Sid: 'DenyMfaDeactivationOutsideUserPath',
        Effect: 'Deny',
        Action: ['iam:DeactivateMFADevice'],
        NotResource: sub(ARNS.usersUnderPath),
      },
      {
        // Only the force-MFA group: onboarding's group step and admin's enforcement.
        Sid: 'DenyOtherGroups',
        Effect: 'Deny',
        Action: ['iam:AddUserToGroup'],
        NotResource: sub(ARNS.forceMfaGroup),
      },
      {
        Sid: 'DenyOtherMfaDevices',
        Effect: 'Deny',
        Action: [
          'iam:CreateVirtualMFADevice',
          'iam:DeleteVirtualMFADevice',
          'iam:TagMFADevice',
          'iam:ListMFADeviceTags',
        ],
        NotResource: sub(ARNS.serviceMfaDevices),
      },
      {
        Sid: 'DenyOtherTags',
        Effect: 'Deny',
        Action: ['iam:TagUser', 'iam:UntagUser', 'iam:TagMFADevice'],
        Resource: '*',
        // Any key in the request outside the service's prefix (case-sensitive) is refused.
        Condition: { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': [SERVICE_TAG_KEYS] } },
      },
      {
        // Mail only from the configured sender, whatever policy is attached later (a missing
        // ses:FromAddress matches StringNotEquals too: fails closed)...
        Sid: 'DenySendingFromAnotherAddress',
        Effect: 'Deny',
        Action: ['ses:SendEmail'],
        Resource: '*',
        Condition: { StringNotEquals: { 'ses:FromAddress': ref('SenderEmail') } },
      },
      {
        // ...and only by the functions that email links.
        Sid: 'DenySendingToOtherFunctions',
        Effect: 'Deny',
        Action: ['ses:SendEmail'],
        Resource: '*',
        Condition: {
          StringNotEquals: { [`aws:PrincipalTag/${FUNCTION_TAG_KEY}`]: SENDING_FUNCTIONS },
        },
      },
      {
        Sid: 'DenyWritesOutsideUserPath',
        Effect: 'Deny',
        Action: ['iam:TagUser', 'iam:UntagUser', 'iam:EnableMFADevice'],
        NotResource: sub(ARNS.usersUnderPath),
      },
      // --- reminders: role tags, for the reminders function alone ----------------------------
      {
        // A role's tags are its sessions' principal tags, which this boundary reads: only the
        // reminders function may touch any...
        Sid: 'DenyRoleTagsToOtherFunctions',
        Effect: 'Deny',
        Action: ['iam:ListRoleTags', 'iam:TagRole', 'iam:UntagRole'],
        Resource: '*',
        Condition: {
          StringNotEquals: { [`aws:PrincipalTag/${FUNCTION_TAG_KEY}`]: 'reminders' },
        },
      },
      {
        // ...only its lease and digest keys, so never the function tag...
        Sid: 'DenyOtherRoleTagKeys',
        Effect: 'Deny',
        Action: ['iam:TagRole', 'iam:UntagRole'],
        Resource: '*',
        Condition: { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': [REMINDERS_ROLE_TAG_KEYS] } },
      },
      {
        // ...and only on the service's own roles.
        Sid: 'DenyRoleTagsOutsideServiceRoles',
        Effect: 'Deny',
        Action: ['iam:ListRoleTags', 'iam:TagRole', 'iam:UntagRole'],
        NotResource: sub(SERVICE_ROLES_ARN),
      },
      // --- end reminders ---------------------------------------------------------------------
    ],
  };
}
