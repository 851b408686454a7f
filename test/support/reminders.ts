// The scheduled reminders run (functions/reminders/run.ts) wired to an in-process emulator for
// integration tests: the production factory, real IAM and SES v2 clients over HTTP, the run's own
// role (its tags hold the lease and the digest day), a chat webhook receiver on node:http, the
// emulator's mailbox, and an account to seed with the users a test needs.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListRoleTagsCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { createSesClient } from '../../functions/aws/ses.ts';
import { INVITATION_TAG_KEY, loadConfig } from '../../functions/config.ts';
import { exemptionTags } from '../../functions/exemptions/tag.ts';
import { encodeInvitationTag, newInvitation } from '../../functions/invitations/token.ts';
import { createLogger } from '../../functions/logger.ts';
import { createReminders, type RunSummary } from '../../functions/reminders/run.ts';
import type { WebhookOptions } from '../../functions/reminders/webhook.ts';
import { remindersRoleSeed } from '../../local/demo-account.ts';
import type { SeedSpec, SeedUser } from '../../local/emulator/seed.ts';
import { type AdminFixture, tokenOf, useAdmin } from './admin.ts';

export const PUBLIC_BASE_URL = 'https://onboarding.example.com';
export const USER_PATH = '/staff/';
export const SENDER = 'onboarding@example.com';
export const ROLE_NAME = 'mfa-onboarding-dev-reminders';
export const GROUP = 'force-mfa';
export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** Every log line a reminders run wrote in this test run: the secret-scanning test reads it. */
export const reminderLogLines: string[] = [];

export interface Mail {
  to: string[];
  from: string;
  subject: string;
  text?: string;
  html?: string;
  at: string;
}

export interface WebhookReceiver {
  url: string;
  /** The JSON bodies posted, in order. */
  posts: unknown[];
  /** Statuses to answer the next posts with (then 200), headers to send, and a delay before. */
  answers: { status: number; headers?: Record<string, string>; delayMs?: number }[];
}

export interface RemindersFixture extends AdminFixture {
  receiver: WebhookReceiver;
  /** One run with these settings on top of the fixture's (AUTO_INVITE, DIGEST_WEBHOOK_URL...). */
  run(env?: Record<string, string>, options?: RunOptions): Promise<RunSummary>;
  mail(): Promise<Mail[]>;
  /** The onboarding link in a mail's text, and its token. */
  linkIn(mail: Mail): { url: string; token: string };
  /** The account: the force-MFA group, the run's role, and these users. */
  seedUsers(users: SeedUser[]): void;
  roleTags(): Promise<Record<string, string>>;
  userTags(userName: string): Promise<Record<string, string>>;
  /** The lines the runs of the current test wrote, parsed. */
  runLogs(): Record<string, unknown>[];
}

export interface RunOptions {
  webhook?: Omit<WebhookOptions, 'deadline'>;
  sesRatePerSecond?: number;
}

/** The settings every run of the tests has; a test adds its own. */
export const BASE_ENV = {
  PUBLIC_BASE_URL,
  USER_PATH_PREFIX: USER_PATH,
  FORCE_MFA_GROUP: GROUP,
  SENDER_EMAIL: SENDER,
  REMINDERS_ROLE_NAME: ROLE_NAME,
};

/** Retries of the tests' runs back off in milliseconds, not seconds. */
const FAST = { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 50 };

export function useReminders(): RemindersFixture {
  const f = useAdmin({ env: { USER_PATH_PREFIX: USER_PATH, FORCE_MFA_GROUP: GROUP } });
  const fixture = f as RemindersFixture;
  const receiver: WebhookReceiver = { url: '', posts: [], answers: [] };
  const lines: string[] = [];
  let server: Server;
  // The runs' clock follows the fixture's (advanceClock moves both).
  let offset = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        receiver.posts.push(JSON.parse(body) as unknown);
        const answer = receiver.answers.shift() ?? { status: 200 };
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.status === 200 ? 'ok' : 'error');
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-hook`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    receiver.posts.length = 0;
    receiver.answers.length = 0;
    lines.length = 0;
    offset = 0;
  });

  // After useAdmin's own beforeAll has filled in the fixture.
  beforeAll(() => {
    const advanceAppClock = f.advanceClock;
    Object.assign(fixture, {
      advanceClock: (ms: number) => {
        offset += ms;
        advanceAppClock(ms);
      },
    });
  });

  Object.assign(fixture, {
    receiver,
    run: (env: Record<string, string> = {}, options: RunOptions = {}) => {
      const config = loadConfig({ ...BASE_ENV, ...env });
      return createReminders({
        clients: createClients({
          iamEndpoint: f.emulator.url,
          credentials: { accessKeyId: 'AKIATESTREMINDERS01', secretAccessKey: 'test' },
        }),
        ses: createSesClient({
          endpoint: f.emulator.url,
          credentials: { accessKeyId: 'AKIATESTREMINDERS01', secretAccessKey: 'test' },
        }),
        config,
        clock: () => new Date(Date.now() + offset),
        logger: createLogger('reminders-test', (line) => {
          lines.push(line);
          reminderLogLines.push(line);
        }),
        delays: FAST,
        pacing: { initialRate: 10_000, maxRate: 10_000 },
        sesRatePerSecond: options.sesRatePerSecond ?? 1_000,
        reportWaitMs: 5_000,
        webhook: { retryDelayMs: 10, ...options.webhook },
      })();
    },
    mail: async () => {
      const res = await fetch(`${f.emulator.url}/_emulator/mail`);
      return ((await res.json()) as { messages: Mail[] }).messages;
    },
    linkIn: (mail: Mail) => {
      const url = /https:\/\/onboarding\.example\.com\/onboard#[^\s"<]+/.exec(mail.text ?? '')?.[0];
      if (!url) throw new Error(`no link in the mail to ${mail.to.join(', ')}`);
      return { url, token: tokenOf(url) };
    },
    seedUsers: (users: SeedUser[]) => {
      const spec: SeedSpec = {
        groups: [{ name: GROUP }],
        roles: [remindersRoleSeed(ROLE_NAME)],
        users,
      };
      f.seed(spec);
      f.iam.ses.createIdentity(SENDER, [], { verified: true });
    },
    roleTags: async () => {
      const { Tags = [] } = await f.emulator.iam.send(
        new ListRoleTagsCommand({ RoleName: ROLE_NAME }),
      );
      return Object.fromEntries(Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
    },
    userTags: async (userName: string) => {
      const { Tags = [] } = await f.emulator.iam.send(
        new ListUserTagsCommand({ UserName: userName }),
      );
      return Object.fromEntries(Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
    },
    runLogs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  } satisfies Partial<RemindersFixture>);
  return fixture;
}

/** A user under the path, created `days` ago, with these extras. */
export function staffUser(
  name: string,
  options: {
    days?: number;
    email?: string | null;
    path?: string;
    tags?: Record<string, string>;
    mfa?: SeedUser['mfa'];
    groups?: string[];
    password?: boolean;
  } = {},
): SeedUser {
  const email = options.email === undefined ? `${name}@example.com` : options.email;
  return {
    name,
    path: options.path ?? USER_PATH,
    createDate: new Date(Date.now() - (options.days ?? 10) * DAY).toISOString(),
    tags: Object.entries({ ...(email ? { email } : {}), ...options.tags }).map(([key, value]) => ({
      key,
      value,
    })),
    ...(options.mfa ? { mfa: options.mfa } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.password === false ? {} : { password: true }),
  };
}

/** An invitation's identity tag expiring in `ms` (its token, to check it afterwards). */
export function invitationTag(
  userName: string,
  ms: number,
  renewal = false,
): { tags: Record<string, string>; token: string } {
  const { token, record } = newInvitation(
    userName,
    new Date(Math.floor((Date.now() + ms) / 1000) * 1000),
    false,
    renewal,
  );
  return { tags: { [INVITATION_TAG_KEY]: encodeInvitationTag(record) }, token };
}

/** An exemption's tags (until removed). */
export function exemption(reason: string, until: Date | null = null): Record<string, string> {
  return exemptionTags({ reason, until });
}
