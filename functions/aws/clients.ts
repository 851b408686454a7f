// SDK clients, created once per container. Retries are ours (aws/retry.ts, bounded by each
// request's deadline), so the SDK makes exactly one attempt per call. Endpoints follow the
// standard overrides (AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS), which is how `npm start`
// and the tests point the same code at the local emulator.

import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { IamClients } from './iam-gateway.ts';

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
    sts: new STSClient({
      ...common,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: options.stsEndpoint,
    }),
  };
}
