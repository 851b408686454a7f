// Lookups and XML shapes shared by several operation groups.

import { invalidInput, userNotFound } from '../errors.ts';
import type { AccountState, GroupRecord, Tag, UserRecord } from '../state.ts';
import { el, isoSeconds, list, type XmlNode } from '../xml.ts';

/** Names match case-insensitively, as their uniqueness does (UNCONFIRMED for lookups). */
export function findUser(state: AccountState, userName: string): UserRecord {
  const user = state.users.get(userName.toLowerCase());
  if (!user) throw userNotFound(userName);
  return user;
}

/** The User structure; ListUsers and nested Users omit Tags and PermissionsBoundary. */
export function userXml(user: UserRecord, detail: 'full' | 'list' = 'list'): XmlNode[] {
  const nodes = [
    el('Path', user.path),
    el('UserName', user.userName),
    el('UserId', user.userId),
    el('Arn', user.arn),
    el('CreateDate', isoSeconds(user.createDate)),
    el('PasswordLastUsed', user.passwordLastUsed && isoSeconds(user.passwordLastUsed)),
  ];
  if (detail === 'full') {
    nodes.push(permissionsBoundaryXml(user));
    if (user.tags.length > 0) nodes.push(tagsXml(user.tags));
  }
  return nodes;
}

/** A user's PermissionsBoundary element; nothing when it has none. */
export function permissionsBoundaryXml(user: UserRecord): XmlNode {
  if (!user.permissionsBoundaryArn) return '';
  return el('PermissionsBoundary', [
    el('PermissionsBoundaryType', 'Policy'),
    el('PermissionsBoundaryArn', user.permissionsBoundaryArn),
  ]);
}

/** IAM returns policy documents URL-encoded (RFC 3986); clients decode them. */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document);
}

export function groupXml(group: GroupRecord): XmlNode[] {
  return [
    el('Path', group.path),
    el('GroupName', group.groupName),
    el('GroupId', group.groupId),
    el('Arn', group.arn),
    el('CreateDate', isoSeconds(group.createDate)),
  ];
}

export function tagsXml(tags: Tag[], name = 'Tags'): XmlNode {
  return list(
    name,
    tags.map((t) => [el('Key', t.key), el('Value', t.value)]),
  );
}

/** Tag keys are unique case-insensitively within one request (InvalidInput otherwise). */
export function rejectDuplicateTagKeys(tags: { key: string }[]): void {
  const seen = new Set<string>();
  for (const { key } of tags) {
    const lower = key.toLowerCase();
    if (seen.has(lower)) {
      throw invalidInput(
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    seen.add(lower);
  }
}

/** A policy document must at least be a JSON object. */
export function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
