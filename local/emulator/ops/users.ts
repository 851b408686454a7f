// Users, their tags and their login profiles (console passwords).
// Shapes, errors and messages: docs/iam-facts.md §2 and §3 "Users", "Login profile".

import {
  AwsError,
  deleteConflict,
  entityAlreadyExists,
  limitExceeded,
  noSuchEntity,
  validationError,
} from '../errors.ts';
import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, shapes } from '../params.ts';
import { newId, rootArn, type UserRecord, userArn } from '../state.ts';
import { el, isoSeconds, list } from '../xml.ts';
import { listEntityTags, tagEntity, untagEntity } from './entity-tags.ts';
import { findUser, rejectDuplicateTagKeys, userXml } from './shared.ts';
import type { OpContext, OpTable } from './types.ts';

const USERS_PER_ACCOUNT = 5000;

export const userOperations: OpTable = {
  CreateUser({ state, params, now }) {
    const path = params.path();
    const userName = params.string('UserName', shapes.userName, true);
    const boundary = params.string('PermissionsBoundary', shapes.arn);
    const tags = params.tags();
    params.done();
    rejectDuplicateTagKeys(tags);
    const key = userName.toLowerCase();
    if (state.users.has(key))
      throw entityAlreadyExists(`User with name ${userName} already exists.`);
    if (state.users.size >= USERS_PER_ACCOUNT) {
      throw limitExceeded(`Cannot exceed quota for UsersPerAccount: ${USERS_PER_ACCOUNT}`);
    }
    const user: UserRecord = {
      userName,
      userId: newId('AIDA'),
      path,
      arn: userArn(state, path, userName),
      createDate: now,
      permissionsBoundaryArn: boundary,
      tags,
      groups: new Set(),
      mfaSerials: [],
    };
    state.users.set(key, user);
    // CreateUser echoes Tags only when some were given (AWS-recorded).
    return [el('User', userXml(user, 'full'))];
  },

  GetUser(ctx) {
    const { params } = ctx;
    const userName = params.string('UserName', shapes.existingUserName);
    params.done();
    if (userName !== undefined) return [el('User', userXml(findUser(ctx.state, userName), 'full'))];
    return [el('User', callerUserXml(ctx))];
  },

  ListUsers({ state, params }) {
    const pathPrefix = params.string('PathPrefix', shapes.pathPrefix) ?? '/';
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const matching = [...state.users.values()].filter((u) => u.path.startsWith(pathPrefix));
    // Ordering is UNCONFIRMED (docs/iam-facts.md §9); alphabetical by name is what AWS appears
    // to do.
    const sortKey = (u: UserRecord) => u.userName.toLowerCase();
    matching.sort(byKey(sortKey));
    const page = paginate(matching, sortKey, marker, maxItems);
    return [
      list(
        'Users',
        page.items.map((u) => userXml(u)),
      ),
      ...pageTail(page),
    ];
  },

  DeleteUser({ state, params }) {
    const userName = params.string('UserName', shapes.existingUserName, true);
    params.done();
    const user = findUser(state, userName);
    // AWS refuses to delete a user that still has attached things (model doc). The messages
    // for MFA and login profile are recorded; those for access keys and groups are UNCONFIRMED.
    if (user.loginProfile)
      throw deleteConflict('Cannot delete entity, must delete login profile first.');
    if (user.mfaSerials.length > 0)
      throw deleteConflict('Cannot delete entity, must delete MFA device first.');
    const key = userName.toLowerCase();
    if ([...state.accessKeys.values()].some((k) => k.user === key)) {
      throw deleteConflict('Cannot delete entity, must delete access keys first.');
    }
    if (user.groups.size > 0)
      throw deleteConflict('Cannot delete entity, must remove users from group first.');
    state.users.delete(key);
    return undefined;
  },

  TagUser({ state, params }) {
    const userName = params.string('UserName', shapes.existingUserName, true);
    tagEntity(params, () => findUser(state, userName));
    return undefined;
  },

  UntagUser({ state, params }) {
    const userName = params.string('UserName', shapes.existingUserName, true);
    untagEntity(params, () => findUser(state, userName));
    return undefined;
  },

  ListUserTags({ state, params }) {
    const userName = params.string('UserName', shapes.existingUserName, true);
    return listEntityTags(params, () => findUser(state, userName));
  },

  CreateLoginProfile({ state, params, now }) {
    const userName = params.string('UserName', shapes.userName, true);
    const password = params.string('Password', shapes.password, true);
    const resetRequired = params.bool('PasswordResetRequired') ?? false;
    params.done();
    const user = findUser(state, userName);
    if (user.loginProfile)
      throw entityAlreadyExists(`Login Profile for user ${user.userName} already exists.`);
    checkDefaultPasswordPolicy(password);
    user.loginProfile = {
      createDate: now,
      passwordResetRequired: resetRequired,
      passwordLastChanged: now,
    };
    return [loginProfileXml(user)];
  },

  GetLoginProfile(ctx) {
    const user = loginProfileUser(ctx);
    return [loginProfileXml(user)];
  },

  DeleteLoginProfile(ctx) {
    const user = loginProfileUser(ctx);
    user.loginProfile = undefined;
    return undefined;
  },
};

/** GetUser without a UserName describes the caller. */
function callerUserXml({ state, caller }: OpContext) {
  if (caller.kind === 'user') return userXml(caller.user, 'full');
  if (caller.kind === 'assumed-role') {
    throw validationError('Must specify userName when calling with non-User credentials');
  }
  // Root: AWS's exact shape is UNCONFIRMED (docs/iam-facts.md §9); the account id stands in
  // for the user id, as in GetCallerIdentity.
  return [
    el('UserId', state.accountId),
    el('Arn', rootArn(state)),
    el('CreateDate', isoSeconds(state.createDate)),
  ];
}

function loginProfileUser({ state, params, caller }: OpContext): UserRecord {
  const userName = params.string('UserName', shapes.existingUserName);
  params.done();
  const user =
    userName !== undefined
      ? findUser(state, userName)
      : caller.kind === 'user'
        ? caller.user
        : undefined;
  if (!user) throw validationError('Must specify userName when calling with non-User credentials');
  if (!user.loginProfile)
    throw noSuchEntity(`Login Profile for User ${user.userName} cannot be found.`);
  return user;
}

function loginProfileXml(user: UserRecord) {
  const profile = user.loginProfile;
  return el('LoginProfile', [
    el('UserName', user.userName),
    el('CreateDate', profile && isoSeconds(profile.createDate)),
    el('PasswordResetRequired', profile?.passwordResetRequired ?? false),
  ]);
}

/**
 * The default account password policy (UG id_credentials_passwords_account-policy.md):
 * 8–128 characters and at least three of upper case, lower case, digits and symbols.
 */
function checkDefaultPasswordPolicy(password: string): void {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[!@#$%^&*()_+\-=[\]{}|']/].filter((re) =>
    re.test(password),
  ).length;
  if (password.length < 8 || classes < 3) {
    throw new AwsError(
      'PasswordPolicyViolation',
      400,
      'Password does not conform to the account password policy.',
    );
  }
}
