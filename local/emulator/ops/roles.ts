// IAM roles, as far as AssumeRole and the service's own role need them: CreateRole, GetRole,
// DeleteRole, and their tags (TagRole, UntagRole, ListRoleTags, as for users: entity-tags.ts;
// the reminders run keeps its lease on its own role's tags) (docs/iam-facts.md §3 "Roles"). The trust policy is kept as sent and evaluated by STS
// (trust-policy.ts); roles have no permission policies here.
//
// Choices where AWS's behaviour is UNCONFIRMED (pinned by test/emulator/roles.test.ts):
// - CreateRole answers without MaxSessionDuration and RoleLastUsed (the CLI's create-role
//   example shows neither); GetRole has both, RoleLastUsed empty as for a role never used.
// - Only principals naming a user or role of this account are checked to exist; other
//   principals (other accounts, services) are taken as written.
// - A role beyond 1000 per account: LimitExceeded "Cannot exceed quota for RolesPerAccount: 1000".

import { AwsError, entityAlreadyExists, limitExceeded, noSuchEntity } from '../errors.ts';
import { shapes } from '../params.ts';
import { type AccountState, newId, type RoleRecord, roleArn } from '../state.ts';
import { el, isoSeconds, type XmlNode } from '../xml.ts';
import { listEntityTags, tagEntity, untagEntity } from './entity-tags.ts';
import { encodePolicyDocument, rejectDuplicateTagKeys, tagsXml } from './shared.ts';
import type { OpTable } from './types.ts';

/** The default quota for roles per account (UG quotas page). */
const ROLES_PER_ACCOUNT = 1000;
const DEFAULT_MAX_SESSION_SECONDS = 3600;

const malformed = (message: string) => new AwsError('MalformedPolicyDocument', 400, message);

export function findRole(state: AccountState, roleName: string): RoleRecord {
  const role = state.roles.get(roleName.toLowerCase());
  if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
  return role;
}

/** A trust policy must be JSON, and principals of this account must exist. */
function checkTrustPolicy(state: AccountState, document: string): void {
  let policy: unknown;
  try {
    policy = JSON.parse(document);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    throw malformed('This policy contains invalid Json');
  const statement = (policy as { Statement?: unknown }).Statement;
  for (const s of Array.isArray(statement) ? statement : [statement]) {
    const principal = (s as { Principal?: unknown } | undefined)?.Principal;
    if (typeof principal !== 'object' || principal === null) continue;
    const aws = (principal as { AWS?: unknown }).AWS;
    for (const value of Array.isArray(aws) ? aws : [aws]) {
      if (typeof value === 'string' && !principalExists(state, value))
        throw malformed(`Invalid principal in policy: "AWS":"${value}"`);
    }
  }
}

function principalExists(state: AccountState, arn: string): boolean {
  const m = /^arn:[^:]+:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m || m[1] !== state.accountId) return true;
  const entities = m[2] === 'user' ? state.users : state.roles;
  const entity = entities.get((m[3] as string).toLowerCase());
  return entity?.arn === arn;
}

function roleXml(role: RoleRecord, detail: 'create' | 'get'): XmlNode[] {
  const nodes = [
    el('Path', role.path),
    el('RoleName', role.roleName),
    el('RoleId', role.roleId),
    el('Arn', role.arn),
    el('CreateDate', isoSeconds(role.createDate)),
    el('AssumeRolePolicyDocument', encodePolicyDocument(role.assumeRolePolicyDocument)),
    el('Description', role.description),
  ];
  if (detail === 'get') nodes.push(el('MaxSessionDuration', role.maxSessionDuration));
  if (role.tags.length > 0) nodes.push(tagsXml(role.tags));
  if (detail === 'get') nodes.push(el('RoleLastUsed', []));
  return nodes;
}

export const roleOperations: OpTable = {
  CreateRole({ state, params, now }) {
    const path = params.path();
    const roleName = params.string('RoleName', shapes.roleName, true);
    const document = params.string('AssumeRolePolicyDocument', shapes.policyDocument, true);
    const description = params.string('Description', shapes.roleDescription);
    const maxSessionDuration = params.int('MaxSessionDuration', { min: 3600, max: 43200 });
    params.string('PermissionsBoundary', shapes.arn);
    const tags = params.tags();
    params.done();
    rejectDuplicateTagKeys(tags);
    const key = roleName.toLowerCase();
    if (state.roles.has(key))
      throw entityAlreadyExists(`Role with name ${roleName} already exists.`);
    checkTrustPolicy(state, document);
    if (state.roles.size >= ROLES_PER_ACCOUNT)
      throw limitExceeded(`Cannot exceed quota for RolesPerAccount: ${ROLES_PER_ACCOUNT}`);
    const role: RoleRecord = {
      roleName,
      roleId: newId('AROA'),
      path,
      arn: roleArn(state, path, roleName),
      createDate: now,
      assumeRolePolicyDocument: document,
      description,
      maxSessionDuration: maxSessionDuration ?? DEFAULT_MAX_SESSION_SECONDS,
      tags,
    };
    state.roles.set(key, role);
    return [el('Role', roleXml(role, 'create'))];
  },

  GetRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    params.done();
    return [el('Role', roleXml(findRole(state, roleName), 'get'))];
  },

  TagRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    tagEntity(params, () => findRole(state, roleName));
    return undefined;
  },

  UntagRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    untagEntity(params, () => findRole(state, roleName));
    return undefined;
  },

  ListRoleTags({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    return listEntityTags(params, () => findRole(state, roleName));
  },

  DeleteRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    params.done();
    const role = findRole(state, roleName);
    // Sessions issued before keep their caller here; the emulator grants no permissions anyway.
    state.roles.delete(role.roleName.toLowerCase());
    return undefined;
  },
};
