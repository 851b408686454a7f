// Enforcement: POST /v1/force-mfa-group/members puts users in the force-MFA group, through the
// admin app against the emulator: every per-user answer, request order, what IAM holds
// afterwards, one user's IAM trouble not stopping the others, the IAM calls it takes, and the
// audit lines.

import { GetGroupCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { EnforcementResponse } from '../../functions/admin/schemas.ts';
import type { QueryRequest } from '../../local/emulator/emulator.ts';
import { useAdmin } from '../support/admin.ts';

const RETRY_DELAYS = { baseDelayMs: 1, throttleBaseDelayMs: 1 };

describe('admin: enforcement (the force-MFA group)', () => {
  const f = useAdmin({ env: { USER_PATH_PREFIX: '/staff/' } });
  const key = () => f.keys.enforcementWrite.key;
  const seed = () =>
    f.seed({
      groups: [{ name: 'force-mfa' }, { name: 'developers' }],
      users: [
        { name: 'no-mfa', path: '/staff/' },
        { name: 'mfa-outside', path: '/staff/', mfa: ['virtual'], groups: ['developers'] },
        { name: 'hardware-outside', path: '/staff/', mfa: ['hardware'] },
        { name: 'member', path: '/staff/', mfa: ['virtual'], groups: ['force-mfa'] },
        { name: 'ci-bot', path: '/staff/machines/' },
        { name: 'contractor', path: '/contractors/' },
      ],
    });
  const enforce = (userNames: unknown, app = f.app) =>
    f.request('POST', '/v1/force-mfa-group/members', { key: key(), body: { userNames }, app });
  const members = async () => {
    const { Users = [] } = await f.emulator.iam.send(
      new GetGroupCommand({ GroupName: 'force-mfa' }),
    );
    return Users.map((u) => u.UserName).sort();
  };
  const exempt = async (userName: string) => {
    const res = await f.request('PUT', `/v1/users/${userName}/exemption`, {
      key: f.keys.exemptionsWrite.key,
      body: { reason: '本番CI用（MFA不可）' },
    });
    expect(res.status).toBe(200);
  };

  it('adds everyone outside the group, with or without MFA; answers each user in request order', async () => {
    seed();
    await exempt('ci-bot');
    const res = await enforce([
      'no-mfa',
      'member',
      'ci-bot',
      'contractor',
      'nobody',
      'mfa-outside',
      'hardware-outside',
    ]);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as EnforcementResponse;
    expect(results.map((r) => [r.userName, r.status, r.outcome ?? r.error?.code])).toEqual([
      ['no-mfa', 200, 'added'],
      ['member', 200, 'already_member'],
      ['ci-bot', 409, 'exempt'],
      ['contractor', 404, 'user_not_found'],
      ['nobody', 404, 'user_not_found'],
      ['mfa-outside', 200, 'added'],
      ['hardware-outside', 200, 'added'],
    ]);
    expect(await members()).toEqual(['hardware-outside', 'member', 'mfa-outside', 'no-mfa']);
    // The exempt user's answer says why, and the outsider's is the unknown user's answer.
    const byName = new Map(results.map((r) => [r.userName, r]));
    expect(byName.get('ci-bot')?.error?.message).toMatch(/exempt/);
    expect(byName.get('contractor')?.error?.message).toBe(
      byName.get('nobody')?.error?.message.replace('nobody', 'contractor'),
    );
  });

  it('is idempotent: a second call answers already_member and writes nothing', async () => {
    seed();
    await enforce(['no-mfa', 'mfa-outside']);
    f.iam.calls.reset();
    const { results } = (await (
      await enforce(['no-mfa', 'mfa-outside'])
    ).json()) as EnforcementResponse;
    expect(results.map((r) => r.outcome)).toEqual(['already_member', 'already_member']);
    expect(f.iam.calls.snapshot().byAction.AddUserToGroup).toBeUndefined();
  });

  it('reads the account in a few calls and makes one AddUserToGroup per user it adds', async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: Array.from({ length: 150 }, (_, i) => ({
        name: `user-${i}`,
        path: '/staff/',
        ...(i % 3 === 0 ? { groups: ['force-mfa'] } : {}),
      })),
    });
    f.iam.calls.reset();
    const names = Array.from({ length: 150 }, (_, i) => `user-${i}`);
    const { results } = (await (await enforce(names)).json()) as EnforcementResponse;
    expect(results.filter((r) => r.outcome === 'added')).toHaveLength(100);
    expect(f.iam.calls.snapshot().byAction).toEqual({
      GetAccountAuthorizationDetails: 1,
      GetGroup: 1,
      AddUserToGroup: 100,
    });
  });

  it('paces its calls under IAM throttling (20 calls/s): few calls are throttled and none is wasted on a retry storm', async () => {
    f.seed({
      groups: [{ name: 'force-mfa' }],
      users: Array.from({ length: 60 }, (_, i) => ({ name: `user-${i}`, path: '/staff/' })),
    });
    f.iam.faults.configure({ throttle: { ratePerSecond: 20 } });
    f.iam.calls.reset();
    // The production pacing, not the fixture's fast one.
    const app = f.newApp({ pacing: {} });
    const res = await enforce(
      Array.from({ length: 60 }, (_, i) => `user-${i}`),
      app,
    );
    f.iam.faults.configure({});
    const { results } = (await res.json()) as EnforcementResponse;
    expect(results.filter((r) => r.outcome === 'added')).toHaveLength(60);
    const throttled = f.iam.outcomes.snapshot().AddUserToGroup?.Throttling ?? 0;
    expect(f.iam.calls.snapshot().total).toBe(2 + 60 + throttled);
    expect(throttled).toBeLessThanOrEqual(6);
  }, 20_000);

  it('reads a user the account listing did not show (created just after it) on its own', async () => {
    seed();
    f.beforeNext('GetGroup', () => f.seed({ users: [{ name: 'just-hired', path: '/staff/' }] }));
    const { results } = (await (await enforce(['just-hired'])).json()) as EnforcementResponse;
    expect(results).toEqual([{ userName: 'just-hired', status: 200, outcome: 'added' }]);
    expect(await members()).toContain('just-hired');
  });

  it('answers 503 for the one user IAM keeps throttling, and adds the others', async () => {
    seed();
    // IAM throttles every AddUserToGroup about no-mfa, and nothing else.
    const emulator = f.iam;
    const original = emulator.handle.bind(emulator);
    emulator.handle = (request: QueryRequest) => {
      if (
        request.params.get('Action') === 'AddUserToGroup' &&
        request.params.get('UserName') === 'no-mfa'
      ) {
        emulator.faults.configure({
          scripted: [{ action: 'AddUserToGroup', fault: 'error', code: 'Throttling', status: 400 }],
        });
      }
      return original(request);
    };
    const app = f.newApp({ requestBudgetMs: 1_500, retryDelays: RETRY_DELAYS });
    const res = await enforce(['mfa-outside', 'no-mfa', 'hardware-outside'], app);
    emulator.faults.configure({});
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as EnforcementResponse;
    expect(results.map((r) => [r.userName, r.status])).toEqual([
      ['mfa-outside', 200],
      ['no-mfa', 503],
      ['hardware-outside', 200],
    ]);
    expect(results[1]?.error?.code).toBe('service_unavailable');
    expect(await members()).toEqual(['hardware-outside', 'member', 'mfa-outside']);
  });

  it('absorbs a lost AddUserToGroup answer (the repeat is idempotent)', async () => {
    seed();
    f.iam.faults.configure({ scripted: [{ action: 'AddUserToGroup', fault: 'drop-after' }] });
    const res = await enforce(['no-mfa'], f.newApp({ retryDelays: RETRY_DELAYS }));
    f.iam.faults.configure({});
    expect(((await res.json()) as EnforcementResponse).results).toEqual([
      { userName: 'no-mfa', status: 200, outcome: 'added' },
    ]);
  });

  it('503 with Retry-After for the whole request when the account cannot be read in time', async () => {
    seed();
    f.iam.faults.configure({
      scripted: [
        {
          action: 'GetAccountAuthorizationDetails',
          fault: 'error',
          code: 'Throttling',
          status: 400,
          count: 1_000_000,
        },
      ],
    });
    const app = f.newApp({ requestBudgetMs: 50, retryDelays: RETRY_DELAYS });
    const res = await enforce(['no-mfa'], app);
    f.iam.faults.configure({});
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await members()).toEqual(['member']);
  });

  it('409 force_mfa_group_missing when the group does not exist', async () => {
    f.seed({ users: [{ name: 'no-mfa', path: '/staff/' }] });
    const res = await enforce(['no-mfa']);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'force_mfa_group_missing' } });
  });

  it('400 for a bad body: none, empty, over 200, repeated or bad names', async () => {
    seed();
    const cases: [string, unknown][] = [
      ['no list', undefined],
      ['empty', []],
      ['201 names', Array.from({ length: 201 }, (_, i) => `u${i}`)],
      ['a repeat', ['no-mfa', 'member', 'no-mfa']],
      ['a bad name', ['no mfa']],
      ['not a list', 'no-mfa'],
    ];
    for (const [name, userNames] of cases) {
      const res = await f.request('POST', '/v1/force-mfa-group/members', {
        key: key(),
        body: userNames === undefined ? {} : { userNames },
      });
      expect(res.status, name).toBe(400);
      expect(await res.json(), name).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect(await members()).toEqual(['member']);
  });

  it('logs one audit line per user, with the key that acted and the answer', async () => {
    seed();
    await exempt('ci-bot');
    await enforce(['no-mfa', 'ci-bot']);
    const lines = f.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'admin.enforcement');
    expect(lines).toEqual([
      expect.objectContaining({
        keyName: 'enforcer',
        userName: 'no-mfa',
        groupName: 'force-mfa',
        status: 200,
        outcome: 'added',
      }),
      expect.objectContaining({
        keyName: 'enforcer',
        userName: 'ci-bot',
        status: 409,
        errorCode: 'exempt',
      }),
    ]);
  });
});
