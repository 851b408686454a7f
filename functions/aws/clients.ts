// SDK clients, created once per container. Retries are ours (aws/retry.ts, bounded by each
// request's deadline), so the SDK makes exactly one attempt per call. Endpoints follow the
// standard overrides (AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS), which is how `npm start`
// and the tests point the same code at the local emulator.

import { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts';

export interface IamClients {
  iam: IAMClient;
  /** Created on first use (see lazySts). */
  sts: { get(): Promise<STSClient>; destroy(): void };
}

export interface ClientOptions {
  iamEndpoint?: string;
  stsEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region?: string;
}

export function createClients(options: ClientOptions = {}): IamClients {
  const common = { maxAttempts: 1, credentials: options.credentials };
  return {
    // IAM is a global service signed in us-east-1.
    iam: new IAMClient({ ...common, region: 'us-east-1', endpoint: options.iamEndpoint }),
    sts: lazySts({
      ...common,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: options.stsEndpoint,
    }),
  };
}

/**
 * STS is needed only to learn the account id when no IAM answer carried it (ARNs do), so its
 * client is loaded on first use and stays off the functions' cold start.
 */
function lazySts(config: STSClientConfig): IamClients['sts'] {
  let client: Promise<STSClient> | undefined;
  return {
    get: () => {
      client ??= import('@aws-sdk/client-sts').then(({ STSClient }) => new STSClient(config));
      return client;
    },
    destroy: () => {
      void client?.then((c) => c.destroy());
    },
  };
}
