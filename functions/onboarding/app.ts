// The employee-facing function: the onboarding page and the enrollment API. The bearer token is
// the invitation; the user name comes only from the verified token, never from the body.

import { type Context, Hono } from 'hono';
import type { IamClients } from '../aws/iam-gateway.ts';
import { IamGateway } from '../aws/iam-gateway.ts';
import type { Config } from '../config.ts';
import {
  type AccountInfo,
  activate,
  createDevice,
  type EnrollmentDeps,
  enrollmentStatus,
} from '../enrollment/enrollment.ts';
import { activationRequest } from '../enrollment/schemas.ts';
import { InvitationInvalidError } from '../errors.ts';
import { errorBody, onErrorHandler } from '../http/error-response.ts';
import { createLogger, type Logger } from '../http/logger.ts';
import {
  type AppEnv,
  bearerToken,
  REQUEST_BUDGET_MS,
  requestContext,
} from '../http/request-context.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { validated } from '../http/validation.ts';
import { type Clock, verifyInvitation } from '../invitations/invitations.ts';
import type { WebAssets } from './assets.ts';

export interface OnboardingDeps {
  clients: IamClients;
  config: Config;
  assets: WebAssets;
  clock?: Clock;
  logger?: Logger;
  /** Time budget for all IAM work of one request. */
  requestBudgetMs?: number;
}

const ACCOUNT_INFO_TTL_MS = 10 * 60_000;

export function createOnboardingApp(deps: OnboardingDeps) {
  const { config, assets } = deps;
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger ?? createLogger('onboarding');
  const accountInfo = cachedAccountInfo(deps.clients, deps.requestBudgetMs ?? REQUEST_BUDGET_MS);
  const app = new Hono<AppEnv>();

  app.use(requestContext(deps.clients, logger, deps.requestBudgetMs));
  app.use(securityHeaders);
  app.onError(onErrorHandler(logger));
  app.notFound((c) => c.json(errorBody('not_found', 'No such route.'), 404));

  // --- the page -------------------------------------------------------------------------
  app.get('/', (c) => c.redirect('/onboard', 302));
  app.get('/onboard', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(assets.html);
  });
  app.get('/assets/:file', (c) => {
    const file = assets.files[c.req.param('file')];
    if (!file) return c.json(errorBody('not_found', 'No such asset.'), 404);
    c.header('Content-Type', file.contentType);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(file.body);
  });

  // --- the enrollment API ---------------------------------------------------------------
  const enrollmentDeps = (c: Context<AppEnv>): EnrollmentDeps => ({
    gateway: c.get('gateway'),
    config,
    clock,
    logger: c.get('logger'),
    accountInfo,
  });

  const verified = async (c: Context<AppEnv>) => {
    const token = bearerToken(c);
    try {
      if (!token) throw new InvitationInvalidError();
      return await verifyInvitation({ gateway: c.get('gateway'), config, clock }, token);
    } catch (error) {
      if (error instanceof InvitationInvalidError) {
        c.get('logger').warn('enrollment.invitation_rejected', { sourceIp: c.get('sourceIp') });
      }
      throw error;
    }
  };

  app.get('/api/enrollment', async (c) => {
    const invitation = await verified(c);
    return c.json(await enrollmentStatus(enrollmentDeps(c), invitation));
  });

  app.post('/api/enrollment/device', async (c) => {
    const invitation = await verified(c);
    const device = await createDevice(enrollmentDeps(c), invitation);
    c.header('Cache-Control', 'no-store');
    return c.json(device, 201);
  });

  app.post('/api/enrollment/activate', validated('json', activationRequest), async (c) => {
    const invitation = await verified(c);
    const body = c.req.valid('json');
    const log = c.get('logger');
    const fields = { userName: invitation.user.userName, sourceIp: c.get('sourceIp') };
    try {
      const result = await activate(enrollmentDeps(c), invitation, {
        serialNumber: body.serialNumber,
        codes:
          body.code1 !== undefined && body.code2 !== undefined
            ? { code1: body.code1, code2: body.code2 }
            : undefined,
      });
      log.info('enrollment.activate', { ...fields, outcome: 'enrolled' });
      return c.json(result);
    } catch (error) {
      log.warn('enrollment.activate', {
        ...fields,
        outcome: 'failed',
        reason: error instanceof Error ? error.name : 'unknown',
      });
      throw error;
    }
  });

  return app;
}

/** Account id and alias change rarely; fetch them once per container and refresh now and then. */
function cachedAccountInfo(clients: IamClients, budgetMs: number): () => Promise<AccountInfo> {
  let cached: { value: Promise<AccountInfo>; at: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ACCOUNT_INFO_TTL_MS) {
      const gateway = new IamGateway(clients, { deadline: Date.now() + budgetMs });
      const value = Promise.all([gateway.accountId(), gateway.accountAlias()]).then(
        ([accountId, accountAlias]) => ({
          accountId,
          accountAlias,
        }),
      );
      cached = { value, at: Date.now() };
      // A failed lookup must not be cached.
      value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}
