// Admin-approved device replacement: POST /v1/users/{userName}/mfa-reset through the admin app
// against the emulator. Every device type comes off, the service's own virtual device is deleted,
// the user lands in the force-MFA group and gets a link that enrolls; a repeat is harmless; an
// enrollment in flight cannot leave the user with MFA the reset did not report, nor revive an old
// link; IAM faults on each step leave a state the repeat finishes (docs/invitation-state.md,
// "MFA reset").

import { ListMFADevicesCommand, ListVirtualMFADevicesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { MfaResetResponse } from '../../functions/admin/schemas.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';
import { createDeviceOutOfBand, enableOutOfBand, iamStateOf } from '../support/enrollment.ts';
import { consecutiveCodes } from '../support/totp.ts';

const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
const TANAKA = 'tanaka.hanako';
const REASON = 'スマートフォン紛失（ヘルプデスク #4711）';

describe('admin: MFA reset (replacing a lost device)', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' } });
  const key = () => f.keys.mfaReset.key;
  const seed = () =>
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: TANAKA, path: '/staff/' },
        { name: 'sato.taro', path: '/staff/', mfa: ['virtual', 'hardware', 'fido'] },
        { name: 'hw.only', path: '/staff/', mfa: ['hardware'], groups: ['force-mfa'] },
        { name: 'ci-bot', path: '/staff/machines/' },
        { name: 'contractor', path: '/contractors/', mfa: ['virtual'] },
      ],
    });
  const reset = (userName: string, body: unknown = { reason: REASON }, app = f.app) =>
    f.request('POST', `/v1/users/${userName}/mfa-reset`, { key: key(), body, app });
  const resetOk = async (userName: string) => {
    const res = await reset(userName);
    expect(res.status).toBe(201);
    return (await res.json()) as MfaResetResponse;
  };
  const devicesOf = async (userName: string) => {
    const { MFADevices = [] } = await f.emulator.iam.send(
      new ListMFADevicesCommand({ UserName: userName }),
    );
    return MFADevices.map((d) => d.SerialNumber ?? '');
  };
  const unassigned = async () => {
    const { VirtualMFADevices = [] } = await f.emulator.iam.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }),
    );
    return VirtualMFADevices.map((d) => d.SerialNumber ?? '');
  };
  const onboard = (path: string, token: string, body?: unknown) =>
    f.onboarding.request(path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  /** Enrolls the user through the service's own page flow, with the link at `url`. */
  const enrollWith = async (url: string) => {
    const token = tokenOf(url);
    const device = await onboard('/api/enrollment/device', token);
    expect(device.status).toBe(201);
    const { serialNumber, secret } = (await device.json()) as {
      serialNumber: string;
      secret: string;
    };
    const res = await onboard('/api/enrollment/activate', token, {
      serialNumber,
      ...consecutiveCodes(secret),
    });
    return { status: res.status, serialNumber };
  };
  const issue = async (userName: string) => {
    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.invitationsWrite.key,
      body: { userName },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { url: string };
  };
  const linesOf = (event: string) =>
    f.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === event);
  const auditLines = () => linesOf('admin.mfa_reset');
  const deactivationLines = () =>
    linesOf('admin.mfa_device_deactivated').map((l) => l.serialNumber);

  it('takes every device type off, deletes its own virtual device, puts the user in the group, and the new link enrolls', async () => {
    seed();
    const before = await devicesOf('sato.taro');
    expect(before).toHaveLength(3);

    const body = await resetOk('sato.taro');

    expect(body).toEqual({
      userName: 'sato.taro',
      url: expect.stringMatching(/^https:\/\/onboarding\.example\.com\/onboard#/),
      expiresAt: expect.any(String),
      finishOnly: false,
      deactivated: before,
    });
    const state = await iamStateOf(f.emulator.iam, 'sato.taro');
    expect(state.mfaDevices).toEqual([]);
    expect(state.groups).toContain('force-mfa');
    // The console-made virtual device stays, unassigned: the roles may delete only their own.
    expect(await unassigned()).toEqual([before.find((s) => s.includes(':mfa/'))]);
    expect(await f.onboardingStatus(tokenOf(body.url))).toBe(200);
    expect((await enrollWith(body.url)).status).toBe(200);
    expect(await devicesOf('sato.taro')).toHaveLength(1);
  });

  it("replaces a device the service itself enrolled: deactivated and deleted, and the user's old link stays dead", async () => {
    seed();
    const first = await issue(TANAKA);
    const enrolled = await enrollWith(first.url);
    expect(enrolled.status).toBe(200);

    const body = await resetOk(TANAKA);

    expect(body.deactivated).toEqual([enrolled.serialNumber]);
    expect(await devicesOf(TANAKA)).toEqual([]);
    // Deleted, not left unassigned: the lost phone's seed belongs to no device any more.
    expect(await unassigned()).toEqual([]);
    expect(await f.onboardingStatus(tokenOf(first.url))).toBe(401);
    const again = await enrollWith(body.url);
    expect(again.status).toBe(200);
    expect(await iamStateOf(f.emulator.iam, TANAKA)).toMatchObject({
      mfaDevices: [again.serialNumber],
      forceMfaMembers: expect.arrayContaining([TANAKA]),
      invitationTag: undefined,
    });
  });

  it('resets a user with a hardware device only (already in the group): the device is gone from IAM', async () => {
    seed();
    const [serial] = await devicesOf('hw.only');
    f.iam.calls.reset();

    const body = await resetOk('hw.only');

    expect(body.deactivated).toEqual([serial]);
    expect(await devicesOf('hw.only')).toEqual([]);
    // Already a member: no AddUserToGroup, and no delete of a device that is no virtual one.
    const calls = f.iam.calls.snapshot().byAction;
    expect(calls.AddUserToGroup).toBeUndefined();
    expect(calls.DeactivateMFADevice).toBe(1);
  });

  it('is idempotent: a repeat after a lost answer deactivates nothing more and gives a working link', async () => {
    seed();
    const first = await resetOk('sato.taro');
    f.iam.calls.reset();

    const second = await resetOk('sato.taro');

    expect(second.deactivated).toEqual([]);
    expect(f.iam.calls.snapshot().byAction.DeactivateMFADevice).toBeUndefined();
    expect(await f.onboardingStatus(tokenOf(second.url))).toBe(200);
    // The lost answer's link is replaced, as any reissue replaces it.
    expect(await f.onboardingStatus(tokenOf(first.url))).toBe(401);
    expect((await enrollWith(second.url)).status).toBe(200);
  });

  it('resets a user without MFA too: into the group, with a link (a reset whose first answer was lost looks like this)', async () => {
    seed();
    const body = await resetOk(TANAKA);
    expect(body.deactivated).toEqual([]);
    expect((await iamStateOf(f.emulator.iam, TANAKA)).groups).toEqual(['force-mfa']);
    expect(await f.onboardingStatus(tokenOf(body.url))).toBe(200);
  });

  it('404 for a user outside the path, exactly as for an unknown one, and touches neither', async () => {
    seed();
    const outside = await reset('contractor');
    const unknown = await reset('nobody');
    expect(outside.status).toBe(404);
    expect(unknown.status).toBe(404);
    const [a, b] = [await outside.json(), await unknown.json()] as {
      error: { code: string; message: string };
    }[];
    expect(a?.error.code).toBe('user_not_found');
    expect(a?.error.message).toBe(b?.error.message.replace('nobody', 'contractor'));
    expect(await devicesOf('contractor')).toHaveLength(1);
  });

  it('409 exempt for an exempt user (the group would lock it out), and changes nothing', async () => {
    seed();
    const exempted = await f.request('PUT', '/v1/users/ci-bot/exemption', {
      key: f.keys.exemptionsWrite.key,
      body: { reason: '本番CI用（MFA不可）' },
    });
    expect(exempted.status).toBe(200);
    f.iam.calls.reset();

    const res = await reset('ci-bot');

    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'exempt' } });
    expect(f.iam.calls.snapshot().byAction).toEqual({ GetUser: 1 });
  });

  it('400 for a missing, empty, blank or over-long reason, or another field; 200 Japanese characters are fine', async () => {
    seed();
    const noBody = await f.request('POST', '/v1/users/sato.taro/mfa-reset', { key: key() });
    expect(noBody.status).toBe(400);
    for (const [name, body] of [
      ['no reason', {}],
      ['empty', { reason: '' }],
      ['blank', { reason: '   ' }],
      ['201 characters', { reason: 'あ'.repeat(201) }],
      ['not text', { reason: 42 }],
      ['another field', { reason: 'lost', userName: 'sato.taro' }],
    ] as const) {
      const res = await reset('sato.taro', body);
      expect(res.status, name).toBe(400);
    }
    expect(await devicesOf('sato.taro')).toHaveLength(3);
    expect((await reset(TANAKA, { reason: '紛'.repeat(200) })).status).toBe(201);
  });

  it('logs an audit line with the key, the user, the serials and the reason length, never the reason', async () => {
    seed();
    const serials = await devicesOf('sato.taro');
    await resetOk('sato.taro');
    expect(auditLines()).toEqual([
      expect.objectContaining({
        keyName: 'help-desk',
        userName: 'sato.taro',
        deactivated: serials.join(' '),
        deactivatedCount: 3,
        reasonLength: REASON.length,
      }),
    ]);
    expect(linesOf('admin.mfa_device_deactivated')).toEqual(
      serials.map((serialNumber) =>
        expect.objectContaining({
          keyName: 'help-desk',
          userName: 'sato.taro',
          serialNumber,
          reasonLength: REASON.length,
        }),
      ),
    );
    expect(f.logs.join('\n')).not.toContain('ヘルプデスク');
  });

  describe('with an enrollment in flight', () => {
    it("an old link's activation whose codes land after the reset finds no device; its link stays dead and the new one enrolls", async () => {
      seed();
      const old = await issue(TANAKA);
      const token = tokenOf(old.url);
      const device = await onboard('/api/enrollment/device', token);
      const { serialNumber, secret } = (await device.json()) as {
        serialNumber: string;
        secret: string;
      };
      let body: MfaResetResponse | undefined;
      f.beforeNext('EnableMFADevice', async () => {
        body = await resetOk(TANAKA);
      });

      const res = await onboard('/api/enrollment/activate', token, {
        serialNumber,
        ...consecutiveCodes(secret),
      });

      expect(res.status).toBe(409);
      expect(await devicesOf(TANAKA)).toEqual([]);
      expect(await f.onboardingStatus(token)).toBe(401);
      if (!body) throw new Error('the reset did not run');
      expect((await enrollWith(body.url)).status).toBe(200);
    });

    it('a device enabled while the reset lists the devices is taken off too', async () => {
      seed();
      const late = await createDeviceOutOfBand(f.emulator.iam, 'tanaka-late');
      f.beforeNext('ListMFADevices', () => enableOutOfBand(f.emulator.iam, TANAKA, late));

      const body = await resetOk(TANAKA);

      expect(body.deactivated).toEqual([late.serialNumber]);
      expect(await devicesOf(TANAKA)).toEqual([]);
    });

    it('a device enabled after the deactivations (before the link is issued) sends the reset round again: reported and off', async () => {
      seed();
      const late = await createDeviceOutOfBand(f.emulator.iam, 'tanaka-late');
      f.beforeNext('ListGroupsForUser', () => enableOutOfBand(f.emulator.iam, TANAKA, late));

      const body = await resetOk(TANAKA);

      expect(body.deactivated).toEqual([late.serialNumber]);
      expect(await devicesOf(TANAKA)).toEqual([]);
      expect(await f.onboardingStatus(tokenOf(body.url))).toBe(200);
    });

    it('409 mfa_reenabled when a device keeps coming back every round, and issues no link', async () => {
      seed();
      const target = f.iam;
      const original = target.handle.bind(target);
      let round = 0;
      target.handle = async (request) => {
        // After every round's deactivations (its ListGroupsForUser), a new device comes on.
        if (request.params.get('Action') === 'ListGroupsForUser') {
          const late = await createDeviceOutOfBand(f.emulator.iam, `tanaka-late-${++round}`);
          await enableOutOfBand(f.emulator.iam, TANAKA, late);
        }
        return original(request);
      };

      const res = await reset(TANAKA);

      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'mfa_reenabled' } });
      expect(round).toBe(3);
      expect((await iamStateOf(f.emulator.iam, TANAKA)).invitationTag).toBeUndefined();
    });
  });

  describe('IAM faults', () => {
    const STEPS = [
      'GetUser',
      'UntagUser',
      'DeleteVirtualMFADevice',
      'ListMFADevices',
      'DeactivateMFADevice',
      'ListGroupsForUser',
      'AddUserToGroup',
      'TagUser',
    ];
    const FAULTS = [
      { fault: 'error' as const, code: 'ServiceFailure', status: 500 },
      { fault: 'error' as const, code: 'Throttling', status: 400 },
      { fault: 'drop-before' as const },
      { fault: 'drop-after' as const },
    ];

    it.each(
      STEPS.flatMap((action) =>
        FAULTS.map((fault) => ({ action, ...fault, label: fault.code ?? fault.fault })),
      ),
    )(
      '$label on $action: 201 or 503, never a 500, and a repeat finishes the reset',
      async ({ action, label: _, ...fault }) => {
        seed();
        const serials = await devicesOf('sato.taro');
        f.iam.faults.configure({ scripted: [{ action, ...fault }] });
        const app = f.newApp({ retryDelays: RETRY_DELAYS });

        const res = await reset('sato.taro', { reason: REASON }, app);
        f.iam.faults.configure({});

        expect([201, 503]).toContain(res.status);
        const body =
          res.status === 201
            ? ((await res.json()) as MfaResetResponse)
            : await resetOk('sato.taro');
        expect(await devicesOf('sato.taro')).toEqual([]);
        expect((await iamStateOf(f.emulator.iam, 'sato.taro')).groups).toContain('force-mfa');
        expect(await f.onboardingStatus(tokenOf(body.url))).toBe(200);
        // Every device taken off has its audit line, whichever request took it off.
        expect(serials).toHaveLength(3);
        expect(deactivationLines().sort()).toEqual([...serials].sort());
      },
    );

    it('503 with Retry-After when IAM keeps throttling the deactivation', async () => {
      seed();
      f.iam.faults.configure({
        scripted: [
          {
            action: 'DeactivateMFADevice',
            fault: 'error',
            code: 'Throttling',
            status: 400,
            count: 1_000_000,
          },
        ],
      });
      const res = await reset(
        'sato.taro',
        { reason: REASON },
        f.newApp({ requestBudgetMs: 100, retryDelays: RETRY_DELAYS }),
      );
      f.iam.faults.configure({});
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await devicesOf('sato.taro')).toHaveLength(3);
    });

    it('409 force_mfa_group_missing when the group does not exist; the devices are off and a repeat after creating it finishes', async () => {
      f.seed({ users: [{ name: 'sato.taro', path: '/staff/', mfa: ['virtual'] }] });
      const res = await reset('sato.taro');
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'force_mfa_group_missing' } });
      f.seed({ groups: [{ name: 'force-mfa' }] });
      expect((await resetOk('sato.taro')).deactivated).toEqual([]);
    });
  });
});
