// CreateAccountAlias, DeleteAccountAlias and ListAccountAliases.
//
// An account has at most one alias. Creating a different alias replaces the old one: the IAM
// User Guide says a new alias "overwrites the previous alias", and the AWS SDK for Ruby v1 docs
// say "creating a 2nd alias replaces the first". Aliases are globally unique on AWS (another
// account's alias gives EntityAlreadyExists); the emulator has only one account, so that cannot
// happen here.
//
// UNCONFIRMED choices:
// - Creating the alias the account already has succeeds and changes nothing.
// - Deleting an alias the account does not have: NoSuchEntity 404,
//   "The account alias <alias> cannot be found." (moto's wording; AWS's text is not recorded).

import { noSuchEntity } from '../errors.ts';
import { pageTail, paginate } from '../paginate.ts';
import { maxItemsShape, shapes } from '../params.ts';
import { escapeXml, list } from '../xml.ts';
import type { OpTable } from './types.ts';

export const accountOperations: OpTable = {
  CreateAccountAlias(ctx) {
    const alias = ctx.params.string('AccountAlias', shapes.accountAlias, true);
    ctx.params.done();
    ctx.state.aliases = [alias];
    return undefined;
  },

  DeleteAccountAlias(ctx) {
    const alias = ctx.params.string('AccountAlias', shapes.accountAlias, true);
    ctx.params.done();
    if (!ctx.state.aliases.includes(alias)) {
      throw noSuchEntity(`The account alias ${alias} cannot be found.`);
    }
    ctx.state.aliases = ctx.state.aliases.filter((a) => a !== alias);
    return undefined;
  },

  ListAccountAliases(ctx) {
    const marker = ctx.params.string('Marker', shapes.marker);
    const maxItems = ctx.params.int('MaxItems', maxItemsShape);
    ctx.params.done();
    const page = paginate([...ctx.state.aliases].sort(), (a) => a, marker, maxItems);
    return [
      list(
        'AccountAliases',
        page.items.map((a) => [escapeXml(a)]),
      ),
      ...pageTail(page),
    ];
  },
};
