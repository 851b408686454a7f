// GET /v1/compliance/users-without-mfa: where each user stands beyond MFA: the row's invitation
// (pending, or expired when ended or locked), the exempt users (listed apart, and only while
// their exemption lasts) and the summary's counts; checked on a small account case by case and
// on a few thousand users against a brute-force answer asked of IAM one user at a time.

import {
  CreateUserCommand,
  GetLoginProfileCommand,
  type IAMClient,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListUserTagsCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport, Exemption } from '../../functions/admin/schemas.ts';
import { parseCsv } from '../../functions/compliance/csv.ts';
import { EXEMPTION_TAG_KEY } from '../../functions/config.ts';
import { exemptionOf, exemptionTags } from '../../functions/exemptions/tag.ts';
import { attemptsOf, invitationIn } from '../../functions/invitations/token.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import type { SeedSpec, SeedUser } from '../../local/emulator/seed.ts';
import { withAccountStates } from '../support/account-states.ts';
import { useAdmin } from '../support/admin.ts';

const PATH = '/v1/compliance/users-without-mfa';
const DAY_MS = 24 * 60 * 60 * 1000;

type Summary = ComplianceReport['summary'];
type Row = ComplianceReport['users'][number];

describe('admins: invitation states, exemptions and the summary in the compliance report', () => {
  const f = useAdmin();

  const fetchReport = async (query = '', app = f.app): Promise<ComplianceReport> => {
    const res = await f.request('GET', `${PATH}${query}`, { key: f.keys.complianceRead.key, app });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as ComplianceReport;
  };
  const tagsOf = (tags: Record<string, string>) =>
    Object.entries(tags).map(([key, value]) => ({ key, value }));

  describe('on a small account, case by case', () => {
    const now = () => new Date();
    /** Nine users, one of each state the report tells apart. */
    const seedStates = () => {
      const base: SeedSpec = {
        groups: [{ name: 'force-mfa' }],
        users: [
          { name: 'invited', password: true },
          { name: 'lapsed' },
          { name: 'locked' },
          { name: 'plain', password: true },
          { name: 'ci-bot' },
          { name: 'break-glass', mfa: ['virtual'] },
          { name: 'contractor' },
          { name: 'enrolled', mfa: ['virtual'], groups: ['force-mfa'] },
          { name: 'outsider', mfa: ['hardware'] },
        ],
      };
      const users = base.users as SeedUser[];
      const withStates = withAccountStates(
        { ...base, users: users.slice(0, 3) },
        {
          now: now(),
          maxCodeAttempts: f.config.maxCodeAttempts,
          invitations: { pending: 1, expired: 1, locked: 1 },
          seed: 1,
        },
      );
      const exempt = (name: string, reason: string, until: Date | null): SeedUser => ({
        ...(users.find((u) => u.name === name) as SeedUser),
        tags: tagsOf(exemptionTags({ reason, until })),
      });
      const spec: SeedSpec = {
        ...base,
        users: [
          ...(withStates.users ?? []),
          users[3] as SeedUser,
          exempt('ci-bot', '本番CI用、MFA不可。', null),
          exempt('break-glass', 'break-glass account', new Date(Date.now() + 30 * DAY_MS)),
          exempt('contractor', 'ended exemption', new Date(Date.now() - DAY_MS)),
          ...users.slice(7),
        ],
      };
      f.seed(spec);
      // Which of the first three got which link (the helper picks them at random).
      const state = (name: string) => {
        const tags = Object.fromEntries(
          (withStates.users?.find((u) => u.name === name)?.tags ?? []).map((t) => [t.key, t.value]),
        );
        const record = invitationIn(tags);
        if (!record) return 'none';
        if (attemptsOf(tags, record.id) >= f.config.maxCodeAttempts) return 'locked';
        return record.expiresAt.getTime() > Date.now() ? 'pending' : 'expired';
      };
      const byState = Object.fromEntries(
        ['invited', 'lapsed', 'locked'].map((name) => [state(name), name]),
      );
      return byState as Record<'pending' | 'expired' | 'locked', string>;
    };

    it('gives each row its invitation: pending, expired, locked (as expired), or null', async () => {
      const names = seedStates();
      const report = await fetchReport();
      const invitation = Object.fromEntries(report.users.map((u) => [u.userName, u.invitation]));
      expect(invitation[names.pending]).toEqual({
        state: 'pending',
        expiresAt: expect.any(String),
      });
      expect(invitation[names.expired]).toEqual({
        state: 'expired',
        expiresAt: expect.any(String),
      });
      expect(invitation[names.locked]).toEqual({ state: 'expired', expiresAt: expect.any(String) });
      // A locked link has not reached its expiry: it is expired because it can no longer be used.
      expect(new Date(invitation[names.locked]?.expiresAt ?? 0).getTime()).toBeGreaterThan(
        Date.now(),
      );
      expect(new Date(invitation[names.expired]?.expiresAt ?? 0).getTime()).toBeLessThan(
        Date.now(),
      );
      expect(invitation.plain).toBeNull();
    });

    it('lists exempt users apart, with reason and end, and not among the users; an ended exemption no longer counts', async () => {
      seedStates();
      const report = await fetchReport();
      expect(report.exempt).toEqual([
        { userName: 'break-glass', reason: 'break-glass account', until: expect.any(String) },
        { userName: 'ci-bot', reason: '本番CI用、MFA不可。', until: null },
      ]);
      const names = report.users.map((u) => u.userName);
      expect(names).not.toContain('ci-bot');
      expect(names).toEqual(['contractor', 'invited', 'lapsed', 'locked', 'plain']);
    });

    it('counts every user under the path in the summary', async () => {
      seedStates();
      const report = await fetchReport();
      expect(report.summary).toEqual({
        totalUsers: 9,
        withMfa: 3, // break-glass (exempt too), enrolled, outsider (hardware)
        withoutMfa: 5, // the rows: ci-bot is exempt
        withoutMfaConsole: 2, // invited and plain have a password
        consoleUsers: 2, // the same two: no user with MFA has a password
        exempt: 2,
        pendingInvitations: 1,
        expiredInvitations: 2, // one past its expiry, one locked
        mfaOutsideForceMfaGroup: 2, // break-glass and outsider
      } satisfies Summary);
      expect(report.totalUsers).toBe(report.summary.totalUsers);
    });

    it('keeps the summary and the exempt list whole under consoleOnly and createdBefore, which narrow only the rows', async () => {
      seedStates();
      const all = await fetchReport();
      const consoleOnly = await fetchReport('?consoleOnly=true');
      const none = await fetchReport('?createdBefore=2000-01-01T00:00:00Z');
      expect(consoleOnly.users.map((u) => u.userName)).toEqual(['invited', 'plain']);
      expect(none.users).toEqual([]);
      for (const narrowed of [consoleOnly, none]) {
        expect(narrowed.summary).toEqual(all.summary);
        expect(narrowed.exempt).toEqual(all.exempt);
      }
    });

    it('ends an exemption at its until, by the service clock', async () => {
      f.seed({
        users: [
          {
            name: 'ci-bot',
            tags: tagsOf(
              exemptionTags({ reason: 'CI', until: new Date(Date.now() + 60 * 60 * 1000) }),
            ),
          },
        ],
      });
      expect((await fetchReport()).exempt.map((e) => e.userName)).toEqual(['ci-bot']);
      f.advanceClock(2 * 60 * 60 * 1000);
      const later = await fetchReport();
      expect(later.exempt).toEqual([]);
      expect(later.users.map((u) => u.userName)).toEqual(['ci-bot']);
      expect(later.summary).toMatchObject({ exempt: 0, withoutMfa: 1 });
    });

    it('puts the invitation state and expiry in the CSV, as its last two columns', async () => {
      const names = seedStates();
      const json = await fetchReport();
      const res = await f.request('GET', `${PATH}?format=csv`, { key: f.keys.complianceRead.key });
      const [header = [], ...rows] = parseCsv(await res.text());
      expect(header.slice(-2)).toEqual(['invitationState', 'invitationExpiresAt']);
      const cells = Object.fromEntries(rows.map((r) => [r[0] as string, r.slice(-2)]));
      const pending = json.users.find((u) => u.userName === names.pending) as Row;
      expect(cells[names.pending]).toEqual(['pending', pending.invitation?.expiresAt]);
      expect(cells[names.locked]?.[0]).toBe('expired');
      expect(cells.plain).toEqual(['', '']);
    });

    it('spends the per-user check budget on users who would be rows before exempt ones', async () => {
      f.seed({ users: [{ name: 'veteran' }] });
      // Users newer than the credential report need a per-user check each.
      f.iam.settings.credentialReportBuildMs = 20;
      await fetchReport();
      await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1000) + 5));
      const { iam } = f.emulator;
      await iam.send(
        new CreateUserCommand({
          UserName: 'a-new-exempt',
          Tags: Object.entries(exemptionTags({ reason: 'robot', until: null })).map(
            ([Key, Value]) => ({ Key, Value }),
          ),
        }),
      );
      await iam.send(new CreateUserCommand({ UserName: 'z-new-hire' }));
      const frugal = f.newApp({ scan: { maxPerUserChecks: 1 } });

      const report = await fetchReport('', frugal);
      expect(report.sources.perUserChecks).toEqual({ source: 'live', users: 1, skipped: 1 });
      expect(report.users.find((u) => u.userName === 'z-new-hire')?.evidence).toBe('live');
      expect(report.exempt.map((e) => e.userName)).toEqual(['a-new-exempt']);
    });
  });

  describe('at scale, against a brute-force answer', () => {
    /** What IAM says, asked the slow way: four calls per user. */
    interface Truth {
      users: Map<
        string,
        {
          path: string;
          mfa: boolean;
          consoleAccess: boolean;
          inForceMfaGroup: boolean;
          exemption: Exemption | undefined;
          invitation: Row['invitation'];
        }
      >;
    }

    async function mapLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
      let next = 0;
      const worker = async () => {
        while (next < items.length) await fn(items[next++] as T);
      };
      await Promise.all(Array.from({ length: limit }, worker));
    }

    async function bruteForce(iam: IAMClient, now: Date): Promise<Truth> {
      const listed: { name: string; path: string }[] = [];
      for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, {}))
        for (const u of page.Users ?? [])
          listed.push({ name: u.UserName as string, path: u.Path as string });
      const users: Truth['users'] = new Map();
      await mapLimited(listed, 32, async ({ name, path }) => {
        const [{ Tags = [] }, { MFADevices = [] }, { Groups = [] }] = await Promise.all([
          iam.send(new ListUserTagsCommand({ UserName: name })),
          iam.send(new ListMFADevicesCommand({ UserName: name })),
          iam.send(new ListGroupsForUserCommand({ UserName: name })),
        ]);
        let consoleAccess = true;
        try {
          await iam.send(new GetLoginProfileCommand({ UserName: name }));
        } catch (error) {
          if ((error as Error).name !== 'NoSuchEntityException') throw error;
          consoleAccess = false;
        }
        const tags = Object.fromEntries(Tags.map((t) => [t.Key as string, t.Value as string]));
        const exemption = exemptionOf(tags, now);
        const record = invitationIn(tags);
        const over =
          record &&
          (record.expiresAt <= now || attemptsOf(tags, record.id) >= f.config.maxCodeAttempts);
        users.set(name, {
          path,
          mfa: MFADevices.length > 0,
          consoleAccess,
          inForceMfaGroup: Groups.some((g) => g.GroupName === 'force-mfa'),
          exemption: exemption && {
            userName: name,
            reason: exemption.reason,
            until: exemption.until?.toISOString() ?? null,
          },
          invitation: record
            ? { state: over ? 'expired' : 'pending', expiresAt: record.expiresAt.toISOString() }
            : null,
        });
      });
      return { users };
    }

    /** The report the truth implies for the users under a path prefix. */
    function expected(truth: Truth, pathPrefix = '/') {
      const under = [...truth.users].filter(([, u]) => u.path.startsWith(pathPrefix));
      const count = (p: (u: (typeof under)[number][1]) => boolean) =>
        under.filter(([, u]) => p(u)).length;
      const lacking = (u: (typeof under)[number][1]) => !u.mfa && !u.exemption;
      const byName = (a: { userName: string }, b: { userName: string }) =>
        a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1;
      return {
        summary: {
          totalUsers: under.length,
          withMfa: count((u) => u.mfa),
          withoutMfa: count(lacking),
          withoutMfaConsole: count((u) => lacking(u) && u.consoleAccess),
          consoleUsers: count((u) => u.consoleAccess),
          exempt: count((u) => u.exemption !== undefined),
          pendingInvitations: count((u) => u.invitation?.state === 'pending'),
          expiredInvitations: count((u) => u.invitation?.state === 'expired'),
          mfaOutsideForceMfaGroup: count((u) => u.mfa && !u.inForceMfaGroup),
        } satisfies Summary,
        exempt: under.flatMap(([, u]) => (u.exemption ? [u.exemption] : [])).sort(byName),
        users: under
          .filter(([, u]) => lacking(u))
          .map(([userName, u]) => ({
            userName,
            path: u.path,
            consoleAccess: u.consoleAccess,
            inForceMfaGroup: u.inForceMfaGroup,
            invitation: u.invitation,
          }))
          .sort(byName),
      };
    }

    it('matches it on 3,000 users in four paths: invitations pending, expired and locked, exemptions current, ending and ended, MFA outside the group', async () => {
      const now = new Date();
      const spec = withAccountStates(
        generateAccount({
          users: 3000,
          withoutMfaRatio: 0.12,
          nonVirtualRatio: 0.05,
          consoleRatio: 0.6,
          outsideGroupRatio: 0.1,
        }),
        {
          now,
          maxCodeAttempts: f.config.maxCodeAttempts,
          invitations: { pending: 150, expired: 60, locked: 30 },
          exemptions: { current: 40, withEnd: 20, ended: 25 },
          paths: ['/', '/staff/', '/staff/eng/', '/contractors/'],
        },
      );
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 200;
      const truth = await bruteForce(f.emulator.iam, now);

      for (const pathPrefix of [undefined, '/staff/', '/staff/eng/', '/contractors/']) {
        const report = await fetchReport(pathPrefix ? `?pathPrefix=${pathPrefix}` : '');
        const want = expected(truth, pathPrefix);
        const label = pathPrefix ?? 'every path';
        expect(report.summary, label).toEqual(want.summary);
        expect(report.exempt, label).toEqual(want.exempt);
        expect(
          report.users.map((u) => ({
            userName: u.userName,
            path: u.path,
            consoleAccess: u.consoleAccess,
            inForceMfaGroup: u.inForceMfaGroup,
            invitation: u.invitation,
          })),
          label,
        ).toEqual(want.users);
        expect(report.totalUsers, label).toBe(want.summary.totalUsers);
      }

      // The account really mixes every case the report must tell apart.
      const all = expected(truth);
      expect(all.summary.totalUsers).toBe(3000);
      expect(all.summary.pendingInvitations).toBeGreaterThan(100);
      expect(all.summary.expiredInvitations).toBe(90);
      expect(all.summary.exempt).toBe(60);
      expect(all.summary.mfaOutsideForceMfaGroup).toBeGreaterThan(100);
      const rows = all.users;
      expect(rows.some((u) => u.invitation?.state === 'pending')).toBe(true);
      expect(rows.some((u) => u.invitation?.state === 'expired')).toBe(true);
      expect(rows.some((u) => u.invitation === null)).toBe(true);
      // Exempt users with and without MFA, and ended exemptions among the rows.
      const truthUsers = [...truth.users.values()];
      expect(truthUsers.some((u) => u.exemption && u.mfa)).toBe(true);
      expect(truthUsers.some((u) => u.exemption && !u.mfa)).toBe(true);
      const ended = (spec.users ?? []).filter((u) =>
        u.tags?.some((t) => t.value.includes('grace')),
      );
      expect(ended).toHaveLength(25);
      for (const u of ended) expect(truth.users.get(u.name)?.exemption).toBeUndefined();
    }, 120_000);

    it('at 5,000 users (10% without MFA, 250 pending links, 20 exempt): at most 30 IAM calls, none per user', async () => {
      const spec = withAccountStates(generateAccount({ users: 5000, withoutMfaRatio: 0.1 }), {
        now: new Date(),
        maxCodeAttempts: f.config.maxCodeAttempts,
        invitations: { pending: 250 },
        invitationsAmong: 'withoutMfa',
        exemptions: { current: 20 },
      });
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 200;
      f.iam.calls.reset();

      const report = await fetchReport();
      const { total, byAction } = f.iam.calls.snapshot();
      expect(report.summary).toMatchObject({
        totalUsers: 5000,
        pendingInvitations: 250,
        exempt: 20,
      });
      // Every user without MFA is a row or exempt.
      const exemptWithoutMfa = (spec.users ?? []).filter(
        (u) => !u.mfa?.length && u.tags?.some((t) => t.key === EXEMPTION_TAG_KEY),
      ).length;
      expect(report.users).toHaveLength(500 - exemptWithoutMfa);
      expect(total).toBeLessThanOrEqual(30);
      expect(byAction.GetAccountAuthorizationDetails).toBe(5);
      expect(byAction.ListUsers).toBe(5);
      for (const perUser of [
        'ListUserTags',
        'GetUser',
        'ListGroupsForUser',
        'ListMFADevices',
        'GetLoginProfile',
      ])
        expect(byAction[perUser] ?? 0, perUser).toBe(0);
    }, 60_000);
  });
});
