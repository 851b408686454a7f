// Deterministic, realistic large accounts for tests and benchmarks ("5,000 users, 10% without
// MFA"), as SeedSpecs for applySeed.

import { FORCE_MFA_POLICY_NAME, forceMfaPolicyDocument } from '../../infra/force-mfa-policy.ts';
import type { SeedMfaDevice, SeedSpec, SeedUser } from './seed.ts';
import type { MfaKind } from './state.ts';

export interface GenerateAccountOptions {
  users: number;
  /** Fraction (0–1) of users with no MFA device at all: exactly round(users × ratio) of them. */
  withoutMfaRatio: number;
  /** The group (almost) every user is in; default `force-mfa`. */
  groupName?: string;
  /** Path of the users; default `/`. */
  path?: string;
  /** Fraction of users with a console password; default 0.6. 90% of those have signed in. */
  consoleRatio?: number;
  /** Fraction of users with MFA whose device is hardware or FIDO instead of virtual; default 0.05. */
  nonVirtualRatio?: number;
  /** Fraction of users left out of the group (service accounts); default 0. */
  outsideGroupRatio?: number;
  /** Fraction of users with one access key; default 0.3. */
  accessKeyRatio?: number;
  /** PRNG seed; the same options always give the same spec. Default 1. */
  seed?: number;
  /** ISO date the generated history ends at (create dates, sign-ins); default 2026-01-01. */
  asOf?: string;
}

/** mulberry32: a small, fast, seeded PRNG with good enough spread for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exactly round(n × ratio) distinct indices out of 0..n-1, chosen by the PRNG. */
function pick(n: number, ratio: number, random: () => number): Set<number> {
  const count = Math.min(n, Math.max(0, Math.round(n * ratio)));
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return new Set(indices.slice(0, count));
}

const TEAMS = ['platform', 'payments', 'data', 'mobile', 'web', 'security', 'support'];
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A deterministic large account: users `user-00001`…, one group with a deny-without-MFA policy,
 * most users with a virtual device named after them, exactly round(users × withoutMfaRatio)
 * with no device, some with a hardware or FIDO device instead, some with console passwords.
 */
export function generateAccount(options: GenerateAccountOptions): SeedSpec {
  const n = options.users;
  if (!Number.isInteger(n) || n < 0)
    throw new Error('generateAccount: users must be a whole number');
  const random = seededRandom(options.seed ?? 1);
  const groupName = options.groupName ?? 'force-mfa';
  const path = options.path ?? '/';
  const asOf = new Date(options.asOf ?? '2026-01-01T00:00:00Z').getTime();
  const width = Math.max(5, String(n).length);

  const withoutMfa = pick(n, options.withoutMfaRatio, random);
  const console_ = pick(n, options.consoleRatio ?? 0.6, random);
  const outside = pick(n, options.outsideGroupRatio ?? 0, random);
  const withKey = pick(n, options.accessKeyRatio ?? 0.3, random);
  const nonVirtualRatio = options.nonVirtualRatio ?? 0.05;

  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
  const users: SeedUser[] = [];
  for (let i = 0; i < n; i++) {
    const name = `user-${String(i + 1).padStart(width, '0')}`;
    // Created within the three years before asOf; devices enabled within 30 days of creation.
    const created = asOf - Math.floor(random() * 3 * 365 * DAY_MS) - DAY_MS;
    const user: SeedUser = {
      name,
      path,
      createDate: iso(created),
      tags: [{ key: 'team', value: TEAMS[Math.floor(random() * TEAMS.length)] as string }],
      groups: outside.has(i) ? [] : [groupName],
    };
    if (!withoutMfa.has(i)) {
      const enableDate = iso(Math.min(asOf, created + Math.floor(random() * 30 * DAY_MS)));
      const kind: MfaKind =
        random() < nonVirtualRatio ? (random() < 0.5 ? 'hardware' : 'fido') : 'virtual';
      const device: SeedMfaDevice = { kind, enableDate };
      if (kind === 'hardware') device.name = `GAHT${String(i + 1).padStart(8, '0')}`;
      if (kind === 'fido')
        device.name = `${name}-fido-${Math.floor(random() * 0xffffff).toString(16)}`;
      user.mfa = [device];
    }
    if (console_.has(i)) {
      const lastChanged = created + Math.floor(random() * 7 * DAY_MS);
      const used = random() < 0.9;
      user.password = {
        lastChanged: iso(Math.min(asOf, lastChanged)),
        lastUsed: used
          ? iso(Math.min(asOf, lastChanged + Math.floor(random() * (asOf - lastChanged))))
          : undefined,
      };
    }
    if (withKey.has(i)) user.accessKeyIds = [`AKIA${String(i + 1).padStart(16, '0')}`];
    users.push(user);
  }

  return {
    groups: [
      {
        name: groupName,
        policies: [{ name: FORCE_MFA_POLICY_NAME, document: forceMfaPolicyDocument('aws') }],
      },
    ],
    users,
  };
}
