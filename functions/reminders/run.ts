// One scheduled reminders run (functions/reminders.ts): drives "users without MFA" to zero with
// no one touching it.
//   1. the lease on the run's own role (ledger.ts): another run working means this one stops;
//   2. one read of the account (compliance/scan.ts: the listings and the credential report);
//   3. who to email (selection.ts): with AUTO_INVITE, users without MFA old enough, with an
//      address, not exempt, without a pending link; and every pending link expiring within a
//      day, once per chain (renewal.ts);
//   4. their links issued and mailed (deliver.ts);
//   5. the digest (digest.ts) posted to DIGEST_WEBHOOK_URL (webhook.ts), once a UTC day.
// Running it twice in a row sends nothing twice: the invited now have pending links (not invited
// again), the renewed carry the renewal mark (not renewed again), and the digest day is on the
// role. One log line per action: reminders.invited, .renewed, .failed, .digest.

import { randomUUID } from 'node:crypto';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { IamClients } from '../aws/clients.ts';
import { type Iam, iamFor } from '../aws/iam.ts';
import { Pacer, type PacerOptions } from '../aws/pacer.ts';
import type { RetryOptions } from '../aws/retry.ts';
import { type Clock, systemClock } from '../clock.ts';
import { reportWaitWithin } from '../compliance/credential-report.ts';
import { scanAccount } from '../compliance/scan.ts';
import type { Config } from '../config.ts';
import { accountLabel, type Mailer, sesMailer } from '../delivery/email.ts';
import { withProductErrors } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { type Delivered, deliverAll } from './deliver.ts';
import { digestPayload, type RunOutcome } from './digest.ts';
import { type Lease, type Ledger, roleLedger, utcDay } from './ledger.ts';
import { selectCandidates } from './selection.ts';
import { postWebhook, type WebhookError, type WebhookOptions } from './webhook.ts';

/** A run's IAM and SES work stops starting new calls after this (the function's timeout is 300 s). */
export const REMINDERS_BUDGET_MS = 4 * 60_000;
/** Kept after the last identity write for the device and key steps, the emails and the digest. */
const AFTER_WRITES_MS = 90_000;
/** Kept after the last email for taking back what was not mailed, and the digest. */
const AFTER_MAILS_MS = 30_000;
/** How long a run waits for a credential report being generated (it settles who has MFA). */
const REPORT_WAIT_MS = 60_000;
/** SES's maximum send rate to pace to, when not told (a production account's starting rate). */
const DEFAULT_SES_RATE = 14;

export type DigestResult = 'posted' | 'already_posted' | 'not_configured' | 'failed';

export interface RunSummary {
  /** False when another run held the lease: nothing was read, sent or posted. */
  ran: boolean;
  invited: number;
  renewed: number;
  failed: number;
  /** Selected, but left for the next run (time was up). */
  deferred: number;
  /** Selected, but nothing written: the rules refused, or the link changed since the read. */
  skipped: number;
  digest?: DigestResult;
}

export interface RunDeps {
  iam: Iam;
  mailer: Mailer;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Epoch ms after which no IAM or SES call starts. */
  deadline: number;
  /** The run's own role, whose tags hold the lease and the digest day; none: no lease, no record. */
  ledger?: Ledger;
  /** SES's sending rate, messages per second. */
  sesRatePerSecond?: number;
  /** The digest's POST (tests shorten the waits). */
  webhook?: Omit<WebhookOptions, 'deadline'>;
  reportWaitMs?: number;
}

export async function runReminders(deps: RunDeps): Promise<RunSummary> {
  const { ledger, logger } = deps;
  const lease = ledger ? await withProductErrors(() => ledger.acquire(deps.clock())) : undefined;
  if (ledger && !lease) {
    logger.warn('reminders.busy', { reason: 'another run holds the lease' });
    return { ran: false, invited: 0, renewed: 0, failed: 0, deferred: 0, skipped: 0 };
  }
  try {
    return await withProductErrors(() => run(deps, lease));
  } finally {
    if (ledger && lease) await ledger.release(lease, deps.clock());
  }
}

async function run(deps: RunDeps, lease: Lease | undefined): Promise<RunSummary> {
  const { iam, config, clock, logger } = deps;
  const scan = await scanAccount(
    {
      gateway: iam.gateway,
      inventory: iam.inventory,
      forceMfaGroup: config.forceMfaGroup,
      maxCodeAttempts: config.maxCodeAttempts,
      now: clock,
      reportWaitMs: reportWaitWithin(deps.deadline, deps.reportWaitMs ?? REPORT_WAIT_MS),
    },
    { pathPrefix: config.userPathPrefix },
  );
  const { invite, renew } = selectCandidates(config, scan, clock());
  const label = accountLabel(
    await iam.gateway.accountAlias().catch(() => undefined),
    scan.report.accountId,
  );
  const delivered =
    invite.length + renew.length === 0
      ? []
      : await deliverAll(
          {
            gateway: iam.gateway,
            inventory: iam.inventory,
            config,
            clock,
            mailer: deps.mailer,
            mailPace: new Pacer({
              initialRate: deps.sesRatePerSecond ?? DEFAULT_SES_RATE,
              maxRate: deps.sesRatePerSecond ?? DEFAULT_SES_RATE,
            }),
            logger,
            lastWrite: deps.deadline - AFTER_WRITES_MS,
            lastMail: deps.deadline - AFTER_MAILS_MS,
            accountLabel: label,
          },
          // Renewals first: their links are about to stop working.
          [...renew, ...invite],
        );
  const outcome = outcomeOf(delivered);
  const summary: RunSummary = {
    ran: true,
    invited: outcome.invited.length,
    renewed: outcome.renewed.length,
    failed: outcome.failed.length,
    deferred: outcome.deferred.length,
    skipped: delivered.filter((d) => d.result === 'skipped').length,
  };

  summary.digest = await postDigest(deps, lease, () =>
    digestPayload({
      config,
      report: scan.report,
      detailed: scan.detailed,
      outcome,
      accountLabel: label,
      now: clock(),
    }),
  );
  logger.info('reminders.completed', { ...summary });
  return summary;
}

function outcomeOf(delivered: Delivered[]): RunOutcome {
  const names = (pick: (d: Delivered) => boolean) => delivered.filter(pick).map((d) => d.userName);
  return {
    invited: names((d) => d.result === 'sent' && d.kind === 'invitation'),
    renewed: names((d) => d.result === 'sent' && d.kind === 'renewal'),
    failed: names((d) => d.result === 'failed'),
    deferred: names((d) => d.result === 'deferred'),
  };
}

/** Posts the digest unless none is configured or one went out today (the ledger's day). */
async function postDigest(
  deps: RunDeps,
  lease: Lease | undefined,
  payload: () => unknown,
): Promise<DigestResult> {
  const { config, ledger, logger } = deps;
  const url = config.digestWebhookUrl;
  const today = utcDay(deps.clock());
  if (!url) {
    logger.info('reminders.digest', { result: 'not_configured' });
    return 'not_configured';
  }
  if (ledger && lease && ledger.digestDay(lease) === today) {
    logger.info('reminders.digest', { result: 'already_posted', day: today });
    return 'already_posted';
  }
  try {
    const { attempts } = await postWebhook(url, payload(), {
      ...deps.webhook,
      // The digest may use the time kept after the emails.
      deadline: deps.deadline,
    });
    let recorded = false;
    if (ledger) {
      recorded = await ledger
        .markDigest(today)
        .then(() => true)
        .catch(() => false);
    }
    logger.info('reminders.digest', { result: 'posted', day: today, attempts, recorded });
    return 'posted';
  } catch (error) {
    logger.warn('reminders.digest', {
      result: 'failed',
      day: today,
      status: (error as WebhookError).status ?? null,
      errorName: error instanceof Error ? error.name : 'unknown',
    });
    return 'failed';
  }
}

/** The scheduled function: one run with its own time budget, from module-scope clients. */
export function createReminders(deps: {
  clients: IamClients;
  ses: SESv2Client;
  /** Its remindersRoleName (REMINDERS_ROLE_NAME) is the role holding the lease and digest day. */
  config: Config;
  clock?: Clock;
  logger?: Logger;
  budgetMs?: number;
  /** Backoff of the IAM and SES retries, and the pacing of IAM calls (tests speed them up). */
  delays?: Omit<RetryOptions, 'deadline' | 'pace'>;
  pacing?: PacerOptions;
  sesRatePerSecond?: number;
  webhook?: RunDeps['webhook'];
  reportWaitMs?: number;
}): () => Promise<RunSummary> {
  const logger = deps.logger ?? createLogger('reminders');
  return () => {
    const deadline = Date.now() + (deps.budgetMs ?? REMINDERS_BUDGET_MS);
    const iam = iamFor(deps.clients, {
      deadline,
      delays: deps.delays,
      pace: new Pacer(deps.pacing),
    });
    return runReminders({
      iam,
      // Each email may retry until the run's last email moment; the rest is for what follows.
      mailer: sesMailer(deps.ses, deps.config, {
        deadline: deadline - AFTER_MAILS_MS,
        delays: deps.delays,
      }),
      config: deps.config,
      clock: deps.clock ?? systemClock,
      logger: logger.child({ runId: randomUUID() }),
      deadline,
      ledger: deps.config.remindersRoleName
        ? roleLedger(iam.roleTags, deps.config.remindersRoleName)
        : undefined,
      sesRatePerSecond: deps.sesRatePerSecond,
      webhook: deps.webhook,
      reportWaitMs: deps.reportWaitMs,
    });
  };
}
