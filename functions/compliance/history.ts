// The MFA trend over the last N days (GET /v1/compliance/history), rebuilt from IAM alone, so a
// trend needs no database: per UTC day, how many of today's users existed by its end (their
// CreateDate), and how many of them had MFA by then (the earliest EnableDate of their current
// devices). Three listings at page size 1000, whatever N: ListUsers, ListVirtualMFADevices
// (Assigned, which carries EnableDate) and the credential report, for devices that are not
// virtual. IAM forgets deleted users and replaced devices; `limitations` says what that leaves
// out, with counts where this account has such users.

import type { HistoryResponse } from '../admin/schemas.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import type { Clock } from '../clock.ts';
import { withProductErrors } from '../errors.ts';
import {
  type CredentialReportRow,
  freshCredentialReport,
  parseCredentialReport,
  reportWaitWithin,
  rowAbout,
} from './credential-report.ts';

export interface HistoryDeps {
  inventory: IamInventory;
  clock: Clock;
  /** Epoch ms by which all IAM work of the request must be done. */
  deadline: number;
  /** Tests shorten the credential-report wait. */
  scan?: { reportWaitMs?: number };
  sleep?: (ms: number) => Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function complianceHistory(deps: HistoryDeps, days: number): Promise<HistoryResponse> {
  return withProductErrors(() => buildHistory(deps, days));
}

async function buildHistory(deps: HistoryDeps, days: number): Promise<HistoryResponse> {
  const now = deps.clock();
  const [users, devices, report] = await Promise.all([
    deps.inventory.listUsers(),
    deps.inventory.assignedVirtualMfaDevices(),
    freshCredentialReport({
      inventory: deps.inventory,
      now: deps.clock,
      sleep: deps.sleep,
      reportWaitMs: reportWaitWithin(deps.deadline, deps.scan?.reportWaitMs),
    }),
  ]);
  const rows = report ? parseCredentialReport(report.csv) : new Map<string, CredentialReportRow>();

  // Per user, the earliest EnableDate of their virtual devices (undefined: a device without one).
  const virtualSince = new Map<string, number | undefined>();
  for (const device of devices) {
    const at = device.enableDate?.getTime();
    const seen = virtualSince.has(device.userName);
    const earlier = virtualSince.get(device.userName);
    if (!seen) virtualSince.set(device.userName, at);
    else if (at !== undefined && (earlier === undefined || at < earlier))
      virtualSince.set(device.userName, at);
  }

  const created: number[] = [];
  const mfaSince: number[] = [];
  let undatedVirtual = 0;
  let otherKindsOnly = 0;
  let unknownKinds = 0;
  for (const user of users) {
    const createdAt = user.createDate.getTime();
    created.push(createdAt);
    const row = rowAbout(rows, report, user);
    // The report saw MFA on the user when it was made: they had it by then at the latest.
    const reportSince = row?.mfaActive && report ? report.generatedAt.getTime() : undefined;
    let since: number | undefined;
    if (virtualSince.has(user.userName)) {
      const virtual = virtualSince.get(user.userName);
      if (virtual === undefined && reportSince === undefined) undatedVirtual++;
      since = Math.min(virtual ?? now.getTime(), reportSince ?? Number.POSITIVE_INFINITY);
    } else if (reportSince !== undefined) {
      otherKindsOnly++;
      since = reportSince;
    } else if (!row) {
      unknownKinds++;
    }
    if (since !== undefined) mfaSince.push(Math.max(since, createdAt));
  }

  const points = dailyCounts(created, mfaSince, now, days);
  const limitations = [
    'Users deleted since are counted on no day: IAM keeps no record of them, so every day counts only users that still exist today.',
    'MFA counts from the enable date of the devices enabled today: a user whose device was replaced counts without MFA before the new one, and MFA that was removed since is not counted on the days it was on.',
  ];
  const reportDay = report?.generatedAt.toISOString().slice(0, 10);
  if (!report) {
    limitations.push(
      'The credential report was still being generated: MFA devices that are not virtual (hardware, FIDO) are not counted on any day.',
    );
  } else if (otherKindsOnly > 0) {
    limitations.push(
      `${usersHave(otherKindsOnly)} only MFA devices that are not virtual (hardware, FIDO), whose enable dates IAM lists only one user at a time: they count from the credential report of ${reportDay} on.`,
    );
  }
  if (report && unknownKinds > 0) {
    limitations.push(
      `${usersHave(unknownKinds)} no virtual MFA device and ${unknownKinds === 1 ? 'was' : 'were'} created since the credential report of ${reportDay}: any other kind of device they have is not counted.`,
    );
  }
  if (undatedVirtual > 0) {
    limitations.push(
      `${usersHave(undatedVirtual)} virtual MFA devices without an enable date: they count from today.`,
    );
  }
  return { points, limitations };
}

const usersHave = (n: number) => (n === 1 ? '1 user has' : `${n} users have`);

/** For each of the last `days` UTC days, oldest first: the times at or before its end. */
function dailyCounts(
  created: number[],
  mfaSince: number[],
  now: Date,
  days: number,
): HistoryResponse['points'] {
  created.sort((a, b) => a - b);
  mfaSince.sort((a, b) => a - b);
  const today = Math.floor(now.getTime() / DAY_MS);
  const points: HistoryResponse['points'] = [];
  let users = 0;
  let withMfa = 0;
  for (let day = today - days + 1; day <= today; day++) {
    const end = (day + 1) * DAY_MS; // the next day's first millisecond
    while (users < created.length && (created[users] as number) < end) users++;
    while (withMfa < mfaSince.length && (mfaSince[withMfa] as number) < end) withMfa++;
    points.push({ date: new Date(day * DAY_MS).toISOString().slice(0, 10), users, withMfa });
  }
  return points;
}
