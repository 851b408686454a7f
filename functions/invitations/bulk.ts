// Bulk issue (POST /v1/invitations/bulk): links for up to 200 users in one request, each decided
// and written exactly as the single route does (issue.ts: planInvitation and its three steps), in
// about one IAM call per user. Reading each user live would cost three (GetUser, ListMFADevices,
// ListGroupsForUser), so the snapshot of every user comes from account-wide listings read once,
// in parallel: GetAccountAuthorizationDetails (path, tags, groups), ListVirtualMFADevices
// (Assigned: who has which virtual device) and the credential report (devices of other kinds).
// Then, paced (aws/pacer.ts), a few users at a time:
//   1. each user's identity (TagUser): from here its old link fails verification;
//   2. once every identity is written, one ListVirtualMFADevices (Unassigned), and the old link's
//      device deleted for each user that has one: a listing made before the writes could miss a
//      device an old link created in the meantime, and that device is what promise 1 needs gone;
//   3. stale keys removed (UntagUser), for users that have any.
// Answers come at the end, so each user's answer follows all three of its steps, as in the
// single route. Why a snapshot read before the writes keeps every promise:
// docs/invitation-state.md, "Bulk issue".

import type { IamGateway } from '../aws/iam-gateway.ts';
import type { AuthorizedUser, CredentialReport, IamInventory } from '../aws/iam-inventory.ts';
import type { Clock } from '../clock.ts';
import {
  type CredentialReportRow,
  freshCredentialReport,
  parseCredentialReport,
  reportWaitWithin,
  rowAbout,
} from '../compliance/credential-report.ts';
import { mapLimited } from '../compliance/map-limited.ts';
import type { Config } from '../config.ts';
import { isInGroup, ownSerialNumber } from '../enrollment/own-device.ts';
import {
  aboutUser,
  productError,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UserNotFoundError,
  withProductErrors,
} from '../errors.ts';
import type { UserOutcome } from '../http/batch.ts';
import { isUnderUserPath } from './invitations.ts';
import {
  checkTtlHours,
  deleteOldDevice,
  type IssuedInvitation,
  type IssueOptions,
  type IssuePlan,
  type IssueSnapshot,
  issuedFrom,
  liveSnapshot,
  planInvitation,
  removeStaleKeys,
  staleKeysOf,
  writeIdentity,
} from './issue.ts';

export interface BulkDeps {
  gateway: IamGateway;
  inventory: IamInventory;
  config: Config;
  clock: Clock;
  /** Epoch ms by which all IAM work must be done. */
  deadline: number;
  /** How long to wait for a credential report being generated (default 3 s, at most 15% of the time). */
  reportWaitMs?: number;
}

/** Users worked on at once (the pacer spaces their calls). */
const CONCURRENCY = 4;
/** Time kept after the last identity write starts, for steps 2 and 3. */
const LATER_STEPS_MS = 4_000;
const REPORT_WAIT_MS = 3_000;
/** ...and at most this share of the request's time. */
const REPORT_WAIT_SHARE = 0.15;

/** The listings, by lower-case user name (IAM names are unique ignoring case). */
interface Account {
  users: Map<string, AuthorizedUser>;
  virtualSerials: Map<string, string[]>;
  report?: { at: CredentialReport; rows: Map<string, CredentialReportRow> };
}

type Step<T> = { userName: string; value: T } | { userName: string; error: unknown };

/** Each requested user's outcome, in request order. */
export function issueInvitations(
  deps: BulkDeps,
  userNames: readonly string[],
  ttlHours = deps.config.invitationTtlHours,
  options: IssueOptions = {},
): Promise<UserOutcome<IssuedInvitation>[]> {
  checkTtlHours(ttlHours);
  return withProductErrors(async () => {
    const { gateway, config } = deps;
    const account = await readAccount(deps);
    // Steps 2 and 3 keep a fifth of what is left (at most LATER_STEPS_MS) for themselves.
    const lastWrite = deps.deadline - Math.min(LATER_STEPS_MS, (deps.deadline - Date.now()) / 5);

    // 1. Decide from the snapshot, and write the identity; a user IAM keeps refusing gives up
    // by lastWrite, not holding the others' later steps back.
    const first = { ...deps, gateway: gateway.until(lastWrite) };
    const requested = userNames.map((userName) => ({ userName, value: userName }));
    let steps: Step<IssuePlan>[] = await each(requested, async (userName) => {
      if (Date.now() >= lastWrite) throw new ServiceUnavailableError(RETRY_AFTER_SECONDS);
      const plan = planInvitation(
        config,
        await snapshotOf(first, account, userName),
        ttlHours,
        deps.clock(),
      );
      options.beforeWrite?.(plan.user, issuedFrom(deps.config, plan));
      await aboutUser(plan.user.userName, () => writeIdentity(first.gateway, plan));
      return plan;
    });

    // 2. The old links' devices, from a listing made after every identity write.
    const replacing = steps.filter((s) => 'value' in s && !s.value.finishOnly).length;
    let unassigned: Set<string> | Error = new Set();
    if (replacing > 0) {
      unassigned = await deps.inventory
        .unassignedVirtualMfaSerials()
        .then((serials) => new Set(serials))
        .catch((error: unknown) => productError(error) as Error);
    }
    steps = await each(steps, async (plan) => {
      if (plan.finishOnly) return plan;
      if (unassigned instanceof Error) throw unassigned;
      if (unassigned.has(ownSerialNumber(config, plan.user)))
        await deleteOldDevice(gateway, config, plan);
      return plan;
    });

    // 3. Stale keys, for the users that have any.
    steps = await each(steps, async (plan) => {
      if (staleKeysOf(plan).length > 0)
        await aboutUser(plan.user.userName, () => removeStaleKeys(gateway, plan));
      return plan;
    });

    return steps.map((s) =>
      'value' in s ? { userName: s.userName, value: issuedFrom(config, s.value) } : s,
    );
  });
}

/**
 * Runs a step for every user still going, a few at a time; a user whose earlier step failed keeps
 * that failure as its outcome.
 */
function each<T, R>(items: Step<T>[], step: (value: T) => Promise<R>): Promise<Step<R>[]> {
  return mapLimited(items, CONCURRENCY, async (item): Promise<Step<R>> => {
    if ('error' in item) return item;
    try {
      return { userName: item.userName, value: await step(item.value) };
    } catch (error) {
      return { userName: item.userName, error: productError(error) };
    }
  });
}

async function readAccount(deps: BulkDeps): Promise<Account> {
  const { inventory, clock } = deps;
  const [users, assigned, report] = await Promise.all([
    inventory.usersWithTagsAndGroups(),
    inventory.assignedVirtualMfaDevices(),
    freshCredentialReport({
      inventory,
      now: clock,
      // Without a report, each user without a virtual device costs a ListMFADevices: worth
      // waiting a little for one, not the time the writes need.
      reportWaitMs: Math.min(
        reportWaitWithin(deps.deadline, deps.reportWaitMs ?? REPORT_WAIT_MS),
        (deps.deadline - Date.now()) * REPORT_WAIT_SHARE,
      ),
    }),
  ]);
  const virtualSerials = new Map<string, string[]>();
  for (const device of assigned) {
    const key = device.userName.toLowerCase();
    virtualSerials.set(key, [...(virtualSerials.get(key) ?? []), device.serialNumber]);
  }
  return {
    users: new Map(users.map((u) => [u.userName.toLowerCase(), u])),
    virtualSerials,
    report: report && { at: report, rows: parseCredentialReport(report.csv) },
  };
}

/**
 * What planInvitation needs about one user, from the listings. A user they do not show (created
 * since) is read live, as the single route reads it; so is the MFA of one without a virtual
 * device whom the credential report cannot clear (no report at hand, the user is newer than it,
 * or it shows a device of another kind, which may be gone since): one ListMFADevices.
 */
async function snapshotOf(
  deps: BulkDeps,
  account: Account,
  userName: string,
): Promise<IssueSnapshot> {
  const { gateway, config } = deps;
  const key = userName.toLowerCase();
  const listed = account.users.get(key);
  if (!listed) return liveSnapshot(deps, userName);
  if (!isUnderUserPath(config, listed)) throw new UserNotFoundError(userName);
  const { groups, ...user } = listed;
  const serials = account.virtualSerials.get(key) ?? [];
  let mfaEnabled = serials.length > 0;
  if (!mfaEnabled) {
    const report = account.report;
    const row = report && rowAbout(report.rows, report.at, listed);
    if (!row || row.mfaActive) {
      const devices = await aboutUser(user.userName, () => gateway.listMfaDevices(user.userName));
      mfaEnabled = devices.length > 0;
    }
  }
  const needsGroupStep =
    serials.includes(ownSerialNumber(config, user)) && !isInGroup(groups, config.forceMfaGroup);
  return { user, mfa: { mfaEnabled, needsGroupStep } };
}
