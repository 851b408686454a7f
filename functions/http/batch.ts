// Per-user answers of the batch routes (bulk invitations, enforcement): what failed for one user
// becomes that user's `status` and `error`, as the single route would have answered it
// (mapError decides, as it does for whole requests); the others go on. An error nobody expected
// (a bug, an IAM error with no meaning for the product) is that user's 500 `internal_error`,
// logged like a request's: failing the whole request would lose the others' answers, such as
// links already written to IAM that no one could read again.

import type { Logger } from '../logger.ts';
import { INTERNAL_ERROR_MESSAGE, logUnexpected, mapError } from './error-response.ts';

/** What an operation on one user of a batch came to. */
export type UserOutcome<T> = { userName: string; value: T } | { userName: string; error: unknown };

export interface Problem<S extends number> {
  status: S;
  error: { code: string; message: string };
}

export function problemOf<S extends number>(
  error: unknown,
  allowed: readonly S[],
  logger: Logger,
  userName: string,
): Problem<S | 500> {
  const mapped = mapError(error);
  if (mapped && (allowed as readonly number[]).includes(mapped.status)) {
    return {
      status: mapped.status as S,
      error: { code: mapped.body.error.code, message: mapped.body.error.message },
    };
  }
  logUnexpected(logger, 'request.user_failed', error, { userName });
  return { status: 500, error: { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE } };
}
