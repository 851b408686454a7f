// SES v2 errors as its restJson1 protocol returns them: the code in the `x-amzn-ErrorType`
// header, the message as `{"message"}` in the body, the HTTP status from the service model.
// Codes, statuses and the message texts we confirmed: docs/ses-facts.md §3.

import type { AwsError } from '../errors.ts';

export class SesError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SesError';
  }
}

export const badRequest = (message: string) => new SesError('BadRequestException', 400, message);
export const notFound = (message: string) => new SesError('NotFoundException', 404, message);
export const alreadyExists = (message: string) =>
  new SesError('AlreadyExistsException', 400, message);
export const messageRejected = (message: string) => new SesError('MessageRejected', 400, message);
export const tooManyRequests = (message = 'Maximum sending rate exceeded.') =>
  new SesError('TooManyRequestsException', 429, message);
export const internalError = () =>
  new SesError('InternalServiceErrorException', 500, 'Internal service error.');

/**
 * The fault injector speaks IAM (Throttling/400, ServiceFailure/500); an SES action answers
 * with SES's own codes for the same faults, so the service's SES retry sees what SES sends.
 * Any other scripted code goes out as given.
 */
export function sesFault(error: AwsError, action: string): SesError {
  if (error.code === 'Throttling') {
    return tooManyRequests(
      action === 'SendEmail' ? 'Maximum sending rate exceeded.' : 'Too many requests.',
    );
  }
  if (error.code === 'ServiceFailure') return internalError();
  return new SesError(error.code, error.status, error.message);
}
