// What the scheduled run remembers about itself, in IAM (the only store): tags on its own role,
// keys under `mfa-onboarding:reminders:`, the only ones its policy lets it write, on that role
// alone (infra/role-policies.ts).
//
// - A **lease** while a run works: `…reminders:run:<run id>` = the run's start (epoch s). The
//   function has reservedConcurrency 1, so Lambda never starts two; the lease covers what Lambda
//   does not see (`npm run reminders` by an operator with the role's rights, a run retried while
//   the first is still finishing). IAM has no compare-and-swap, so the lease is additive, as the
//   attempt keys are (docs/invitation-state.md, promise 3): each run writes its own key, then
//   reads, and goes on only if no other live key is there. Of two runs whose keys both land
//   before either reads, both stop (nothing sent; the next run does the work); a run whose key
//   lands after another's read sees that other key and stops. So at most one run works at a time.
//   A key older than LEASE_MS (longer than any run: the function times out at 300 s) is a run that
//   died; it is ignored and removed.
// - The **digest day**: `…reminders:digest` = the UTC day (`YYYY-MM-DD`) a digest was last
//   posted. Written after the post succeeded, read under the lease: a second run the same day
//   posts none. (If that write fails after the post, a later run that day posts again: a second
//   digest, never a missing one.)

import { randomBytes } from 'node:crypto';
import type { IamRoleTags } from '../aws/iam-role-tags.ts';
import { SERVICE_TAG_PREFIX } from '../config.ts';

export const REMINDERS_TAG_PREFIX = `${SERVICE_TAG_PREFIX}reminders:`;
export const LEASE_TAG_PREFIX = `${REMINDERS_TAG_PREFIX}run:`;
export const DIGEST_TAG_KEY = `${REMINDERS_TAG_PREFIX}digest`;
/** A lease older than this is a run that died: well past the function's 300 s timeout. */
export const LEASE_MS = 15 * 60_000;
/** Time past the run's deadline for removing its own key after a failure (inside the timeout). */
const CLEAN_UP_GRACE_MS = 10_000;

/** A run's hold on its role's tags. */
export interface Lease {
  runId: string;
  /** The role's tags as read right after the lease was written. */
  tags: Record<string, string>;
}

export interface Ledger {
  /** Takes the lease, or undefined when another run holds one (its own key is then removed). */
  acquire(now: Date): Promise<Lease | undefined>;
  /** Removes the run's key and any dead run's key it read. Best effort. */
  release(lease: Lease, now: Date): Promise<void>;
  /** The UTC day a digest was last posted, as the lease's read saw it. */
  digestDay(lease: Lease): string | undefined;
  markDigest(day: string): Promise<void>;
}

/** The ledger on the role named `roleName`, through these role-tag calls. */
export function roleLedger(roleTags: IamRoleTags, roleName: string): Ledger {
  return {
    async acquire(now) {
      const runId = randomBytes(6).toString('hex');
      const key = `${LEASE_TAG_PREFIX}${runId}`;
      // Ours must never hold up the next run, past the run's deadline if need be.
      const dropKey = () =>
        roleTags
          .withGrace(CLEAN_UP_GRACE_MS)
          .untag(roleName, [key])
          .catch(() => undefined);
      let tags: Record<string, string>;
      try {
        await roleTags.tag(roleName, { [key]: String(Math.floor(now.getTime() / 1000)) });
        // No run goes on without reading the others' keys.
        tags = await roleTags.list(roleName);
      } catch (error) {
        // The write may have landed with its answer lost, or the read failed.
        await dropKey();
        throw error;
      }
      const others = liveLeases(tags, now).filter((k) => k !== key);
      if (others.length === 0) return { runId, tags };
      await dropKey();
      return undefined;
    },
    async release(lease, now) {
      const dead = Object.keys(lease.tags).filter(
        (k) => k.startsWith(LEASE_TAG_PREFIX) && !liveLeases(lease.tags, now).includes(k),
      );
      await roleTags
        .withGrace(CLEAN_UP_GRACE_MS)
        .untag(roleName, [`${LEASE_TAG_PREFIX}${lease.runId}`, ...dead])
        .catch(() => undefined);
    },
    digestDay: (lease) => lease.tags[DIGEST_TAG_KEY],
    markDigest: (day) => roleTags.tag(roleName, { [DIGEST_TAG_KEY]: day }),
  };
}

/**
 * Lease keys younger than LEASE_MS. Only this role writes them; a value that is not a time is
 * no run's, and is removed like a dead run's rather than blocking every run after it.
 */
function liveLeases(tags: Record<string, string>, now: Date): string[] {
  return Object.entries(tags)
    .filter(([k, v]) => {
      if (!k.startsWith(LEASE_TAG_PREFIX) || !/^\d{1,12}$/.test(v)) return false;
      return now.getTime() - Number(v) * 1000 < LEASE_MS;
    })
    .map(([k]) => k);
}

/** The UTC day of a moment, as the digest tag holds it. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
