// The IAM credential report as CSV, built from the account state in one pass
// (docs/iam-facts.md §5).
//
// What the emulator can and cannot know:
// - Passwords: `password_enabled` is the login profile; `password_last_used` is the user's
//   PasswordLastUsed (`no_information` when a password was never used, `N/A` without a password).
// - MFA: `mfa_active` is true when the user has any enabled device. The root user has no
//   devices in this emulator, so root's `mfa_active` is always false.
// - Access keys: numbered in creation order; `access_key_N_active` is the key's status and
//   `last_rotated` its creation date (for seeded keys, which have none, the user's creation
//   date). Last use is not tracked, so the last-used columns are `N/A`, as for a real key that
//   was never used.
// - Signing certificates do not exist here: `cert_N_active` false, `cert_N_last_rotated` N/A.

import { keyCreateDate } from './ops/access-keys.ts';
import { byKey } from './paginate.ts';
import type { AccessKeyRecord, AccountState, UserRecord } from './state.ts';
import { rootArn } from './state.ts';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export const CREDENTIAL_REPORT_HEADER = CREDENTIAL_REPORT_COLUMNS.join(',');

const NA = 'N/A';

/**
 * Report dates: ISO 8601 with seconds and a `+00:00` offset, as in reports copied from AWS
 * (`2017-06-10T02:35:07+00:00`). Whether 2026 output uses `+00:00` or `Z` is UNCONFIRMED.
 */
export function reportDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/**
 * IAM names may contain a comma (`[\w+=,.@-]+`), which would split the field. Such fields are
 * quoted as RFC 4180 says (`"a,b"`), so any CSV reader gets the name back verbatim. How AWS
 * writes them is UNCONFIRMED; nothing else in a report ever needs quoting.
 */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Both "no key" columns groups: active false, then four N/A. */
const NO_KEY = ['false', NA, NA, NA, NA];
const NO_CERTS = ['false', NA, 'false', NA];

function keyColumns(key: AccessKeyRecord | undefined, user: UserRecord): string[] {
  if (key === undefined) return NO_KEY;
  const active = (key.status ?? 'Active') === 'Active';
  return [String(active), reportDate(keyCreateDate(key, user)), NA, NA, NA];
}

function rootRow(state: AccountState): string {
  return [
    '<root_account>',
    rootArn(state),
    reportDate(state.createDate),
    'not_supported', // password_enabled: always not_supported for root
    'no_information', // password_last_used: root sign-ins are not tracked here
    'not_supported', // password_last_changed
    'not_supported', // password_next_rotation
    'false', // mfa_active: root has no MFA devices in this emulator
    ...NO_KEY,
    ...NO_KEY,
    ...NO_CERTS,
  ].join(',');
}

function userRow(user: UserRecord, keys: AccessKeyRecord[] | undefined): string {
  const profile = user.loginProfile;
  const passwordLastUsed =
    profile === undefined
      ? NA
      : user.passwordLastUsed
        ? reportDate(user.passwordLastUsed)
        : 'no_information';
  return [
    csvField(user.userName),
    csvField(user.arn),
    reportDate(user.createDate),
    profile === undefined ? 'false' : 'true',
    passwordLastUsed,
    profile === undefined ? NA : reportDate(profile.passwordLastChanged),
    NA, // password_next_rotation: the emulator has no password-expiry policy
    user.mfaSerials.length > 0 ? 'true' : 'false',
    ...keyColumns(keys?.[0], user),
    ...keyColumns(keys?.[1], user),
    ...NO_CERTS,
  ].join(',');
}

/**
 * The whole report: header, root row, then one row per user sorted by (lower-cased) name.
 * Linear in users plus keys, so 5,000 users take a few milliseconds.
 *
 * The report ends without a trailing newline: UNCONFIRMED (docs/iam-facts.md §9).
 */
export function buildCredentialReportCsv(state: AccountState): string {
  const keysByUser = new Map<string, AccessKeyRecord[]>();
  for (const key of state.accessKeys.values()) {
    if (key.user === undefined) continue;
    const list = keysByUser.get(key.user);
    if (list) list.push(key);
    else keysByUser.set(key.user, [key]);
  }
  const byCreation = byKey((k: AccessKeyRecord) => {
    const user = state.users.get(k.user ?? '');
    return `${(user ? keyCreateDate(k, user) : new Date(0)).toISOString()} ${k.accessKeyId}`;
  });
  for (const list of keysByUser.values()) list.sort(byCreation);
  const names = [...state.users.keys()].sort();
  const lines = [CREDENTIAL_REPORT_HEADER, rootRow(state)];
  for (const name of names) {
    const user = state.users.get(name) as UserRecord;
    lines.push(userRow(user, keysByUser.get(name)));
  }
  return lines.join('\n');
}
