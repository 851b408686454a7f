// The whole enrollment once, as the page drives it: status, a device, two codes, enrolled and in
// the force-MFA group, with the invitation spent.

import { GetGroupCommand, GetUserCommand, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useOnboarding } from '../support/onboarding.ts';
import { consecutiveCodes } from '../support/totp.ts';

describe('enrollment: the happy path', () => {
  const f = useOnboarding();

  it('enrolls an invited user: device enabled, user in the force-MFA group, invitation gone', async () => {
    const { token } = await f.issue('tanaka.hanako');

    const status = await f.request('GET', '/api/enrollment', { token });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      userName: 'tanaka.hanako',
      accountAlias: 'example-corp',
      status: 'invited',
      inForceMfaGroup: false,
      mfaDevices: [],
    });

    const created = await f.request('POST', '/api/enrollment/device', { token });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const device = (await created.json()) as {
      serialNumber: string;
      secret: string;
      otpauthUri: string;
      qrSvg: string;
    };
    expect(device.serialNumber).toBe(
      'arn:aws:iam::123456789012:mfa/mfa-onboarding/onboarding-tanaka.hanako',
    );
    expect(device.otpauthUri).toContain('tanaka.hanako@example-corp');
    expect(device.qrSvg).toMatch(/^<svg/);

    const activated = await f.request('POST', '/api/enrollment/activate', {
      token,
      body: { serialNumber: device.serialNumber, ...consecutiveCodes(device.secret) },
    });
    expect(activated.status).toBe(200);
    expect(await activated.json()).toMatchObject({
      status: 'enrolled',
      serialNumber: device.serialNumber,
      groupName: 'force-mfa',
    });

    const { iam } = f.emulator;
    const devices = await iam.send(new ListMFADevicesCommand({ UserName: 'tanaka.hanako' }));
    expect(devices.MFADevices?.map((d) => d.SerialNumber)).toEqual([device.serialNumber]);
    const group = await iam.send(new GetGroupCommand({ GroupName: 'force-mfa' }));
    expect(group.Users?.map((u) => u.UserName)).toEqual(['tanaka.hanako']);
    const user = await iam.send(new GetUserCommand({ UserName: 'tanaka.hanako' }));
    expect(user.User?.Tags ?? []).toEqual([]);

    const again = await f.request('GET', '/api/enrollment', { token });
    expect(again.status).toBe(401);
  });
});
