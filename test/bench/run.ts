// `npm run bench`: prints measured figures (never asserted): the compliance report's IAM calls
// and wall time at IAM's 5,000-user quota under added latency and throttling, the same for a
// naive per-user scan as the reference, the admin console's reads on that account with links
// and exemptions on it (the report's states and summary, the history: compliance-console.ts),
// the enrollment flow's IAM calls per request, then 200
// new hires enrolling at once over HTTP under throttling and faults (enroll-at-scale.ts), a
// bulk invitation of 200 (bulk-invitations.ts), one scheduled reminders run inviting 400 of
// 5,000 users with SES at 14 messages/s (reminders.ts), the service's own HTTP overhead next to a bare Hono app (overhead.ts), and the Lambda bundles'
// sizes and cold import times (bundles.ts).
//
//   npm run bench                     full run (the naive scan and the 200 hires take minutes:
//                                     both are throttled)
//   npm run bench -- --naive-users N  run the naive scan on the first N users and extrapolate
//   npm run bench -- --only S         one section: compliance, scale, bulk, reminders, overhead or
//                                     bundles

import { parseArgs } from 'node:util';
import { IAMClient, ListMFADevicesCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { createAdminApp } from '../../functions/admin/app.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { iamFor } from '../../functions/aws/iam.ts';
import { loadConfig } from '../../functions/config.ts';
import { issueInvitation } from '../../functions/invitations/issue.ts';
import { createLogger } from '../../functions/logger.ts';
import { createOnboardingApp } from '../../functions/onboarding/app.ts';
import { openApiDocument } from '../../functions/openapi/document.ts';
import { buildWebAssets } from '../../infra/web-assets.ts';
import { demoSeed } from '../../local/demo-account.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import { startEmulator } from '../../local/emulator/http-server.ts';
import { consecutiveCodes } from '../support/totp.ts';
import { bulkInvitations } from './bulk-invitations.ts';
import { complianceConsole } from './compliance-console.ts';
import { enrollAtScale } from './enroll-at-scale.ts';
import { overhead } from './overhead.ts';
import { remindersRun } from './reminders.ts';

const USERS = 5000;
const WITHOUT_MFA = 0.1;
const LATENCY_MS = 50;
const THROTTLE_RPS = 20;

const { values: args } = parseArgs({
  options: { 'naive-users': { type: 'string' }, only: { type: 'string' } },
});

/** The compliance report vs the naive scan, then the enrollment flow's IAM calls per request. */
async function complianceAndEnrollment(): Promise<void> {
  const emulator = await startEmulator();
  const credentials = { accessKeyId: 'AKIABENCHMARK000001', secretAccessKey: 'bench' };
  const clients = createClients({
    iamEndpoint: emulator.url,
    credentials,
  });
  const { key, sha256 } = newApiKey();
  const config = loadConfig({
    PUBLIC_BASE_URL: 'https://onboarding.example.com',
    API_KEYS: JSON.stringify([{ name: 'bench', scopes: ['compliance:read'], sha256 }]),
  });
  const silent = createLogger('bench', () => {});
  const admin = createAdminApp({
    clients,
    config,
    logger: silent,
    assets: await buildWebAssets('admin'),
    openApiDocument,
  });
  const em = emulator.emulator;

  const ms = (start: number) => Math.round(performance.now() - start);
  const table = (byAction: Record<string, number>) =>
    Object.entries(byAction)
      .map(([action, n]) => `${action} ${n}`)
      .join(', ');

  // ---- seed ------------------------------------------------------------------------------
  let t = performance.now();
  const spec = generateAccount({ users: USERS, withoutMfaRatio: WITHOUT_MFA });
  const summary = em.seed(spec);
  console.log(
    `Seeded ${summary.users} users, ${summary.devices} MFA devices in ${ms(t)} ms (${WITHOUT_MFA * 100}% without MFA).`,
  );
  console.log(
    `IAM conditions: +${LATENCY_MS} ms per call, throttled at ${THROTTLE_RPS} calls/s (token bucket).\n`,
  );

  const faults = () =>
    em.faults.configure({ latencyMs: LATENCY_MS, throttle: { ratePerSecond: THROTTLE_RPS } });

  // ---- our compliance report -------------------------------------------------------------
  async function report(label: string): Promise<{ wall: number; calls: number }> {
    em.calls.reset();
    faults();
    const start = performance.now();
    const res = await admin.request('/v1/compliance/users-without-mfa', {
      headers: { authorization: `Bearer ${key}` },
    });
    const wall = ms(start);
    const body = (await res.json()) as { users: unknown[]; totalUsers: number };
    const calls = em.calls.snapshot();
    console.log(
      `Compliance report (${label}): HTTP ${res.status}, ${body.users.length} of ${body.totalUsers} users lack MFA`,
    );
    console.log(`  wall time ${wall} ms, IAM calls ${calls.total}: ${table(calls.byAction)}`);
    return { wall, calls: calls.total };
  }

  const cold = await report('no credential report yet: generates one');
  const warm = await report('credential report reused');

  // ---- the naive per-user scan -----------------------------------------------------------
  const naiveLimit = args['naive-users'] ? Number(args['naive-users']) : USERS;
  em.calls.reset();
  faults();
  // A typical per-user scanner: SDK retries on (adaptive mode paces itself under throttling),
  // a little concurrency, one ListMFADevices per user.
  const naiveClient = new IAMClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 20,
    retryMode: 'adaptive',
  });
  t = performance.now();
  const names: string[] = [];
  for await (const page of paginateListUsers({ client: naiveClient, pageSize: 1000 }, {})) {
    for (const u of page.Users ?? []) names.push(u.UserName ?? '');
  }
  const sample = names.slice(0, naiveLimit);
  let lacking = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      while (next < sample.length) {
        const name = sample[next++] as string;
        const out = await naiveClient.send(new ListMFADevicesCommand({ UserName: name }));
        if ((out.MFADevices ?? []).length === 0) lacking++;
      }
    }),
  );
  const naiveWall = ms(t);
  const naiveCalls = em.calls.snapshot();
  const scale = names.length / sample.length;
  const naiveFull = Math.round(naiveWall * scale);
  console.log(
    `\nNaive per-user scan${sample.length < names.length ? ` (first ${sample.length} users, extrapolated to ${names.length})` : ''}: ${lacking} users without MFA${sample.length < names.length ? ' in the sample' : ''}`,
  );
  console.log(
    `  wall time ${naiveWall} ms${scale > 1 ? ` (≈ ${naiveFull} ms for all)` : ''}, IAM calls ${naiveCalls.total}: ${table(naiveCalls.byAction)}`,
  );
  console.log(
    `\nRatio (naive / ours, warm report): ${(naiveFull / warm.wall).toFixed(0)}× wall time, ${(Math.round(naiveCalls.total * scale) / warm.calls).toFixed(0)}× IAM calls`,
  );
  console.log(
    `Ratio (naive / ours, cold report): ${(naiveFull / cold.wall).toFixed(0)}× wall time`,
  );
  console.log(
    `Budget (≤ 30 IAM calls, < 2 s): warm ${warm.calls} calls / ${warm.wall} ms, cold ${cold.calls} calls / ${cold.wall} ms`,
  );
  naiveClient.destroy();

  // ---- the admin console's reads: the report's states and summary, the history -----------
  await complianceConsole({
    emulator: em,
    get: (path) => admin.request(path, { headers: { authorization: `Bearer ${key}` } }),
    app: admin,
    apiKey: key,
    faults,
    maxCodeAttempts: config.maxCodeAttempts,
    users: USERS,
    withoutMfaRatio: WITHOUT_MFA,
  });

  // ---- the enrollment flow ---------------------------------------------------------------
  em.reset();
  em.seed(demoSeed(config.forceMfaGroup));
  const onboarding = createOnboardingApp({
    clients,
    config,
    assets: await buildWebAssets(),
    logger: silent,
  });
  const issued = await issueInvitation(
    {
      gateway: iamFor(clients, { deadline: Date.now() + 20_000 }).gateway,
      config,
      clock: () => new Date(),
    },
    'tanaka.hanako',
  );
  const token = issued.url.split('#')[1] as string;
  const auth = { authorization: `Bearer ${token}` };
  const step = async (label: string, path: string, init: RequestInit = {}) => {
    em.calls.reset();
    const res = await onboarding.request(path, {
      ...init,
      headers: { ...auth, ...(init.headers ?? {}) },
    });
    const calls = em.calls.snapshot();
    console.log(
      `  ${label}: HTTP ${res.status}, IAM calls ${calls.total}: ${table(calls.byAction)}`,
    );
    return res;
  };
  console.log(
    '\nEnrollment flow, IAM calls per request (no added latency; the account alias is cached after the first request):',
  );
  await step('GET  /api/enrollment', '/api/enrollment');
  const device = (await (
    await step('POST /api/enrollment/device', '/api/enrollment/device', { method: 'POST' })
  ).json()) as {
    serialNumber: string;
    secret: string;
  };
  await step('POST /api/enrollment/activate', '/api/enrollment/activate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    }),
  });

  clients.iam.destroy();
  await emulator.stop();
}

const SECTIONS: Record<string, () => Promise<unknown>> = {
  compliance: complianceAndEnrollment,
  scale: enrollAtScale,
  // 200 links at 5,000 users (bulk-invitations.ts).
  bulk: bulkInvitations,
  // One scheduled reminders run inviting 400 of 5,000 users (reminders.ts).
  reminders: remindersRun,
  overhead,
  // The Lambda bundles' sizes and cold import times.
  bundles: () => import('./bundles.ts'),
};
if (args.only !== undefined && !Object.hasOwn(SECTIONS, args.only)) {
  throw new Error(`--only takes one of ${Object.keys(SECTIONS).join(', ')}`);
}
for (const [name, run] of Object.entries(SECTIONS)) {
  if (args.only === undefined || args.only === name) await run();
}
