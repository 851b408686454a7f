// "Which IAM users lack MFA?", answered live within a small IAM call budget, with where each of
// them stands (exempt, invited) and the account's totals.
//
// Per-user scanners call IAM once or more per user (5,000+ calls at the user quota); report
// readers are cheap but up to four hours old. We combine both (issue #4):
//   live, in parallel, 1000 per page: ListUsers (who, under pathPrefix, and password last used),
//   GetAccountAuthorizationDetails(User) (every user's tags and groups: exemptions, invitations,
//   force-MFA membership), ListVirtualMFADevices(Assigned), and GetGroup for one item (whether
//   the force-MFA group exists);
//   the credential report (GenerateCredentialReport reuses one younger than 4 h) for what the
//   lists cannot say: MFA devices that are not virtual (hardware TOTP, FIDO) and console access;
//   per-user calls only for users the report cannot settle (created after it), bounded.
// A user lacks MFA when no device of any kind is enabled. Each row says how it was decided.
//
// The users are those both listings saw with the same UserId. The two run at the same time, so
// a user created while they run may be in one only, and a user deleted and re-created under the
// same name has a new id: such users are left out of this report (the next one has them) rather
// than reported with tags or groups read from someone else, or not read at all.

import type { ComplianceReport, Evidence, Exemption, UserWithoutMfa } from '../admin/schemas.ts';
import { IamError, isIamError } from '../aws/iam-error.ts';
import { accountIdFromArn, type IamGateway } from '../aws/iam-gateway.ts';
import type {
  AssignedVirtualMfaDevice,
  AuthorizedUser,
  IamInventory,
  ListedUser,
} from '../aws/iam-inventory.ts';
import { type Clock, systemClock } from '../clock.ts';
import { isInGroup } from '../enrollment/own-device.ts';
import { exemptionOf } from '../exemptions/tag.ts';
import { invitationStatus, type Tags } from '../invitations/token.ts';
import {
  type CredentialReportRow,
  freshCredentialReport,
  parseCredentialReport,
  rowAbout,
} from './credential-report.ts';
import { mapLimited } from './map-limited.ts';

export interface ScanOptions {
  pathPrefix?: string;
  /** Only users who can (or may) sign in to the console. */
  consoleOnly?: boolean;
  /** Leave out users created at or after this moment (a grace period for new hires). */
  createdBefore?: Date;
}

export interface ScanDeps {
  /** For the per-user device listings. */
  gateway: IamGateway;
  inventory: IamInventory;
  forceMfaGroup: string;
  /** Wrong codes after which an invitation is locked (it then counts as expired). */
  maxCodeAttempts: number;
  now?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a credential report that is being generated. */
  reportWaitMs?: number;
  /** Users outside the report that may be checked one by one (2 IAM calls each). */
  maxPerUserChecks?: number;
  /** The account, for when no ARN IAM returned names it (an empty account without the group). */
  callerAccountId?: string;
}

const DEFAULT_MAX_PER_USER_CHECKS = 10;
const CHECK_CONCURRENCY = 4;

/** A user both listings saw, with what the report needs to know about them. */
interface ScannedUser extends ListedUser {
  tags: Tags;
  inForceMfaGroup: boolean;
  exemption: Exemption | undefined;
  invitation: UserWithoutMfa['invitation'];
}

/** Whether the user has MFA, and how that was found. */
type Finding =
  | { mfa: true }
  | { mfa: false; consoleAccess: boolean | null; evidence: Evidence }
  | { gone: true };

export async function scanUsersWithoutMfa(
  deps: ScanDeps,
  options: ScanOptions = {},
): Promise<ComplianceReport> {
  return (await scanAccount(deps, options)).report;
}

/** The report, and the listings it was made from, for callers that act on the same read. */
export interface AccountScan {
  report: ComplianceReport;
  /** Every user of the account with its tags and groups (GetAccountAuthorizationDetails). */
  detailed: AuthorizedUser[];
  /** Every virtual MFA device enabled for a user. */
  assignedVirtualMfa: AssignedVirtualMfaDevice[];
}

/** The scan, keeping its listings: the scheduled run decides from them with no second read. */
export async function scanAccount(deps: ScanDeps, options: ScanOptions = {}): Promise<AccountScan> {
  const clock = deps.now ?? systemClock;
  const now = clock();
  const startedAt = now.toISOString();
  const [listed, detailed, assignedVirtualMfa, groupArn, report] = await Promise.all([
    deps.inventory.listUsers(options.pathPrefix),
    deps.inventory.usersWithTagsAndGroups(),
    deps.inventory.assignedVirtualMfaDevices(),
    deps.inventory.groupArn(deps.forceMfaGroup),
    freshCredentialReport({ ...deps, now: clock }),
  ]);
  const withVirtualMfa = new Set(assignedVirtualMfa.map((d) => d.userName));
  // Any ARN IAM returned names the account: a user's (of the path, or any), else the group's.
  const arn = listed[0]?.arn ?? detailed[0]?.arn ?? groupArn;
  const accountId = arn ? accountIdFromArn(arn) : deps.callerAccountId;
  if (!accountId) throw new IamError('other', 'NoArnNamesTheAccount', 'scanUsersWithoutMfa');
  const reportRows = report
    ? parseCredentialReport(report.csv)
    : new Map<string, CredentialReportRow>();
  const users = joinListings(listed, detailed, deps, now);

  const findings = new Map<ScannedUser, Finding>();
  const unsettled: ScannedUser[] = [];
  for (const user of users) {
    if (withVirtualMfa.has(user.userName)) {
      findings.set(user, { mfa: true });
      continue;
    }
    const row = rowAbout(reportRows, report, user);
    if (!row) {
      unsettled.push(user);
      continue;
    }
    // mfa_active without a virtual device: a hardware or FIDO device, per the report.
    findings.set(
      user,
      row.mfaActive
        ? { mfa: true }
        : { mfa: false, consoleAccess: row.passwordEnabled, evidence: 'credential-report' },
    );
  }

  // The per-user budget goes first to users who would be rows; the rest only change counts.
  const wouldBeRow = (u: ScannedUser) => !u.exemption && createdInTime(u, options);
  unsettled.sort((a, b) => Number(wouldBeRow(b)) - Number(wouldBeRow(a)));
  const budget = deps.maxPerUserChecks ?? DEFAULT_MAX_PER_USER_CHECKS;
  const checked = unsettled.slice(0, budget);
  const skipped = unsettled.slice(budget);
  await mapLimited(checked, CHECK_CONCURRENCY, async (user) => {
    findings.set(user, await checkLive(deps, user));
  });
  for (const user of skipped)
    findings.set(user, { mfa: false, consoleAccess: null, evidence: 'virtual-only' });

  const summary = {
    totalUsers: 0,
    withMfa: 0,
    withoutMfa: 0,
    withoutMfaConsole: 0,
    consoleUsers: 0,
    exempt: 0,
    pendingInvitations: 0,
    expiredInvitations: 0,
    mfaOutsideForceMfaGroup: 0,
  };
  const exempt: Exemption[] = [];
  const outside: ComplianceReport['mfaOutsideForceMfaGroup'] = [];
  const lacking: UserWithoutMfa[] = [];
  for (const [user, finding] of findings) {
    if ('gone' in finding) continue; // deleted since it was listed: no longer a user to report
    summary.totalUsers++;
    const consoleAccess = finding.mfa
      ? (rowAbout(reportRows, report, user)?.passwordEnabled ?? null)
      : finding.consoleAccess;
    if (consoleAccess !== false) summary.consoleUsers++;
    if (user.invitation?.state === 'pending') summary.pendingInvitations++;
    if (user.invitation?.state === 'expired') summary.expiredInvitations++;
    if (user.exemption) {
      summary.exempt++;
      exempt.push(user.exemption);
    }
    if (finding.mfa) {
      summary.withMfa++;
      if (!user.inForceMfaGroup) {
        summary.mfaOutsideForceMfaGroup++;
        outside.push({ userName: user.userName, arn: user.arn, path: user.path });
      }
      continue;
    }
    if (user.exemption) continue;
    summary.withoutMfa++;
    if (finding.consoleAccess !== false) summary.withoutMfaConsole++;
    if (!createdInTime(user, options)) continue;
    if (options.consoleOnly && finding.consoleAccess === false) continue;
    lacking.push(toRow(user, finding.consoleAccess, finding.evidence));
  }

  const scanned: ComplianceReport = {
    accountId,
    generatedAt: startedAt,
    totalUsers: summary.totalUsers,
    sources: {
      users: { source: 'live', at: startedAt },
      virtualMfaDevices: { source: 'live', at: startedAt },
      forceMfaGroup: {
        source: 'live',
        at: startedAt,
        groupName: deps.forceMfaGroup,
        exists: groupArn !== undefined,
      },
      otherMfaDevicesAndConsoleAccess: report
        ? { source: 'credential-report', generatedAt: report.generatedAt.toISOString() }
        : { source: 'unavailable', reason: 'The credential report was still being generated.' },
      perUserChecks: { source: 'live', users: checked.length, skipped: skipped.length },
    },
    summary,
    exempt: exempt.sort(byUserName),
    mfaOutsideForceMfaGroup: outside.sort(byUserName),
    users: lacking.sort(byUserName),
  };
  return { report: scanned, detailed, assignedVirtualMfa };
}

/** The users ListUsers gave, each with the tags and groups the other listing gave for them. */
function joinListings(
  listed: ListedUser[],
  detailed: AuthorizedUser[],
  deps: ScanDeps,
  now: Date,
): ScannedUser[] {
  const byId = new Map(detailed.map((u) => [u.userId, u]));
  return listed.flatMap((user) => {
    const details = byId.get(user.userId);
    if (!details || details.userName !== user.userName) return [];
    const exemption = exemptionOf(details.tags, now);
    return [
      {
        ...user,
        tags: details.tags,
        inForceMfaGroup: isInGroup(details.groups, deps.forceMfaGroup),
        exemption: exemption && {
          userName: user.userName,
          reason: exemption.reason,
          until: exemption.until?.toISOString() ?? null,
        },
        invitation: invitationOf(details.tags, deps.maxCodeAttempts, now),
      },
    ];
  });
}

/** The current invitation on the user, if any: pending, or expired (also when locked). */
function invitationOf(tags: Tags, maxCodeAttempts: number, now: Date): ScannedUser['invitation'] {
  const status = invitationStatus(tags, maxCodeAttempts, now);
  if (!status) return null;
  return {
    state: status.state === 'pending' ? 'pending' : 'expired',
    expiresAt: status.record.expiresAt.toISOString(),
  };
}

/** ListMFADevices and GetLoginProfile for one user the credential report cannot settle. */
async function checkLive(deps: ScanDeps, user: ScannedUser): Promise<Finding> {
  try {
    const [devices, consoleAccess] = await Promise.all([
      deps.gateway.listMfaDevices(user.userName),
      deps.inventory.hasLoginProfile(user.userName),
    ]);
    return devices.length > 0 ? { mfa: true } : { mfa: false, consoleAccess, evidence: 'live' };
  } catch (error) {
    if (isIamError(error, 'not-found')) return { gone: true };
    throw error;
  }
}

const createdInTime = (user: ListedUser, options: ScanOptions) =>
  !options.createdBefore || user.createDate.getTime() < options.createdBefore.getTime();

const byUserName = (a: { userName: string }, b: { userName: string }) =>
  a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1;

function toRow(
  user: ScannedUser,
  consoleAccess: boolean | null,
  evidence: Evidence,
): UserWithoutMfa {
  return {
    userName: user.userName,
    arn: user.arn,
    path: user.path,
    createDate: user.createDate.toISOString(),
    passwordLastUsed: user.passwordLastUsed?.toISOString() ?? null,
    consoleAccess,
    inForceMfaGroup: user.inForceMfaGroup,
    invitation: user.invitation,
    evidence,
  };
}
