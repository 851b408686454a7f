// Long-term access keys of IAM users: CreateAccessKey, ListAccessKeys, UpdateAccessKey and
// DeleteAccessKey (docs/iam-facts.md §3 "Access keys").
//
// A key created here goes into `state.accessKeys`, which is how the emulator tells who signed a
// request (emulator.ts `callerOf`), so a client configured with the new key id acts as its
// user. Signatures are not verified, so the secret is returned once and never kept, as AWS
// never returns it again either. An Inactive key signs nothing: the request is refused with
// InvalidClientTokenId, as AWS refuses a deactivated key.
//
// Choices where AWS's behaviour is UNCONFIRMED (pinned by test/emulator/access-keys.test.ts):
// - Without UserName, a caller that is not an IAM user (root, a role session) gets the
//   ValidationError GetUser gives role sessions; the emulator keeps no keys for root.
// - ListAccessKeys orders by creation (seeded keys first, by id); the Marker carries the last
//   key's position in that order.
// - A key id of another user, or of no one, gives the same NoSuchEntity message.

import { randomBytes } from 'node:crypto';
import { limitExceeded, noSuchEntity, validationError } from '../errors.ts';
import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, shapes } from '../params.ts';
import {
  type AccessKeyRecord,
  type AccessKeyStatus,
  type AccountState,
  newId,
  type UserRecord,
} from '../state.ts';
import { el, isoSeconds, list, type XmlNode } from '../xml.ts';
import { findUser } from './shared.ts';
import type { OpContext, OpTable } from './types.ts';

/** Keys one user may hold, active or inactive (UG quotas; message in docs/iam-facts.md §3). */
export const ACCESS_KEYS_PER_USER = 2;
const STATUSES = ['Active', 'Inactive'] as const satisfies readonly AccessKeyStatus[];

const keyNotFound = (accessKeyId: string) =>
  noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);

/** UserName when given, else the calling IAM user. */
function ownerOf(ctx: OpContext, userName: string | undefined): UserRecord {
  if (userName !== undefined) return findUser(ctx.state, userName);
  if (ctx.caller.kind === 'user') return findUser(ctx.state, ctx.caller.user.userName);
  throw validationError('Must specify userName when calling with non-User credentials');
}

/** When a key was made: its own date, or its user's for keys that were seeded. */
export function keyCreateDate(key: AccessKeyRecord, user: UserRecord): Date {
  return key.createDate ?? user.createDate;
}

/** A user's keys in creation order (the order the credential report numbers them in). */
export function keysOf(state: AccountState, user: UserRecord): AccessKeyRecord[] {
  const owner = user.userName.toLowerCase();
  const keys = [...state.accessKeys.values()].filter((k) => k.user === owner);
  return keys.sort(byKey((k) => orderKey(k, user)));
}

function orderKey(key: AccessKeyRecord, user: UserRecord): string {
  return `${keyCreateDate(key, user).toISOString()} ${key.accessKeyId}`;
}

/** The key, provided it belongs to this user; NoSuchEntity otherwise. */
function findKey(state: AccountState, user: UserRecord, accessKeyId: string): AccessKeyRecord {
  const key = state.accessKeys.get(accessKeyId);
  if (!key || key.user !== user.userName.toLowerCase()) throw keyNotFound(accessKeyId);
  return key;
}

function metadataXml(key: AccessKeyRecord, user: UserRecord): XmlNode[] {
  return [
    el('UserName', user.userName),
    el('AccessKeyId', key.accessKeyId),
    el('Status', key.status ?? 'Active'),
    el('CreateDate', isoSeconds(keyCreateDate(key, user))),
  ];
}

export const accessKeyOperations: OpTable = {
  CreateAccessKey(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    params.done();
    const user = ownerOf(ctx, userName);
    if (keysOf(state, user).length >= ACCESS_KEYS_PER_USER) {
      throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
    }
    // AKIA and 16 more characters: 20 in all, like real key ids.
    let accessKeyId = newId('AKIA').slice(0, 20);
    while (state.accessKeys.has(accessKeyId)) accessKeyId = newId('AKIA').slice(0, 20);
    const key: AccessKeyRecord = {
      accessKeyId,
      user: user.userName.toLowerCase(),
      status: 'Active',
      createDate: ctx.now,
    };
    state.accessKeys.set(accessKeyId, key);
    return [
      el('AccessKey', [
        el('UserName', user.userName),
        el('AccessKeyId', accessKeyId),
        el('Status', 'Active'),
        el('SecretAccessKey', randomBytes(30).toString('base64')),
        el('CreateDate', isoSeconds(ctx.now)),
      ]),
    ];
  },

  ListAccessKeys(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const user = ownerOf(ctx, userName);
    const page = paginate(keysOf(state, user), (k) => orderKey(k, user), marker, maxItems);
    return [
      list(
        'AccessKeyMetadata',
        page.items.map((k) => metadataXml(k, user)),
      ),
      ...pageTail(page),
    ];
  },

  UpdateAccessKey(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    const accessKeyId = params.string('AccessKeyId', shapes.accessKeyId, true);
    const status = params.enumValue('Status', STATUSES, true);
    params.done();
    const user = ownerOf(ctx, userName);
    const key = findKey(state, user, accessKeyId);
    key.status = status;
    return undefined;
  },

  DeleteAccessKey(ctx) {
    const { params, state } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    const accessKeyId = params.string('AccessKeyId', shapes.accessKeyId, true);
    params.done();
    const user = ownerOf(ctx, userName);
    findKey(state, user, accessKeyId);
    state.accessKeys.delete(accessKeyId);
    return undefined;
  },
};
