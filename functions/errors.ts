// The product's own errors. Domain code throws these; `http/error-response.ts` alone decides
// which HTTP status and error code each becomes. None carries a secret in its message.
// Each has a literal name: the bundles are minified, and class names do not survive that, while
// the logs report errors by name.
// Constructors that take an error code take it first, then the message, as the error envelope
// `{"code","message"}` lists them.

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
