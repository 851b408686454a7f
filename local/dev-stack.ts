// The whole service on one machine: the IAM/STS emulator (unless real endpoints are given), and
// both functions (onboarding page + API, HR/admin API) on one local HTTP server, routed by path
// as API Gateway routes them. `npm start` and the end-to-end tests both
// run exactly this, with the production app factories and the real SDK.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type ApiKeyEntry, hashApiKey, newApiKey, SCOPES } from '../functions/admin/api-keys.ts';
import { createAdminApp } from '../functions/admin/app.ts';
import { ADMIN_ROUTES } from '../functions/admin/routes.ts';
import { createClients } from '../functions/aws/clients.ts';
import { iamFor } from '../functions/aws/iam.ts';
import { accountIdFromArn } from '../functions/aws/iam-gateway.ts';
import { createSesClient } from '../functions/aws/ses.ts';
import { type Config, loadConfig } from '../functions/config.ts';
import {
  accountLabel,
  composeInvitationEmail,
  emailAddressOf,
  maskEmailAddress,
  sesMailer,
} from '../functions/delivery/email.ts';
import { tableFinder } from '../functions/http/route.ts';
import { type IssuedInvitation, issueInvitation } from '../functions/invitations/issue.ts';
import { createSweeper } from '../functions/invitations/sweep.ts';
import { createLogger, type Logger } from '../functions/logger.ts';
import { createOnboardingApp } from '../functions/onboarding/app.ts';
import { ONBOARDING_ROUTES } from '../functions/onboarding/routes.ts';
import { openApiDocument } from '../functions/openapi/document.ts';
import { buildWebAssets } from '../infra/web-assets.ts';
import { DEMO_REMINDERS_ROLE, DEMO_SWITCH_ROLES, demoSeed } from './demo-account.ts';
import { type RunningEmulator, type StartOptions, startEmulator } from './emulator/http-server.ts';

/** As often as serverless.yml schedules the sweeper function. */
const SWEEP_INTERVAL_MS = 15 * 60_000;

export interface LocalStackOptions {
  /** Environment to read the configuration from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Where each log line goes (default: stdout). */
  write?: (line: string) => void;
  /** Options for the embedded emulator. */
  emulator?: StartOptions;
  /** Seed the embedded emulator with the demo account (default true). */
  seedDemo?: boolean;
}

export interface LocalStack {
  url: string;
  config: Config;
  /** The embedded emulator, when no AWS_ENDPOINT_URL_IAM was given. */
  emulator?: RunningEmulator;
  logger: Logger;
  /** An API key with every scope: API_KEY, or one generated for this run. */
  apiKey: string;
  issueInvitation(userName: string, ttlHours?: number): Promise<IssuedInvitation>;
  /**
   * Emails an issued link, as `"delivery": "email"` would, to the address in the user's tag:
   * the masked address, or undefined when the user has none.
   */
  mailInvitation(issued: IssuedInvitation): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? '127.0.0.1';
  const write = options.write ?? ((line: string) => console.log(line));

  let emulator: RunningEmulator | undefined;
  let clients: ReturnType<typeof createClients>;
  if (env.AWS_ENDPOINT_URL_IAM) {
    // Real endpoints (or an emulator started elsewhere): the SDK reads the usual variables.
    clients = createClients({
      region: env.AWS_REGION,
      iamEndpoint: env.AWS_ENDPOINT_URL_IAM,
    });
  } else {
    emulator = await startEmulator(options.emulator ?? {});
    // SES v2 is served by the same emulator; the apps' SES client follows this variable.
    env.AWS_ENDPOINT_URL_SESV2 ??= emulator.url;
    // The demo account's roles, unless roles of your own are given.
    if (options.seedDemo !== false) env.SWITCH_ROLES ??= JSON.stringify(DEMO_SWITCH_ROLES);
    clients = createClients({
      region: env.AWS_REGION,
      iamEndpoint: emulator.url,
      credentials: { accessKeyId: 'AKIALOCALEMULATOR01', secretAccessKey: 'local-emulator' },
    });
  }

  const [assets, adminAssets] = await Promise.all([
    buildWebAssets('onboarding'),
    buildWebAssets('admin'),
  ]);
  const logger = createLogger('mfa-onboarding-local', write);

  // The base URL is known only once the port is: start the server, then build the apps.
  let route: ((req: Request, env: unknown) => Response | Promise<Response>) | undefined;
  const server = serve({
    fetch: (req, env2) => (route ? route(req, env2) : new Response('starting', { status: 503 })),
    port,
    hostname: host,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const actualPort = (server.address() as AddressInfo).port;
  const apiKey = env.API_KEY ?? newApiKey().key;
  const localKey: ApiKeyEntry = { name: 'local', scopes: [...SCOPES], sha256: hashApiKey(apiKey) };
  const configured = loadConfig({
    ...env,
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL ?? `http://localhost:${actualPort}`,
  });
  const config: Config = { ...configured, apiKeys: [...configured.apiKeys, localKey] };
  if (emulator && options.seedDemo !== false)
    emulator.emulator.seed(demoSeed(config.forceMfaGroup, new Date(), { emails: true }));
  // The sender, created and verified as an operator does once per account and region.
  emulator?.emulator.ses.createIdentity(config.senderEmail, [], { verified: true });
  const onboarding = createOnboardingApp({ clients, config, assets, logger });
  // The admin app emails links through SES v2: the emulator's, or AWS_ENDPOINT_URL_SESV2's.
  const ses = createSesClient({
    region: config.region,
    endpoint: env.AWS_ENDPOINT_URL_SESV2,
    credentials: emulator
      ? { accessKeyId: 'AKIALOCALEMULATOR01', secretAccessKey: 'local-emulator' }
      : undefined,
  });
  const admin = createAdminApp({
    clients,
    ses,
    config,
    logger,
    assets: adminAssets,
    openApiDocument,
    accountId: emulator?.emulator.state.accountId,
  });
  route = (req, env2) =>
    (functionFor(new URL(req.url).pathname) === 'admin' ? admin : onboarding).fetch(req, env2);
  // The scheduled clean-up of abandoned devices, as the deployed stack runs it.
  const sweep = createSweeper({ clients, config, logger });
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) =>
      logger.error('sweep.failed', { errorName: error instanceof Error ? error.name : 'unknown' }),
    );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}`,
    config,
    emulator,
    logger,
    apiKey,
    issueInvitation: (userName, ttlHours) =>
      issueInvitation(
        {
          gateway: iamFor(clients, { deadline: Date.now() + 25_000 }).gateway,
          config,
          clock: () => new Date(),
        },
        userName,
        ttlHours,
      ),
    async mailInvitation(issued) {
      const { gateway } = iamFor(clients, { deadline: Date.now() + 25_000 });
      const user = await gateway.getUser(issued.userName);
      const to = emailAddressOf(config, user.tags);
      if (!to) return undefined;
      const alias = await gateway.accountAlias();
      await sesMailer(ses, config, { deadline: Date.now() + 25_000 }).send({
        to,
        ...composeInvitationEmail({
          to,
          userName: issued.userName,
          url: issued.url,
          expiresAt: issued.expiresAt,
          accountLabel: accountLabel(alias, accountIdFromArn(user.arn)),
          finishOnly: issued.finishOnly,
          kind: 'invitation',
        }),
      });
      return maskEmailAddress(to);
    },
    async stop() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clients.iam.destroy();
      ses.destroy();
      await emulator?.stop();
    },
  };
}

/**
 * The environment of one `npm run reminders` against this stack's emulator: it invites by
 * email, renews, and posts its digest to the emulator's chat webhook (shown in the mailbox
 * page), keeping its lease on the demo account's reminders role.
 */
export function localRemindersEnv(stack: LocalStack): Record<string, string> {
  const emulatorUrl = stack.emulator?.url;
  if (!emulatorUrl) throw new Error('the local stack runs without its emulator');
  return {
    AWS_ENDPOINT_URL_IAM: emulatorUrl,
    AWS_ENDPOINT_URL_SESV2: emulatorUrl,
    PUBLIC_BASE_URL: stack.config.publicBaseUrl,
    REMINDERS_ROLE_NAME: DEMO_REMINDERS_ROLE,
    DIGEST_WEBHOOK_URL: `${emulatorUrl}/_emulator/chat`,
    AUTO_INVITE: 'true',
    AUTO_INVITE_AFTER_DAYS: '0',
  };
}

const findTable = tableFinder([ADMIN_ROUTES, ONBOARDING_ROUTES]);

/**
 * Which function API Gateway would send this path to, by the route tables. A path no route
 * has goes to the onboarding app, whose 404 is the same envelope as the admin app's.
 */
export function functionFor(pathname: string): 'admin' | 'onboarding' {
  return findTable(pathname)?.function ?? 'onboarding';
}
