// Conformance of the emulator's user, tag and login-profile operations, driven through the real
// @aws-sdk/client-iam over HTTP. Every expectation comes from docs/iam-facts.md (§1 wire protocol,
// §2 shapes and validation messages, §3 "Users" and "Login profile"); behaviour that page
// marks UNCONFIRMED is asserted only as far as the emulator's documented choice goes, and says so.

import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListUsersCommand,
  type ListUsersCommandOutput,
  ListUserTagsCommand,
  type ListUserTagsCommandOutput,
  paginateListUsers,
  paginateListUserTags,
  RemoveUserFromGroupCommand,
  type Tag,
  TagUserCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { newId, userArn } from '../../local/emulator/state.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';

const ACCOUNT_ID = '123456789012';
const USER_ID = /^AIDA[A-Z0-9]{17}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME_PATTERN = '[\\w+=,.@-]+';
const TAG_KEY_PATTERN = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
const PATH_MESSAGE =
  'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';
const STRONG_PASSWORD = 'Correct-Horse-9';

const fixture = useEmulator();

/** The parts of an SDK error a test asserts on. */
async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

const oneViolation = (text: string) => `1 validation error detected: ${text}`;

async function createUser(userName: string, extra: { Path?: string; Tags?: Tag[] } = {}) {
  const { User } = await fixture.iam.send(new CreateUserCommand({ UserName: userName, ...extra }));
  if (!User) throw new Error('CreateUser returned no User');
  return User;
}

/** Puts users straight into the account, for tests that need thousands of them. */
function insertUsers(count: number, prefix = 'bulk-user-') {
  const { state } = fixture.running.emulator;
  for (let i = 0; i < count; i += 1) {
    const userName = `${prefix}${String(i).padStart(5, '0')}`;
    state.users.set(userName.toLowerCase(), {
      userName,
      userId: newId('AIDA'),
      path: '/',
      arn: userArn(state, '/', userName),
      createDate: new Date(),
      tags: [],
      groups: new Set(),
      mfaSerials: [],
    });
  }
}

const tags = (count: number, prefix = 'key') =>
  Array.from({ length: count }, (_, i) => ({
    Key: `${prefix}${String(i).padStart(2, '0')}`,
    Value: `v${i}`,
  }));

describe('CreateUser', () => {
  it('creates a user at the default path with a 21-character AIDA id, an ARN and a CreateDate', async () => {
    const before = Date.now();

    const { User } = await fixture.iam.send(new CreateUserCommand({ UserName: 'alice' }));

    expect(User).toEqual({
      Path: '/',
      UserName: 'alice',
      UserId: expect.stringMatching(USER_ID),
      Arn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
      CreateDate: expect.any(Date),
    });
    expect(User?.UserId).toHaveLength(21);
    // CreateDate has whole-second precision on the wire.
    expect(User?.CreateDate?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(User?.CreateDate?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('gives every user a distinct id', async () => {
    const a = await createUser('alice');
    const b = await createUser('bob');

    expect(a.UserId).not.toBe(b.UserId);
  });

  it('puts the path into the ARN between "user" and the name', async () => {
    const user = await createUser('carol', { Path: '/division_abc/subdivision_xyz/' });

    expect(user.Path).toBe('/division_abc/subdivision_xyz/');
    expect(user.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/division_abc/subdivision_xyz/carol`);
  });

  it('accepts a path with a double slash, as AWS does', async () => {
    const user = await createUser('dave', { Path: '/test//double/' });

    expect(user.Path).toBe('/test//double/');
    expect(user.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/test//double/dave`);
  });

  it('echoes Tags when some were given', async () => {
    const given = [
      { Key: 'team', Value: 'platform' },
      { Key: 'cost-center', Value: '' },
    ];

    const user = await createUser('erin', { Tags: given });

    expect(user.Tags).toEqual(given);
  });

  it('leaves Tags out of the response when none were given, or the list was empty', async () => {
    const withoutTags = await createUser('frank');
    const withEmptyList = await createUser('grace', { Tags: [] });

    expect(withoutTags).not.toHaveProperty('Tags');
    expect(withEmptyList).not.toHaveProperty('Tags');
  });

  it('echoes a permissions boundary as a Policy boundary', async () => {
    const boundary = `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`;

    const { User } = await fixture.iam.send(
      new CreateUserCommand({ UserName: 'heidi', PermissionsBoundary: boundary }),
    );

    expect(User?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: boundary,
    });
  });

  it('rejects a duplicate user name with EntityAlreadyExists 409', async () => {
    await createUser('alice');

    const error = await failure(fixture.iam.send(new CreateUserCommand({ UserName: 'alice' })));

    expect(error).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'User with name alice already exists.',
    });
  });

  it('rejects a duplicate user name regardless of case with EntityAlreadyExists 409', async () => {
    await createUser('Alice');

    const error = await failure(fixture.iam.send(new CreateUserCommand({ UserName: 'alice' })));

    expect(error).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'User with name alice already exists.',
    });
    const { Users } = await fixture.iam.send(new ListUsersCommand({}));
    expect(Users?.map((u) => u.UserName)).toEqual(['Alice']);
  });

  it('accepts a user name of exactly 64 characters', async () => {
    const user = await createUser('a'.repeat(64));

    expect(user.UserName).toHaveLength(64);
  });

  it('rejects a user name of 65 characters with ValidationError 400', async () => {
    const error = await sdkError(
      fixture.iam.send(new CreateUserCommand({ UserName: 'a'.repeat(65) })),
    );

    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$fault).toBe('client');
    expect(error.message).toBe(
      oneViolation(
        "Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
      ),
    );
  });

  it('rejects characters outside the name pattern with the pattern message', async () => {
    const error = await failure(fixture.iam.send(new CreateUserCommand({ UserName: 'bad name!' })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        `Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
      ),
    });
  });

  it('accepts every character the name pattern allows', async () => {
    const user = await createUser('a_Z9+=,.@-');

    expect(user.UserName).toBe('a_Z9+=,.@-');
  });

  it('rejects an empty UserName (sent as UserName=) with the minimum-length message', async () => {
    const error = await failure(fixture.iam.send(new CreateUserCommand({ UserName: '' })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    });
  });

  it('reports two violations of one member together, separated by "; "', async () => {
    const error = await failure(
      fixture.iam.send(new CreateUserCommand({ UserName: `${'a'.repeat(64)}!` })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        '2 validation errors detected: ' +
        "Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
        `Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    });
  });

  it('reports violations of different members together', async () => {
    const error = await failure(
      fixture.iam.send(
        new CreateUserCommand({
          UserName: 'a'.repeat(65),
          Tags: [{ Key: 'bad<key>', Value: 'v' }],
        }),
      ),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        '2 validation errors detected: ' +
        "Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
        `Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_KEY_PATTERN}`,
    });
  });

  it.each([
    ['without slashes', 'division'],
    ['without the trailing slash', '/division'],
    ['without the leading slash', 'division/'],
    ['with a space', '/my division/'],
  ])('rejects a path %s with the path message', async (_case, path) => {
    const error = await failure(
      fixture.iam.send(new CreateUserCommand({ UserName: 'ivan', Path: path })),
    );

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: PATH_MESSAGE });
  });

  it('rejects a path longer than 512 characters with the length message', async () => {
    const error = await failure(
      fixture.iam.send(new CreateUserCommand({ UserName: 'ivan', Path: `/${'p'.repeat(511)}/` })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'path' failed to satisfy constraint: Member must have length less than or equal to 512",
      ),
    });
  });

  it('rejects the whole request when one tag key breaks the tag-key pattern', async () => {
    const error = await failure(
      fixture.iam.send(
        new CreateUserCommand({
          UserName: 'judy',
          Tags: [
            { Key: 'good', Value: 'v' },
            { Key: 'bad*key', Value: 'v' },
          ],
        }),
      ),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        `Value at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_KEY_PATTERN}`,
      ),
    });
    const { Users } = await fixture.iam.send(new ListUsersCommand({}));
    expect(Users).toEqual([]);
  });

  it('rejects more than 50 tags with the tags length message', async () => {
    const error = await failure(
      fixture.iam.send(new CreateUserCommand({ UserName: 'judy', Tags: tags(51) })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
      ),
    });
  });

  it('accepts exactly 50 tags', async () => {
    const user = await createUser('judy', { Tags: tags(50) });

    expect(user.Tags).toHaveLength(50);
  });

  it('rejects tag keys that repeat, ignoring case, with InvalidInput 400', async () => {
    const error = await failure(
      fixture.iam.send(
        new CreateUserCommand({
          UserName: 'judy',
          Tags: [
            { Key: 'team', Value: 'a' },
            { Key: 'Team', Value: 'b' },
          ],
        }),
      ),
    );

    expect(error).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    });
  });

  it('refuses the 5,001st user of the account with LimitExceeded 409', async () => {
    insertUsers(5000);

    const error = await failure(
      fixture.iam.send(new CreateUserCommand({ UserName: 'one-too-many' })),
    );

    expect(error).toEqual({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for UsersPerAccount: 5000',
    });
  });

  it('still creates the 5,000th user', async () => {
    insertUsers(4999);

    const user = await createUser('the-last-one');

    expect(user.UserName).toBe('the-last-one');
  });
});

describe('GetUser', () => {
  it('returns the whole user, including its tags and permissions boundary', async () => {
    const boundary = `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`;
    const created = await fixture.iam.send(
      new CreateUserCommand({
        UserName: 'alice',
        Path: '/engineering/',
        PermissionsBoundary: boundary,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );

    const { User } = await fixture.iam.send(new GetUserCommand({ UserName: 'alice' }));

    expect(User).toEqual({
      Path: '/engineering/',
      UserName: 'alice',
      UserId: created.User?.UserId,
      Arn: `arn:aws:iam::${ACCOUNT_ID}:user/engineering/alice`,
      CreateDate: created.User?.CreateDate,
      PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary },
      Tags: [{ Key: 'team', Value: 'platform' }],
    });
  });

  it('returns PasswordLastUsed once the password has been used', async () => {
    await createUser('alice');
    const lastUsed = new Date('2026-01-02T03:04:05Z');
    const record = fixture.running.emulator.state.users.get('alice');
    if (record) record.passwordLastUsed = lastUsed;

    const { User } = await fixture.iam.send(new GetUserCommand({ UserName: 'alice' }));

    expect(User?.PasswordLastUsed).toEqual(lastUsed);
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const error = await failure(fixture.iam.send(new GetUserCommand({ UserName: 'ghost' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('accepts existing-user names up to 128 characters (a longer lookup is just not found)', async () => {
    const error = await failure(
      fixture.iam.send(new GetUserCommand({ UserName: 'a'.repeat(128) })),
    );

    expect(error.name).toBe('NoSuchEntityException');
  });

  it('rejects a UserName of 129 characters with ValidationError 400', async () => {
    const error = await failure(
      fixture.iam.send(new GetUserCommand({ UserName: 'a'.repeat(129) })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128",
      ),
    });
  });

  it('describes the signing user when called without UserName by an IAM user', async () => {
    const alice = await createUser('alice', { Path: '/staff/' });
    fixture.running.emulator.state.accessKeys.set('AKIAUSER1EXAMPLE12', {
      accessKeyId: 'AKIAUSER1EXAMPLE12',
      user: 'alice',
    });
    const asAlice = fixture.iamAs('AKIAUSER1EXAMPLE12');

    try {
      const { User } = await asAlice.send(new GetUserCommand({}));

      expect(User).toEqual({
        Path: '/staff/',
        UserName: 'alice',
        UserId: alice.UserId,
        Arn: `arn:aws:iam::${ACCOUNT_ID}:user/staff/alice`,
        CreateDate: alice.CreateDate,
      });
    } finally {
      asAlice.destroy();
    }
  });

  it('describes the root user when called without UserName with an unknown signing key', async () => {
    // AWS's exact root shape is UNCONFIRMED (docs/iam-facts.md §9): the emulator answers with the
    // account id as UserId and the root ARN, and no UserName or Path.
    const { User } = await fixture.iam.send(new GetUserCommand({}));

    expect(User).toEqual({
      UserId: ACCOUNT_ID,
      Arn: `arn:aws:iam::${ACCOUNT_ID}:root`,
      CreateDate: expect.any(Date),
    });
  });
});

describe('ListUsers', () => {
  it('answers an empty list, not truncated and without a Marker, for an account without users', async () => {
    const page = await fixture.iam.send(new ListUsersCommand({}));

    expect(page.Users).toEqual([]);
    expect(page.IsTruncated).toBe(false);
    expect(page).not.toHaveProperty('Marker');
  });

  it('lists users by name without Tags or PermissionsBoundary', async () => {
    await fixture.iam.send(
      new CreateUserCommand({
        UserName: 'bob',
        Tags: [{ Key: 'team', Value: 'x' }],
        PermissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`,
      }),
    );
    const alice = await createUser('alice', { Path: '/staff/' });

    const page = await fixture.iam.send(new ListUsersCommand({}));

    expect(page.Users?.map((u) => u.UserName)).toEqual(['alice', 'bob']);
    expect(page.Users?.[0]).toEqual({
      Path: '/staff/',
      UserName: 'alice',
      UserId: alice.UserId,
      Arn: alice.Arn,
      CreateDate: alice.CreateDate,
    });
    for (const user of page.Users ?? []) {
      expect(user).not.toHaveProperty('Tags');
      expect(user).not.toHaveProperty('PermissionsBoundary');
    }
  });

  it('treats PathPrefix as a plain string prefix (/test-life matches /test-lifecycle-path/)', async () => {
    await createUser('in-lifecycle', { Path: '/test-lifecycle-path/' });
    await createUser('in-life', { Path: '/test-life/' });
    await createUser('elsewhere', { Path: '/other/' });
    await createUser('at-root');

    const page = await fixture.iam.send(new ListUsersCommand({ PathPrefix: '/test-life' }));

    expect(page.Users?.map((u) => u.UserName).sort()).toEqual(['in-life', 'in-lifecycle']);
  });

  it('lists every user for the PathPrefix "/"', async () => {
    await createUser('a', { Path: '/x/' });
    await createUser('b');

    const page = await fixture.iam.send(new ListUsersCommand({ PathPrefix: '/' }));

    expect(page.Users).toHaveLength(2);
  });

  it('rejects a PathPrefix that does not start with / with the pattern message', async () => {
    const error = await failure(fixture.iam.send(new ListUsersCommand({ PathPrefix: 'test' })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
      ),
    });
  });

  it.each([
    [0, 'Member must have value greater than or equal to 1'],
    [1001, 'Member must have value less than or equal to 1000'],
  ])('rejects MaxItems %i with ValidationError 400', async (maxItems, constraint) => {
    const error = await failure(fixture.iam.send(new ListUsersCommand({ MaxItems: maxItems })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(`Value at 'maxItems' failed to satisfy constraint: ${constraint}`),
    });
  });

  it('accepts MaxItems 1000', async () => {
    await createUser('alice');

    const page = await fixture.iam.send(new ListUsersCommand({ MaxItems: 1000 }));

    expect(page.Users).toHaveLength(1);
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    await createUser('alice');

    const error = await failure(fixture.iam.send(new ListUsersCommand({ Marker: 'not-a-marker' })));

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });

  it('returns at most 100 users per page by default', async () => {
    insertUsers(150);

    const page = await fixture.iam.send(new ListUsersCommand({}));

    expect(page.Users).toHaveLength(100);
    expect(page.IsTruncated).toBe(true);
    expect(page.Marker).toEqual(expect.any(String));
  });

  it('pages with MaxItems and Marker, leaving the Marker off the last page', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await createUser(name);

    const first = await fixture.iam.send(new ListUsersCommand({ MaxItems: 2 }));
    const second = await fixture.iam.send(
      new ListUsersCommand({ MaxItems: 2, Marker: first.Marker }),
    );
    const last = await fixture.iam.send(
      new ListUsersCommand({ MaxItems: 2, Marker: second.Marker }),
    );

    expect(first.Users?.map((u) => u.UserName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe(true);
    expect(second.Users?.map((u) => u.UserName)).toEqual(['c', 'd']);
    expect(second.IsTruncated).toBe(true);
    expect(last.Users?.map((u) => u.UserName)).toEqual(['e']);
    expect(last.IsTruncated).toBe(false);
    expect(last).not.toHaveProperty('Marker');
  });

  it('leaves the Marker off a page that ends exactly at the last user', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await createUser(name);

    const first = await fixture.iam.send(new ListUsersCommand({ MaxItems: 2 }));
    const last = await fixture.iam.send(
      new ListUsersCommand({ MaxItems: 2, Marker: first.Marker }),
    );

    expect(last.Users?.map((u) => u.UserName)).toEqual(['c', 'd']);
    expect(last.IsTruncated).toBe(false);
    expect(last).not.toHaveProperty('Marker');
  });

  it('keeps a Marker valid when the last user of the previous page is deleted', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await createUser(name);
    const first = await fixture.iam.send(new ListUsersCommand({ MaxItems: 2 }));

    await fixture.iam.send(new DeleteUserCommand({ UserName: 'b' }));
    const next = await fixture.iam.send(
      new ListUsersCommand({ MaxItems: 2, Marker: first.Marker }),
    );

    expect(next.Users?.map((u) => u.UserName)).toEqual(['c', 'd']);
  });

  it('walks 50 users with paginateListUsers (pageSize 7): each user exactly once, then stops', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    for (const name of names) await createUser(name);

    const pages: ListUsersCommandOutput[] = [];
    for await (const page of paginateListUsers({ client: fixture.iam, pageSize: 7 }, {})) {
      pages.push(page);
      if (pages.length > 20) throw new Error('paginator did not terminate');
    }

    const seen = pages.flatMap((p) => p.Users?.map((u) => u.UserName) ?? []);
    expect(seen).toHaveLength(50);
    expect(new Set(seen)).toEqual(new Set(names));
    expect(pages.map((p) => p.Users?.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    for (const page of pages.slice(0, -1)) {
      expect(page.IsTruncated).toBe(true);
      expect(page.Marker).toEqual(expect.any(String));
    }
    const last = pages.at(-1);
    expect(last?.IsTruncated).toBe(false);
    expect(last).not.toHaveProperty('Marker');
  });

  it('paginates within a PathPrefix', async () => {
    for (let i = 0; i < 5; i += 1) await createUser(`staff-${i}`, { Path: '/staff/' });
    for (let i = 0; i < 5; i += 1) await createUser(`guest-${i}`, { Path: '/guests/' });

    const seen: string[] = [];
    for await (const page of paginateListUsers(
      { client: fixture.iam, pageSize: 2 },
      { PathPrefix: '/staff/' },
    )) {
      seen.push(...(page.Users?.map((u) => u.UserName ?? '') ?? []));
    }

    expect(seen).toEqual(['staff-0', 'staff-1', 'staff-2', 'staff-3', 'staff-4']);
  });
});

describe('DeleteUser', () => {
  it('deletes a user, after which it cannot be found', async () => {
    await createUser('alice');

    await fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' }));

    const error = await failure(fixture.iam.send(new GetUserCommand({ UserName: 'alice' })));
    expect(error.name).toBe('NoSuchEntityException');
  });

  it('frees the name for a new user', async () => {
    const first = await createUser('alice');
    await fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' }));

    const second = await createUser('alice');

    expect(second.UserId).not.toBe(first.UserId);
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const error = await failure(fixture.iam.send(new DeleteUserCommand({ UserName: 'ghost' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('refuses with DeleteConflict 409 while the user has a login profile', async () => {
    await createUser('alice');
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    const error = await failure(fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' })));

    expect(error).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must delete login profile first.',
    });
  });

  it('refuses with DeleteConflict 409 while the user has an MFA device', async () => {
    await createUser('alice');
    fixture.running.emulator.state.users
      .get('alice')
      ?.mfaSerials.push(`arn:aws:iam::${ACCOUNT_ID}:mfa/alice`);

    const error = await failure(fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' })));

    expect(error).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must delete MFA device first.',
    });
  });

  it('refuses with DeleteConflict 409 while the user belongs to a group', async () => {
    await createUser('alice');
    await fixture.iam.send(new CreateGroupCommand({ GroupName: 'admins' }));
    await fixture.iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'alice' }));

    const error = await failure(fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' })));

    // The message for group membership is UNCONFIRMED (docs/iam-facts.md §3, §9).
    expect(error).toMatchObject({ name: 'DeleteConflictException', status: 409 });
  });

  it('refuses with DeleteConflict 409 while the user has an access key', async () => {
    await createUser('alice');
    fixture.running.emulator.state.accessKeys.set('AKIAUSER1EXAMPLE12', {
      accessKeyId: 'AKIAUSER1EXAMPLE12',
      user: 'alice',
    });

    const error = await failure(fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' })));

    // The message for access keys is UNCONFIRMED.
    expect(error).toMatchObject({ name: 'DeleteConflictException', status: 409 });
  });

  it('deletes the user once its login profile and group memberships are gone', async () => {
    await createUser('alice');
    await fixture.iam.send(new CreateGroupCommand({ GroupName: 'admins' }));
    await fixture.iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'alice' }));
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    await fixture.iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' }));
    await fixture.iam.send(
      new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'alice' }),
    );
    await fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' }));

    const { Users } = await fixture.iam.send(new ListUsersCommand({}));
    expect(Users).toEqual([]);
  });
});

describe('TagUser, UntagUser and ListUserTags', () => {
  it('adds tags that ListUserTags returns sorted by key', async () => {
    await createUser('alice');

    await fixture.iam.send(
      new TagUserCommand({
        UserName: 'alice',
        Tags: [
          { Key: 'zone', Value: 'eu' },
          { Key: 'app', Value: 'portal' },
          { Key: 'owner', Value: '' },
        ],
      }),
    );

    const listed = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(listed.Tags).toEqual([
      { Key: 'app', Value: 'portal' },
      { Key: 'owner', Value: '' },
      { Key: 'zone', Value: 'eu' },
    ]);
    expect(listed.IsTruncated).toBe(false);
    expect(listed).not.toHaveProperty('Marker');
  });

  it('shows the tags on GetUser', async () => {
    await createUser('alice');

    await fixture.iam.send(
      new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'platform' }] }),
    );

    const { User } = await fixture.iam.send(new GetUserCommand({ UserName: 'alice' }));
    expect(User?.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
  });

  it('overwrites the value of a key the user already has', async () => {
    await createUser('alice', { Tags: [{ Key: 'team', Value: 'old' }] });

    await fixture.iam.send(
      new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'new' }] }),
    );

    const { Tags } = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'new' }]);
  });

  it('treats a key in another case as the same key (IAM user tag keys are case-insensitive)', async () => {
    await createUser('alice', { Tags: [{ Key: 'Department', Value: 'finance' }] });

    await fixture.iam.send(
      new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'department', Value: 'hr' }] }),
    );

    const { Tags } = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(Tags).toHaveLength(1);
    expect(Tags?.[0]?.Value).toBe('hr');
  });

  it('rejects tag keys that repeat within one request with InvalidInput 400', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(
        new TagUserCommand({
          UserName: 'alice',
          Tags: [
            { Key: 'team', Value: 'a' },
            { Key: 'TEAM', Value: 'b' },
          ],
        }),
      ),
    );

    expect(error).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    });
  });

  it('refuses tags that would take the user past 50 with LimitExceeded 409, changing nothing', async () => {
    await createUser('alice', { Tags: tags(40, 'old') });

    const error = await sdkError(
      fixture.iam.send(new TagUserCommand({ UserName: 'alice', Tags: tags(11, 'new') })),
    );

    expect(error.name).toBe('LimitExceededException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    const { Tags } = await fixture.iam.send(
      new ListUserTagsCommand({ UserName: 'alice', MaxItems: 100 }),
    );
    expect(Tags).toHaveLength(40);
  });

  it('allows overwriting tags of a user that already has 50', async () => {
    await createUser('alice', { Tags: tags(50) });

    await fixture.iam.send(
      new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'key00', Value: 'changed' }] }),
    );

    const { Tags } = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(Tags).toHaveLength(50);
    expect(Tags?.[0]).toEqual({ Key: 'key00', Value: 'changed' });
  });

  it('rejects more than 50 tags in one request with the tags length message', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(new TagUserCommand({ UserName: 'alice', Tags: tags(51) })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
      ),
    });
  });

  it('rejects a tag value longer than 256 characters', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(
        new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }),
      ),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
      ),
    });
  });

  it('answers NoSuchEntity 404 when tagging an unknown user', async () => {
    const error = await failure(
      fixture.iam.send(new TagUserCommand({ UserName: 'ghost', Tags: [{ Key: 'k', Value: 'v' }] })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('removes the named keys with UntagUser and ignores keys the user does not have', async () => {
    await createUser('alice', {
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
        { Key: 'c', Value: '3' },
      ],
    });

    await fixture.iam.send(new UntagUserCommand({ UserName: 'alice', TagKeys: ['a', 'c', 'zzz'] }));

    const { Tags } = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('leaves Tags out of GetUser once the last tag is removed', async () => {
    await createUser('alice', { Tags: [{ Key: 'a', Value: '1' }] });

    await fixture.iam.send(new UntagUserCommand({ UserName: 'alice', TagKeys: ['a'] }));

    const { User } = await fixture.iam.send(new GetUserCommand({ UserName: 'alice' }));
    expect(User).not.toHaveProperty('Tags');
  });

  it('answers NoSuchEntity 404 when untagging an unknown user', async () => {
    const error = await failure(
      fixture.iam.send(new UntagUserCommand({ UserName: 'ghost', TagKeys: ['a'] })),
    );

    expect(error).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('answers Tags [] and IsTruncated false for a user without tags', async () => {
    await createUser('alice');

    const listed = await fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice' }));

    expect(listed.Tags).toEqual([]);
    expect(listed.IsTruncated).toBe(false);
  });

  it('answers NoSuchEntity 404 when listing the tags of an unknown user', async () => {
    const error = await failure(fixture.iam.send(new ListUserTagsCommand({ UserName: 'ghost' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('walks the tags with paginateListUserTags in key order, each exactly once', async () => {
    const given = tags(20).reverse();
    await createUser('alice', { Tags: given });

    const pages: ListUserTagsCommandOutput[] = [];
    for await (const page of paginateListUserTags(
      { client: fixture.iam, pageSize: 6 },
      { UserName: 'alice' },
    )) {
      pages.push(page);
      if (pages.length > 10) throw new Error('paginator did not terminate');
    }

    const keys = pages.flatMap((p) => p.Tags?.map((t) => t.Key) ?? []);
    expect(keys).toEqual(tags(20).map((t) => t.Key));
    expect(pages.map((p) => p.Tags?.length)).toEqual([6, 6, 6, 2]);
    expect(pages.at(-1)).not.toHaveProperty('Marker');
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    await createUser('alice', { Tags: tags(3) });

    const error = await failure(
      fixture.iam.send(new ListUserTagsCommand({ UserName: 'alice', Marker: 'bogus' })),
    );

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });
});

describe('Login profile', () => {
  it('creates a login profile and returns UserName, CreateDate and PasswordResetRequired', async () => {
    await createUser('alice');

    const { LoginProfile } = await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    expect(LoginProfile).toEqual({
      UserName: 'alice',
      CreateDate: expect.any(Date),
      PasswordResetRequired: false,
    });
  });

  it('records PasswordResetRequired when asked to', async () => {
    await createUser('alice');

    const created = await fixture.iam.send(
      new CreateLoginProfileCommand({
        UserName: 'alice',
        Password: STRONG_PASSWORD,
        PasswordResetRequired: true,
      }),
    );
    const fetched = await fixture.iam.send(new GetLoginProfileCommand({ UserName: 'alice' }));

    expect(created.LoginProfile?.PasswordResetRequired).toBe(true);
    expect(fetched.LoginProfile).toEqual(created.LoginProfile);
  });

  it('answers NoSuchEntity 404 when the user does not exist', async () => {
    const error = await failure(
      fixture.iam.send(
        new CreateLoginProfileCommand({ UserName: 'ghost', Password: STRONG_PASSWORD }),
      ),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('refuses a second login profile with EntityAlreadyExists 409', async () => {
    await createUser('alice');
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    const error = await failure(
      fixture.iam.send(
        new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Other-Pass-42' }),
      ),
    );

    expect(error).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'Login Profile for user alice already exists.',
    });
  });

  it.each([
    ['shorter than 8 characters', 'Ab1!'],
    ['of only two character classes', 'onlylowercase123'],
    ['of a single character class', 'abcdefghijkl'],
  ])('refuses a password %s with PasswordPolicyViolation 400', async (_case, password) => {
    await createUser('alice');

    const error = await sdkError(
      fixture.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: password })),
    );

    expect(error.name).toBe('PasswordPolicyViolationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const fetch = await failure(
      fixture.iam.send(new GetLoginProfileCommand({ UserName: 'alice' })),
    );
    expect(fetch.name).toBe('NoSuchEntityException');
  });

  it.each([
    ['upper, lower and digits', 'Abcdefg1'],
    ['lower, digits and symbols', 'abcdef1!'],
    ['upper, lower and symbols', 'Abcdefg-'],
  ])('accepts an 8-character password of three classes (%s)', async (_case, password) => {
    await createUser('alice');

    const { LoginProfile } = await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: password }),
    );

    expect(LoginProfile?.UserName).toBe('alice');
  });

  it('rejects an empty password with ValidationError 400', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: '' })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    });
  });

  it('returns the login profile with GetLoginProfile', async () => {
    await createUser('alice');
    const created = await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    const { LoginProfile } = await fixture.iam.send(
      new GetLoginProfileCommand({ UserName: 'alice' }),
    );

    expect(LoginProfile).toEqual(created.LoginProfile);
  });

  it('answers NoSuchEntity 404 "Login Profile for User X cannot be found." when there is none', async () => {
    await createUser('bob');

    const error = await failure(fixture.iam.send(new GetLoginProfileCommand({ UserName: 'bob' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'Login Profile for User bob cannot be found.',
    });
  });

  it('answers NoSuchEntity 404 for the login profile of an unknown user', async () => {
    const error = await failure(
      fixture.iam.send(new GetLoginProfileCommand({ UserName: 'ghost' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('deletes the login profile, after which GetLoginProfile finds none', async () => {
    await createUser('alice');
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );

    await fixture.iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' }));

    const error = await failure(
      fixture.iam.send(new GetLoginProfileCommand({ UserName: 'alice' })),
    );
    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'Login Profile for User alice cannot be found.',
    });
  });

  it('answers NoSuchEntity 404 when deleting a login profile that does not exist', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'Login Profile for User alice cannot be found.',
    });
  });

  it('lets a user get a new login profile after deleting the old one', async () => {
    await createUser('alice');
    await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: STRONG_PASSWORD }),
    );
    await fixture.iam.send(new DeleteLoginProfileCommand({ UserName: 'alice' }));

    const { LoginProfile } = await fixture.iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Another-Pass-7' }),
    );

    expect(LoginProfile?.UserName).toBe('alice');
  });
});

describe('Request ids', () => {
  it('sends x-amzn-requestid on every response, which the SDK exposes as $metadata.requestId', async () => {
    const created = await fixture.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const deleted = await fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    const error = await sdkError(fixture.iam.send(new GetUserCommand({ UserName: 'alice' })));

    const ids = [
      created.$metadata.requestId,
      deleted.$metadata.requestId,
      error.$metadata.requestId,
    ];
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it('puts the same request id in the header and in the body', async () => {
    const body = new URLSearchParams({ Action: 'ListUsers', Version: '2010-05-08' });

    const response = await fetch(`${fixture.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });

    const text = await response.text();
    const header = response.headers.get('x-amzn-requestid');
    expect(response.status).toBe(200);
    expect(header).toMatch(UUID);
    expect(text).toContain(`<RequestId>${header}</RequestId>`);
    expect(text).toContain('<ListUsersResult>');
  });
});
