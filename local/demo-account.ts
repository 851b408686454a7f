// The demo account: what `npm start` and `npm run emulator -- --seed-demo` start with, and the
// account the integration tests enrol people in. Three employees still to enrol (npm start
// invites the first), and around them an account worth a compliance report: users who set up
// MFA on their own (a security key, a hardware token), console users without MFA (one on another
// path, with a password unused for weeks) and a service user with only an access key. The access
// keys let an SDK or CLI pointed at the emulator act as those users.
//
// The enrollment tests rely on two things here: the force-MFA group starts empty (a finished
// enrollment leaves exactly its user in it) and the account holds no virtual MFA device (every
// one a test finds was made by the flow under test).

import { FORCE_MFA_POLICY_NAME, forceMfaPolicyDocument } from '../infra/force-mfa-policy.ts';
import type { SeedSpec } from './emulator/seed.ts';

export const DEMO_ACCOUNT_ALIAS = 'example-corp';

/** The employees still to enrol: a console password each, no MFA. */
export const DEMO_USERS = ['tanaka.hanako', 'sato.taro', 'new-hire'];

/** Access key ids that sign as a demo user (the emulator accepts any secret). */
export const DEMO_ACCESS_KEYS = {
  alice: 'AKIADEMOALICE0000001',
  bob: 'AKIADEMOBOB000000001',
  carol: 'AKIADEMOCAROL0000001',
  'ci-deployer': 'AKIADEMOCIDEPLOYER01',
} as const;

const DAY_MS = 86_400_000;

/** The demo account, its force-MFA group named `groupName`; password ages are relative to `now`. */
export function demoSeed(groupName = 'force-mfa', now = new Date()): SeedSpec {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  return {
    accountAlias: DEMO_ACCOUNT_ALIAS,
    groups: [
      {
        name: groupName,
        policies: [{ name: FORCE_MFA_POLICY_NAME, document: forceMfaPolicyDocument() }],
      },
    ],
    users: [
      ...DEMO_USERS.map((name) => ({ name, password: true })),
      {
        name: 'alice',
        password: { lastUsed: daysAgo(2) },
        mfa: ['fido'],
        accessKeyIds: [DEMO_ACCESS_KEYS.alice],
      },
      { name: 'bob', password: true, accessKeyIds: [DEMO_ACCESS_KEYS.bob] },
      {
        name: 'carol',
        path: '/engineering/',
        password: { lastUsed: daysAgo(40) },
        accessKeyIds: [DEMO_ACCESS_KEYS.carol],
      },
      { name: 'dave', mfa: ['hardware'] },
      { name: 'ci-deployer', path: '/service/', accessKeyIds: [DEMO_ACCESS_KEYS['ci-deployer']] },
    ],
  };
}
