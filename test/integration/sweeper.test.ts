// The scheduled sweeper (functions/sweeper.ts): no unassigned device of the service outlives its
// invitation by more than one run, whatever ended it (expiry, lock, revoke, a create that landed
// after the revoke, the user's deletion), while a live invitation's device, other devices and
// every identity tag are left alone. Through the real SDK against the emulator.

import {
  CreateVirtualMFADeviceCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { ATTEMPT_TAG_PREFIX, INVITATION_TAG_KEY } from '../../functions/config.ts';
import { createSweeper } from '../../functions/invitations/sweep.ts';
import { createLogger } from '../../functions/logger.ts';
import { demoSeed } from '../../local/demo-account.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';
import { deleteUser, iamStateOf, OWN_SERIAL, SATO, TANAKA } from '../support/enrollment.ts';
import { staleCodes } from '../support/totp.ts';

const HOUR = 3_600_000;
const NEW_HIRE = 'new-hire';

describe('the sweeper', () => {
  const f = useAdmin({ env: { MAX_CODE_ATTEMPTS: '2' } });
  const logs: string[] = [];
  const sweep = (offsetMs = 0) =>
    createSweeper({
      clients: createClients({
        iamEndpoint: f.emulator.url,
        credentials: { accessKeyId: 'AKIATESTSWEEPER0001', secretAccessKey: 'test' },
      }),
      config: f.config,
      clock: () => new Date(Date.now() + offsetMs),
      logger: createLogger('sweeper-test', (line) => logs.push(line)),
    })();

  const enroll = (method: string, path: string, token: string, body?: unknown) =>
    f.onboarding.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const issue = async (userName: string, ttlHours = 1) => {
    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.all.key,
      body: { userName, ttlHours },
    });
    expect(res.status).toBe(201);
    return tokenOf(((await res.json()) as { url: string }).url);
  };
  const showDevice = async (token: string) => {
    const res = await enroll('POST', '/api/enrollment/device', token);
    expect(res.status).toBe(201);
    return (await res.json()) as { serialNumber: string; secret: string };
  };
  const unassigned = async () => (await iamStateOf(f.emulator.iam, TANAKA)).unassignedDevices;
  const currentInvitationId = async (userName: string) => {
    const { Tags = [] } = await f.emulator.iam.send(
      new ListUserTagsCommand({ UserName: userName }),
    );
    const value = Tags.find((t) => t.Key === INVITATION_TAG_KEY)?.Value ?? '';
    return value.split(':')[1] as string;
  };
  const tagKeys = async (userName: string) =>
    ((await f.emulator.iam.send(new ListUserTagsCommand({ UserName: userName }))).Tags ?? []).map(
      (t) => t.Key,
    );

  it('deletes the device of an expired invitation and keeps the one of a live invitation', async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    await showDevice(await issue(TANAKA, 1));
    await showDevice(await issue(SATO, 48));

    expect(await sweep()).toMatchObject({ devicesExamined: 2, devicesDeleted: 0 });
    const summary = await sweep(2 * HOUR);

    expect(summary).toMatchObject({ devicesExamined: 2, devicesDeleted: 1, failures: 0 });
    expect(await unassigned()).toEqual([OWN_SERIAL(SATO)]);
    // The expired invitation's identity tag stays: only issue, revoke and success remove one.
    expect(await tagKeys(TANAKA)).toContain(INVITATION_TAG_KEY);
  });

  it('deletes the device of a locked invitation, and of a user who is gone', async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    const token = await issue(TANAKA, 48);
    const device = await showDevice(token);
    await showDevice(await issue(NEW_HIRE, 48));
    // The second wrong pair locks the link; the delete of its device at that moment fails.
    f.iam.faults.configure({
      scripted: [
        { action: 'DeleteVirtualMFADevice', fault: 'error', code: 'AccessDenied', status: 403 },
      ],
    });
    const wrong = { serialNumber: device.serialNumber, ...staleCodes(device.secret) };
    for (const expected of [422, 422, 429]) {
      expect((await enroll('POST', '/api/enrollment/activate', token, wrong)).status).toBe(
        expected,
      );
    }
    expect(await unassigned()).toEqual([OWN_SERIAL(NEW_HIRE), OWN_SERIAL(TANAKA)]);
    await deleteUser(f.emulator.iam, NEW_HIRE);

    const summary = await sweep();

    expect(summary).toMatchObject({ devicesExamined: 2, devicesDeleted: 2, failures: 0 });
    expect(await unassigned()).toEqual([]);
    // The lock stays: the current invitation's attempt tags are never removed.
    expect((await enroll('POST', '/api/enrollment/activate', token, wrong)).status).toBe(429);
  });

  it('deletes a device created after its link was revoked, and leaves devices of others alone', async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    await issue(TANAKA, 48);
    expect(
      (await f.request('DELETE', `/v1/invitations/${TANAKA}`, { key: f.keys.all.key })).status,
    ).toBe(204);
    // A create that was already in flight lands after the revoke.
    await f.emulator.iam.send(
      new CreateVirtualMFADeviceCommand({
        Path: f.config.mfaDevicePath,
        VirtualMFADeviceName: `onboarding-${TANAKA}`,
      }),
    );
    // Devices the service did not make: another path, another name.
    await f.emulator.iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'console' }),
    );
    await f.emulator.iam.send(
      new CreateVirtualMFADeviceCommand({
        Path: f.config.mfaDevicePath,
        VirtualMFADeviceName: 'other',
      }),
    );

    const summary = await sweep();

    expect(summary).toMatchObject({ devicesExamined: 1, devicesDeleted: 1 });
    expect((await unassigned()).sort()).toEqual([
      'arn:aws:iam::123456789012:mfa/console',
      'arn:aws:iam::123456789012:mfa/mfa-onboarding/other',
    ]);
  });

  it('deletes a device a replaced link left behind, even while the new link is live', async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    await issue(TANAKA, 48);
    const oldId = await currentInvitationId(TANAKA);
    await issue(TANAKA, 48);
    // The old link's create lands after the reissue deleted its device, and its clean-up fails.
    await f.emulator.iam.send(
      new CreateVirtualMFADeviceCommand({
        Path: f.config.mfaDevicePath,
        VirtualMFADeviceName: `onboarding-${TANAKA}`,
        Tags: [{ Key: INVITATION_TAG_KEY, Value: oldId }],
      }),
    );

    expect(await sweep()).toMatchObject({ devicesExamined: 1, devicesDeleted: 1 });
    expect(await unassigned()).toEqual([]);
  });

  it("keeps the current link's device, which names its invitation", async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    await showDevice(await issue(TANAKA, 48));

    expect(await sweep()).toMatchObject({ devicesExamined: 1, devicesDeleted: 0 });
    expect(await unassigned()).toEqual([OWN_SERIAL(TANAKA)]);
  });

  it("removes earlier invitations' attempt tags and keeps the current one's", async () => {
    f.seed(demoSeed(f.config.forceMfaGroup));
    const token = await issue(TANAKA, 48);
    const device = await showDevice(token);
    await enroll('POST', '/api/enrollment/activate', token, {
      serialNumber: device.serialNumber,
      ...staleCodes(device.secret),
    });
    const current = (await tagKeys(TANAKA)).filter((k) => k?.startsWith(ATTEMPT_TAG_PREFIX));
    expect(current).toHaveLength(1);
    // A reservation of an older invitation that landed after the reissue cleaned up.
    const stale = `${ATTEMPT_TAG_PREFIX}AAAAAAAAAAAA:late`;
    await f.emulator.iam.send(
      new TagUserCommand({ UserName: TANAKA, Tags: [{ Key: stale, Value: '0' }] }),
    );

    const summary = await sweep();

    expect(summary.staleAttemptTagsRemoved).toBe(1);
    expect((await tagKeys(TANAKA)).sort()).toEqual([...current, INVITATION_TAG_KEY].sort());
    expect(logs.some((l) => l.includes('"event":"sweep.completed"'))).toBe(true);
  });
});
