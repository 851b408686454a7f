// "Which IAM users lack MFA?", answered live within a small IAM call budget.
//
// Per-user scanners call IAM once or more per user (5,000+ calls at the user quota); report
// readers are cheap but up to four hours old. We combine both (issue #4):
//   live, in parallel, 1000 per page: ListUsers, ListVirtualMFADevices(Assigned), GetGroup;
//   the credential report (GenerateCredentialReport reuses one younger than 4 h) for what the
//   lists cannot say: MFA devices that are not virtual (hardware TOTP, FIDO) and console access;
//   per-user calls only for users the report cannot settle (created after it), bounded.
// A user lacks MFA when no device of any kind is enabled. Each row says how it was decided.

import type { ComplianceReport, Evidence, UserWithoutMfa } from '../admin/schemas.ts';
import { isIamError } from '../aws/iam-error.ts';
import { accountIdFromArn, type IamGateway } from '../aws/iam-gateway.ts';
import type { CredentialReport, IamInventory, ListedUser } from '../aws/iam-inventory.ts';
import { type Clock, systemClock } from '../clock.ts';
import { type CredentialReportRow, parseCredentialReport } from './credential-report.ts';

export interface ScanOptions {
  pathPrefix?: string;
  /** Only users who can (or may) sign in to the console. */
  consoleOnly?: boolean;
  /** Leave out users created at or after this moment (a grace period for new hires). */
  createdBefore?: Date;
}

export interface ScanDeps {
  /** For the per-user device listings and, when no user ARN names it, the account id. */
  gateway: IamGateway;
  inventory: IamInventory;
  forceMfaGroup: string;
  now?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a credential report that is being generated. */
  reportWaitMs?: number;
  /** Users outside the report that may be checked one by one (2 IAM calls each). */
  maxPerUserChecks?: number;
}

export const DEFAULT_REPORT_WAIT_MS = 10_000;
const DEFAULT_MAX_PER_USER_CHECKS = 10;
const CHECK_CONCURRENCY = 4;

export async function scanUsersWithoutMfa(
  deps: ScanDeps,
  options: ScanOptions = {},
): Promise<ComplianceReport> {
  const now = deps.now ?? systemClock;
  const startedAt = now().toISOString();
  const [users, withVirtualMfa, group, report] = await Promise.all([
    deps.inventory.listUsers(options.pathPrefix),
    deps.inventory.usersWithVirtualMfa(),
    groupMembers(deps),
    freshCredentialReport(deps),
  ]);
  const firstUser = users[0];
  // STS is asked only when no user ARN names the account (an empty account or path).
  const accountId = firstUser ? accountIdFromArn(firstUser.arn) : await deps.gateway.accountId();
  const reportRows = report
    ? parseCredentialReport(report.csv)
    : new Map<string, CredentialReportRow>();

  const lacking: UserWithoutMfa[] = [];
  const unsettled: ListedUser[] = [];
  for (const user of users) {
    if (options.createdBefore && user.createDate.getTime() >= options.createdBefore.getTime())
      continue;
    if (withVirtualMfa.has(user.userName)) continue;
    // A row describes this user only if the user existed when the report was made (a user
    // deleted and re-created under the same name since then is someone else).
    const row =
      report && user.createDate.getTime() <= report.generatedAt.getTime()
        ? reportRows.get(user.userName)
        : undefined;
    if (row?.mfaActive) continue; // a hardware or FIDO device, per the report
    if (row) lacking.push(toRow(user, group.members, row.passwordEnabled, 'credential-report'));
    else unsettled.push(user);
  }

  const budget = deps.maxPerUserChecks ?? DEFAULT_MAX_PER_USER_CHECKS;
  const checked = unsettled.slice(0, budget);
  const skipped = unsettled.slice(budget);
  const results = await mapLimited(checked, CHECK_CONCURRENCY, async (user) => {
    try {
      const [devices, consoleAccess] = await Promise.all([
        deps.gateway.listMfaDevices(user.userName),
        deps.inventory.hasLoginProfile(user.userName),
      ]);
      return devices.length > 0 ? undefined : toRow(user, group.members, consoleAccess, 'live');
    } catch (error) {
      // Deleted since it was listed: there is no longer a user to report.
      if (isIamError(error, 'not-found')) return undefined;
      throw error;
    }
  });
  for (const row of results) if (row) lacking.push(row);
  for (const user of skipped) lacking.push(toRow(user, group.members, null, 'virtual-only'));

  const selected = lacking
    .filter((u) => !options.consoleOnly || u.consoleAccess !== false)
    .sort((a, b) => (a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1));

  return {
    accountId,
    generatedAt: startedAt,
    totalUsers: users.length,
    sources: {
      users: { source: 'live', at: startedAt },
      virtualMfaDevices: { source: 'live', at: startedAt },
      forceMfaGroup: {
        source: 'live',
        at: startedAt,
        groupName: deps.forceMfaGroup,
        exists: group.exists,
      },
      otherMfaDevicesAndConsoleAccess: report
        ? { source: 'credential-report', generatedAt: report.generatedAt.toISOString() }
        : { source: 'unavailable', reason: 'The credential report was still being generated.' },
      perUserChecks: { source: 'live', users: checked.length, skipped: skipped.length },
    },
    users: selected,
  };
}

function toRow(
  user: ListedUser,
  members: Set<string>,
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
    inForceMfaGroup: members.has(user.userName),
    evidence,
  };
}

async function groupMembers(deps: ScanDeps): Promise<{ members: Set<string>; exists: boolean }> {
  try {
    return { members: await deps.inventory.groupMembers(deps.forceMfaGroup), exists: true };
  } catch (error) {
    if (isIamError(error, 'not-found')) return { members: new Set(), exists: false };
    throw error;
  }
}

/**
 * The credential report, generating one if none younger than four hours exists (IAM reuses a
 * recent one, so this is usually two calls). Waits for a generation in progress, up to a limit.
 */
async function freshCredentialReport(deps: ScanDeps): Promise<CredentialReport | undefined> {
  const now = deps.now ?? systemClock;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now().getTime() + (deps.reportWaitMs ?? DEFAULT_REPORT_WAIT_MS);
  let pause = 200;
  for (;;) {
    if ((await deps.inventory.generateCredentialReport()) === 'COMPLETE') {
      const report = await deps.inventory.getCredentialReport();
      if (report) return report;
    }
    if (now().getTime() + pause > deadline) return undefined;
    await sleep(pause);
    pause = Math.min(pause * 2, 1_000);
  }
}

async function mapLimited<T, R>(
  items: T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await f(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
