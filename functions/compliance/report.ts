// The "users without MFA" report as the admin API serves it: the scan (scan.ts) fitted into the
// request's time budget, and its CSV download (columns, file name, headers).

import type { ComplianceReport, UserWithoutMfa } from '../admin/schemas.ts';
import type { IamGateway } from '../aws/iam-gateway.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { withProductErrors } from '../errors.ts';
import { reportWaitWithin } from './credential-report.ts';
import { toCsv } from './csv.ts';
import { scanUsersWithoutMfa } from './scan.ts';

export interface ReportDeps {
  gateway: IamGateway;
  inventory: IamInventory;
  config: Config;
  clock: Clock;
  /** Epoch ms by which all IAM work of the request must be done. */
  deadline: number;
  /** Tuning of the scan (tests shorten the credential-report wait). */
  scan?: { reportWaitMs?: number; maxPerUserChecks?: number };
  /** The account this runs in, when known without IAM (the Lambda's own ARN). */
  callerAccountId?: string;
}

/** What the caller may narrow the report to (validated at the edge). */
export interface ReportFilter {
  pathPrefix?: string;
  /** Only users who can (or may) sign in to the console. */
  consoleOnly?: boolean;
  /** ISO date-time: leave out users created at or after it. */
  createdBefore?: string;
}

export function usersWithoutMfaReport(
  { gateway, inventory, config, clock, deadline, scan, callerAccountId }: ReportDeps,
  filter: ReportFilter,
): Promise<ComplianceReport> {
  return withProductErrors(() =>
    scanUsersWithoutMfa(
      {
        gateway,
        inventory,
        forceMfaGroup: config.forceMfaGroup,
        maxCodeAttempts: config.maxCodeAttempts,
        now: clock,
        callerAccountId,
        ...scan,
        // Leave the rest of the request's budget for the listings and per-user checks.
        reportWaitMs: reportWaitWithin(deadline, scan?.reportWaitMs),
      },
      {
        pathPrefix: filter.pathPrefix,
        consoleOnly: filter.consoleOnly,
        createdBefore: filter.createdBefore ? new Date(filter.createdBefore) : undefined,
      },
    ),
  );
}

/** The CSV's columns, in order: a row's fields, then its invitation's (empty when it has none). */
const CSV_CELLS = {
  userName: (u) => u.userName,
  arn: (u) => u.arn,
  path: (u) => u.path,
  createDate: (u) => u.createDate,
  passwordLastUsed: (u) => u.passwordLastUsed,
  consoleAccess: (u) => u.consoleAccess,
  inForceMfaGroup: (u) => u.inForceMfaGroup,
  evidence: (u) => u.evidence,
  invitationState: (u) => u.invitation?.state,
  invitationExpiresAt: (u) => u.invitation?.expiresAt,
} satisfies Record<string, (u: UserWithoutMfa) => string | boolean | null | undefined>;

export const COMPLIANCE_CSV_COLUMNS = Object.keys(CSV_CELLS) as (keyof typeof CSV_CELLS)[];

/** The report as a CSV download; what the JSON says about its sources rides in headers. */
export function csvResponse(report: ComplianceReport): Response {
  const body = toCsv(
    [...COMPLIANCE_CSV_COLUMNS],
    report.users.map((u) => COMPLIANCE_CSV_COLUMNS.map((column) => CSV_CELLS[column](u))),
  );
  const sourceOfOthers = report.sources.otherMfaDevicesAndConsoleAccess;
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="users-without-mfa-${report.generatedAt.slice(0, 10)}.csv"`,
      'X-Generated-At': report.generatedAt,
      'X-Credential-Report-Generated-At':
        'generatedAt' in sourceOfOthers ? sourceOfOthers.generatedAt : 'unavailable',
      'X-Total-Users': String(report.totalUsers),
    },
  });
}
