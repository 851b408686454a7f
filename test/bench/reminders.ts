// One scheduled reminders run (functions/reminders/run.ts) at IAM's 5,000-user quota: 500 users
// without MFA, 400 of them with an address (so the run invites 400), under the bench's IAM latency
// (+50 ms a call) and throttling (20 calls/s, token bucket), and SES at 14 messages a second (the
// emulator's sending rate: SES's usual production start). SES runs on an emulator of its own, so
// its calls neither take IAM's throttle nor count as IAM calls. Prints the run's summary, its IAM
// calls by action against the budget (at most 30 + 1.2 per invitation), its SES calls (and how
// many SES throttled) and the wall time, then a second run's (it sends nothing). Asserts nothing
// (test/integration/reminders.test.ts asserts what a run does). `npm run bench -- --only reminders`.

import { createClients } from '../../functions/aws/clients.ts';
import { createSesClient } from '../../functions/aws/ses.ts';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/logger.ts';
import { createReminders } from '../../functions/reminders/run.ts';
import { remindersRoleSeed } from '../../local/demo-account.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import { startEmulator } from '../../local/emulator/http-server.ts';
import type { SeedSpec } from '../../local/emulator/seed.ts';

const USERS = 5000;
const WITHOUT_MFA = 500;
const WITH_ADDRESS = 400;
const LATENCY_MS = 50;
const THROTTLE_RPS = 20;
const SES_RATE = 14;
const SENDER = 'onboarding@example.com';
const ROLE = 'RemindersRole';
const SES_ACTIONS = new Set(['SendEmail']);

export async function remindersRun(): Promise<void> {
  const iamEmulator = await startEmulator();
  const sesEmulator = await startEmulator();
  const iam = iamEmulator.emulator;
  const ses = sesEmulator.emulator;
  const credentials = { accessKeyId: 'AKIABENCHMARK000001', secretAccessKey: 'bench' };
  const lines: string[] = [];

  iam.seed(account());
  ses.ses.createIdentity(SENDER, [], { verified: true });
  ses.ses.configure({ maxSendRate: SES_RATE });
  console.log(
    `\nReminders run: ${USERS} users, ${WITHOUT_MFA} without MFA, ${WITH_ADDRESS} of them with an address (AUTO_INVITE on); IAM +${LATENCY_MS} ms a call, ${THROTTLE_RPS} calls/s; SES ${SES_RATE} messages/s`,
  );

  const run = createReminders({
    clients: createClients({ iamEndpoint: iamEmulator.url, credentials }),
    ses: createSesClient({ endpoint: sesEmulator.url, credentials }),
    // Production settings otherwise: the budget, the retries' backoff, the IAM pacing.
    config: loadConfig({
      PUBLIC_BASE_URL: 'https://onboarding.example.com',
      SENDER_EMAIL: SENDER,
      AUTO_INVITE: 'true',
      REMINDERS_ROLE_NAME: ROLE,
    }),
    logger: createLogger('bench', (line) => lines.push(line)),
    sesRatePerSecond: SES_RATE,
  });

  iam.calls.reset();
  iam.outcomes.reset();
  iam.faults.configure({ latencyMs: LATENCY_MS, throttle: { ratePerSecond: THROTTLE_RPS } });
  const start = performance.now();
  const summary = await run();
  const wall = Math.round(performance.now() - start);
  iam.faults.configure({});

  const byAction = iam.calls.snapshot().byAction;
  const iamCalls = Object.entries(byAction).filter(([action]) => !SES_ACTIONS.has(action));
  const iamTotal = iamCalls.reduce((n, [, count]) => n + count, 0);
  const throttled = Object.values(iam.outcomes.snapshot()).reduce(
    (n, outcomes) => n + (outcomes.Throttling ?? 0),
    0,
  );
  const sends = ses.calls.snapshot().byAction.SendEmail ?? 0;
  const sesThrottled = ses.outcomes.snapshot().SendEmail?.TooManyRequestsException ?? 0;
  const invitations = summary.invited + summary.renewed;
  const budget = 30 + 1.2 * invitations;

  console.log(
    `  run: invited ${summary.invited}, renewed ${summary.renewed}, failed ${summary.failed}, left for the next run ${summary.deferred}; ${ses.ses.messages().length} mails accepted`,
  );
  console.log(
    `    wall time ${wall} ms; IAM calls ${iamTotal} (${throttled} throttled), ${(iamTotal / Math.max(1, invitations)).toFixed(2)} per invitation: ${iamCalls
      .map(([action, n]) => `${action} ${n}`)
      .join(', ')}`,
  );
  console.log(
    `    SES calls ${sends} (${sesThrottled} throttled and retried), ${(sends / Math.max(1, wall / 1000)).toFixed(1)} a second over the run`,
  );
  console.log(
    `    budget ≤ ${budget} IAM calls (30 + 1.2 × ${invitations}): ${iamTotal} calls, within the 4-minute run: ${(wall / 1000).toFixed(1)} s`,
  );

  // The next day's run finds the 400 invited (pending links): it reads the account, sends nothing.
  iam.calls.reset();
  ses.calls.reset();
  iam.faults.configure({ latencyMs: LATENCY_MS, throttle: { ratePerSecond: THROTTLE_RPS } });
  const againStart = performance.now();
  const again = await run();
  const againWall = Math.round(performance.now() - againStart);
  iam.faults.configure({});
  console.log(
    `  a second run: invited ${again.invited}, renewed ${again.renewed}; IAM calls ${iam.calls.snapshot().total}, SES calls ${ses.calls.snapshot().byAction.SendEmail ?? 0}, wall time ${againWall} ms`,
  );

  await iamEmulator.stop();
  await sesEmulator.stop();
}

/** The generated account, an address on 400 of its users without MFA, and the run's own role. */
function account(): SeedSpec {
  const spec = generateAccount({ users: USERS, withoutMfaRatio: WITHOUT_MFA / USERS });
  let addressed = 0;
  for (const user of spec.users ?? []) {
    if (user.mfa?.length || addressed >= WITH_ADDRESS) continue;
    user.tags = [...(user.tags ?? []), { key: 'email', value: `${user.name}@example.com` }];
    addressed += 1;
  }
  return {
    ...spec,
    roles: [remindersRoleSeed(ROLE)],
  };
}
