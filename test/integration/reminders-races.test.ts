// The scheduled reminders run attacked with concurrent admin and enrollment requests, two
// runs at once, and injected IAM, SES and webhook faults. Each test asserts on IAM's final state
// (identity tags, the run's role tags) and on the emulator's mailbox: at most one working link
// per user, a renewed chain never renewed again, a revoke or enrollment never undone, the lease
// never left behind, and the digest posted once a day and never carrying a link or an address.

import { describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { invitationIn } from '../../functions/invitations/token.ts';
import { DIGEST_TAG_KEY, LEASE_TAG_PREFIX, utcDay } from '../../functions/reminders/ledger.ts';
import { iamStateOf, OWN_SERIAL } from '../support/enrollment.ts';
import { DAY, GROUP, HOUR, invitationTag, staffUser, useReminders } from '../support/reminders.ts';
import { consecutiveCodes } from '../support/totp.ts';

const ON = { AUTO_INVITE: 'true' };
const NO_LEASE = { REMINDERS_ROLE_NAME: '' };

describe('the reminders run under races and faults', () => {
  const f = useReminders();
  const identityOf = async (userName: string) =>
    invitationIn({ [INVITATION_TAG_KEY]: (await f.userTags(userName))[INVITATION_TAG_KEY] ?? '' });
  const tokensMailedTo = async (address: string) =>
    (await f.mail()).filter((m) => m.to.includes(address)).map((m) => f.linkIn(m).token);
  const working = async (tokens: string[]) => {
    const out: string[] = [];
    for (const t of tokens) if ((await f.onboardingStatus(t)) === 200) out.push(t);
    return out;
  };
  const leaseKeys = async () =>
    Object.keys(await f.roleTags()).filter((k) => k.startsWith(LEASE_TAG_PREFIX));
  /** Waits until the run's renewal of this user has landed in IAM. */
  const renewalWritten = async (userName: string) => {
    for (let i = 0; i < 200; i++) {
      if ((await identityOf(userName))?.renewal) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the renewal was never written');
  };
  const hrIssue = async (userName: string) => {
    const res = await f.request('POST', '/v1/invitations', {
      key: f.keys.all.key,
      body: { userName },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { url: string }).url.split('#')[1] as string;
  };
  const hrRevoke = async (userName: string) => {
    const res = await f.request('DELETE', `/v1/invitations/${userName}`, { key: f.keys.all.key });
    expect(res.status).toBe(204);
  };
  const enroll = async (token: string) => {
    const onboard = (path: string, body?: unknown) =>
      f.onboarding.request(path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    const device = await onboard('/api/enrollment/device');
    expect(device.status).toBe(201);
    const { secret, serialNumber } = (await device.json()) as {
      secret: string;
      serialNumber: string;
    };
    const done = await onboard('/api/enrollment/activate', {
      serialNumber,
      ...consecutiveCodes(secret),
    });
    expect(done.status).toBe(200);
  };

  describe('a renewal racing admin and enrollment requests', () => {
    it('a revoke landing after the scan is not undone: no renewal written, none mailed', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.beforeNext('GetUser', () => hrRevoke('ivy'));

      expect(await f.run()).toMatchObject({ renewed: 0, skipped: 1, failed: 0 });
      expect(await f.mail()).toEqual([]);
      expect(await identityOf('ivy')).toBeUndefined();
      expect(await f.onboardingStatus(expiring.token)).toBe(401);
    });

    it('an enrollment finishing after the scan is not undone: no renewal written, none mailed', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.beforeNext('GetUser', () => enroll(expiring.token));

      expect(await f.run()).toMatchObject({ renewed: 0, skipped: 1 });
      expect(await f.mail()).toEqual([]);
      const state = await iamStateOf(f.emulator.iam, 'ivy');
      expect(state).toMatchObject({
        mfaDevices: [OWN_SERIAL('ivy')],
        groups: [GROUP],
        invitationTag: undefined,
        unassignedDevices: [],
      });
    });

    it('an HR reissue landing between the renewal’s write and its mail: HR’s link is the one that works', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.iam.faults.configure({ actionLatencyMs: { SendEmail: 400 } });

      const running = f.run();
      await renewalWritten('ivy');
      const hr = await hrIssue('ivy');
      expect(await running).toMatchObject({ renewed: 1 });
      f.iam.faults.configure({});

      expect(await f.onboardingStatus(hr)).toBe(200);
      const mailed = await tokensMailedTo('ivy@example.com');
      expect(mailed).toHaveLength(1);
      expect(await working(mailed)).toEqual([]);
      expect(await f.onboardingStatus(expiring.token)).toBe(401);
      // HR's link is a fresh chain: unmarked.
      expect((await identityOf('ivy'))?.renewal).toBe(false);
    });

    it('a revoke landing between the renewal’s write and its mail is final: the mailed link is dead', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.iam.faults.configure({ actionLatencyMs: { SendEmail: 400 } });

      const running = f.run();
      await renewalWritten('ivy');
      await hrRevoke('ivy');
      await running;
      f.iam.faults.configure({});

      const mailed = await tokensMailedTo('ivy@example.com');
      expect(mailed).toHaveLength(1);
      expect(await working(mailed)).toEqual([]);
      expect(await identityOf('ivy')).toBeUndefined();
    });

    it('an HR reissue landing between the scan and an auto-invite’s write is replaced by the mailed link', async () => {
      f.seedUsers([staffUser('alice')]);
      let hr = '';
      // The run's first TagUser (after the lease's TagRole) is alice's identity.
      f.beforeNext('TagUser', async () => {
        hr = await hrIssue('alice');
      });

      expect(await f.run(ON)).toMatchObject({ invited: 1 });
      const mailed = await tokensMailedTo('alice@example.com');
      expect(await working(mailed)).toEqual(mailed);
      expect(await f.onboardingStatus(hr)).toBe(401);
    });
  });

  describe('a run racing an HR delivery', () => {
    it('an auto-invite and an HR delivery of the same user at once: one working link, and it was mailed', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({ actionLatencyMs: { TagUser: 30, SendEmail: 60 } });

      const [summary, hr] = await Promise.all([
        f.run(ON),
        f.request('POST', '/v1/invitations', {
          key: f.keys.all.key,
          body: { userName: 'alice', delivery: 'email' },
        }),
      ]);
      f.iam.faults.configure({});

      expect(hr.status).toBe(201);
      expect(summary.invited + summary.failed + summary.skipped).toBe(1);
      const mailed = await tokensMailedTo('alice@example.com');
      expect(await working(mailed)).toHaveLength(1);
    });

    it('SES dropping the connection before the work twice: mailed once, the link works', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({
        scripted: [{ action: 'SendEmail', fault: 'drop-before', count: 2 }],
      });
      expect(await f.run(ON)).toMatchObject({ invited: 1, failed: 0 });
      f.iam.faults.configure({});
      const mailed = await tokensMailedTo('alice@example.com');
      expect(mailed).toHaveLength(1);
      expect(await working(mailed)).toEqual(mailed);
    });
  });

  describe('two runs at once', () => {
    it('without REMINDERS_ROLE_NAME (no lease): each user still ends with one working link, mailed, and a renewal chain ends', async () => {
      f.seedUsers([
        ...Array.from({ length: 5 }, (_, i) => staffUser(`user${i}`)),
        staffUser('ivy', { tags: invitationTag('ivy', 10 * HOUR).tags }),
      ]);
      f.iam.faults.configure({ latencyMs: 3 });
      const env = { ...ON, ...NO_LEASE };

      const both = await Promise.all([f.run(env), f.run(env)]);
      f.iam.faults.configure({});

      expect(both.every((s) => s.ran)).toBe(true);
      for (const name of ['user0', 'user1', 'user2', 'user3', 'user4', 'ivy']) {
        const mailed = await tokensMailedTo(`${name}@example.com`);
        expect(mailed.length).toBeGreaterThanOrEqual(1);
        expect(await working(mailed)).toHaveLength(1);
      }
      expect((await identityOf('ivy'))?.renewal).toBe(true);
      const mails = (await f.mail()).length;
      // Right after: nothing to renew, nobody to invite.
      expect(await f.run(env)).toMatchObject({ invited: 0, renewed: 0 });
      expect(await f.mail()).toHaveLength(mails);
      // A day and a half later the invitations are renewed once; ivy's renewal is not.
      const ivyMails = (await tokensMailedTo('ivy@example.com')).length;
      f.advanceClock(50 * HOUR);
      expect(await f.run(env)).toMatchObject({ invited: 0, renewed: 5 });
      expect(await tokensMailedTo('ivy@example.com')).toHaveLength(ivyMails);
    });

    it('with the lease: at most one acts, no email twice, no lease key left', async () => {
      f.seedUsers(Array.from({ length: 4 }, (_, i) => staffUser(`user${i}`)));
      f.iam.faults.configure({ actionLatencyMs: { TagRole: 20, ListRoleTags: 20 } });

      const runs = await Promise.all([f.run(ON), f.run(ON), f.run(ON)]);
      f.iam.faults.configure({});

      expect(runs.filter((s) => s.ran).length).toBeLessThanOrEqual(1);
      const sent = (await f.mail()).map((m) => m.to[0]);
      expect(new Set(sent).size).toBe(sent.length);
      expect(await leaseKeys()).toEqual([]);
    });
  });

  describe('IAM faults on the run’s own writes', () => {
    it('the lease write’s answer lost once: the run acts and leaves no lease key', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({ scripted: [{ action: 'TagRole', fault: 'drop-after' }] });

      expect(await f.run(ON)).toMatchObject({ ran: true, invited: 1 });
      expect(await leaseKeys()).toEqual([]);
    });

    it('the lease release’s answer lost: the key is gone all the same, and the next run acts', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({ scripted: [{ action: 'UntagRole', fault: 'drop-after' }] });

      expect(await f.run(ON)).toMatchObject({ ran: true });
      expect(await leaseKeys()).toEqual([]);
      expect(await f.run(ON)).toMatchObject({ ran: true, invited: 0 });
    });

    it('a renewal’s TagUser answer lost: renewed once, the old link dead, the new one works, never renewed again', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.iam.faults.configure({ scripted: [{ action: 'TagUser', fault: 'drop-after' }] });

      expect(await f.run()).toMatchObject({ renewed: 1, failed: 0 });
      f.iam.faults.configure({});
      const mailed = await tokensMailedTo('ivy@example.com');
      expect(mailed).toHaveLength(1);
      expect(await working(mailed)).toEqual(mailed);
      expect(await f.onboardingStatus(expiring.token)).toBe(401);
      const record = await identityOf('ivy');
      expect(record?.renewal).toBe(true);

      f.advanceClock(50 * HOUR);
      expect(await f.run()).toMatchObject({ renewed: 0 });
      expect(await f.mail()).toHaveLength(1);
      expect(await identityOf('ivy')).toEqual(record);
    });

    it('a renewal’s re-read throttled, then a 500: the renewal still lands once', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.iam.faults.configure({
        scripted: [
          { action: 'GetUser', fault: 'error', code: 'Throttling', status: 400, count: 2 },
          { action: 'GetUser', fault: 'error', code: 'ServiceFailure', status: 500 },
        ],
      });

      expect(await f.run()).toMatchObject({ renewed: 1, failed: 0 });
      f.iam.faults.configure({});
      expect(await working(await tokensMailedTo('ivy@example.com'))).toHaveLength(1);
      expect(await f.onboardingStatus(expiring.token)).toBe(401);
    });

    it.each([
      [
        'UntagUser throttled',
        { action: 'UntagUser', fault: 'error', code: 'Throttling', status: 400, count: 3 },
      ],
      ['UntagUser answer lost', { action: 'UntagUser', fault: 'drop-after' }],
      [
        'UntagUser 500',
        { action: 'UntagUser', fault: 'error', code: 'ServiceFailure', status: 500 },
      ],
    ] as const)(
      'a refused email’s take-back with %s: the link is revoked and the next run invites again',
      async (_, fault) => {
        f.seedUsers([staffUser('alice')]);
        f.iam.faults.configure({
          scripted: [
            { action: 'SendEmail', fault: 'error', code: 'MessageRejected', status: 400 },
            { ...fault },
          ],
        });

        expect(await f.run(ON)).toMatchObject({ invited: 0, failed: 1 });
        f.iam.faults.configure({});
        expect(await identityOf('alice')).toBeUndefined();
        expect(await f.run(ON)).toMatchObject({ invited: 1 });
        expect(await working(await tokensMailedTo('alice@example.com'))).toHaveLength(1);
      },
    );

    it('an SES answer lost once: the mail goes twice with the same working link', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({ scripted: [{ action: 'SendEmail', fault: 'drop-after' }] });

      expect(await f.run(ON)).toMatchObject({ invited: 1, failed: 0 });
      f.iam.faults.configure({});
      const mailed = await tokensMailedTo('alice@example.com');
      expect(mailed).toHaveLength(2);
      expect(new Set(mailed).size).toBe(1);
      expect(await working(mailed)).toEqual(mailed);
    });
  });

  describe('the digest', () => {
    it('fails, then the next run posts it, then no more that day; it never carries a link or an address', async () => {
      f.seedUsers([
        staffUser('alice'),
        staffUser('ivy', { tags: invitationTag('ivy', 10 * HOUR).tags }),
        staffUser('zed', { email: 'zed.secret@example.org' }),
      ]);
      const env = { ...ON, DIGEST_WEBHOOK_URL: f.receiver.url };
      f.receiver.answers.push({ status: 500 }, { status: 502 });

      expect((await f.run(env)).digest).toBe('failed');
      expect((await f.roleTags())[DIGEST_TAG_KEY]).toBeUndefined();
      expect((await f.run(env)).digest).toBe('posted');
      expect((await f.roleTags())[DIGEST_TAG_KEY]).toBe(utcDay(new Date()));
      expect((await f.run(env)).digest).toBe('already_posted');
      expect(f.receiver.posts).toHaveLength(3);

      const tokens = (await f.mail()).map((m) => f.linkIn(m).token);
      expect(tokens.length).toBeGreaterThan(0);
      for (const post of f.receiver.posts) {
        const text = JSON.stringify(post);
        expect(text).not.toMatch(/onboard#|https:\/\/onboarding\.example\.com/);
        for (const t of tokens) expect(text).not.toContain(t.split('.').pop() as string);
        for (const a of ['alice@example.com', 'ivy@example.com', 'zed.secret@example.org'])
          expect(text).not.toContain(a);
      }
      const log = f
        .runLogs()
        .map((l) => JSON.stringify(l))
        .join('\n');
      for (const t of tokens) expect(log).not.toContain(t);
      expect(log).not.toContain('alice@example.com');
      // The webhook's URL is a secret too (Slack's carries its token in the path).
      expect(log).not.toContain('secret-hook');
    });

    it('the digest day’s write lost once: recorded, and no second digest that day', async () => {
      f.seedUsers([staffUser('alice')]);
      const env = { DIGEST_WEBHOOK_URL: f.receiver.url };
      // TagRole: the lease (1st), then the digest day (2nd).
      f.iam.faults.configure({ scripted: [{ action: 'TagRole', skip: 1, fault: 'drop-after' }] });

      expect((await f.run(env)).digest).toBe('posted');
      f.iam.faults.configure({});
      expect((await f.run(env)).digest).toBe('already_posted');
      expect(f.receiver.posts).toHaveLength(1);
      f.advanceClock(DAY);
      expect((await f.run(env)).digest).toBe('posted');
    });
  });
});
