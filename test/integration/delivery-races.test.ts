// Email delivery of onboarding links (POST /v1/invitations and /bulk with "delivery")
// attacked with concurrent requests and injected IAM and SES faults. Each test asserts on IAM's
// final state (the identity tag, read through the SDK with no fault configured) and on the
// emulator's mailbox: at most one working link per user, a working link is one somebody was
// mailed (or HR was handed), and nobody holds a pending invitation whose link nobody received.

import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BulkInvitationResponse } from '../../functions/admin/schemas.ts';
import { DEFAULT_SENDER_EMAIL, INVITATION_TAG_KEY } from '../../functions/config.ts';
import type { FaultConfig, ScriptedFault } from '../../local/emulator/faults.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';
import { consecutiveCodes } from '../support/totp.ts';

interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
const LINK = /https:\/\/onboarding\.example\.com\/onboard#[^\s"<]+/;
const FOREVER = 1_000_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('email delivery under races and faults', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' }, retryDelays: RETRY_DELAYS });
  const key = () => f.keys.invitationsWrite.key;
  const BULK = Array.from({ length: 50 }, (_, i) => `bulk${String(i).padStart(2, '0')}`);

  beforeEach(() => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'tanaka', path: '/staff/', tags: [{ key: 'email', value: 'tanaka@example.com' }] },
        ...BULK.map((name) => ({
          name,
          path: '/staff/',
          tags: [{ key: 'email', value: `${name}@example.com` }],
        })),
      ],
    });
    f.iam.ses.createIdentity(DEFAULT_SENDER_EMAIL, [], { verified: true });
  });

  const issue = (body: unknown, app = f.app) =>
    f.request('POST', '/v1/invitations', { key: key(), body, app });
  const revoke = (userName: string) =>
    f.request('DELETE', `/v1/invitations/${userName}`, { key: key() });
  const mailbox = async () =>
    ((await f.emulator.control('GET', '/mail')) as { messages: Mail[] }).messages;
  const faults = (config: FaultConfig) => f.emulator.control('PUT', '/faults', config);
  const scripted = (list: ScriptedFault[], extra: FaultConfig = {}) =>
    faults({ scripted: list, ...extra });
  const clearFaults = () => faults({});
  const identityOf = async (userName: string) => {
    const { Tags } = await f.emulator.iam.send(new ListUserTagsCommand({ UserName: userName }));
    return (Tags ?? []).find((t) => t.Key === INVITATION_TAG_KEY)?.Value;
  };
  const linkIn = (mail: Mail) => {
    const url = LINK.exec(mail.text)?.[0];
    if (!url) throw new Error('no link in the mail');
    return url;
  };
  const mailedTokens = async (address: string) =>
    (await mailbox()).filter((m) => m.to.includes(address)).map((m) => tokenOf(linkIn(m)));
  const working = async (tokens: string[]) => {
    const out: string[] = [];
    for (const t of tokens) if ((await f.onboardingStatus(t)) === 200) out.push(t);
    return out;
  };

  describe('concurrent issues of one user', () => {
    it('two deliveries at once: both mailed, exactly one mailed link works and it is the current identity', async () => {
      await scripted([], { actionLatencyMs: { TagUser: 40, SendEmail: 60 } });
      const [a, b] = await Promise.all([
        issue({ userName: 'tanaka', delivery: 'email' }),
        issue({ userName: 'tanaka', delivery: 'email' }, f.newApp()),
      ]);
      await clearFaults();
      expect([a.status, b.status]).toEqual([201, 201]);
      const tokens = await mailedTokens('tanaka@example.com');
      expect(tokens).toHaveLength(2);
      expect(new Set(tokens).size).toBe(2);
      expect(await working(tokens)).toHaveLength(1);
      expect(await identityOf('tanaka')).toBeDefined();
    });

    it('ten deliveries at once over several containers: one working link, and it was mailed', async () => {
      await scripted([], { latencyMs: 5, actionLatencyMs: { SendEmail: 30 } });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          issue({ userName: 'tanaka', delivery: 'email' }, i % 2 ? f.app : f.newApp()),
        ),
      );
      await clearFaults();
      expect(results.every((r) => r.status === 201)).toBe(true);
      const tokens = await mailedTokens('tanaka@example.com');
      expect(tokens).toHaveLength(10);
      expect(await working(tokens)).toHaveLength(1);
    });

    it('two deliveries at once, the later-landing one refused by SES: no pending link nobody received', async () => {
      // The second SendEmail is refused; whichever identity is current at the end was mailed, or none is.
      await scripted(
        [
          {
            action: 'SendEmail',
            skip: 1,
            fault: 'error',
            code: 'MessageRejected',
            status: 400,
          },
        ],
        { actionLatencyMs: { SendEmail: 50 } },
      );
      const [a, b] = await Promise.all([
        issue({ userName: 'tanaka', delivery: 'email' }),
        issue({ userName: 'tanaka', delivery: 'email' }, f.newApp()),
      ]);
      await clearFaults();
      expect([a.status, b.status].sort()).toEqual([201, 502]);
      const tokens = await mailedTokens('tanaka@example.com');
      expect(tokens).toHaveLength(1);
      const identity = await identityOf('tanaka');
      if (identity !== undefined) expect(await working(tokens)).toHaveLength(1);
    });
  });

  describe('delivery racing other flows', () => {
    it('a revoke landing while the mail is in flight is final: the mailed link is dead, nothing pending', async () => {
      await scripted([], { actionLatencyMs: { SendEmail: 300 } });
      const delivering = issue({ userName: 'tanaka', delivery: 'email' });
      await sleep(150);
      expect((await revoke('tanaka')).status).toBe(204);
      expect((await delivering).status).toBe(201);
      await clearFaults();
      const tokens = await mailedTokens('tanaka@example.com');
      expect(tokens).toHaveLength(1);
      expect(await working(tokens)).toEqual([]);
      expect(await identityOf('tanaka')).toBeUndefined();
    });

    it('a revoke landing before the delivery wrote is undone only by the newer issue, whose link was mailed', async () => {
      await scripted([], { actionLatencyMs: { TagUser: 200 } });
      const delivering = issue({ userName: 'tanaka', delivery: 'email' });
      await sleep(50);
      expect((await revoke('tanaka')).status).toBe(204);
      expect((await delivering).status).toBe(201);
      await clearFaults();
      const tokens = await mailedTokens('tanaka@example.com');
      expect(await working(tokens)).toEqual(tokens);
    });

    it('an HR reissue without delivery while the mail is in flight: only HR’s link works', async () => {
      await scripted([], { actionLatencyMs: { SendEmail: 300 } });
      const delivering = issue({ userName: 'tanaka', delivery: 'email' });
      await sleep(150);
      const plain = await issue({ userName: 'tanaka' });
      expect(plain.status).toBe(201);
      const hr = tokenOf(((await plain.json()) as { url: string }).url);
      expect((await delivering).status).toBe(201);
      await clearFaults();
      expect(await working(await mailedTokens('tanaka@example.com'))).toEqual([]);
      expect(await f.onboardingStatus(hr)).toBe(200);
    });

    it('an enrollment of the earlier link finishing while a delivery is issued: no second device, at most one working link', async () => {
      const first = await issue({ userName: 'tanaka' });
      const earlier = tokenOf(((await first.json()) as { url: string }).url);
      const device = await f.onboarding.request('/api/enrollment/device', {
        method: 'POST',
        headers: { authorization: `Bearer ${earlier}` },
      });
      expect(device.status).toBe(201);
      const { secret, serialNumber } = (await device.json()) as {
        secret: string;
        serialNumber: string;
      };
      await scripted([], { actionLatencyMs: { TagUser: 80, SendEmail: 80 } });
      const [activated, delivered] = await Promise.all([
        f.onboarding.request('/api/enrollment/activate', {
          method: 'POST',
          headers: { authorization: `Bearer ${earlier}`, 'content-type': 'application/json' },
          body: JSON.stringify({ serialNumber, ...consecutiveCodes(secret) }),
        }),
        issue({ userName: 'tanaka', delivery: 'email' }),
      ]);
      await clearFaults();
      expect([200, 401, 409]).toContain(activated.status);
      expect([201, 409]).toContain(delivered.status);
      expect(await f.onboardingStatus(earlier)).toBe(401);
      const tokens = await mailedTokens('tanaka@example.com');
      expect((await working(tokens)).length).toBeLessThanOrEqual(1);
      // A pending identity is one the mailbox holds.
      if ((await identityOf('tanaka')) !== undefined && delivered.status === 201)
        expect(await working(tokens)).toHaveLength(1);
    });
  });

  describe('SES faults', () => {
    it('an SES answer lost once: the retry mails the same live link again', async () => {
      await scripted([{ action: 'SendEmail', fault: 'drop-after' }]);
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      await clearFaults();
      expect(res.status).toBe(201);
      const tokens = await mailedTokens('tanaka@example.com');
      expect(tokens).toHaveLength(2);
      expect(new Set(tokens).size).toBe(1);
      expect(await working(tokens)).toEqual(tokens);
    });

    it('an SES connection dropped, persistently: 504 unconfirmed, and the link kept, since the service cannot tell a drop before the work from one after it', async () => {
      await scripted([{ action: 'SendEmail', fault: 'drop-before', count: FOREVER }]);
      const app = f.newApp({ requestBudgetMs: 1_500 });
      const res = await issue({ userName: 'tanaka', delivery: 'email' }, app);
      await clearFaults();
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'email_unconfirmed',
      );
      expect(await mailbox()).toEqual([]);
      // Pending, unmailed here: the scheduled run renews it (and mails it) before it expires.
      expect(await identityOf('tanaka')).toBeDefined();
    });
  });

  describe('IAM faults during the take-back', () => {
    const refused: ScriptedFault = {
      action: 'SendEmail',
      fault: 'error',
      code: 'MessageRejected',
      status: 400,
    };
    it.each<[string, ScriptedFault[]]>([
      [
        'UntagUser throttled twice',
        [{ action: 'UntagUser', fault: 'error', code: 'Throttling', status: 400, count: 2 }],
      ],
      ['UntagUser answer lost', [{ action: 'UntagUser', fault: 'drop-after' }]],
      ['UntagUser dropped before the work', [{ action: 'UntagUser', fault: 'drop-before' }]],
      [
        'UntagUser failing with a 500',
        [{ action: 'UntagUser', fault: 'error', code: 'ServiceFailure', status: 500 }],
      ],
      [
        'the take-back’s GetUser answer lost',
        [{ action: 'GetUser', skip: 1, fault: 'drop-after' }],
      ],
      [
        'the take-back’s GetUser throttled',
        [{ action: 'GetUser', skip: 1, fault: 'error', code: 'Throttling', status: 400, count: 3 }],
      ],
    ])('%s: the undelivered link is still taken back', async (_, iamFaults) => {
      await scripted([refused, ...iamFaults]);
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      await clearFaults();
      expect(res.status).toBe(502);
      expect(await identityOf('tanaka')).toBeUndefined();
      expect(await mailbox()).toEqual([]);
      const line = f.logs.find((l) => l.includes('admin.invitation_not_delivered'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ outcome: 'revoked' });
    });

    it('TagUser throttled and its answer lost on the issue: the link written is the one mailed', async () => {
      await scripted([
        { action: 'TagUser', fault: 'error', code: 'Throttling', status: 400, count: 2 },
        { action: 'TagUser', fault: 'drop-after' },
      ]);
      const res = await issue({ userName: 'tanaka', delivery: 'email' });
      await clearFaults();
      expect(res.status).toBe(201);
      const tokens = await mailedTokens('tanaka@example.com');
      expect(await working(tokens)).toEqual(tokens);
    });
  });

  describe('bulk', () => {
    it('a bulk delivery and a single delivery of the same users at once: each ends with one working mailed link', async () => {
      const names = BULK.slice(0, 6);
      await scripted([], { latencyMs: 3, actionLatencyMs: { SendEmail: 20 } });
      const [bulkRes, ...singles] = await Promise.all([
        f.request('POST', '/v1/invitations/bulk', {
          key: key(),
          body: { userNames: names, delivery: 'email' },
        }),
        ...names.map((userName) => issue({ userName, delivery: 'email' }, f.newApp())),
      ]);
      await clearFaults();
      expect(bulkRes.status).toBe(200);
      expect(singles.map((r) => r.status)).toEqual(names.map(() => 201));
      for (const name of names) {
        const tokens = await mailedTokens(`${name}@example.com`);
        expect(tokens).toHaveLength(2);
        expect(await working(tokens)).toHaveLength(1);
      }
    });

    it('a bulk whose SES answers are lost once each: duplicates carry the same working link', async () => {
      const names = BULK.slice(0, 4);
      await scripted([{ action: 'SendEmail', fault: 'drop-after', count: 4 }]);
      const res = await f.request('POST', '/v1/invitations/bulk', {
        key: key(),
        body: { userNames: names, delivery: 'email' },
      });
      await clearFaults();
      const results = ((await res.json()) as BulkInvitationResponse).results;
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      for (const name of names) {
        const tokens = await mailedTokens(`${name}@example.com`);
        expect(tokens.length).toBeGreaterThanOrEqual(1);
        expect(new Set(tokens).size).toBe(1);
        expect(await working(tokens)).toEqual(tokens);
      }
    });

    it('50 users with SES throttled intermittently: each either has a working mailed link or no invitation', async () => {
      await faults({ actionThrottle: { SendEmail: { ratePerSecond: 15, burst: 3 } } });
      const app = f.newApp({ requestBudgetMs: 6_000 });
      const res = await f.request('POST', '/v1/invitations/bulk', {
        key: key(),
        body: { userNames: BULK, delivery: 'email' },
        app,
      });
      await clearFaults();
      expect(res.status).toBe(200);
      const raw = await res.text();
      expect(raw).not.toMatch(/onboard#|bulk\d\d@example\.com/);
      const results = (JSON.parse(raw) as BulkInvitationResponse).results;
      expect(results).toHaveLength(50);
      for (const r of results) {
        const tokens = await mailedTokens(`${r.userName}@example.com`);
        const live = await working(tokens);
        const identity = await identityOf(r.userName);
        if (r.status === 201) {
          expect(live).toHaveLength(1);
          expect(identity).toBeDefined();
        } else {
          expect([503]).toContain(r.status);
          expect(identity).toBeUndefined();
          expect(live).toEqual([]);
        }
      }
    });
  });
});
