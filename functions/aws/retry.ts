// Retries of IAM calls with full-jitter exponential backoff, bounded by the request's deadline
// so that all IAM work of one request fits inside API Gateway's 30 s limit. The SDK clients
// are created with maxAttempts 1: this module is the only place calls are retried, and what the
// retries cannot absorb leaves it as an IamError (iam-error.ts).

import { errorName, IamError, iamErrorOf } from './iam-error.ts';
import type { Pacer } from './pacer.ts';

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Backoff bases; throttling backs off harder, as the SDK's own standard mode does. */
  baseDelayMs?: number;
  throttleBaseDelayMs?: number;
  maxDelayMs?: number;
  /** Spaces every attempt (pacer.ts); an attempt whose turn comes after the deadline is not made. */
  pace?: Pacer;
}

export interface RetryPolicy {
  /**
   * Also retry errors that leave the outcome unknown (500s, dropped connections): true for
   * calls that are safe to repeat. EnableMFADevice is not, since a repeat is another code check:
   * its caller settles the outcome and answers 503 instead (docs/invitation-state.md).
   */
  retryUnknownOutcome: boolean;
  /**
   * Runs before each repeat; what it throws ends the retries and leaves withRetries unchanged
   * (e.g. "the invitation changed"): it is the caller's error, not IAM's.
   */
  beforeRetry?: () => Promise<void>;
}

/** The cause of an `unavailable` IamError: how many tries were made. */
class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`${operation} still failing after ${attempts} attempts`);
  }
}

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
/** IAM refused the call outright (nothing was done): as safe to repeat as a throttle. */
const REFUSED_NAMES = new Set([
  'ConcurrentModification',
  'ConcurrentModificationException',
  'EntityTemporarilyUnmodifiable',
  'EntityTemporarilyUnmodifiableException',
]);
/** Failures after which the call may or may not have been done. */
const TRANSIENT_NAMES = new Set([
  'ServiceFailure',
  'ServiceFailureException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** `refused`: rejected before any work; `transient`: the outcome is unknown. */
export type Retryability = 'throttling' | 'refused' | 'transient' | 'no';

export function classify(error: unknown): Retryability {
  if (!(error instanceof Error)) return 'no';
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  if (THROTTLING_NAMES.has(error.name) || status === 429) return 'throttling';
  if (REFUSED_NAMES.has(error.name)) return 'refused';
  if (TRANSIENT_NAMES.has(error.name)) return 'transient';
  if (status !== undefined && [500, 502, 503, 504].includes(status)) return 'transient';
  const code =
    (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  if (code !== undefined && NETWORK_CODES.has(code)) return 'transient';
  return 'no';
}

/**
 * Runs `attempt` until it succeeds, retrying what `classify` allows. Throws an IamError: the kind
 * of a final SDK error, `unknown-outcome` for one that may have been done and must not be
 * repeated, or `unavailable` when the next try would start past the deadline.
 */
export async function withRetries<T>(
  operation: string,
  attempt: () => Promise<T>,
  options: RetryOptions,
  policy: RetryPolicy = { retryUnknownOutcome: true },
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 5_000;
  for (let i = 0; ; i++) {
    try {
      if (options.pace && !(await options.pace.acquire(options.deadline)))
        throw new IamError('unavailable', 'NoTurnBeforeDeadline', operation);
      const result = await attempt();
      options.pace?.succeeded();
      return result;
    } catch (error) {
      if (error instanceof IamError) throw error;
      const kind = classify(error);
      // A definite answer is as good a sign of the rate as a success.
      if (kind === 'throttling') options.pace?.throttled();
      else if (kind === 'no') options.pace?.succeeded();
      if (kind === 'no') throw iamErrorOf(operation, error);
      if (kind === 'transient' && !policy.retryUnknownOutcome)
        throw new IamError('unknown-outcome', errorName(error), operation, { cause: error });
      const base =
        kind === 'throttling' ? (options.throttleBaseDelayMs ?? 400) : (options.baseDelayMs ?? 100);
      const delay = random() * Math.min(maxDelay, base * 2 ** i);
      if (now() + delay >= options.deadline) {
        throw new IamError('unavailable', errorName(error), operation, {
          cause: new RetriesExhaustedError(operation, i + 1, error),
        });
      }
      await sleep(delay);
      // Not the attempt's error: what the caller's check throws passes through as it is.
      await policy.beforeRetry?.();
    }
  }
}
