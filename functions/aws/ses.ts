// Amazon SES v2, the way the service sends mail: one client per container (one attempt per SDK
// call, like clients.ts does IAM; the endpoint follows the standard override
// AWS_ENDPOINT_URL_SESV2, which the SDK reads itself), and one SendEmail with the retries of
// retry.ts inside the caller's deadline. Like the rest of aws/, it knows nothing of the product:
// what it cannot absorb leaves as an SesError of one of two kinds, and what a kind means (which
// answer, whether to take the link back) is the caller's call (functions/delivery/email.ts).
// Not imported by the onboarding function: only the admin function (and the scheduled one) send.

import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { errorName, IamError } from './iam-error.ts';
import { classify, type RetryOptions, withRetries } from './retry.ts';

export interface SesClientOptions {
  /** The function's region: SES identities (the verified sender) are regional. */
  region?: string;
  /** Default: the SDK's own resolution, which honours AWS_ENDPOINT_URL_SESV2. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function createSesClient(options: SesClientOptions = {}): SESv2Client {
  return new SESv2Client({
    maxAttempts: 1,
    region: options.region ?? 'us-east-1',
    endpoint: options.endpoint,
    credentials: options.credentials,
  });
}

/**
 * `rejected`: SES answered that it will not send this (the sender not verified, the message or an
 * address refused, sending paused or the account suspended, no permission): a repeat gets the
 * same answer until someone changes the SES setup. `unavailable`: SES throttled or failed (5xx, a
 * dropped connection, the daily quota) on every try until the deadline: later may work.
 * `unconfirmed`: a try's outcome was unknown (its answer lost, or a 5xx) and no later try settled
 * it: SES may have accepted the message, so the caller must treat it as possibly delivered.
 */
export type SesErrorKind = 'rejected' | 'unavailable' | 'unconfirmed';

/** An SES error the retries could not absorb, by kind; the SDK's error is kept as its cause. */
export class SesError extends Error {
  override name = 'SesError';
  constructor(
    readonly kind: SesErrorKind,
    /** The SDK exception's name (`MessageRejected`, `TooManyRequestsException`, ...). */
    readonly awsCode: string,
    options?: { cause?: unknown },
  ) {
    super(`SendEmail failed with ${awsCode}`, options);
  }
}

/** Refusals a later try can change without anyone touching SES: the sending quota refills. */
const LATER_NAMES = new Set(['LimitExceededException']);

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends one message (Simple content, UTF-8) and returns SES's message id. Throttling
 * (TooManyRequestsException, 429) and 5xx or dropped connections are retried with retry.ts's
 * full-jitter backoff until the next try would start past `retry.deadline`. A repeat after a 5xx
 * may deliver the message twice: a duplicate mail is better than a link nobody received. A
 * failure after a try whose outcome was unknown is `unconfirmed`, never `rejected` or
 * `unavailable`: that try may have been accepted.
 */
export async function sendEmail(
  ses: SESv2Client,
  message: EmailMessage,
  retry: RetryOptions,
): Promise<string | undefined> {
  const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
  const command = new SendEmailCommand({
    FromEmailAddress: message.from,
    Destination: { ToAddresses: [message.to] },
    Content: {
      Simple: {
        Subject: utf8(message.subject),
        Body: { Text: utf8(message.text), Html: utf8(message.html) },
      },
    },
  });
  // Whether any try may have been accepted: then no later failure proves the mail was not sent.
  let mayHaveSent = false;
  const attempt = async () => {
    try {
      return await ses.send(command);
    } catch (error) {
      if (classify(error) === 'transient') mayHaveSent = true;
      throw error;
    }
  };
  try {
    const answer = await withRetries('SendEmail', attempt, retry, { retryUnknownOutcome: true });
    return answer.MessageId;
  } catch (error) {
    const failure = sesErrorOf(error);
    if (mayHaveSent)
      throw new SesError('unconfirmed', failure.awsCode, { cause: failure.cause ?? failure });
    throw failure;
  }
}

/** withRetries speaks IamError (its one vocabulary); here its kinds become SES's. */
function sesErrorOf(error: unknown): SesError {
  if (error instanceof IamError) {
    const cause = error.cause ?? error;
    if (error.kind === 'unavailable' || error.kind === 'unknown-outcome')
      return new SesError('unavailable', error.awsCode, { cause });
    const kind = LATER_NAMES.has(error.awsCode) ? 'unavailable' : 'rejected';
    return new SesError(kind, error.awsCode, { cause });
  }
  return new SesError('rejected', errorName(error), { cause: error });
}
