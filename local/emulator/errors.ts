// IAM/STS errors as the Query protocol returns them: a code, an HTTP status from the
// service model, and a message (some real errors carry none). Facts: docs/iam-facts.md §1.3, §3.

export class AwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message?: string,
  ) {
    super(message ?? code);
    this.hasMessage = message !== undefined;
  }
  readonly hasMessage: boolean;
  /** `Sender` for client faults (4xx), `Receiver` for service faults (5xx). */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', 404, message);
export const entityAlreadyExists = (message: string) =>
  new AwsError('EntityAlreadyExists', 409, message);
export const deleteConflict = (message: string) => new AwsError('DeleteConflict', 409, message);
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', 409, message);
export const invalidInput = (message: string) => new AwsError('InvalidInput', 400, message);
export const validationError = (message: string) => new AwsError('ValidationError', 400, message);
export const invalidAuthenticationCode = (message: string) =>
  new AwsError('InvalidAuthenticationCode', 403, message);
export const accessDenied = (message: string) => new AwsError('AccessDenied', 403, message);
export const throttling = () => new AwsError('Throttling', 400, 'Rate exceeded');
export const serviceFailure = () =>
  new AwsError('ServiceFailure', 500, 'Service encountered an internal error.');

export const userNotFound = (userName: string) =>
  noSuchEntity(`The user with name ${userName} cannot be found.`);
export const groupNotFound = (groupName: string) =>
  noSuchEntity(`The group with name ${groupName} cannot be found.`);
export const mfaNotFound = (serial: string) =>
  noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
