// Tagging an IAM entity (a user or a role): TagX, UntagX and ListXTags behave alike for both
// (docs/iam-facts.md §3 "Tags"): keys unique ignoring case within the request and on the
// entity, a repeated key overwrites, at most 50 tags, pages sorted by key.

import { limitExceeded, validationError } from '../errors.ts';
import { byKey, pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, type Params, shapes } from '../params.ts';
import type { Tag } from '../state.ts';
import type { XmlNode } from '../xml.ts';
import { rejectDuplicateTagKeys, tagsXml } from './shared.ts';

/** IAM's quota of tags per user and per role. */
export const TAGS_PER_ENTITY = 50;

interface Tagged {
  tags: Tag[];
}

/** TagUser / TagRole, after the entity's name was read: merges the request's tags into its. */
export function tagEntity(params: Params, find: () => Tagged): void {
  const tags = params.tags();
  if (!params.has('Tags') && tags.length === 0) {
    // Required member absent altogether.
    throw validationError(
      "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    );
  }
  params.done();
  rejectDuplicateTagKeys(tags);
  const entity = find();
  const merged = [...entity.tags];
  for (const tag of tags) {
    const existing = merged.findIndex((t) => t.key.toLowerCase() === tag.key.toLowerCase());
    if (existing === -1) merged.push(tag);
    else merged[existing] = tag;
  }
  if (merged.length > TAGS_PER_ENTITY) {
    // Message recorded for OIDC-provider tags; assumed the same here (UNCONFIRMED).
    throw limitExceeded('The number of tags has reached the maximum limit.');
  }
  entity.tags = merged;
}

/** UntagUser / UntagRole: removes the keys (ignoring case); absent keys are no error. */
export function untagEntity(params: Params, find: () => Tagged): void {
  const keys = params.stringList('TagKeys', shapes.tagKey, TAGS_PER_ENTITY);
  if (!params.has('TagKeys') && keys.length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    );
  }
  params.done();
  const entity = find();
  const removing = new Set(keys.map((k) => k.toLowerCase()));
  entity.tags = entity.tags.filter((t) => !removing.has(t.key.toLowerCase()));
}

/** ListUserTags / ListRoleTags: one page of the tags, sorted by key. */
export function listEntityTags(params: Params, find: () => Tagged): XmlNode[] {
  const marker = params.string('Marker', shapes.marker);
  const maxItems = params.int('MaxItems', maxItemsShape);
  params.done();
  const sortKey = (t: Tag) => t.key;
  const page = paginate([...find().tags].sort(byKey(sortKey)), sortKey, marker, maxItems);
  return [tagsXml(page.items), ...pageTail(page)];
}
