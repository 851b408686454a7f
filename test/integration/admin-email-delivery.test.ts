// Onboarding links emailed by the service: POST /v1/invitations and /bulk with `"delivery"`,
// through the admin app and the real SES v2 and IAM clients against the emulator over HTTP. The
// mail is read back from the emulator's mailbox (GET /_emulator/mail), its link is opened in the
// onboarding app, and every failure is checked in IAM: nothing written before the address is
// known, and no pending link left that nobody received (functions/invitations/deliver.ts).

import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BulkInvitationResponse } from '../../functions/admin/schemas.ts';
import { DEFAULT_SENDER_EMAIL, INVITATION_TAG_KEY } from '../../functions/config.ts';
import type { ScriptedFault } from '../../local/emulator/faults.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';

interface Mail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  at: string;
}

const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
const LINK = /https:\/\/onboarding\.example\.com\/onboard#[\w.@+=,-]+\.[A-Za-z0-9_-]{43}/;

describe('HR: onboarding links delivered by email (Amazon SES v2)', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' }, retryDelays: RETRY_DELAYS });
  const key = () => f.keys.invitationsWrite.key;

  beforeEach(() => {
    f.seed({
      accountAlias: 'example-corp',
      groups: [{ name: 'force-mfa' }],
      users: [
        {
          name: 'tanaka',
          path: '/staff/',
          tags: [{ key: 'email', value: ' tanaka@example.com ' }],
        },
        { name: 'sato', path: '/staff/', tags: [{ key: 'Email', value: 'sato@example.jp' }] },
        { name: 'suzuki', path: '/staff/' },
        { name: 'bad.address', path: '/staff/', tags: [{ key: 'email', value: 'not an address' }] },
        {
          name: 'enrolled',
          path: '/staff/',
          mfa: ['virtual'],
          groups: ['force-mfa'],
          tags: [{ key: 'email', value: 'enrolled@example.com' }],
        },
      ],
    });
    // The sender, verified once per account and region by the operator.
    f.iam.ses.createIdentity(DEFAULT_SENDER_EMAIL, [], { verified: true });
  });

  const issue = (body: unknown, app = f.app) =>
    f.request('POST', '/v1/invitations', { key: key(), body, app });
  const bulk = (body: unknown, app = f.app) =>
    f.request('POST', '/v1/invitations/bulk', { key: key(), body, app });
  const mailbox = async () =>
    ((await f.emulator.control('GET', '/mail')) as { messages: Mail[] }).messages;
  const faults = (scripted: ScriptedFault[], extra: Record<string, unknown> = {}) =>
    f.emulator.control('PUT', '/faults', { scripted, ...extra });
  const tagsOf = async (userName: string) => {
    const { Tags } = await f.emulator.iam.send(new ListUserTagsCommand({ UserName: userName }));
    return Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value]));
  };
  const linkIn = (mail: Mail) => {
    const url = LINK.exec(mail.text)?.[0];
    if (!url) throw new Error('no link in the mail');
    return url;
  };
  const sendEmailCalls = async () => (await f.emulator.calls()).byAction.SendEmail ?? 0;

  describe('POST /v1/invitations', () => {
    it('emails the link to the address in the user tag and answers without it', async () => {
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      expect(res.status).toBe(201);
      const raw = await res.text();
      const body = JSON.parse(raw) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual([
        'delivered',
        'expiresAt',
        'finishOnly',
        'userName',
      ]);
      expect(body).toMatchObject({
        userName: 'tanaka',
        finishOnly: false,
        delivered: { channel: 'email', to: 't***@example.com' },
      });
      // No link, no token, no address anywhere in the answer.
      expect(raw).not.toMatch(/https?:|onboard#|tanaka\.[A-Za-z0-9_-]{43}|tanaka@example\.com/);

      const [mail, ...others] = await mailbox();
      expect(others).toEqual([]);
      if (!mail) throw new Error('no mail');
      expect(mail.to).toEqual(['tanaka@example.com']);
      expect(mail.from).toBe(DEFAULT_SENDER_EMAIL);
      expect(mail.subject).toBe(
        '【要対応】AWS の MFA デバイスを設定してください / Action required: set up an MFA device for AWS',
      );
      const url = linkIn(mail);
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain(url);
        expect(part).toContain('tanaka');
        expect(part).toContain('example-corp (');
      }
      expect(mail.html).toContain(`<a href="${url}"`);
      // The mailed link works, as the page presents it.
      expect(await f.onboardingStatus(tokenOf(url))).toBe(200);
      // The expiry in the answer is the one in the mail, in both zones.
      const expiresAt = new Date(body.expiresAt as string);
      expect(mail.text).toContain(`${expiresAt.toISOString().slice(0, 10)} `);
      expect(mail.text).toMatch(/\d{2}:\d{2} UTC \(\d{2}:\d{2} JST\)|UTC \(\d{4}-/);
    });

    it('finds the tag whatever the case of its key', async () => {
      const res = await issue({ userName: 'sato', delivery: 'email' });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { delivered: { to: string } }).delivered.to).toBe(
        's***@example.jp',
      );
      expect((await mailbox()).map((m) => m.to)).toEqual([['sato@example.jp']]);
    });

    it('emails the link to an address named in the request, whatever the tag says', async () => {
      const res = await issue({
        userName: 'suzuki',
        delivery: { email: 'suzuki.ichiro@example.org' },
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { delivered: { to: string } };
      expect(body.delivered).toEqual({ channel: 'email', to: 's***@example.org' });
      const [mail] = await mailbox();
      expect(mail?.to).toEqual(['suzuki.ichiro@example.org']);
      expect(await f.onboardingStatus(tokenOf(linkIn(mail as Mail)))).toBe(200);
    });

    it('says a reissued link replaces the earlier one, which stops working', async () => {
      const first = await issue({ userName: 'tanaka' });
      const earlier = tokenOf(((await first.json()) as { url: string }).url);
      expect((await issue({ userName: 'tanaka', delivery: 'email' })).status).toBe(201);
      const [mail] = await mailbox();
      expect(mail?.subject).toContain('【新しいリンク】');
      expect(mail?.text).toContain('以前お送りしたリンクに代わるものです');
      expect(mail?.text).toContain('replaces the one we sent you earlier');
      expect(await f.onboardingStatus(earlier)).toBe(401);
      expect(await f.onboardingStatus(tokenOf(linkIn(mail as Mail)))).toBe(200);
    });

    it('refuses a user without a usable address with 422 before writing anything', async () => {
      const pending = await issue({ userName: 'suzuki' });
      const earlier = tokenOf(((await pending.json()) as { url: string }).url);
      const before = await tagsOf('suzuki');
      for (const userName of ['suzuki', 'bad.address']) {
        const tagUsers = (await f.emulator.calls()).byAction.TagUser ?? 0;
        const res = await issue({ userName, delivery: 'email' });
        expect(res.status).toBe(422);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'no_email_address',
        );
        expect((await f.emulator.calls()).byAction.TagUser ?? 0).toBe(tagUsers);
      }
      expect(await tagsOf('suzuki')).toEqual(before);
      expect(await tagsOf('bad.address')).not.toHaveProperty(INVITATION_TAG_KEY);
      // The earlier link was not touched.
      expect(await f.onboardingStatus(earlier)).toBe(200);
      expect(await mailbox()).toEqual([]);
      expect(await sendEmailCalls()).toBe(0);
    });

    it('answers as without delivery for what the rules refuse first (404, 409)', async () => {
      expect((await issue({ userName: 'nobody', delivery: 'email' })).status).toBe(404);
      expect((await issue({ userName: 'enrolled', delivery: 'email' })).status).toBe(409);
      expect(await mailbox()).toEqual([]);
    });

    it.each([
      ['an unknown channel', 'sms'],
      ['a bad address', { email: 'not-an-address' }],
      ['an extra field', { email: 'a@example.com', cc: 'b@example.com' }],
    ])('refuses %s with 400', async (_, delivery) => {
      const res = await issue({ userName: 'tanaka', delivery });
      expect(res.status).toBe(400);
      expect(await tagsOf('tanaka')).not.toHaveProperty(INVITATION_TAG_KEY);
    });

    it('revokes the new link when SES refuses the sender (502 email_rejected)', async () => {
      f.iam.ses.deleteIdentity(DEFAULT_SENDER_EMAIL);
      f.iam.ses.createIdentity(DEFAULT_SENDER_EMAIL); // pending: not verified
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      expect(res.status).toBe(502);
      const raw = await res.text();
      expect(JSON.parse(raw)).toMatchObject({ error: { code: 'email_rejected' } });
      expect(raw).not.toContain('onboard#');
      expect(res.headers.get('retry-after')).toBeNull();
      // Nobody holds a pending link: the invitation written for this request is gone.
      const tags = await tagsOf('tanaka');
      expect(tags).not.toHaveProperty(INVITATION_TAG_KEY);
      expect(tags.email).toBe(' tanaka@example.com ');
      expect(await mailbox()).toEqual([]);
      const line = f.logs.find((l) => l.includes('admin.invitation_not_delivered'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        userName: 'tanaka',
        errorCode: 'email_rejected',
        outcome: 'revoked',
      });
    });

    it.each([
      ['MessageRejected', 502, 'email_rejected'],
      ['MailFromDomainNotVerifiedException', 502, 'email_rejected'],
      ['AccountSuspendedException', 502, 'email_rejected'],
      ['SendingPausedException', 502, 'email_rejected'],
      ['BadRequestException', 502, 'email_rejected'],
      // The daily quota: not retried now, but a later try may pass.
      ['LimitExceededException', 503, 'email_unavailable'],
    ])('answers SES %s with %i %s, and revokes the new link', async (code, status, errorCode) => {
      await faults([{ action: 'SendEmail', fault: 'error', code, status: 400, count: 1 }]);
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(errorCode);
      expect(await sendEmailCalls()).toBe(1);
      expect(await tagsOf('tanaka')).not.toHaveProperty(INVITATION_TAG_KEY);
    });

    it('documents delivery in /openapi.json: the request, both answers, 422 and 502', async () => {
      const doc = (await (await f.request('GET', '/openapi.json')).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      const post = doc.paths['/v1/invitations']?.post;
      expect(Object.keys(post?.responses ?? {})).toEqual(
        expect.arrayContaining(['201', '422', '502', '503']),
      );
      const text = JSON.stringify(post);
      expect(text).toContain('"delivered"');
      expect(text).toContain('no_email_address');
      expect(JSON.stringify(doc.paths['/v1/invitations/bulk'])).toContain('"delivery"');
    });

    it('retries SES throttling within the request budget and delivers', async () => {
      await faults([{ action: 'SendEmail', fault: 'error', code: 'Throttling', count: 3 }]);
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      expect(res.status).toBe(201);
      expect(await sendEmailCalls()).toBe(4);
      const [mail] = await mailbox();
      expect(await f.onboardingStatus(tokenOf(linkIn(mail as Mail)))).toBe(200);
    });

    it('retries an SES 500 and delivers', async () => {
      await faults([{ action: 'SendEmail', fault: 'error', code: 'ServiceFailure', count: 1 }]);
      expect((await issue({ userName: 'tanaka', delivery: 'email' })).status).toBe(201);
      expect(await mailbox()).toHaveLength(1);
    });

    it('answers 503 with Retry-After and revokes the link when SES throttles past the budget', async () => {
      await faults([{ action: 'SendEmail', fault: 'error', code: 'Throttling', count: 1_000_000 }]);
      const app = f.newApp({
        requestBudgetMs: 1_500,
        retryDelays: { baseDelayMs: 20, throttleBaseDelayMs: 40 },
      });
      const started = Date.now();
      const res = await issue({ userName: 'tanaka', delivery: 'email' }, app);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'email_unavailable',
      );
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(await sendEmailCalls()).toBeGreaterThan(1);
      expect(await tagsOf('tanaka')).not.toHaveProperty(INVITATION_TAG_KEY);
    });

    it('leaves a newer link alone when it replaced the undelivered one meanwhile', async () => {
      // The send is slow and then refused; a plain issue lands while it is in flight.
      await faults(
        [{ action: 'SendEmail', fault: 'error', code: 'MessageRejected', status: 400, count: 1 }],
        { actionLatencyMs: { SendEmail: 300 } },
      );
      const delivering = issue({ userName: 'tanaka', delivery: 'email' });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const plain = await issue({ userName: 'tanaka' });
      expect(plain.status).toBe(201);
      const newer = tokenOf(((await plain.json()) as { url: string }).url);
      const res = await delivering;
      expect(res.status).toBe(502);
      expect(await f.onboardingStatus(newer)).toBe(200);
      const line = f.logs.find((l) => l.includes('admin.invitation_not_delivered'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ outcome: 'superseded' });
    });

    it('answers exactly as before without delivery: the link, and no mail', async () => {
      const res = await issue({ userName: 'tanaka' });
      expect(res.status).toBe(201);
      expect(Object.keys((await res.json()) as object).sort()).toEqual([
        'expiresAt',
        'finishOnly',
        'url',
        'userName',
      ]);
      expect(await mailbox()).toEqual([]);
    });
  });

  describe('POST /v1/invitations/bulk', () => {
    type Result = BulkInvitationResponse['results'][number];

    it('emails each user, answering per user without links; the others go on', async () => {
      // Sandbox: only verified recipients; sato's address is not, so SES refuses that one.
      await f.emulator.control('PATCH', '/ses/settings', { sandbox: true });
      f.iam.ses.createIdentity('tanaka@example.com', [], { verified: true });
      f.iam.ses.createIdentity('enrolled@example.com', [], { verified: true });
      const res = await bulk({
        userNames: ['tanaka', 'suzuki', 'enrolled', 'nobody', 'sato'],
        delivery: 'email',
      });
      expect(res.status).toBe(200);
      const raw = await res.text();
      expect(raw).not.toMatch(/https?:|onboard#|tanaka@example\.com|sato@example\.jp/);
      const results = (JSON.parse(raw) as BulkInvitationResponse).results;
      expect(results.map((r: Result) => [r.userName, r.status, r.error?.code ?? null])).toEqual([
        ['tanaka', 201, null],
        ['suzuki', 422, 'no_email_address'],
        ['enrolled', 409, 'already_enrolled'],
        ['nobody', 404, 'user_not_found'],
        ['sato', 502, 'email_rejected'],
      ]);
      expect(results[0]).toMatchObject({
        delivered: { channel: 'email', to: 't***@example.com' },
        finishOnly: false,
      });
      expect(results[0]).not.toHaveProperty('url');

      const mails = await mailbox();
      expect(mails.map((m) => m.to)).toEqual([['tanaka@example.com']]);
      expect(await f.onboardingStatus(tokenOf(linkIn(mails[0] as Mail)))).toBe(200);
      // suzuki: nothing written; sato: written, then taken back.
      expect(await tagsOf('suzuki')).not.toHaveProperty(INVITATION_TAG_KEY);
      expect(await tagsOf('sato')).not.toHaveProperty(INVITATION_TAG_KEY);
    });

    it('answers 503 for the users SES stayed busy for, and revokes their links', async () => {
      await faults([{ action: 'SendEmail', fault: 'error', code: 'Throttling', count: 1_000_000 }]);
      const app = f.newApp({
        requestBudgetMs: 2_000,
        retryDelays: { baseDelayMs: 20, throttleBaseDelayMs: 40 },
      });
      const res = await bulk({ userNames: ['tanaka', 'sato'], delivery: 'email' }, app);
      const results = ((await res.json()) as BulkInvitationResponse).results;
      expect(results.map((r: Result) => [r.status, r.error?.code])).toEqual([
        [503, 'email_unavailable'],
        [503, 'email_unavailable'],
      ]);
      expect(await tagsOf('tanaka')).not.toHaveProperty(INVITATION_TAG_KEY);
      expect(await tagsOf('sato')).not.toHaveProperty(INVITATION_TAG_KEY);
    });

    it('takes only the tag: an address for many personal links is refused with 400', async () => {
      const res = await bulk({ userNames: ['tanaka'], delivery: { email: 'hr@example.com' } });
      expect(res.status).toBe(400);
      expect(await tagsOf('tanaka')).not.toHaveProperty(INVITATION_TAG_KEY);
    });
  });

  it('never logs the link or the address, only the masked address', async () => {
    await issue({ userName: 'tanaka', delivery: 'email' });
    await issue({ userName: 'suzuki', delivery: { email: 'suzuki.ichiro@example.org' } });
    await bulk({ userNames: ['sato'], delivery: 'email' });
    f.iam.ses.deleteIdentity(DEFAULT_SENDER_EMAIL);
    await issue({ userName: 'tanaka', delivery: 'email' });
    const links = (await mailbox()).map(linkIn);
    expect(links).toHaveLength(3);
    const log = f.logs.join('\n');
    for (const secret of [
      ...links,
      ...links.map(tokenOf),
      'tanaka@example.com',
      'suzuki.ichiro@example.org',
      'sato@example.jp',
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).toContain('t***@example.com');
  });
});
