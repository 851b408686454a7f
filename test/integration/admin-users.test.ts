// GET /v1/users/{userName}: one user's MFA devices, force-MFA group membership, where the
// enrollment stands and the latest invitation, through the admin app against the emulator.

import { DeleteUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useAdmin } from '../support/admin.ts';

const ACCOUNT = '123456789012';

describe("HR: a user's MFA status (GET /v1/users/{userName})", () => {
  const f = useAdmin();
  const get = (userName: string) =>
    f.request('GET', `/v1/users/${userName}`, { key: f.keys.usersRead.key });
  const seed = () =>
    f.seed({
      groups: [{ name: 'force-mfa' }, { name: 'developers' }],
      users: [
        { name: 'new-hire', path: '/staff/', groups: ['developers'] },
        {
          name: 'tanaka.hanako',
          path: '/staff/',
          groups: ['developers', 'force-mfa'],
          mfa: [{ kind: 'virtual', enableDate: '2026-03-01T09:30:00Z' }],
        },
        {
          name: 'hardware.only',
          mfa: [{ kind: 'hardware', name: 'GAHT12345678', enableDate: '2026-02-01T00:00:00Z' }],
        },
        {
          name: 'fido.only',
          mfa: [{ kind: 'fido', name: 'yubikey', enableDate: '2026-02-02T00:00:00Z' }],
        },
        { name: 'two.devices', mfa: ['virtual', 'fido'], groups: ['force-mfa'] },
      ],
    });

  it('a user with nothing set up: no devices, not in the group, no invitation', async () => {
    seed();
    const res = await get('new-hire');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      userName: 'new-hire',
      arn: `arn:aws:iam::${ACCOUNT}:user/staff/new-hire`,
      mfaEnabled: false,
      mfaDevices: [],
      inForceMfaGroup: false,
      enrollment: 'not_enrolled',
      invitation: null,
      exemption: null,
    });
  });

  it('an enrolled user: the virtual device with its enable date, in the force-MFA group', async () => {
    seed();
    const res = await get('tanaka.hanako');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      userName: 'tanaka.hanako',
      arn: `arn:aws:iam::${ACCOUNT}:user/staff/tanaka.hanako`,
      mfaEnabled: true,
      mfaDevices: [
        {
          serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/tanaka.hanako`,
          enableDate: '2026-03-01T09:30:00.000Z',
        },
      ],
      inForceMfaGroup: true,
      enrollment: 'enrolled',
      invitation: null,
      exemption: null,
    });
  });

  it('a user with only a hardware or FIDO device has MFA enabled', async () => {
    seed();
    const hardware = (await (await get('hardware.only')).json()) as Record<string, unknown>;
    expect(hardware).toMatchObject({
      mfaEnabled: true,
      mfaDevices: [{ serialNumber: 'GAHT12345678', enableDate: '2026-02-01T00:00:00.000Z' }],
      inForceMfaGroup: false,
    });
    const fido = (await (await get('fido.only')).json()) as Record<string, unknown>;
    expect(fido).toMatchObject({
      mfaEnabled: true,
      mfaDevices: [
        {
          serialNumber: `arn:aws:iam::${ACCOUNT}:u2f/user/fido.only/yubikey`,
          enableDate: '2026-02-02T00:00:00.000Z',
        },
      ],
    });
  });

  it('lists every device of a user with several', async () => {
    seed();
    const body = (await (await get('two.devices')).json()) as { mfaDevices: unknown[] };
    expect(body.mfaDevices).toHaveLength(2);
  });

  it('shows the pending invitation with its expiry, and null again once it is revoked', async () => {
    seed();
    const issued = await f.request('POST', '/v1/invitations', {
      key: f.keys.all.key,
      body: { userName: 'new-hire', ttlHours: 24 },
    });
    const { expiresAt } = (await issued.json()) as { expiresAt: string };

    const pending = (await (await get('new-hire')).json()) as {
      invitation: unknown;
      enrollment: string;
    };
    expect(pending.invitation).toEqual({ state: 'pending', expiresAt, attemptsRemaining: 10 });
    expect(pending.enrollment).toBe('invited');

    await f.request('DELETE', '/v1/invitations/new-hire', { key: f.keys.all.key });
    const revoked = (await (await get('new-hire')).json()) as {
      invitation: unknown;
      enrollment: string;
    };
    expect(revoked.invitation).toBeNull();
    expect(revoked.enrollment).toBe('not_enrolled');
  });

  it('404 user_not_found for an unknown user', async () => {
    seed();
    const res = await get('nobody');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'user_not_found' } });
  });

  it('404 user_not_found when the user is deleted while the status is read', async () => {
    f.seed({ users: [{ name: 'leaver' }] });
    f.beforeNext('ListMFADevices', () =>
      f.emulator.iam.send(new DeleteUserCommand({ UserName: 'leaver' })),
    );
    const res = await get('leaver');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'user_not_found' } });
  });

  it('400 bad_request for a name IAM could not hold', async () => {
    seed();
    for (const bad of ['tanaka%20hanako', 'a%2Fb', 'x'.repeat(65), '%E3%81%82', 'a*b', 'a%22b']) {
      const res = await get(bad);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
    }
  });

  it('accepts every character IAM allows in a name', async () => {
    f.seed({ users: [{ name: 'a+b=c,d.e@f_g-h' }] });
    const res = await get(encodeURIComponent('a+b=c,d.e@f_g-h'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userName: 'a+b=c,d.e@f_g-h', mfaEnabled: false });
  });
});
