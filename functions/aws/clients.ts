// The SDK client, created once per container. Retries are ours (aws/retry.ts, bounded by each
// request's deadline), so the SDK makes exactly one attempt per call. The endpoint follows the
// standard override (AWS_ENDPOINT_URL_IAM), which is how `npm start` and the tests point the
// same code at the local emulator. IAM is all the functions call: the account id comes from
// ARNs IAM returns (or the Lambda's own ARN), so no STS client is bundled.

import { IAMClient } from '@aws-sdk/client-iam';

export interface IamClients {
  iam: IAMClient;
}

export interface ClientOptions {
  /** The function's region. The SDK signs IAM calls for its partition's IAM region. */
  region?: string;
  iamEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function createClients(options: ClientOptions = {}): IamClients {
  return {
    // IAM is global per partition; from the function's region the SDK's endpoint rules pick
    // the partition's IAM endpoint and signing region (us-east-1, cn-north-1, us-gov-west-1).
    iam: new IAMClient({
      maxAttempts: 1,
      credentials: options.credentials,
      region: options.region ?? 'us-east-1',
      endpoint: options.iamEndpoint,
    }),
  };
}
