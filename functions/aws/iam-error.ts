// How an IAM or STS call that failed for good looks to the rest of the code: an IamError of one
// kind, named after the SDK exception, the SDK's error kept as its cause. Only aws/ makes these;
// what a kind means for the product (a missing user, IAM busy) is the domain's call
// (functions/errors.ts).

export type IamErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'delete-conflict'
  | 'invalid-code'
  | 'limit-exceeded'
  | 'invalid-input'
  | 'access-denied'
  | 'report-not-ready'
  /** A 500 or a dropped connection on a call not retried: it may or may not have been done. */
  | 'unknown-outcome'
  /**
   * The retries ran out of time: IAM throttled or refused every try (or, on a call safe to
   * repeat, kept failing) until the deadline.
   */
  | 'unavailable'
  | 'other';

/** An IAM error the retries could not (or must not) absorb, by kind. */
export class IamError extends Error {
  override name = 'IamError';
  constructor(
    readonly kind: IamErrorKind,
    /** The SDK exception's name (`NoSuchEntityException`, `Throttling`, ...). */
    readonly awsCode: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed with ${awsCode}`, options);
  }
}

export const isIamError = (error: unknown, kind: IamErrorKind): error is IamError =>
  error instanceof IamError && error.kind === kind;

const KINDS: Record<string, IamErrorKind> = {
  NoSuchEntityException: 'not-found',
  EntityAlreadyExistsException: 'already-exists',
  DeleteConflictException: 'delete-conflict',
  InvalidAuthenticationCodeException: 'invalid-code',
  LimitExceededException: 'limit-exceeded',
  InvalidInputException: 'invalid-input',
  ValidationError: 'invalid-input',
  AccessDenied: 'access-denied',
  AccessDeniedException: 'access-denied',
  CredentialReportNotPresentException: 'report-not-ready',
  CredentialReportNotReadyException: 'report-not-ready',
  CredentialReportExpiredException: 'report-not-ready',
};

export const errorName = (error: unknown): string =>
  error instanceof Error ? error.name : 'Unknown';

/** An SDK error that IAM answered with and that no retry changes, by its kind. */
export function iamErrorOf(operation: string, error: unknown): IamError {
  const name = errorName(error);
  return new IamError(KINDS[name] ?? 'other', name, operation, { cause: error });
}
