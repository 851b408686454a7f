// Puts onboarding links and exemptions on the users of a seed spec (as the service's own tags,
// written exactly as issue, lock and exempt write them), and optionally spreads the users over
// several paths: the states the compliance report tells apart, for tests and the bench.

import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { exemptionTags } from '../../functions/exemptions/tag.ts';
import {
  encodeInvitationTag,
  newAttemptKey,
  newInvitation,
} from '../../functions/invitations/token.ts';
import { seededRandom } from '../../local/emulator/generate-account.ts';
import type { SeedSpec, SeedUser } from '../../local/emulator/seed.ts';

export interface AccountStates {
  /** The time the states are relative to (links expire, exemptions end, around it). */
  now: Date;
  /** The service's MAX_CODE_ATTEMPTS: a locked link carries this many attempt tags. */
  maxCodeAttempts: number;
  invitations?: { pending?: number; expired?: number; locked?: number };
  /** Links go to users without MFA only (as HR sends them), or to anyone (default). */
  invitationsAmong?: 'withoutMfa' | 'anyone';
  exemptions?: { current?: number; withEnd?: number; ended?: number };
  /** Each user gets one of these paths, round-robin (default: leave paths alone). */
  paths?: string[];
  seed?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A copy of the spec with the states on distinct, deterministically chosen users. */
export function withAccountStates(spec: SeedSpec, states: AccountStates): SeedSpec {
  const random = seededRandom(states.seed ?? 7);
  const users: SeedUser[] = (spec.users ?? []).map((u, i) => ({
    ...u,
    tags: [...(u.tags ?? [])],
    path: states.paths ? states.paths[i % states.paths.length] : u.path,
  }));
  const shuffled = (pool: SeedUser[]) => {
    const out = [...pool];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j] as SeedUser, out[i] as SeedUser];
    }
    return out;
  };
  const at = (days: number) => new Date(states.now.getTime() + days * DAY_MS);
  const addTags = (user: SeedUser, tags: Record<string, string>) => {
    for (const [key, value] of Object.entries(tags)) user.tags?.push({ key, value });
  };

  const invitations = states.invitations ?? {};
  const invitable = shuffled(
    states.invitationsAmong === 'withoutMfa' ? users.filter((u) => !u.mfa?.length) : users,
  );
  const invite = (user: SeedUser, expiresAt: Date, locked: boolean) => {
    const { record } = newInvitation(
      user.name,
      new Date(Math.floor(expiresAt.getTime() / 1000) * 1000),
    );
    addTags(user, { [INVITATION_TAG_KEY]: encodeInvitationTag(record) });
    if (locked) {
      for (let i = 0; i < states.maxCodeAttempts; i++)
        addTags(user, {
          [newAttemptKey(record.id)]: String(Math.floor(states.now.getTime() / 1000)),
        });
    }
  };
  let next = 0;
  const take = (pool: SeedUser[], n = 0) => {
    const chosen = pool.slice(next, next + n);
    if (chosen.length < n) throw new Error('withAccountStates: not enough users for the states');
    next += n;
    return chosen;
  };
  for (const user of take(invitable, invitations.pending)) invite(user, at(2), false);
  for (const user of take(invitable, invitations.expired)) invite(user, at(-1), false);
  for (const user of take(invitable, invitations.locked)) invite(user, at(2), true);

  // Exemptions are drawn independently, so some exempt users also hold a link.
  next = 0;
  const exemptable = shuffled(users);
  const exemptions = states.exemptions ?? {};
  for (const user of take(exemptable, exemptions.current))
    addTags(user, exemptionTags({ reason: `サービスアカウント (${user.name})`, until: null }));
  for (const user of take(exemptable, exemptions.withEnd))
    addTags(user, exemptionTags({ reason: 'on leave, back next month', until: at(30) }));
  for (const user of take(exemptable, exemptions.ended))
    addTags(user, exemptionTags({ reason: 'grace period', until: at(-3) }));

  return { ...spec, users };
}
