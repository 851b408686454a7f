// Bulk invitations: POST /v1/invitations/bulk through the admin app against the emulator. Each
// user is answered as POST /v1/invitations would answer it (every status, in request order), the
// links work end to end, a reissue is as final as the single route's, the IAM calls are counted,
// and the bulk is raced against single issues, revokes, device creations and activations on the
// same users, and run under IAM faults injected at each of its calls; every assertion is on the
// answers and on IAM's final state (docs/invitation-state.md, "Bulk issue").

import { GenerateCredentialReportCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BulkInvitationResponse } from '../../functions/admin/schemas.ts';
import { INVITATION_TAG_KEY, SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import {
  encodeInvitationTag,
  newAttemptKey,
  newInvitation,
} from '../../functions/invitations/token.ts';
import type { QueryRequest } from '../../local/emulator/emulator.ts';
import type { ScriptedFault } from '../../local/emulator/faults.ts';
import type { SeedUser } from '../../local/emulator/seed.ts';
import { type AdminFixture, tokenOf, useAdmin } from '../support/admin.ts';
import { type DeviceBody, iamStateOf, OWN_SERIAL } from '../support/enrollment.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

type Result = BulkInvitationResponse['results'][number];

const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
const LINK = /^https:\/\/onboarding\.example\.com\/onboard#(.+)\.([A-Za-z0-9_-]{43})$/;
const FOREVER = 1_000_000;

/** The service's own device, enabled for the user but outside the force-MFA group. */
const finishOnlyUser = (name: string): SeedUser => ({
  name,
  path: '/staff/',
  mfa: [{ kind: 'virtual', name: `onboarding-${name}`, path: '/mfa-onboarding/' }],
});

function harness(f: AdminFixture) {
  const bulk = (body: unknown, app = f.app) =>
    f.request('POST', '/v1/invitations/bulk', { key: f.keys.invitationsWrite.key, body, app });
  const results = async (res: Response) => {
    expect(res.status).toBe(200);
    return ((await res.json()) as BulkInvitationResponse).results;
  };
  const issue = async (userName: string) => {
    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.invitationsWrite.key,
      body: { userName },
    });
    expect(res.status).toBe(201);
    return tokenOf(((await res.json()) as { url: string }).url);
  };
  const enroll = (method: string, path: string, token: string, body?: unknown) =>
    f.onboarding.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const status = async (token: string) => (await enroll('GET', '/api/enrollment', token)).status;
  const newDevice = async (token: string) => {
    const res = await enroll('POST', '/api/enrollment/device', token);
    expect(res.status).toBe(201);
    return (await res.json()) as DeviceBody;
  };
  const activate = (token: string, device: DeviceBody, right = true) =>
    enroll('POST', '/api/enrollment/activate', token, {
      serialNumber: device.serialNumber,
      ...(right ? consecutiveCodes(device.secret) : staleCodes(device.secret)),
    });
  const serviceTags = async (userName: string) => {
    const { Tags = [] } = await f.emulator.iam.send(
      new ListUserTagsCommand({ UserName: userName }),
    );
    return Tags.map((t) => t.Key ?? '').filter((k) => k.startsWith(SERVICE_TAG_PREFIX));
  };
  /** A link enrolls its user from the start: a device, the right codes, enrolled and in the group. */
  const expectEnrolls = async (token: string, userName: string) => {
    expect(await status(token)).toBe(200);
    const device = await newDevice(token);
    expect((await activate(token, device)).status).toBe(200);
    expect(await iamStateOf(f.emulator.iam, userName)).toMatchObject({
      mfaDevices: [OWN_SERIAL(userName)],
      groups: ['force-mfa'],
      invitationTag: undefined,
      attemptTags: [],
    });
  };
  /** Makes IAM's credential report now, so a bulk's own calls can be counted exactly. */
  const credentialReport = async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    for (;;) {
      const { State } = await f.emulator.iam.send(new GenerateCredentialReportCommand({}));
      if (State === 'COMPLETE') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    bulk,
    results,
    issue,
    status,
    newDevice,
    activate,
    serviceTags,
    expectEnrolls,
    credentialReport,
  };
}

const tokenIn = (r: Result | undefined) => tokenOf(r?.url ?? '');

describe('POST /v1/invitations/bulk', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/', MAX_CODE_ATTEMPTS: '3' } });
  const h = harness(f);

  it('answers every user as the single route would, in request order', async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'fresh', path: '/staff/' },
        { name: 'enrolled', path: '/staff/', mfa: ['virtual'], groups: ['force-mfa'] },
        { name: 'hardware', path: '/staff/', mfa: ['hardware'] },
        { name: 'security-key', path: '/staff/', mfa: ['fido'] },
        finishOnlyUser('half-done'),
        {
          name: 'tagged',
          path: '/staff/',
          tags: Array.from({ length: 47 }, (_, i) => ({ key: `team-${i}`, value: 'x' })),
        },
        { name: 'contractor', path: '/contractors/' },
        { name: 'Mixed.Case', path: '/staff/engineering/' },
      ],
    });
    const names = [
      'hardware',
      'fresh',
      'nobody',
      'half-done',
      'contractor',
      'enrolled',
      'tagged',
      'security-key',
      'mixed.case',
    ];
    const out = await h.results(await h.bulk({ userNames: names }));
    expect(out.map((r) => [r.userName, r.status, r.error?.code ?? r.finishOnly])).toEqual([
      ['hardware', 409, 'already_enrolled'],
      ['fresh', 201, false],
      ['nobody', 404, 'user_not_found'],
      ['half-done', 201, true],
      ['contractor', 404, 'user_not_found'],
      ['enrolled', 409, 'already_enrolled'],
      ['tagged', 409, 'too_many_tags'],
      ['security-key', 409, 'already_enrolled'],
      ['mixed.case', 201, false],
    ]);
    // The same messages as the single route's answers.
    for (const userName of ['nobody', 'contractor', 'enrolled', 'tagged']) {
      const single = await f.request('POST', '/v1/invitations', {
        key: f.keys.invitationsWrite.key,
        body: { userName },
      });
      const mine = out.find((r) => r.userName === userName);
      expect({ status: mine?.status, error: mine?.error }).toEqual({
        status: single.status,
        ...((await single.json()) as object),
      });
    }
    // A 201 carries exactly what the single route's does.
    const fresh = out[1] as Result;
    expect(Object.keys(fresh).sort()).toEqual([
      'expiresAt',
      'finishOnly',
      'status',
      'url',
      'userName',
    ]);
    expect(fresh.url).toMatch(LINK);
    expect(new Date(fresh.expiresAt ?? '').getTime() % 1000).toBe(0);
    // The link names the user as IAM spells it.
    expect(LINK.exec(out[8]?.url ?? '')?.[1]).toBe('Mixed.Case');
    // Refused users got no tag.
    for (const userName of ['hardware', 'enrolled', 'tagged', 'security-key', 'contractor'])
      expect(await h.serviceTags(userName), userName).toEqual([]);
  });

  it('gives links that enroll, one of them end to end, and finish-only links that finish', async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [{ name: 'a', path: '/staff/' }, { name: 'b', path: '/staff/' }, finishOnlyUser('c')],
    });
    const [a, b, c] = await h.results(await h.bulk({ userNames: ['a', 'b', 'c'], ttlHours: 2 }));
    const expiry = new Date(a?.expiresAt ?? '').getTime();
    expect(expiry).toBeGreaterThan(Date.now() + 2 * 3_600_000 - 5_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    expect(await h.status(tokenIn(b))).toBe(200);
    await h.expectEnrolls(tokenIn(a), 'a');
    // The finish-only link adds the user to the group, and does nothing else.
    const done = await f.onboarding.request('/api/enrollment/activate', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenIn(c)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serialNumber: OWN_SERIAL('c') }),
    });
    expect(done.status).toBe(200);
    expect((await iamStateOf(f.emulator.iam, 'c')).groups).toEqual(['force-mfa']);
  });

  it('reissues as finally as the single route: old link dead, its device deleted, its attempt keys gone', async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'r', path: '/staff/' }] });
    const old = await h.issue('r');
    const device = await h.newDevice(old);
    expect((await h.activate(old, device, false)).status).toBe(422);
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    expect(r?.status).toBe(201);
    expect(await h.status(old)).toBe(401);
    expect((await h.activate(old, device)).status).not.toBe(200);
    const state = await iamStateOf(f.emulator.iam, 'r');
    expect(state).toMatchObject({ mfaDevices: [], unassignedDevices: [], attemptTags: [] });
    await h.expectEnrolls(tokenIn(r), 'r');
  });

  it('400 for a bad body: no names, none, over 200, a repeat (in any case), a bad name or ttlHours', async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'a', path: '/staff/' }] });
    const cases: [string, unknown][] = [
      ['no userNames', {}],
      ['empty', { userNames: [] }],
      ['201 names', { userNames: Array.from({ length: 201 }, (_, i) => `u${i}`) }],
      ['a repeat', { userNames: ['a', 'b', 'a'] }],
      ['a repeat in another case', { userNames: ['a', 'A'] }],
      ['a bad name', { userNames: ['a', 'no spaces'] }],
      ['ttlHours 0', { userNames: ['a'], ttlHours: 0 }],
      ['ttlHours 721', { userNames: ['a'], ttlHours: 721 }],
      ['unknown field', { userNames: ['a'], note: 'x' }],
      ['not a list', { userNames: 'a' }],
    ];
    for (const [name, body] of cases) {
      const res = await h.bulk(body);
      expect(res.status, name).toBe(400);
      expect(await res.json(), name).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect(await h.serviceTags('a')).toEqual([]);
    // 200 names are fine.
    const many = Array.from({ length: 200 }, (_, i) => `u${i}`);
    expect((await h.results(await h.bulk({ userNames: many }))).length).toBe(200);
  });

  it('reads the account in a few listings, then writes about one call per user', async () => {
    const users: SeedUser[] = [];
    const pending = (name: string, attempts = 0): SeedUser => {
      const { record } = newInvitation(name, new Date(Date.now() + 3_600_000));
      return {
        name,
        path: '/staff/',
        tags: [
          { key: INVITATION_TAG_KEY, value: encodeInvitationTag(record) },
          ...Array.from({ length: attempts }, () => ({
            key: newAttemptKey(record.id),
            value: '1',
          })),
        ],
      };
    };
    for (let i = 0; i < 200; i++)
      users.push({ name: `other-${i}`, path: '/staff/', mfa: ['virtual'] });
    for (let i = 0; i < 40; i++) users.push({ name: `fresh-${i}`, path: '/staff/' });
    for (let i = 0; i < 30; i++) users.push(pending(`pending-${i}`));
    for (let i = 0; i < 15; i++) users.push(pending(`opened-${i}`));
    for (let i = 0; i < 10; i++) users.push(pending(`tried-${i}`, 2));
    for (let i = 0; i < 5; i++) users.push(finishOnlyUser(`half-${i}`));
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users,
      unassignedVirtualDevices: [
        ...Array.from({ length: 15 }, (_, i) => `onboarding-opened-${i}`),
        ...Array.from({ length: 10 }, (_, i) => `onboarding-tried-${i}`),
      ].map((name) => ({ name, path: '/mfa-onboarding/' })),
    });
    await h.credentialReport();
    const names = users.filter((u) => !u.name.startsWith('other-')).map((u) => u.name);
    f.iam.calls.reset();
    const out = await h.results(await h.bulk({ userNames: names }));
    expect(out.filter((r) => r.status === 201)).toHaveLength(100);
    expect(f.iam.calls.snapshot().byAction).toEqual({
      // The snapshot: users with tags and groups, assigned virtual devices, the report.
      GetAccountAuthorizationDetails: 1,
      ListVirtualMFADevices: 2, // Assigned before, Unassigned after the identity writes
      GenerateCredentialReport: 1,
      GetCredentialReport: 1,
      TagUser: 100,
      DeleteVirtualMFADevice: 25, // only the old links that had made a device
      UntagUser: 10, // only the users with attempt keys of an old link
    });
    const state = await iamStateOf(f.emulator.iam, 'tried-0');
    expect(state.unassignedDevices).toEqual([]);
    expect(state.attemptTags).toEqual([]);
  });

  it('paces its calls under IAM throttling (20 calls/s): few are throttled, and the links all work', async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: Array.from({ length: 80 }, (_, i) => ({ name: `u${i}`, path: '/staff/' })),
    });
    await h.credentialReport();
    f.iam.faults.configure({ throttle: { ratePerSecond: 20 } });
    f.iam.calls.reset();
    const app = f.newApp({ pacing: {} }); // the production pacing
    const names = Array.from({ length: 80 }, (_, i) => `u${i}`);
    const out = await h.results(await h.bulk({ userNames: names }, app));
    f.iam.faults.configure({});
    expect(out.map((r) => r.status)).toEqual(Array(80).fill(201));
    const calls = f.iam.calls.snapshot();
    expect(calls.total).toBeLessThanOrEqual(1.2 * 80 + 15);
    for (const r of out.slice(0, 5)) expect(await h.status(tokenIn(r))).toBe(200);
  }, 25_000);

  it('answers 503 for the user IAM keeps throttling, and issues the others', async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: ['a', 'b', 'c'].map((name) => ({ name, path: '/staff/' })),
    });
    const emulator = f.iam;
    const original = emulator.handle.bind(emulator);
    emulator.handle = (request: QueryRequest) => {
      if (request.params.get('Action') === 'TagUser' && request.params.get('UserName') === 'b')
        emulator.faults.configure({
          scripted: [{ action: 'TagUser', fault: 'error', code: 'Throttling', status: 400 }],
        });
      return original(request);
    };
    const app = f.newApp({ requestBudgetMs: 8_000, retryDelays: RETRY_DELAYS });
    const out = await h.results(await h.bulk({ userNames: ['a', 'b', 'c'] }, app));
    Reflect.deleteProperty(emulator, 'handle');
    emulator.faults.configure({});
    expect(out.map((r) => [r.userName, r.status, r.error?.code])).toEqual([
      ['a', 201, undefined],
      ['b', 503, 'service_unavailable'],
      ['c', 201, undefined],
    ]);
    expect(await h.serviceTags('b')).toEqual([]);
    // Sent again, b gets its link.
    const [again] = await h.results(await h.bulk({ userNames: ['b'] }));
    expect(await h.status(tokenIn(again))).toBe(200);
  });

  it('503 with Retry-After for the whole request when the account cannot be read in time', async () => {
    f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'a', path: '/staff/' }] });
    f.iam.faults.configure({
      scripted: [
        {
          action: 'GetAccountAuthorizationDetails',
          fault: 'error',
          code: 'Throttling',
          status: 400,
          count: FOREVER,
        },
      ],
    });
    const res = await h.bulk(
      { userNames: ['a'] },
      f.newApp({ requestBudgetMs: 50, retryDelays: RETRY_DELAYS }),
    );
    f.iam.faults.configure({});
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await h.serviceTags('a')).toEqual([]);
  });

  it('logs each link handed out as a single issue does, and each refusal, never a token', async () => {
    f.iam.settings.credentialReportBuildMs = 0;
    f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'a', path: '/staff/' }] });
    const out = await h.results(await h.bulk({ userNames: ['a', 'nobody'] }));
    const lines = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'admin.invitation_issued',
        keyName: 'hr-tooling',
        userName: 'a',
        bulk: true,
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'admin.invitation_not_issued',
        userName: 'nobody',
        status: 404,
        errorCode: 'user_not_found',
      }),
    );
    const secret = LINK.exec(out[0]?.url ?? '')?.[2] as string;
    for (const line of f.logs) expect(line).not.toContain(secret);
  });
});

describe('bulk issue racing the other flows on the same users', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/', MAX_CODE_ATTEMPTS: '3' } });
  const h = harness(f);
  // The credential report is ready as soon as it is asked for (the first describe waits for one).
  beforeEach(() => {
    f.iam.settings.credentialReportBuildMs = 0;
  });
  const seed = (...names: string[]) =>
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: names.map((name) => ({ name, path: '/staff/' })),
    });
  /** Runs `fn` just before the emulator handles the first call matching `when`. */
  const justBefore = (when: (request: QueryRequest) => boolean, fn: () => Promise<unknown>) => {
    const emulator = f.iam;
    const original = emulator.handle.bind(emulator);
    emulator.handle = async (request: QueryRequest) => {
      if (when(request)) {
        Reflect.deleteProperty(emulator, 'handle');
        await fn();
      }
      return original(request);
    };
  };
  const action =
    (name: string, extra: Record<string, string> = {}) =>
    (r: QueryRequest) =>
      r.params.get('Action') === name &&
      Object.entries(extra).every(([k, v]) => r.params.get(k) === v);

  it('an old link that makes its device after the snapshot, before the identity write: the device is deleted, the link dead', async () => {
    seed('r');
    const old = await h.issue('r');
    let device: DeviceBody | undefined;
    justBefore(action('TagUser'), async () => {
      device = await h.newDevice(old);
    });
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    expect(r?.status).toBe(201);
    expect(device).toBeDefined();
    // The seed the old link showed can never be enabled now.
    expect((await h.activate(old, device as DeviceBody)).status).not.toBe(200);
    expect(await iamStateOf(f.emulator.iam, 'r')).toMatchObject({
      mfaDevices: [],
      unassignedDevices: [],
    });
    await h.expectEnrolls(tokenIn(r), 'r');
  });

  it('an old link whose code check is on its way while the bulk writes: it finds no device, or enrolled before the bulk answered', async () => {
    seed('r');
    const old = await h.issue('r');
    const device = await h.newDevice(old);
    // The activation's reservation passes; its EnableMFADevice waits until after the bulk's
    // identity write and device listing.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const emulator = f.iam;
    const original = emulator.handle.bind(emulator);
    emulator.handle = async (request: QueryRequest) => {
      if (request.params.get('Action') === 'EnableMFADevice') await held;
      return original(request);
    };
    const activation = Promise.resolve(h.activate(old, device));
    await new Promise((r) => setTimeout(r, 50)); // the reservation lands first
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    release();
    const answered = await activation;
    Reflect.deleteProperty(emulator, 'handle');
    expect(r?.status).toBe(201);
    // The device was deleted before the bulk answered: the held check finds nothing.
    expect(answered.status).toBe(409);
    expect(await iamStateOf(f.emulator.iam, 'r')).toMatchObject({
      mfaDevices: [],
      unassignedDevices: [],
    });
    await h.expectEnrolls(tokenIn(r), 'r');
  });

  it('a revoke landing between the snapshot and the identity write: the bulk link stands and works', async () => {
    seed('r');
    await h.issue('r');
    justBefore(action('TagUser'), () =>
      f.request('DELETE', '/v1/invitations/r', { key: f.keys.invitationsWrite.key }),
    );
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    expect(await h.status(tokenIn(r))).toBe(200);
  });

  it('a single issue landing after the bulk’s identity write: the later link stands, the bulk’s is dead', async () => {
    seed('r');
    let single: string | undefined;
    justBefore(action('ListVirtualMFADevices', { AssignmentStatus: 'Unassigned' }), async () => {
      single = await h.issue('r');
    });
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    expect(r?.status).toBe(201);
    expect(await h.status(tokenIn(r))).toBe(401);
    await h.expectEnrolls(single as string, 'r');
  });

  it('an enrollment finishing between the snapshot and the identity write: the user stays enrolled, and no link can add a device', async () => {
    seed('r');
    const old = await h.issue('r');
    const device = await h.newDevice(old);
    justBefore(
      action('TagUser', { UserName: 'r', 'Tags.member.1.Key': INVITATION_TAG_KEY }),
      async () => {
        expect((await h.activate(old, device)).status).toBe(200);
      },
    );
    const [r] = await h.results(await h.bulk({ userNames: ['r'] }));
    // Decided from the snapshot (no MFA then): a link, which can add nothing to an enrolled user.
    expect(r?.status).toBe(201);
    const created = await f.onboarding.request('/api/enrollment/device', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenIn(r)}` },
    });
    expect(created.status).toBe(409);
    expect(await iamStateOf(f.emulator.iam, 'r')).toMatchObject({
      mfaDevices: [OWN_SERIAL('r')],
      groups: ['force-mfa'],
      unassignedDevices: [],
    });
  });

  it('bulk, single issues, revokes and activations all at once on the same users: IAM ends consistent', async () => {
    const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    seed(...names);
    const old = new Map<string, string>();
    const devices = new Map<string, DeviceBody>();
    for (const name of names) {
      old.set(name, await h.issue(name));
      devices.set(name, await h.newDevice(old.get(name) as string));
    }
    f.iam.faults.configure({ latencyMs: 5, actionLatencyMs: { TagUser: 20 } });
    const [bulkRes, issued2, revoked3, ...activations] = await Promise.all([
      h.bulk({ userNames: names }),
      f.request('POST', '/v1/invitations', {
        key: f.keys.invitationsWrite.key,
        body: { userName: 'u2' },
      }),
      f.request('DELETE', '/v1/invitations/u3', { key: f.keys.invitationsWrite.key }),
      h.activate(old.get('u0') as string, devices.get('u0') as DeviceBody),
      h.activate(old.get('u1') as string, devices.get('u1') as DeviceBody, false),
    ]);
    f.iam.faults.configure({});
    const out = await h.results(bulkRes);
    expect(issued2.status).toBe(201);
    expect(revoked3.status).toBe(204);
    for (const a of activations) expect([200, 401, 409, 422]).toContain(a.status);
    // Every user: the old links are dead, at most one link works and it is the one the
    // identity tag names, and no unassigned device is left but the working link's own.
    const single2 = tokenOf(((await issued2.json()) as { url: string }).url);
    for (const [i, name] of names.entries()) {
      const state = await iamStateOf(f.emulator.iam, name);
      expect(await h.status(old.get(name) as string), `${name}: old link`).toBe(401);
      const candidates = [out[i]?.status === 201 ? tokenIn(out[i]) : undefined];
      if (name === 'u2') candidates.push(single2);
      const working: string[] = [];
      for (const token of candidates)
        if (token && (await h.status(token)) === 200) working.push(token);
      expect(working.length, `${name}: working links`).toBeLessThanOrEqual(1);
      if (state.mfaDevices.length > 0) {
        // Enrolled (u0's old link may have won the race): enrolled for good.
        expect(name).toBe('u0');
        expect(state.groups).toEqual(['force-mfa']);
      } else {
        expect(state.unassignedDevices).toEqual([]);
        if (name !== 'u3') expect(working.length, `${name}: one link works`).toBe(1);
      }
    }
    // Each working link enrolls.
    const u5 = out[5];
    await h.expectEnrolls(tokenIn(u5), 'u5');
  });
});

describe('bulk issue under IAM faults at each of its calls', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/', MAX_CODE_ATTEMPTS: '3' } });
  const h = harness(f);
  const NAMES = ['fresh', 'reissue', 'half', 'enrolled'];

  /** One user of each kind: new, with an old link that made a device and tried a code, finish-only, enrolled. */
  const prepare = async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'fresh', path: '/staff/' },
        { name: 'reissue', path: '/staff/' },
        finishOnlyUser('half'),
        { name: 'enrolled', path: '/staff/', mfa: ['virtual'], groups: ['force-mfa'] },
      ],
    });
    const old = await h.issue('reissue');
    const device = await h.newDevice(old);
    expect((await h.activate(old, device, false)).status).toBe(422);
    await h.credentialReport();
    return { old, device };
  };

  const KINDS = [
    { label: 'throttling', fault: { fault: 'error', code: 'Throttling', status: 400 } },
    { label: '500', fault: { fault: 'error', code: 'ServiceFailure', status: 500 } },
    { label: 'dropped connection', fault: { fault: 'drop-before' } },
    { label: 'lost response', fault: { fault: 'drop-after' } },
  ] as const satisfies { label: string; fault: Omit<ScriptedFault, 'action'> }[];

  it('without faults, makes the calls the matrix faults, and ends correct', async () => {
    await prepare();
    f.iam.calls.reset();
    const out = await h.results(await h.bulk({ userNames: NAMES }));
    expect(out.map((r) => r.status)).toEqual([201, 201, 201, 409]);
    expect(f.iam.calls.snapshot().byAction).toEqual({
      GetAccountAuthorizationDetails: 1,
      ListVirtualMFADevices: 2,
      GenerateCredentialReport: 1,
      GetCredentialReport: 1,
      TagUser: 3,
      DeleteVirtualMFADevice: 1,
      UntagUser: 1,
    });
  });

  const ACTIONS: [string, number][] = [
    ['GetAccountAuthorizationDetails', 1],
    ['ListVirtualMFADevices', 2],
    ['GenerateCredentialReport', 1],
    ['GetCredentialReport', 1],
    ['TagUser', 3],
    ['DeleteVirtualMFADevice', 1],
    ['UntagUser', 1],
  ];
  const cases = ACTIONS.flatMap(([action, n]) =>
    Array.from({ length: n }, (_, skip) =>
      KINDS.flatMap((kind) =>
        [false, true].map((persistent) => ({
          name: `${action}#${skip + 1}, ${kind.label}, ${persistent ? 'persistent' : 'once'}`,
          fault: { action, skip, count: persistent ? FOREVER : 1, ...kind.fault } as ScriptedFault,
          persistent,
        })),
      ),
    ).flat(),
  );

  for (const c of cases) {
    it(c.name, async () => {
      const { old, device } = await prepare();
      f.iam.faults.configure({ scripted: [c.fault] });
      const app = f.newApp({
        requestBudgetMs: c.persistent ? 150 : 5_000,
        retryDelays: RETRY_DELAYS,
      });
      const res = await h.bulk({ userNames: NAMES }, app);
      // The fault did fire.
      const left = f.iam.faults.current().scripted ?? [];
      if (c.persistent) expect(left[0]?.count).toBeLessThan(FOREVER);
      else expect(left).toEqual([]);
      f.iam.faults.configure({});
      // Never a 500; a whole-request failure is a 503 with Retry-After.
      if (res.status !== 200) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      const out = res.status === 200 ? await h.results(res) : [];
      for (const r of out) expect([201, 409, 503], `${r.userName} ${r.status}`).toContain(r.status);
      // Every link handed out works, and a reissue handed out killed the old link for good.
      for (const r of out.filter((r) => r.status === 201))
        expect(await h.status(tokenIn(r)), r.userName).toBe(200);
      if (out.find((r) => r.userName === 'reissue')?.status === 201) {
        expect(await h.status(old)).toBe(401);
        expect((await h.activate(old, device)).status).not.toBe(200);
        expect((await iamStateOf(f.emulator.iam, 'reissue')).unassignedDevices).toEqual([]);
      }
      // HR sends the users that did not get a link again; then every link works and enrolls.
      const retry = NAMES.filter(
        (n) => n !== 'enrolled' && out.find((r) => r.userName === n)?.status !== 201,
      );
      const links = new Map(
        out.filter((r) => r.status === 201).map((r) => [r.userName, tokenIn(r)]),
      );
      if (retry.length > 0) {
        const again = await h.results(await h.bulk({ userNames: retry }));
        expect(again.map((r) => r.status)).toEqual(retry.map(() => 201));
        for (const r of again) links.set(r.userName, tokenIn(r));
      }
      expect(await h.status(old)).toBe(401);
      await h.expectEnrolls(links.get('reissue') as string, 'reissue');
      await h.expectEnrolls(links.get('fresh') as string, 'fresh');
      expect((await iamStateOf(f.emulator.iam, 'fresh')).unassignedDevices).toEqual([]);
    });
  }
});
