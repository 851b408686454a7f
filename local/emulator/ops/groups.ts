// Groups, membership and inline group policies (stored, never enforced).
// Shapes, errors and messages: docs/iam-facts.md §2 and §3 "Groups".

import {
  AwsError,
  deleteConflict,
  entityAlreadyExists,
  groupNotFound,
  limitExceeded,
  noSuchEntity,
} from '../errors.ts';
import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, type Params, shapes } from '../params.ts';
import { type AccountState, type GroupRecord, groupArn, newId, type UserRecord } from '../state.ts';
import { el, escapeXml, list } from '../xml.ts';
import { encodePolicyDocument, findUser, groupXml, isJsonObject, userXml } from './shared.ts';
import type { OpTable } from './types.ts';

const GROUPS_PER_ACCOUNT = 300;
const GROUPS_PER_USER = 10;

export const groupOperations: OpTable = {
  CreateGroup({ state, params, now }) {
    const path = params.path();
    const groupName = params.string('GroupName', shapes.groupName, true);
    params.done();
    const key = groupName.toLowerCase();
    if (state.groups.has(key))
      throw entityAlreadyExists(`Group with name ${groupName} already exists.`);
    if (state.groups.size >= GROUPS_PER_ACCOUNT) {
      throw limitExceeded(`Cannot exceed quota for GroupsPerAccount: ${GROUPS_PER_ACCOUNT}`);
    }
    const group: GroupRecord = {
      groupName,
      groupId: newId('AGPA'),
      path,
      arn: groupArn(state, path, groupName),
      createDate: now,
      members: new Set(),
      inlinePolicies: new Map(),
    };
    state.groups.set(key, group);
    return [el('Group', groupXml(group))];
  },

  GetGroup({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const group = findGroup(state, groupName);
    const members = [...group.members]
      .map((key) => state.users.get(key))
      .filter((u): u is UserRecord => u !== undefined);
    const sortKey = (u: UserRecord) => u.userName.toLowerCase();
    const page = paginate(members.sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [
      el('Group', groupXml(group)),
      list(
        'Users',
        page.items.map((u) => userXml(u)),
      ),
      ...pageTail(page),
    ];
  },

  ListGroups({ state, params }) {
    const pathPrefix = params.string('PathPrefix', shapes.pathPrefix) ?? '/';
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const sortKey = (g: GroupRecord) => g.groupName.toLowerCase();
    const matching = [...state.groups.values()].filter((g) => g.path.startsWith(pathPrefix));
    const page = paginate(matching.sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [list('Groups', page.items.map(groupXml)), ...pageTail(page)];
  },

  DeleteGroup({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    params.done();
    const group = findGroup(state, groupName);
    if (group.members.size > 0)
      throw deleteConflict('Cannot delete entity, must remove users from group first.');
    if (group.inlinePolicies.size > 0)
      throw deleteConflict('Cannot delete entity, must delete policies first.');
    state.groups.delete(groupName.toLowerCase());
    return undefined;
  },

  AddUserToGroup({ state, params }) {
    const { user, group } = membership(state, params);
    const groupKey = group.groupName.toLowerCase();
    if (user.groups.has(groupKey)) return undefined; // idempotent (AWS-recorded)
    if (user.groups.size >= GROUPS_PER_USER) {
      // Message format by analogy with other quotas (UNCONFIRMED).
      throw limitExceeded(`Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`);
    }
    user.groups.add(groupKey);
    group.members.add(user.userName.toLowerCase());
    return undefined;
  },

  RemoveUserFromGroup({ state, params }) {
    const { user, group } = membership(state, params);
    // Removing a non-member succeeds (AWS-recorded).
    user.groups.delete(group.groupName.toLowerCase());
    group.members.delete(user.userName.toLowerCase());
    return undefined;
  },

  ListGroupsForUser({ state, params }) {
    const userName = params.string('UserName', shapes.existingUserName, true);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const user = findUser(state, userName);
    const groups = [...user.groups]
      .map((key) => state.groups.get(key))
      .filter((g): g is GroupRecord => g !== undefined);
    const sortKey = (g: GroupRecord) => g.groupName.toLowerCase();
    const page = paginate(groups.sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [list('Groups', page.items.map(groupXml)), ...pageTail(page)];
  },

  PutGroupPolicy({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    const policyName = params.string('PolicyName', shapes.policyName, true);
    const document = params.string('PolicyDocument', shapes.policyDocument, true);
    params.done();
    const group = findGroup(state, groupName);
    if (!isJsonObject(document))
      throw new AwsError('MalformedPolicyDocument', 400, 'Syntax errors in policy.');
    group.inlinePolicies.set(policyName.toLowerCase(), { policyName, document });
    return undefined;
  },

  GetGroupPolicy({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    const policyName = params.string('PolicyName', shapes.policyName, true);
    params.done();
    const group = findGroup(state, groupName);
    const policy = group.inlinePolicies.get(policyName.toLowerCase());
    if (!policy) throw noSuchEntity(`The group policy with name ${policyName} cannot be found.`);
    return [
      el('GroupName', group.groupName),
      el('PolicyName', policy.policyName),
      el('PolicyDocument', encodePolicyDocument(policy.document)),
    ];
  },

  ListGroupPolicies({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const group = findGroup(state, groupName);
    const names = [...group.inlinePolicies.values()].map((p) => p.policyName);
    const sortKey = (n: string) => n.toLowerCase();
    const page = paginate(names.sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [
      list(
        'PolicyNames',
        page.items.map((n) => [escapeXml(n)]),
      ),
      ...pageTail(page),
    ];
  },

  DeleteGroupPolicy({ state, params }) {
    const groupName = params.string('GroupName', shapes.groupName, true);
    const policyName = params.string('PolicyName', shapes.policyName, true);
    params.done();
    const group = findGroup(state, groupName);
    if (!group.inlinePolicies.delete(policyName.toLowerCase())) {
      throw noSuchEntity(`The group policy with name ${policyName} cannot be found.`);
    }
    return undefined;
  },
};

function findGroup(state: AccountState, groupName: string): GroupRecord {
  const group = state.groups.get(groupName.toLowerCase());
  if (!group) throw groupNotFound(groupName);
  return group;
}

/** Resolves both sides of a membership call; a missing user is reported first (AWS-recorded). */
function membership(state: AccountState, params: Params) {
  const groupName = params.string('GroupName', shapes.groupName, true);
  const userName = params.string('UserName', shapes.existingUserName, true);
  params.done();
  const user = findUser(state, userName);
  return { user, group: findGroup(state, groupName) };
}
