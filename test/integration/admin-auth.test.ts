// The admin API's keys: no key, an unknown or malformed one and a revoked one all get the same
// 401; each route needs its scope (403 otherwise); several keys work at once for rotation; and no
// key ever reaches a log line.

import { describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import { useAdmin } from '../support/admin.ts';

const USERS = [{ name: 'tanaka.hanako' }, { name: 'sato.taro' }];

/** One request to each protected route, with the scope it needs. */
const ROUTES = [
  {
    scope: 'invitations:write',
    method: 'POST',
    path: '/v1/invitations',
    body: { userName: 'tanaka.hanako' },
    ok: 201,
  },
  { scope: 'invitations:write', method: 'DELETE', path: '/v1/invitations/sato.taro', ok: 204 },
  { scope: 'users:read', method: 'GET', path: '/v1/users/tanaka.hanako', ok: 200 },
  { scope: 'compliance:read', method: 'GET', path: '/v1/compliance/users-without-mfa', ok: 200 },
  { scope: 'compliance:read', method: 'GET', path: '/v1/compliance/history', ok: 200 },
  {
    scope: 'exemptions:write',
    method: 'PUT',
    path: '/v1/users/tanaka.hanako/exemption',
    body: { reason: 'CI deploy user' },
    ok: 200,
  },
  { scope: 'exemptions:write', method: 'DELETE', path: '/v1/users/sato.taro/exemption', ok: 204 },
  {
    scope: 'enforcement:write',
    method: 'POST',
    path: '/v1/force-mfa-group/members',
    body: { userNames: ['tanaka.hanako'] },
    ok: 200,
  },
  {
    scope: 'mfa:reset',
    method: 'POST',
    path: '/v1/users/tanaka.hanako/mfa-reset',
    body: { reason: 'スマートフォン紛失 (ticket 42)' },
    ok: 201,
  },
] as const;

describe('admin API authentication', () => {
  const f = useAdmin();
  const seed = () => f.seed({ groups: [{ name: 'force-mfa' }], users: USERS });
  /** A key per scope, each holding that scope only. */
  const singleScopeKeys = () => [
    f.keys.invitationsWrite,
    f.keys.usersRead,
    f.keys.complianceRead,
    f.keys.exemptionsWrite,
    f.keys.enforcementWrite,
    f.keys.mfaReset,
  ];

  describe('without a valid key', () => {
    for (const route of ROUTES) {
      it(`${route.method} ${route.path}: no key is 401 unauthorized with WWW-Authenticate: Bearer`, async () => {
        seed();
        const res = await f.request(route.method, route.path, {
          body: 'body' in route ? route.body : undefined,
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      });

      it(`${route.method} ${route.path}: an unknown key is 401`, async () => {
        seed();
        const res = await f.request(route.method, route.path, {
          key: newApiKey().key,
          body: 'body' in route ? route.body : undefined,
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      });
    }

    it('rejects malformed Authorization headers as 401', async () => {
      seed();
      const key = f.keys.all.key;
      for (const authorization of [
        key, // no scheme
        `Basic ${key}`,
        `Bearer ${key} extra`,
        `Bearer ${key.slice(0, -1)}`, // one character short
        'Bearer ',
      ]) {
        const res = await f.request('GET', '/v1/users/tanaka.hanako', {
          headers: { authorization },
        });
        expect(res.status, authorization).toBe(401);
      }
    });

    it('does not touch IAM before the key is checked', async () => {
      seed();
      f.iam.calls.reset();
      await f.request('POST', '/v1/invitations', { body: { userName: 'tanaka.hanako' } });
      await f.request('GET', '/v1/compliance/users-without-mfa', { key: newApiKey().key });
      expect(f.iam.calls.snapshot().total).toBe(0);
    });
  });

  describe('scopes', () => {
    for (const route of ROUTES) {
      it(`${route.method} ${route.path} needs ${route.scope}: other scopes get 403 forbidden`, async () => {
        seed();
        const others = singleScopeKeys().filter((k) => !k.entry.scopes.includes(route.scope));
        expect(others).toHaveLength(singleScopeKeys().length - 1);
        for (const other of others) {
          const res = await f.request(route.method, route.path, {
            key: other.key,
            body: 'body' in route ? route.body : undefined,
          });
          expect(res.status, other.entry.name).toBe(403);
          expect(await res.json()).toMatchObject({
            error: { code: 'forbidden', message: expect.stringContaining(route.scope) },
          });
        }
      });

      it(`${route.method} ${route.path} works with a key holding only ${route.scope}, and with an all-scopes key`, async () => {
        const only = singleScopeKeys().find((k) => k.entry.scopes.includes(route.scope));
        for (const key of [only?.key, f.keys.all.key]) {
          f.iam.reset();
          seed();
          const res = await f.request(route.method, route.path, {
            key,
            body: 'body' in route ? route.body : undefined,
          });
          expect(res.status).toBe(route.ok);
        }
      });
    }
  });

  describe('revocation and rotation', () => {
    it('a key whose hash is no longer configured is rejected with 401', async () => {
      seed();
      const before = await f.request('GET', '/v1/users/tanaka.hanako', {
        key: f.keys.usersRead.key,
      });
      expect(before.status).toBe(200);

      // The operator removes the key's entry from API_KEYS and redeploys.
      const revoked = f.newApp({
        apiKeys: [f.keys.all.entry, f.keys.invitationsWrite.entry, f.keys.complianceRead.entry],
      });
      const after = await f.request('GET', '/v1/users/tanaka.hanako', {
        key: f.keys.usersRead.key,
        app: revoked,
      });
      expect(after.status).toBe(401);
      expect(after.headers.get('www-authenticate')).toBe('Bearer');
      expect(await after.json()).toMatchObject({ error: { code: 'unauthorized' } });
      // The keys still listed keep working.
      const other = await f.request('GET', '/v1/users/tanaka.hanako', {
        key: f.keys.all.key,
        app: revoked,
      });
      expect(other.status).toBe(200);
    });

    it('rotates without downtime: old and new keys both work while both are configured', async () => {
      seed();
      const oldKey = newApiKey();
      const newKey = newApiKey();
      const entry = (name: string, sha256: string) => ({
        name,
        scopes: ['users:read' as const],
        sha256,
      });

      const both = f.newApp({
        apiKeys: [entry('hr-2025', oldKey.sha256), entry('hr-2026', newKey.sha256)],
      });
      for (const key of [oldKey.key, newKey.key]) {
        const res = await f.request('GET', '/v1/users/tanaka.hanako', { key, app: both });
        expect(res.status).toBe(200);
      }

      const onlyNew = f.newApp({ apiKeys: [entry('hr-2026', newKey.sha256)] });
      expect(
        (await f.request('GET', '/v1/users/tanaka.hanako', { key: oldKey.key, app: onlyNew }))
          .status,
      ).toBe(401);
      expect(
        (await f.request('GET', '/v1/users/tanaka.hanako', { key: newKey.key, app: onlyNew }))
          .status,
      ).toBe(200);
    });
  });

  describe('logging', () => {
    it('never writes a key to the log, but names the key that acted', async () => {
      seed();
      const stranger = newApiKey().key;
      const presented = [
        f.keys.all.key,
        f.keys.invitationsWrite.key,
        f.keys.usersRead.key,
        f.keys.complianceRead.key,
        stranger,
      ];
      for (const key of presented) {
        for (const route of ROUTES) {
          await f.request(route.method, route.path, {
            key,
            body: 'body' in route ? route.body : undefined,
          });
        }
      }
      // A key in odd places: a query string and a malformed header.
      await f.request('GET', `/v1/users/tanaka.hanako?key=${f.keys.all.key}`, {
        key: f.keys.all.key,
      });
      await f.request('GET', '/v1/users/tanaka.hanako', {
        headers: { authorization: `Token ${f.keys.all.key}` },
      });

      expect(f.logs.length).toBeGreaterThan(ROUTES.length * presented.length);
      for (const line of f.logs) {
        for (const key of presented) {
          expect(line).not.toContain(key);
          // Not even a recognisable part of one.
          expect(line).not.toContain(key.slice('mfaob_'.length, 'mfaob_'.length + 16));
        }
      }
      const events = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events).toContainEqual(
        expect.objectContaining({ event: 'admin.invitation_issued', keyName: 'hr-admin-all' }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          event: 'admin.auth_failed',
          reason: 'missing_scope',
          keyName: 'status-reader',
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({ event: 'admin.auth_failed', reason: 'unknown_key' }),
      );
    });
  });

  describe('public routes', () => {
    it('/healthz needs no key', async () => {
      const res = await f.request('GET', '/healthz');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('/openapi.json needs no key', async () => {
      const res = await f.request('GET', '/openapi.json');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ openapi: '3.1.0' });
    });

    it('an unknown route is a 404 in the error envelope, with the security headers', async () => {
      const res = await f.request('GET', '/v1/nothing-here', { key: f.keys.all.key });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });
});
