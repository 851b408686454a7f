// The one way the service calls IAM: every call goes through withRetries (inside the
// deadline, failures left as IamError kinds), and every Marker-paginated listing through
// `paginate`. A request's IamGateway and IamInventory share one of these (see iam.ts).

import type { IAMClient } from '@aws-sdk/client-iam';
import type { IamClients } from './clients.ts';
import { type RetryOptions, type RetryPolicy, withRetries } from './retry.ts';

/** A page of an IAM listing: more follow while `IsTruncated`, from `Marker`. */
interface MarkerPage {
  IsTruncated?: boolean;
  Marker?: string;
}

export class IamCaller {
  constructor(
    readonly clients: IamClients,
    readonly retry: RetryOptions,
  ) {}

  /** Sends one IAM command with retries; what is left is thrown as an IamError. */
  send<T>(
    operation: string,
    attempt: (iam: IAMClient) => Promise<T>,
    policy?: RetryPolicy,
  ): Promise<T> {
    return withRetries(operation, () => attempt(this.clients.iam), this.retry, policy);
  }

  /** Every item of a Marker-paginated listing, one call per page (each retried on its own). */
  async paginate<Page extends MarkerPage, Item>(
    operation: string,
    page: (iam: IAMClient, marker: string | undefined) => Promise<Page>,
    itemsOf: (page: Page) => Item[] | undefined,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let marker: string | undefined;
    do {
      const answer = await this.send(operation, (iam) => page(iam, marker));
      for (const item of itemsOf(answer) ?? []) items.push(item);
      marker = answer.IsTruncated ? answer.Marker : undefined;
    } while (marker);
    return items;
  }
}
