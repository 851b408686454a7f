// A bulk invitation of 200 users at IAM's 5,000-user quota (10% without MFA, 250 of them with a
// pending link, some of those with a device made and a wrong code tried, 20 exempt), under the
// bench's IAM latency and throttling: POST /v1/invitations/bulk through the admin app, with the
// credential report at hand (the console has just loaded the compliance report) and without one.
// Prints the answers, IAM calls by action, calls per user, wall time and the budget (at most 1.2
// IAM calls per user plus 15, under 29 s); asserts nothing (admin-bulk-invitations.test.ts
// asserts the counts). `npm run bench -- --only bulk`.

import { GenerateCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { createAdminApp } from '../../functions/admin/app.ts';
import type { BulkInvitationResponse } from '../../functions/admin/schemas.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { INVITATION_TAG_KEY, loadConfig } from '../../functions/config.ts';
import { invitationIn, newAttemptKey } from '../../functions/invitations/token.ts';
import { createLogger } from '../../functions/logger.ts';
import { openApiDocument } from '../../functions/openapi/document.ts';
import { generateAccount, seededRandom } from '../../local/emulator/generate-account.ts';
import { startEmulator } from '../../local/emulator/http-server.ts';
import type { SeedSpec } from '../../local/emulator/seed.ts';
import { withAccountStates } from '../support/account-states.ts';

const USERS = 5000;
const WITHOUT_MFA = 0.1;
const PENDING = 250;
/** Of the pending links: opened (a device made), and of those, a wrong code tried. */
const OPENED = 50;
const TRIED = 15;
const EXEMPT = 20;
const BULK = 200;
const LATENCY_MS = 50;
const THROTTLE_RPS = 20;
const MAX_CODE_ATTEMPTS = 10;

export async function bulkInvitations(): Promise<void> {
  const emulator = await startEmulator();
  const em = emulator.emulator;
  const credentials = { accessKeyId: 'AKIABENCHMARK000001', secretAccessKey: 'bench' };
  const clients = createClients({ iamEndpoint: emulator.url, credentials });
  const reader = new IAMClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  const { key, sha256 } = newApiKey();
  const config = loadConfig({
    PUBLIC_BASE_URL: 'https://onboarding.example.com',
    MAX_CODE_ATTEMPTS: String(MAX_CODE_ATTEMPTS),
    API_KEYS: JSON.stringify([{ name: 'bench', scopes: ['invitations:write'], sha256 }]),
  });
  // Production settings: the request budget, the retries' backoff and the pacing.
  const admin = createAdminApp({
    clients,
    config,
    logger: createLogger('bench', () => {}),
    assets: { html: '', files: {} },
    openApiDocument,
  });

  const spec = account();
  const userNames = (spec.users ?? []).filter((u) => !u.mfa?.length).map((u) => u.name);
  const chosen = userNames.slice(0, BULK);
  const chosenSet = new Set(chosen);
  const of = (pick: (u: NonNullable<SeedSpec['users']>[number]) => boolean) =>
    (spec.users ?? []).filter((u) => chosenSet.has(u.name) && pick(u)).length;
  const devices = new Set((spec.unassignedVirtualDevices ?? []).map((d) => d.name));
  console.log(
    `\nBulk invitation: ${BULK} of the ${userNames.length} users without MFA, in an account of ${USERS} (${PENDING} pending links, ${OPENED} of them opened with a device made, ${TRIED} with a wrong code tried, ${EXEMPT} exempt); IAM +${LATENCY_MS} ms a call, ${THROTTLE_RPS} calls/s`,
  );
  console.log(
    `  the ${BULK}: ${of((u) => hasTag(u, INVITATION_TAG_KEY))} with a pending link (to reissue), ${of((u) => devices.has(`onboarding-${u.name}`))} with its device, ${of((u) => (u.tags ?? []).some((t) => t.key.includes(':attempt:')))} with attempt keys`,
  );

  const run = async (label: string, withReport: boolean) => {
    em.reset();
    em.seed(spec);
    if (withReport) {
      // The console's compliance report has just made one.
      for (;;) {
        const { State } = await reader.send(new GenerateCredentialReportCommand({}));
        if (State === 'COMPLETE') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    em.calls.reset();
    em.outcomes.reset();
    em.faults.configure({ latencyMs: LATENCY_MS, throttle: { ratePerSecond: THROTTLE_RPS } });
    const start = performance.now();
    const res = await admin.request('/v1/invitations/bulk', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userNames: chosen }),
    });
    const wall = Math.round(performance.now() - start);
    em.faults.configure({});
    const calls = em.calls.snapshot();
    const throttled = Object.values(em.outcomes.snapshot()).reduce(
      (n, byOutcome) => n + (byOutcome.Throttling ?? 0),
      0,
    );
    const body = res.status === 200 ? ((await res.json()) as BulkInvitationResponse) : undefined;
    const statuses = new Map<string, number>();
    for (const r of body?.results ?? []) {
      const k = `${r.status}${r.error ? ` ${r.error.code}` : r.finishOnly ? ' finishOnly' : ''}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
    console.log(
      `  ${label}: HTTP ${res.status}, ${[...statuses].map(([k, n]) => `${n}× ${k}`).join(', ')}`,
    );
    console.log(
      `    wall time ${wall} ms, IAM calls ${calls.total} (${throttled} throttled), ${(calls.total / BULK).toFixed(2)} per user: ${Object.entries(
        calls.byAction,
      )
        .map(([action, n]) => `${action} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `    budget ≤ ${1.2 * BULK + 15} calls and < 29 s: ${calls.total} calls, ${(wall / 1000).toFixed(1)} s`,
    );
  };
  await run('credential report at hand', true);
  await run('no credential report yet (waits for one, briefly)', false);

  reader.destroy();
  clients.iam.destroy();
  await emulator.stop();
}

function account(): SeedSpec {
  const spec = withAccountStates(generateAccount({ users: USERS, withoutMfaRatio: WITHOUT_MFA }), {
    now: new Date(),
    maxCodeAttempts: MAX_CODE_ATTEMPTS,
    invitations: { pending: PENDING },
    invitationsAmong: 'withoutMfa',
    exemptions: { current: EXEMPT },
  });
  // Some employees opened their link (the service's device was made) and typed a wrong code:
  // drawn at random (seeded) among the pending links.
  const random = seededRandom(11);
  const opened = (spec.users ?? [])
    .filter((u) => hasTag(u, INVITATION_TAG_KEY))
    .map((u) => ({ u, r: random() }))
    .sort((a, b) => a.r - b.r)
    .slice(0, OPENED)
    .map(({ u }) => u);
  for (const user of opened.slice(0, TRIED)) {
    const id = invitationIn(Object.fromEntries((user.tags ?? []).map((t) => [t.key, t.value])))?.id;
    if (id)
      user.tags?.push({ key: newAttemptKey(id), value: String(Math.floor(Date.now() / 1000)) });
  }
  return {
    ...spec,
    unassignedVirtualDevices: [
      ...(spec.unassignedVirtualDevices ?? []),
      ...opened.map((u) => ({ name: `onboarding-${u.name}`, path: '/mfa-onboarding/' })),
    ],
  };
}

const hasTag = (user: { tags?: { key: string }[] }, key: string) =>
  (user.tags ?? []).some((t) => t.key === key);
