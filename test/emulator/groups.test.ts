// Conformance of the emulator's group, membership and inline group-policy operations, driven
// through the real @aws-sdk/client-iam over HTTP. Every expectation comes from docs/iam-facts.md
// (§1 wire protocol, §2 shapes and validation messages, §3 "Groups"); behaviour that page
// marks UNCONFIRMED is asserted only as far as the emulator's documented choice goes, and says so.

import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteUserCommand,
  GetGroupCommand,
  type GetGroupCommandOutput,
  GetGroupPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  type ListGroupsCommandOutput,
  ListGroupsForUserCommand,
  type ListGroupsForUserCommandOutput,
  PutGroupPolicyCommand,
  paginateGetGroup,
  paginateListGroupPolicies,
  paginateListGroups,
  paginateListGroupsForUser,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { groupArn, newId } from '../../local/emulator/state.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';

const ACCOUNT_ID = '123456789012';
const GROUP_ID = /^AGPA[A-Z0-9]{17}$/;
const NAME_PATTERN = '[\\w+=,.@-]+';
const PATH_MESSAGE =
  'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyAllExceptListedIfNoMFA',
      Effect: 'Deny',
      NotAction: ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:ListMFADevices'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
});

const fixture = useEmulator();

/** The parts of an SDK error a test asserts on. */
async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

const oneViolation = (text: string) => `1 validation error detected: ${text}`;

async function createGroup(groupName: string, path?: string) {
  const { Group } = await fixture.iam.send(
    new CreateGroupCommand({ GroupName: groupName, Path: path }),
  );
  if (!Group) throw new Error('CreateGroup returned no Group');
  return Group;
}

async function createUser(userName: string, path?: string) {
  const { User } = await fixture.iam.send(
    new CreateUserCommand({ UserName: userName, Path: path }),
  );
  if (!User) throw new Error('CreateUser returned no User');
  return User;
}

const addToGroup = (userName: string, groupName: string) =>
  fixture.iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: groupName }));

const memberNames = (page: GetGroupCommandOutput) => page.Users?.map((u) => u.UserName);

/** Puts groups straight into the account, for the per-account quota. */
function insertGroups(count: number) {
  const { state } = fixture.running.emulator;
  for (let i = 0; i < count; i += 1) {
    const groupName = `bulk-group-${String(i).padStart(3, '0')}`;
    state.groups.set(groupName.toLowerCase(), {
      groupName,
      groupId: newId('AGPA'),
      path: '/',
      arn: groupArn(state, '/', groupName),
      createDate: new Date(),
      members: new Set(),
      inlinePolicies: new Map(),
    });
  }
}

describe('CreateGroup', () => {
  it('creates a group at the default path with a 21-character AGPA id, an ARN and a CreateDate', async () => {
    const { Group } = await fixture.iam.send(new CreateGroupCommand({ GroupName: 'admins' }));

    expect(Group).toEqual({
      Path: '/',
      GroupName: 'admins',
      GroupId: expect.stringMatching(GROUP_ID),
      Arn: `arn:aws:iam::${ACCOUNT_ID}:group/admins`,
      CreateDate: expect.any(Date),
    });
    expect(Group?.GroupId).toHaveLength(21);
  });

  it('puts the path into the ARN between "group" and the name', async () => {
    const group = await createGroup('admins', '/division_abc/');

    expect(group.Path).toBe('/division_abc/');
    expect(group.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:group/division_abc/admins`);
  });

  it('accepts a path with a double slash, as AWS does', async () => {
    const group = await createGroup('admins', '/test//double/');

    expect(group.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:group/test//double/admins`);
  });

  it('rejects a path that does not begin and end with / with the path message', async () => {
    const error = await failure(
      fixture.iam.send(new CreateGroupCommand({ GroupName: 'admins', Path: 'division/' })),
    );

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: PATH_MESSAGE });
  });

  it('rejects a duplicate group name with EntityAlreadyExists 409', async () => {
    await createGroup('admins');

    const error = await failure(fixture.iam.send(new CreateGroupCommand({ GroupName: 'admins' })));

    expect(error).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'Group with name admins already exists.',
    });
  });

  it('rejects a duplicate group name regardless of case with EntityAlreadyExists 409', async () => {
    await createGroup('Admins');

    const error = await failure(fixture.iam.send(new CreateGroupCommand({ GroupName: 'ADMINS' })));

    expect(error).toEqual({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'Group with name ADMINS already exists.',
    });
  });

  it('accepts a group name of 128 characters', async () => {
    const group = await createGroup('g'.repeat(128));

    expect(group.GroupName).toHaveLength(128);
  });

  it('rejects a group name of 129 characters with ValidationError 400', async () => {
    const error = await failure(
      fixture.iam.send(new CreateGroupCommand({ GroupName: 'g'.repeat(129) })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128",
      ),
    });
  });

  it('rejects characters outside the name pattern with the pattern message', async () => {
    const error = await failure(
      fixture.iam.send(new CreateGroupCommand({ GroupName: 'my group' })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        `Value at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
      ),
    });
  });

  it('rejects an empty GroupName with the minimum-length message', async () => {
    const error = await failure(fixture.iam.send(new CreateGroupCommand({ GroupName: '' })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'groupName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    });
  });

  it('refuses the 301st group of the account with LimitExceeded 409', async () => {
    insertGroups(300);

    const error = await failure(fixture.iam.send(new CreateGroupCommand({ GroupName: 'extra' })));

    // The quota is 300 (UG reference_iam-quotas.md); the message follows the recorded
    // "Cannot exceed quota for …" form by analogy.
    expect(error).toMatchObject({ name: 'LimitExceededException', status: 409 });
  });
});

describe('GetGroup', () => {
  it('returns the group and its members (without Tags), not truncated and without a Marker', async () => {
    const group = await createGroup('admins', '/ops/');
    await createUser('bob');
    await fixture.iam.send(
      new CreateUserCommand({
        UserName: 'alice',
        Path: '/staff/',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    await addToGroup('bob', 'admins');
    await addToGroup('alice', 'admins');

    const page = await fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' }));

    expect(page.Group).toEqual(group);
    expect(memberNames(page)).toEqual(['alice', 'bob']);
    expect(page.Users?.[0]).toEqual({
      Path: '/staff/',
      UserName: 'alice',
      UserId: expect.stringMatching(/^AIDA/),
      Arn: `arn:aws:iam::${ACCOUNT_ID}:user/staff/alice`,
      CreateDate: expect.any(Date),
    });
    expect(page.IsTruncated).toBe(false);
    expect(page).not.toHaveProperty('Marker');
  });

  it('returns Users [] for a group without members', async () => {
    await createGroup('empty');

    const page = await fixture.iam.send(new GetGroupCommand({ GroupName: 'empty' }));

    expect(page.Users).toEqual([]);
    expect(page.IsTruncated).toBe(false);
  });

  it('answers NoSuchEntity 404 for an unknown group', async () => {
    const error = await failure(fixture.iam.send(new GetGroupCommand({ GroupName: 'ghost' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name ghost cannot be found.',
    });
  });

  it('walks the members with paginateGetGroup (pageSize 4), each exactly once, the Group on every page', async () => {
    await createGroup('everyone');
    const names = Array.from({ length: 10 }, (_, i) => `member-${i}`);
    for (const name of names) {
      await createUser(name);
      await addToGroup(name, 'everyone');
    }

    const pages: GetGroupCommandOutput[] = [];
    for await (const page of paginateGetGroup(
      { client: fixture.iam, pageSize: 4 },
      { GroupName: 'everyone' },
    )) {
      pages.push(page);
      if (pages.length > 10) throw new Error('paginator did not terminate');
    }

    expect(pages.flatMap((p) => memberNames(p) ?? [])).toEqual(names);
    expect(pages.map((p) => p.Users?.length)).toEqual([4, 4, 2]);
    for (const page of pages) expect(page.Group?.GroupName).toBe('everyone');
    expect(pages.at(-1)?.IsTruncated).toBe(false);
    expect(pages.at(-1)).not.toHaveProperty('Marker');
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    await createGroup('admins');

    const error = await failure(
      fixture.iam.send(new GetGroupCommand({ GroupName: 'admins', Marker: 'bogus' })),
    );

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });

  it.each([
    [0, 'Member must have value greater than or equal to 1'],
    [1001, 'Member must have value less than or equal to 1000'],
  ])('rejects MaxItems %i with ValidationError 400', async (maxItems, constraint) => {
    await createGroup('admins');

    const error = await failure(
      fixture.iam.send(new GetGroupCommand({ GroupName: 'admins', MaxItems: maxItems })),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(`Value at 'maxItems' failed to satisfy constraint: ${constraint}`),
    });
  });
});

describe('ListGroups', () => {
  it('answers Groups [] for an account without groups', async () => {
    const page = await fixture.iam.send(new ListGroupsCommand({}));

    expect(page.Groups).toEqual([]);
    expect(page.IsTruncated).toBe(false);
    expect(page).not.toHaveProperty('Marker');
  });

  it('lists groups by name with their full Group shape', async () => {
    const ops = await createGroup('ops');
    const admins = await createGroup('admins', '/it/');

    const page = await fixture.iam.send(new ListGroupsCommand({}));

    expect(page.Groups).toEqual([admins, ops]);
  });

  it('treats PathPrefix as a plain string prefix (/test-life matches /test-lifecycle-path/)', async () => {
    await createGroup('in-lifecycle', '/test-lifecycle-path/');
    await createGroup('in-life', '/test-life/');
    await createGroup('elsewhere', '/other/');

    const page = await fixture.iam.send(new ListGroupsCommand({ PathPrefix: '/test-life' }));

    expect(page.Groups?.map((g) => g.GroupName).sort()).toEqual(['in-life', 'in-lifecycle']);
  });

  it('walks the groups with paginateListGroups, each exactly once, then stops', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `group-${String(i).padStart(2, '0')}`);
    for (const name of names) await createGroup(name);

    const pages: ListGroupsCommandOutput[] = [];
    for await (const page of paginateListGroups({ client: fixture.iam, pageSize: 5 }, {})) {
      pages.push(page);
      if (pages.length > 10) throw new Error('paginator did not terminate');
    }

    expect(pages.flatMap((p) => p.Groups?.map((g) => g.GroupName) ?? [])).toEqual(names);
    expect(pages.map((p) => p.IsTruncated)).toEqual([true, true, false]);
    expect(pages.at(-1)).not.toHaveProperty('Marker');
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    const error = await failure(fixture.iam.send(new ListGroupsCommand({ Marker: 'bogus' })));

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });

  it('rejects MaxItems 0 with ValidationError 400', async () => {
    const error = await failure(fixture.iam.send(new ListGroupsCommand({ MaxItems: 0 })));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        "Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    });
  });
});

describe('DeleteGroup', () => {
  it('deletes an empty group, after which it cannot be found', async () => {
    await createGroup('admins');

    await fixture.iam.send(new DeleteGroupCommand({ GroupName: 'admins' }));

    const error = await failure(fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' })));
    expect(error.name).toBe('NoSuchEntityException');
  });

  it('answers NoSuchEntity 404 for an unknown group', async () => {
    const error = await failure(fixture.iam.send(new DeleteGroupCommand({ GroupName: 'ghost' })));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name ghost cannot be found.',
    });
  });

  it('refuses with DeleteConflict 409 while the group has members', async () => {
    await createGroup('admins');
    await createUser('alice');
    await addToGroup('alice', 'admins');

    const error = await failure(fixture.iam.send(new DeleteGroupCommand({ GroupName: 'admins' })));

    expect(error).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must remove users from group first.',
    });
  });

  it('refuses with DeleteConflict 409 while the group has inline policies', async () => {
    await createGroup('admins');
    await fixture.iam.send(
      new PutGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p', PolicyDocument: POLICY }),
    );

    const error = await failure(fixture.iam.send(new DeleteGroupCommand({ GroupName: 'admins' })));

    expect(error).toEqual({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must delete policies first.',
    });
  });
});

describe('AddUserToGroup and RemoveUserFromGroup', () => {
  it('adds a user, who then appears in GetGroup and the group in ListGroupsForUser', async () => {
    const group = await createGroup('admins');
    await createUser('alice');

    await addToGroup('alice', 'admins');

    const members = await fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' }));
    const groups = await fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    expect(memberNames(members)).toEqual(['alice']);
    expect(groups.Groups).toEqual([group]);
  });

  it('succeeds when the user is already a member, without listing them twice', async () => {
    await createGroup('admins');
    await createUser('alice');
    await addToGroup('alice', 'admins');

    await addToGroup('alice', 'admins');

    const members = await fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' }));
    expect(memberNames(members)).toEqual(['alice']);
  });

  it('refuses an 11th group for one user with LimitExceeded 409', async () => {
    await createUser('alice');
    for (let i = 0; i < 11; i += 1) await createGroup(`group-${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 10; i += 1)
      await addToGroup('alice', `group-${String(i).padStart(2, '0')}`);

    const error = await sdkError(addToGroup('alice', 'group-10'));

    // The message is UNCONFIRMED (docs/iam-facts.md §9); the emulator says
    // "Cannot exceed quota for GroupsPerUser: 10".
    expect(error.name).toBe('LimitExceededException');
    expect(error.$metadata.httpStatusCode).toBe(409);
    const { Groups } = await fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    expect(Groups).toHaveLength(10);
  });

  it('still lets a user in 10 groups be added to one of them again', async () => {
    await createUser('alice');
    for (let i = 0; i < 10; i += 1) {
      await createGroup(`group-${i}`);
      await addToGroup('alice', `group-${i}`);
    }

    await addToGroup('alice', 'group-3');

    const { Groups } = await fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    expect(Groups).toHaveLength(10);
  });

  it('answers NoSuchEntity 404 naming the user when the user is missing', async () => {
    await createGroup('admins');

    const error = await failure(addToGroup('ghost', 'admins'));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('answers NoSuchEntity 404 naming the group when the group is missing', async () => {
    await createUser('alice');

    const error = await failure(addToGroup('alice', 'nowhere'));

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name nowhere cannot be found.',
    });
  });

  it('reports the missing user before the missing group', async () => {
    const adding = await failure(addToGroup('ghost', 'nowhere'));
    const removing = await failure(
      fixture.iam.send(new RemoveUserFromGroupCommand({ UserName: 'ghost', GroupName: 'nowhere' })),
    );

    for (const error of [adding, removing]) {
      expect(error).toEqual({
        name: 'NoSuchEntityException',
        status: 404,
        message: 'The user with name ghost cannot be found.',
      });
    }
  });

  it('removes a member from the group', async () => {
    await createGroup('admins');
    await createUser('alice');
    await createUser('bob');
    await addToGroup('alice', 'admins');
    await addToGroup('bob', 'admins');

    await fixture.iam.send(
      new RemoveUserFromGroupCommand({ UserName: 'alice', GroupName: 'admins' }),
    );

    const members = await fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' }));
    const groups = await fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    expect(memberNames(members)).toEqual(['bob']);
    expect(groups.Groups).toEqual([]);
  });

  it('succeeds (200) when removing a user who is not a member', async () => {
    await createGroup('admins');
    await createUser('alice');

    const output = await fixture.iam.send(
      new RemoveUserFromGroupCommand({ UserName: 'alice', GroupName: 'admins' }),
    );

    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('answers NoSuchEntity 404 naming the group when removing from a missing group', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(new RemoveUserFromGroupCommand({ UserName: 'alice', GroupName: 'nowhere' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name nowhere cannot be found.',
    });
  });

  it('lets the group be deleted once its last member is removed', async () => {
    await createGroup('admins');
    await createUser('alice');
    await addToGroup('alice', 'admins');
    await fixture.iam.send(
      new RemoveUserFromGroupCommand({ UserName: 'alice', GroupName: 'admins' }),
    );

    await fixture.iam.send(new DeleteGroupCommand({ GroupName: 'admins' }));

    const { Groups } = await fixture.iam.send(new ListGroupsCommand({}));
    expect(Groups).toEqual([]);
  });

  it('lets the user be deleted once it has left every group', async () => {
    await createGroup('admins');
    await createUser('alice');
    await addToGroup('alice', 'admins');
    await fixture.iam.send(
      new RemoveUserFromGroupCommand({ UserName: 'alice', GroupName: 'admins' }),
    );

    await fixture.iam.send(new DeleteUserCommand({ UserName: 'alice' }));

    const members = await fixture.iam.send(new GetGroupCommand({ GroupName: 'admins' }));
    expect(members.Users).toEqual([]);
  });

  it('validates both names, reporting every violation together', async () => {
    const error = await failure(addToGroup('a'.repeat(129), 'bad group'));

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        '2 validation errors detected: ' +
        `Value at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}; ` +
        "Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128",
    });
  });
});

describe('ListGroupsForUser', () => {
  it('answers Groups [] for a user in no group', async () => {
    await createUser('alice');

    const page = await fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));

    expect(page.Groups).toEqual([]);
    expect(page.IsTruncated).toBe(false);
    expect(page).not.toHaveProperty('Marker');
  });

  it('answers NoSuchEntity 404 for an unknown user', async () => {
    const error = await failure(
      fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'ghost' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name ghost cannot be found.',
    });
  });

  it('walks the groups with paginateListGroupsForUser (pageSize 3), each exactly once', async () => {
    await createUser('alice');
    const names = Array.from({ length: 10 }, (_, i) => `group-${i}`);
    for (const name of names) {
      await createGroup(name, '/teams/');
      await addToGroup('alice', name);
    }

    const pages: ListGroupsForUserCommandOutput[] = [];
    for await (const page of paginateListGroupsForUser(
      { client: fixture.iam, pageSize: 3 },
      { UserName: 'alice' },
    )) {
      pages.push(page);
      if (pages.length > 10) throw new Error('paginator did not terminate');
    }

    expect(pages.flatMap((p) => p.Groups?.map((g) => g.GroupName) ?? [])).toEqual(names);
    expect(pages.map((p) => p.Groups?.length)).toEqual([3, 3, 3, 1]);
    expect(pages[0]?.Groups?.[0]).toEqual({
      Path: '/teams/',
      GroupName: 'group-0',
      GroupId: expect.stringMatching(GROUP_ID),
      Arn: `arn:aws:iam::${ACCOUNT_ID}:group/teams/group-0`,
      CreateDate: expect.any(Date),
    });
    expect(pages.at(-1)).not.toHaveProperty('Marker');
  });

  it('rejects a Marker it did not issue with "Invalid Marker."', async () => {
    await createUser('alice');

    const error = await failure(
      fixture.iam.send(new ListGroupsForUserCommand({ UserName: 'alice', Marker: 'bogus' })),
    );

    expect(error).toEqual({ name: 'ValidationError', status: 400, message: 'Invalid Marker.' });
  });
});

describe('Inline group policies', () => {
  it('stores a policy that GetGroupPolicy returns URL-encoded', async () => {
    await createGroup('admins');

    await fixture.iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'admins',
        PolicyName: 'force-mfa',
        PolicyDocument: POLICY,
      }),
    );
    const output = await fixture.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'force-mfa' }),
    );

    expect(output.GroupName).toBe('admins');
    expect(output.PolicyName).toBe('force-mfa');
    expect(output.PolicyDocument).toMatch(/^%7B/);
    expect(decodeURIComponent(output.PolicyDocument ?? '')).toBe(POLICY);
  });

  it('round-trips a document with whitespace, quotes and non-ASCII Latin-1 text', async () => {
    await createGroup('admins');
    const document = `{\n  "Version": "2012-10-17",\n  "Statement": [{"Sid": "Caf\u00e9 & <more>", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]\n}`;

    await fixture.iam.send(
      new PutGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p', PolicyDocument: document }),
    );
    const { PolicyDocument } = await fixture.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p' }),
    );

    expect(decodeURIComponent(PolicyDocument ?? '')).toBe(document);
  });

  it('replaces a policy put again under the same name', async () => {
    await createGroup('admins');
    const replacement = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await fixture.iam.send(
      new PutGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p', PolicyDocument: POLICY }),
    );

    await fixture.iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'admins',
        PolicyName: 'p',
        PolicyDocument: replacement,
      }),
    );

    const { PolicyDocument } = await fixture.iam.send(
      new GetGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p' }),
    );
    const { PolicyNames } = await fixture.iam.send(
      new ListGroupPoliciesCommand({ GroupName: 'admins' }),
    );
    expect(decodeURIComponent(PolicyDocument ?? '')).toBe(replacement);
    expect(PolicyNames).toEqual(['p']);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['a JSON array', '[]'],
    ['truncated JSON', '{"Version": "2012-10-17"'],
  ])('rejects %s with MalformedPolicyDocument 400', async (_case, document) => {
    await createGroup('admins');

    const error = await sdkError(
      fixture.iam.send(
        new PutGroupPolicyCommand({
          GroupName: 'admins',
          PolicyName: 'p',
          PolicyDocument: document,
        }),
      ),
    );

    expect(error.name).toBe('MalformedPolicyDocumentException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const { PolicyNames } = await fixture.iam.send(
      new ListGroupPoliciesCommand({ GroupName: 'admins' }),
    );
    expect(PolicyNames).toEqual([]);
  });

  it('answers NoSuchEntity 404 when putting a policy on an unknown group', async () => {
    const error = await failure(
      fixture.iam.send(
        new PutGroupPolicyCommand({ GroupName: 'ghost', PolicyName: 'p', PolicyDocument: POLICY }),
      ),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name ghost cannot be found.',
    });
  });

  it('rejects a policy name outside the name pattern with ValidationError 400', async () => {
    await createGroup('admins');

    const error = await failure(
      fixture.iam.send(
        new PutGroupPolicyCommand({
          GroupName: 'admins',
          PolicyName: 'my policy',
          PolicyDocument: POLICY,
        }),
      ),
    );

    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message: oneViolation(
        `Value at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
      ),
    });
  });

  it('answers NoSuchEntity 404 for a policy the group does not have', async () => {
    await createGroup('admins');

    const error = await failure(
      fixture.iam.send(new GetGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'missing' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group policy with name missing cannot be found.',
    });
  });

  it('answers NoSuchEntity 404 naming the group when getting a policy of an unknown group', async () => {
    const error = await failure(
      fixture.iam.send(new GetGroupPolicyCommand({ GroupName: 'ghost', PolicyName: 'p' })),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group with name ghost cannot be found.',
    });
  });

  it('lists policy names sorted, not truncated and without a Marker', async () => {
    await createGroup('admins');
    for (const name of ['zeta', 'alpha', 'mid']) {
      await fixture.iam.send(
        new PutGroupPolicyCommand({
          GroupName: 'admins',
          PolicyName: name,
          PolicyDocument: POLICY,
        }),
      );
    }

    const page = await fixture.iam.send(new ListGroupPoliciesCommand({ GroupName: 'admins' }));

    expect(page.PolicyNames).toEqual(['alpha', 'mid', 'zeta']);
    expect(page.IsTruncated).toBe(false);
    expect(page).not.toHaveProperty('Marker');
  });

  it('walks the policy names with paginateListGroupPolicies, each exactly once', async () => {
    await createGroup('admins');
    const names = Array.from({ length: 7 }, (_, i) => `policy-${i}`);
    for (const name of names) {
      await fixture.iam.send(
        new PutGroupPolicyCommand({
          GroupName: 'admins',
          PolicyName: name,
          PolicyDocument: POLICY,
        }),
      );
    }

    const seen: string[] = [];
    let pageCount = 0;
    for await (const page of paginateListGroupPolicies(
      { client: fixture.iam, pageSize: 3 },
      { GroupName: 'admins' },
    )) {
      pageCount += 1;
      if (pageCount > 10) throw new Error('paginator did not terminate');
      seen.push(...(page.PolicyNames ?? []));
    }

    expect(seen).toEqual(names);
    expect(pageCount).toBe(3);
  });

  it('answers NoSuchEntity 404 when listing the policies of an unknown group', async () => {
    const error = await failure(
      fixture.iam.send(new ListGroupPoliciesCommand({ GroupName: 'ghost' })),
    );

    expect(error).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('deletes a policy, after which it cannot be found', async () => {
    await createGroup('admins');
    await fixture.iam.send(
      new PutGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p', PolicyDocument: POLICY }),
    );

    await fixture.iam.send(new DeleteGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p' }));

    const error = await failure(
      fixture.iam.send(new GetGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p' })),
    );
    expect(error.name).toBe('NoSuchEntityException');
    const { PolicyNames } = await fixture.iam.send(
      new ListGroupPoliciesCommand({ GroupName: 'admins' }),
    );
    expect(PolicyNames).toEqual([]);
  });

  it('answers NoSuchEntity 404 when deleting a policy the group does not have', async () => {
    await createGroup('admins');

    const error = await failure(
      fixture.iam.send(
        new DeleteGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'missing' }),
      ),
    );

    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The group policy with name missing cannot be found.',
    });
  });

  it('lets the group be deleted once its last policy is deleted', async () => {
    await createGroup('admins');
    await fixture.iam.send(
      new PutGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p', PolicyDocument: POLICY }),
    );
    await fixture.iam.send(new DeleteGroupPolicyCommand({ GroupName: 'admins', PolicyName: 'p' }));

    await fixture.iam.send(new DeleteGroupCommand({ GroupName: 'admins' }));

    const { Groups } = await fixture.iam.send(new ListGroupsCommand({}));
    expect(Groups).toEqual([]);
  });
});
