// HR's invitation routes: POST /v1/invitations issues (and reissues) a link, DELETE revokes it,
// with every answer they can give, through the admin app against the emulator.

import { GetUserCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { INVITATION_TAG_KEY } from '../../functions/config.ts';
import { hashSecret } from '../../functions/invitations/token.ts';
import { tokenOf, useAdmin } from '../support/admin.ts';

const HOUR_MS = 3_600_000;
const LINK = /^https:\/\/onboarding\.example\.com\/onboard#(.+)\.([A-Za-z0-9_-]{43})$/;

describe('HR: onboarding invitations', () => {
  // The service manages only users under /staff/.
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' } });
  const key = () => f.keys.invitationsWrite.key;
  const seed = () =>
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: [
        { name: 'tanaka.hanako', path: '/staff/' },
        { name: 'sato.taro', path: '/staff/engineering/' },
        { name: 'enrolled.user', path: '/staff/', mfa: ['virtual'], groups: ['force-mfa'] },
        { name: 'hardware.user', path: '/staff/', mfa: ['hardware'] },
        { name: 'contractor', path: '/contractors/' },
        { name: 'ci-bot', path: '/' },
      ],
    });
  const issue = (body: unknown) => f.request('POST', '/v1/invitations', { key: key(), body });

  describe('POST /v1/invitations', () => {
    it('issues a link for a user under the managed path: 201 with the URL and expiry', async () => {
      seed();
      const before = Date.now();
      const res = await issue({ userName: 'tanaka.hanako' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        userName: string;
        url: string;
        expiresAt: string;
        finishOnly: boolean;
      };
      expect(Object.keys(body).sort()).toEqual(['expiresAt', 'finishOnly', 'url', 'userName']);
      expect(body.finishOnly).toBe(false);
      expect(body.userName).toBe('tanaka.hanako');
      expect(body.url).toMatch(LINK);
      expect(LINK.exec(body.url)?.[1]).toBe('tanaka.hanako');
      // Default 72 hours, in whole seconds.
      const expiresAt = new Date(body.expiresAt).getTime();
      expect(expiresAt % 1000).toBe(0);
      expect(expiresAt).toBeGreaterThan(before + 72 * HOUR_MS - 2_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 72 * HOUR_MS);
      // The link works in the onboarding app.
      expect(await f.onboardingStatus(tokenOf(body.url))).toBe(200);
    });

    it('honours ttlHours from 1 to 720', async () => {
      seed();
      for (const ttlHours of [1, 720]) {
        const before = Date.now();
        const res = await issue({ userName: 'sato.taro', ttlHours });
        expect(res.status).toBe(201);
        const { expiresAt } = (await res.json()) as { expiresAt: string };
        const ms = new Date(expiresAt).getTime();
        expect(ms).toBeGreaterThan(before + ttlHours * HOUR_MS - 2_000);
        expect(ms).toBeLessThanOrEqual(Date.now() + ttlHours * HOUR_MS);
      }
    });

    it('stores only a hash of the secret in the user tag, never the secret', async () => {
      seed();
      const res = await issue({ userName: 'tanaka.hanako' });
      const { url, expiresAt } = (await res.json()) as { url: string; expiresAt: string };
      const secret = LINK.exec(url)?.[2] as string;

      const { Tags = [] } = await f.emulator.iam.send(
        new ListUserTagsCommand({ UserName: 'tanaka.hanako' }),
      );
      expect(Tags.map((t) => t.Key)).toEqual([INVITATION_TAG_KEY]);
      for (const tag of Tags) {
        expect(tag.Value).not.toContain(secret);
        expect(tag.Key).not.toContain(secret);
      }
      const expiry = new Date(expiresAt).getTime() / 1000;
      expect(Tags[0]?.Value).toMatch(
        new RegExp(`^v2:[A-Za-z0-9_-]{12}:${hashSecret(secret)}:${expiry}$`),
      );
      // Nor does the log hold it.
      for (const line of f.logs) expect(line).not.toContain(secret);
    });

    it('reissuing revokes the previous link: the old token is rejected, the new one works', async () => {
      seed();
      const first = (await (await issue({ userName: 'tanaka.hanako' })).json()) as { url: string };
      expect(await f.onboardingStatus(tokenOf(first.url))).toBe(200);

      const second = (await (await issue({ userName: 'tanaka.hanako' })).json()) as {
        url: string;
      };
      expect(second.url).not.toBe(first.url);
      expect(await f.onboardingStatus(tokenOf(first.url))).toBe(401);
      expect(await f.onboardingStatus(tokenOf(second.url))).toBe(200);
    });

    it('404 user_not_found for an unknown user', async () => {
      seed();
      const res = await issue({ userName: 'nobody' });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'user_not_found' } });
    });

    it('409 already_enrolled for a user with an MFA device of any kind, and no tag is written', async () => {
      seed();
      for (const userName of ['enrolled.user', 'hardware.user']) {
        const res = await issue({ userName });
        expect(res.status, userName).toBe(409);
        expect(await res.json()).toMatchObject({ error: { code: 'already_enrolled' } });
        const { User } = await f.emulator.iam.send(new GetUserCommand({ UserName: userName }));
        expect(User?.Tags ?? []).toEqual([]);
      }
    });

    it('404 for a user outside USER_PATH_PREFIX, exactly as for an unknown user', async () => {
      seed();
      const unknown = await (await issue({ userName: 'nobody' })).json();
      for (const userName of ['contractor', 'ci-bot']) {
        const res = await issue({ userName });
        expect(res.status, userName).toBe(404);
        expect(await res.json()).toEqual(
          JSON.parse(JSON.stringify(unknown).replaceAll('nobody', userName)),
        );
        const { User } = await f.emulator.iam.send(new GetUserCommand({ UserName: userName }));
        expect(User?.Tags ?? []).toEqual([]);
      }
    });

    it('400 for a bad ttlHours: 0, 721, 1.5, "x", -1, null', async () => {
      seed();
      for (const ttlHours of [0, 721, 1.5, 'x', -1, null, '24']) {
        const res = await issue({ userName: 'tanaka.hanako', ttlHours });
        expect(res.status, JSON.stringify(ttlHours)).toBe(400);
        expect(await res.json()).toMatchObject({
          error: { code: 'bad_request', message: expect.stringContaining('ttlHours') },
        });
      }
    });

    it('400 for a bad body: not JSON, not an object, unknown fields, missing or bad userName', async () => {
      seed();
      const cases: { name: string; body: unknown; headers?: Record<string, string> }[] = [
        { name: 'not JSON', body: '{"userName": "tanaka.hanako"' },
        { name: 'empty body', body: '' },
        { name: 'form encoding', body: 'userName=tanaka.hanako' },
        {
          name: 'JSON without a JSON content type',
          body: '{"userName":"tanaka.hanako"}',
          headers: { 'content-type': 'text/plain' },
        },
        { name: 'an array', body: [{ userName: 'tanaka.hanako' }] },
        { name: 'a string', body: '"tanaka.hanako"' },
        { name: 'unknown field', body: { userName: 'tanaka.hanako', email: 'x@example.com' } },
        { name: 'userName from elsewhere', body: { user: 'tanaka.hanako' } },
        { name: 'missing userName', body: {} },
        { name: 'empty userName', body: { userName: '' } },
        { name: 'space in userName', body: { userName: 'tanaka hanako' } },
        { name: 'slash in userName', body: { userName: 'staff/tanaka' } },
        { name: 'non-ASCII userName', body: { userName: 'tanaka.hanakö' } },
        { name: 'userName too long', body: { userName: 'a'.repeat(65) } },
        { name: 'userName not a string', body: { userName: 42 } },
      ];
      for (const c of cases) {
        const res = await f.request('POST', '/v1/invitations', {
          key: key(),
          body: c.body,
          headers: c.headers,
        });
        expect(res.status, c.name).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code, c.name).toBe('bad_request');
        expect(body.error.message, c.name).not.toMatch(/at .*\.ts:\d+/); // no stack
      }
      // Nothing was tagged.
      const { User } = await f.emulator.iam.send(new GetUserCommand({ UserName: 'tanaka.hanako' }));
      expect(User?.Tags ?? []).toEqual([]);
    });
  });

  describe('DELETE /v1/invitations/{userName}', () => {
    it('revokes the pending link: 204, and the link stops working', async () => {
      seed();
      const { url } = (await (await issue({ userName: 'tanaka.hanako' })).json()) as {
        url: string;
      };
      expect(await f.onboardingStatus(tokenOf(url))).toBe(200);

      const res = await f.request('DELETE', '/v1/invitations/tanaka.hanako', { key: key() });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(await f.onboardingStatus(tokenOf(url))).toBe(401);
      const { User } = await f.emulator.iam.send(new GetUserCommand({ UserName: 'tanaka.hanako' }));
      expect(User?.Tags ?? []).toEqual([]);
    });

    it('is idempotent: revoking twice, or with no pending link, is 204', async () => {
      seed();
      await issue({ userName: 'tanaka.hanako' });
      for (let i = 0; i < 2; i++) {
        const res = await f.request('DELETE', '/v1/invitations/tanaka.hanako', { key: key() });
        expect(res.status).toBe(204);
      }
      const never = await f.request('DELETE', '/v1/invitations/sato.taro', { key: key() });
      expect(never.status).toBe(204);
    });

    it('404 user_not_found for an unknown user', async () => {
      seed();
      const res = await f.request('DELETE', '/v1/invitations/nobody', { key: key() });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'user_not_found' } });
    });

    it('404 for a user outside the managed path, as for an unknown one, and 400 for a bad user name', async () => {
      seed();
      const outside = await f.request('DELETE', '/v1/invitations/contractor', { key: key() });
      expect(outside.status).toBe(404);
      expect(await outside.json()).toMatchObject({ error: { code: 'user_not_found' } });

      for (const bad of ['tanaka%20hanako', 'a%2Fb', 'x'.repeat(65), '%E3%81%82']) {
        const res = await f.request('DELETE', `/v1/invitations/${bad}`, { key: key() });
        expect(res.status, bad).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
      }
    });
  });
});
