// GET /v1/compliance/history?days=N: per UTC day, how many of today's users existed and how
// many had MFA, rebuilt from IAM alone (CreateDate, EnableDate, the credential report); what it
// cannot know is said in `limitations`; a handful of IAM calls whatever N; bad input is a 400.

import {
  CreateUserCommand,
  type IAMClient,
  ListMFADevicesCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { HistoryResponse } from '../../functions/admin/schemas.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import { useAdmin } from '../support/admin.ts';

const PATH = '/v1/compliance/history';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Noon (UTC) of the day `offset` days from today, as the seed API takes it. */
const noon = (offset: number) => {
  const day = Math.floor(Date.now() / DAY_MS) + offset;
  return new Date(day * DAY_MS + 12 * 60 * 60 * 1000).toISOString();
};
const dayOf = (offset: number) => noon(offset).slice(0, 10);

describe('admins: the MFA trend (GET /v1/compliance/history)', () => {
  const f = useAdmin();

  const fetchHistory = async (query = '', app = f.app): Promise<HistoryResponse> => {
    const res = await f.request('GET', `${PATH}${query}`, { key: f.keys.complianceRead.key, app });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as HistoryResponse;
  };

  const seedTimeline = () => {
    f.iam.settings.credentialReportBuildMs = 20;
    f.seed({
      users: [
        {
          name: 'ancient',
          createDate: noon(-400),
          mfa: [{ kind: 'virtual', enableDate: noon(-399) }],
        },
        {
          name: 'old-virtual',
          createDate: noon(-10),
          mfa: [{ kind: 'virtual', enableDate: noon(-8) }],
        },
        {
          name: 'two-devices',
          createDate: noon(-10),
          mfa: [
            { kind: 'virtual', enableDate: noon(-3) },
            { kind: 'virtual', enableDate: noon(-6) },
          ],
        },
        {
          name: 'hardware',
          createDate: noon(-9),
          mfa: [{ kind: 'hardware', enableDate: noon(-7) }],
        },
        { name: 'no-mfa', createDate: noon(-5) },
        {
          name: 'new-virtual',
          createDate: noon(-2),
          mfa: [{ kind: 'virtual', enableDate: noon(-1) }],
        },
      ],
    });
  };

  it("counts, per day, today's users that existed and those with MFA by its end, oldest first", async () => {
    seedTimeline();
    const history = await fetchHistory('?days=12');
    // [users, withMfa] from 11 days ago to today. `hardware` has no virtual device: its enable
    // date is not in the listings, so it counts from the credential report (made today) on.
    const expected: [number, number][] = [
      [1, 1], // -11: ancient
      [3, 1], // -10: + old-virtual, two-devices
      [4, 1], // -9:  + hardware
      [4, 2], // -8:  old-virtual enabled
      [4, 2], // -7
      [4, 3], // -6:  two-devices' earlier device
      [5, 3], // -5:  + no-mfa
      [5, 3], // -4
      [5, 3], // -3
      [6, 3], // -2:  + new-virtual
      [6, 4], // -1:  new-virtual enabled
      [6, 5], // today: hardware, per the credential report
    ];
    expect(history.points).toEqual(
      expected.map(([users, withMfa], i) => ({ date: dayOf(i - 11), users, withMfa })),
    );
    expect(history.limitations).toEqual([
      expect.stringMatching(/deleted/),
      expect.stringMatching(/replaced/),
      `1 user has only MFA devices that are not virtual (hardware, FIDO), whose enable dates IAM lists only one user at a time: they count from the credential report of ${dayOf(0)} on.`,
    ]);
  });

  it('gives 90 days by default, the last one today, and one point per day up to 365', async () => {
    seedTimeline();
    const byDefault = await fetchHistory();
    expect(byDefault.points).toHaveLength(90);
    expect(byDefault.points[0]?.date).toBe(dayOf(-89));
    expect(byDefault.points.at(-1)).toEqual({ date: dayOf(0), users: 6, withMfa: 5 });
    const year = await fetchHistory('?days=365');
    expect(year.points).toHaveLength(365);
    const dates = year.points.map((p) => p.date);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(365);
    expect((await fetchHistory('?days=1')).points).toEqual([
      { date: dayOf(0), users: 6, withMfa: 5 },
    ]);
  });

  it('says what it cannot see: users created since the credential report with no virtual device', async () => {
    seedTimeline();
    await fetchHistory('?days=1'); // the credential report now exists
    await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1000) + 5));
    await f.emulator.iam.send(new CreateUserCommand({ UserName: 'late-joiner' }));
    const history = await fetchHistory('?days=2');
    expect(history.points.at(-1)).toEqual({ date: dayOf(0), users: 7, withMfa: 5 });
    expect(history.limitations).toContain(
      `1 user has no virtual MFA device and was created since the credential report of ${dayOf(0)}: any other kind of device they have is not counted.`,
    );
  });

  it('when the credential report is still being generated: counts virtual devices only, and says so', async () => {
    seedTimeline();
    f.iam.settings.credentialReportBuildMs = 60_000;
    const impatient = f.newApp({ scan: { reportWaitMs: 300 } });
    const history = await fetchHistory('?days=1', impatient);
    expect(history.points).toEqual([{ date: dayOf(0), users: 6, withMfa: 4 }]);
    expect(history.limitations).toContain(
      'The credential report was still being generated: MFA devices that are not virtual (hardware, FIDO) are not counted on any day.',
    );
  });

  it('400 bad_request for a bad days, before any IAM call', async () => {
    seedTimeline();
    f.iam.calls.reset();
    for (const query of [
      'days=0',
      'days=366',
      'days=1000',
      'days=-1',
      'days=1.5',
      'days=abc',
      'days=',
      'days=%2030',
      'days=1e2',
      'days=1&days=2',
      'foo=1',
    ]) {
      const res = await f.request('GET', `${PATH}?${query}`, { key: f.keys.complianceRead.key });
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect(f.iam.calls.snapshot().total).toBe(0);
  });

  it('needs the compliance:read scope', async () => {
    seedTimeline();
    expect((await f.request('GET', PATH)).status).toBe(401);
    expect((await f.request('GET', PATH, { key: f.keys.usersRead.key })).status).toBe(403);
    expect((await f.request('GET', PATH, { key: f.keys.invitationsWrite.key })).status).toBe(403);
  });

  describe('at scale', () => {
    /** Per user, the earliest EnableDate of any kind of device (ListMFADevices, one call each). */
    async function bruteForce(iam: IAMClient) {
      const users: { name: string; created: number }[] = [];
      for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, {}))
        for (const u of page.Users ?? [])
          users.push({ name: u.UserName as string, created: (u.CreateDate as Date).getTime() });
      const mfaSince = new Map<string, number>();
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < users.length) {
            const { name } = users[next++] as (typeof users)[number];
            const { MFADevices = [] } = await iam.send(
              new ListMFADevicesCommand({ UserName: name }),
            );
            const dates = MFADevices.map((d) => (d.EnableDate as Date).getTime());
            if (dates.length > 0) mfaSince.set(name, Math.min(...dates));
          }
        }),
      );
      return (days: number) =>
        Array.from({ length: days }, (_, i) => {
          const end = (Math.floor(Date.now() / DAY_MS) - days + 2 + i) * DAY_MS;
          return {
            date: new Date(end - DAY_MS).toISOString().slice(0, 10),
            users: users.filter((u) => u.created < end).length,
            withMfa: [...mfaSince.values()].filter((t) => t < end).length,
          };
        });
    }

    it('matches a per-user answer exactly when every device is virtual (2,000 users, a year)', async () => {
      f.seed(
        generateAccount({
          users: 2000,
          withoutMfaRatio: 0.15,
          nonVirtualRatio: 0,
          asOf: new Date().toISOString(),
        }),
      );
      f.iam.settings.credentialReportBuildMs = 100;
      const truth = await bruteForce(f.emulator.iam);
      const history = await fetchHistory('?days=365');
      expect(history.points).toEqual(truth(365));
      // The year really shows growth in both figures.
      const [first, last] = [history.points[0], history.points.at(-1)];
      expect(last?.users).toBe(2000);
      expect(last?.withMfa).toBe(1700);
      expect(first && last && first.users < last.users * 0.8).toBe(true);
    }, 60_000);

    it('with hardware and FIDO devices: never counts more than per-user answer, and agrees on today', async () => {
      f.seed(
        generateAccount({
          users: 2000,
          withoutMfaRatio: 0.1,
          nonVirtualRatio: 0.1,
          asOf: new Date().toISOString(),
        }),
      );
      f.iam.settings.credentialReportBuildMs = 100;
      const truth = (await bruteForce(f.emulator.iam))(365);
      const history = await fetchHistory('?days=365');
      history.points.forEach((point, i) => {
        const exact = truth[i] as (typeof truth)[number];
        expect(point.date).toBe(exact.date);
        expect(point.users).toBe(exact.users);
        expect(point.withMfa).toBeLessThanOrEqual(exact.withMfa);
      });
      expect(history.points.at(-1)).toEqual(truth.at(-1));
      expect(history.limitations.some((l) => /not virtual/.test(l))).toBe(true);
    }, 60_000);

    it('makes at most 30 IAM calls at 5,000 users, whatever the number of days', async () => {
      f.seed(generateAccount({ users: 5000, withoutMfaRatio: 0.1 }));
      f.iam.settings.credentialReportBuildMs = 200;
      for (const days of [1, 90, 365]) {
        f.iam.calls.reset();
        await fetchHistory(`?days=${days}`);
        const { total, byAction } = f.iam.calls.snapshot();
        expect(total, `days=${days}`).toBeLessThanOrEqual(30);
        expect(byAction.ListUsers).toBe(5);
        expect(byAction.ListVirtualMFADevices).toBeLessThanOrEqual(5);
        expect(byAction.ListMFADevices ?? 0).toBe(0);
        expect(byAction.GetAccountAuthorizationDetails ?? 0).toBe(0);
      }
    }, 60_000);
  });
});
