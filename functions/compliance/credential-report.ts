// IAM's credential report (IAM User Guide, "Getting credential reports"): getting a fresh one,
// and reading it. One row per user plus `<root_account>`; we need mfa_active and
// password_enabled per user.

import type { CredentialReport, IamInventory } from '../aws/iam-inventory.ts';
import { type Clock, systemClock } from '../clock.ts';
import { parseCsv } from './csv.ts';

export interface CredentialReportRow {
  mfaActive: boolean;
  passwordEnabled: boolean;
}

export const DEFAULT_REPORT_WAIT_MS = 10_000;

/** Time kept for the rest of a request's IAM work after waiting for a credential report. */
const REPORT_WAIT_HEADROOM_MS = 8_000;

/** How long a request may wait for a credential report: what it asks, within its deadline. */
export function reportWaitWithin(deadline: number, wanted = DEFAULT_REPORT_WAIT_MS): number {
  return Math.min(wanted, Math.max(0, deadline - Date.now() - REPORT_WAIT_HEADROOM_MS));
}

export interface FreshReportDeps {
  inventory: IamInventory;
  now?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a credential report that is being generated. */
  reportWaitMs?: number;
}

/**
 * The credential report, generating one if none younger than four hours exists (IAM reuses a
 * recent one, so this is usually two calls). Waits for a generation in progress, up to a limit.
 */
export async function freshCredentialReport(
  deps: FreshReportDeps,
): Promise<CredentialReport | undefined> {
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

export function parseCredentialReport(csv: string): Map<string, CredentialReportRow> {
  const [header, ...rows] = parseCsv(csv.trim());
  if (!header) return new Map();
  const col = (name: string) => {
    const index = header.indexOf(name);
    if (index === -1) throw new Error(`credential report has no ${name} column`);
    return index;
  };
  const user = col('user');
  const mfa = col('mfa_active');
  const password = col('password_enabled');
  const result = new Map<string, CredentialReportRow>();
  for (const row of rows) {
    const name = row[user];
    if (!name || name === '<root_account>') continue;
    result.set(name, {
      mfaActive: row[mfa]?.toLowerCase() === 'true',
      passwordEnabled: row[password]?.toLowerCase() === 'true',
    });
  }
  return result;
}

/**
 * The report's row about this user, if it describes them: only if the user existed when the
 * report was made (a user deleted and re-created under the same name since is someone else).
 */
export function rowAbout(
  rows: Map<string, CredentialReportRow>,
  report: CredentialReport | undefined,
  user: { userName: string; createDate: Date },
): CredentialReportRow | undefined {
  if (!report || user.createDate.getTime() > report.generatedAt.getTime()) return undefined;
  return rows.get(user.userName);
}
