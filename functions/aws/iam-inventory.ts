// Account-wide IAM listings for the admin function: every call at IAM's largest page size
// (1000), so an account at the 5,000-user quota is read in a handful of calls.

import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  ListMFADeviceTagsCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  type VirtualMFADevice,
} from '@aws-sdk/client-iam';
import { IamError, IamGateway, isIamError } from './iam-gateway.ts';

const PAGE_SIZE = 1000;

export interface ListedUser {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
  passwordLastUsed?: Date;
}

export type CredentialReportState = 'STARTED' | 'INPROGRESS' | 'COMPLETE';

export interface CredentialReport {
  csv: string;
  generatedAt: Date;
}

export class IamInventory extends IamGateway {
  async listUsers(pathPrefix?: string): Promise<ListedUser[]> {
    const users: ListedUser[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send('ListUsers', () =>
        this.clients.iam.send(
          new ListUsersCommand({ PathPrefix: pathPrefix, Marker: marker, MaxItems: PAGE_SIZE }),
        ),
      );
      for (const u of page.Users ?? []) {
        users.push({
          userName: u.UserName ?? '',
          userId: u.UserId ?? '',
          arn: u.Arn ?? '',
          path: u.Path ?? '/',
          createDate: u.CreateDate ?? new Date(0),
          passwordLastUsed: u.PasswordLastUsed,
        });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return users;
  }

  /** Names of the users that have a virtual MFA device enabled (live). */
  async usersWithVirtualMfa(): Promise<Set<string>> {
    const devices = await this.virtualMfaDevices('Assigned');
    return new Set(devices.flatMap((d) => (d.User?.UserName ? [d.User.UserName] : [])));
  }

  /** Serial numbers of every virtual MFA device assigned to no one. */
  async unassignedVirtualMfaSerials(): Promise<string[]> {
    const devices = await this.virtualMfaDevices('Unassigned');
    return devices.flatMap((d) => (d.SerialNumber ? [d.SerialNumber] : []));
  }

  private async virtualMfaDevices(status: 'Assigned' | 'Unassigned'): Promise<VirtualMFADevice[]> {
    const devices: VirtualMFADevice[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send('ListVirtualMFADevices', () =>
        this.clients.iam.send(
          new ListVirtualMFADevicesCommand({
            AssignmentStatus: status,
            Marker: marker,
            MaxItems: PAGE_SIZE,
          }),
        ),
      );
      devices.push(...(page.VirtualMFADevices ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return devices;
  }

  /** A virtual MFA device's tags (the service's own devices carry at most a few). */
  async mfaDeviceTags(serialNumber: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    do {
      const page = await this.send('ListMFADeviceTags', () =>
        this.clients.iam.send(
          new ListMFADeviceTagsCommand({ SerialNumber: serialNumber, Marker: marker }),
        ),
      );
      for (const t of page.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return tags;
  }

  /** Names of the group's members. */
  async groupMembers(groupName: string): Promise<Set<string>> {
    const names = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await this.send('GetGroup', () =>
        this.clients.iam.send(
          new GetGroupCommand({ GroupName: groupName, Marker: marker, MaxItems: PAGE_SIZE }),
        ),
      );
      for (const u of page.Users ?? []) if (u.UserName) names.add(u.UserName);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return names;
  }

  async hasLoginProfile(userName: string): Promise<boolean> {
    try {
      await this.send('GetLoginProfile', () =>
        this.clients.iam.send(new GetLoginProfileCommand({ UserName: userName })),
      );
      return true;
    } catch (error) {
      if (isIamError(error, 'not-found')) return false;
      throw error;
    }
  }

  async generateCredentialReport(): Promise<CredentialReportState> {
    const { State } = await this.send('GenerateCredentialReport', () =>
      this.clients.iam.send(new GenerateCredentialReportCommand({})),
    );
    if (State !== 'STARTED' && State !== 'INPROGRESS' && State !== 'COMPLETE') {
      throw new IamError('other', 'UnexpectedState', 'GenerateCredentialReport');
    }
    return State;
  }

  /** The current report, or undefined while none is ready (not present, in progress, expired). */
  async getCredentialReport(): Promise<CredentialReport | undefined> {
    try {
      const out = await this.send('GetCredentialReport', () =>
        this.clients.iam.send(new GetCredentialReportCommand({})),
      );
      if (!out.Content || !out.GeneratedTime) return undefined;
      return { csv: Buffer.from(out.Content).toString('utf8'), generatedAt: out.GeneratedTime };
    } catch (error) {
      if (isIamError(error, 'report-not-ready')) return undefined;
      throw error;
    }
  }
}
