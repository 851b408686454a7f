// An onboarding app wired to an in-process emulator for integration tests: the production app
// factory, real SDK clients over HTTP, a captured log, and helpers to issue invitations. The
// codes to type come from ./totp.ts.

import { beforeAll, beforeEach } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { iamFor } from '../../functions/aws/iam.ts';
import { type Config, loadConfig } from '../../functions/config.ts';
import type { WebAssets } from '../../functions/http/assets.ts';
import type { RetryDelays } from '../../functions/http/request-context.ts';
import { type IssuedInvitation, issueInvitation } from '../../functions/invitations/issue.ts';
import { createLogger } from '../../functions/logger.ts';
import { createOnboardingApp } from '../../functions/onboarding/app.ts';
import { buildWebAssets } from '../../infra/web-assets.ts';
import { demoSeed } from '../../local/demo-account.ts';
import { type EmulatorFixture, useEmulator } from './emulator.ts';

/** Every log line any app in the test run wrote: the secret-scanning test reads it. */
export const capturedLogLines: string[] = [];

type OnboardingApp = ReturnType<typeof createOnboardingApp>;

interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Another instance of the app (see newApp) to send the request to; default `app`. */
  app?: OnboardingApp;
}

/** Dependencies of the app under test that tests may override. */
export interface OnboardingDepsOverrides {
  /** Time budget for all IAM work of one request (default: the production REQUEST_BUDGET_MS). */
  requestBudgetMs?: number;
  /** Backoff bases of the app's IAM retries (default: production's). */
  retryDelays?: RetryDelays;
}

export interface OnboardingFixture {
  emulator: EmulatorFixture;
  app: OnboardingApp;
  config: Config;
  /**
   * A further instance of the app on the same emulator, with its own SDK clients and caches
   * (another Lambda container); it shares the fixture's clock and log.
   */
  newApp(): OnboardingApp;
  /** Log lines written by the app during the current test. */
  logs: string[];
  /** Moves the app's clock (not the emulator's) forward. */
  advanceClock(ms: number): void;
  issue(userName: string, ttlHours?: number): Promise<IssuedInvitation & { token: string }>;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
}

let webAssets: Promise<WebAssets> | undefined;

export function useOnboarding(
  env: Record<string, string> = {},
  overrides: OnboardingDepsOverrides = {},
): OnboardingFixture {
  const emulator = useEmulator();
  const fixture = { emulator, logs: [] as string[] } as OnboardingFixture;
  let clockOffset = 0;
  beforeAll(async () => {
    webAssets ??= buildWebAssets();
    const config = loadConfig({ PUBLIC_BASE_URL: 'https://onboarding.example.com', ...env });
    const newClients = () =>
      createClients({
        region: config.region,
        iamEndpoint: emulator.url,
        credentials: { accessKeyId: 'AKIATESTONBOARDING1', secretAccessKey: 'test' },
      });
    const clients = newClients();
    const clock = () => new Date(Date.now() + clockOffset);
    const logger = createLogger('onboarding-test', (line) => {
      fixture.logs.push(line);
      capturedLogLines.push(line);
    });
    const assets = await webAssets;
    const newApp = () =>
      createOnboardingApp({
        clients: newClients(),
        config,
        assets,
        clock,
        logger,
        requestBudgetMs: overrides.requestBudgetMs,
        retryDelays: overrides.retryDelays,
      });
    Object.assign(fixture, {
      config,
      app: createOnboardingApp({
        clients,
        config,
        assets,
        clock,
        logger,
        requestBudgetMs: overrides.requestBudgetMs,
        retryDelays: overrides.retryDelays,
      }),
      newApp,
      advanceClock: (ms: number) => {
        clockOffset += ms;
      },
      issue: async (userName: string, ttlHours?: number) => {
        const { gateway } = iamFor(clients, { deadline: Date.now() + 20_000 });
        const issued = await issueInvitation({ gateway, config, clock }, userName, ttlHours);
        return { ...issued, token: issued.url.split('#')[1] as string };
      },
      request: (method: string, path: string, options: RequestOptions = {}) =>
        (options.app ?? fixture.app).request(path, {
          method,
          headers: {
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...options.headers,
          },
          body:
            options.body === undefined
              ? undefined
              : typeof options.body === 'string'
                ? options.body
                : JSON.stringify(options.body),
        }),
    });
  });
  beforeEach(() => {
    clockOffset = 0;
    fixture.logs.length = 0;
    // The emulator fixture has just been reset: give it the demo account.
    emulator.running.emulator.seed(demoSeed(fixture.config.forceMfaGroup));
  });
  return fixture;
}
