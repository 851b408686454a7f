// The admin console's two reads at IAM's 5,000-user quota (10% without MFA, 250 with a pending
// link, 20 exempt), under the bench's IAM latency and throttling: the compliance report with
// invitation states, summary and exemptions (with no credential report yet, then reusing it),
// and the history over 90 and 365 days. Prints IAM calls and wall time; asserts nothing (the
// integration tests assert the call counts).

import type { ComplianceReport, HistoryResponse } from '../../functions/admin/schemas.ts';
import type { Emulator } from '../../local/emulator/emulator.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import { withAccountStates } from '../support/account-states.ts';
import { consolePageLoad } from './console-page.ts';

export interface ConsoleBenchDeps {
  emulator: Emulator;
  /** GET on the admin app with a compliance:read key. */
  get: (path: string) => Response | Promise<Response>;
  /** The admin app itself and that key, for the console page's first load in Chromium. */
  app: { fetch: (request: Request) => Response | Promise<Response> };
  apiKey: string;
  /** Puts the bench's IAM latency and throttling in place. */
  faults: () => void;
  maxCodeAttempts: number;
  users: number;
  withoutMfaRatio: number;
}

const PENDING_INVITATIONS = 250;
const EXEMPT = 20;

export async function complianceConsole(deps: ConsoleBenchDeps): Promise<void> {
  const em = deps.emulator;
  const spec = withAccountStates(
    generateAccount({ users: deps.users, withoutMfaRatio: deps.withoutMfaRatio }),
    {
      now: new Date(),
      maxCodeAttempts: deps.maxCodeAttempts,
      invitations: { pending: PENDING_INVITATIONS },
      invitationsAmong: 'withoutMfa',
      exemptions: { current: EXEMPT },
    },
  );
  /** A fresh account: no credential report yet. */
  const reseed = () => {
    em.reset();
    em.seed(spec);
  };
  reseed();
  console.log(
    `\nAdmin console reads: ${deps.users} users, ${deps.withoutMfaRatio * 100}% without MFA, ${PENDING_INVITATIONS} with a pending link, ${EXEMPT} exempt (same IAM latency and throttling)`,
  );
  const table = (byAction: Record<string, number>) =>
    Object.entries(byAction)
      .map(([action, n]) => `${action} ${n}`)
      .join(', ');

  const measure = async <T>(label: string, path: string, describe: (body: T) => string) => {
    em.calls.reset();
    deps.faults();
    const start = performance.now();
    const res = await deps.get(path);
    const body = (await res.json()) as T;
    const wall = Math.round(performance.now() - start);
    const calls = em.calls.snapshot();
    console.log(`  ${label}: HTTP ${res.status}, ${describe(body)}`);
    console.log(`    wall time ${wall} ms, IAM calls ${calls.total}: ${table(calls.byAction)}`);
    return { wall, calls: calls.total };
  };

  const report = (label: string) =>
    measure<ComplianceReport>(label, '/v1/compliance/users-without-mfa', (r) => {
      const s = r.summary;
      return `${r.users.length} rows; summary: ${s.withMfa} with MFA, ${s.withoutMfa} without (${s.withoutMfaConsole} with console), ${s.exempt} exempt, ${s.pendingInvitations} pending / ${s.expiredInvitations} expired links, ${s.mfaOutsideForceMfaGroup} with MFA outside the group`;
    });
  const cold = await report('report, no credential report yet (generates one)');
  const warm = await report('report, credential report reused');

  let reportAtHand = 'credential report reused';
  const history = (days: number) =>
    measure<HistoryResponse>(
      `history, ${days} days, ${reportAtHand}`,
      `/v1/compliance/history?days=${days}`,
      (h) => {
        const [first, last] = [h.points[0], h.points.at(-1)];
        return `${h.points.length} points, ${first?.date} ${first?.withMfa}/${first?.users} → ${last?.date} ${last?.withMfa}/${last?.users} with MFA; ${h.limitations.length} limitations`;
      },
    );
  const h90 = await history(90);
  const h365 = await history(365);
  reseed();
  reportAtHand = 'no credential report yet';
  const hCold = await history(90);

  // The page's first load: the report (with the credential report reused) and the history.
  await consolePageLoad(
    { fetch: deps.app.fetch, apiKey: deps.apiKey, before: deps.faults },
    'credential report reused',
  );

  console.log(
    `  Budgets: report ≤ 30 IAM calls and < 2 s: warm ${warm.calls} calls / ${warm.wall} ms, cold ${cold.calls} calls / ${cold.wall} ms; history ≤ 30 IAM calls: ${h90.calls} (90 days), ${h365.calls} (365 days), ${hCold.calls} (90 days, generating the credential report)`,
  );
}
