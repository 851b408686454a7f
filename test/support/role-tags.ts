// TagRole, UntagRole and ListRoleTags for the in-process emulator, which does not answer them yet
// (its roles are there for AssumeRole only): the reminders run keeps its lease and digest day on
// its own role's tags (functions/reminders/ledger.ts). Added to the emulator's operation table
// from the test side, so the calls go over HTTP through the real SDK, the emulator's fault
// injection and its call counters like every other action. The behaviour follows TagUser,
// UntagUser and ListUserTags (50 tags, keys unique ignoring case, sorted pages). To be replaced by
// the emulator's own operations when it has them.

import { limitExceeded, validationError } from '../../local/emulator/errors.ts';
import { iamOperations } from '../../local/emulator/ops/iam.ts';
import { findRole } from '../../local/emulator/ops/roles.ts';
import { rejectDuplicateTagKeys, tagsXml } from '../../local/emulator/ops/shared.ts';
import type { OpTable } from '../../local/emulator/ops/types.ts';
import { byKey, pageTail, paginate } from '../../local/emulator/paginate.ts';
import { maxItemsShape, shapes } from '../../local/emulator/params.ts';
import type { Tag } from '../../local/emulator/state.ts';

const TAGS_PER_ROLE = 50;

const roleTagOperations: OpTable = {
  TagRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    const tags = params.tags();
    if (!params.has('Tags') && tags.length === 0) {
      throw validationError(
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
      );
    }
    params.done();
    rejectDuplicateTagKeys(tags);
    const role = findRole(state, roleName);
    const merged = [...role.tags];
    for (const tag of tags) {
      const existing = merged.findIndex((t) => t.key.toLowerCase() === tag.key.toLowerCase());
      if (existing === -1) merged.push(tag);
      else merged[existing] = tag;
    }
    if (merged.length > TAGS_PER_ROLE)
      throw limitExceeded('The number of tags has reached the maximum limit.');
    role.tags = merged;
    return undefined;
  },

  UntagRole({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    const keys = params.stringList('TagKeys', shapes.tagKey, TAGS_PER_ROLE);
    params.done();
    const role = findRole(state, roleName);
    const removing = new Set(keys.map((k) => k.toLowerCase()));
    role.tags = role.tags.filter((t) => !removing.has(t.key.toLowerCase()));
    return undefined;
  },

  ListRoleTags({ state, params }) {
    const roleName = params.string('RoleName', shapes.roleName, true);
    const marker = params.string('Marker', shapes.marker);
    const maxItems = params.int('MaxItems', maxItemsShape);
    params.done();
    const role = findRole(state, roleName);
    const sortKey = (t: Tag) => t.key;
    const page = paginate([...role.tags].sort(byKey(sortKey)), sortKey, marker, maxItems);
    return [tagsXml(page.items), ...pageTail(page)];
  },
};

/** Adds the three operations to the emulator (idempotent; the emulator's own ones win). */
export function installRoleTagOperations(): void {
  for (const [action, handler] of Object.entries(roleTagOperations)) {
    if (!Object.hasOwn(iamOperations, action)) iamOperations[action] = handler;
  }
}
