// GET /v1/compliance/users-without-mfa: the live report of users without MFA (JSON and CSV), its
// sources, filters and IAM call budget at scale, and how it behaves while IAM throttles.

import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteUserCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  type IAMClient,
  ListMFADevicesCommand,
  paginateGetGroup,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../functions/compliance/csv.ts';
import { COMPLIANCE_CSV_COLUMNS } from '../../functions/compliance/report.ts';
import { generateAccount } from '../../local/emulator/generate-account.ts';
import type { SeedSpec } from '../../local/emulator/seed.ts';
import { useAdmin } from '../support/admin.ts';
import { authenticationCodes } from '../support/totp.ts';

const ACCOUNT = '123456789012';
const PATH = '/v1/compliance/users-without-mfa';

interface Row {
  userName: string;
  arn: string;
  path: string;
  createDate: string;
  passwordLastUsed: string | null;
  consoleAccess: boolean | null;
  inForceMfaGroup: boolean;
  invitation: { state: 'pending' | 'expired'; expiresAt: string } | null;
  evidence: 'live' | 'credential-report' | 'virtual-only';
}

interface Report {
  accountId: string;
  generatedAt: string;
  totalUsers: number;
  sources: {
    users: { source: string; at: string };
    virtualMfaDevices: { source: string; at: string };
    forceMfaGroup: { source: string; at: string; groupName: string; exists: boolean };
    otherMfaDevicesAndConsoleAccess:
      | { source: 'credential-report'; generatedAt: string }
      | { source: 'unavailable'; reason: string };
    perUserChecks: { source: string; users: number; skipped: number };
  };
  summary: Record<string, number>;
  exempt: { userName: string; reason: string; until: string | null }[];
  users: Row[];
}

/** What IAM says about one user, asked the slow way: one call per user. */
interface Truth {
  lacking: Map<string, { inForceMfaGroup: boolean; consoleAccess: boolean }>;
  totalUsers: number;
}

async function mapLimited<T>(items: T[], limit: number, f: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** The brute-force answer: ListMFADevices for every user, then group and login profile. */
async function bruteForce(iam: IAMClient, groupName = 'force-mfa'): Promise<Truth> {
  const names: string[] = [];
  for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, {}))
    for (const u of page.Users ?? []) names.push(u.UserName as string);
  const withoutDevice: string[] = [];
  await mapLimited(names, 32, async (name) => {
    const { MFADevices = [] } = await iam.send(new ListMFADevicesCommand({ UserName: name }));
    if (MFADevices.length === 0) withoutDevice.push(name);
  });
  const members = new Set<string>();
  for await (const page of paginateGetGroup(
    { client: iam, pageSize: 1000 },
    { GroupName: groupName },
  ))
    for (const u of page.Users ?? []) members.add(u.UserName as string);
  const lacking: Truth['lacking'] = new Map();
  await mapLimited(withoutDevice, 32, async (name) => {
    let consoleAccess = true;
    try {
      await iam.send(new GetLoginProfileCommand({ UserName: name }));
    } catch (error) {
      if ((error as Error).name !== 'NoSuchEntityException') throw error;
      consoleAccess = false;
    }
    lacking.set(name, { inForceMfaGroup: members.has(name), consoleAccess });
  });
  return { lacking, totalUsers: names.length };
}

function expectMatchesTruth(report: Report, truth: Truth) {
  expect(report.totalUsers).toBe(truth.totalUsers);
  expect(report.users.map((u) => u.userName).sort()).toEqual([...truth.lacking.keys()].sort());
  for (const row of report.users) {
    const expected = truth.lacking.get(row.userName);
    expect({ user: row.userName, ...expected }).toEqual({
      user: row.userName,
      inForceMfaGroup: row.inForceMfaGroup,
      consoleAccess: row.consoleAccess,
    });
  }
}

/** Names of the users a seed spec leaves without any MFA device. */
const withoutMfa = (spec: SeedSpec) =>
  (spec.users ?? []).filter((u) => !u.mfa?.length).map((u) => u.name);

const sortedNames = (names: string[]) =>
  [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));

describe('admins: IAM users without MFA (GET /v1/compliance/users-without-mfa)', () => {
  const f = useAdmin();

  const fetchReport = async (query = '', app = f.app): Promise<Report> => {
    const res = await f.request('GET', `${PATH}${query}`, { key: f.keys.complianceRead.key, app });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Report;
  };

  /** Has IAM build a credential report now (as any earlier scan or admin would have). */
  const generateReport = async () => {
    f.iam.settings.credentialReportBuildMs = 20;
    for (;;) {
      const { State } = await f.emulator.iam.send(new GenerateCredentialReportCommand({}));
      if (State === 'COMPLETE') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // Let the clock tick past the report's GeneratedTime (whole seconds), so users created
    // next are visibly newer than it.
    await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1000) + 5));
  };

  const credentialReportMfa = async (userName: string) => {
    const { Content } = await f.emulator.iam.send(new GetCredentialReportCommand({}));
    const [header = [], ...rows] = parseCsv(Buffer.from(Content as Uint8Array).toString('utf8'));
    const row = rows.find((r) => r[0] === userName);
    return row?.[header.indexOf('mfa_active')];
  };

  /** Creates a user through the SDK, optionally with a console password and a virtual device. */
  const createUser = async (
    userName: string,
    options: { password?: boolean; virtualMfa?: boolean } = {},
  ) => {
    const { iam } = f.emulator;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    if (options.password) {
      await iam.send(
        new CreateLoginProfileCommand({ UserName: userName, Password: 'Initial-Passw0rd!' }),
      );
    }
    if (options.virtualMfa) await enableVirtualDevice(userName);
  };

  const enableVirtualDevice = async (userName: string) => {
    const { iam } = f.emulator;
    const { VirtualMFADevice } = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: userName }),
    );
    const seed = Buffer.from(VirtualMFADevice?.Base32StringSeed as Uint8Array).toString('ascii');
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: VirtualMFADevice?.SerialNumber,
        ...authenticationCodes(seed, f.iam.now()),
      }),
    );
  };

  describe('the JSON report', () => {
    const seedSmallAccount = () =>
      f.seed({
        groups: [{ name: 'force-mfa' }],
        users: [
          {
            name: 'alice',
            path: '/staff/',
            createDate: '2025-01-15T08:00:00Z',
            password: { lastUsed: '2026-05-01T10:00:00Z' },
            groups: ['force-mfa'],
          },
          { name: 'bob', createDate: '2025-02-01T00:00:00Z' },
          { name: 'Zed', createDate: '2025-03-01T00:00:00Z', password: true },
          { name: 'carol', mfa: ['virtual'], groups: ['force-mfa'] },
          { name: 'dave', mfa: ['hardware'] },
          { name: 'erin', mfa: ['fido'], password: true },
        ],
      });

    it('lists exactly the users without any MFA device, sorted by name, with where each figure came from', async () => {
      seedSmallAccount();
      const before = new Date().toISOString();
      const report = await fetchReport();

      expect(report).toEqual({
        accountId: ACCOUNT,
        generatedAt: expect.any(String),
        totalUsers: 6,
        sources: {
          users: { source: 'live', at: report.generatedAt },
          virtualMfaDevices: { source: 'live', at: report.generatedAt },
          forceMfaGroup: {
            source: 'live',
            at: report.generatedAt,
            groupName: 'force-mfa',
            exists: true,
          },
          otherMfaDevicesAndConsoleAccess: {
            source: 'credential-report',
            generatedAt: expect.any(String),
          },
          perUserChecks: { source: 'live', users: 0, skipped: 0 },
        },
        summary: {
          totalUsers: 6,
          withMfa: 3,
          withoutMfa: 3,
          withoutMfaConsole: 2,
          consoleUsers: 3, // alice and Zed, and erin (who has MFA)
          exempt: 0,
          pendingInvitations: 0,
          expiredInvitations: 0,
          mfaOutsideForceMfaGroup: 2,
        },
        exempt: [],
        mfaOutsideForceMfaGroup: [
          { userName: 'dave', arn: `arn:aws:iam::${ACCOUNT}:user/dave`, path: '/' },
          { userName: 'erin', arn: `arn:aws:iam::${ACCOUNT}:user/erin`, path: '/' },
        ],
        users: [
          {
            userName: 'alice',
            arn: `arn:aws:iam::${ACCOUNT}:user/staff/alice`,
            path: '/staff/',
            createDate: '2025-01-15T08:00:00.000Z',
            passwordLastUsed: '2026-05-01T10:00:00.000Z',
            consoleAccess: true,
            inForceMfaGroup: true,
            invitation: null,
            evidence: 'credential-report',
          },
          {
            userName: 'bob',
            arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
            path: '/',
            createDate: '2025-02-01T00:00:00.000Z',
            passwordLastUsed: null,
            consoleAccess: false,
            inForceMfaGroup: false,
            invitation: null,
            evidence: 'credential-report',
          },
          {
            userName: 'Zed',
            arn: `arn:aws:iam::${ACCOUNT}:user/Zed`,
            path: '/',
            createDate: '2025-03-01T00:00:00.000Z',
            passwordLastUsed: null,
            consoleAccess: true,
            inForceMfaGroup: false,
            invitation: null,
            evidence: 'credential-report',
          },
        ],
      });
      expect(report.generatedAt >= before).toBe(true);
      expect(new Date(report.generatedAt).toISOString()).toBe(report.generatedAt);
    });

    it('still answers when the force-MFA group does not exist (nobody is in it)', async () => {
      f.seed({ users: [{ name: 'alice' }, { name: 'bob', mfa: ['virtual'] }] });
      const report = await fetchReport();
      expect(report.sources.forceMfaGroup).toMatchObject({ exists: false, groupName: 'force-mfa' });
      expect(report.users).toEqual([
        expect.objectContaining({ userName: 'alice', inForceMfaGroup: false }),
      ]);
    });

    it('is empty for an account where everybody has MFA', async () => {
      f.seed({
        users: [
          { name: 'alice', mfa: ['virtual'] },
          { name: 'bob', mfa: ['fido'] },
        ],
      });
      const report = await fetchReport();
      expect(report.totalUsers).toBe(2);
      expect(report.users).toEqual([]);
    });
    it('names the account from ARNs IAM returns (a user of the path, any user, the group), never asking STS', async () => {
      f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'alice' }] });
      f.iam.calls.reset();
      expect((await fetchReport()).accountId).toBe(ACCOUNT);
      // No user under the path: another user's ARN names it.
      const empty = await fetchReport('?pathPrefix=/interns/');
      expect(empty).toMatchObject({ accountId: ACCOUNT, totalUsers: 0, users: [] });
      expect(f.iam.calls.snapshot().byAction.GetCallerIdentity).toBeUndefined();
    });

    it("names the account from the force-MFA group's ARN when there is no user at all", async () => {
      f.seed({ groups: [{ name: 'force-mfa' }], users: [] });
      f.iam.calls.reset();
      expect((await fetchReport()).accountId).toBe(ACCOUNT);
      expect(f.iam.calls.snapshot().byAction.GetCallerIdentity).toBeUndefined();
    });

    it("takes the account from the Lambda's own ARN when no IAM answer names it", async () => {
      f.seed({ users: [] });
      const lambdaContext = {
        invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:mfa-onboarding-admin`,
        awsRequestId: 'req-1',
      };
      const res = await f.app.request(
        '/v1/compliance/users-without-mfa',
        { headers: { Authorization: `Bearer ${f.keys.complianceRead.key}` } },
        { lambdaContext },
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as { accountId: string }).accountId).toBe(ACCOUNT);
      expect(f.iam.calls.snapshot().byAction.GetCallerIdentity).toBeUndefined();
    });
  });

  describe('the CSV report (?format=csv)', () => {
    it('has the same rows as the JSON report, under a header line', async () => {
      f.seed({
        groups: [{ name: 'force-mfa' }],
        users: [
          {
            name: 'alice',
            path: '/staff/',
            password: { lastUsed: '2026-05-01T10:00:00Z' },
            groups: ['force-mfa'],
          },
          { name: 'bob' },
          { name: 'carol', mfa: ['virtual'] },
        ],
      });
      const json = await fetchReport();
      const res = await f.request('GET', `${PATH}?format=csv`, { key: f.keys.complianceRead.key });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv\b/);
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="users-without-mfa-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      expect(res.headers.get('x-total-users')).toBe('3');
      // Compliance data is never cached, and the usual security headers apply.
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const text = await res.text();
      expect(text.endsWith('\r\n')).toBe(true);

      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual([
        'userName',
        'arn',
        'path',
        'createDate',
        'passwordLastUsed',
        'consoleAccess',
        'inForceMfaGroup',
        'evidence',
        'invitationState',
        'invitationExpiresAt',
      ]);
      expect(header).toEqual([...COMPLIANCE_CSV_COLUMNS]);
      expect(rows).toEqual(
        json.users.map((u) => [
          u.userName,
          u.arn,
          u.path,
          u.createDate,
          u.passwordLastUsed ?? '',
          String(u.consoleAccess),
          String(u.inForceMfaGroup),
          u.evidence,
          u.invitation?.state ?? '',
          u.invitation?.expiresAt ?? '',
        ]),
      );
      expect(rows.map((r) => r[0])).toEqual(['alice', 'bob']);
    });

    it('quotes names with commas and defuses names a spreadsheet would run as a formula', async () => {
      const odd = ['a,b', '=cmd', '+x', '-y', '@z', '=1+2,3', 'plain.name', 'mid=dle'];
      f.seed({
        users: [
          ...odd.map((name) => ({ name, password: true })),
          // Settled by the credential report, where the comma is quoted too.
          { name: 'h,w', mfa: ['hardware' as const] },
          { name: '=fido', mfa: ['fido' as const] },
        ],
      });
      const json = await fetchReport();
      expect(json.users.map((u) => u.userName).sort()).toEqual([...odd].sort());

      const res = await f.request('GET', `${PATH}?format=csv`, { key: f.keys.complianceRead.key });
      const text = await res.text();
      const [, ...rows] = parseCsv(text);
      const cell = Object.fromEntries(rows.map((r) => [r[1] as string, r[0]]));
      const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
      // OWASP CSV injection: a leading apostrophe on = + - @; everything else verbatim.
      expect(cell).toEqual({
        [arn('a,b')]: 'a,b',
        [arn('=cmd')]: "'=cmd",
        [arn('+x')]: "'+x",
        [arn('-y')]: "'-y",
        [arn('@z')]: "'@z",
        [arn('=1+2,3')]: "'=1+2,3",
        [arn('plain.name')]: 'plain.name',
        [arn('mid=dle')]: 'mid=dle',
      });
      // Fields with a comma are quoted (RFC 4180), so every row has exactly the header's 10
      // fields (8, then the invitation's state and expiry).
      expect(text).toContain(`\r\n"a,b","${arn('a,b')}",/,`);
      expect(text).toContain(`\r\n"'=1+2,3","${arn('=1+2,3')}",/,`);
      expect(text).toContain("\r\n'=cmd,");
      for (const row of rows) expect(row).toHaveLength(10);
      // No cell of the file starts with a formula character.
      for (const row of rows) for (const value of row) expect(value).not.toMatch(/^[=+\-@]/);
    });
  });

  describe('filters', () => {
    const seedTeams = () =>
      f.seed({
        users: [
          {
            name: 'staff-old',
            path: '/staff/',
            createDate: '2026-01-01T00:00:00Z',
            password: true,
          },
          { name: 'staff-june', path: '/staff/eng/', createDate: '2026-06-01T00:00:00Z' },
          {
            name: 'staff-new',
            path: '/staff/',
            createDate: '2026-11-01T00:00:00Z',
            password: true,
          },
          { name: 'staff-mfa', path: '/staff/', mfa: ['virtual'] },
          { name: 'contractor', path: '/contractors/', createDate: '2025-01-01T00:00:00Z' },
          { name: 'ci-bot', path: '/', createDate: '2024-01-01T00:00:00Z' },
        ],
      });
    const names = (r: Report) => r.users.map((u) => u.userName);

    it('pathPrefix: only users under the path, and totalUsers counts only them', async () => {
      seedTeams();
      const staff = await fetchReport('?pathPrefix=/staff/');
      expect(names(staff)).toEqual(['staff-june', 'staff-new', 'staff-old']);
      expect(staff.totalUsers).toBe(4);
      const eng = await fetchReport(`?pathPrefix=${encodeURIComponent('/staff/eng/')}`);
      expect(names(eng)).toEqual(['staff-june']);
      const nobody = await fetchReport('?pathPrefix=/interns/');
      expect(nobody).toMatchObject({ totalUsers: 0, users: [] });
    });

    it('consoleOnly=true: only users with a console password', async () => {
      seedTeams();
      expect(names(await fetchReport('?consoleOnly=true'))).toEqual(['staff-new', 'staff-old']);
      expect(names(await fetchReport('?consoleOnly=false'))).toEqual([
        'ci-bot',
        'contractor',
        'staff-june',
        'staff-new',
        'staff-old',
      ]);
    });

    it('createdBefore: users created at or after it are left out (a grace period)', async () => {
      seedTeams();
      expect(names(await fetchReport('?createdBefore=2026-06-01T00:00:00Z'))).toEqual([
        'ci-bot',
        'contractor',
        'staff-old',
      ]);
      // The same instant with an offset, and one second later.
      expect(
        names(
          await fetchReport(`?createdBefore=${encodeURIComponent('2026-06-01T09:00:00+09:00')}`),
        ),
      ).toEqual(['ci-bot', 'contractor', 'staff-old']);
      expect(names(await fetchReport('?createdBefore=2026-06-01T00:00:01Z'))).toEqual([
        'ci-bot',
        'contractor',
        'staff-june',
        'staff-old',
      ]);
    });

    it('combines filters, in JSON and CSV alike', async () => {
      seedTeams();
      const query = '?pathPrefix=/staff/&consoleOnly=true&createdBefore=2026-10-01T00:00:00Z';
      expect(names(await fetchReport(query))).toEqual(['staff-old']);
      const res = await f.request('GET', `${PATH}${query}&format=csv`, {
        key: f.keys.complianceRead.key,
      });
      const [, ...rows] = parseCsv(await res.text());
      expect(rows.map((r) => r[0])).toEqual(['staff-old']);
    });

    it('400 bad_request for a bad query, before any IAM call', async () => {
      seedTeams();
      f.iam.calls.reset();
      for (const query of [
        'foo=1',
        'format=xml',
        'format=CSV',
        'createdBefore=yesterday',
        'createdBefore=2026-13-01T00:00:00Z',
        'createdBefore=1700000000',
        'pathPrefix=staff',
        `pathPrefix=${encodeURIComponent('/st aff/')}`,
        `pathPrefix=/${'a'.repeat(512)}`,
        'consoleOnly=maybe',
        'consoleOnly=1',
        'consoleOnly=TRUE',
        'consoleOnly=true&consoleOnly=false',
      ]) {
        const res = await f.request('GET', `${PATH}?${query}`, { key: f.keys.complianceRead.key });
        expect(res.status, query).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
      }
      expect(f.iam.calls.snapshot().total).toBe(0);
    });
  });

  describe('pagination and correctness at scale', () => {
    it('reads past the first 1000 users: 2,500 users in three pages', async () => {
      const spec = generateAccount({ users: 2500, withoutMfaRatio: 0.1 });
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 200;
      f.iam.calls.reset();
      const report = await fetchReport();
      expect(report.totalUsers).toBe(2500);
      expect(report.users.map((u) => u.userName)).toEqual(sortedNames(withoutMfa(spec)));
      expect(report.users).toHaveLength(250);
      expect(f.iam.calls.snapshot().byAction.ListUsers).toBe(3);
    });

    it('matches a brute-force per-user answer on 3,000 users with a realistic mix', async () => {
      const spec = generateAccount({
        users: 3000,
        withoutMfaRatio: 0.1,
        nonVirtualRatio: 0.05,
        consoleRatio: 0.6,
        outsideGroupRatio: 0.1,
      });
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 200;
      const report = await fetchReport();
      const truth = await bruteForce(f.emulator.iam);

      expect(truth.lacking.size).toBe(300);
      expectMatchesTruth(report, truth);
      // The account really mixes the cases the scan must tell apart.
      const nonVirtual = (spec.users ?? []).filter((u) =>
        u.mfa?.some((d) => typeof d === 'object' && d.kind !== 'virtual'),
      );
      expect(nonVirtual.length).toBeGreaterThan(50);
      expect(report.users.some((u) => u.inForceMfaGroup)).toBe(true);
      expect(report.users.some((u) => !u.inForceMfaGroup)).toBe(true);
      expect(report.users.some((u) => u.consoleAccess)).toBe(true);
      expect(report.users.some((u) => !u.consoleAccess)).toBe(true);
    }, 60_000);

    it('makes at most 30 IAM calls at 5,000 users (10% without MFA), none of them per user', async () => {
      const spec = generateAccount({ users: 5000, withoutMfaRatio: 0.1 });
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 200;
      f.iam.calls.reset();

      const report = await fetchReport();
      const { total, byAction } = f.iam.calls.snapshot();
      expect(report.users).toHaveLength(500);
      expect(report.sources.otherMfaDevicesAndConsoleAccess.source).toBe('credential-report');
      expect(total).toBeLessThanOrEqual(30);
      expect(byAction.ListUsers).toBeLessThanOrEqual(5);
      expect(byAction.ListVirtualMFADevices).toBeLessThanOrEqual(5);
      expect(byAction.GetGroup).toBeLessThanOrEqual(5);
      expect(byAction.ListMFADevices ?? 0).toBe(0);
      expect(byAction.GetLoginProfile ?? 0).toBe(0);

      // A second report reuses the credential report: two calls for it, no waiting.
      f.iam.calls.reset();
      const again = await fetchReport('?format=json');
      const second = f.iam.calls.snapshot();
      expect(again.users.map((u) => u.userName)).toEqual(report.users.map((u) => u.userName));
      expect(second.byAction.GenerateCredentialReport).toBe(1);
      expect(second.byAction.GetCredentialReport).toBe(1);
      expect(second.total).toBeLessThanOrEqual(total);
    }, 60_000);
  });

  describe('MFA devices that are not virtual', () => {
    it('a user whose only device is a hardware token or FIDO key is not listed', async () => {
      f.seed({
        groups: [{ name: 'force-mfa' }],
        users: [
          { name: 'hardware.only', mfa: ['hardware'], groups: ['force-mfa'] },
          { name: 'fido.only', mfa: ['fido'], password: true },
          { name: 'both.kinds', mfa: ['fido', 'hardware'] },
          { name: 'no.device' },
        ],
      });
      const report = await fetchReport();
      expect(report.users.map((u) => u.userName)).toEqual(['no.device']);
      expect(report.sources.perUserChecks).toMatchObject({ users: 0, skipped: 0 });
    });

    it('a hardware or FIDO device on a user created after the credential report is found live', async () => {
      f.seed({ users: [{ name: 'old.timer' }] });
      await generateReport();
      f.seed({
        users: [
          { name: 'new.hardware', mfa: ['hardware'] },
          { name: 'new.fido', mfa: ['fido'] },
        ],
      });

      const report = await fetchReport();
      expect(report.users.map((u) => u.userName)).toEqual(['old.timer']);
      expect(report.sources.perUserChecks).toMatchObject({ users: 2, skipped: 0 });
    });
  });

  describe('freshness: changes since the last credential report', () => {
    it('classifies users created after the report by a live per-user check', async () => {
      f.seed({ groups: [{ name: 'force-mfa' }], users: [{ name: 'veteran' }] });
      await generateReport();
      await createUser('late.nomfa', { password: true });
      await createUser('late.nopassword');
      await createUser('late.virtual', { virtualMfa: true });
      expect(await credentialReportMfa('late.nomfa')).toBeUndefined();

      const report = await fetchReport();
      const byName = Object.fromEntries(report.users.map((u) => [u.userName, u]));
      expect(Object.keys(byName)).toEqual(['late.nomfa', 'late.nopassword', 'veteran']);
      expect(byName['late.nomfa']).toMatchObject({ evidence: 'live', consoleAccess: true });
      expect(byName['late.nopassword']).toMatchObject({ evidence: 'live', consoleAccess: false });
      expect(byName.veteran).toMatchObject({ evidence: 'credential-report' });
      // late.virtual was settled by the live list of virtual devices, without a per-user call.
      expect(report.sources.perUserChecks).toMatchObject({ users: 2, skipped: 0 });
      expectMatchesTruth(report, await bruteForce(f.emulator.iam));
    });

    it('honours a virtual device enabled after the report (the report still says no MFA)', async () => {
      f.seed({ users: [{ name: 'slow.starter', password: true }, { name: 'never' }] });
      await generateReport();
      await enableVirtualDevice('slow.starter');
      expect(await credentialReportMfa('slow.starter')).toBe('false');

      const report = await fetchReport();
      expect(report.users.map((u) => u.userName)).toEqual(['never']);
    });

    it('leaves out a user deleted between the listing and the per-user check', async () => {
      f.seed({ users: [{ name: 'stays' }] });
      await generateReport();
      await createUser('leaver'); // after the report, so checked one by one
      f.beforeNext('ListMFADevices', () =>
        f.emulator.iam.send(new DeleteUserCommand({ UserName: 'leaver' })),
      );

      const report = await fetchReport();
      expect(report.users.map((u) => u.userName)).toEqual(['stays']);
    });

    it('does not trust a report older than four hours: it has IAM build a new one', async () => {
      f.seed({ users: [{ name: 'alice' }] });
      await generateReport();
      const { GeneratedTime: first } = await f.emulator.iam.send(
        new GetCredentialReportCommand({}),
      );
      f.iam.clockOffsetMs += 5 * 3_600_000;
      f.seed({ users: [{ name: 'bob', mfa: ['hardware'] }] });

      const report = await fetchReport();
      const source = report.sources.otherMfaDevicesAndConsoleAccess;
      expect(source.source).toBe('credential-report');
      expect('generatedAt' in source && new Date(source.generatedAt) > (first as Date)).toBe(true);
      expect(report.users.map((u) => u.userName)).toEqual(['alice']);
      expect(report.sources.perUserChecks).toMatchObject({ users: 0 });
    });
  });

  describe('waiting for the credential report', () => {
    it('generates the report when none exists, waits for it, and uses it', async () => {
      f.seed({ users: [{ name: 'alice' }, { name: 'bob', mfa: ['fido'] }] });
      f.iam.settings.credentialReportBuildMs = 200;
      f.iam.calls.reset();
      const startedAt = Date.now();

      const report = await fetchReport();
      const source = report.sources.otherMfaDevicesAndConsoleAccess;
      expect(source.source).toBe('credential-report');
      expect('generatedAt' in source && new Date(source.generatedAt).getTime()).toBeGreaterThan(
        startedAt - 1_000,
      );
      expect(report.users).toEqual([
        expect.objectContaining({ userName: 'alice', evidence: 'credential-report' }),
      ]);
      const { byAction } = f.iam.calls.snapshot();
      expect(byAction.GenerateCredentialReport).toBeGreaterThanOrEqual(2);
      expect(byAction.GetCredentialReport).toBe(1);
      expect(byAction.ListMFADevices ?? 0).toBe(0);
    });

    it('when the report takes longer than reportWaitMs: lists users from live checks (up to the budget) and says the report was unavailable', async () => {
      const spec: SeedSpec = {
        groups: [{ name: 'force-mfa' }],
        users: [
          ...Array.from({ length: 14 }, (_, i) => ({
            name: `nomfa-${String(i).padStart(2, '0')}`,
            password: i % 2 === 0,
            groups: i % 3 === 0 ? ['force-mfa'] : [],
          })),
          { name: 'hw-1', mfa: ['hardware'] },
          { name: 'hw-2', mfa: ['hardware'] },
          { name: 'fido-1', mfa: ['fido'] },
          ...Array.from({ length: 5 }, (_, i) => ({
            name: `virtual-${i}`,
            mfa: ['virtual' as const],
          })),
        ],
      };
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 60_000;
      const impatient = f.newApp({ scan: { reportWaitMs: 300 } });
      const truth = await bruteForce(f.emulator.iam);

      const report = await fetchReport('', impatient);
      expect(report.sources.otherMfaDevicesAndConsoleAccess).toEqual({
        source: 'unavailable',
        reason: expect.any(String),
      });
      // 17 users have no virtual device; 10 (the default budget) were checked one by one.
      expect(report.sources.perUserChecks).toEqual({ source: 'live', users: 10, skipped: 7 });
      const live = report.users.filter((u) => u.evidence === 'live');
      const unchecked = report.users.filter((u) => u.evidence === 'virtual-only');
      expect(live.length + unchecked.length).toBe(report.users.length);
      expect(live.length).toBeLessThanOrEqual(10);
      expect(unchecked).toHaveLength(7);
      // Nobody lacking MFA is missed; a live row is certain; an unchecked one may have a
      // hardware or FIDO device, and says so.
      for (const name of truth.lacking.keys())
        expect(report.users.map((u) => u.userName)).toContain(name);
      for (const row of live) {
        expect(truth.lacking.get(row.userName)).toEqual({
          inForceMfaGroup: row.inForceMfaGroup,
          consoleAccess: row.consoleAccess,
        });
      }
      for (const row of unchecked) expect(row.consoleAccess).toBeNull();

      // With room for every per-user check, the answer is exact and entirely live.
      const patient = f.newApp({ scan: { reportWaitMs: 300, maxPerUserChecks: 50 } });
      const exact = await fetchReport('', patient);
      expectMatchesTruth(exact, truth);
      expect(exact.users.every((u) => u.evidence === 'live')).toBe(true);
      expect(exact.sources.perUserChecks).toEqual({ source: 'live', users: 17, skipped: 0 });
    });
  });

  describe('IAM faults', () => {
    it('absorbs throttling (20 rps, burst 20, 50 ms latency): concurrent reports are all still right', async () => {
      const spec = generateAccount({ users: 3000, withoutMfaRatio: 0.1, outsideGroupRatio: 0.1 });
      f.seed(spec);
      await generateReport();
      // Users the credential report cannot settle: each costs two per-user calls.
      for (const name of ['late-1', 'late-2', 'late-3', 'late-4']) await createUser(name);
      const reference = await fetchReport();
      expectMatchesTruth(reference, await bruteForce(f.emulator.iam));
      f.iam.calls.reset();
      await fetchReport();
      const unthrottledCalls = f.iam.calls.snapshot().total;

      f.iam.faults.configure({ throttle: { ratePerSecond: 20, burst: 20 }, latencyMs: 50 });
      f.iam.calls.reset();
      const reports = await Promise.all([fetchReport(), fetchReport(), fetchReport()]);

      for (const report of reports) expect(report.users).toEqual(reference.users);
      // IAM turned calls away and the service retried them.
      expect(f.iam.calls.snapshot().total).toBeGreaterThan(3 * unthrottledCalls);
    }, 60_000);

    it('answers 503 with Retry-After when IAM keeps failing (ServiceFailure)', async () => {
      f.seed({ users: [{ name: 'alice' }] });
      f.iam.faults.configure({ failureRate: 1 });
      const hurried = f.newApp({ requestBudgetMs: 500 });

      const res = await f.request('GET', PATH, { key: f.keys.complianceRead.key, app: hurried });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toMatchObject({ error: { code: 'service_unavailable' } });
      // Retried, not given up at the first failure.
      expect(f.iam.calls.snapshot().byAction.ListUsers).toBeGreaterThan(1);
    });

    it('recovers from occasional ServiceFailures with the right answer', async () => {
      const spec = generateAccount({ users: 1200, withoutMfaRatio: 0.05 });
      f.seed(spec);
      f.iam.settings.credentialReportBuildMs = 100;
      f.iam.faults.configure({
        scripted: [
          { action: 'ListUsers', fault: 'error', code: 'ServiceFailure', status: 500, count: 2 },
          { action: 'GetGroup', fault: 'drop-before' },
          { action: 'GetCredentialReport', fault: 'error', code: 'Throttling', status: 400 },
        ],
      });
      const report = await fetchReport();
      expect(report.users.map((u) => u.userName)).toEqual(sortedNames(withoutMfa(spec)));
    });
  });
});
