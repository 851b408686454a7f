// Links whose fate was unknown: a mail SES may have accepted (its answer lost) keeps its link
// valid, never a dead link in a mailbox; a link written (or maybe written) and then not mailed,
// because a later step failed, is taken back, never left pending for nobody; and a run's lease
// key whose write may have landed is removed, never holding up the next run
// (docs/invitation-state.md, "Delivery by email").

import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BulkInvitationResponse } from '../../functions/admin/schemas.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { createSesClient } from '../../functions/aws/ses.ts';
import { DEFAULT_SENDER_EMAIL, INVITATION_TAG_KEY, loadConfig } from '../../functions/config.ts';
import { invitationIn } from '../../functions/invitations/token.ts';
import { createLogger } from '../../functions/logger.ts';
import { LEASE_TAG_PREFIX } from '../../functions/reminders/ledger.ts';
import { createReminders } from '../../functions/reminders/run.ts';
import type { FaultConfig, ScriptedFault } from '../../local/emulator/faults.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';
import { BASE_ENV, staffUser, useReminders } from '../support/reminders.ts';

const FOREVER = 1_000_000;
const LINK = /https:\/\/onboarding\.example\.com\/onboard#[^\s"<]+/;
const THROTTLED = (action: string): ScriptedFault => ({
  action,
  fault: 'error',
  code: 'Throttling',
  status: 400,
  count: FOREVER,
});
/** The mail that consumed the last of the day's quota was accepted, its answer lost; the retry hits the quota. */
const ACCEPTED_THEN_QUOTA: ScriptedFault[] = [
  { action: 'SendEmail', fault: 'drop-after' },
  {
    action: 'SendEmail',
    fault: 'error',
    code: 'LimitExceededException',
    status: 400,
    message: 'Daily message quota exceeded.',
    count: FOREVER,
  },
];

describe('email delivery when an outcome is unknown', () => {
  const f = useAdmin({
    env: { USER_PATH_PREFIX: '/staff/' },
    retryDelays: { baseDelayMs: 1, throttleBaseDelayMs: 1 },
  });
  const key = () => f.keys.invitationsWrite.key;

  beforeEach(() => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: ['tanaka', 'sato'].map((name) => ({
        name,
        path: '/staff/',
        tags: [{ key: 'email', value: `${name}@example.com` }],
      })),
    });
    f.iam.ses.createIdentity(DEFAULT_SENDER_EMAIL, [], { verified: true });
  });

  const issue = (body: unknown, app = f.app) =>
    f.request('POST', '/v1/invitations', { key: key(), body, app });
  const faults = (config: FaultConfig) => f.emulator.control('PUT', '/faults', config);
  const mailedTokens = async (address: string) =>
    (
      (await f.emulator.control('GET', '/mail')) as {
        messages: { to: string[]; text: string }[];
      }
    ).messages
      .filter((m) => m.to.includes(address))
      .map((m) => tokenOf(LINK.exec(m.text)?.[0] ?? ''));
  const identityOf = async (userName: string) => {
    const { Tags } = await f.emulator.iam.send(new ListUserTagsCommand({ UserName: userName }));
    return (Tags ?? []).find((t) => t.Key === INVITATION_TAG_KEY)?.Value;
  };

  it('an accepted mail whose answer was lost is not followed by revoking the link it carries', async () => {
    await faults({ scripted: ACCEPTED_THEN_QUOTA });
    const res = await issue({ userName: 'tanaka', delivery: 'email' });
    await faults({});
    // SES may have sent it: 504 email_unconfirmed, and the mailed link works.
    const mailed = await mailedTokens('tanaka@example.com');
    expect(mailed).toHaveLength(1);
    const body = (await res.json()) as { error: { code: string } };
    expect({
      status: res.status,
      code: body.error.code,
      link: await f.onboardingStatus(mailed[0] as string),
    }).toEqual({ status: 504, code: 'email_unconfirmed', link: 200 });
  });

  it('every SendEmail accepted but its answer lost: the mails delivered do not all carry a dead link', async () => {
    await faults({ scripted: [{ action: 'SendEmail', fault: 'drop-after', count: FOREVER }] });
    const app = f.newApp({ requestBudgetMs: 1_000 });
    await issue({ userName: 'tanaka', delivery: 'email' }, app);
    await faults({});
    const mailed = await mailedTokens('tanaka@example.com');
    expect(mailed.length).toBeGreaterThan(0);
    const live = [];
    for (const t of mailed) if ((await f.onboardingStatus(t)) === 200) live.push(t);
    expect(live.length).toBeGreaterThan(0);
  });

  it('a delivery whose device step fails leaves no pending link nobody received', async () => {
    // An earlier link made a device; the delivery's step 2 (delete it) is throttled to the end.
    const first = await issue({ userName: 'tanaka' });
    const earlier = tokenOf(((await first.json()) as { url: string }).url);
    const device = await f.onboarding.request('/api/enrollment/device', {
      method: 'POST',
      headers: { authorization: `Bearer ${earlier}` },
    });
    expect(device.status).toBe(201);
    await faults({ scripted: [THROTTLED('DeleteVirtualMFADevice')] });
    const res = await issue(
      { userName: 'tanaka', delivery: 'email' },
      f.newApp({ requestBudgetMs: 1_000 }),
    );
    await faults({});
    expect(res.status).toBe(503);
    expect(await mailedTokens('tanaka@example.com')).toEqual([]);
    expect(await identityOf('tanaka')).toBeUndefined();
  });

  it('a delivery whose identity write landed but whose answer was lost, then throttled, leaves no pending link', async () => {
    await faults({
      scripted: [{ action: 'TagUser', fault: 'drop-after' }, THROTTLED('TagUser')],
    });
    const res = await issue(
      { userName: 'tanaka', delivery: 'email' },
      f.newApp({ requestBudgetMs: 1_000 }),
    );
    await faults({});
    expect(res.status).toBe(503);
    expect(await mailedTokens('tanaka@example.com')).toEqual([]);
    expect(await identityOf('tanaka')).toBeUndefined();
  });

  it('bulk: a user whose stale-key step fails is left with no pending link nobody received', async () => {
    // sato carries an attempt key of an earlier invitation: step 3 removes it, and IAM fails it
    // once for good (UntagUser refused for the whole request would leave the take-back no way
    // either: the documented revoke_failed case).
    await f.emulator.iam.send(
      new (await import('@aws-sdk/client-iam')).TagUserCommand({
        UserName: 'sato',
        Tags: [{ Key: 'mfa-onboarding:attempt:AAAAAAAAAAAA:n1', Value: '1700000000' }],
      }),
    );
    await faults({
      scripted: [{ action: 'UntagUser', fault: 'error', code: 'InvalidInput', status: 400 }],
    });
    const res = await f.request('POST', '/v1/invitations/bulk', {
      key: key(),
      body: { userNames: ['tanaka', 'sato'], delivery: 'email' },
      app: f.newApp({ requestBudgetMs: 3_000 }),
    });
    await faults({});
    const results = ((await res.json()) as BulkInvitationResponse).results;
    expect(results.map((r) => [r.userName, r.status])).toEqual([
      ['tanaka', 201],
      ['sato', 500],
    ]);
    expect(await mailedTokens('sato@example.com')).toEqual([]);
    expect(await identityOf('sato')).toBeUndefined();
  });
});

describe('the reminders run when an outcome is unknown', () => {
  const f = useReminders();
  const identityOf = async (userName: string) =>
    invitationIn({ [INVITATION_TAG_KEY]: (await f.userTags(userName))[INVITATION_TAG_KEY] ?? '' });
  const leaseKeys = async () =>
    Object.keys(await f.roleTags()).filter((k) => k.startsWith(LEASE_TAG_PREFIX));
  /** One run as the fixture's, with a run budget of its own (the writes stop 90 s before its end). */
  const runWithBudget = (budgetMs: number, env: Record<string, string> = {}) => {
    const credentials = { accessKeyId: 'AKIATESTREMINDERS01', secretAccessKey: 'test' };
    return createReminders({
      clients: createClients({ iamEndpoint: f.emulator.url, credentials }),
      ses: createSesClient({ endpoint: f.emulator.url, credentials }),
      config: loadConfig({ ...BASE_ENV, ...env }),
      logger: createLogger('reminders-test', () => undefined),
      budgetMs,
      delays: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 50 },
      pacing: { initialRate: 10_000, maxRate: 10_000 },
      sesRatePerSecond: 1_000,
      reportWaitMs: 5_000,
    })();
  };

  it('an auto-invite whose TagUser landed but whose answer was lost, then throttled, is taken back', async () => {
    f.seedUsers([staffUser('alice')]);
    f.iam.faults.configure({
      scripted: [{ action: 'TagUser', fault: 'drop-after' }, THROTTLED('TagUser')],
    });
    // 93 s: the identity writes have the first 3 s.
    const summary = await runWithBudget(93_000, { AUTO_INVITE: 'true' });
    f.iam.faults.configure({});
    expect(summary).toMatchObject({ invited: 0, failed: 1 });
    expect(await f.mail()).toEqual([]);
    expect(await identityOf('alice')).toBeUndefined();
    expect(await f.run({ AUTO_INVITE: 'true' })).toMatchObject({ invited: 1 });
  });

  it('an accepted mail whose answer was lost is not followed by revoking the link it carries', async () => {
    f.seedUsers([staffUser('alice')]);
    f.iam.faults.configure({ scripted: ACCEPTED_THEN_QUOTA });
    const summary = await f.run({ AUTO_INVITE: 'true' });
    f.iam.faults.configure({});
    const mails = await f.mail();
    expect(mails).toHaveLength(1);
    expect(await f.onboardingStatus(f.linkIn(mails[0] as (typeof mails)[number]).token)).toBe(200);
    expect(summary).toMatchObject({ invited: 1, failed: 0 });
  });

  it('a lease write that landed but never got an answer does not hold up the next run', async () => {
    f.seedUsers([staffUser('alice')]);
    f.iam.faults.configure({
      scripted: [{ action: 'TagRole', fault: 'drop-after' }, THROTTLED('TagRole')],
    });
    await expect(runWithBudget(1_500, { AUTO_INVITE: 'true' })).rejects.toThrow();
    f.iam.faults.configure({});
    expect(await leaseKeys()).toEqual([]);
    expect(await f.run({ AUTO_INVITE: 'true' })).toMatchObject({ ran: true, invited: 1 });
  });
});
