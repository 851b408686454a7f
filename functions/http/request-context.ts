// Per-request plumbing shared by both apps: a request id, the deadline for all IAM work of the
// request (inside API Gateway's 30 s), IAM bound to that deadline (aws/iam.ts), a logger carrying
// the request id, and one access-log line per request (method, route, status, time; never headers).

import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { IamClients } from '../aws/clients.ts';
import { iamFor } from '../aws/iam.ts';
import type { IamGateway } from '../aws/iam-gateway.ts';
import type { IamInventory } from '../aws/iam-inventory.ts';
import type { RetryOptions } from '../aws/retry.ts';
import type { Logger } from '../logger.ts';

/** All IAM work of one request must finish within this, leaving headroom under API Gateway's 30 s. */
export const REQUEST_BUDGET_MS = 25_000;

export interface RequestVariables {
  requestId: string;
  /** Epoch ms by which all IAM work of this request must be done. */
  deadline: number;
  /** Per-user IAM work, bound to the deadline. */
  gateway: IamGateway;
  /** Account-wide IAM listings, bound to the same deadline. */
  inventory: IamInventory;
  logger: Logger;
  sourceIp: string;
}

export type AppEnv = { Variables: RequestVariables };

/** Backoff bases of IAM retries (tests shorten them; production keeps retry.ts's defaults). */
export type RetryDelays = Pick<RetryOptions, 'baseDelayMs' | 'throttleBaseDelayMs'>;

export function requestContext(
  clients: IamClients,
  logger: Logger,
  budgetMs = REQUEST_BUDGET_MS,
  retryDelays: RetryDelays = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    // Never from a client header: a caller could forge it to confuse or flood the logs.
    const requestId = platformRequestId(c) ?? randomUUID();
    const ip = sourceIp(c);
    // Every line of the request says who sent it (docs/security.md §5: who, when, what, source IP).
    const requestLogger = logger.child({ requestId, sourceIp: ip });
    c.set('requestId', requestId);
    c.set('logger', requestLogger);
    c.set('sourceIp', ip);
    const deadline = started + budgetMs;
    const iam = iamFor(clients, { deadline, delays: retryDelays });
    c.set('deadline', deadline);
    c.set('gateway', iam.gateway);
    c.set('inventory', iam.inventory);
    await next();
    c.header('X-Request-Id', requestId);
    requestLogger.info('request', {
      method: c.req.method,
      path: c.req.routePath || c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
      sourceIp: c.get('sourceIp'),
    });
  };
}

/** The id API Gateway (or Lambda) gave this request; undefined on the local server. */
function platformRequestId(c: Context): string | undefined {
  const env = c.env as
    | {
        event?: { requestContext?: { requestId?: string } };
        lambdaContext?: { awsRequestId?: string };
      }
    | undefined;
  return env?.event?.requestContext?.requestId ?? env?.lambdaContext?.awsRequestId;
}

/** The account the Lambda runs in, from its own ARN; undefined outside Lambda. */
export function lambdaAccountId(c: Context): string | undefined {
  const env = c.env as { lambdaContext?: { invokedFunctionArn?: string } } | undefined;
  const account = env?.lambdaContext?.invokedFunctionArn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** API Gateway's view of the client address, else the socket's (local server). */
function sourceIp(c: Context): string {
  const env = c.env as
    | {
        event?: { requestContext?: { http?: { sourceIp?: string } } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return (
    env?.event?.requestContext?.http?.sourceIp ??
    env?.incoming?.socket?.remoteAddress ??
    c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ??
    'unknown'
  );
}

/** The bearer credential of the Authorization header, or undefined. */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
