// CreateAccessKey, ListAccessKeys, UpdateAccessKey and DeleteAccessKey, spoken to by the real
// @aws-sdk/client-iam over HTTP. Facts: docs/iam-facts.md §3 "Access keys"; choices marked
// UNCONFIRMED in local/emulator/ops/access-keys.ts are pinned here so a change is deliberate.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AccessKey,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  paginateListAccessKeys,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { AccountState } from '../../local/emulator/state.ts';
import { sdkError, useEmulator } from '../support/emulator.ts';

const ACCOUNT = '123456789012';
const NON_USER = 'Must specify userName when calling with non-User credentials';

const em = useEmulator();
const state = (): AccountState => em.running.emulator.state;

async function failure(promise: Promise<unknown>) {
  const error = await sdkError(promise);
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
}

async function createUser(name: string) {
  await em.iam.send(new CreateUserCommand({ UserName: name }));
}

async function createKey(userName?: string, iam = em.iam): Promise<AccessKey> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  if (!AccessKey) throw new Error('CreateAccessKey returned no AccessKey');
  return AccessKey;
}

async function listKeys(userName?: string, iam = em.iam) {
  const { AccessKeyMetadata, IsTruncated } = await iam.send(
    new ListAccessKeysCommand({ UserName: userName }),
  );
  expect(IsTruncated).toBe(false);
  return AccessKeyMetadata ?? [];
}

describe('CreateAccessKey', () => {
  it('returns an active AKIA key of 20 characters with its 40-character secret, once', async () => {
    await createUser('alice');
    const before = Date.now();
    const key = await createKey('alice');

    expect(Object.keys(key).sort()).toEqual(
      ['AccessKeyId', 'CreateDate', 'SecretAccessKey', 'Status', 'UserName'].sort(),
    );
    expect(key.UserName).toBe('alice');
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.SecretAccessKey).toHaveLength(40);
    expect(key.Status).toBe('Active');
    expect(key.CreateDate?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('answers with the user name as created, whatever the case asked for', async () => {
    await createUser('Alice');
    expect((await createKey('ALICE')).UserName).toBe('Alice');
  });

  it('refuses a third key, active or not, with LimitExceeded 409', async () => {
    await createUser('alice');
    const first = await createKey('alice');
    await createKey('alice');
    await em.iam.send(
      new UpdateAccessKeyCommand({
        UserName: 'alice',
        AccessKeyId: first.AccessKeyId,
        Status: 'Inactive',
      }),
    );

    expect(await failure(createKey('alice'))).toEqual({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
  });

  it('counts keys that were seeded towards the two', async () => {
    await createUser('alice');
    state().accessKeys.set('AKIASEEDEDKEY0000001', {
      accessKeyId: 'AKIASEEDEDKEY0000001',
      user: 'alice',
    });
    await createKey('alice');
    expect((await failure(createKey('alice'))).name).toBe('LimitExceededException');
  });

  it('rejects a missing user with NoSuchEntity 404', async () => {
    expect(await failure(createKey('nobody'))).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name nobody cannot be found.',
    });
  });

  it('makes the key for the calling user when UserName is omitted', async () => {
    await createUser('alice');
    const first = await createKey('alice');
    const asAlice = em.iamAs(first.AccessKeyId as string);
    try {
      const second = await createKey(undefined, asAlice);
      expect(second.UserName).toBe('alice');
      expect((await listKeys('alice')).map((k) => k.AccessKeyId)).toEqual([
        first.AccessKeyId,
        second.AccessKeyId,
      ]);
    } finally {
      asAlice.destroy();
    }
  });

  it('asks root for a UserName (UNCONFIRMED), with ValidationError 400', async () => {
    expect(await failure(createKey())).toEqual({
      name: 'ValidationError',
      status: 400,
      message: NON_USER,
    });
  });
});

describe('a created key signs requests as its user', () => {
  it('is the caller for IAM and STS', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const iam = em.iamAs(key.AccessKeyId as string);
    const sts = em.stsAs(key.AccessKeyId as string);
    try {
      expect((await iam.send(new GetUserCommand({}))).User?.UserName).toBe('alice');
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:iam::${ACCOUNT}:user/alice`,
      );
    } finally {
      iam.destroy();
      sts.destroy();
    }
  });

  it('works through the SDK shared credentials file and a named profile', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const dir = await mkdtemp(join(tmpdir(), 'emulator-keys-'));
    const saved = {
      credentials: process.env.AWS_SHARED_CREDENTIALS_FILE,
      config: process.env.AWS_CONFIG_FILE,
    };
    try {
      const credentials = join(dir, 'credentials');
      const config = join(dir, 'config');
      await writeFile(
        credentials,
        `[alice]\naws_access_key_id = ${key.AccessKeyId}\naws_secret_access_key = ${key.SecretAccessKey}\n`,
      );
      await writeFile(config, '[profile alice]\nregion = us-east-1\n');
      process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
      process.env.AWS_CONFIG_FILE = config;

      const sts = new STSClient({ endpoint: em.url, profile: 'alice', maxAttempts: 1 });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
      } finally {
        sts.destroy();
      }
    } finally {
      restoreEnv('AWS_SHARED_CREDENTIALS_FILE', saved.credentials);
      restoreEnv('AWS_CONFIG_FILE', saved.config);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is refused with InvalidClientTokenId 403 while Inactive, and works again once Active', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const update = (Status: 'Active' | 'Inactive') =>
      em.iam.send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId, Status }),
      );
    const sts = em.stsAs(key.AccessKeyId as string);
    try {
      await update('Inactive');
      expect(await failure(sts.send(new GetCallerIdentityCommand({})))).toEqual({
        name: 'InvalidClientTokenId',
        status: 403,
        message: 'The security token included in the request is invalid.',
      });
      await update('Active');
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toContain(':user/alice');
    } finally {
      sts.destroy();
    }
  });
});

describe('ListAccessKeys', () => {
  it('lists a user’s keys in creation order, without secrets', async () => {
    await createUser('alice');
    const first = await createKey('alice');
    em.running.emulator.clockOffsetMs += 5000;
    const second = await createKey('alice');

    const keys = await listKeys('alice');
    expect(keys).toEqual([
      {
        UserName: 'alice',
        AccessKeyId: first.AccessKeyId,
        Status: 'Active',
        CreateDate: first.CreateDate,
      },
      {
        UserName: 'alice',
        AccessKeyId: second.AccessKeyId,
        Status: 'Active',
        CreateDate: second.CreateDate,
      },
    ]);
  });

  it('lists nothing for a user without keys, and only that user’s keys', async () => {
    await createUser('alice');
    await createUser('bob');
    await createKey('bob');
    expect(await listKeys('alice')).toEqual([]);
    expect((await listKeys('bob')).map((k) => k.UserName)).toEqual(['bob']);
  });

  it('lists the calling user’s keys when UserName is omitted', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const asAlice = em.iamAs(key.AccessKeyId as string);
    try {
      expect((await listKeys(undefined, asAlice)).map((k) => k.AccessKeyId)).toEqual([
        key.AccessKeyId,
      ]);
    } finally {
      asAlice.destroy();
    }
  });

  it('pages with MaxItems and a Marker the SDK paginator follows', async () => {
    await createUser('alice');
    const first = await createKey('alice');
    em.running.emulator.clockOffsetMs += 1000;
    const second = await createKey('alice');
    const pages = [];
    for await (const page of paginateListAccessKeys(
      { client: em.iam, pageSize: 1 },
      { UserName: 'alice' },
    )) {
      pages.push(page.AccessKeyMetadata?.map((k) => k.AccessKeyId));
    }
    expect(pages).toEqual([[first.AccessKeyId], [second.AccessKeyId]]);
  });

  it('rejects a missing user with NoSuchEntity 404', async () => {
    expect((await failure(listKeys('nobody'))).name).toBe('NoSuchEntityException');
  });
});

describe('UpdateAccessKey', () => {
  it('sets a key Inactive and back to Active, as ListAccessKeys then shows', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    for (const Status of ['Inactive', 'Active'] as const) {
      await em.iam.send(
        new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId, Status }),
      );
      expect((await listKeys('alice')).map((k) => k.Status)).toEqual([Status]);
    }
  });

  it('updates the caller’s own key when UserName is omitted', async () => {
    await createUser('alice');
    const own = await createKey('alice');
    const other = await createKey('alice');
    const asAlice = em.iamAs(own.AccessKeyId as string);
    try {
      await asAlice.send(
        new UpdateAccessKeyCommand({ AccessKeyId: other.AccessKeyId, Status: 'Inactive' }),
      );
      expect((await listKeys('alice')).map((k) => k.Status)).toEqual(['Active', 'Inactive']);
    } finally {
      asAlice.destroy();
    }
  });

  it('rejects another user’s key, or an unknown one, with NoSuchEntity 404', async () => {
    await createUser('alice');
    await createUser('bob');
    const bobs = await createKey('bob');
    for (const AccessKeyId of [bobs.AccessKeyId as string, 'AKIAUNKNOWN000000001']) {
      expect(
        await failure(
          em.iam.send(
            new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId, Status: 'Inactive' }),
          ),
        ),
      ).toEqual({
        name: 'NoSuchEntityException',
        status: 404,
        message: `The Access Key with id ${AccessKeyId} cannot be found.`,
      });
    }
  });

  it('validates the key id and the status with ValidationError 400', async () => {
    await createUser('alice');
    const error = await failure(
      em.iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'alice',
          AccessKeyId: 'AKIA-short',
          Status: 'Expired' as 'Active',
        }),
      ),
    );
    expect(error).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        "3 validation errors detected: Value at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16; " +
        "Value at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+; " +
        "Value 'Expired' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
    });
  });
});

describe('DeleteAccessKey', () => {
  it('deletes the key: it is no longer listed, and the user can be deleted', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    expect(await failure(em.iam.send(new DeleteUserCommand({ UserName: 'alice' })))).toMatchObject({
      name: 'DeleteConflictException',
      status: 409,
    });

    await em.iam.send(
      new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId }),
    );
    expect(await listKeys('alice')).toEqual([]);
    expect(state().accessKeys.has(key.AccessKeyId as string)).toBe(false);
    await em.iam.send(new DeleteUserCommand({ UserName: 'alice' }));
  });

  it('frees a place under the quota', async () => {
    await createUser('alice');
    const first = await createKey('alice');
    await createKey('alice');
    await em.iam.send(
      new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: first.AccessKeyId }),
    );
    expect((await createKey('alice')).Status).toBe('Active');
  });

  it('lets a user delete its own signing key when UserName is omitted', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const asAlice = em.iamAs(key.AccessKeyId as string);
    try {
      await asAlice.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId }));
      expect(await listKeys('alice')).toEqual([]);
    } finally {
      asAlice.destroy();
    }
  });

  it('rejects an unknown key, or a key already deleted, with NoSuchEntity 404', async () => {
    await createUser('alice');
    const key = await createKey('alice');
    const del = () =>
      em.iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId }));
    await del();
    expect(await failure(del())).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: `The Access Key with id ${key.AccessKeyId} cannot be found.`,
    });
  });

  it('requires AccessKeyId', async () => {
    expect(
      await failure(em.iam.send(new DeleteAccessKeyCommand({ UserName: 'alice' } as never))),
    ).toEqual({
      name: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null",
    });
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
