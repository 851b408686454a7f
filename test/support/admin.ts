// The admin (HR + compliance) app wired to an in-process emulator for integration tests: the
// production app factory, real SDK clients over HTTP, a config whose API_KEYS hold the hashes
// of test keys (one per scope combination), a captured log, and a way to check an invitation
// link the way the onboarding app does.

import { afterEach, beforeAll, beforeEach } from 'vitest';
import { type ApiKeyEntry, newApiKey, SCOPES, type Scope } from '../../functions/admin/api-keys.ts';
import { type AdminDeps, createAdminApp } from '../../functions/admin/app.ts';
import type { IamClients } from '../../functions/aws/clients.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { createSesClient } from '../../functions/aws/ses.ts';
import { type Config, loadConfig } from '../../functions/config.ts';
import { createLogger, type Logger } from '../../functions/logger.ts';
import { createOnboardingApp } from '../../functions/onboarding/app.ts';
import { openApiDocument } from '../../functions/openapi/document.ts';
import type { Emulator } from '../../local/emulator/emulator.ts';
import type { SeedSpec } from '../../local/emulator/seed.ts';
import { type EmulatorFixture, useEmulator } from './emulator.ts';

type AdminApp = ReturnType<typeof createAdminApp>;
type OnboardingApp = ReturnType<typeof createOnboardingApp>;

/** A test API key: the secret a client presents and the entry the service is configured with. */
export interface TestKey {
  key: string;
  entry: ApiKeyEntry;
}

/** One key per scope combination the tests need. */
export interface TestKeys {
  all: TestKey;
  invitationsWrite: TestKey;
  usersRead: TestKey;
  complianceRead: TestKey;
  exemptionsWrite: TestKey;
  enforcementWrite: TestKey;
  mfaReset: TestKey;
}

export interface AdminOptions {
  /** Extra environment for loadConfig (e.g. USER_PATH_PREFIX). */
  env?: Record<string, string>;
  /** Time budget for all IAM work of one request (default: the production one). */
  requestBudgetMs?: number;
  /** Backoff bases of the app's IAM retries (default: production's). */
  retryDelays?: AdminDeps['retryDelays'];
  /** Compliance scan tuning (how long to wait for a credential report, per-user checks). */
  scan?: AdminDeps['scan'];
  /** Pacing of the batch routes' IAM calls (default here: fast, so tests do not wait). */
  pacing?: AdminDeps['pacing'];
}

export interface NewAppOptions extends AdminOptions {
  /** The API keys the new app is configured with (default: every test key). */
  apiKeys?: ApiKeyEntry[];
}

export interface RequestOptions {
  /** The API key sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** A JSON body (serialized), or a string sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Another app instance (see newApp); default `app`. */
  app?: AdminApp;
}

export interface AdminFixture {
  emulator: EmulatorFixture;
  /** The emulator itself: seed(), calls, settings, faults, clockOffsetMs. */
  iam: Emulator;
  app: AdminApp;
  config: Config;
  keys: TestKeys;
  /** Log lines written by the apps during the current test. */
  logs: string[];
  /** A further admin app on the same emulator and log, e.g. with other keys or a shorter budget. */
  newApp(options?: NewAppOptions): AdminApp;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /**
   * Presents an invitation token to the onboarding app (same emulator, same config) as the
   * page does, and returns the HTTP status of `GET /api/enrollment`: 200 valid, 401 not.
   */
  onboardingStatus(token: string): Promise<number>;
  /** The onboarding app on the same emulator, config and clock (its enrollment API). */
  onboarding: OnboardingApp;
  /** A further onboarding app (another Lambda container) on the same emulator and clock. */
  newOnboardingApp(): OnboardingApp;
  /** Moves the clock of every app of this fixture (not the emulator's) forward. */
  advanceClock(ms: number): void;
  seed(spec: SeedSpec): void;
  /**
   * Runs `fn` once, just before the emulator handles the next call of `action` (for "the user
   * is deleted mid-request" tests). Undone after each test.
   */
  beforeNext(action: string, fn: () => unknown): void;
}

/** Batch routes pace their IAM calls; the tests' emulator does not throttle unless told to. */
const FAST_PACING = { initialRate: 10_000, maxRate: 10_000 };

function testKey(name: string, scopes: Scope[]): TestKey {
  const { key, sha256 } = newApiKey();
  return { key, entry: { name, scopes, sha256 } };
}

export function testKeys(): TestKeys {
  return {
    all: testKey('hr-admin-all', [...SCOPES]),
    invitationsWrite: testKey('hr-tooling', ['invitations:write']),
    usersRead: testKey('status-reader', ['users:read']),
    complianceRead: testKey('compliance-bot', ['compliance:read']),
    exemptionsWrite: testKey('exemptions-admin', ['exemptions:write']),
    enforcementWrite: testKey('enforcer', ['enforcement:write']),
    mfaReset: testKey('help-desk', ['mfa:reset']),
  };
}

/** The API_KEYS setting for these entries, as an operator would write it. */
export function apiKeysSetting(entries: ApiKeyEntry[]): string {
  return JSON.stringify(entries.map(({ name, scopes, sha256 }) => ({ name, scopes, sha256 })));
}

export function useAdmin(options: AdminOptions = {}): AdminFixture {
  const emulator = useEmulator();
  const keys = testKeys();
  const fixture = { emulator, keys, logs: [] as string[] } as AdminFixture;
  let clockOffset = 0;
  const clock = () => new Date(Date.now() + clockOffset);
  beforeAll(() => {
    const baseEnv = { PUBLIC_BASE_URL: 'https://onboarding.example.com', ...options.env };
    const configFor = (env: Record<string, string>, apiKeys: ApiKeyEntry[]) =>
      loadConfig({ ...baseEnv, ...env, API_KEYS: apiKeysSetting(apiKeys) });
    const clients = (): IamClients =>
      createClients({
        iamEndpoint: emulator.url,
        credentials: { accessKeyId: 'AKIATESTADMIN000001', secretAccessKey: 'test' },
      });
    const logger: Logger = createLogger('admin-test', (line) => {
      fixture.logs.push(line);
    });
    const allEntries = Object.values(keys).map((k: TestKey) => k.entry);
    const newApp = (o: NewAppOptions = {}) =>
      createAdminApp({
        clients: clients(),
        // SES v2 on the same emulator (its mailbox: GET /_emulator/mail).
        ses: createSesClient({
          endpoint: emulator.url,
          credentials: { accessKeyId: 'AKIATESTADMIN000001', secretAccessKey: 'test' },
        }),
        config: configFor(o.env ?? {}, o.apiKeys ?? allEntries),
        // The API tests need no page: the console is tested in Chromium (test/e2e/).
        assets: { html: '<!doctype html><title>admin</title>', files: {} },
        openApiDocument,
        clock,
        logger,
        requestBudgetMs: o.requestBudgetMs ?? options.requestBudgetMs,
        retryDelays: o.retryDelays ?? options.retryDelays,
        scan: { ...options.scan, ...o.scan },
        pacing: o.pacing ?? options.pacing ?? FAST_PACING,
      });
    const config = configFor({}, allEntries);
    const newOnboardingApp = (): OnboardingApp =>
      createOnboardingApp({
        clients: clients(),
        config,
        // The enrollment API needs no page assets.
        assets: { html: '<!doctype html><title>test</title>', files: {} },
        clock,
        logger,
        requestBudgetMs: options.requestBudgetMs,
        retryDelays: options.retryDelays,
      });
    const onboarding = newOnboardingApp();
    Object.assign(fixture, {
      iam: emulator.running.emulator,
      config,
      app: newApp(),
      newApp,
      onboarding,
      newOnboardingApp,
      advanceClock: (ms: number) => {
        clockOffset += ms;
      },
      request: async (method: string, path: string, o: RequestOptions = {}) =>
        (o.app ?? fixture.app).request(path, {
          method,
          headers: {
            ...(o.key !== undefined ? { authorization: `Bearer ${o.key}` } : {}),
            ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...o.headers,
          },
          body:
            o.body === undefined
              ? undefined
              : typeof o.body === 'string'
                ? o.body
                : JSON.stringify(o.body),
        }),
      onboardingStatus: async (token: string) => {
        const res = await onboarding.request('/api/enrollment', {
          headers: { authorization: `Bearer ${token}` },
        });
        return res.status;
      },
      seed: (spec: SeedSpec) => {
        emulator.running.emulator.seed(spec);
      },
      beforeNext: (action: string, fn: () => unknown) => {
        const target = emulator.running.emulator;
        const original = target.handle.bind(target);
        target.handle = async (request) => {
          if (request.params.get('Action') === action) {
            // Back to the class's own method, then the interleaved work.
            Reflect.deleteProperty(target, 'handle');
            await fn();
          }
          return original(request);
        };
      },
    } satisfies Partial<AdminFixture>);
  });
  beforeEach(() => {
    fixture.logs.length = 0;
    clockOffset = 0;
  });
  afterEach(() => {
    Reflect.deleteProperty(emulator.running.emulator, 'handle');
  });
  return fixture;
}

/** The token in an onboarding link's fragment. */
export function tokenOf(url: string): string {
  return url.slice(url.indexOf('#') + 1);
}
