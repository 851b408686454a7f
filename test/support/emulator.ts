// Starts the emulator in-process for a test file and gives real SDK clients pointed at it.

import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  type RunningEmulator,
  type StartOptions,
  startEmulator,
} from '../../local/emulator/http-server.ts';

export interface EmulatorFixture {
  running: RunningEmulator;
  url: string;
  /** An IAM client that does not retry, so an expected error surfaces at once. */
  iam: IAMClient;
  sts: STSClient;
  /** Clients signed with a given access key id (the emulator maps known keys to users). */
  iamAs(accessKeyId: string): IAMClient;
  stsAs(accessKeyId: string): STSClient;
  /** Reads the emulator's call counters over HTTP. */
  calls(): Promise<{ total: number; byAction: Record<string, number> }>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function clientConfig(url: string, accessKeyId = 'AKIAIOSFODNN7EXAMPLE') {
  return {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'emulator-secret' },
    maxAttempts: 1,
  };
}

/**
 * Registers beforeAll/afterAll hooks that run one emulator for the file, and (unless
 * `resetEach` is false) a beforeEach that empties it. The fixture's fields are filled in
 * beforeAll, so read them inside tests.
 */
export function useEmulator(options: StartOptions & { resetEach?: boolean } = {}): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  beforeAll(async () => {
    const running = await startEmulator(options);
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${running.url}/_emulator${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json: unknown = await res.json();
      if (!res.ok)
        throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    Object.assign(fixture, {
      running,
      url: running.url,
      iam: new IAMClient(clientConfig(running.url)),
      sts: new STSClient(clientConfig(running.url)),
      iamAs: (key: string) => new IAMClient(clientConfig(running.url, key)),
      stsAs: (key: string) => new STSClient(clientConfig(running.url, key)),
      calls: () =>
        control('GET', '/calls') as Promise<{ total: number; byAction: Record<string, number> }>,
      control,
    } satisfies EmulatorFixture);
  });
  if (options.resetEach !== false) {
    beforeEach(() => {
      fixture.running.emulator.reset();
    });
  }
  afterAll(async () => {
    fixture.iam?.destroy();
    fixture.sts?.destroy();
    await fixture.running?.stop();
  });
  return fixture;
}

/** Runs a promise that must reject, and returns the SDK error for assertions. */
export async function sdkError(promise: Promise<unknown>): Promise<{
  name: string;
  message: string;
  Code?: string;
  $fault?: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
