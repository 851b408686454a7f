// The demo account: what `npm start` and `npm run emulator -- --seed-demo` start with, and the
// account the integration tests enrol people in. Three employees still to enrol (npm start
// invites the first), and around them a company of some fifty users worth an admin console:
// engineers, sales and support staff under /staff/, contractors, a break-glass admin and machine
// users under /service/; some with a security key or a hardware token (one has both), console
// users without MFA who signed in this week, months ago or never, people who use only the CLI,
// and machine users with access keys and no password. Their accounts were created over the past
// year and their devices enabled over it too, so the compliance history has a trend to show.
// The access keys let an SDK or CLI pointed at the emulator act as those users.
//
// Everything here is fixed: the same names, paths, groups, tags, serial numbers and dates
// (relative to `now`) on every run. Only what IAM itself makes up (user ids, TOTP secrets)
// differs.
//
// The enrollment tests rely on three things here: the force-MFA group starts empty (a finished
// enrollment leaves exactly its user in it), the account holds no virtual MFA device, assigned or
// not (every one a test finds was made by the flow under test), and the employees to enrol are in
// no group. So those who already have MFA use security keys and hardware tokens, and all of them
// sit outside the force-MFA group: the console's "MFA outside the force-MFA group" list.

import { FORCE_MFA_POLICY_NAME, forceMfaPolicyDocument } from '../infra/force-mfa-policy.ts';
import type { SeedGroup, SeedMfaDevice, SeedRole, SeedSpec, SeedUser } from './emulator/seed.ts';
import { DEFAULT_ACCOUNT_ID } from './emulator/state.ts';

export const DEMO_ACCOUNT_ALIAS = 'example-corp';

/** The employees still to enrol: a console password each, no MFA, no group. */
export const DEMO_USERS = ['tanaka.hanako', 'sato.taro', 'new-hire'];

/**
 * With `emails` (as `npm start` seeds it), the employees get an `email` tag, where their
 * onboarding mail goes, except this one: the service has no address for them. Off by default
 * because the tag-budget tests count on the employees having no tags at all.
 */
export const DEMO_USER_WITHOUT_EMAIL = 'new-hire';

/** Access key ids that sign as a demo user (the emulator accepts any secret). */
export const DEMO_ACCESS_KEYS = {
  alice: 'AKIADEMOALICE0000001',
  bob: 'AKIADEMOBOB000000001',
  carol: 'AKIADEMOCAROL0000001',
  'ci-deployer': 'AKIADEMOCIDEPLOYER01',
  'suzuki.kenji': 'AKIADEMOSUZUKI000001',
  'ito.mei': 'AKIADEMOITO000000001',
  'fujita.kazuki': 'AKIADEMOFUJITA000001',
  'okamoto.nanami': 'AKIADEMOOKAMOTO00001',
  'backup-agent': 'AKIADEMOBACKUPAGENT1',
  'log-shipper': 'AKIADEMOLOGSHIPPER01',
  terraform: 'AKIADEMOTERRAFORM001',
  monitoring: 'AKIADEMOMONITORING01',
  'github-actions': 'AKIADEMOGHACTIONS001',
  'data-export': 'AKIADEMODATAEXPORT01',
  'legacy-ftp-sync': 'AKIADEMOLEGACYFTP001',
} as const;

const DAY_MS = 86_400_000;
const SERVICE = '/service/';

type Device = readonly ['fido' | 'hardware', enabledDaysAgo: number];
/** A console password last used that many days ago, or never; none for CLI and machine users. */
type SignIn = number | 'never' | undefined;

/** One colleague; `created`, `signIn` and the devices' enable dates in days before `now`. */
interface Colleague {
  name: string;
  path: string;
  created: number;
  signIn: SignIn;
  mfa: Device[];
  groups: string[];
  tags: Record<string, string>;
}

const fido = (enabled: number): Device => ['fido', enabled];
const token = (enabled: number): Device => ['hardware', enabled];

const engineer = (
  name: string,
  created: number,
  signIn: SignIn,
  team: string,
  mfa: Device[] = [],
  groups: string[] = [],
): Colleague => ({
  name,
  path: '/staff/eng/',
  created,
  signIn,
  mfa,
  groups: ['developers', ...groups],
  tags: { department: 'Engineering', team },
});

const staff =
  (department: 'Sales' | 'Support', group: string) =>
  (name: string, created: number, signIn: SignIn, mfa: Device[] = []): Colleague => ({
    name,
    path: `/staff/${group}/`,
    created,
    signIn,
    mfa,
    groups: [group],
    tags: { department },
  });
const salesperson = staff('Sales', 'sales');
const supporter = staff('Support', 'support');

const contractor = (
  name: string,
  created: number,
  signIn: SignIn,
  company: string,
  mfa: Device[] = [],
  groups = ['contractors'],
): Colleague => ({ name, path: '/contractors/', created, signIn, mfa, groups, tags: { company } });

/** Access keys only: no password, no MFA (the console's exemption candidates). */
const machine = (
  name: string,
  created: number,
  owner?: string,
  groups: string[] = [],
): Colleague => ({
  name,
  path: SERVICE,
  created,
  signIn: undefined,
  mfa: [],
  groups,
  tags: owner === undefined ? {} : { owner },
});

const COLLEAGUES: Colleague[] = [
  // Engineering: most enrolled, a few stragglers, two new hires in their grace period, and two
  // who work from the CLI only (MFA for their sessions, no console password).
  engineer('suzuki.kenji', 352, 1, 'platform', [fido(350)], ['admins']),
  engineer('takahashi.yui', 330, 3, 'payments', [token(320)]),
  engineer('watanabe.sho', 301, 0, 'platform', [fido(300), token(120)], ['admins']),
  engineer('ito.mei', 287, 12, 'mobile'),
  engineer('yamamoto.ren', 260, 2, 'data', [fido(200)]),
  engineer('nakamura.aoi', 222, 5, 'web', [token(150)]),
  engineer('fujita.kazuki', 200, undefined, 'platform', [token(190)]),
  engineer('kobayashi.daiki', 190, 45, 'data'),
  engineer('kato.sakura', 160, 7, 'security', [fido(90)]),
  engineer('okamoto.nanami', 100, undefined, 'data', [token(90)]),
  engineer('yoshida.haruto', 95, 1, 'web', [fido(60)]),
  engineer('matsumoto.rin', 40, 6, 'mobile'),
  engineer('inoue.yuto', 12, 'never', 'payments'),
  engineer('kimura.hina', 3, 'never', 'web'),
  // Sales: fewer enrolled; one who has not signed in for months, two who never have.
  salesperson('hayashi.mio', 340, 2, [token(300)]),
  salesperson('shimizu.kaito', 310, 9),
  salesperson('yamaguchi.emma', 275, 1, [fido(180)]),
  salesperson('mori.sota', 240, 130),
  salesperson('ikeda.koharu', 200, 4),
  salesperson('sakamoto.yuki', 180, 'never'),
  salesperson('hashimoto.riku', 150, 20, [fido(30)]),
  salesperson('abe.tsumugi', 70, 2),
  salesperson('ishikawa.minato', 25, 'never'),
  // Support.
  supporter('yamashita.akari', 320, 1, [token(280)]),
  supporter('ogawa.itsuki', 180, 15),
  supporter('okada.yuna', 120, 3, [fido(100)]),
  supporter('goto.hinata', 55, 30),
  // At the root path: finance, and the break-glass admin, rarely used, with two devices.
  {
    name: 'kondo.misaki',
    path: '/',
    created: 345,
    signIn: 14,
    mfa: [],
    groups: ['billing'],
    tags: { department: 'Finance' },
  },
  {
    name: 'maeda.hayato',
    path: '/',
    created: 300,
    signIn: 60,
    mfa: [token(290)],
    groups: ['billing'],
    tags: { department: 'Finance' },
  },
  {
    name: 'break-glass',
    path: '/',
    created: 365,
    signIn: 210,
    mfa: [token(360), fido(360)],
    groups: ['admins'],
    tags: { purpose: 'emergency access', owner: 'security' },
  },
  // Contractors: some enrolled, some stale, one whose contract ended months ago.
  contractor('lee.minjun', 210, 3, 'Acme Consulting', [fido(205)]),
  contractor('chen.wei', 180, 11, 'Acme Consulting'),
  contractor('garcia.lucia', 140, 95, 'Blue Harbor Design'),
  contractor('smith.john', 60, 'never', 'Blue Harbor Design'),
  contractor('nguyen.an', 30, 1, 'Acme Consulting', [token(28)]),
  contractor('muller.lena', 330, 250, 'Nordlicht GmbH', [], []),
  // Machine users.
  machine('backup-agent', 360, 'platform'),
  machine('log-shipper', 300, 'platform'),
  machine('terraform', 280, 'platform', ['deployers']),
  machine('monitoring', 250, 'security'),
  machine('github-actions', 120, 'web', ['deployers']),
  machine('data-export', 80, 'data'),
  machine('legacy-ftp-sync', 365),
];

/** Inline policies of the demo's groups: stored, never enforced, shown by the admin console. */
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});

const GROUPS: SeedGroup[] = [
  {
    name: 'admins',
    policies: [{ name: 'AdministratorAccess', document: allow('*') }],
  },
  {
    name: 'developers',
    path: '/staff/',
    policies: [
      {
        name: 'DeveloperAccess',
        document: allow(['ec2:Describe*', 'logs:*', 'lambda:*', 's3:Get*', 's3:List*']),
      },
    ],
  },
  {
    name: 'sales',
    path: '/staff/',
    policies: [
      {
        name: 'SalesReports',
        document: allow('s3:GetObject', 'arn:aws:s3:::example-corp-sales-reports/*'),
      },
    ],
  },
  {
    name: 'support',
    path: '/staff/',
    policies: [{ name: 'SupportCenter', document: allow('support:*') }],
  },
  {
    name: 'billing',
    policies: [{ name: 'BillingReadOnly', document: allow(['aws-portal:View*', 'ce:Get*']) }],
  },
  {
    name: 'contractors',
    policies: [
      {
        name: 'ProjectBucket',
        document: allow('s3:*', [
          'arn:aws:s3:::example-corp-projects',
          'arn:aws:s3:::example-corp-projects/*',
        ]),
      },
    ],
  },
  {
    name: 'deployers',
    path: '/service/',
    policies: [
      { name: 'Deploy', document: allow(['cloudformation:*', 'lambda:*', 'iam:PassRole']) },
    ],
  },
];

/**
 * Roles an employee may switch into with MFA (SWITCH_ROLES of `npm start`): one in the demo
 * account whose trust policy requires MFA, and one in another account (the emulator assumes
 * roles of other accounts without a trust check).
 */
export const DEMO_SWITCH_ROLES = [
  {
    roleArn: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:role/teams/Developer`,
    label: 'Developer',
    profile: 'dev',
  },
  {
    roleArn: 'arn:aws:iam::210987654321:role/ReadOnly',
    label: 'Production (read-only)',
    profile: 'prod-readonly',
  },
];

/** The reminders function's own role, whose tags keep its lease and digest day. */
export const DEMO_REMINDERS_ROLE = 'mfa-onboarding-reminders';

/** The reminders function's role as a seed: Lambda may assume it, as the stack's may. */
export function remindersRoleSeed(name = DEMO_REMINDERS_ROLE): SeedRole {
  return {
    name,
    path: '/mfa-onboarding/',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    description: 'The reminders function (its lease and digest day are tags on it)',
  };
}

/**
 * A trust policy for the account's users who signed in with MFA or sent a code with AssumeRole:
 * the demo's Developer role, and the roles the tests make in each partition.
 */
export function mfaTrustPolicy(partition = 'aws', accountId = DEFAULT_ACCOUNT_ID) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ],
  };
}

/** The demo account, its force-MFA group named `groupName`; dates are relative to `now`. */
export function demoSeed(
  groupName = 'force-mfa',
  now = new Date(),
  options: { emails?: boolean } = {},
): SeedSpec {
  const emailTag = (name: string) =>
    options.emails && name !== DEMO_USER_WITHOUT_EMAIL
      ? [{ key: 'email', value: `${name}@example.com` }]
      : [];
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const keyOf = (name: string): string[] => {
    const id = (DEMO_ACCESS_KEYS as Record<string, string>)[name];
    return id === undefined ? [] : [id];
  };
  // Serial numbers in table order: the same on every run.
  let hardwareTokens = 0;
  const device = ([kind, enabled]: Device): SeedMfaDevice => {
    const enableDate = daysAgo(enabled);
    if (kind === 'fido') return { kind, name: 'security-key', enableDate };
    hardwareTokens += 1;
    return { kind, name: `GAHT${String(40_000_000 + hardwareTokens)}`, enableDate };
  };
  const colleague = (c: Colleague): SeedUser => ({
    name: c.name,
    path: c.path,
    createDate: daysAgo(c.created),
    ...(c.signIn === undefined
      ? {}
      : { password: c.signIn === 'never' ? true : { lastUsed: daysAgo(c.signIn) } }),
    groups: c.groups,
    mfa: c.mfa.map(device),
    tags: Object.entries(c.tags).map(([key, value]) => ({ key, value })),
    accessKeyIds: keyOf(c.name),
  });

  return {
    accountAlias: DEMO_ACCOUNT_ALIAS,
    roles: [
      {
        name: 'Developer',
        path: '/teams/',
        trustPolicy: mfaTrustPolicy(),
        description: 'Day-to-day development; MFA required',
      },
      remindersRoleSeed(),
    ],
    groups: [
      {
        name: groupName,
        createDate: daysAgo(380),
        policies: [{ name: FORCE_MFA_POLICY_NAME, document: forceMfaPolicyDocument('aws') }],
      },
      ...GROUPS.map((g) => ({ ...g, createDate: daysAgo(370) })),
    ],
    users: [
      ...DEMO_USERS.map((name) => ({ name, password: true, tags: emailTag(name) })),
      {
        name: 'alice',
        createDate: daysAgo(330),
        password: { lastUsed: daysAgo(2) },
        mfa: [{ kind: 'fido', name: 'security-key', enableDate: daysAgo(300) }],
        accessKeyIds: keyOf('alice'),
      },
      {
        name: 'bob',
        createDate: daysAgo(200),
        password: true,
        accessKeyIds: keyOf('bob'),
      },
      {
        name: 'carol',
        path: '/engineering/',
        createDate: daysAgo(250),
        password: { lastUsed: daysAgo(40) },
        accessKeyIds: keyOf('carol'),
      },
      {
        name: 'dave',
        createDate: daysAgo(280),
        mfa: [{ kind: 'hardware', name: 'GAHT40000000', enableDate: daysAgo(250) }],
      },
      {
        name: 'ci-deployer',
        path: SERVICE,
        createDate: daysAgo(365),
        accessKeyIds: keyOf('ci-deployer'),
      },
      ...COLLEAGUES.map(colleague),
    ],
  };
}
