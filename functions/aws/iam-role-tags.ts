// The tags of one IAM role: the only IAM state the scheduled reminders run keeps about itself (a
// lease while it runs, the day its digest was last posted), on its own role. Its policy lets it
// tag that role alone, with keys under `mfa-onboarding:reminders:` only (infra/role-policies.ts).
// Each call goes through an IamCaller, as the gateway's do.

import { ListRoleTagsCommand, TagRoleCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import { IamCaller } from './iam-caller.ts';

export class IamRoleTags {
  constructor(private readonly caller: IamCaller) {}

  /** These calls with `ms` more time: for clean-up the run's deadline must not cut short. */
  withGrace(ms: number): IamRoleTags {
    const { clients, retry } = this.caller;
    const deadline = Math.max(retry.deadline, Date.now()) + ms;
    return new IamRoleTags(new IamCaller(clients, { ...retry, deadline }));
  }

  /** Every tag on the role (IAM allows 50; one page of 100 holds them all). */
  async list(roleName: string): Promise<Record<string, string>> {
    const tags = await this.caller.paginate(
      'ListRoleTags',
      (iam, Marker) => iam.send(new ListRoleTagsCommand({ RoleName: roleName, Marker })),
      (page) => page.Tags,
    );
    return Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
  }

  /** Writes these tags in one call (IAM applies them atomically). */
  async tag(roleName: string, tags: Record<string, string>): Promise<void> {
    await this.caller.send('TagRole', (iam) =>
      iam.send(
        new TagRoleCommand({
          RoleName: roleName,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  /** Removes these keys (absent ones are no error). */
  async untag(roleName: string, keys: string[]): Promise<void> {
    await this.caller.send('UntagRole', (iam) =>
      iam.send(new UntagRoleCommand({ RoleName: roleName, TagKeys: keys })),
    );
  }
}
