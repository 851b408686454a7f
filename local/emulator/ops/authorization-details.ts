// GetAccountAuthorizationDetails: the account's users and groups, with their group memberships,
// inline policies and tags, in one paged listing. Shapes, omissions and the choices made where
// AWS is not documented: docs/iam-facts.md §3 "Authorization details".
//
// The emulator models users, groups and inline group policies, and nothing else IAM lists here:
// no roles, no managed policies, no inline user policies. The entity types it does not model
// answer empty lists, as an account without them would.

import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, shapes } from '../params.ts';
import type { AccountState, GroupRecord, UserRecord } from '../state.ts';
import { el, escapeXml, isoSeconds, list, type XmlNode } from '../xml.ts';
import { encodePolicyDocument, permissionsBoundaryXml, tagsXml } from './shared.ts';
import type { OpTable } from './types.ts';

export const ENTITY_TYPES = [
  'User',
  'Role',
  'Group',
  'LocalManagedPolicy',
  'AWSManagedPolicy',
] as const;

type Entity = { kind: 'user'; record: UserRecord } | { kind: 'group'; record: GroupRecord };

/**
 * One page runs through a single sequence, users first, then groups, each by name, so MaxItems
 * counts entities of every type together and one Marker resumes wherever the last page ended.
 */
const sortKey = (e: Entity) =>
  e.kind === 'user'
    ? `0:${e.record.userName.toLowerCase()}`
    : `1:${e.record.groupName.toLowerCase()}`;

export const authorizationDetailsOperations: OpTable = {
  GetAccountAuthorizationDetails({ state, params }) {
    // Model order, so several violations are reported in the order AWS lists them.
    const filter = params.enumList('Filter', ENTITY_TYPES);
    const maxItems = params.int('MaxItems', maxItemsShape);
    const marker = params.string('Marker', shapes.marker);
    params.done();
    // No filter (or an empty one) means every entity type.
    const wanted = new Set<string>(filter.length === 0 ? ENTITY_TYPES : filter);
    const entities: Entity[] = [];
    if (wanted.has('User')) {
      for (const record of state.users.values()) entities.push({ kind: 'user', record });
    }
    if (wanted.has('Group')) {
      for (const record of state.groups.values()) entities.push({ kind: 'group', record });
    }
    const page = paginate(entities.sort(byKey(sortKey)), sortKey, marker, maxItems);
    const users: XmlNode[][] = [];
    const groups: XmlNode[][] = [];
    for (const entity of page.items) {
      if (entity.kind === 'user') users.push(userDetailXml(state, entity.record));
      else groups.push(groupDetailXml(entity.record));
    }
    // All four lists are always there, empty when filtered out or not modelled.
    return [
      list('UserDetailList', users),
      list('GroupDetailList', groups),
      list('RoleDetailList', []),
      list('Policies', []),
      ...pageTail(page),
    ];
  },
};

/**
 * A UserDetail: unlike GetUser, no PasswordLastUsed; never a login profile, access keys or MFA
 * devices. GroupList, AttachedManagedPolicies and Tags are there even when empty; UserPolicyList
 * only when the user has inline policies, which the emulator never gives one.
 */
function userDetailXml(state: AccountState, user: UserRecord): XmlNode[] {
  const groupNames = [...user.groups]
    .map((key) => state.groups.get(key)?.groupName)
    .filter((name): name is string => name !== undefined)
    .sort(byKey((name) => name.toLowerCase()));
  return [
    el('Path', user.path),
    el('UserName', user.userName),
    el('UserId', user.userId),
    el('Arn', user.arn),
    el('CreateDate', isoSeconds(user.createDate)),
    list(
      'GroupList',
      groupNames.map((name) => [escapeXml(name)]),
    ),
    list('AttachedManagedPolicies', []),
    permissionsBoundaryXml(user),
    tagsXml(user.tags),
  ];
}

/** A GroupDetail, its inline policies with their documents URL-encoded as GetGroupPolicy's. */
function groupDetailXml(group: GroupRecord): XmlNode[] {
  const policies = [...group.inlinePolicies.values()].sort(
    byKey((p) => p.policyName.toLowerCase()),
  );
  return [
    el('Path', group.path),
    el('GroupName', group.groupName),
    el('GroupId', group.groupId),
    el('Arn', group.arn),
    el('CreateDate', isoSeconds(group.createDate)),
    policies.length === 0
      ? ''
      : list(
          'GroupPolicyList',
          policies.map((p) => [
            el('PolicyName', p.policyName),
            el('PolicyDocument', encodePolicyDocument(p.document)),
          ]),
        ),
    list('AttachedManagedPolicies', []),
  ];
}
