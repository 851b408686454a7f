// The fault matrix: for every IAM call of every step in the life of an invitation (HR issues,
// reissues and revokes a link; the employee reads the status, creates the device, submits wrong
// codes until locked, submits the right codes, finishes the group step; HR issues a finish-only
// link), IAM throttles it, fails it with a 500, drops the connection before the work, or does
// the work and loses the response, once or persistently. After each faulted request the answer
// is never a 500 nor a 5xx other than 503 with Retry-After, a link that a 2xx said was dead is
// dead, and no more code checks reached IAM than MAX_CODE_ATTEMPTS; then HR or the user retries
// and carries on, and IAM (read through the SDK) ends correct: enrolled with exactly the
// service's device, in the force-MFA group once, no `mfa-onboarding:` tag and no unassigned
// device left, or, for a revoke, nothing of the old link left.
//
// Each flow's IAM call sequence is not written down here: it is discovered when the file is
// collected, by running the flow once without faults on the file's emulator and recording the
// actions the emulator received, so the matrix follows the code as it changes. A baseline test
// per flow checks the sequence is the same when run again. Each flow's setup (the state before
// its step, built over the HTTP API) runs once; every case starts from a copy of the emulator's
// state taken then, which keeps a few hundred cases inside a few tens of seconds.

import { IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { afterAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { createAdminApp } from '../../functions/admin/app.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { loadConfig, SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import { createLogger } from '../../functions/logger.ts';
import { createOnboardingApp } from '../../functions/onboarding/app.ts';
import { openApiDocument } from '../../functions/openapi/document.ts';
import { demoSeed } from '../../local/demo-account.ts';
import type { QueryRequest } from '../../local/emulator/emulator.ts';
import type { ScriptedFault } from '../../local/emulator/faults.ts';
import { startEmulator } from '../../local/emulator/http-server.ts';
import { stateFromJson, stateToJson } from '../../local/emulator/state.ts';
import { apiKeysSetting, tokenOf } from '../support/admin.ts';
import { clientConfig } from '../support/emulator.ts';
import { type DeviceBody, iamStateOf, OWN_SERIAL, TANAKA } from '../support/enrollment.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

// --- settings ---------------------------------------------------------------------------------

const USER = TANAKA;
const SERIAL = OWN_SERIAL(USER);
const MAX_CODE_ATTEMPTS = 3;
/** A single fault is absorbed by the retries well inside this. */
const ONCE_BUDGET_MS = 5_000;
/**
 * A persistent fault exhausts the retries within this, and the request answers 503. With 1 ms
 * backoff bases that is still half a dozen attempts of the faulted call; a longer budget only
 * adds sleep (150 ms made the file take a minute).
 */
const PERSISTENT_BUDGET_MS = 50;
const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
/** "Persistent": more matching calls than any request can make. */
const FOREVER = 1_000_000;

// --- one emulator for the file, both apps on it -----------------------------------------------

const running = await startEmulator();
const emulator = running.emulator;
/** Reads IAM state for assertions: one attempt per call, only while no fault is configured. */
const reader = new IAMClient(clientConfig(running.url));
afterAll(async () => {
  reader.destroy();
  await running.stop();
});

const hrKey = newApiKey();
const config = loadConfig({
  PUBLIC_BASE_URL: 'https://onboarding.example.com',
  MAX_CODE_ATTEMPTS: String(MAX_CODE_ATTEMPTS),
  API_KEYS: apiKeysSetting([
    { name: 'hr-tooling', scopes: ['invitations:write'], sha256: hrKey.sha256 },
  ]),
});
const clientsFor = (accessKeyId: string) =>
  createClients({
    iamEndpoint: running.url,
    credentials: { accessKeyId, secretAccessKey: 'test' },
  });
const onboardingClients = clientsFor('AKIATESTONBOARDING1');
const adminClients = clientsFor('AKIATESTADMIN000001');
afterAll(() => {
  onboardingClients.iam.destroy();
  adminClients.iam.destroy();
});

/** The apps' log lines of the current case: a 500 names its cause in them. */
const logs: string[] = [];
const logger = createLogger('fault-matrix', (line) => {
  logs.push(line);
});

/** The actions the emulator receives while `recording` is on, in order of arrival. */
let recording: string[] | undefined;
const handle = emulator.handle.bind(emulator);
emulator.handle = (request: QueryRequest) => {
  recording?.push(request.params.get('Action') ?? '');
  return handle(request);
};

// --- HTTP -------------------------------------------------------------------------------------

interface Answer {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

interface Target {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

async function send(
  app: Target,
  method: string,
  path: string,
  auth: string,
  body?: unknown,
): Promise<Answer> {
  const res = await app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** Both apps (two Lambda containers) with this request budget. */
function newWorld(requestBudgetMs: number) {
  const onboarding = createOnboardingApp({
    clients: onboardingClients,
    config,
    // The enrollment API needs no page assets.
    assets: { html: '<!doctype html><title>test</title>', files: {} },
    logger,
    requestBudgetMs,
    retryDelays: RETRY_DELAYS,
  });
  const admin = createAdminApp({
    clients: adminClients,
    config,
    assets: { html: '<!doctype html><title>admin</title>', files: {} },
    openApiDocument,
    logger,
    requestBudgetMs,
    retryDelays: RETRY_DELAYS,
  });
  return {
    onboarding,
    issue: () => send(admin, 'POST', '/v1/invitations', hrKey.key, { userName: USER }),
    revoke: () => send(admin, 'DELETE', `/v1/invitations/${USER}`, hrKey.key),
    status: (token: string, app: Target = onboarding) => send(app, 'GET', '/api/enrollment', token),
    device: (token: string) => send(onboarding, 'POST', '/api/enrollment/device', token),
    activate: (token: string, body: Record<string, string>, app: Target = onboarding) =>
      send(app, 'POST', '/api/enrollment/activate', token, body),
  };
}
type World = ReturnType<typeof newWorld>;

const linkOf = (answer: Answer) => tokenOf((answer.body as { url: string }).url);
const deviceOf = (answer: Answer) => answer.body as DeviceBody;
const rightCodes = (device: DeviceBody) => ({
  serialNumber: device.serialNumber,
  ...consecutiveCodes(device.secret),
});
const wrongCodes = (device: DeviceBody) => ({
  serialNumber: device.serialNumber,
  ...staleCodes(device.secret),
});

/** Asserts a fault-free request's status (with its body in the message). */
function expectStatus(answer: Answer, status: number | number[], what: string): void {
  const allowed = Array.isArray(status) ? status : [status];
  expect(allowed, `${what} answered ${answer.status} ${JSON.stringify(answer.body)}`).toContain(
    answer.status,
  );
}

/** The one promise about every answer, faulted or not: no 500, and only 503 with Retry-After. */
function expectNoServerError(answer: Answer): void {
  const detail = `${answer.status} ${JSON.stringify(answer.body)}; ${logs.filter((l) => l.includes('"error"')).join(' ')}`;
  expect(answer.status, detail).not.toBe(500);
  if (answer.status >= 500) {
    expect(answer.status, detail).toBe(503);
    expect(answer.retryAfter, detail).toMatch(/^\d+$/);
  }
}

// --- IAM state, read through the SDK ------------------------------------------------------------

async function iamState() {
  const [state, tags] = await Promise.all([
    iamStateOf(reader, USER),
    reader.send(new ListUserTagsCommand({ UserName: USER })),
  ]);
  return {
    ...state,
    /** Every key this service writes: the identity tag and attempt reservations. */
    serviceTags: (tags.Tags ?? [])
      .map((t) => t.Key ?? '')
      .filter((key) => key.startsWith(SERVICE_TAG_PREFIX)),
  };
}

/** The end of every enrollment: the service's device, the group once, nothing else left. */
async function expectEnrolledEnd(): Promise<void> {
  expect(await iamState()).toEqual({
    mfaDevices: [SERIAL],
    groups: ['force-mfa'],
    invitationTag: undefined,
    attemptTags: [],
    unassignedDevices: [],
    forceMfaMembers: [USER],
    serviceTags: [],
  });
}

/** Wrong-code checks made by the setup the current case started from. */
let wrongChecksOfSetup = 0;

/** EnableMFADevice calls that checked codes and found them wrong (the emulator counts them). */
function wrongCodeChecks(): number {
  return emulator.outcomes.snapshot().EnableMFADevice?.InvalidAuthenticationCode ?? 0;
}

/** All wrong-code checks IAM made for the case's link, setup included. */
function expectCodeChecksBounded(): void {
  expect(wrongChecksOfSetup + wrongCodeChecks()).toBeLessThanOrEqual(MAX_CODE_ATTEMPTS);
}

/** A link that must be dead answers 401 on the status and on a new device, and makes none. */
async function expectDeadLink(w: World, token: string): Promise<void> {
  expectStatus(await w.status(token), 401, 'GET /api/enrollment with the old link');
  expectStatus(await w.device(token), 401, 'POST /api/enrollment/device with the old link');
}

/** The user carries on from a link: a device if none was shown yet, the right codes, done. */
async function enrollToEnd(w: World, token: string, shown?: DeviceBody): Promise<void> {
  let device = shown;
  if (!device) {
    const created = await w.device(token);
    expectStatus(created, 201, 'POST /api/enrollment/device');
    device = deviceOf(created);
  }
  const done = await w.activate(token, rightCodes(device));
  expectStatus(done, 200, 'activation with the right codes');
  expect((await w.status(token)).status).toBe(401);
  await expectEnrolledEnd();
}

/**
 * The answer if it is the nominal one, else the same request repeated once, which must answer
 * one of `accepted` (default: the nominal status).
 */
async function orRepeated(
  answer: Answer,
  nominal: number,
  repeat: () => Promise<Answer>,
  what: string,
  accepted: number[] = [nominal],
): Promise<Answer> {
  if (answer.status === nominal) return answer;
  const again = await repeat();
  expectStatus(
    again,
    accepted,
    `${what}, repeated after ${answer.status} (IAM: ${JSON.stringify(await iamState())})`,
  );
  return again;
}

// --- the flows ----------------------------------------------------------------------------------

interface Ctx {
  /** The link the step is about (the old one, for reissue and revoke). */
  token: string;
  /** The device shown for that link, if any. */
  device?: DeviceBody;
}

interface Flow {
  name: string;
  /**
   * The step runs in a new onboarding container (no cached account alias), so its calls include
   * ListAccountAliases; otherwise in a warm one, as the rest of the page's requests do.
   */
  cold?: boolean;
  /** The step's answer without faults. */
  nominal: number;
  /** From an empty demo account to the state just before the step (no faults), once per flow. */
  setup(w: World): Promise<Ctx>;
  /** The step: one HTTP request, the one faults are injected into. */
  step(w: World, ctx: Ctx): Promise<Answer>;
  /** Right after the faulted request (faults cleared), before any retry. */
  invariants(w: World, ctx: Ctx, answer: Answer): Promise<void>;
  /** HR or the user retries and carries on; the final IAM state is asserted. */
  recover(w: World, ctx: Ctx, answer: Answer): Promise<void>;
}

async function issued(w: World): Promise<string> {
  const answer = await w.issue();
  expectStatus(answer, 201, 'setup: POST /v1/invitations');
  return linkOf(answer);
}

async function shownDevice(w: World, token: string): Promise<DeviceBody> {
  const answer = await w.device(token);
  expectStatus(answer, 201, 'setup: POST /api/enrollment/device');
  return deviceOf(answer);
}

/**
 * The device enabled, but AddUserToGroup kept failing: the activation answered 503 and the user
 * is outside the force-MFA group. Made by a container whose budget allows no retry.
 */
async function enabledOutsideGroup(w: World): Promise<Ctx> {
  const token = await issued(w);
  const device = await shownDevice(w, token);
  const impatient = createOnboardingApp({
    clients: onboardingClients,
    config,
    assets: { html: '', files: {} },
    logger,
    requestBudgetMs: 1,
    retryDelays: RETRY_DELAYS,
  });
  emulator.faults.configure({
    scripted: [
      { action: 'AddUserToGroup', fault: 'error', code: 'Throttling', status: 400, count: FOREVER },
    ],
  });
  const failed = await w.activate(token, rightCodes(device), impatient);
  emulator.faults.configure({});
  expectStatus(failed, 503, 'setup: activation while AddUserToGroup fails');
  expect(await iamState()).toMatchObject({ mfaDevices: [SERIAL], groups: [] });
  return { token, device };
}

const noInvariants = async () => {};

/**
 * What a repeated activation may answer: 200, or 401 when the faulted request had in fact
 * finished (its last UntagUser spent the link, but every answer to it was lost, so it said 503).
 * 401 is the documented answer to a spent link (enrollment-recovery.test.ts, "double submit");
 * the final IAM state then shows whether the enrollment really was done.
 */
const SPENT_OR_DONE = [200, 401];

const FLOWS: Flow[] = [
  {
    name: 'issue',
    nominal: 201,
    setup: async () => ({ token: '' }),
    step: (w) => w.issue(),
    invariants: async (w, _ctx, answer) => {
      // A link HR was handed works.
      if (answer.status === 201) expect((await w.status(linkOf(answer))).status).toBe(200);
    },
    recover: async (w, _ctx, answer) => {
      const ok = await orRepeated(answer, 201, w.issue, 'POST /v1/invitations');
      await enrollToEnd(w, linkOf(ok));
    },
  },
  {
    // The old link has a device shown and one wrong pair on record (an attempt tag to clear).
    name: 'reissue',
    nominal: 201,
    setup: async (w) => {
      const token = await issued(w);
      const device = await shownDevice(w, token);
      expectStatus(await w.activate(token, wrongCodes(device)), 422, 'setup: wrong codes');
      return { token, device };
    },
    step: (w) => w.issue(),
    invariants: async (w, ctx, answer) => {
      if (answer.status === 201) await expectDeadLink(w, ctx.token);
    },
    recover: async (w, ctx, answer) => {
      const ok = await orRepeated(answer, 201, w.issue, 'POST /v1/invitations');
      expect((ok.body as { finishOnly: boolean }).finishOnly).toBe(false);
      await expectDeadLink(w, ctx.token);
      expect((await iamState()).unassignedDevices).toEqual([]);
      await enrollToEnd(w, linkOf(ok));
    },
  },
  {
    name: 'revoke',
    nominal: 204,
    setup: async (w) => {
      const token = await issued(w);
      return { token, device: await shownDevice(w, token) };
    },
    step: (w) => w.revoke(),
    invariants: async (w, ctx, answer) => {
      if (answer.status >= 200 && answer.status < 300) await expectDeadLink(w, ctx.token);
    },
    recover: async (w, ctx, answer) => {
      await orRepeated(answer, 204, w.revoke, 'DELETE /v1/invitations/{user}');
      await expectDeadLink(w, ctx.token);
      expect(await iamState()).toMatchObject({
        mfaDevices: [],
        groups: [],
        unassignedDevices: [],
        serviceTags: [],
      });
    },
  },
  {
    name: 'GET /api/enrollment',
    cold: true,
    nominal: 200,
    setup: async (w) => ({ token: await issued(w) }),
    step: (w, ctx) => w.status(ctx.token),
    invariants: noInvariants,
    recover: async (w, ctx, answer) => {
      await orRepeated(answer, 200, () => w.status(ctx.token), 'GET /api/enrollment');
      await enrollToEnd(w, ctx.token);
    },
  },
  {
    // The page reads the status before it asks for a device.
    name: 'POST /api/enrollment/device',
    nominal: 201,
    setup: async (w) => {
      const token = await issued(w);
      expectStatus(await w.status(token), 200, 'setup: GET /api/enrollment');
      return { token };
    },
    step: (w, ctx) => w.device(ctx.token),
    invariants: noInvariants,
    recover: async (w, ctx, answer) => {
      const ok = await orRepeated(
        answer,
        201,
        () => w.device(ctx.token),
        'POST /api/enrollment/device',
      );
      await enrollToEnd(w, ctx.token, deviceOf(ok));
    },
  },
  {
    name: 'activate(wrong codes)',
    nominal: 422,
    setup: async (w) => {
      const token = await issued(w);
      return { token, device: await shownDevice(w, token) };
    },
    step: (w, ctx) => w.activate(ctx.token, wrongCodes(ctx.device as DeviceBody)),
    invariants: noInvariants,
    recover: async (w, ctx, answer) => {
      const device = ctx.device as DeviceBody;
      await orRepeated(
        answer,
        422,
        () => w.activate(ctx.token, wrongCodes(device)),
        'activation with wrong codes',
      );
      // Then the user types the right codes.
      await enrollToEnd(w, ctx.token, device);
    },
  },
  {
    // Two wrong pairs are on record; the third locks the link and deletes its device.
    name: 'activate(wrong codes, locking)',
    nominal: 422,
    setup: async (w) => {
      const token = await issued(w);
      const device = await shownDevice(w, token);
      for (const n of [1, 2])
        expectStatus(await w.activate(token, wrongCodes(device)), 422, `setup: wrong codes #${n}`);
      return { token, device };
    },
    step: (w, ctx) => w.activate(ctx.token, wrongCodes(ctx.device as DeviceBody)),
    invariants: noInvariants,
    recover: async (w, ctx, answer) => {
      const device = ctx.device as DeviceBody;
      // Repeated after a 503: the third pair is checked now (422), or its reservation had
      // already landed and the link is locked (429).
      if (answer.status !== 422 && answer.status !== 429) {
        expectStatus(
          await w.activate(ctx.token, wrongCodes(device)),
          [422, 429],
          `activation with wrong codes, repeated after ${answer.status}`,
        );
      }
      // Locked: even the right codes are refused, and no further code check reaches IAM.
      expectStatus(await w.activate(ctx.token, rightCodes(device)), 429, 'right codes when locked');
      expectCodeChecksBounded();
      // The locked link's device is not asserted gone here: when the delete at the lock fails,
      // or the lock is reached by a reservation whose request then answered 503, no later
      // request of that link deletes it (they refuse before any IAM write); the sweeper and
      // the reissue below do (functions/invitations/sweep.ts).
      expect((await iamState()).mfaDevices).toEqual([]);
      // HR sends a new link, which enrolls.
      const again = await w.issue();
      expectStatus(again, 201, 'POST /v1/invitations after the lock');
      await enrollToEnd(w, linkOf(again));
    },
  },
  {
    name: 'activate(right codes)',
    nominal: 200,
    setup: async (w) => {
      const token = await issued(w);
      return { token, device: await shownDevice(w, token) };
    },
    step: (w, ctx) => w.activate(ctx.token, rightCodes(ctx.device as DeviceBody)),
    invariants: async (w, ctx, answer) => {
      if (answer.status === 200) expect((await w.status(ctx.token)).status).toBe(401);
    },
    recover: async (w, ctx, answer) => {
      const device = ctx.device as DeviceBody;
      await orRepeated(
        answer,
        200,
        () => w.activate(ctx.token, rightCodes(device)),
        'activation with the right codes',
        SPENT_OR_DONE,
      );
      expect((await w.status(ctx.token)).status).toBe(401);
      await expectEnrolledEnd();
    },
  },
  {
    name: 'activate(group step only)',
    nominal: 200,
    setup: enabledOutsideGroup,
    step: (w, ctx) => w.activate(ctx.token, { serialNumber: SERIAL }),
    invariants: async (w, ctx, answer) => {
      if (answer.status === 200) expect((await w.status(ctx.token)).status).toBe(401);
    },
    recover: async (w, ctx, answer) => {
      await orRepeated(
        answer,
        200,
        () => w.activate(ctx.token, { serialNumber: SERIAL }),
        'activation of the group step',
        SPENT_OR_DONE,
      );
      expect((await w.status(ctx.token)).status).toBe(401);
      await expectEnrolledEnd();
    },
  },
  {
    // The first link's activation enabled the device but never reached the group.
    name: 'issue(finish-only)',
    nominal: 201,
    setup: enabledOutsideGroup,
    step: (w) => w.issue(),
    invariants: async (w, ctx, answer) => {
      if (answer.status === 201) {
        expect((answer.body as { finishOnly: boolean }).finishOnly).toBe(true);
        expect((await w.status(ctx.token)).status).toBe(401);
      }
    },
    recover: async (w, ctx, answer) => {
      const ok = await orRepeated(answer, 201, w.issue, 'POST /v1/invitations (finish-only)');
      expect((ok.body as { finishOnly: boolean }).finishOnly).toBe(true);
      expect((await w.status(ctx.token)).status).toBe(401);
      const token = linkOf(ok);
      const done = await w.activate(token, { serialNumber: SERIAL });
      expectStatus(done, 200, 'activation of the group step with the finish-only link');
      expect((await w.status(token)).status).toBe(401);
      await expectEnrolledEnd();
    },
  },
];

// --- fresh state, warm containers, discovery -----------------------------------------------------

function freshAccount(): void {
  emulator.reset();
  emulator.seed(demoSeed(config.forceMfaGroup));
  logs.length = 0;
}

/** One onboarding and one admin container per budget, kept for the file. */
const warm = { once: newWorld(ONCE_BUDGET_MS), persistent: newWorld(PERSISTENT_BUDGET_MS) };
// Warm: the first request of an onboarding container caches the account alias.
freshAccount();
{
  const token = await issued(warm.once);
  for (const w of Object.values(warm)) expectStatus(await w.status(token), 200, 'warming up');
}

/** A flow's state before its step: the emulator's state then, and what the setup knew. */
interface Prepared {
  state: string;
  ctx: Ctx;
  wrongChecks: number;
}

async function prepare(flow: Flow): Promise<Prepared> {
  freshAccount();
  const ctx = await flow.setup(warm.once);
  return {
    state: JSON.stringify(stateToJson(emulator.state)),
    ctx,
    wrongChecks: wrongCodeChecks(),
  };
}

/** A fresh copy of the flow's prepared state, with zeroed counters and no faults. */
function restore(prepared: Prepared): Ctx {
  freshAccount();
  emulator.state = stateFromJson(JSON.parse(prepared.state));
  wrongChecksOfSetup = prepared.wrongChecks;
  return prepared.ctx;
}

function worldFor(flow: Flow, persistent: boolean): World {
  const budget = persistent ? PERSISTENT_BUDGET_MS : ONCE_BUDGET_MS;
  if (flow.cold) return newWorld(budget);
  return persistent ? warm.persistent : warm.once;
}

/** Runs the flow's step without faults, recording its IAM actions in order of arrival. */
async function unfaultedStep(flow: Flow, prepared: Prepared) {
  const ctx = restore(prepared);
  const w = worldFor(flow, false);
  const actions: string[] = [];
  recording = actions;
  try {
    return { w, ctx, actions, answer: await flow.step(w, ctx) };
  } finally {
    recording = undefined;
  }
}

const PREPARED = new Map<Flow, Prepared>();
const SEQUENCES = new Map<Flow, string[]>();
for (const flow of FLOWS) {
  const prepared = await prepare(flow);
  const { actions, answer } = await unfaultedStep(flow, prepared);
  if (answer.status !== flow.nominal) {
    throw new Error(
      `discovery: ${flow.name} answered ${answer.status} without faults: ${JSON.stringify(answer.body)}`,
    );
  }
  PREPARED.set(flow, prepared);
  SEQUENCES.set(flow, actions);
}

// --- the matrix ---------------------------------------------------------------------------------

const KINDS = [
  { label: 'throttling', fault: { fault: 'error', code: 'Throttling', status: 400 } },
  { label: '500', fault: { fault: 'error', code: 'ServiceFailure', status: 500 } },
  { label: 'dropped connection', fault: { fault: 'drop-before' } },
  { label: 'lost response', fault: { fault: 'drop-after' } },
] as const satisfies { label: string; fault: Omit<ScriptedFault, 'action'> }[];

interface Case {
  name: string;
  fault: ScriptedFault;
  persistent: boolean;
}

/** Every (call, kind, once|persistent) of the flow's step: the k-th call of A is `skip: k - 1`. */
function casesOf(flow: Flow): Case[] {
  const seen = new Map<string, number>();
  const cases: Case[] = [];
  (SEQUENCES.get(flow) ?? []).forEach((action, position) => {
    const skip = seen.get(action) ?? 0;
    seen.set(action, skip + 1);
    for (const kind of KINDS) {
      for (const persistent of [false, true]) {
        cases.push({
          name: `${flow.name}: call ${position + 1} ${action}#${skip + 1}, ${kind.label}, ${persistent ? 'persistent' : 'once'}`,
          fault: { action, skip, count: persistent ? FOREVER : 1, ...kind.fault },
          persistent,
        });
      }
    }
  });
  return cases;
}

for (const flow of FLOWS)
  describe(flow.name, () => {
    const prepared = PREPARED.get(flow) as Prepared;
    const sequence = SEQUENCES.get(flow) ?? [];

    it(`no fault: the step makes the same ${sequence.length} IAM calls (${sequence.join(', ')}), and the flow ends correct`, async () => {
      const { w, ctx, actions, answer } = await unfaultedStep(flow, prepared);
      expect(actions).toEqual(sequence);
      expect(answer.status).toBe(flow.nominal);
      await flow.invariants(w, ctx, answer);
      await flow.recover(w, ctx, answer);
      expectCodeChecksBounded();
    });

    // A loop rather than it.each: vitest shortens long names interpolated from objects.
    for (const { name, fault, persistent } of casesOf(flow)) {
      it(name, async () => {
        const ctx = restore(prepared);
        const w = worldFor(flow, persistent);
        emulator.faults.configure({ scripted: [fault] });

        const answer = await flow.step(w, ctx);

        // The fault did fire (the step still makes the discovered calls).
        const left = emulator.faults.current().scripted ?? [];
        if (persistent) expect(left[0]?.count).toBeLessThan(FOREVER);
        else expect(left).toEqual([]);
        emulator.faults.configure({});
        expectNoServerError(answer);
        expectCodeChecksBounded();
        await flow.invariants(w, ctx, answer);

        await flow.recover(w, ctx, answer);
        expectCodeChecksBounded();
      });
    }
  });
