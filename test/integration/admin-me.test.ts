// GET /v1/me: the presented key's name and scopes, for any valid key whatever its scopes (the
// admin console offers only what the key may do); a missing or unknown key is the same 401 as
// everywhere. The route table says "any valid key" with `auth: { apiKey: null }`, and the
// document derives its 401, no 403 and an empty scope list from that.

import { describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/admin/api-keys.ts';
import type { MeResponse } from '../../functions/admin/schemas.ts';
import { useAdmin } from '../support/admin.ts';

describe('GET /v1/me', () => {
  const f = useAdmin();

  it('answers every configured key with its own name and scopes, and calls no IAM', async () => {
    f.iam.calls.reset();
    for (const test of Object.values(f.keys)) {
      const res = await f.request('GET', '/v1/me', { key: test.key });
      expect(res.status, test.entry.name).toBe(200);
      expect(await res.json()).toEqual({
        name: test.entry.name,
        scopes: test.entry.scopes,
      } satisfies MeResponse);
    }
    expect(f.iam.calls.snapshot().total).toBe(0);
  });

  it('is 401 with WWW-Authenticate: Bearer for no key and for an unknown one', async () => {
    for (const key of [undefined, newApiKey().key]) {
      const res = await f.request('GET', '/v1/me', { key });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });

  it('logs nothing of the key but the request line', async () => {
    await f.request('GET', '/v1/me', { key: f.keys.all.key });
    for (const line of f.logs) expect(line).not.toContain(f.keys.all.key.slice(6, 22));
  });

  it('is documented as open to any valid key: security with no scope, 401, and no 403', async () => {
    const doc = (await (await f.request('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>;
    };
    const op = doc.paths['/v1/me']?.get;
    expect(op?.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '401']);
  });
});
