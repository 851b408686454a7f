// Conformance of the emulator's GetAccountAuthorizationDetails, driven through the real
// @aws-sdk/client-iam over HTTP (the command and its paginator). Every expectation comes from
// docs/iam-facts.md (§1 wire protocol, §2 shapes and validation messages, §3 "Authorization
// details"); where that page marks a detail UNCONFIRMED, the test asserts the emulator's
// documented choice and says so.

import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteUserCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandInput,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetGroupPolicyCommand,
  IAMClient,
  PutGroupPolicyCommand,
  paginateGetAccountAuthorizationDetails,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../local/emulator/faults.ts';
import type { SeedUser } from '../../local/emulator/seed.ts';
import { clientConfig, sdkError, useEmulator } from '../support/emulator.ts';

const ACCOUNT_ID = '123456789012';
const ENUM_SET = '[User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', NotAction: 'iam:ListMFADevices', Resource: '*' }],
});

const fixture = useEmulator();

const details = (input: GetAccountAuthorizationDetailsCommandInput = {}) =>
  fixture.iam.send(new GetAccountAuthorizationDetailsCommand(input));

/** The parts of an SDK error a test asserts on. */
async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

const oneViolation = (text: string) => `1 validation error detected: ${text}`;

/** Puts users (and groups) straight into the account, for tests that need many of them. */
function seed(users: SeedUser[], groups: string[] = []) {
  fixture.running.emulator.seed({ groups: groups.map((name) => ({ name })), users });
}

const named = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

const userNames = (page: GetAccountAuthorizationDetailsCommandOutput) =>
  (page.UserDetailList ?? []).map((u) => u.UserName);
const groupNames = (page: GetAccountAuthorizationDetailsCommandOutput) =>
  (page.GroupDetailList ?? []).map((g) => g.GroupName);

async function walk(
  input: GetAccountAuthorizationDetailsCommandInput,
  pageSize: number,
): Promise<GetAccountAuthorizationDetailsCommandOutput[]> {
  const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
  for await (const page of paginateGetAccountAuthorizationDetails(
    { client: fixture.iam, pageSize },
    input,
  )) {
    pages.push(page);
    if (pages.length > 50) throw new Error('paginator did not terminate');
  }
  return pages;
}

describe('GetAccountAuthorizationDetails: Filter=User', () => {
  it('answers four empty lists, not truncated and without a Marker, for an empty account', async () => {
    const page = await details({ Filter: ['User'] });

    expect(page).toMatchObject({
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
      IsTruncated: false,
    });
    expect(page).not.toHaveProperty('Marker');
  });

  it('returns a user with its groups, tags and boundary, and empty lists for what it lacks', async () => {
    const { User } = await fixture.iam.send(
      new CreateUserCommand({
        UserName: 'alice',
        Path: '/staff/eng/',
        PermissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    for (const GroupName of ['force-mfa', 'Developers']) {
      await fixture.iam.send(new CreateGroupCommand({ GroupName }));
      await fixture.iam.send(new AddUserToGroupCommand({ GroupName, UserName: 'alice' }));
    }

    const page = await details({ Filter: ['User'] });

    expect(page.UserDetailList).toEqual([
      {
        Path: '/staff/eng/',
        UserName: 'alice',
        UserId: User?.UserId,
        Arn: `arn:aws:iam::${ACCOUNT_ID}:user/staff/eng/alice`,
        CreateDate: User?.CreateDate,
        // Group names as created, in name order (the order is UNCONFIRMED).
        GroupList: ['Developers', 'force-mfa'],
        AttachedManagedPolicies: [],
        PermissionsBoundary: {
          PermissionsBoundaryType: 'Policy',
          PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`,
        },
        Tags: [{ Key: 'team', Value: 'platform' }],
      },
    ]);
    // Filter=User leaves the groups out, though alice is in two.
    expect(page.GroupDetailList).toEqual([]);
  });

  it('gives a user without tags or groups Tags [] and GroupList [], and no UserPolicyList', async () => {
    await fixture.iam.send(new CreateUserCommand({ UserName: 'bob' }));

    const [bob] = (await details({ Filter: ['User'] })).UserDetailList ?? [];

    expect(bob?.Tags).toEqual([]);
    expect(bob?.GroupList).toEqual([]);
    expect(bob?.AttachedManagedPolicies).toEqual([]);
    // The emulator has no inline user policies, and AWS leaves the empty list out.
    expect(bob).not.toHaveProperty('UserPolicyList');
    expect(bob).not.toHaveProperty('PermissionsBoundary');
  });

  it('says nothing of passwords, sign-ins or MFA devices, which the listing does not carry', async () => {
    seed([
      {
        name: 'carol',
        password: { lastUsed: '2026-01-02T03:04:05Z' },
        mfa: ['hardware', 'fido'],
        tags: [{ key: 'mfa-onboarding:invitation', value: 'v1:abc' }],
      },
    ]);

    const [carol] = (await details({ Filter: ['User'] })).UserDetailList ?? [];

    expect(Object.keys(carol ?? {}).sort()).toEqual([
      'Arn',
      'AttachedManagedPolicies',
      'CreateDate',
      'GroupList',
      'Path',
      'Tags',
      'UserId',
      'UserName',
    ]);
    // Every tag, the service's own included: the listing reveals them all.
    expect(carol?.Tags).toEqual([{ Key: 'mfa-onboarding:invitation', Value: 'v1:abc' }]);
  });

  it('lists the users of every path by name, as ListUsers does', async () => {
    seed([
      { name: 'zed', path: '/service/' },
      { name: 'Amy', path: '/staff/sales/' },
      { name: 'bob' },
      { name: 'carl', path: '/contractors/' },
    ]);

    expect(userNames(await details({ Filter: ['User'] }))).toEqual(['Amy', 'bob', 'carl', 'zed']);
  });

  it('returns a user created a moment ago, and not one deleted a moment ago', async () => {
    await fixture.iam.send(new CreateUserCommand({ UserName: 'new' }));
    await fixture.iam.send(new CreateUserCommand({ UserName: 'gone' }));
    await fixture.iam.send(new DeleteUserCommand({ UserName: 'gone' }));

    expect(userNames(await details({ Filter: ['User'] }))).toEqual(['new']);
  });

  it('returns the tags TagUser just added', async () => {
    await fixture.iam.send(new CreateUserCommand({ UserName: 'dave' }));
    await fixture.iam.send(
      new TagUserCommand({ UserName: 'dave', Tags: [{ Key: 'exempt', Value: 'break-glass' }] }),
    );

    const [dave] = (await details({ Filter: ['User'] })).UserDetailList ?? [];

    expect(dave?.Tags).toEqual([{ Key: 'exempt', Value: 'break-glass' }]);
  });
});

describe('GetAccountAuthorizationDetails: groups and the other filters', () => {
  async function groupWithPolicy() {
    await fixture.iam.send(new CreateGroupCommand({ GroupName: 'force-mfa', Path: '/security/' }));
    await fixture.iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'force-mfa',
        PolicyName: 'ForceMFA',
        PolicyDocument: POLICY,
      }),
    );
    await fixture.iam.send(new CreateGroupCommand({ GroupName: 'empty' }));
    await fixture.iam.send(new CreateUserCommand({ UserName: 'alice' }));
  }

  it('with Filter=Group, returns each group with its inline policies, URL-encoded as IAM sends them', async () => {
    await groupWithPolicy();

    const page = await details({ Filter: ['Group'] });

    expect(page.UserDetailList).toEqual([]);
    expect(page.GroupDetailList).toEqual([
      {
        Path: '/',
        GroupName: 'empty',
        GroupId: expect.stringMatching(/^AGPA[A-Z0-9]{17}$/),
        Arn: `arn:aws:iam::${ACCOUNT_ID}:group/empty`,
        CreateDate: expect.any(Date),
        AttachedManagedPolicies: [],
      },
      {
        Path: '/security/',
        GroupName: 'force-mfa',
        GroupId: expect.stringMatching(/^AGPA[A-Z0-9]{17}$/),
        Arn: `arn:aws:iam::${ACCOUNT_ID}:group/security/force-mfa`,
        CreateDate: expect.any(Date),
        GroupPolicyList: [{ PolicyName: 'ForceMFA', PolicyDocument: encodeURIComponent(POLICY) }],
        AttachedManagedPolicies: [],
      },
    ]);
  });

  it('encodes a policy document exactly as GetGroupPolicy does, and it decodes to the document', async () => {
    await groupWithPolicy();

    const page = await details({ Filter: ['Group'] });
    const { PolicyDocument } = await fixture.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'force-mfa', PolicyName: 'ForceMFA' }),
    );

    const listed = page.GroupDetailList?.[1]?.GroupPolicyList?.[0]?.PolicyDocument;
    expect(listed).toBe(PolicyDocument);
    expect(JSON.parse(decodeURIComponent(listed ?? ''))).toEqual(JSON.parse(POLICY));
  });

  it('without a filter, returns users and then groups; roles and managed policies are empty', async () => {
    await groupWithPolicy();

    const page = await details();

    expect(userNames(page)).toEqual(['alice']);
    expect(groupNames(page)).toEqual(['empty', 'force-mfa']);
    expect(page.RoleDetailList).toEqual([]);
    expect(page.Policies).toEqual([]);
  });

  it('treats an empty Filter list as no filter', async () => {
    await groupWithPolicy();

    const page = await details({ Filter: [] });

    expect(userNames(page)).toEqual(['alice']);
    expect(groupNames(page)).toEqual(['empty', 'force-mfa']);
  });

  it('combines filters, and names a type twice without harm', async () => {
    await groupWithPolicy();

    const page = await details({ Filter: ['Group', 'User', 'User'] });

    expect(userNames(page)).toEqual(['alice']);
    expect(groupNames(page)).toEqual(['empty', 'force-mfa']);
  });

  it.each([['Role'], ['LocalManagedPolicy'], ['AWSManagedPolicy']] as const)(
    'with Filter=%s (not modelled), answers four empty lists',
    async (type) => {
      await groupWithPolicy();

      const page = await details({ Filter: [type] });

      expect(page).toMatchObject({
        UserDetailList: [],
        GroupDetailList: [],
        RoleDetailList: [],
        Policies: [],
        IsTruncated: false,
      });
    },
  );
});

describe('GetAccountAuthorizationDetails: validation', () => {
  it('rejects a Filter value outside the enum with ValidationError 400, naming the member', async () => {
    const error = await failure(details({ Filter: ['User', 'Users' as never] }));

    // The member path and the quoting of the value are UNCONFIRMED (docs/iam-facts.md §9).
    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        `Value 'Users' at 'filter.2.member' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM_SET}`,
      ),
    });
  });

  it('matches Filter values case-sensitively', async () => {
    const error = await failure(details({ Filter: ['user' as never] }));

    expect(error.name).toBe('ValidationError');
  });

  it.each([
    [0, 'Member must have value greater than or equal to 1'],
    [1001, 'Member must have value less than or equal to 1000'],
  ])('rejects MaxItems %i with ValidationError 400', async (maxItems, constraint) => {
    const error = await failure(details({ Filter: ['User'], MaxItems: maxItems }));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(`Value at 'maxItems' failed to satisfy constraint: ${constraint}`),
    });
  });

  it('reports a bad Filter and a bad MaxItems together, in model order', async () => {
    const error = await failure(details({ Filter: ['Users' as never], MaxItems: 0 }));

    expect(error.message).toBe(
      `2 validation errors detected: Value 'Users' at 'filter.1.member' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM_SET}; ` +
        "Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    const error = await failure(details({ Filter: ['User'], Marker: 'not-a-marker' }));

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });
});

describe('GetAccountAuthorizationDetails: pagination', () => {
  it('returns at most 100 entities per page by default', async () => {
    seed(named('user-', 150).map((name) => ({ name })));

    const page = await details({ Filter: ['User'] });

    expect(page.UserDetailList).toHaveLength(100);
    expect(page.IsTruncated).toBe(true);
    expect(page.Marker).toEqual(expect.any(String));
  });

  it('returns 1,000 users in one page with MaxItems 1000, each with its tags and groups', async () => {
    seed(
      named('user-', 1500).map((name, i) => ({
        name,
        tags: [{ key: 'n', value: String(i) }],
        groups: i % 2 === 0 ? ['force-mfa'] : [],
      })),
      ['force-mfa'],
    );

    const first = await details({ Filter: ['User'], MaxItems: 1000 });
    const second = await details({ Filter: ['User'], MaxItems: 1000, Marker: first.Marker });

    expect(first.UserDetailList).toHaveLength(1000);
    expect(first.IsTruncated).toBe(true);
    expect(first.UserDetailList?.[1]).toMatchObject({
      UserName: 'user-0001',
      Tags: [{ Key: 'n', Value: '1' }],
      GroupList: [],
    });
    expect(first.UserDetailList?.[2]?.GroupList).toEqual(['force-mfa']);
    expect(second.UserDetailList).toHaveLength(500);
    expect(second.IsTruncated).toBe(false);
    expect(second).not.toHaveProperty('Marker');
    expect((await fixture.calls()).byAction).toEqual({ GetAccountAuthorizationDetails: 2 });
  });

  it('walks 50 users with the paginator (pageSize 7): each exactly once, then stops', async () => {
    const names = named('user-', 50);
    seed(names.map((name) => ({ name })));

    const pages = await walk({ Filter: ['User'] }, 7);

    expect(pages.flatMap(userNames)).toEqual(names);
    expect(pages.map((p) => p.UserDetailList?.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    for (const page of pages.slice(0, -1)) {
      expect(page.IsTruncated).toBe(true);
      expect(page.Marker).toEqual(expect.any(String));
    }
    expect(pages.at(-1)?.IsTruncated).toBe(false);
    expect(pages.at(-1)).not.toHaveProperty('Marker');
  });

  it('counts users and groups together against MaxItems, users first (UNCONFIRMED order)', async () => {
    seed(
      named('user-', 5).map((name) => ({ name })),
      ['admins', 'force-mfa', 'sales'],
    );

    const pages = await walk({}, 3);

    expect(pages.map((p) => [userNames(p), groupNames(p)])).toEqual([
      [['user-0000', 'user-0001', 'user-0002'], []],
      [['user-0003', 'user-0004'], ['admins']],
      [[], ['force-mfa', 'sales']],
    ]);
  });

  it('keeps a Marker valid when the last user of the previous page is deleted', async () => {
    seed(['a', 'b', 'c', 'd'].map((name) => ({ name })));
    const first = await details({ Filter: ['User'], MaxItems: 2 });

    await fixture.iam.send(new DeleteUserCommand({ UserName: 'b' }));
    const next = await details({ Filter: ['User'], MaxItems: 2, Marker: first.Marker });

    expect(userNames(next)).toEqual(['c', 'd']);
    expect(next.IsTruncated).toBe(false);
  });

  it('leaves the Marker off a page that ends exactly at the last user', async () => {
    seed(['a', 'b', 'c', 'd'].map((name) => ({ name })));

    const first = await details({ Filter: ['User'], MaxItems: 2 });
    const last = await details({ Filter: ['User'], MaxItems: 2, Marker: first.Marker });

    expect(userNames(last)).toEqual(['c', 'd']);
    expect(last.IsTruncated).toBe(false);
    expect(last).not.toHaveProperty('Marker');
  });
});

describe('GetAccountAuthorizationDetails: counters, faults, latency and throttling', () => {
  const setFaults = (config: FaultConfig) => fixture.control('PUT', '/faults', config);

  it('counts each page as one call and records how it ended', async () => {
    seed(named('user-', 5).map((name) => ({ name })));
    await fixture.control('DELETE', '/outcomes');

    await walk({ Filter: ['User'] }, 2);
    await sdkError(details({ MaxItems: 0 }));

    expect((await fixture.calls()).byAction).toEqual({ GetAccountAuthorizationDetails: 4 });
    expect(await fixture.control('GET', '/outcomes')).toEqual({
      GetAccountAuthorizationDetails: { OK: 3, ValidationError: 1 },
    });
  });

  it('answers a scripted fault for the action, then works again', async () => {
    await fixture.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await setFaults({
      scripted: [
        {
          action: 'GetAccountAuthorizationDetails',
          fault: 'error',
          code: 'Throttling',
          status: 400,
        },
      ],
    });

    const error = await sdkError(details({ Filter: ['User'] }));

    expect(error).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(userNames(await details({ Filter: ['User'] }))).toEqual(['alice']);
  });

  it('is throttled by a bucket of its own, leaving other actions alone', async () => {
    await setFaults({
      actionThrottle: { GetAccountAuthorizationDetails: { ratePerSecond: 1, burst: 1 } },
    });

    const results = await Promise.allSettled([1, 2, 3].map(() => details({ Filter: ['User'] })));
    const names = results.map((r) =>
      r.status === 'fulfilled' ? 'OK' : (r.reason as { name: string }).name,
    );

    expect(names.filter((n) => n === 'OK')).toHaveLength(1);
    expect(names.filter((n) => n === 'Throttling')).toHaveLength(2);
    await expect(
      fixture.iam.send(new CreateUserCommand({ UserName: 'unaffected' })),
    ).resolves.toBeDefined();
  });

  it('waits the latency configured for the action', async () => {
    await setFaults({ actionLatencyMs: { GetAccountAuthorizationDetails: 150 } });

    const started = performance.now();
    await details({ Filter: ['User'] });

    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('is retried by the SDK after a ServiceFailure, each attempt counted', async () => {
    const retrying = new IAMClient({ ...clientConfig(fixture.url), maxAttempts: 3 });
    try {
      await setFaults({ scripted: [{ action: 'GetAccountAuthorizationDetails', fault: 'error' }] });
      const out = await retrying.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }),
      );
      expect(out.$metadata.attempts).toBe(2);
      expect((await fixture.calls()).byAction).toEqual({ GetAccountAuthorizationDetails: 2 });
    } finally {
      retrying.destroy();
    }
  });

  it('shows no sign of a console password: creating one changes nothing in the listing', async () => {
    await fixture.iam.send(new CreateUserCommand({ UserName: 'erin' }));
    const before = await details({ Filter: ['User'] });
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'erin', Password: 'Correct-Horse-9' }),
    );

    const after = await details({ Filter: ['User'] });

    expect(after.UserDetailList).toEqual(before.UserDetailList);
  });
});
