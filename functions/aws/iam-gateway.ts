// IAM calls about one user and the service's devices (plus the account alias and id): SDK
// commands in, plain values out. Each call goes through an IamCaller (retries inside the
// deadline, failures as IamError kinds); what a kind means is for the domain to say.

import {
  AddUserToGroupCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  ListAccountAliasesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  TagUserCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import { IamCaller } from './iam-caller.ts';
import { IamError } from './iam-error.ts';

export interface IamUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate?: Date;
  tags: Record<string, string>;
}

export interface MfaDevice {
  serialNumber: string;
  enableDate?: Date;
}

/** The account id inside an IAM ARN (`arn:aws:iam::123456789012:user/…`). */
export function accountIdFromArn(arn: string): string {
  const accountId = arn.split(':')[4] ?? '';
  if (!/^\d{12}$/.test(accountId)) throw new IamError('other', 'UnexpectedArn', 'accountIdFromArn');
  return accountId;
}

export class IamGateway {
  constructor(private readonly caller: IamCaller) {}

  /** This gateway with `ms` more time: for clean-up the request's deadline must not cut short. */
  withGrace(ms: number): IamGateway {
    const { clients, retry } = this.caller;
    const deadline = Math.max(retry.deadline, Date.now()) + ms;
    return new IamGateway(new IamCaller(clients, { ...retry, deadline }));
  }

  /** This gateway giving up by `deadline` if that is earlier: a step that leaves time for the next. */
  until(deadline: number): IamGateway {
    const { clients, retry } = this.caller;
    return new IamGateway(
      new IamCaller(clients, { ...retry, deadline: Math.min(retry.deadline, deadline) }),
    );
  }

  async getUser(userName: string): Promise<IamUser> {
    const { User } = await this.caller.send('GetUser', (iam) =>
      iam.send(new GetUserCommand({ UserName: userName })),
    );
    if (!User) throw new IamError('other', 'EmptyResponse', 'GetUser');
    return {
      userName: User.UserName ?? userName,
      userId: User.UserId ?? '',
      arn: User.Arn ?? '',
      path: User.Path ?? '/',
      createDate: User.CreateDate,
      tags: Object.fromEntries((User.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  }

  async tagUser(userName: string, key: string, value: string): Promise<void> {
    await this.caller.send('TagUser', (iam) =>
      iam.send(new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] })),
    );
  }

  /**
   * Writes these tags in one call, which IAM applies atomically. Not repeated after an unknown
   * outcome (a 500, a dropped connection): a late repeat could land after a newer write, so the
   * caller reads back and decides (an IamError of kind `unknown-outcome`).
   */
  async tagUserOnce(userName: string, tags: Record<string, string>): Promise<void> {
    await this.caller.send(
      'TagUser',
      (iam) =>
        iam.send(
          new TagUserCommand({
            UserName: userName,
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      { retryUnknownOutcome: false },
    );
  }

  /** Removes these tag keys (absent ones are no error). */
  async untagUser(userName: string, keys: string[]): Promise<void> {
    await this.caller.send('UntagUser', (iam) =>
      iam.send(new UntagUserCommand({ UserName: userName, TagKeys: keys })),
    );
  }

  /** Every MFA device of any type enabled for the user. */
  async listMfaDevices(userName: string): Promise<MfaDevice[]> {
    const devices = await this.caller.paginate(
      'ListMFADevices',
      (iam, Marker) => iam.send(new ListMFADevicesCommand({ UserName: userName, Marker })),
      (page) => page.MFADevices,
    );
    return devices.map((d) => ({ serialNumber: d.SerialNumber ?? '', enableDate: d.EnableDate }));
  }

  async listGroupsForUser(userName: string): Promise<string[]> {
    const groups = await this.caller.paginate(
      'ListGroupsForUser',
      (iam, Marker) => iam.send(new ListGroupsForUserCommand({ UserName: userName, Marker })),
      (page) => page.Groups,
    );
    return groups.flatMap((g) => (g.GroupName ? [g.GroupName] : []));
  }

  /** Returns the device's serial number and its base32 seed (the seed is never stored). */
  async createVirtualMfaDevice(
    path: string,
    name: string,
    tags: Record<string, string> = {},
  ): Promise<{ serialNumber: string; seed: string }> {
    const { VirtualMFADevice } = await this.caller.send('CreateVirtualMFADevice', (iam) =>
      iam.send(
        new CreateVirtualMFADeviceCommand({
          Path: path,
          VirtualMFADeviceName: name,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
    const serialNumber = VirtualMFADevice?.SerialNumber;
    const seedBytes = VirtualMFADevice?.Base32StringSeed;
    if (!serialNumber || !seedBytes)
      throw new IamError('other', 'EmptyResponse', 'CreateVirtualMFADevice');
    // The SDK base64-decodes the blob; its bytes are the base32 text itself.
    return { serialNumber, seed: Buffer.from(seedBytes).toString('ascii') };
  }

  async deleteVirtualMfaDevice(serialNumber: string): Promise<void> {
    await this.caller.send('DeleteVirtualMFADevice', (iam) =>
      iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber })),
    );
  }

  /**
   * Only calls IAM refused outright (throttling, ConcurrentModification...) are repeated: a repeat
   * after a 500 or a dropped connection could be a second code check. `beforeRetry` runs before
   * each repeat, so a caller can stop when what it checked has changed meanwhile; what it throws
   * comes out of here unchanged.
   */
  async enableMfaDevice(
    userName: string,
    serialNumber: string,
    codes: { code1: string; code2: string },
    beforeRetry?: () => Promise<void>,
  ): Promise<void> {
    await this.caller.send(
      'EnableMFADevice',
      (iam) =>
        iam.send(
          new EnableMFADeviceCommand({
            UserName: userName,
            SerialNumber: serialNumber,
            AuthenticationCode1: codes.code1,
            AuthenticationCode2: codes.code2,
          }),
        ),
      { retryUnknownOutcome: false, beforeRetry },
    );
  }

  /** Takes a device of any type off the user (a virtual one goes back to unassigned). */
  async deactivateMfaDevice(userName: string, serialNumber: string): Promise<void> {
    await this.caller.send('DeactivateMFADevice', (iam) =>
      iam.send(new DeactivateMFADeviceCommand({ UserName: userName, SerialNumber: serialNumber })),
    );
  }

  async addUserToGroup(groupName: string, userName: string): Promise<void> {
    await this.caller.send('AddUserToGroup', (iam) =>
      iam.send(new AddUserToGroupCommand({ GroupName: groupName, UserName: userName })),
    );
  }

  async accountAlias(): Promise<string | undefined> {
    const { AccountAliases } = await this.caller.send('ListAccountAliases', (iam) =>
      iam.send(new ListAccountAliasesCommand({})),
    );
    return AccountAliases?.[0];
  }
}
