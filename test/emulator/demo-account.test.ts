// The demo account of `npm start` (local/demo-account.ts), seeded into the emulator and read back
// through the SDK: big and varied enough for the admin console, fixed from run to run, and still
// what the enrollment tests rely on (the employees to enrol un-enrolled and in no group, the
// force-MFA group empty, no virtual MFA device anywhere).

import {
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  type UserDetail,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { FORCE_MFA_POLICY_NAME, forceMfaPolicyDocument } from '../../infra/force-mfa-policy.ts';
import { DEMO_ACCESS_KEYS, DEMO_USERS, demoSeed } from '../../local/demo-account.ts';
import type { UserRecord } from '../../local/emulator/state.ts';
import { useEmulator } from '../support/emulator.ts';

const ACCOUNT_ID = '123456789012';
const DAY_MS = 86_400_000;
/** The moment `demoSeed` was last given: its dates count back from it. */
let now = new Date();
/** Just after the last seeding: what the seed left undated carries a date up to this. */
let seeded = new Date();

const fixture = useEmulator();

/** Seeds the demo account as npm start does, its dates relative to the emulator's clock. */
function seedDemo(groupName = 'force-mfa') {
  now = fixture.running.emulator.now();
  const summary = fixture.running.emulator.seed(demoSeed(groupName, now));
  seeded = fixture.running.emulator.now();
  return summary;
}

const users = (): UserRecord[] => [...fixture.running.emulator.state.users.values()];
const deviceKinds = (user: UserRecord) =>
  user.mfaSerials.map((s) => fixture.running.emulator.state.mfaDevices.get(s.toLowerCase())?.kind);

async function allDetails(): Promise<UserDetail[]> {
  const page = await fixture.iam.send(
    new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1000 }),
  );
  expect(page.IsTruncated).toBe(false);
  return page.UserDetailList ?? [];
}

describe('the demo account: what the enrollment tests rely on', () => {
  it('starts with the employees to enrol, each with a console password, no MFA and no group', async () => {
    seedDemo();

    expect(
      demoSeed()
        .users?.slice(0, 3)
        .map((u) => u.name),
    ).toEqual(DEMO_USERS);
    for (const UserName of DEMO_USERS) {
      const profile = await fixture.iam.send(new GetLoginProfileCommand({ UserName }));
      const devices = await fixture.iam.send(new ListMFADevicesCommand({ UserName }));
      const groups = await fixture.iam.send(new ListGroupsForUserCommand({ UserName }));
      expect(profile.LoginProfile?.UserName).toBe(UserName);
      expect(devices.MFADevices).toEqual([]);
      expect(groups.Groups).toEqual([]);
    }
  });

  it('has a force-MFA group of the given name, with its policy and no members', async () => {
    seedDemo('require-mfa');

    const group = await fixture.iam.send(new GetGroupCommand({ GroupName: 'require-mfa' }));
    const policy = await fixture.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'require-mfa', PolicyName: FORCE_MFA_POLICY_NAME }),
    );

    expect(group.Users).toEqual([]);
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''))).toEqual(
      forceMfaPolicyDocument('aws'),
    );
  });

  it('holds no virtual MFA device, assigned or not: its enrolled users have keys and tokens', async () => {
    seedDemo();

    const { VirtualMFADevices } = await fixture.iam.send(new ListVirtualMFADevicesCommand({}));

    expect(VirtualMFADevices).toEqual([]);
    expect(new Set(users().flatMap(deviceKinds))).toEqual(new Set(['fido', 'hardware']));
  });

  it('keeps every user with MFA outside the force-MFA group', async () => {
    seedDemo();

    const details = await allDetails();

    expect(details.filter((u) => u.GroupList?.includes('force-mfa'))).toEqual([]);
  });
});

describe('the demo account: enough to make an admin console meaningful', () => {
  it('has some fifty users, within one default ListUsers page', async () => {
    expect(seedDemo().users).toBe(51);

    const { Users, IsTruncated } = await fixture.iam.send(new ListUsersCommand({}));

    expect(Users).toHaveLength(51);
    expect(IsTruncated).toBe(false);
  });

  it('spreads them over several paths, with the groups and tags of each', async () => {
    seedDemo();

    const details = await allDetails();
    const byPath: Record<string, UserDetail[]> = {};
    for (const u of details) byPath[u.Path ?? ''] = [...(byPath[u.Path ?? ''] ?? []), u];

    expect(Object.keys(byPath).sort()).toEqual([
      '/',
      '/contractors/',
      '/engineering/',
      '/service/',
      '/staff/eng/',
      '/staff/sales/',
      '/staff/support/',
    ]);
    expect(byPath['/staff/eng/']?.every((u) => u.GroupList?.includes('developers'))).toBe(true);
    expect(byPath['/staff/sales/']?.every((u) => u.GroupList?.includes('sales'))).toBe(true);
    expect(details.find((u) => u.UserName === 'lee.minjun')?.Tags).toEqual([
      { Key: 'company', Value: 'Acme Consulting' },
    ]);
    expect(details.find((u) => u.UserName === 'suzuki.kenji')).toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT_ID}:user/staff/eng/suzuki.kenji`,
      GroupList: ['admins', 'developers'],
      Tags: [
        { Key: 'department', Value: 'Engineering' },
        { Key: 'team', Value: 'platform' },
      ],
    });
  });

  it('mixes the states the console filters by', () => {
    seedDemo();
    const all = users();
    const staleDays = (u: UserRecord) =>
      u.passwordLastUsed === undefined
        ? undefined
        : (now.getTime() - u.passwordLastUsed.getTime()) / DAY_MS;
    const count = (pick: (u: UserRecord) => boolean) => all.filter(pick).length;

    const withMfa = (u: UserRecord) => u.mfaSerials.length > 0;
    const hasPassword = (u: UserRecord) => u.loginProfile !== undefined;
    expect({
      withMfa: count(withMfa),
      twoDevices: count((u) => u.mfaSerials.length === 2),
      consoleWithoutMfa: count((u) => hasPassword(u) && !withMfa(u)),
      passwordNeverUsed: count((u) => hasPassword(u) && u.passwordLastUsed === undefined),
      passwordUnusedFor90Days: count((u) => (staleDays(u) ?? 0) > 90),
      mfaWithoutConsole: count((u) => !hasPassword(u) && withMfa(u)),
      machineUsers: count((u) => u.path === '/service/'),
    }).toEqual({
      withMfa: 20,
      twoDevices: 2,
      consoleWithoutMfa: 23,
      passwordNeverUsed: 9,
      passwordUnusedFor90Days: 4,
      mfaWithoutConsole: 3,
      machineUsers: 8,
    });
    // Machine users have access keys and neither a password nor MFA.
    for (const u of all.filter((x) => x.path === '/service/')) {
      expect(hasPassword(u) || withMfa(u)).toBe(false);
    }
  });

  it('dates users over the past year, and every sign-in and device after its user', () => {
    seedDemo();
    const year = now.getTime() - 366 * DAY_MS;

    const created = users().map((u) => u.createDate.getTime());
    expect(Math.min(...created)).toBeGreaterThan(year);
    expect(Math.max(...created)).toBeLessThanOrEqual(seeded.getTime());
    // Spread out, so the compliance history has a trend: users in at least 10 different months.
    const months = new Set(users().map((u) => u.createDate.toISOString().slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(10);
    const { mfaDevices } = fixture.running.emulator.state;
    for (const u of users()) {
      const inRange = (d: Date | undefined) =>
        d === undefined || (d >= u.createDate && d <= seeded);
      expect(inRange(u.passwordLastUsed), `${u.userName} password last used`).toBe(true);
      for (const serial of u.mfaSerials) {
        const enabled = mfaDevices.get(serial.toLowerCase())?.enableDate;
        expect(inRange(enabled), `${u.userName} ${serial} enabled`).toBe(true);
      }
    }
  });

  it('lets its access keys sign as their users', async () => {
    seedDemo();

    const identity = await fixture
      .stsAs(DEMO_ACCESS_KEYS['backup-agent'])
      .send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/service/backup-agent`);
    expect(new Set(Object.values(DEMO_ACCESS_KEYS)).size).toBe(
      Object.keys(DEMO_ACCESS_KEYS).length,
    );
  });
});

describe('the demo account: the same on every run', () => {
  it('is the same spec for the same moment, with fixed device serials', () => {
    const moment = new Date('2026-06-15T09:00:00Z');
    expect(demoSeed('force-mfa', moment)).toEqual(demoSeed('force-mfa', moment));
  });

  it('gives every device the same serial number when seeded twice', async () => {
    seedDemo();
    const first = [...fixture.running.emulator.state.mfaDevices.keys()].sort();
    fixture.running.emulator.reset();
    seedDemo();

    expect([...fixture.running.emulator.state.mfaDevices.keys()].sort()).toEqual(first);
    const { MFADevices } = await fixture.iam.send(
      new ListMFADevicesCommand({ UserName: 'watanabe.sho' }),
    );
    expect(MFADevices?.map((d) => d.SerialNumber)).toEqual([
      `arn:aws:iam::${ACCOUNT_ID}:u2f/user/watanabe.sho/security-key`,
      'GAHT40000002',
    ]);
  });
});
