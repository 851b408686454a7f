// Exemptions from MFA: PUT and DELETE /v1/users/{userName}/exemption through the admin app
// against the emulator, with every answer they can give, what IAM holds afterwards (read
// through the SDK), how an exemption shares the 50 tags with an invitation, the audit lines, and
// concurrent writes and IAM faults (docs/invitation-state.md, "Exemptions").

import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { Exemption, UserStatus } from '../../functions/admin/schemas.ts';
import { EXEMPTION_TAG_KEY, SERVICE_TAG_PREFIX } from '../../functions/config.ts';
import {
  exemptionOf,
  exemptionRecord,
  staleExemptionKeys,
} from '../../functions/exemptions/tag.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';

const HOUR_MS = 3_600_000;
const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };
/** A reason IAM's tag alphabet cannot hold as it is: punctuation, quotes, emoji, a newline. */
const HARD_REASON =
  '本番デプロイ用のCIユーザー（MFA不可）。「緊急時」のみ使用😀 "break-glass"\n#42';
/** Long enough to take every one of the 3 tags an exemption may use. */
const LONGEST_REASON = '、。'.repeat(100);

describe('admin: exemptions from MFA', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' } });
  const key = () => f.keys.exemptionsWrite.key;
  const seed = (tags: { key: string; value: string }[] = []) =>
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'ci-bot', path: '/staff/machines/', tags },
        { name: 'tanaka.hanako', path: '/staff/' },
        { name: 'contractor', path: '/contractors/' },
      ],
    });
  const put = (userName: string, body: unknown, app = f.app) =>
    f.request('PUT', `/v1/users/${userName}/exemption`, { key: key(), body, app });
  const remove = (userName: string, app = f.app) =>
    f.request('DELETE', `/v1/users/${userName}/exemption`, { key: key(), app });
  const tagsOf = async (userName: string) => {
    const { Tags = [] } = await f.emulator.iam.send(
      new ListUserTagsCommand({ UserName: userName }),
    );
    return Object.fromEntries(Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
  };
  const serviceKeys = async (userName: string) =>
    Object.keys(await tagsOf(userName))
      .filter((k) => k.startsWith(SERVICE_TAG_PREFIX))
      .sort();
  const statusOf = async (userName: string) => {
    const res = await f.request('GET', `/v1/users/${userName}`, { key: f.keys.usersRead.key });
    expect(res.status).toBe(200);
    return (await res.json()) as UserStatus;
  };
  const foreign = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ key: `team-${i}`, value: 'x' }));

  describe('PUT /v1/users/{userName}/exemption', () => {
    it('exempts a user: 200 with the exemption, stored in IAM under the service prefix, shown in the user status', async () => {
      seed();
      const until = new Date(Date.now() + 30 * 24 * HOUR_MS);
      const res = await put('ci-bot', { reason: HARD_REASON, until: until.toISOString() });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        userName: 'ci-bot',
        reason: HARD_REASON,
        until: until.toISOString(),
      } satisfies Exemption);

      const tags = await tagsOf('ci-bot');
      expect(Object.keys(tags).every((k) => k.startsWith(`${SERVICE_TAG_PREFIX}exemption`))).toBe(
        true,
      );
      expect(exemptionOf(tags, new Date())).toEqual({ reason: HARD_REASON, until });
      expect((await statusOf('ci-bot')).exemption).toEqual({
        reason: HARD_REASON,
        until: until.toISOString(),
      });
      // Without one, the status says null.
      expect((await statusOf('tanaka.hanako')).exemption).toBeNull();
    });

    it('without until it lasts until removed (until: null); with an offset it answers in UTC', async () => {
      seed();
      const open = await put('ci-bot', { reason: 'service account' });
      expect(await open.json()).toEqual({
        userName: 'ci-bot',
        reason: 'service account',
        until: null,
      });
      const offset = await put('ci-bot', {
        reason: 'migration',
        until: '2099-01-01T09:00:00.5+09:00',
      });
      expect(((await offset.json()) as Exemption).until).toBe('2099-01-01T00:00:00.500Z');
    });

    it('trims the reason, and keeps it exactly otherwise', async () => {
      seed();
      const res = await put('ci-bot', { reason: '  「本番」用、テスト。 ' });
      expect(((await res.json()) as Exemption).reason).toBe('「本番」用、テスト。');
      expect((await statusOf('ci-bot')).exemption?.reason).toBe('「本番」用、テスト。');
    });

    it('replaces an earlier exemption and leaves none of its tags behind', async () => {
      seed();
      expect((await put('ci-bot', { reason: LONGEST_REASON })).status).toBe(200);
      expect(await serviceKeys('ci-bot')).toHaveLength(3);
      expect((await put('ci-bot', { reason: 'short' })).status).toBe(200);
      expect(await serviceKeys('ci-bot')).toEqual([EXEMPTION_TAG_KEY]);
      expect((await statusOf('ci-bot')).exemption?.reason).toBe('short');
      expect((await put('ci-bot', { reason: LONGEST_REASON })).status).toBe(200);
      expect(await serviceKeys('ci-bot')).toHaveLength(3);
      expect((await statusOf('ci-bot')).exemption?.reason).toBe(LONGEST_REASON);
    });

    it('400 for a bad body: no or empty reason, over 200 characters, a bad or past until, unknown fields', async () => {
      seed();
      const cases: [string, unknown][] = [
        ['no reason', {}],
        ['empty reason', { reason: '' }],
        ['only spaces', { reason: '   ' }],
        ['201 characters', { reason: 'x'.repeat(201) }],
        ['reason not a string', { reason: 42 }],
        ['until not a date', { reason: 'x', until: 'next week' }],
        ['until without a zone', { reason: 'x', until: '2099-01-01T00:00:00' }],
        ['until in the past', { reason: 'x', until: '2020-01-01T00:00:00Z' }],
        ['unknown field', { reason: 'x', by: 'admin' }],
        ['not an object', ['x']],
      ];
      for (const [name, body] of cases) {
        const res = await put('ci-bot', body);
        expect(res.status, name).toBe(400);
        expect(await res.json(), name).toMatchObject({ error: { code: 'bad_request' } });
      }
      expect(await serviceKeys('ci-bot')).toEqual([]);
      // 200 characters exactly is fine.
      expect((await put('ci-bot', { reason: '本'.repeat(200) })).status).toBe(200);
    });

    it('404 for an unknown user and for one outside the path, answered alike; 400 for a bad name', async () => {
      seed();
      const unknown = await put('nobody', { reason: 'x' });
      expect(unknown.status).toBe(404);
      const unknownBody = await unknown.json();
      const outside = await put('contractor', { reason: 'x' });
      expect(outside.status).toBe(404);
      expect(await outside.json()).toEqual(
        JSON.parse(JSON.stringify(unknownBody).replaceAll('nobody', 'contractor')),
      );
      expect(await serviceKeys('contractor')).toEqual([]);
      expect((await put('a%20b', { reason: 'x' })).status).toBe(400);
    });

    it('409 too_many_tags when the user has no room, and writes nothing', async () => {
      seed(foreign(48));
      const res = await put('ci-bot', { reason: LONGEST_REASON });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'too_many_tags' } });
      expect(await serviceKeys('ci-bot')).toEqual([]);
      // One tag's worth of reason still fits.
      expect((await put('ci-bot', { reason: 'short' })).status).toBe(200);
    });

    it('logs who exempted whom and until when, with the length of the reason, not its text', async () => {
      seed();
      const until = '2099-01-01T00:00:00.000Z';
      await put('ci-bot', { reason: HARD_REASON, until });
      const lines = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({
          event: 'admin.exemption_set',
          keyName: 'exemptions-admin',
          userName: 'ci-bot',
          until,
          reasonLength: HARD_REASON.length,
        }),
      );
      for (const line of f.logs) expect(line).not.toContain('break-glass');
    });
  });

  describe('DELETE /v1/users/{userName}/exemption', () => {
    it('removes the exemption and all its tags: 204, and the status says null', async () => {
      seed(foreign(2));
      await put('ci-bot', { reason: LONGEST_REASON });
      const res = await remove('ci-bot');
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(await serviceKeys('ci-bot')).toEqual([]);
      expect(Object.keys(await tagsOf('ci-bot'))).toHaveLength(2); // the user's own stay
      expect((await statusOf('ci-bot')).exemption).toBeNull();
      const line = f.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.event === 'admin.exemption_removed');
      expect(line).toMatchObject({
        keyName: 'exemptions-admin',
        userName: 'ci-bot',
        existed: true,
      });
    });

    it('is idempotent: removing twice, or with no exemption, is 204 and writes nothing', async () => {
      seed();
      await put('ci-bot', { reason: 'x' });
      expect((await remove('ci-bot')).status).toBe(204);
      f.iam.calls.reset();
      expect((await remove('ci-bot')).status).toBe(204);
      expect(f.iam.calls.snapshot().byAction).toEqual({ GetUser: 1 });
    });

    it('404 for an unknown user and one outside the path', async () => {
      seed();
      expect((await remove('nobody')).status).toBe(404);
      expect((await remove('contractor')).status).toBe(404);
    });
  });

  describe('an exemption ends at its until', () => {
    it('is no longer shown once its end has passed', async () => {
      seed();
      await put('ci-bot', {
        reason: 'temporary',
        until: new Date(Date.now() + HOUR_MS).toISOString(),
      });
      expect((await statusOf('ci-bot')).exemption?.reason).toBe('temporary');
      f.advanceClock(HOUR_MS + 1_000);
      expect((await statusOf('ci-bot')).exemption).toBeNull();
    });
  });

  describe('sharing the 50 tags with an invitation', () => {
    const invite = (userName: string) =>
      f.request('POST', '/v1/invitations', {
        key: f.keys.invitationsWrite.key,
        body: { userName },
      });

    it("an invitation counts the exemption's tags as taken (409 too_many_tags when they leave too few)", async () => {
      // 37 own tags + an exemption of 3 leave 10 free; an invitation needs 1 + 10.
      seed(foreign(37));
      await put('ci-bot', { reason: LONGEST_REASON });
      const res = await invite('ci-bot');
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'too_many_tags' } });
      // With a one-tag exemption there is room.
      await put('ci-bot', { reason: 'short' });
      expect((await invite('ci-bot')).status).toBe(201);
    });

    it('an exemption keeps free the code attempts a pending invitation was promised', async () => {
      // 38 own tags + the invitation's identity = 39; its 10 attempts are promised: 49.
      seed(foreign(38));
      expect((await invite('ci-bot')).status).toBe(201);
      const big = await put('ci-bot', { reason: LONGEST_REASON });
      expect(big.status).toBe(409);
      expect(await big.json()).toMatchObject({ error: { code: 'too_many_tags' } });
      expect((await put('ci-bot', { reason: 'short' })).status).toBe(200);
    });

    it('revoking or reissuing an invitation, and enrolling, leave the exemption alone', async () => {
      seed();
      await put('tanaka.hanako', { reason: LONGEST_REASON });
      const keys = await serviceKeys('tanaka.hanako');
      const issued = (await (await invite('tanaka.hanako')).json()) as { url: string };
      expect(await f.onboardingStatus(tokenOf(issued.url))).toBe(200);
      await invite('tanaka.hanako');
      await f.request('DELETE', '/v1/invitations/tanaka.hanako', {
        key: f.keys.invitationsWrite.key,
      });
      expect(await serviceKeys('tanaka.hanako')).toEqual(keys);
      expect((await statusOf('tanaka.hanako')).exemption?.reason).toBe(LONGEST_REASON);
    });
  });

  describe('concurrent writes: a reader never sees a mix, leftovers are harmless and cleaned', () => {
    it('12 PUTs of different lengths at once over 3 containers: one of them wins, whole', async () => {
      seed();
      const apps = [f.app, f.newApp(), f.newApp()];
      const reasons = Array.from({ length: 12 }, (_, i) => `${i}:${'、'.repeat(i * 16)}`);
      const answers = await Promise.all(
        reasons.map((reason, i) => put('ci-bot', { reason }, apps[i % 3])),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
      const tags = await tagsOf('ci-bot');
      const current = exemptionRecord(tags);
      expect(reasons).toContain(current?.reason);
      // Every other exemption tag is a leftover no head names; the next write clears them.
      expect([...(current?.keys ?? []), ...staleExemptionKeys(tags)].sort()).toEqual(
        await serviceKeys('ci-bot'),
      );
      await put('ci-bot', { reason: 'settled' });
      expect(await serviceKeys('ci-bot')).toEqual([EXEMPTION_TAG_KEY]);
    });

    it('a PUT landing between a DELETE’s read and its untag: no exemption, orphaned spill tags that the next write removes', async () => {
      seed();
      await put('ci-bot', { reason: 'first' });
      f.beforeNext('UntagUser', async () => {
        expect((await put('ci-bot', { reason: LONGEST_REASON })).status).toBe(200);
      });
      expect((await remove('ci-bot')).status).toBe(204);
      const tags = await tagsOf('ci-bot');
      expect(exemptionOf(tags, new Date())).toBeUndefined();
      expect(staleExemptionKeys(tags)).toHaveLength(2);
      expect((await statusOf('ci-bot')).exemption).toBeNull();
      await put('ci-bot', { reason: 'again' });
      expect(await serviceKeys('ci-bot')).toEqual([EXEMPTION_TAG_KEY]);
    });

    it('a PUT landing between another PUT’s read and write: the later write stands, whole', async () => {
      seed();
      await put('ci-bot', { reason: 'first' });
      f.beforeNext('TagUser', async () => {
        expect((await put('ci-bot', { reason: LONGEST_REASON })).status).toBe(200);
      });
      expect((await put('ci-bot', { reason: 'last' })).status).toBe(200);
      const tags = await tagsOf('ci-bot');
      expect(exemptionOf(tags, new Date())?.reason).toBe('last');
      // The interleaved write's spill tags: named by no head, harmless, cleared by the next write.
      expect(staleExemptionKeys(tags)).toHaveLength(2);
      await remove('ci-bot');
      expect(await serviceKeys('ci-bot')).toEqual([]);
    });
  });

  describe('IAM faults', () => {
    const fault = (scripted: object[]) => f.iam.faults.configure({ scripted: scripted as never });

    it('a lost TagUser answer: the read-back finds our write, 200', async () => {
      seed();
      fault([{ action: 'TagUser', fault: 'drop-after' }]);
      const res = await put(
        'ci-bot',
        { reason: LONGEST_REASON },
        f.newApp({ retryDelays: RETRY_DELAYS }),
      );
      expect(res.status).toBe(200);
      f.iam.faults.configure({});
      expect((await statusOf('ci-bot')).exemption?.reason).toBe(LONGEST_REASON);
      expect(await serviceKeys('ci-bot')).toHaveLength(3);
    });

    it('a dropped connection or a 500 before the work: written again under a new id, 200, nothing left over', async () => {
      for (const scripted of [
        { action: 'TagUser', fault: 'drop-before' },
        { action: 'TagUser', fault: 'error', code: 'ServiceFailure', status: 500 },
        { action: 'TagUser', fault: 'error', code: 'Throttling', status: 400 },
      ]) {
        f.iam.reset();
        seed();
        fault([scripted]);
        const res = await put(
          'ci-bot',
          { reason: LONGEST_REASON },
          f.newApp({ retryDelays: RETRY_DELAYS }),
        );
        f.iam.faults.configure({});
        expect(res.status, JSON.stringify(scripted)).toBe(200);
        expect(await serviceKeys('ci-bot')).toHaveLength(3);
        expect((await statusOf('ci-bot')).exemption?.reason).toBe(LONGEST_REASON);
      }
    });

    it('IAM throttling past the budget: 503 with Retry-After, and the exemption as it was', async () => {
      seed();
      await put('ci-bot', { reason: 'before' });
      fault([
        { action: 'TagUser', fault: 'error', code: 'Throttling', status: 400, count: 1_000_000 },
      ]);
      const impatient = f.newApp({ requestBudgetMs: 50, retryDelays: RETRY_DELAYS });
      const res = await put('ci-bot', { reason: 'after' }, impatient);
      f.iam.faults.configure({});
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await statusOf('ci-bot')).exemption?.reason).toBe('before');
    });

    it('every write failing: 503 after a few tries; every answer lost: 200, read back', async () => {
      seed();
      fault([
        {
          action: 'TagUser',
          fault: 'error',
          code: 'ServiceFailure',
          status: 500,
          count: 1_000_000,
        },
      ]);
      const res = await put(
        'ci-bot',
        { reason: LONGEST_REASON },
        f.newApp({ retryDelays: RETRY_DELAYS }),
      );
      f.iam.faults.configure({});
      expect(res.status).toBe(503);
      expect((await statusOf('ci-bot')).exemption).toBeNull();
      fault([{ action: 'TagUser', fault: 'drop-after', count: 1_000_000 }]);
      const lost = await put('ci-bot', { reason: 'lost' }, f.newApp({ retryDelays: RETRY_DELAYS }));
      f.iam.faults.configure({});
      expect(lost.status).toBe(200);
      expect((await statusOf('ci-bot')).exemption?.reason).toBe('lost');
    });
  });
});
