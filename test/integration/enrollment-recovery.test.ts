// Every step is idempotent and recoverable (ARCHITECTURE.md): a reload, two tabs, a double
// submit, a lost IAM response, a failure between EnableMFADevice and AddUserToGroup, IAM
// throttling and a user deleted mid-flow all end in a correct state, with no orphaned devices.
// Races are made deterministic with emulator hooks (test/support/emulator-hooks.ts), never with
// sleeps, and nothing asserts on wall time.

import { ListVirtualMFADevicesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useEmulatorHooks } from '../support/emulator-hooks.ts';
import {
  activate,
  attemptsReserved,
  callsByAction,
  createDevice,
  type DeviceBody,
  deleteUser,
  type EnrolledBody,
  expectEnrolled,
  expectError,
  iamStateOf,
  json,
  resetCalls,
  type StatusBody,
  startEnrollment,
  TANAKA,
  writeActions,
} from '../support/enrollment.ts';
import { type OnboardingFixture, useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

/** IAM never shows a seed again, so to tell two tabs apart the test reads the emulator's state. */
function seedKeptByIam(f: OnboardingFixture, serialNumber: string): string | undefined {
  return f.emulator.running.emulator.state.mfaDevices.get(serialNumber.toLowerCase())?.seed;
}

/** Every virtual MFA device in the account, assigned or not. */
async function allVirtualDevices(f: OnboardingFixture): Promise<(string | undefined)[]> {
  const { VirtualMFADevices } = await f.emulator.iam.send(new ListVirtualMFADevicesCommand({}));
  return (VirtualMFADevices ?? []).map((d) => d.SerialNumber);
}

const codesFor = (device: DeviceBody) => ({
  serialNumber: device.serialNumber,
  ...consecutiveCodes(device.secret),
});

describe('reload in the middle of the enrollment', () => {
  const f = useOnboarding();

  it('leaves exactly one device, whose new seed works while the old one is rejected', async () => {
    const { token } = await f.issue(TANAKA);
    const first = await createDevice(f, token);

    const second = await createDevice(f, token);

    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([
      second.serialNumber,
    ]);
    await expectError(await activate(f, token, codesFor(first)), 422, 'invalid_code');
    expect((await activate(f, token, codesFor(second))).status).toBe(200);
    await expectEnrolled(f, TANAKA, second.serialNumber);
  });
});

describe('two tabs', () => {
  const f = useOnboarding();
  const hooks = useEmulatorHooks(f.emulator);

  it('both creating a device at once leaves one device; the stale tab gets 422, then a fresh device works', async () => {
    const { token } = await f.issue(TANAKA);
    // Both requests reach CreateVirtualMFADevice together: the first wins, the second collides,
    // replaces it and creates again.
    hooks.barrier('CreateVirtualMFADevice', 2);

    const [a, b] = await Promise.all([
      f.request('POST', '/api/enrollment/device', { token }),
      f.request('POST', '/api/enrollment/device', { token }),
    ]);

    expect([a.status, b.status]).toEqual([201, 201]);
    const tabs = [await json<DeviceBody>(a), await json<DeviceBody>(b)];
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([
      tabs[0]?.serialNumber,
    ]);
    const kept = seedKeptByIam(f, tabs[0]?.serialNumber ?? '');
    const fresh = tabs.find((t) => t.secret === kept);
    const stale = tabs.find((t) => t.secret !== kept);
    expect(fresh && stale).toBeTruthy();
    if (!fresh || !stale) return;

    await expectError(await activate(f, token, codesFor(stale)), 422, 'invalid_code');
    const reloaded = await createDevice(f, token);
    const done = await activate(f, token, codesFor(reloaded));

    expect(done.status).toBe(200);
    await expectEnrolled(f, TANAKA, reloaded.serialNumber);
  });

  it('however the two requests interleave, both get a device and one device remains', async () => {
    const { token } = await f.issue(TANAKA);

    const answers = await Promise.all(
      [1, 2].map(() => f.request('POST', '/api/enrollment/device', { token })),
    );

    expect(answers.map((r) => r.status)).toEqual([201, 201]);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toHaveLength(1);
  });
});

// Decision: a double submit is not an error. Both submits that present a live invitation are
// answered 200 with the same result (the second finds the device already enabled and finishes
// the idempotent remaining steps). A submit arriving after the first one has finished presents
// a spent, single-use link and gets the usual 401; IAM is already in its final state then.
describe('double submit', () => {
  const f = useOnboarding();
  const hooks = useEmulatorHooks(f.emulator);

  it('answers 200 to both of two simultaneous submits of the same codes, and enrolls once', async () => {
    const { token, device } = await startEnrollment(f);
    hooks.barrier('EnableMFADevice', 2);
    resetCalls(f);

    const [a, b] = await Promise.all([
      activate(f, token, codesFor(device)),
      activate(f, token, codesFor(device)),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await json<EnrolledBody>(a)).toEqual(await json<EnrolledBody>(b));
    expect(callsByAction(f).EnableMFADevice).toBe(2);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('ends enrolled once however two submits interleave: 200 twice, or 200 and 401', async () => {
    const { token, device } = await startEnrollment(f);

    const answers = await Promise.all([
      activate(f, token, codesFor(device)),
      activate(f, token, codesFor(device)),
    ]);

    const statuses = answers.map((r) => r.status).sort();
    expect([
      [200, 200],
      [200, 401],
    ]).toContainEqual(statuses);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('answers 401 to a submit that arrives after the first has finished, and changes nothing', async () => {
    const { token, device } = await startEnrollment(f);
    const codes = codesFor(device);
    expect((await activate(f, token, codes)).status).toBe(200);
    resetCalls(f);

    const late = await activate(f, token, codes);

    await expectError(late, 401, 'invalid_invitation');
    expect(writeActions(callsByAction(f))).toEqual([]);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});

describe('lost IAM responses', () => {
  const f = useOnboarding();
  const faults = () => f.emulator.running.emulator.faults;

  it('enrolls when the response of a successful EnableMFADevice is lost: the retry finds it enabled', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({ scripted: [{ action: 'EnableMFADevice', fault: 'drop-after' }] });
    resetCalls(f);

    const res = await activate(f, token, codesFor(device));

    expect(res.status).toBe(200);
    // An unknown outcome is settled by ListMFADevices, not by sending the codes again.
    expect(callsByAction(f).EnableMFADevice).toBe(1);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('gives a working device when the response of CreateVirtualMFADevice is lost, and no orphan', async () => {
    const { token } = await f.issue(TANAKA);
    faults().configure({ scripted: [{ action: 'CreateVirtualMFADevice', fault: 'drop-after' }] });

    const device = await createDevice(f, token);

    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([
      device.serialNumber,
    ]);
    expect((await activate(f, token, codesFor(device))).status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('replaces the device on reload when the response of DeleteVirtualMFADevice is lost', async () => {
    const { token } = await f.issue(TANAKA);
    await createDevice(f, token);
    faults().configure({ scripted: [{ action: 'DeleteVirtualMFADevice', fault: 'drop-after' }] });

    const device = await createDevice(f, token);

    expect((await activate(f, token, codesFor(device))).status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it.each(['AddUserToGroup', 'UntagUser'])(
    'enrolls when the response of %s is lost',
    async (action) => {
      const { token, device } = await startEnrollment(f);
      faults().configure({ scripted: [{ action, fault: 'drop-after' }] });

      const res = await activate(f, token, codesFor(device));

      expect(res.status).toBe(200);
      await expectEnrolled(f, TANAKA, device.serialNumber);
    },
  );

  it('counts a wrong pair once when the response of the TagUser recording it is lost', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({ scripted: [{ action: 'TagUser', fault: 'drop-after' }] });

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...staleCodes(device.secret),
    });

    expect((await expectError(res, 422, 'invalid_code')).error.attemptsRemaining).toBe(9);
    const second = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...staleCodes(device.secret),
    });
    expect((await expectError(second, 422, 'invalid_code')).error.attemptsRemaining).toBe(8);
  });

  it.each([
    ['ServiceFailure', 500],
    ['EntityTemporarilyUnmodifiable', 409],
    ['ConcurrentModification', 409],
    ['Throttling', 400],
  ])('absorbs a few %s errors on every step of the flow', async (code, status) => {
    const { token } = await f.issue(TANAKA);
    const actions = [
      'GetUser',
      'ListMFADevices',
      'ListGroupsForUser',
      'DeleteVirtualMFADevice',
      'CreateVirtualMFADevice',
      // A 500 may have been a code check, so it is not repeated under the same reservation
      // (next test); refusals such as ConcurrentModification or Throttling are.
      ...(code === 'ServiceFailure' ? [] : ['EnableMFADevice']),
      'TagUser',
      'AddUserToGroup',
      'UntagUser',
    ];
    faults().configure({
      scripted: actions.map((action) => ({ action, fault: 'error', code, status, count: 2 })),
    });

    const status1 = await f.request('GET', '/api/enrollment', { token });
    const device = await createDevice(f, token);
    const done = await activate(f, token, codesFor(device));

    expect([status1.status, done.status]).toEqual([200, 200]);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});

describe('a 500 on EnableMFADevice', () => {
  const f = useOnboarding();
  const faults = () => f.emulator.running.emulator.faults;

  it('answers 503 without sending the codes again, and the next submission enrolls', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({
      scripted: [{ action: 'EnableMFADevice', fault: 'error', code: 'ServiceFailure' }],
    });
    resetCalls(f);

    const first = await activate(f, token, codesFor(device));

    await expectError(first, 503, 'service_unavailable');
    expect(first.headers.get('retry-after')).toBe('5');
    expect(callsByAction(f).EnableMFADevice).toBe(1);
    // The submission used one reservation; the page's next one reserves its own.
    expect(await attemptsReserved(f.emulator.iam, TANAKA)).toBe(1);
    const second = await activate(f, token, codesFor(device));
    expect(second.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});

describe('IAM throttling absorbed by retries', () => {
  const f = useOnboarding();

  it('completes the whole flow while IAM allows only 5 calls a second', async () => {
    const { token } = await f.issue(TANAKA);
    f.emulator.running.emulator.faults.configure({ throttle: { ratePerSecond: 5, burst: 1 } });
    resetCalls(f);

    const status = await f.request('GET', '/api/enrollment', { token });
    const device = await createDevice(f, token);
    const done = await activate(f, token, codesFor(device));

    expect([status.status, done.status]).toEqual([200, 200]);
    // Successful calls: GET 3 (+2 account lookups at most), device 4, activate 5; the rest of
    // the calls the emulator counted were throttled and retried.
    expect(f.emulator.running.emulator.calls.snapshot().total).toBeGreaterThan(14);
    f.emulator.running.emulator.faults.configure({});
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});

describe('when IAM keeps failing (request budget 1 s)', () => {
  const f = useOnboarding({}, { requestBudgetMs: 1_000 });
  const hooks = useEmulatorHooks(f.emulator);
  const faults = () => f.emulator.running.emulator.faults;
  const always = (action: string, code = 'ServiceFailure', status = 500) => ({
    action,
    fault: 'error' as const,
    code,
    status,
    count: 1_000_000,
  });

  it.each([
    ['GET', '/api/enrollment'],
    ['POST', '/api/enrollment/device'],
    ['POST', '/api/enrollment/activate'],
  ])('answers %s %s with 503 and Retry-After while IAM keeps throttling', async (method, path) => {
    const { token, device } = await startEnrollment(f);
    const before = await iamStateOf(f.emulator.iam, TANAKA);
    faults().configure({ throttle: { ratePerSecond: 0, burst: 0 } });

    const res = await f.request(method, path, {
      token,
      body: method === 'POST' && path.endsWith('activate') ? codesFor(device) : undefined,
    });

    await expectError(res, 503, 'service_unavailable');
    expect(res.headers.get('retry-after')).toBe('5');
    faults().configure({});
    expect(await iamStateOf(f.emulator.iam, TANAKA)).toEqual(before);
  });

  it('answers 503 when AddUserToGroup keeps failing after the device was enabled; a retry with the codes finishes', async () => {
    const { token, device } = await startEnrollment(f);
    const codes = codesFor(device);
    faults().configure({ scripted: [always('AddUserToGroup')] });

    const failed = await activate(f, token, codes);

    await expectError(failed, 503, 'service_unavailable');
    expect(failed.headers.get('retry-after')).toBe('5');
    expect(await iamStateOf(f.emulator.iam, TANAKA)).toMatchObject({
      mfaDevices: [device.serialNumber],
      groups: [],
      invitationTag: expect.any(String),
    });
    faults().configure({});
    const status = await json<StatusBody>(await f.request('GET', '/api/enrollment', { token }));
    expect(status).toMatchObject({ status: 'enrolled', inForceMfaGroup: false });

    const retried = await activate(f, token, codes);

    expect(retried.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('lets a retry without codes finish the group step after the device was enabled', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({ scripted: [always('AddUserToGroup')] });
    await expectError(await activate(f, token, codesFor(device)), 503, 'service_unavailable');
    faults().configure({});

    const retried = await activate(f, token, { serialNumber: device.serialNumber });

    expect(retried.status).toBe(200);
    expect(await json<EnrolledBody>(retried)).toMatchObject({
      status: 'enrolled',
      groupName: 'force-mfa',
    });
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('finishes on retry when clearing the invitation kept failing, with the user in the group once', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({ scripted: [always('UntagUser')] });
    await expectError(await activate(f, token, codesFor(device)), 503, 'service_unavailable');
    faults().configure({});

    const retried = await activate(f, token, { serialNumber: device.serialNumber });

    expect(retried.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('refuses a new device after the device was enabled but the group step failed', async () => {
    const { token, device } = await startEnrollment(f);
    faults().configure({ scripted: [always('AddUserToGroup')] });
    await activate(f, token, codesFor(device));
    faults().configure({});

    const again = await f.request('POST', '/api/enrollment/device', { token });

    await expectError(again, 409, 'already_enrolled');
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([device.serialNumber]);
  });

  it.each([
    ['EnableMFADevice is throttled to the deadline', { action: 'EnableMFADevice', skip: 0 }],
    ['the read after the reservation is throttled to the deadline', { action: 'GetUser', skip: 1 }],
  ])('gives the attempt back when %s: no code was checked', async (_, where) => {
    const { token, device } = await startEnrollment(f);
    faults().configure({
      scripted: [{ ...always(where.action, 'Throttling', 400), skip: where.skip }],
    });

    const res = await activate(f, token, codesFor(device));

    await expectError(res, 503, 'service_unavailable');
    faults().configure({});
    expect(await attemptsReserved(f.emulator.iam, TANAKA)).toBe(0);
    expect(f.emulator.running.emulator.outcomes.snapshot().EnableMFADevice?.OK).toBeUndefined();
  });

  it('lets a retry with the same codes succeed after EnableMFADevice succeeded but every answer was lost', async () => {
    const { token, device } = await startEnrollment(f);
    const codes = codesFor(device);
    // The enable lands but its answer is lost, and IAM then fails every read that could tell.
    hooks.before('EnableMFADevice', () =>
      faults().configure({
        scripted: [{ action: 'EnableMFADevice', fault: 'drop-after' }, always('ListMFADevices')],
      }),
    );

    const failed = await activate(f, token, codes);

    await expectError(failed, 503, 'service_unavailable');
    faults().configure({});
    expect((await iamStateOf(f.emulator.iam, TANAKA)).mfaDevices).toEqual([device.serialNumber]);
    const retried = await activate(f, token, codes);
    expect(retried.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});

describe('the user is deleted in the middle of the flow', () => {
  const f = useOnboarding();
  const hooks = useEmulatorHooks(f.emulator);
  const deleteTanaka = () => deleteUser(f.emulator.iam, TANAKA);

  it('answers 404 user_not_found when the user goes in the middle of GET /api/enrollment', async () => {
    const { token } = await f.issue(TANAKA);
    hooks.before('ListMFADevices', deleteTanaka);

    const res = await f.request('GET', '/api/enrollment', { token });

    await expectError(res, 404, 'user_not_found');
  });

  it('answers 404 when the user goes in the middle of POST device, and leaves no device behind', async () => {
    const { token } = await startEnrollment(f);
    hooks.before('ListMFADevices', deleteTanaka);

    const res = await f.request('POST', '/api/enrollment/device', { token });

    await expectError(res, 404, 'user_not_found');
    expect(await allVirtualDevices(f)).toEqual([]);
  });

  it('answers 404 when the user goes just before EnableMFADevice, and leaves no device behind', async () => {
    const { token, device } = await startEnrollment(f);
    hooks.before('EnableMFADevice', deleteTanaka);

    const res = await activate(f, token, codesFor(device));

    await expectError(res, 404, 'user_not_found');
    expect(await allVirtualDevices(f)).toEqual([]);
  });

  it('answers 404 when the user goes at the start of the activation', async () => {
    const { token, device } = await startEnrollment(f);
    hooks.before('ListMFADevices', deleteTanaka);

    const res = await activate(f, token, codesFor(device));

    await expectError(res, 404, 'user_not_found');
  });

  it('answers 404 when the user goes while a wrong pair is being recorded', async () => {
    const { token, device } = await startEnrollment(f);
    hooks.before('TagUser', deleteTanaka);

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...staleCodes(device.secret),
    });

    await expectError(res, 404, 'user_not_found');
  });

  it('answers 401 to the deleted user’s link afterwards, on every route', async () => {
    const { token, device } = await startEnrollment(f);
    await deleteTanaka();

    const answers = [
      await f.request('GET', '/api/enrollment', { token }),
      await f.request('POST', '/api/enrollment/device', { token }),
      await activate(f, token, codesFor(device)),
    ];

    for (const res of answers) await expectError(res, 401, 'invalid_invitation');
  });
});
