// The one module that knows the AWS SDK. It sends IAM/STS commands with retries inside the
// request's deadline and turns SDK exceptions into IamError kinds the domain can reason about.

import {
  AddUserToGroupCommand,
  CreateVirtualMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  type IAMClient,
  ListAccountAliasesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  TagUserCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { AppError, ServiceUnavailableError, UserNotFoundError } from '../errors.ts';
import {
  classify,
  RetriesExhaustedError,
  type RetryOptions,
  type RetryPolicy,
  withRetries,
} from './retry.ts';

export type IamErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'delete-conflict'
  | 'invalid-code'
  | 'limit-exceeded'
  | 'invalid-input'
  | 'access-denied'
  | 'report-not-ready'
  /** A 500 or a dropped connection on a call not retried: it may or may not have been done. */
  | 'unknown-outcome'
  | 'other';

/** An IAM error the retries could not (or must not) absorb, by kind. */
export class IamError extends Error {
  override name = 'IamError';
  constructor(
    readonly kind: IamErrorKind,
    readonly awsCode: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed with ${awsCode}`, options);
  }
}

export const isIamError = (error: unknown, kind: IamErrorKind): error is IamError =>
  error instanceof IamError && error.kind === kind;

/**
 * Runs an IAM call about one user: NoSuchEntity there means the user does not exist (or was
 * deleted mid-request), which callers answer with a 404, never a 500.
 */
export async function aboutUser<T>(userName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isIamError(error, 'not-found')) throw new UserNotFoundError(userName, { cause: error });
    throw error;
  }
}

const KINDS: Record<string, IamErrorKind> = {
  NoSuchEntityException: 'not-found',
  EntityAlreadyExistsException: 'already-exists',
  DeleteConflictException: 'delete-conflict',
  InvalidAuthenticationCodeException: 'invalid-code',
  LimitExceededException: 'limit-exceeded',
  InvalidInputException: 'invalid-input',
  ValidationError: 'invalid-input',
  AccessDenied: 'access-denied',
  AccessDeniedException: 'access-denied',
  CredentialReportNotPresentException: 'report-not-ready',
  CredentialReportNotReadyException: 'report-not-ready',
  CredentialReportExpiredException: 'report-not-ready',
};

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

export interface IamClients {
  iam: IAMClient;
  /** Created on first use (see clients.ts). */
  sts: { get(): Promise<STSClient>; destroy(): void };
}

/** The account id inside an IAM ARN (`arn:aws:iam::123456789012:user/…`). */
export function accountIdFromArn(arn: string): string {
  const accountId = arn.split(':')[4] ?? '';
  if (!/^\d{12}$/.test(accountId)) throw new IamError('other', 'UnexpectedArn', 'accountIdFromArn');
  return accountId;
}

/** Seconds a client is told to wait when IAM keeps failing. */
export const RETRY_AFTER_SECONDS = 5;

export class IamGateway {
  constructor(
    protected readonly clients: IamClients,
    private readonly retry: RetryOptions,
  ) {}

  /** This gateway with `ms` more time: for clean-up the request's deadline must not cut short. */
  withGrace(ms: number): IamGateway {
    return new IamGateway(this.clients, {
      ...this.retry,
      deadline: Math.max(this.retry.deadline, Date.now()) + ms,
    });
  }

  async getUser(userName: string): Promise<IamUser> {
    const { User } = await this.send('GetUser', () =>
      this.clients.iam.send(new GetUserCommand({ UserName: userName })),
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
    await this.send('TagUser', () =>
      this.clients.iam.send(
        new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] }),
      ),
    );
  }

  /** Removes these tag keys (absent ones are no error). */
  async untagUser(userName: string, keys: string[]): Promise<void> {
    await this.send('UntagUser', () =>
      this.clients.iam.send(new UntagUserCommand({ UserName: userName, TagKeys: keys })),
    );
  }

  /** Every MFA device of any type enabled for the user. */
  async listMfaDevices(userName: string): Promise<MfaDevice[]> {
    const devices: MfaDevice[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send('ListMFADevices', () =>
        this.clients.iam.send(new ListMFADevicesCommand({ UserName: userName, Marker: marker })),
      );
      for (const d of page.MFADevices ?? [])
        devices.push({ serialNumber: d.SerialNumber ?? '', enableDate: d.EnableDate });
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return devices;
  }

  async listGroupsForUser(userName: string): Promise<string[]> {
    const groups: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send('ListGroupsForUser', () =>
        this.clients.iam.send(new ListGroupsForUserCommand({ UserName: userName, Marker: marker })),
      );
      for (const g of page.Groups ?? []) if (g.GroupName) groups.push(g.GroupName);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return groups;
  }

  /** Returns the device's serial number and its base32 seed (the seed is never stored). */
  async createVirtualMfaDevice(
    path: string,
    name: string,
    tags: Record<string, string> = {},
  ): Promise<{ serialNumber: string; seed: string }> {
    const { VirtualMFADevice } = await this.send('CreateVirtualMFADevice', () =>
      this.clients.iam.send(
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
    await this.send('DeleteVirtualMFADevice', () =>
      this.clients.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber })),
    );
  }

  /**
   * Only calls IAM refused outright (throttling, ConcurrentModification...) are repeated: a repeat
   * after a 500 or a dropped connection could be a second code check. `beforeRetry` runs before
   * each repeat, so a caller can stop when what it checked has changed meanwhile.
   */
  async enableMfaDevice(
    userName: string,
    serialNumber: string,
    codes: { code1: string; code2: string },
    beforeRetry?: () => Promise<void>,
  ): Promise<void> {
    await this.send(
      'EnableMFADevice',
      () =>
        this.clients.iam.send(
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

  async addUserToGroup(groupName: string, userName: string): Promise<void> {
    await this.send('AddUserToGroup', () =>
      this.clients.iam.send(
        new AddUserToGroupCommand({ GroupName: groupName, UserName: userName }),
      ),
    );
  }

  async accountAlias(): Promise<string | undefined> {
    const { AccountAliases } = await this.send('ListAccountAliases', () =>
      this.clients.iam.send(new ListAccountAliasesCommand({})),
    );
    return AccountAliases?.[0];
  }

  /** The caller's account, from STS (only when no IAM answer at hand carried an ARN). */
  async accountId(): Promise<string> {
    const [{ GetCallerIdentityCommand }, sts] = await Promise.all([
      import('@aws-sdk/client-sts'),
      this.clients.sts.get(),
    ]);
    const { Account } = await this.send('GetCallerIdentity', () =>
      sts.send(new GetCallerIdentityCommand({})),
    );
    if (!Account) throw new IamError('other', 'EmptyResponse', 'GetCallerIdentity');
    return Account;
  }

  /** Sends one command with retries; translates what is left into IamError / 503. */
  protected async send<T>(
    operation: string,
    attempt: () => Promise<T>,
    policy?: RetryPolicy,
  ): Promise<T> {
    try {
      return await withRetries(operation, attempt, this.retry, policy);
    } catch (error) {
      throw translate(operation, error);
    }
  }
}

function translate(operation: string, error: unknown): Error {
  // The product's own errors (thrown by a beforeRetry check) pass through unchanged.
  if (error instanceof AppError) return error;
  if (error instanceof RetriesExhaustedError)
    return new ServiceUnavailableError(RETRY_AFTER_SECONDS, { cause: error });
  const name = error instanceof Error ? error.name : 'Unknown';
  const kind = classify(error) === 'no' ? (KINDS[name] ?? 'other') : 'unknown-outcome';
  return new IamError(kind, name, operation, { cause: error });
}
