// The product's own errors, and what IAM's error kinds mean for the product: a NoSuchEntity
// about a user means that user is gone (aboutUser), and IAM still busy when the time ran out
// means "try again in a few seconds" (withProductErrors). Domain code throws these;
// `http/error-response.ts` alone decides which HTTP status and error code each becomes. None
// carries a secret in its message. Each has a literal name: the bundles are minified, and class
// names do not survive that, while the logs report errors by name.
// Constructors that take an error code take it first, then the message, as the error envelope
// `{"code","message"}` lists them.

import { isIamError } from './aws/iam-error.ts';

export abstract class AppError extends Error {
  abstract override readonly name: string;
}

/** Unknown, malformed, expired, revoked or used invitation: deliberately one answer for all. */
export class InvitationInvalidError extends AppError {
  override readonly name = 'InvitationInvalidError';
  constructor() {
    super(
      'This onboarding link is not valid. It may have expired or been replaced by a newer one.',
    );
  }
}

/** Too many wrong codes were submitted with this invitation. */
export class TooManyAttemptsError extends AppError {
  override readonly name = 'TooManyAttemptsError';
  constructor() {
    super('Too many incorrect codes were entered. Ask for a new onboarding link.');
  }
}

export class BadInputError extends AppError {
  override readonly name = 'BadInputError';
  constructor(
    /** `bad_request` for a malformed request; a more precise code where the client can act on it. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class UserNotFoundError extends AppError {
  override readonly name = 'UserNotFoundError';
  constructor(userName: string, options?: { cause?: unknown }) {
    super(`The IAM user ${userName} no longer exists.`, options);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidCodeError extends AppError {
  override readonly name = 'InvalidCodeError';
  constructor(readonly attemptsRemaining: number) {
    super('The codes were not accepted. Enter two consecutive codes from your authenticator app.');
  }
}

/** Seconds a client is told to wait when IAM stays busy past a request's time budget. */
export const RETRY_AFTER_SECONDS = 5;

/** IAM kept failing or throttling within the request's time budget. */
export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError';
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('AWS IAM is busy right now. Please try again shortly.', options);
  }
}

/**
 * An onboarding link could not be emailed: `no_email_address` (the user has no usable address:
 * refused before anything is written), `email_rejected` (SES refused the message: its setup must
 * change first), `email_unavailable` (SES stayed busy within the request's time) or
 * `email_unconfirmed` (SES may have accepted it: the link stays). Thrown by
 * functions/delivery/email.ts; http/error-response.ts gives each its status.
 */
export class DeliveryError extends AppError {
  override readonly name = 'DeliveryError';
  constructor(
    readonly code:
      | 'no_email_address'
      | 'email_rejected'
      | 'email_unavailable'
      | 'email_unconfirmed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No API key, or one that is not configured (unknown, revoked). */
export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError';
  constructor() {
    super('A valid API key is required (Authorization: Bearer <key>).');
  }
}

/** A valid API key without the scope this route needs. */
export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(readonly scope: string) {
    super(`This API key lacks the scope ${scope}.`);
  }
}

/**
 * The product's error for what an operation threw, where an IAM error kind has a meaning of its
 * own: IAM throttling (or failing) until the deadline is ServiceUnavailableError, with the
 * Retry-After the product chooses. Anything else is returned as it is: an IAM error the domain
 * did not expect stays unknown, and becomes a 500.
 */
export function productError(error: unknown): unknown {
  if (isIamError(error, 'unavailable'))
    return new ServiceUnavailableError(RETRY_AFTER_SECONDS, { cause: error });
  return error;
}

/**
 * Runs one operation of the product (what a route or a sweep asks of the domain), so that what it
 * throws is in the product's terms (productError). Inside, the IAM kinds stay as they are, for
 * the domain to tell apart.
 */
export async function withProductErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw productError(error);
  }
}

/**
 * Runs IAM calls about one user: NoSuchEntity there means the user does not exist (or was
 * deleted mid-request), which callers answer with a 404, never a 500. Wrap only calls whose
 * NoSuchEntity can mean nothing else: one about a device serial or a group must be settled where
 * it is made (a missing device is not a missing user).
 */
export async function aboutUser<T>(userName: string, calls: () => Promise<T>): Promise<T> {
  try {
    return await calls();
  } catch (error) {
    if (isIamError(error, 'not-found')) throw new UserNotFoundError(userName, { cause: error });
    throw error;
  }
}
