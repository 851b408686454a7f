// The roles an employee may switch into once MFA is on (SWITCH_ROLES), and what the success
// screen hands over for them: a console switch-role link per role, and one `~/.aws/config`
// block with a profile per role that the AWS CLI and SDKs use to assume it with MFA. The CLI
// asks for the code itself when a profile has `mfa_serial`, and caches the session (AWS CLI
// User Guide, "Use an IAM role in the AWS CLI"; docs/iam-facts.md, "Partitions").

import { type Partition, parseRoleArn, type RoleArnParts, switchRoleUrl } from '../partition.ts';

export interface SwitchRole {
  roleArn: string;
  /** What the console shows while the role is in use, and the page's name for it. */
  label: string;
  /** The `~/.aws/config` profile that assumes it. */
  profile: string;
  /** The console's Switch Role form, filled in for this role (fixed by the setting). */
  switchRoleUrl: string;
}

/** The console cuts a switch-role display name at 64 characters. */
const MAX_LABEL_LENGTH = 64;
/** Profile names become INI section headers: keep them to characters that need no quoting. */
const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Parses SWITCH_ROLES: a JSON list of `{"roleArn", "label"?, "profile"?}`. Every role must be in
 * the function's partition (a session cannot cross partitions), and profile names must be
 * unique. Throws with a message naming the bad entry.
 */
export function parseSwitchRoles(raw: string | undefined, partition: Partition): SwitchRole[] {
  if (raw === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON list of {"roleArn", "label"?, "profile"?}');
  }
  if (!Array.isArray(list))
    throw new Error('must be a JSON list of {"roleArn", "label"?, "profile"?}');
  const roles = list.map((entry, i) => switchRole(entry, i, partition));
  const seen = new Set<string>();
  for (const { profile } of roles) {
    const key = profile.toLowerCase();
    if (seen.has(key))
      throw new Error(`has two roles with the profile "${profile}"; give one a "profile"`);
    seen.add(key);
  }
  return roles;
}

function switchRole(entry: unknown, index: number, partition: Partition): SwitchRole {
  const at = `entry ${index}`;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    throw new Error(`${at} must be an object`);
  const { roleArn, label, profile, ...rest } = entry as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) throw new Error(`${at} has an unknown field "${unknownKey}"`);
  const role = typeof roleArn === 'string' ? parseRoleArn(roleArn) : undefined;
  if (!role)
    throw new Error(`${at}: roleArn must be an IAM role ARN, got ${JSON.stringify(roleArn)}`);
  if (role.partition !== partition)
    throw new Error(
      `${at}: roleArn is in partition ${role.partition}, the service in ${partition}`,
    );
  if (
    label !== undefined &&
    (typeof label !== 'string' || !label.trim() || label.length > MAX_LABEL_LENGTH)
  )
    throw new Error(`${at}: label must be 1-${MAX_LABEL_LENGTH} characters`);
  if (profile !== undefined && (typeof profile !== 'string' || !PROFILE_NAME.test(profile)))
    throw new Error(`${at}: profile must be 1-64 of letters, digits and _.-`);
  const shown = (label as string | undefined)?.trim() ?? defaultLabel(role);
  return {
    roleArn: roleArn as string,
    label: shown,
    profile: (profile as string | undefined) ?? defaultProfile(role),
    switchRoleUrl: switchRoleUrl(role, shown),
  };
}

const defaultLabel = (role: RoleArnParts) =>
  `${role.roleName} @ ${role.accountId}`.slice(0, MAX_LABEL_LENGTH);
const defaultProfile = (role: RoleArnParts) => `${role.roleName}-${role.accountId}`;

/**
 * The `~/.aws/config` block: a source profile for the user's own access keys, and a profile per
 * role that assumes it with the new device as `mfa_serial`. Null when no roles are configured.
 */
export function awsConfigBlock(input: {
  roles: readonly SwitchRole[];
  /** The source profile's name: the account's alias or id. */
  accountLabel: string;
  mfaSerialNumber: string;
  region: string;
}): string | null {
  if (input.roles.length === 0) return null;
  const source = sourceProfileName(input.accountLabel, input.roles);
  const lines = [
    `[profile ${source}]`,
    `# Your access keys: aws configure --profile ${source}`,
    `region = ${input.region}`,
  ];
  for (const role of input.roles) {
    lines.push(
      '',
      `[profile ${role.profile}]`,
      `role_arn = ${role.roleArn}`,
      `source_profile = ${source}`,
      `mfa_serial = ${input.mfaSerialNumber}`,
      `region = ${input.region}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The account label, unless a role's profile already has that name. */
export function sourceProfileName(accountLabel: string, roles: readonly SwitchRole[]): string {
  const taken = new Set(roles.map((r) => r.profile.toLowerCase()));
  let name = accountLabel;
  while (taken.has(name.toLowerCase())) name = `${name}-keys`;
  return name;
}
