// The force-MFA group's policy, after AWS's documented example "allows MFA-authenticated IAM
// users to manage their own MFA device" (IAM User Guide, reference_policies_examples_aws_my-sec-
// creds-self-manage-mfa-only), updated for multiple devices per user (resource `mfa/*`).
// Without MFA a user may only set up their own MFA device, change their own password and get an
// MFA session; everything else is denied. BoolIfExists also denies long-term access keys,
// whose requests carry no aws:MultiFactorAuthPresent key at all.
//
// One addition to AWS's example: a user's ARN contains its IAM path (`user/staff/tanaka`), and
// this service is meant for users under a path (USER_PATH_PREFIX), so "own user" is both
// `user/${aws:username}` and `user/*/${aws:username}`. The second cannot match anyone else: a
// user name holds no `/`, and user names are unique in the account whatever the path.

export const FORCE_MFA_POLICY_NAME = 'force-mfa';

/**
 * The policy for a partition (`aws`, `aws-cn`, `aws-us-gov`): the stack passes
 * `${AWS::Partition}`, which CloudFormation fills in; the local emulator passes its own.
 */
export function forceMfaPolicyDocument(partition: string) {
  const iam = `arn:${partition}:iam::*`;
  // `\${aws:username}` is an IAM policy variable, resolved by IAM at evaluation time.
  const ownUser = [`${iam}:user/\${aws:username}`, `${iam}:user/*/\${aws:username}`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowViewAccountInfo',
        Effect: 'Allow',
        Action: ['iam:GetAccountPasswordPolicy', 'iam:ListVirtualMFADevices'],
        Resource: '*',
      },
      {
        Sid: 'AllowManageOwnPassword',
        Effect: 'Allow',
        Action: ['iam:ChangePassword', 'iam:GetUser'],
        Resource: ownUser,
      },
      {
        Sid: 'AllowCreateVirtualMFADevice',
        Effect: 'Allow',
        Action: ['iam:CreateVirtualMFADevice'],
        Resource: `${iam}:mfa/*`,
      },
      {
        Sid: 'AllowManageOwnUserMFA',
        Effect: 'Allow',
        Action: [
          'iam:EnableMFADevice',
          'iam:GetMFADevice',
          'iam:ListMFADevices',
          'iam:ResyncMFADevice',
        ],
        Resource: ownUser,
      },
      {
        Sid: 'AllowDeactivateOwnMFAOnlyWithMFA',
        Effect: 'Allow',
        Action: ['iam:DeactivateMFADevice'],
        Resource: ownUser,
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Sid: 'DenyAllExceptListedIfNoMFA',
        Effect: 'Deny',
        NotAction: [
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:GetUser',
          'iam:GetMFADevice',
          'iam:ListMFADevices',
          'iam:ListVirtualMFADevices',
          'iam:ResyncMFADevice',
          'iam:ChangePassword',
          'iam:GetAccountPasswordPolicy',
          'sts:GetSessionToken',
        ],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
}
