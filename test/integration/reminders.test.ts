// The scheduled reminders run (functions/reminders.ts): auto-invites by email exactly the users it
// should, renews a link about to expire once per chain, posts one digest a day to a chat webhook,
// and sends nothing twice however often it runs. Through the real IAM and SES v2 SDKs against the
// emulator over HTTP, with a node:http webhook receiver; mailed links are opened through the
// onboarding app.

import { describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import {
  decodeInvitationTag,
  encodeInvitationTag,
  type InvitationRecord,
  invitationIn,
} from '../../functions/invitations/token.ts';
import { DIGEST_TAG_KEY, LEASE_TAG_PREFIX, utcDay } from '../../functions/reminders/ledger.ts';
import { iamStateOf } from '../support/enrollment.ts';
import {
  DAY,
  exemption,
  GROUP,
  HOUR,
  invitationTag,
  ROLE_NAME,
  staffUser,
  useReminders,
} from '../support/reminders.ts';

const ON = { AUTO_INVITE: 'true' };

describe('the reminders run', () => {
  const f = useReminders();
  const recipients = async () => (await f.mail()).map((m) => m.to.join(',')).sort();
  const identityOf = async (userName: string) =>
    invitationIn({
      [INVITATION_TAG_KEY]: (await iamStateOf(f.emulator.iam, userName)).invitationTag ?? '',
    });

  describe('auto-invite', () => {
    it('invites exactly the users without MFA that are old enough, addressed, not exempt and not invited, and their links work', async () => {
      const pending = invitationTag('erin', 48 * HOUR);
      const expired = invitationTag('hank', -HOUR);
      f.seedUsers([
        staffUser('alice'),
        staffUser('bob', { days: 1 }),
        staffUser('carol', { email: null }),
        staffUser('dave', { tags: exemption('Break-glass user') }),
        staffUser('erin', { tags: pending.tags }),
        staffUser('frank', { mfa: ['virtual'], groups: [GROUP] }),
        staffUser('gina', { path: '/contractors/' }),
        staffUser('hank', { tags: expired.tags }),
        staffUser('ivan', { email: 'not an address' }),
      ]);

      const summary = await f.run(ON);

      expect(summary).toMatchObject({ ran: true, invited: 2, renewed: 0, failed: 0 });
      expect(await recipients()).toEqual(['alice@example.com', 'hank@example.com']);
      for (const mail of await f.mail()) {
        expect(mail.from).toBe('onboarding@example.com');
        const { token } = f.linkIn(mail);
        expect(token.startsWith(`${mail.to[0]?.split('@')[0]}.`)).toBe(true);
        expect(await f.onboardingStatus(token)).toBe(200);
      }
      // Nobody else was written to: erin keeps her link, the others have none.
      expect(await f.onboardingStatus(pending.token)).toBe(200);
      for (const name of ['bob', 'carol', 'dave', 'frank', 'gina', 'ivan'])
        expect(await identityOf(name)).toBeUndefined();
      const invited = f.runLogs().filter((l) => l.event === 'reminders.invited');
      expect(invited.map((l) => [l.userName, l.to]).sort()).toEqual([
        ['alice', 'a***@example.com'],
        ['hank', 'h***@example.com'],
      ]);
    });

    it('invites no one with AUTO_INVITE off', async () => {
      f.seedUsers([
        staffUser('alice'),
        staffUser('hank', { tags: invitationTag('hank', -HOUR).tags }),
      ]);

      const summary = await f.run({ AUTO_INVITE: 'false' });

      expect(summary).toMatchObject({ ran: true, invited: 0, renewed: 0, failed: 0 });
      expect(await f.mail()).toEqual([]);
      expect(await identityOf('alice')).toBeUndefined();
    });

    it('waits AUTO_INVITE_AFTER_DAYS from the user’s CreateDate', async () => {
      f.seedUsers([staffUser('alice', { days: 6 }), staffUser('bob', { days: 4 })]);

      expect(await f.run({ ...ON, AUTO_INVITE_AFTER_DAYS: '5' })).toMatchObject({ invited: 1 });
      expect(await recipients()).toEqual(['alice@example.com']);
    });
  });

  describe('renewal', () => {
    it('renews a link expiring within a day once: the old link stops working, the new one works, and a second run renews nothing', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      const later = invitationTag('jun', 30 * HOUR);
      f.seedUsers([
        staffUser('ivy', { tags: expiring.tags }),
        staffUser('jun', { tags: later.tags }),
        staffUser('kim', { email: null, tags: invitationTag('kim', 2 * HOUR).tags }),
      ]);

      const first = await f.run();

      expect(first).toMatchObject({ ran: true, invited: 0, renewed: 1, failed: 0 });
      const mails = await f.mail();
      expect(mails.map((m) => m.to)).toEqual([['ivy@example.com']]);
      const renewed = f.linkIn(mails[0] as (typeof mails)[number]);
      expect(await f.onboardingStatus(expiring.token)).toBe(401);
      expect(await f.onboardingStatus(renewed.token)).toBe(200);
      const record = await identityOf('ivy');
      expect(record?.renewal).toBe(true);
      expect((record?.expiresAt.getTime() ?? 0) - Date.now()).toBeGreaterThan(71 * HOUR);
      // jun's link has more than a day left; kim has no address.
      expect(await f.onboardingStatus(later.token)).toBe(200);

      // A day and a half later ivy's renewed link is within a day of expiring: never renewed.
      f.advanceClock(50 * HOUR);
      const second = await f.run({}, {});
      expect(second).toMatchObject({ ran: true, renewed: 0, failed: 0 });
      expect((await f.mail()).map((m) => m.to[0])).toEqual(['ivy@example.com']);
      expect(await identityOf('ivy')).toEqual(record);
    });

    it('deletes the device the replaced link had made, so a code check in flight for it finds none', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      f.seed({ unassignedVirtualDevices: [{ name: 'onboarding-ivy', path: '/mfa-onboarding/' }] });
      expect((await iamStateOf(f.emulator.iam, 'ivy')).unassignedDevices).toHaveLength(1);

      expect(await f.run()).toMatchObject({ renewed: 1 });
      expect((await iamStateOf(f.emulator.iam, 'ivy')).unassignedDevices).toEqual([]);
    });

    it('never renews a link that was itself a renewal', async () => {
      const renewal = invitationTag('ivy', 5 * HOUR, true);
      f.seedUsers([staffUser('ivy', { tags: renewal.tags })]);

      expect(await f.run(ON)).toMatchObject({ renewed: 0, invited: 0 });
      expect(await f.mail()).toEqual([]);
      expect(await f.onboardingStatus(renewal.token)).toBe(200);
    });

    it('reads identity tags written before the renewal mark as unmarked, so their links are renewed once', () => {
      const hash = 'A'.repeat(43);
      expect(decodeInvitationTag(`v2:abcdefghijkl:${hash}:1900000000`)).toMatchObject({
        finishOnly: false,
        renewal: false,
      });
      expect(decodeInvitationTag(`v2:abcdefghijkl:${hash}:1900000000:finish`)).toMatchObject({
        finishOnly: true,
        renewal: false,
      });
      const marked = decodeInvitationTag(`v2:abcdefghijkl:${hash}:1900000000:finish:renewal`);
      expect(marked).toMatchObject({ finishOnly: true, renewal: true });
      expect(encodeInvitationTag(marked as InvitationRecord)).toBe(
        `v2:abcdefghijkl:${hash}:1900000000:finish:renewal`,
      );
      expect(decodeInvitationTag(`v2:abcdefghijkl:${hash}:1900000000:renewal:finish`)).toBe(
        undefined,
      );
    });

    it('leaves a link that HR replaced after the run read the account', async () => {
      const expiring = invitationTag('ivy', 10 * HOUR);
      f.seedUsers([staffUser('ivy', { tags: expiring.tags })]);
      let hrToken = '';
      // HR reissues between the run's listing and its re-read of the user (the run's first GetUser).
      f.beforeNext('GetUser', async () => {
        const res = await f.request('POST', '/v1/invitations', {
          key: f.keys.all.key,
          body: { userName: 'ivy' },
        });
        hrToken = ((await res.json()) as { url: string }).url.split('#')[1] as string;
      });

      const summary = await f.run();

      expect(summary).toMatchObject({ renewed: 0, skipped: 1, failed: 0 });
      expect(await f.mail()).toEqual([]);
      expect(await f.onboardingStatus(hrToken)).toBe(200);
    });
  });

  describe('idempotence', () => {
    it('sends nothing twice when run twice in a row, and posts one digest', async () => {
      f.seedUsers([
        staffUser('alice'),
        staffUser('ivy', { tags: invitationTag('ivy', 10 * HOUR).tags }),
      ]);
      const env = { ...ON, DIGEST_WEBHOOK_URL: f.receiver.url };

      const first = await f.run(env);
      const second = await f.run(env);

      expect(first).toMatchObject({ invited: 1, renewed: 1, digest: 'posted' });
      expect(second).toMatchObject({ invited: 0, renewed: 0, failed: 0, digest: 'already_posted' });
      expect(await recipients()).toEqual(['alice@example.com', 'ivy@example.com']);
      expect(f.receiver.posts).toHaveLength(1);
      const tags = await f.roleTags();
      expect(tags[DIGEST_TAG_KEY]).toBe(utcDay(new Date()));
      expect(Object.keys(tags).filter((k) => k.startsWith(LEASE_TAG_PREFIX))).toEqual([]);
    });

    it('posts the next day’s digest the next day', async () => {
      f.seedUsers([staffUser('alice')]);
      const env = { DIGEST_WEBHOOK_URL: f.receiver.url };
      expect((await f.run(env)).digest).toBe('posted');

      f.advanceClock(DAY);
      expect((await f.run(env)).digest).toBe('posted');
      expect(f.receiver.posts).toHaveLength(2);
    });

    it('runs two at once without sending any email twice: one holds the lease, and the next run does what a stopped one left', async () => {
      f.seedUsers(
        Array.from({ length: 6 }, (_, i) => staffUser(`user${i}`)).concat([
          staffUser('ivy', { tags: invitationTag('ivy', 10 * HOUR).tags }),
        ]),
      );
      const env = { ...ON, DIGEST_WEBHOOK_URL: f.receiver.url };

      const both = await Promise.all([f.run(env), f.run(env)]);
      const third = await f.run(env);

      // At most one of the two worked (both stop when their leases landed together).
      expect(both.filter((s) => s.ran).length).toBeLessThanOrEqual(1);
      const all = [...both, third];
      expect(all.reduce((n, s) => n + s.invited, 0)).toBe(6);
      expect(all.reduce((n, s) => n + s.renewed, 0)).toBe(1);
      const sent = await recipients();
      expect(sent).toHaveLength(7);
      expect(new Set(sent).size).toBe(7);
      expect(f.receiver.posts).toHaveLength(1);
      expect(Object.keys(await f.roleTags()).filter((k) => k.startsWith(LEASE_TAG_PREFIX))).toEqual(
        [],
      );
    });

    it('ignores the lease of a run that died, and removes it', async () => {
      f.seedUsers([staffUser('alice')]);
      await f.emulator.iam.send(
        new (await import('@aws-sdk/client-iam')).TagRoleCommand({
          RoleName: ROLE_NAME,
          Tags: [
            {
              Key: `${LEASE_TAG_PREFIX}deadbeef0000`,
              Value: String(Math.floor((Date.now() - 20 * 60_000) / 1000)),
            },
          ],
        }),
      );

      expect(await f.run(ON)).toMatchObject({ ran: true, invited: 1 });
      expect(Object.keys(await f.roleTags()).filter((k) => k.startsWith(LEASE_TAG_PREFIX))).toEqual(
        [],
      );
    });

    it('fails closed when it cannot read the lease, and leaves no key of its own behind', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({
        scripted: [{ action: 'ListRoleTags', fault: 'error', code: 'AccessDenied', status: 403 }],
      });

      await expect(f.run(ON)).rejects.toThrow(/ListRoleTags/);
      expect(await f.mail()).toEqual([]);
      expect(Object.keys(await f.roleTags()).filter((k) => k.startsWith(LEASE_TAG_PREFIX))).toEqual(
        [],
      );
    });

    it('stops, sending nothing, while another run holds a live lease', async () => {
      f.seedUsers([staffUser('alice')]);
      await f.emulator.iam.send(
        new (await import('@aws-sdk/client-iam')).TagRoleCommand({
          RoleName: ROLE_NAME,
          Tags: [
            {
              Key: `${LEASE_TAG_PREFIX}0123456789ab`,
              Value: String(Math.floor(Date.now() / 1000)),
            },
          ],
        }),
      );

      expect(await f.run(ON)).toMatchObject({ ran: false, invited: 0 });
      expect(await f.mail()).toEqual([]);
      expect(f.runLogs().map((l) => l.event)).toEqual(['reminders.busy']);
    });
  });

  describe('SES', () => {
    it('invites everyone through IAM throttling, a 500 and a lost answer on its writes', async () => {
      f.seedUsers([staffUser('alice'), staffUser('bob'), staffUser('carol')]);
      f.iam.faults.configure({
        scripted: [
          { action: 'TagUser', fault: 'error', code: 'Throttling', status: 400, count: 2 },
          { action: 'TagUser', fault: 'error', code: 'ServiceFailure', status: 500 },
          { action: 'TagUser', fault: 'drop-after' },
        ],
      });

      expect(await f.run(ON)).toMatchObject({ invited: 3, failed: 0 });
      const mails = await f.mail();
      expect(mails).toHaveLength(3);
      for (const mail of mails) expect(await f.onboardingStatus(f.linkIn(mail).token)).toBe(200);
    });

    it('retries a throttled SendEmail', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.faults.configure({
        scripted: [{ action: 'SendEmail', fault: 'error', code: 'Throttling', count: 2 }],
      });

      expect(await f.run(ON)).toMatchObject({ invited: 1, failed: 0 });
      expect(await recipients()).toEqual(['alice@example.com']);
      expect(f.iam.outcomes.snapshot().SendEmail).toMatchObject({
        TooManyRequestsException: 2,
        OK: 1,
      });
    });

    it('counts a refused email as failed and revokes its invitation, so the next run tries again', async () => {
      f.seedUsers([staffUser('alice'), staffUser('bob')]);
      // SES refuses the sender for alice's mail only (the first SendEmail).
      f.iam.faults.configure({
        scripted: [
          {
            action: 'SendEmail',
            fault: 'error',
            code: 'MessageRejected',
            status: 400,
            message: 'Email address is not verified.',
          },
        ],
      });

      const first = await f.run(ON);

      expect(first).toMatchObject({ invited: 1, failed: 1 });
      const [sentTo] = await recipients();
      const refused = sentTo === 'alice@example.com' ? 'bob' : 'alice';
      expect(await identityOf(refused)).toBeUndefined();
      expect(await f.userTags(refused)).toEqual({
        email: `${refused}@example.com`,
      });
      expect(f.runLogs().filter((l) => l.event === 'reminders.failed')).toEqual([
        expect.objectContaining({
          userName: refused,
          to: `${refused[0]}***@example.com`,
          step: 'email',
          reason: 'email_rejected',
          revoked: true,
        }),
      ]);

      expect(await f.run(ON)).toMatchObject({ invited: 1, failed: 0 });
      expect(await recipients()).toEqual(['alice@example.com', 'bob@example.com']);
    });

    it('fails every email when SES does not know the sender, and leaves no link pending', async () => {
      f.seedUsers([staffUser('alice')]);
      f.iam.ses.deleteIdentity('onboarding@example.com');

      expect(await f.run(ON)).toMatchObject({ invited: 0, failed: 1 });
      expect(await identityOf('alice')).toBeUndefined();
    });
  });

  describe('the digest', () => {
    type Payload = { text: string; blocks: { type: string; text?: { text: string } }[] };
    const sections = (payload: Payload) =>
      payload.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    const section = (payload: Payload, title: string) =>
      sections(payload).find((t) => t.startsWith(`*${title}*`)) ?? '';

    it('sums the account up, lists console users first, caps each list, masks addresses and carries no link', async () => {
      f.seedUsers([
        staffUser('old-console', { days: 30 }),
        staffUser('nc-old', { days: 100, password: false }),
        ...Array.from({ length: 22 }, (_, i) =>
          staffUser(`u${String(i).padStart(2, '0')}`, { days: 5 + i, password: false }),
        ),
        staffUser('kim', { email: null, tags: invitationTag('kim', 2 * HOUR).tags }),
        staffUser('pat', {
          mfa: [{ kind: 'virtual', name: 'onboarding-pat', path: '/mfa-onboarding/' }],
        }),
        staffUser('exa', { tags: exemption('Build robot', new Date(Date.now() + 3 * DAY)) }),
        staffUser('exb', { tags: exemption('Break-glass', new Date(Date.now() + 30 * DAY)) }),
      ]);

      const summary = await f.run({
        ...ON,
        AUTO_INVITE_AFTER_DAYS: '28',
        DIGEST_WEBHOOK_URL: f.receiver.url,
      });

      expect(summary).toMatchObject({ invited: 2, digest: 'posted' });
      expect(f.receiver.posts).toHaveLength(1);
      const payload = f.receiver.posts[0] as Payload;
      // The report's summary: 28 users, 25 without MFA (kim too), 1 of them with console access.
      expect(sections(payload)[0]).toContain(
        '*25* of 28 users without MFA (2 with console access)',
      );
      expect(payload.text).toContain('25 users without MFA');
      expect(section(payload, 'This run')).toContain('Invited 2, renewed 0, failed 0.');

      const lacking = section(payload, 'Users without MFA').split('\n');
      expect(lacking[0]).toBe('*Users without MFA* (25)');
      const rows = lacking.slice(1, -1);
      expect(rows).toHaveLength(20);
      expect(lacking.at(-1)).toBe('…and 5 more');
      // Console users first (kim and old-console), then the longest waiting.
      expect(rows[0]).toBe(
        '• `old-console` (o***@example.com, console): waiting 30 days, invited today',
      );
      expect(rows[1]).toMatch(/^• `kim` \(no address, console\): waiting 10 days, link pending/);
      expect(rows[2]).toBe(
        '• `nc-old` (n***@example.com, no console): waiting 100 days, invited today',
      );
      expect(rows[3]).toMatch(/^• `u21` .*waiting 26 days, not invited$/);

      expect(section(payload, 'Links expiring within a day')).toContain(
        '• `kim` (no address): expires in 1 hour',
      );
      expect(section(payload, 'Half-finished enrollments')).toContain(
        '• `pat` (p***@example.com): MFA on, not in the force-MFA group',
      );
      const ending = section(payload, 'Exemptions ending within 7 days');
      expect(ending).toContain('`exa`');
      expect(ending).not.toContain('`exb`');

      // No address in full, no link, no token.
      const posted = JSON.stringify(payload);
      expect(posted).not.toMatch(/[A-Za-z0-9-]{2,}@example\.com/);
      expect(posted).not.toContain('onboard#');
      expect(posted).not.toContain('onboarding.example.com');
      for (const mail of await f.mail()) expect(posted).not.toContain(f.linkIn(mail).token);
    });

    it('posts no digest when no webhook is configured', async () => {
      f.seedUsers([staffUser('alice')]);

      expect((await f.run()).digest).toBe('not_configured');
      expect(f.receiver.posts).toEqual([]);
      expect((await f.roleTags())[DIGEST_TAG_KEY]).toBeUndefined();
    });

    it('retries once after a 500, and posts', async () => {
      f.seedUsers([staffUser('alice')]);
      f.receiver.answers.push({ status: 500 });

      expect((await f.run({ DIGEST_WEBHOOK_URL: f.receiver.url })).digest).toBe('posted');
      expect(f.receiver.posts).toHaveLength(2);
      expect(f.runLogs().filter((l) => l.event === 'reminders.digest')).toEqual([
        expect.objectContaining({ result: 'posted', attempts: 2, recorded: true }),
      ]);
    });

    it('honours a 429’s Retry-After before its one retry', async () => {
      f.seedUsers([staffUser('alice')]);
      f.receiver.answers.push({ status: 429, headers: { 'retry-after': '3' } });
      const waits: number[] = [];

      const summary = await f.run(
        { DIGEST_WEBHOOK_URL: f.receiver.url },
        { webhook: { sleep: async (ms) => void waits.push(ms) } },
      );

      expect(summary.digest).toBe('posted');
      expect(waits).toEqual([3000]);
      expect(f.receiver.posts).toHaveLength(2);
    });

    it('does not post again after a webhook that did not answer in time (the post may have arrived)', async () => {
      f.seedUsers([staffUser('alice')]);
      f.receiver.answers.push({ status: 200, delayMs: 1_000 });

      const summary = await f.run(
        { DIGEST_WEBHOOK_URL: f.receiver.url },
        { webhook: { timeoutMs: 100 } },
      );

      expect(summary.digest).toBe('failed');
      expect(f.receiver.posts).toHaveLength(1);
      expect(f.runLogs().filter((l) => l.event === 'reminders.digest')).toEqual([
        expect.objectContaining({ result: 'failed', status: null }),
      ]);
    });

    it('gives up after a second 5xx or a 4xx, records no day, and the next run posts', async () => {
      f.seedUsers([staffUser('alice')]);
      f.receiver.answers.push({ status: 503 }, { status: 502 }, { status: 400 });
      const env = { DIGEST_WEBHOOK_URL: f.receiver.url };

      expect((await f.run(env)).digest).toBe('failed');
      expect((await f.run(env)).digest).toBe('failed');
      expect(f.receiver.posts).toHaveLength(3);
      expect((await f.roleTags())[DIGEST_TAG_KEY]).toBeUndefined();
      expect((await f.run(env)).digest).toBe('posted');
      expect(f.runLogs().filter((l) => l.event === 'reminders.digest')).toEqual([
        expect.objectContaining({ result: 'failed', status: 502, level: 'warn' }),
        expect.objectContaining({ result: 'failed', status: 400, level: 'warn' }),
        expect.objectContaining({ result: 'posted', attempts: 1 }),
      ]);
    });
  });
});
