// The invitation-state invariants (docs/invitation-state.md) under concurrency and slow IAM,
// each reproducing a failure an independent test once found, through both apps and the real SDK
// against the emulator. Every assertion is on IAM's final state or on what IAM itself did (the
// emulator's outcome counters), never on wall time:
// - at most MAX_CODE_ATTEMPTS EnableMFADevice calls check wrong codes per invitation;
// - a revoked or reissued link never works again, whatever was in flight;
// - a link that enrolled its user never works again;
// - a half-finished enrollment (device enabled, not in the group) can always be finished.

import {
  DeactivateMFADeviceCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import { demoSeed } from '../../local/demo-account.ts';
import { type AdminFixture, tokenOf, useAdmin } from '../support/admin.ts';
import { useEmulatorHooks } from '../support/emulator-hooks.ts';
import {
  type DeviceBody,
  expectEnrolled,
  iamStateOf,
  OWN_SERIAL,
  TANAKA,
} from '../support/enrollment.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

const MAX = 10;

type OnboardingApp = AdminFixture['onboarding'];

function harness(f: AdminFixture) {
  const enroll = (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    app: OnboardingApp = f.onboarding,
  ) =>
    app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const issue = async (userName = TANAKA, ttlHours?: number) => {
    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.all.key,
      body: { userName, ...(ttlHours ? { ttlHours } : {}) },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { url: string; finishOnly: boolean };
    return { token: tokenOf(body.url), finishOnly: body.finishOnly };
  };
  const revoke = (userName = TANAKA) =>
    f.request('DELETE', `/v1/invitations/${userName}`, { key: f.keys.all.key });
  const newDevice = async (token: string) => {
    const res = await enroll('POST', '/api/enrollment/device', token);
    expect(res.status).toBe(201);
    return (await res.json()) as DeviceBody;
  };
  const activate = (token: string, body: unknown, app?: OnboardingApp) =>
    enroll('POST', '/api/enrollment/activate', token, body, app);
  const wrong = (device: DeviceBody) => ({
    serialNumber: device.serialNumber,
    ...staleCodes(device.secret),
  });
  const right = (device: DeviceBody) => ({
    serialNumber: device.serialNumber,
    ...consecutiveCodes(device.secret),
  });
  /** EnableMFADevice calls in which IAM checked codes and found them wrong. */
  const wrongCodeChecks = () =>
    f.iam.outcomes.snapshot().EnableMFADevice?.InvalidAuthenticationCode ?? 0;
  /** The link's answer on each route that could use it: all 401 when it is dead. */
  const linkAnswers = async (token: string, device?: DeviceBody) => [
    (await enroll('GET', '/api/enrollment', token)).status,
    (await enroll('POST', '/api/enrollment/device', token)).status,
    ...(device ? [(await activate(token, right(device))).status] : []),
  ];
  const serviceTags = async (userName = TANAKA) => {
    const { Tags = [] } = await f.emulator.iam.send(
      new ListUserTagsCommand({ UserName: userName }),
    );
    return Tags.map((t) => t.Key ?? '').filter((k) => k.startsWith(SERVICE_TAG_PREFIX));
  };
  /** The link works from the start: status, a device, the right codes, and IAM shows it enrolled. */
  const expectLinkEnrolls = async (token: string) => {
    expect((await enroll('GET', '/api/enrollment', token)).status).toBe(200);
    const device = await newDevice(token);
    expect((await activate(token, right(device))).status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  };
  return {
    enroll,
    issue,
    expectLinkEnrolls,
    revoke,
    newDevice,
    activate,
    wrong,
    right,
    wrongCodeChecks,
    linkAnswers,
    serviceTags,
  };
}

describe('the attempt limit is a hard bound', () => {
  const f = useAdmin();
  const h = harness(f);
  const seed = () => f.seed(demoSeed(f.config.forceMfaGroup));

  it('lets at most 10 of 50 parallel wrong submissions reach a code check, then locks the link', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    const containers = [f.onboarding, f.newOnboardingApp(), f.newOnboardingApp()];

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.activate(token, h.wrong(device), containers[i % 3])),
    );

    expect(h.wrongCodeChecks()).toBeLessThanOrEqual(MAX);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 422).length).toBe(h.wrongCodeChecks());
    expect(statuses.filter((s) => s !== 422 && s !== 429)).toEqual([]);
    // Locked: even the right codes are refused, and the device (its seed) is gone.
    expect((await h.activate(token, h.right(device))).status).toBe(429);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([]);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
  });

  it('holds over three bursts of 200, with TagUser and GetUser slowed so requests overlap', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    f.iam.faults.configure({ actionLatencyMs: { TagUser: 15, GetUser: 5 } });
    const containers = [f.onboarding, f.newOnboardingApp(), f.newOnboardingApp()];

    for (let burst = 0; burst < 3; burst++) {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          h.activate(token, h.wrong(device), containers[i % 3]),
        ),
      );
    }

    // Reservations crowding in at once may all see more than 10 and stop: the bound fails
    // closed, so a flood locks the link (as ten wrong codes would) and HR issues a new one.
    expect(h.wrongCodeChecks()).toBeLessThanOrEqual(MAX);
    f.iam.faults.configure({});
    expect((await h.activate(token, h.right(device))).status).toBe(429);
  });

  it('holds one request at a time while a throttled TagUser lands late', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    // TagUser may run twice a second: most reservations wait out a throttle and land late.
    f.iam.faults.configure({ actionThrottle: { TagUser: { ratePerSecond: 20, burst: 1 } } });

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await h.activate(token, h.wrong(device))).status);

    expect(h.wrongCodeChecks()).toBe(MAX);
    expect(statuses.slice(0, MAX)).toEqual(Array(MAX).fill(422));
    expect(statuses.slice(MAX)).toEqual(Array(20 - MAX).fill(429));
  });

  it('fails closed when the user has no tag slot left for a reservation', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    // Someone tags the user up to IAM's 50 after the link was issued.
    await f.emulator.iam.send(
      new TagUserCommand({
        UserName: TANAKA,
        Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `team-${i}`, Value: 'x' })),
      }),
    );

    const res = await h.activate(token, h.right(device));

    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_many_tags');
    expect(h.wrongCodeChecks()).toBe(0);
    expect(f.iam.outcomes.snapshot().EnableMFADevice).toBeUndefined();
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
  });
});

describe('a revoked or reissued link is dead', () => {
  const f = useAdmin();
  const h = harness(f);
  const hooks = useEmulatorHooks(f.emulator);
  const seed = () => f.seed(demoSeed(f.config.forceMfaGroup));

  it('stays revoked when the revoke lands while wrong-code requests are in flight', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    f.iam.faults.configure({ actionLatencyMs: { TagUser: 30, EnableMFADevice: 30 } });

    const inFlight = Array.from({ length: 20 }, () => h.activate(token, h.wrong(device)));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await h.revoke()).status).toBe(204);
    await Promise.all(inFlight);

    f.iam.faults.configure({});
    for (let i = 0; i < 5; i++) expect(await h.linkAnswers(token, device)).toEqual([401, 401, 401]);
    const state = await iamStateOf(f.emulator.iam, TANAKA);
    expect(state.invitationTag).toBeUndefined();
    expect(state.mfaDevices).toEqual([]);
    expect(state.unassignedDevices).toEqual([]);
  });

  it('stays revoked when the revoke lands just before an in-flight EnableMFADevice with the right codes', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    hooks.before('EnableMFADevice', async () => expect((await h.revoke()).status).toBe(204));

    const res = await h.activate(token, h.right(device));

    // The revoke deleted the device the codes were for: nothing is enabled.
    expect(res.status).toBe(409);
    expect(await h.linkAnswers(token, device)).toEqual([401, 401, 401]);
    expect(await iamStateOf(f.emulator.iam, TANAKA)).toMatchObject({
      mfaDevices: [],
      unassignedDevices: [],
      invitationTag: undefined,
    });
  });

  it('hands out no seed when the revoke lands while a device is being created', async () => {
    seed();
    const { token } = await h.issue();
    hooks.before('CreateVirtualMFADevice', async () => expect((await h.revoke()).status).toBe(204));

    const res = await h.enroll('POST', '/api/enrollment/device', token);

    expect(res.status).toBe(401);
    expect(await res.text()).not.toMatch(/secret|otpauth/);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([]);
  });

  it.each([
    ['wrong', h.wrong],
    ['right', h.right],
  ])(
    'keeps the old link dead and enrolls nobody with it when HR reissues while its %s codes are in flight',
    async (_, codes) => {
      seed();
      const first = await h.issue();
      const oldDevice = await h.newDevice(first.token);
      let second: { token: string } | undefined;
      hooks.before('EnableMFADevice', async () => {
        second = await h.issue();
      });

      const res = await h.activate(first.token, codes(oldDevice));

      // The reissue deleted the device the codes were for.
      expect(res.status).toBe(409);
      expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
      expect(await h.linkAnswers(first.token, oldDevice)).toEqual([401, 401, 401]);
      if (!second) throw new Error('the reissue did not run');
      await h.expectLinkEnrolls(second.token);
    },
  );

  it('keeps the reissued link usable whatever many old-link requests were in flight', async () => {
    seed();
    const first = await h.issue();
    const oldDevice = await h.newDevice(first.token);
    f.iam.faults.configure({ actionLatencyMs: { TagUser: 20, GetUser: 10 } });

    const inFlight = Array.from({ length: 30 }, () => h.activate(first.token, h.wrong(oldDevice)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await h.issue();
    await Promise.all(inFlight);
    f.iam.faults.configure({});

    expect(await h.linkAnswers(first.token, oldDevice)).toEqual([401, 401, 401]);
    const device = await h.newDevice(second.token);
    expect((await h.activate(second.token, h.right(device))).status).toBe(200);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([device.serialNumber]);
  });
});

describe('a used link is dead', () => {
  const f = useAdmin();
  const h = harness(f);
  const seed = () => f.seed(demoSeed(f.config.forceMfaGroup));

  it('stays spent after 29 wrong and 1 right submission race with TagUser slowed, even once the device is deactivated', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    f.iam.faults.configure({ actionLatencyMs: { TagUser: 250 } });

    // The right pair is sent first; the 29 wrong ones follow while its reservation is in flight.
    const rightAnswer = h.activate(token, h.right(device));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const wrongAnswers = Array.from({ length: 29 }, () => h.activate(token, h.wrong(device)));
    const answers = await Promise.all([...wrongAnswers, rightAnswer]);
    f.iam.faults.configure({});

    expect(answers.at(-1)?.status).toBe(200);
    expect(h.wrongCodeChecks()).toBeLessThanOrEqual(MAX);
    const state = await iamStateOf(f.emulator.iam, TANAKA);
    expect(state).toMatchObject({ mfaDevices: [device.serialNumber], invitationTag: undefined });
    // An admin deactivates the device: the spent link must not enroll another one.
    await f.emulator.iam.send(
      new DeactivateMFADeviceCommand({ UserName: TANAKA, SerialNumber: device.serialNumber }),
    );
    expect(await h.linkAnswers(token, device)).toEqual([401, 401, 401]);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
  });

  it('answers 401 on every route once an activation has answered 200', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    expect((await h.activate(token, h.right(device))).status).toBe(200);

    expect(await h.linkAnswers(token, device)).toEqual([401, 401, 401]);
    expect(await h.serviceTags()).toEqual([]);
  });
});

describe('a half-finished enrollment can always be finished', () => {
  // A short budget, so a step IAM keeps failing answers 503 quickly.
  const f = useAdmin({ requestBudgetMs: 500, retryDelays: { baseDelayMs: 5 } });
  const h = harness(f);
  const seed = () => f.seed(demoSeed(f.config.forceMfaGroup));
  const status = async () =>
    (await (await f.request('GET', `/v1/users/${TANAKA}`, { key: f.keys.all.key })).json()) as {
      enrollment: string;
      inForceMfaGroup: boolean;
      mfaEnabled: boolean;
    };

  it('lets HR issue a finish-only link after the first expired with AddUserToGroup failing', async () => {
    seed();
    const { token } = await h.issue(TANAKA, 1);
    const device = await h.newDevice(token);
    f.iam.faults.configure({
      scripted: [{ action: 'AddUserToGroup', fault: 'error', code: 'ServiceFailure', count: 1e6 }],
    });
    const failed = await h.activate(token, h.right(device));
    expect(failed.status).toBe(503);
    f.iam.faults.configure({});
    expect(await status()).toMatchObject({ enrollment: 'needs_group_step', mfaEnabled: true });

    f.advanceClock(2 * 3_600_000);
    expect((await h.enroll('GET', '/api/enrollment', token)).status).toBe(401);
    const again = await h.issue();
    expect(again.finishOnly).toBe(true);

    // The new link can only finish: no new device, no codes needed.
    expect((await h.enroll('POST', '/api/enrollment/device', again.token)).status).toBe(409);
    const done = await h.activate(again.token, { serialNumber: device.serialNumber });
    expect(done.status).toBe(200);
    await expectEnrolled(f, TANAKA, OWN_SERIAL(TANAKA));
    expect(await status()).toMatchObject({ enrollment: 'enrolled', inForceMfaGroup: true });
  });

  it('still refuses a link for a user enrolled and in the group', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    expect((await h.activate(token, h.right(device))).status).toBe(200);

    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.all.key,
      body: { userName: TANAKA },
    });

    expect(res.status).toBe(409);
    expect(await h.serviceTags()).toEqual([]);
  });
});

describe('what an adversarial review found, fixed', () => {
  const f = useAdmin({ requestBudgetMs: 4_000, retryDelays: { baseDelayMs: 5 } });
  const h = harness(f);
  const hooks = useEmulatorHooks(f.emulator);
  const seed = () => f.seed(demoSeed(f.config.forceMfaGroup));
  const ownTags = (n: number, prefix = 'team') =>
    f.emulator.iam.send(
      new TagUserCommand({
        UserName: TANAKA,
        Tags: Array.from({ length: n }, (_, i) => ({ Key: `${prefix}-${i}`, Value: 'x' })),
      }),
    );
  const deactivate = (serialNumber: string) =>
    f.emulator.iam.send(
      new DeactivateMFADeviceCommand({ UserName: TANAKA, SerialNumber: serialNumber }),
    );
  /** The device enabled but the group step failed for good, then HR revoked the link. */
  const halfFinishedThenRevoked = async () => {
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    f.iam.faults.configure({
      scripted: [{ action: 'AddUserToGroup', fault: 'error', code: 'ServiceFailure', count: 1e6 }],
    });
    expect((await h.activate(token, h.right(device))).status).toBe(503);
    f.iam.faults.configure({});
    expect((await h.revoke()).status).toBe(204);
    return device;
  };
  /** Right codes of the device one step later than `right`: a second, valid pair. */
  const laterPair = (device: DeviceBody) => ({
    serialNumber: device.serialNumber,
    ...consecutiveCodes(device.secret, new Date(Date.now() + 60_000)),
  });

  it('does not let a throttled request re-enable a device an admin deactivated after the link was spent', async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    // One EnableMFADevice every 1.4 s: A takes the first; B backs off, and would get the next
    // one after the deactivation if it did not read the invitation again before repeating.
    // Slow enables and group step, so B passes its checks before A's enable lands.
    f.iam.faults.configure({
      actionThrottle: { EnableMFADevice: { ratePerSecond: 0.7, burst: 1 } },
      actionLatencyMs: { EnableMFADevice: 200, AddUserToGroup: 300 },
    });

    const first = h.activate(token, h.right(device));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const b = h.activate(token, laterPair(device));
    expect((await first).status).toBe(200);
    await deactivate(device.serialNumber);

    // B re-reads the invitation before repeating and finds it spent.
    expect((await b).status).toBe(401);
    f.iam.faults.configure({});
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
  });

  it('issues a finish-only link to a half-finished user whose own tags leave room for just one', async () => {
    seed();
    const device = await halfFinishedThenRevoked();
    await ownTags(48);

    const again = await h.issue();

    expect(again.finishOnly).toBe(true);
    expect((await h.activate(again.token, { serialNumber: device.serialNumber })).status).toBe(200);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).groups).toEqual(['force-mfa']);
  });

  it('issues a link even when attempt keys left by an earlier link fill the 50 tags', async () => {
    seed();
    await ownTags(39);
    await f.emulator.iam.send(
      new TagUserCommand({
        UserName: TANAKA,
        Tags: Array.from({ length: 11 }, (_, i) => ({
          Key: `mfa-onboarding:attempt:AAAAAAAAAAAA:${i}`,
          Value: '0',
        })),
      }),
    );

    const { token } = await h.issue();

    expect((await h.enroll('GET', '/api/enrollment', token)).status).toBe(200);
    expect(await h.serviceTags()).toEqual(['mfa-onboarding:invitation']);
  });

  it('refuses codes and new devices on a finish-only link, even after an admin deactivated the device', async () => {
    seed();
    const device = await halfFinishedThenRevoked();
    const finish = await h.issue();
    expect(finish.finishOnly).toBe(true);
    // The phone with the old seed is lost: the admin deactivates its device.
    await deactivate(device.serialNumber);

    const withOldSeed = await h.activate(finish.token, laterPair(device));
    const newDevice = await h.enroll('POST', '/api/enrollment/device', finish.token);

    expect([withOldSeed.status, newDevice.status]).toEqual([409, 409]);
    expect(((await withOldSeed.json()) as { error: { code: string } }).error.code).toBe(
      'finish_only',
    );
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([]);
  });

  it("keeps HR's newer link when an old link's enrollment is undone and reissued before it finishes", async () => {
    seed();
    const { token } = await h.issue();
    const device = await h.newDevice(token);
    let newer: { token: string } | undefined;
    hooks.before('AddUserToGroup', async () => {
      await deactivate(device.serialNumber);
      newer = await h.issue();
    });

    const old = await h.activate(token, h.right(device));

    // The old request's enrollment no longer exists: it must not claim it, nor spend the newer link.
    expect(old.status).toBe(401);
    if (!newer) throw new Error('the reissue did not run');
    await h.expectLinkEnrolls(newer.token);
  });

  it('hands out no seed once the user has no tag slot left for a code check', async () => {
    seed();
    const { token } = await h.issue();
    await ownTags(49);

    const res = await h.enroll('POST', '/api/enrollment/device', token);

    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_many_tags');
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([]);
  });
});
