// CreateAccountAlias, DeleteAccountAlias and ListAccountAliases, spoken to by the real
// @aws-sdk/client-iam over HTTP. An account has at most one alias; a new one replaces it (IAM
// User Guide; AWS SDK for Ruby v1 docs). Behaviour marked UNCONFIRMED in
// local/emulator/ops/account.ts is pinned here so that a change is deliberate.

import {
  CreateAccountAliasCommand,
  DeleteAccountAliasCommand,
  ListAccountAliasesCommand,
  type ListAccountAliasesCommandInput,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { sdkError, useEmulator } from '../support/emulator.ts';

const ALIAS_PATTERN = '^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$';

const em = useEmulator();

const create = (alias?: string) =>
  em.iam.send(new CreateAccountAliasCommand({ AccountAlias: alias as string }));
const remove = (alias?: string) =>
  em.iam.send(new DeleteAccountAliasCommand({ AccountAlias: alias as string }));
const listAliases = (input: ListAccountAliasesCommandInput = {}) =>
  em.iam.send(new ListAccountAliasesCommand(input));

describe('account aliases', () => {
  it('lists no alias for a new account, untruncated and without a Marker', async () => {
    const out = await listAliases();
    expect(out.AccountAliases).toEqual([]);
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();
  });

  it('creates an alias and lists it', async () => {
    const created = await create('example-corp');
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect((await listAliases()).AccountAliases).toEqual(['example-corp']);
  });

  it('replaces the alias when another one is created', async () => {
    await create('example-corp');
    await create('example-2');
    expect((await listAliases()).AccountAliases).toEqual(['example-2']);
  });

  it('accepts creating the alias the account already has (UNCONFIRMED)', async () => {
    await create('example-corp');
    await create('example-corp');
    expect((await listAliases()).AccountAliases).toEqual(['example-corp']);
  });

  it('deletes the alias', async () => {
    await create('example-corp');
    await remove('example-corp');
    expect((await listAliases()).AccountAliases).toEqual([]);
  });

  it('answers NoSuchEntity for an alias the account does not have (UNCONFIRMED message)', async () => {
    await create('example-corp');
    const error = await sdkError(remove('other-alias'));
    expect(error.name).toBe('NoSuchEntityException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('The account alias other-alias cannot be found.');
    expect((await listAliases()).AccountAliases).toEqual(['example-corp']);
  });

  it('accepts MaxItems and keeps IsTruncated false', async () => {
    await create('example-corp');
    const out = await listAliases({ MaxItems: 1 });
    expect(out).toMatchObject({ AccountAliases: ['example-corp'], IsTruncated: false });
    expect(out.Marker).toBeUndefined();
  });

  it('validates the alias: 3–63 lowercase letters, digits and single inner dashes', async () => {
    const pattern = `1 validation error detected: Value at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ALIAS_PATTERN}`;
    const cases: [string | undefined, string][] = [
      ['Example-Corp', pattern],
      ['-example', pattern],
      ['example-', pattern],
      ['ex--ample', pattern],
      [
        'ab',
        "2 validation errors detected: Value at 'accountAlias' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
          `Value at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ALIAS_PATTERN}`,
      ],
      [
        'a'.repeat(64),
        "2 validation errors detected: Value at 'accountAlias' failed to satisfy constraint: Member must have length less than or equal to 63; " +
          `Value at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ALIAS_PATTERN}`,
      ],
      [
        undefined,
        "1 validation error detected: Value null at 'accountAlias' failed to satisfy constraint: Member must not be null",
      ],
    ];
    for (const [alias, message] of cases) {
      const error = await sdkError(create(alias));
      expect(error.name).toBe('ValidationError');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(message);
    }
    await expect(create('a'.repeat(63))).resolves.toBeDefined();
    await expect(create('abc')).resolves.toBeDefined();
  });

  it('validates MaxItems and Marker of ListAccountAliases', async () => {
    const tooMany = await sdkError(listAliases({ MaxItems: 1001 }));
    expect(tooMany.name).toBe('ValidationError');
    expect(tooMany.message).toBe(
      "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    const marker = await sdkError(listAliases({ Marker: 'not-a-marker' }));
    expect(marker.name).toBe('ValidationError');
    expect(marker.message).toBe('Invalid Marker.');
  });
});
