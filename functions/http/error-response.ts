// The single place that turns errors into HTTP answers: each of the product's own errors
// (errors.ts) becomes `{"error":{"code","message"}}` with its status. Anything else, an IAM error
// the domain did not expect included, is a plain 500 with no detail; its name is logged.

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { IamError } from '../aws/iam-error.ts';
import {
  BadInputError,
  ConflictError,
  DeliveryError,
  ForbiddenError,
  InvalidCodeError,
  InvitationInvalidError,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  TooManyAttemptsError,
  UnauthorizedError,
  UserNotFoundError,
} from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ErrorResponse } from '../schemas.ts';

export function errorBody(
  code: string,
  message: string,
  details: Omit<ErrorResponse['error'], 'code' | 'message'> = {},
): ErrorResponse {
  return { error: { code, message, ...details } };
}

interface Mapped {
  status: ContentfulStatusCode;
  body: ErrorResponse;
  headers?: Record<string, string>;
}

export function mapError(error: unknown): Mapped | undefined {
  if (error instanceof InvitationInvalidError)
    return { status: 401, body: errorBody('invalid_invitation', error.message) };
  if (error instanceof UnauthorizedError) {
    return {
      status: 401,
      body: errorBody('unauthorized', error.message),
      headers: { 'WWW-Authenticate': 'Bearer' },
    };
  }
  if (error instanceof ForbiddenError)
    return { status: 403, body: errorBody('forbidden', error.message) };
  if (error instanceof BadInputError)
    return { status: 400, body: errorBody(error.code, error.message) };
  if (error instanceof UserNotFoundError)
    return { status: 404, body: errorBody('user_not_found', error.message) };
  if (error instanceof ConflictError)
    return { status: 409, body: errorBody(error.code, error.message) };
  if (error instanceof InvalidCodeError) {
    return {
      status: 422,
      body: errorBody('invalid_code', error.message, {
        attemptsRemaining: error.attemptsRemaining,
      }),
    };
  }
  if (error instanceof TooManyAttemptsError)
    return { status: 429, body: errorBody('too_many_attempts', error.message) };
  if (error instanceof ServiceUnavailableError) {
    return {
      status: 503,
      body: errorBody('service_unavailable', error.message),
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof DeliveryError) {
    // 422: the request names a user without an address (fix the tag or name one). 502: SES, the
    // service's upstream, refused a valid request (its setup must change; a repeat is refused
    // alike, so no Retry-After). 503: SES stayed busy; a repeat soon may work.
    if (error.code === 'no_email_address')
      return { status: 422, body: errorBody(error.code, error.message) };
    if (error.code === 'email_rejected')
      return { status: 502, body: errorBody(error.code, error.message) };
    // 504: SES did not answer in time, so whether it sent the mail is unknown (its link stays).
    if (error.code === 'email_unconfirmed')
      return { status: 504, body: errorBody(error.code, error.message) };
    return {
      status: 503,
      body: errorBody(error.code, error.message),
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    };
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return {
      status,
      body: errorBody(
        status === 404 ? 'not_found' : 'bad_request',
        error.message || 'Bad request.',
      ),
    };
  }
  return undefined;
}

export function onErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    const mapped = mapError(error);
    if (mapped) {
      for (const [name, value] of Object.entries(mapped.headers ?? {})) c.header(name, value);
      return c.json(mapped.body, mapped.status);
    }
    logUnexpected(logger, 'request.failed', error);
    return c.json(errorBody('internal_error', INTERNAL_ERROR_MESSAGE), 500);
  };
}

export const INTERNAL_ERROR_MESSAGE = 'Something went wrong on our side. Please try again later.';

/** An error nobody expected: its name and IAM's code and operation, never its message. */
export function logUnexpected(
  logger: Logger,
  event: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): void {
  logger.error(event, {
    ...fields,
    errorName: error instanceof Error ? error.name : 'unknown',
    errorCode: error instanceof IamError ? error.awsCode : undefined,
    operation: error instanceof IamError ? error.operation : undefined,
  });
}
