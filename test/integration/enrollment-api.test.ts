// The enrollment API route by route: GET /api/enrollment, POST /api/enrollment/device and
// POST /api/enrollment/activate, with each success and error answer they can give. Invitation
// tokens (401) are in invitations.test.ts; races and IAM faults in enrollment-recovery.test.ts.

import {
  AddUserToGroupCommand,
  DeleteAccountAliasCommand,
  GetUserCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_ID,
  activate,
  attemptsReserved,
  callsByAction,
  createDevice,
  createDeviceOutOfBand,
  type DeviceBody,
  type EnrolledBody,
  enableOutOfBand,
  expectEnrolled,
  expectError,
  iamStateOf,
  json,
  OWN_SERIAL,
  resetCalls,
  SATO,
  type StatusBody,
  startEnrollment,
  TANAKA,
  writeActions,
} from '../support/enrollment.ts';
import { type OnboardingFixture, useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes, staleCodes } from '../support/totp.ts';

/** Code checks reserved on the user's current invitation (wrong codes are counted there). */
function failedAttempts(f: OnboardingFixture, userName = TANAKA): Promise<number | undefined> {
  return attemptsReserved(f.emulator.iam, userName);
}

describe('GET /api/enrollment', () => {
  const f = useOnboarding();

  it('describes an invited user: account, invitation expiry, no device, not yet in the group', async () => {
    const { token, expiresAt } = await f.issue(TANAKA);

    const res = await f.request('GET', '/api/enrollment', { token });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await json<StatusBody>(res)).toEqual({
      userName: TANAKA,
      accountId: ACCOUNT_ID,
      accountAlias: 'example-corp',
      status: 'invited',
      groupName: 'force-mfa',
      inForceMfaGroup: false,
      mfaDevices: [],
      invitationExpiresAt: expiresAt.toISOString(),
      attemptsRemaining: 10,
    });
  });

  it('reports a device enabled since the invitation as enrolled, with its enable date', async () => {
    const { token } = await f.issue(TANAKA);
    const console = await createDeviceOutOfBand(f.emulator.iam, 'tanaka-phone');
    await enableOutOfBand(f.emulator.iam, TANAKA, console);

    const body = await json<StatusBody>(await f.request('GET', '/api/enrollment', { token }));

    expect(body.status).toBe('enrolled');
    expect(body.mfaDevices).toEqual([
      { serialNumber: console.serialNumber, enableDate: expect.any(String) },
    ]);
    expect(Number.isNaN(Date.parse(body.mfaDevices[0]?.enableDate ?? ''))).toBe(false);
    expect(body.inForceMfaGroup).toBe(false);
  });

  it('reports membership of the force-MFA group', async () => {
    const { token } = await f.issue(TANAKA);
    await f.emulator.iam.send(
      new AddUserToGroupCommand({ GroupName: 'force-mfa', UserName: TANAKA }),
    );

    const body = await json<StatusBody>(await f.request('GET', '/api/enrollment', { token }));

    expect(body.inForceMfaGroup).toBe(true);
  });

  it('gives a null accountAlias when the account has none', async () => {
    const { token } = await f.issue(TANAKA);
    await f.emulator.iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-corp' }));
    // The account id and alias are cached per container: ask a fresh one.
    const app = f.newApp();

    const body = await json<StatusBody>(await f.request('GET', '/api/enrollment', { token, app }));

    expect(body).toMatchObject({ accountId: ACCOUNT_ID, accountAlias: null });
  });

  it('never changes state: repeated GETs and HEADs make only read calls and leave IAM as it was', async () => {
    const { token } = await f.issue(TANAKA);
    const before = await iamStateOf(f.emulator.iam, TANAKA);
    const userBefore = await f.emulator.iam.send(new GetUserCommand({ UserName: TANAKA }));
    resetCalls(f);

    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push((await f.request('GET', '/api/enrollment', { token })).status);
      answers.push((await f.request('HEAD', '/api/enrollment', { token })).status);
    }

    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    const calls = callsByAction(f);
    expect(writeActions(calls)).toEqual([]);
    expect(calls.GetUser).toBe(6);
    expect(await iamStateOf(f.emulator.iam, TANAKA)).toEqual(before);
    const userAfter = await f.emulator.iam.send(new GetUserCommand({ UserName: TANAKA }));
    expect(userAfter.User?.Tags).toEqual(userBefore.User?.Tags);
  });

  it('does not spend the invitation: the link still enrolls after being opened many times', async () => {
    const { token } = await f.issue(TANAKA);
    for (let i = 0; i < 3; i++) await f.request('GET', '/api/enrollment', { token });

    const device = await createDevice(f, token);
    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    expect(res.status).toBe(200);
  });

  it('has no write routes behind GET: GET on the POST routes is a 404 and changes nothing', async () => {
    const { token } = await f.issue(TANAKA);
    resetCalls(f);

    for (const path of ['/api/enrollment/device', '/api/enrollment/activate']) {
      await expectError(await f.request('GET', path, { token }), 404, 'not_found');
    }

    expect(writeActions(callsByAction(f))).toEqual([]);
  });
});

describe('POST /api/enrollment/device', () => {
  const f = useOnboarding();

  it('creates the virtual device under the service path and answers 201 with the seed, uncached', async () => {
    const { token } = await f.issue(TANAKA);

    const res = await f.request('POST', '/api/enrollment/device', { token });

    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const device = await json<DeviceBody>(res);
    expect(Object.keys(device).sort()).toEqual(['otpauthUri', 'qrSvg', 'secret', 'serialNumber']);
    expect(device.serialNumber).toBe(OWN_SERIAL(TANAKA));
    expect(device.secret).toMatch(/^[A-Z2-7]{64}$/);
    expect(device.otpauthUri).toBe(
      `otpauth://totp/Amazon%20Web%20Services:${TANAKA}@example-corp?secret=${device.secret}` +
        '&issuer=Amazon%20Web%20Services&algorithm=SHA1&digits=6&period=30',
    );
    expect(device.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // In IAM: the device exists, unassigned; the user has no MFA yet.
    const state = await iamStateOf(f.emulator.iam, TANAKA);
    expect(state.unassignedDevices).toEqual([device.serialNumber]);
    expect(state.mfaDevices).toEqual([]);
  });

  it('replaces the unassigned device it made earlier for the same user', async () => {
    const { token } = await f.issue(TANAKA);
    const first = await createDevice(f, token);
    resetCalls(f);

    const second = await createDevice(f, token);

    expect(second.serialNumber).toBe(first.serialNumber);
    expect(second.secret).not.toBe(first.secret);
    expect(callsByAction(f)).toMatchObject({
      DeleteVirtualMFADevice: 1,
      CreateVirtualMFADevice: 1,
    });
    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices).toEqual([
      second.serialNumber,
    ]);
  });

  it('leaves alone the devices it did not make, even one named after the user', async () => {
    const { token } = await f.issue(TANAKA);
    const foreign = await createDeviceOutOfBand(f.emulator.iam, TANAKA);
    const other = await createDevice(f, await f.issue(SATO).then((i) => i.token));

    const device = await createDevice(f, token);
    await createDevice(f, token);

    expect((await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices.sort()).toEqual(
      [foreign.serialNumber, other.serialNumber, device.serialNumber].sort(),
    );
  });

  it('answers 409 already_enrolled, creating nothing, when the user already has an MFA device', async () => {
    const { token } = await f.issue(TANAKA);
    await enableOutOfBand(f.emulator.iam, TANAKA, await createDeviceOutOfBand(f.emulator.iam, 'x'));
    resetCalls(f);

    const res = await f.request('POST', '/api/enrollment/device', { token });

    await expectError(res, 409, 'already_enrolled');
    expect(writeActions(callsByAction(f))).toEqual([]);
  });

  it('answers 409 device_in_use when its device name is taken by a device enabled for someone else', async () => {
    const { token, device } = await startEnrollment(f, TANAKA);
    await enableOutOfBand(f.emulator.iam, SATO, {
      serialNumber: device.serialNumber,
      seed: device.secret,
    });

    const res = await f.request('POST', '/api/enrollment/device', { token });

    await expectError(res, 409, 'device_in_use');
  });

  it('answers 409 setup_in_progress when its device keeps being created by someone else', async () => {
    const { token } = await f.issue(TANAKA);
    f.emulator.running.emulator.faults.configure({
      scripted: [
        {
          action: 'CreateVirtualMFADevice',
          fault: 'error',
          code: 'EntityAlreadyExists',
          status: 409,
          count: 3,
        },
      ],
    });

    const res = await f.request('POST', '/api/enrollment/device', { token });

    await expectError(res, 409, 'setup_in_progress');
  });

  it('does not spend the invitation or count an attempt', async () => {
    const { token } = await f.issue(TANAKA);

    await createDevice(f, token);
    await createDevice(f, token);

    expect(await failedAttempts(f)).toBe(0);
  });
});

describe('POST /api/enrollment/activate', () => {
  const f = useOnboarding();

  it('enables the device, adds the user to the force-MFA group, spends the invitation and says what next', async () => {
    const { token, device } = await startEnrollment(f);

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await json<EnrolledBody>(res)).toEqual({
      status: 'enrolled',
      serialNumber: device.serialNumber,
      groupName: 'force-mfa',
      next: {
        consoleSignInUrl: 'https://example-corp.signin.aws.amazon.com/console',
        mfaSerialNumber: device.serialNumber,
        cliCommand: `aws sts get-session-token --serial-number ${device.serialNumber} --token-code <code>`,
        roles: [],
        awsConfig: null,
      },
    });
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('answers 422 invalid_code with attemptsRemaining for wrong codes, and keeps the device for another try', async () => {
    const { token, device } = await startEnrollment(f);

    const wrong = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...staleCodes(device.secret),
    });

    const body = await expectError(wrong, 422, 'invalid_code');
    expect(body.error.attemptsRemaining).toBe(9);
    expect(await failedAttempts(f)).toBe(1);
    const state = await iamStateOf(f.emulator.iam, TANAKA);
    expect(state.unassignedDevices).toEqual([device.serialNumber]);
    expect(state.mfaDevices).toEqual([]);
    expect(state.groups).toEqual([]);

    const right = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });
    expect(right.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('counts attemptsRemaining down with each wrong pair', async () => {
    const { token, device } = await startEnrollment(f);

    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await activate(f, token, {
        serialNumber: device.serialNumber,
        ...staleCodes(device.secret),
      });
      remaining.push((await expectError(res, 422, 'invalid_code')).error.attemptsRemaining);
    }

    expect(remaining).toEqual([9, 8, 7]);
  });

  it('succeeds without codes when the device is already enabled for this user, finishing the other steps', async () => {
    const { token, device } = await startEnrollment(f);
    await enableOutOfBand(f.emulator.iam, TANAKA, {
      serialNumber: device.serialNumber,
      seed: device.secret,
    });
    resetCalls(f);

    const res = await activate(f, token, { serialNumber: device.serialNumber });

    expect(res.status).toBe(200);
    expect(await json<EnrolledBody>(res)).toMatchObject({
      status: 'enrolled',
      serialNumber: device.serialNumber,
    });
    expect(callsByAction(f).EnableMFADevice).toBeUndefined();
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('succeeds, rather than failing on replayed codes, when the device is already enabled for this user', async () => {
    const { token, device } = await startEnrollment(f);
    const codes = consecutiveCodes(device.secret);
    await enableOutOfBand(f.emulator.iam, TANAKA, {
      serialNumber: device.serialNumber,
      seed: device.secret,
    });

    const res = await activate(f, token, { serialNumber: device.serialNumber, ...codes });

    expect(res.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });

  it('answers 400 codes_required when codes are left out before the device is enabled', async () => {
    const { token, device } = await startEnrollment(f);

    const res = await activate(f, token, { serialNumber: device.serialNumber });

    await expectError(res, 400, 'codes_required');
    expect(await failedAttempts(f)).toBe(0);
  });

  it('answers 400 unknown_device for the serial number of another device, and calls no IAM write', async () => {
    const { token, device } = await startEnrollment(f);
    const sato = await createDevice(f, (await f.issue(SATO)).token);
    const foreign = await createDeviceOutOfBand(f.emulator.iam, 'someone-elses');
    resetCalls(f);

    for (const serialNumber of [
      sato.serialNumber,
      foreign.serialNumber,
      device.serialNumber.toUpperCase(),
      'arn:aws:iam::123456789012:mfa/nope',
    ]) {
      const res = await activate(f, token, { serialNumber, ...consecutiveCodes(device.secret) });
      await expectError(res, 400, 'unknown_device');
    }

    expect(writeActions(callsByAction(f))).toEqual([]);
    expect((await iamStateOf(f.emulator.iam, SATO)).mfaDevices).toEqual([]);
  });

  it('answers 409 device_missing when the device was never created (or has gone)', async () => {
    const { token } = await f.issue(TANAKA);

    const res = await activate(f, token, {
      serialNumber: OWN_SERIAL(TANAKA),
      code1: '123456',
      code2: '654321',
    });

    await expectError(res, 409, 'device_missing');
  });

  it('answers 409 device_in_use when the device has been enabled for another user', async () => {
    const { token, device } = await startEnrollment(f);
    await enableOutOfBand(f.emulator.iam, SATO, {
      serialNumber: device.serialNumber,
      seed: device.secret,
    });

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    await expectError(res, 409, 'device_in_use');
    expect((await iamStateOf(f.emulator.iam, TANAKA)).groups).toEqual([]);
  });

  it('answers 409 too_many_devices when the user has reached the MFA device quota meanwhile', async () => {
    const { token, device } = await startEnrollment(f);
    for (let i = 0; i < 8; i++) {
      await enableOutOfBand(
        f.emulator.iam,
        TANAKA,
        await createDeviceOutOfBand(f.emulator.iam, `key-${i}`),
      );
    }

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    await expectError(res, 409, 'too_many_devices');
  });

  it('takes the user only from the token, never from the body', async () => {
    const { token, device } = await startEnrollment(f, TANAKA);

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
      userName: SATO,
    });

    await expectError(res, 400, 'bad_request');
    expect((await iamStateOf(f.emulator.iam, SATO)).mfaDevices).toEqual([]);
  });
});

describe('POST /api/enrollment/activate: bad input is a 400 checked before any IAM call', () => {
  const f = useOnboarding();
  const serialNumber = OWN_SERIAL(TANAKA);

  const cases: [string, unknown, Record<string, string>?][] = [
    ['a body that is not JSON', '{"serialNumber": '],
    ['a body that is JSON null', 'null'],
    ['a body that is a JSON array', JSON.stringify([serialNumber, '123456', '234567'])],
    ['a body that is a JSON string', JSON.stringify('hello')],
    [
      'a JSON body sent as text/plain',
      { serialNumber, code1: '123456', code2: '234567' },
      { 'content-type': 'text/plain' },
    ],
    [
      'a form-encoded body',
      `serialNumber=${encodeURIComponent(serialNumber)}&code1=123456&code2=234567`,
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
    ['an empty object', {}],
    ['a missing serialNumber', { code1: '123456', code2: '234567' }],
    ['a serialNumber that is not a string', { serialNumber: 42, code1: '123456', code2: '234567' }],
    ['a serialNumber that is too short', { serialNumber: 'arn', code1: '123456', code2: '234567' }],
    [
      'a serialNumber that is far too long',
      { serialNumber: `${serialNumber}${'x'.repeat(300)}`, code1: '123456', code2: '234567' },
    ],
    ['codes of five digits', { serialNumber, code1: '12345', code2: '23456' }],
    ['codes of seven digits', { serialNumber, code1: '1234567', code2: '2345678' }],
    ['a code with a letter', { serialNumber, code1: '12345a', code2: '234567' }],
    ['a code with spaces', { serialNumber, code1: '123 456', code2: '234567' }],
    ['a code with a leading space', { serialNumber, code1: ' 123456', code2: '234567' }],
    ['full-width digits', { serialNumber, code1: '１２３４５６', code2: '234567' }],
    ['codes sent as numbers', { serialNumber, code1: 123456, code2: 234567 }],
    ['two equal codes', { serialNumber, code1: '123456', code2: '123456' }],
    ['only code1', { serialNumber, code1: '123456' }],
    ['only code2', { serialNumber, code2: '234567' }],
    ['an extra field', { serialNumber, code1: '123456', code2: '234567', remember: true }],
    ['a userName in the body', { serialNumber, code1: '123456', code2: '234567', userName: SATO }],
  ];

  it.each(cases)('answers 400 for %s', async (_label, body, headers) => {
    const { token } = await f.issue(TANAKA);
    resetCalls(f);

    const res = await f.request('POST', '/api/enrollment/activate', { token, body, headers });

    await expectError(res, 400, 'bad_request');
    expect(callsByAction(f)).toEqual({});
  });

  it('answers 400 for a body without any Content-Type', async () => {
    const { token } = await f.issue(TANAKA);

    const res = await f.app.request('/api/enrollment/activate', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new Uint8Array(
        Buffer.from(JSON.stringify({ serialNumber, code1: '123456', code2: '234567' })),
      ),
    });

    await expectError(res, 400, 'bad_request');
  });

  it('names each field and its problem in the message, and never repeats a submitted value', async () => {
    const { token } = await f.issue(TANAKA);
    const answers: [unknown, string][] = [
      [
        { serialNumber: 'arn', code1: '12345a', code2: '12345a' },
        'serialNumber: Too small: expected string to have >=9 characters; code1: must be exactly six digits; code2: must be exactly six digits; code1 and code2 must be two different, consecutive codes',
      ],
      [{ serialNumber, code1: '123456' }, 'code1 and code2 must be given together'],
      [
        { serialNumber, code1: 123456, code2: '234567', remember: 'x' },
        'code1: Invalid input: expected string, received number; Unrecognized key: "remember"',
      ],
      [{ code1: '123456', code2: '234567' }, 'serialNumber: Required'],
      [null, 'Invalid input: expected object, received null'],
    ];
    for (const [body, message] of answers) {
      const res = await f.request('POST', '/api/enrollment/activate', { token, body });
      expect((await expectError(res, 400, 'bad_request')).error.message).toBe(message);
    }
  });

  it('accepts application/json with a charset', async () => {
    const { token, device } = await startEnrollment(f);

    const res = await f.request('POST', '/api/enrollment/activate', {
      token,
      body: { serialNumber: device.serialNumber, ...consecutiveCodes(device.secret) },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });

    expect(res.status).toBe(200);
  });

  it('counts no attempt for malformed codes', async () => {
    const { token, device } = await startEnrollment(f);

    for (const codes of [
      { code1: '1', code2: '2' },
      { code1: '111111', code2: '111111' },
    ]) {
      await activate(f, token, { serialNumber: device.serialNumber, ...codes });
    }

    expect(await failedAttempts(f)).toBe(0);
    expect(
      (
        await f.emulator.iam.send(
          new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }),
        )
      ).VirtualMFADevices,
    ).toEqual([]);
  });
});

describe('POST /api/enrollment/activate: the attempt limit (MAX_CODE_ATTEMPTS=3)', () => {
  const f = useOnboarding({ MAX_CODE_ATTEMPTS: '3' });

  it('answers 429 too_many_attempts after three wrong pairs, even for the right codes, without asking IAM', async () => {
    const { token, device } = await startEnrollment(f);
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await activate(f, token, {
        serialNumber: device.serialNumber,
        ...staleCodes(device.secret),
      });
      remaining.push((await expectError(res, 422, 'invalid_code')).error.attemptsRemaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    resetCalls(f);

    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    await expectError(res, 429, 'too_many_attempts');
    expect(callsByAction(f).EnableMFADevice).toBeUndefined();
    expect(writeActions(callsByAction(f))).toEqual([]);
    const state = await iamStateOf(f.emulator.iam, TANAKA);
    expect(state.mfaDevices).toEqual([]);
    expect(state.groups).toEqual([]);
  });

  it('keeps the count in IAM, so another instance of the app enforces it too', async () => {
    const { token, device } = await startEnrollment(f);
    const containerA = f.app;
    const containerB = f.newApp();
    const wrong = () => ({ serialNumber: device.serialNumber, ...staleCodes(device.secret) });

    await expectError(await activate(f, token, wrong(), { app: containerA }), 422, 'invalid_code');
    const second = await activate(f, token, wrong(), { app: containerB });
    expect((await expectError(second, 422, 'invalid_code')).error.attemptsRemaining).toBe(1);
    await expectError(await activate(f, token, wrong(), { app: containerA }), 422, 'invalid_code');

    const right = { serialNumber: device.serialNumber, ...consecutiveCodes(device.secret) };
    await expectError(
      await activate(f, token, right, { app: containerB }),
      429,
      'too_many_attempts',
    );
    await expectError(
      await activate(f, token, right, { app: f.newApp() }),
      429,
      'too_many_attempts',
    );
  });

  it('starts a new count with a new invitation', async () => {
    const first = await startEnrollment(f);
    for (let i = 0; i < 3; i++) {
      await activate(f, first.token, {
        serialNumber: first.device.serialNumber,
        ...staleCodes(first.device.secret),
      });
    }

    const { token } = await f.issue(TANAKA);
    const device = await createDevice(f, token);
    const res = await activate(f, token, {
      serialNumber: device.serialNumber,
      ...consecutiveCodes(device.secret),
    });

    expect(res.status).toBe(200);
    await expectEnrolled(f, TANAKA, device.serialNumber);
  });
});
