// The HR and admin function: invitations, one user's status, and the live report of users
// without MFA. Authenticated with scoped API keys; documented at /openapi.json.

import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import type { IamClients } from '../aws/clients.ts';
import { iamFor } from '../aws/iam.ts';
import { Pacer, type PacerOptions } from '../aws/pacer.ts';
import { type Clock, systemClock } from '../clock.ts';
import { complianceHistory } from '../compliance/history.ts';
import { csvResponse, usersWithoutMfaReport } from '../compliance/report.ts';
import type { Config } from '../config.ts';
import { enforceMfaGroup } from '../enforcement/enforce.ts';
import { removeExemption, setExemption } from '../exemptions/exemptions.ts';
import { serveAsset, servePage, type WebAssets } from '../http/assets.ts';
import { problemOf } from '../http/batch.ts';
import { ADMIN_MAX_BODY_BYTES, limitBody } from '../http/body-limit.ts';
import { errorBody, onErrorHandler } from '../http/error-response.ts';
import { lambdaAccountId, type RetryDelays, requestContext } from '../http/request-context.ts';
import { mount } from '../http/route.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { issueInvitations } from '../invitations/bulk.ts';
import type { Undelivered } from '../invitations/deliver.ts';
import { revokeInvitation } from '../invitations/invitations.ts';
import { issueInvitation } from '../invitations/issue.ts';
import { createLogger, type Logger } from '../logger.ts';
import { resetMfa } from '../mfa-reset/reset.ts';
import type { OpenApiDocument } from '../openapi/document.ts';
import type { Scope } from './api-keys.ts';
import { type AdminEnv, requireScope } from './auth.ts';
import { adminRoutes } from './routes.ts';
import type { BulkInvitationResponse } from './schemas.ts';
import { userStatus } from './user-status.ts';

export interface AdminDeps {
  clients: IamClients;
  /**
   * SES v2, for emailing links (`"delivery"`); default: a client for config.region, made on the
   * first request that sends (delivery.ts, loaded then).
   */
  ses?: SESv2Client;
  config: Config;
  /** The admin console's page and files (web/admin/). */
  assets: WebAssets;
  /** The account, outside Lambda (where the function's own ARN names it): the local stack's. */
  accountId?: string;
  /** The OpenAPI document (without servers): embedded in the Lambda, generated elsewhere. */
  openApiDocument: () => OpenApiDocument;
  clock?: Clock;
  logger?: Logger;
  requestBudgetMs?: number;
  /** Backoff of IAM retries (tests shorten it). */
  retryDelays?: RetryDelays;
  /** Pacing of the batch routes' IAM calls (aws/pacer.ts; tests speed it up). */
  pacing?: PacerOptions;
  /** Tuning of the compliance scan (tests shorten the credential-report wait). */
  scan?: { reportWaitMs?: number; maxPerUserChecks?: number };
}

export function createAdminApp(deps: AdminDeps) {
  const { config, clients } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger('admin');
  const keys = config.apiKeys;
  let delivery: Promise<typeof import('./delivery.ts')> | undefined;
  let ses: SESv2Client | undefined = deps.ses;
  /** The delivery code and the SES client, once per container, on first use. */
  const loadDelivery = async () => {
    delivery ??= import('./delivery.ts');
    const loaded = await delivery;
    ses ??= loaded.createSesClient({ region: config.region });
    return { ...loaded, ses };
  };
  const app = new Hono<AdminEnv>();

  app.use(requestContext(clients, logger, deps.requestBudgetMs, deps.retryDelays));
  app.use(securityHeaders);
  app.use(limitBody(ADMIN_MAX_BODY_BYTES));
  app.onError(onErrorHandler(logger));
  app.notFound((c) => c.json(errorBody('not_found', 'No such route.'), 404));

  const route = adminRoutes;
  const scoped = (r: { auth: { apiKey: Scope | null } }) => ({
    auth: requireScope(keys, r.auth.apiKey),
  });

  mount(app, route.health, {}, (c) => c.json({ status: 'ok' }));
  mount(app, route.consolePage, {}, (c) => servePage(c, deps.assets));
  mount(app, route.consoleAsset, {}, (c) => serveAsset(c, deps.assets, c.req.param('file') ?? ''));
  const document = () => ({
    ...deps.openApiDocument(),
    servers: [{ url: config.publicBaseUrl }],
  });
  mount(app, route.openApi, {}, (c) => c.json(document()));

  /** IAM for a request that makes hundreds of calls: each paced (aws/pacer.ts). */
  const pacedIam = (deadline: number) =>
    iamFor(clients, { deadline, delays: deps.retryDelays, pace: new Pacer(deps.pacing) });

  /** SES for a request: its sends stop in time to take back a link they could not send. */
  const mailerFor = (d: Awaited<ReturnType<typeof loadDelivery>>, deadline: number) =>
    d.sesMailer(d.ses, config, { deadline: d.sendDeadline(deadline), delays: deps.retryDelays });
  /** The audit line of a link issued but not sent (whether it was taken back). */
  const undelivered = (c: Context<AdminEnv>) => (u: Undelivered) =>
    c.get('logger').warn('admin.invitation_not_delivered', {
      keyName: c.get('apiKeyName'),
      userName: u.userName,
      channel: 'email',
      errorCode: u.errorCode,
      outcome: u.outcome,
    });

  mount(app, route.enforceMfaGroup, scoped(route.enforceMfaGroup), async (c, { json }) => {
    const deadline = c.get('deadline');
    const outcomes = await enforceMfaGroup(
      { ...pacedIam(deadline), config, clock, deadline },
      json.userNames,
    );
    const results = outcomes.map((o) =>
      'value' in o
        ? { userName: o.userName, status: 200 as const, outcome: o.value }
        : {
            userName: o.userName,
            ...problemOf(o.error, [404, 409, 503] as const, c.get('logger'), o.userName),
          },
    );
    for (const r of results) {
      c.get('logger').info('admin.enforcement', {
        keyName: c.get('apiKeyName'),
        userName: r.userName,
        groupName: config.forceMfaGroup,
        status: r.status,
        outcome: 'outcome' in r ? r.outcome : null,
        errorCode: 'error' in r ? r.error.code : null,
      });
    }
    return c.json({ results });
  });

  mount(app, route.me, scoped(route.me), (c) =>
    c.json({ name: c.get('apiKeyName'), scopes: [...c.get('apiKeyScopes')] }),
  );

  mount(app, route.issueInvitation, scoped(route.issueInvitation), async (c, { json }) => {
    if (json.delivery !== undefined) {
      const d = await loadDelivery();
      const deadline = c.get('deadline');
      const sent = await d.issueAndDeliver(
        {
          // Issuing gives up early enough to leave a failed link's take-back its time.
          gateway: c.get('gateway').until(d.sendDeadline(deadline)),
          revokeGateway: c.get('gateway'),
          config,
          clock,
          mailer: mailerFor(d, deadline),
          onUndelivered: undelivered(c),
        },
        json.userName,
        json.delivery,
        json.ttlHours,
      );
      // The masked address only: the link and the address stay out of the log.
      c.get('logger').info('admin.invitation_issued', {
        keyName: c.get('apiKeyName'),
        userName: sent.userName,
        expiresAt: sent.expiresAt,
        finishOnly: sent.finishOnly,
        delivered: 'email',
        deliveredTo: sent.delivered.to,
      });
      return c.json(sent, 201);
    }
    const issued = await issueInvitation(
      { gateway: c.get('gateway'), config, clock },
      json.userName,
      json.ttlHours,
    );
    c.get('logger').info('admin.invitation_issued', {
      keyName: c.get('apiKeyName'),
      userName: issued.userName,
      expiresAt: issued.expiresAt.toISOString(),
      finishOnly: issued.finishOnly,
    });
    return c.json(
      {
        userName: issued.userName,
        url: issued.url,
        expiresAt: issued.expiresAt.toISOString(),
        finishOnly: issued.finishOnly,
      },
      201,
    );
  });

  mount(app, route.bulkInvitations, scoped(route.bulkInvitations), async (c, { json }) => {
    const deadline = c.get('deadline');
    const reportWaitMs = deps.scan?.reportWaitMs;
    const FAILED = [400, 404, 409, 422, 502, 503, 504] as const;
    let results: BulkInvitationResponse['results'];
    if (json.delivery === 'email') {
      // Issuing stops early enough to leave the sends (and the take-backs) their time.
      const d = await loadDelivery();
      const issueBy = d.bulkIssueDeadline(deadline);
      const outcomes = await d.issueAndDeliverMany(
        {
          ...pacedIam(issueBy),
          config,
          clock,
          deadline: issueBy,
          reportWaitMs,
          mailer: mailerFor(d, deadline),
          revokeGateway: pacedIam(deadline).gateway,
          onUndelivered: undelivered(c),
        },
        json.userNames,
        json.ttlHours,
      );
      results = outcomes.map((o) =>
        'value' in o
          ? { ...o.value, userName: o.userName, status: 201 as const }
          : { userName: o.userName, ...problemOf(o.error, FAILED, c.get('logger'), o.userName) },
      );
    } else {
      const outcomes = await issueInvitations(
        { ...pacedIam(deadline), config, clock, deadline, reportWaitMs },
        json.userNames,
        json.ttlHours,
      );
      results = outcomes.map((o) =>
        'value' in o
          ? {
              userName: o.userName,
              status: 201 as const,
              url: o.value.url,
              expiresAt: o.value.expiresAt.toISOString(),
              finishOnly: o.value.finishOnly,
            }
          : { userName: o.userName, ...problemOf(o.error, FAILED, c.get('logger'), o.userName) },
      );
    }
    const logger = c.get('logger');
    for (const r of results) {
      // The same event as a single issue, so one query finds every link handed out.
      if (r.status === 201)
        logger.info('admin.invitation_issued', {
          keyName: c.get('apiKeyName'),
          userName: r.userName,
          expiresAt: r.expiresAt ?? null,
          finishOnly: r.finishOnly ?? null,
          ...(r.delivered ? { delivered: 'email', deliveredTo: r.delivered.to } : {}),
          bulk: true,
        });
      else
        logger.info('admin.invitation_not_issued', {
          keyName: c.get('apiKeyName'),
          userName: r.userName,
          status: r.status,
          errorCode: r.error?.code ?? null,
          bulk: true,
        });
    }
    return c.json({ results });
  });

  mount(app, route.revokeInvitation, scoped(route.revokeInvitation), async (c, { params }) => {
    await revokeInvitation({ gateway: c.get('gateway'), config }, params.userName);
    c.get('logger').info('admin.invitation_revoked', {
      keyName: c.get('apiKeyName'),
      userName: params.userName,
    });
    return c.body(null, 204);
  });

  mount(app, route.userStatus, scoped(route.userStatus), async (c, { params }) =>
    c.json(await userStatus({ gateway: c.get('gateway'), config, clock }, params.userName)),
  );

  mount(app, route.setExemption, scoped(route.setExemption), async (c, { params, json }) => {
    const set = await setExemption({ gateway: c.get('gateway'), config, clock }, params.userName, {
      reason: json.reason,
      until: json.until === undefined ? null : new Date(json.until),
    });
    const until = set.until?.toISOString() ?? null;
    // The reason is in IAM (and CloudTrail's TagUser record); the log keeps its length only.
    c.get('logger').info('admin.exemption_set', {
      keyName: c.get('apiKeyName'),
      userName: set.userName,
      until,
      reasonLength: set.reason.length,
    });
    return c.json({ userName: set.userName, reason: set.reason, until });
  });

  mount(app, route.removeExemption, scoped(route.removeExemption), async (c, { params }) => {
    const removed = await removeExemption({ gateway: c.get('gateway'), config }, params.userName);
    c.get('logger').info('admin.exemption_removed', {
      keyName: c.get('apiKeyName'),
      userName: params.userName,
      existed: removed !== undefined,
      until: removed?.until?.toISOString() ?? null,
    });
    return c.body(null, 204);
  });

  mount(app, route.resetMfa, scoped(route.resetMfa), async (c, { params, json }) => {
    // As for exemptions, the log keeps the reason's length, not its text: a ticket number is what
    // an audit needs to find the reason, and free text can carry personal data into the logs.
    const logger = c.get('logger');
    const audit = { keyName: c.get('apiKeyName'), userName: params.userName };
    const reset = await resetMfa(
      {
        gateway: c.get('gateway'),
        config,
        clock,
        // One line per device as it comes off: a reset that fails later still leaves the record.
        onDeactivated: (serialNumber) =>
          logger.info('admin.mfa_device_deactivated', {
            ...audit,
            serialNumber,
            reasonLength: json.reason.length,
          }),
      },
      params.userName,
    );
    logger.info('admin.mfa_reset', {
      keyName: c.get('apiKeyName'),
      userName: reset.userName,
      // The logger takes scalars; serials hold no space.
      deactivated: reset.deactivated.join(' '),
      deactivatedCount: reset.deactivated.length,
      expiresAt: reset.expiresAt.toISOString(),
      reasonLength: json.reason.length,
    });
    return c.json(
      {
        userName: reset.userName,
        url: reset.url,
        expiresAt: reset.expiresAt.toISOString(),
        finishOnly: reset.finishOnly,
        deactivated: reset.deactivated,
      },
      201,
    );
  });

  mount(app, route.usersWithoutMfa, scoped(route.usersWithoutMfa), async (c, { query }) => {
    const report = await usersWithoutMfaReport(
      {
        gateway: c.get('gateway'),
        inventory: c.get('inventory'),
        callerAccountId: lambdaAccountId(c) ?? deps.accountId,
        config,
        clock,
        deadline: c.get('deadline'),
        scan: deps.scan,
      },
      query,
    );
    c.get('logger').info('admin.compliance_report', {
      keyName: c.get('apiKeyName'),
      totalUsers: report.totalUsers,
      usersWithoutMfa: report.users.length,
      exempt: report.summary.exempt,
      format: query.format,
    });
    if (query.format === 'csv') return csvResponse(report);
    return c.json(report);
  });

  mount(app, route.complianceHistory, scoped(route.complianceHistory), async (c, { query }) => {
    const history = await complianceHistory(
      { inventory: c.get('inventory'), clock, deadline: c.get('deadline'), scan: deps.scan },
      query.days,
    );
    c.get('logger').info('admin.compliance_history', {
      keyName: c.get('apiKeyName'),
      days: query.days,
      limitations: history.limitations.length,
    });
    return c.json(history);
  });

  return app;
}
