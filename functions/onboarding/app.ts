// The employee-facing function: the onboarding page and the enrollment API. The bearer token is
// the invitation; the user name comes only from the verified token, never from the body.

import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono/tiny';
import type { IamClients } from '../aws/clients.ts';
import { iamFor } from '../aws/iam.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { Config } from '../config.ts';
import {
  activate,
  createDevice,
  type EnrollmentDeps,
  enrollmentStatus,
} from '../enrollment/enrollment.ts';
import { InvitationInvalidError } from '../errors.ts';
import { serveAsset, servePage, type WebAssets } from '../http/assets.ts';
import { limitBody, ONBOARDING_MAX_BODY_BYTES } from '../http/body-limit.ts';
import { errorBody, onErrorHandler } from '../http/error-response.ts';
import {
  type AppEnv,
  bearerToken,
  REQUEST_BUDGET_MS,
  type RetryDelays,
  requestContext,
} from '../http/request-context.ts';
import { mount } from '../http/route.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { type VerifiedInvitation, verifyInvitation } from '../invitations/invitations.ts';
import { createLogger, type Logger } from '../logger.ts';
import { onboardingRoutes } from './routes.ts';

export interface OnboardingDeps {
  clients: IamClients;
  config: Config;
  assets: WebAssets;
  clock?: Clock;
  logger?: Logger;
  /** Time budget for all IAM work of one request. */
  requestBudgetMs?: number;
  /** Backoff of IAM retries (tests shorten it). */
  retryDelays?: RetryDelays;
}

type OnboardingEnv = AppEnv & {
  Variables: AppEnv['Variables'] & { invitation: VerifiedInvitation };
};

const ACCOUNT_ALIAS_TTL_MS = 10 * 60_000;
export function createOnboardingApp(deps: OnboardingDeps) {
  const { config, assets } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger('onboarding');
  const accountAlias = cachedAccountAlias(deps.clients, deps.requestBudgetMs ?? REQUEST_BUDGET_MS);
  const app = new Hono<OnboardingEnv>();

  app.use(requestContext(deps.clients, logger, deps.requestBudgetMs, deps.retryDelays));
  app.use(securityHeaders);
  app.use(limitBody(ONBOARDING_MAX_BODY_BYTES));
  app.onError(onErrorHandler(logger));
  app.notFound((c) => c.json(errorBody('not_found', 'No such route.'), 404));

  const route = onboardingRoutes;

  // --- the page -------------------------------------------------------------------------
  mount(app, route.root, {}, (c) => c.redirect('/onboard', 302));
  mount(app, route.page, {}, (c) => servePage(c, assets));
  mount(app, route.asset, {}, (c) => serveAsset(c, assets, c.req.param('file') ?? ''));

  // --- the enrollment API ---------------------------------------------------------------
  // Malformed input is refused first, costing no IAM call; then the invitation is checked, and
  // every unusable link gets the same 401.
  const requireInvitation: MiddlewareHandler<OnboardingEnv> = async (c, next) => {
    const token = bearerToken(c);
    try {
      if (!token) throw new InvitationInvalidError();
      c.set(
        'invitation',
        await verifyInvitation({ gateway: c.get('gateway'), config, clock }, token),
      );
    } catch (error) {
      if (error instanceof InvitationInvalidError)
        c.get('logger').warn('enrollment.invitation_rejected');
      throw error;
    }
    await next();
  };
  const invited = { auth: requireInvitation, authAfterInput: true };

  const enrollmentDeps = (c: Context<OnboardingEnv>): EnrollmentDeps => ({
    gateway: c.get('gateway'),
    config,
    clock,
    logger: c.get('logger'),
    accountAlias,
  });

  mount(app, route.enrollmentStatus, invited, async (c) =>
    c.json(await enrollmentStatus(enrollmentDeps(c), c.get('invitation'))),
  );

  mount(app, route.createDevice, invited, async (c) => {
    const device = await createDevice(enrollmentDeps(c), c.get('invitation'));
    c.header('Cache-Control', 'no-store');
    return c.json(device, 201);
  });

  mount(app, route.activate, invited, async (c, { json: body }) => {
    const invitation = c.get('invitation');
    const log = c.get('logger');
    const userName = invitation.user.userName;
    try {
      const result = await activate(enrollmentDeps(c), invitation, {
        serialNumber: body.serialNumber,
        codes:
          body.code1 !== undefined && body.code2 !== undefined
            ? { code1: body.code1, code2: body.code2 }
            : undefined,
      });
      log.info('enrollment.activate', { userName, outcome: 'enrolled' });
      return c.json(result);
    } catch (error) {
      log.warn('enrollment.activate', {
        userName,
        outcome: 'failed',
        reason: error instanceof Error ? error.name : 'unknown',
      });
      throw error;
    }
  });

  return app;
}

/** The alias changes rarely: fetch it once per container and refresh now and then. */
function cachedAccountAlias(
  clients: IamClients,
  budgetMs: number,
): () => Promise<string | undefined> {
  let cached: { value: Promise<string | undefined>; at: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ACCOUNT_ALIAS_TTL_MS) {
      const value = iamFor(clients, { deadline: Date.now() + budgetMs }).gateway.accountAlias();
      cached = { value, at: Date.now() };
      // A failed lookup must not be cached.
      value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}
