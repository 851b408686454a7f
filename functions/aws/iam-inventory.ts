// The IAM reads only the admin and sweeper functions make: account-wide listings at IAM's
// largest page size (1000), so an account at the 5,000-user quota is read in a handful of calls
// (users, users with their tags and groups, assigned virtual devices),
// the credential report, and the few per-user and per-device reads the compliance scan and the
// sweeper add to them. Each call goes through an IamCaller, as the gateway's do.

import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  ListMFADeviceTagsCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  type VirtualMFADevice,
} from '@aws-sdk/client-iam';
import type { IamCaller } from './iam-caller.ts';
import { IamError, isIamError } from './iam-error.ts';

const PAGE_SIZE = 1000;

export interface ListedUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
  passwordLastUsed?: Date;
}

/** A user as GetAccountAuthorizationDetails describes it, less its policies (never kept). */
export interface AuthorizedUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
  tags: Record<string, string>;
  /** Names of the groups the user is in. */
  groups: string[];
}

/** A virtual MFA device that is enabled for a user. */
export interface AssignedVirtualMfaDevice {
  userName: string;
  serialNumber: string;
  enableDate?: Date;
}

export type CredentialReportState = 'STARTED' | 'INPROGRESS' | 'COMPLETE';

export interface CredentialReport {
  csv: string;
  generatedAt: Date;
}

export class IamInventory {
  constructor(private readonly caller: IamCaller) {}

  async listUsers(pathPrefix?: string): Promise<ListedUser[]> {
    const users = await this.caller.paginate(
      'ListUsers',
      (iam, Marker) =>
        iam.send(new ListUsersCommand({ PathPrefix: pathPrefix, Marker, MaxItems: PAGE_SIZE })),
      (page) => page.Users,
    );
    return users.map((u) => ({ ...identityOf(u), passwordLastUsed: u.PasswordLastUsed }));
  }

  /**
   * Every user of the account with its tags and groups, 1000 a page: what would otherwise cost
   * a ListUserTags and a ListGroupsForUser per user. IAM answers with each user's inline policy
   * documents and attached policies too; they are dropped here, unread (docs/security.md §1).
   * There is no path filter: the caller selects.
   */
  async usersWithTagsAndGroups(): Promise<AuthorizedUser[]> {
    const users = await this.caller.paginate(
      'GetAccountAuthorizationDetails',
      (iam, Marker) =>
        iam.send(
          new GetAccountAuthorizationDetailsCommand({
            Filter: ['User'],
            Marker,
            MaxItems: PAGE_SIZE,
          }),
        ),
      (page) => page.UserDetailList,
    );
    return users.map((u) => ({
      ...identityOf(u),
      tags: Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      groups: u.GroupList ?? [],
    }));
  }

  /** Names of the users that have a virtual MFA device enabled (live). */
  async usersWithVirtualMfa(): Promise<Set<string>> {
    return new Set((await this.assignedVirtualMfaDevices()).map((d) => d.userName));
  }

  /** Every virtual MFA device enabled for a user, with its enable date (live). */
  async assignedVirtualMfaDevices(): Promise<AssignedVirtualMfaDevice[]> {
    const devices = await this.virtualMfaDevices('Assigned');
    return devices.flatMap((d) =>
      d.User?.UserName
        ? [
            {
              userName: d.User.UserName,
              serialNumber: d.SerialNumber ?? '',
              enableDate: d.EnableDate,
            },
          ]
        : [],
    );
  }

  /** Serial numbers of every virtual MFA device assigned to no one. */
  async unassignedVirtualMfaSerials(): Promise<string[]> {
    const devices = await this.virtualMfaDevices('Unassigned');
    return devices.flatMap((d) => (d.SerialNumber ? [d.SerialNumber] : []));
  }

  private virtualMfaDevices(status: 'Assigned' | 'Unassigned'): Promise<VirtualMFADevice[]> {
    return this.caller.paginate(
      'ListVirtualMFADevices',
      (iam, Marker) =>
        iam.send(
          new ListVirtualMFADevicesCommand({
            AssignmentStatus: status,
            Marker,
            MaxItems: PAGE_SIZE,
          }),
        ),
      (page) => page.VirtualMFADevices,
    );
  }

  /** A virtual MFA device's tags (the service's own devices carry at most a few). */
  async mfaDeviceTags(serialNumber: string): Promise<Record<string, string>> {
    const tags = await this.caller.paginate(
      'ListMFADeviceTags',
      (iam, Marker) =>
        iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serialNumber, Marker })),
      (page) => page.Tags,
    );
    return Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
  }

  /** The group's ARN, or undefined when it does not exist (one call, whatever its size). */
  async groupArn(groupName: string): Promise<string | undefined> {
    try {
      const { Group } = await this.caller.send('GetGroup', (iam) =>
        iam.send(new GetGroupCommand({ GroupName: groupName, MaxItems: 1 })),
      );
      return Group?.Arn;
    } catch (error) {
      if (isIamError(error, 'not-found')) return undefined;
      throw error;
    }
  }

  /** Whether the group exists. */
  async groupExists(groupName: string): Promise<boolean> {
    return (await this.groupArn(groupName)) !== undefined;
  }

  async hasLoginProfile(userName: string): Promise<boolean> {
    try {
      await this.caller.send('GetLoginProfile', (iam) =>
        iam.send(new GetLoginProfileCommand({ UserName: userName })),
      );
      return true;
    } catch (error) {
      if (isIamError(error, 'not-found')) return false;
      throw error;
    }
  }

  async generateCredentialReport(): Promise<CredentialReportState> {
    const { State } = await this.caller.send('GenerateCredentialReport', (iam) =>
      iam.send(new GenerateCredentialReportCommand({})),
    );
    if (State !== 'STARTED' && State !== 'INPROGRESS' && State !== 'COMPLETE') {
      throw new IamError('other', 'UnexpectedState', 'GenerateCredentialReport');
    }
    return State;
  }

  /** The current report, or undefined while none is ready (not present, in progress, expired). */
  async getCredentialReport(): Promise<CredentialReport | undefined> {
    try {
      const out = await this.caller.send('GetCredentialReport', (iam) =>
        iam.send(new GetCredentialReportCommand({})),
      );
      if (!out.Content || !out.GeneratedTime) return undefined;
      return { csv: Buffer.from(out.Content).toString('utf8'), generatedAt: out.GeneratedTime };
    } catch (error) {
      if (isIamError(error, 'report-not-ready')) return undefined;
      throw error;
    }
  }
}

/** The fields both user listings (ListUsers, GetAccountAuthorizationDetails) give every user. */
function identityOf(u: {
  UserName?: string;
  UserId?: string;
  Arn?: string;
  Path?: string;
  CreateDate?: Date;
}) {
  return {
    userName: u.UserName ?? '',
    userId: u.UserId ?? '',
    arn: u.Arn ?? '',
    path: u.Path ?? '/',
    createDate: u.CreateDate ?? new Date(0),
  };
}
